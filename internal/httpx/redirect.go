package httpx

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"

	"github.com/hashicorp/go-retryablehttp"
)

// Redirects.
//
// Every outbound request of this module goes to a URL the operator
// configured (or one an authorization server's metadata named): keys,
// metadata, introspection, the WorkOS API. A redirect elsewhere is never
// followed, whatever client sends the request: a JWKS URL answering 302 to
// another host would make the verifier trust that host's keys, and an
// introspection endpoint answering 307 would get the token and the client
// secret re-posted to it. A 3xx answer is returned to the caller, which
// treats it as a failed fetch of its class ([RedirectError]).

// ErrRedirect is wrapped by every [RedirectError].
var ErrRedirect = errors.New("redirect not followed")

// RedirectError reports that a fetch was answered with a redirect, which
// this module never follows. It names the status and the host of the URL
// that was asked (the configured one), never the redirect's target or a
// query.
type RedirectError struct {
	Status int    // the 3xx status; 0 when a transport followed it unseen
	Host   string // host of the requested URL
}

func (e *RedirectError) Error() string {
	if e.Status == 0 {
		return fmt.Sprintf("a request to %s was redirected and the HTTP client's transport followed the redirect by itself, so the request reached another host: use a transport that does not follow redirects", e.Host)
	}
	return fmt.Sprintf("%s answered HTTP %d (a redirect); redirects are never followed: configure the final URL", e.Host, e.Status)
}

// Unwrap makes the error match ErrRedirect.
func (e *RedirectError) Unwrap() error { return ErrRedirect }

// CheckRedirectStatus returns a *RedirectError when resp is a redirect
// (any 3xx but 304 Not Modified), nil otherwise.
func CheckRedirectStatus(resp *http.Response) error {
	if resp.StatusCode < 300 || resp.StatusCode > 399 || resp.StatusCode == http.StatusNotModified {
		return nil
	}
	host := ""
	if resp.Request != nil && resp.Request.URL != nil {
		host = resp.Request.URL.Host
	}
	return &RedirectError{Status: resp.StatusCode, Host: host}
}

// refuseRedirect is the CheckRedirect of every client of this module: the
// redirect response itself is returned to the caller.
func refuseRedirect(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// NoRedirects returns a client that sends requests like c but never follows
// a redirect. c itself is not modified. Three layers, so that no client a
// user passes in can re-open the hole:
//
//   - the copy's CheckRedirect returns the redirect response instead of
//     following it;
//   - when c's transport is a go-retryablehttp RoundTripper, whose inner
//     http.Client runs every attempt (and would follow redirects on its
//     own), that inner client gets the same rule, in a new RoundTripper
//     with the same settings;
//   - the copy's transport is wrapped in a guard that refuses a response
//     whose request is not the one sent (a transport that followed a
//     redirect by itself): the answer is discarded and the call fails with
//     a *RedirectError. Such a transport has already sent the request to
//     the other host; it must not be used, and the error says so.
//
// NoRedirects(nil) is nil.
func NoRedirects(c *http.Client) *http.Client {
	if c == nil {
		return nil
	}
	out := *c
	out.CheckRedirect = refuseRedirect
	base := c.Transport
	if rt, ok := base.(*retryablehttp.RoundTripper); ok && rt.Client != nil {
		base = &retryablehttp.RoundTripper{Client: retryableNoRedirects(rt.Client)}
	}
	if base == nil {
		base = http.DefaultTransport
	}
	out.Transport = &redirectGuard{base: base}
	return &out
}

// retryableNoRedirects copies the settings of rc into a new client whose
// inner http.Client refuses redirects.
func retryableNoRedirects(rc *retryablehttp.Client) *retryablehttp.Client {
	var inner http.Client
	if rc.HTTPClient != nil {
		inner = *rc.HTTPClient
	}
	inner.CheckRedirect = refuseRedirect
	return &retryablehttp.Client{
		HTTPClient:      &inner,
		Logger:          rc.Logger,
		RetryWaitMin:    rc.RetryWaitMin,
		RetryWaitMax:    rc.RetryWaitMax,
		RetryMax:        rc.RetryMax,
		RequestLogHook:  rc.RequestLogHook,
		ResponseLogHook: rc.ResponseLogHook,
		CheckRetry:      rc.CheckRetry,
		Backoff:         rc.Backoff,
		ErrorHandler:    rc.ErrorHandler,
		PrepareRetry:    rc.PrepareRetry,
	}
}

// redirectGuard refuses a redirect hop (a request the client built from a
// redirect response) before it is sent, and a response that answers another
// request than the one sent.
type redirectGuard struct{ base http.RoundTripper }

func (g *redirectGuard) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Response != nil {
		// Only a client following a redirect sets Response; the
		// CheckRedirect above never lets it, but a caller's own
		// CheckRedirect might have been restored on a copy.
		return nil, &RedirectError{Status: req.Response.StatusCode, Host: hostOf(req.Response.Request)}
	}
	resp, err := g.base.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	if resp.Request != nil && resp.Request.URL != nil && !sameURL(resp.Request.URL, req.URL) {
		_ = resp.Body.Close()
		return nil, &RedirectError{Host: req.URL.Host}
	}
	return resp, nil
}

func hostOf(r *http.Request) string {
	if r == nil || r.URL == nil {
		return ""
	}
	return r.URL.Host
}

func sameURL(a, b *url.URL) bool {
	return a == b || a.String() == b.String()
}
