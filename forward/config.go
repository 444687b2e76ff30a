package forward

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/mcpauth/mcpauth/internal/httpx"
	"github.com/mcpauth/mcpauth/remote"
)

// Defaults for [Config].
const (
	DefaultMinCacheTTL        = 1 * time.Minute
	DefaultMaxCacheTTL        = 24 * time.Hour
	DefaultCacheTTL           = 1 * time.Hour
	DefaultErrorRetryInterval = 10 * time.Second
	DefaultFetchTimeout       = 10 * time.Second
	DefaultMaxBodyBytes       = 256 << 10
	DefaultLegacyMaxBodyBytes = 64 << 10
	DefaultLegacyTimeout      = 30 * time.Second
)

// Config configures a [Forwarder]. Only Issuer is required.
type Config struct {
	// Issuer is the authorization server's issuer identifier, exactly as it
	// appears in the upstream metadata's "issuer" and in your protected
	// resource metadata's authorization_servers (for AuthKit
	// "https://<subdomain>.authkit.app", no trailing slash). Required. It
	// must be an https URL (http is accepted for loopback hosts only) without
	// query or fragment. A fetched document whose issuer differs, even by a
	// trailing slash, is rejected: strict clients would reject it too.
	Issuer string

	// MetadataURL is the upstream metadata URL. Default: discovered from
	// Issuer, trying in this order the locations RFC 8414 and OpenID
	// Connect Discovery define (the order MCP clients use):
	//
	//  1. https://host/.well-known/oauth-authorization-server[/issuer-path]
	//     (RFC 8414 §3.1, the issuer's path inserted after the well-known
	//     part);
	//  2. https://host/.well-known/openid-configuration[/issuer-path]
	//     (RFC 8414 §5, the same rule for the OIDC document);
	//  3. https://host/issuer-path/.well-known/openid-configuration
	//     (OpenID Connect Discovery §4, appended), only for an issuer with
	//     a path.
	//
	// The first location that answers a valid document whose issuer equals
	// Issuer byte for byte is used from then on; until one does, every
	// fetch tries them all in order. Set it when the provider publishes its
	// metadata elsewhere.
	MetadataURL string

	// OpenIDConfiguration also serves /.well-known/openid-configuration on
	// our origin, forwarded verbatim from the upstream OpenID Connect
	// discovery document. Default false: the RFC 8414 document is always
	// served, and clients only fall back to the OIDC document when that one
	// is missing; enable it for clients that look for the OIDC document
	// first. It costs a second upstream document and cache. The OIDC
	// document is validated like the RFC 8414 one (same issuer, same
	// required fields).
	OpenIDConfiguration bool

	// OpenIDConfigurationURL overrides the upstream OIDC discovery URL.
	// Default: Issuer (without a trailing slash) +
	// "/.well-known/openid-configuration" (OpenID Connect Discovery 1.0 §4).
	// Only used when OpenIDConfiguration is true.
	OpenIDConfigurationURL string

	// LegacyEndpoints serves shims for clients that build /authorize, /token
	// and /register on the MCP server's origin instead of reading metadata:
	// /authorize answers a 302 to the upstream authorization_endpoint with
	// the same query; /token and /register reverse-proxy POSTs to the
	// upstream token_endpoint and registration_endpoint. Default false.
	//
	// Trade-off: with the shims on, authorization codes, refresh tokens,
	// client secrets and issued tokens transit this server (never logged),
	// the upstream sees this server's address (X-Forwarded-For carries the
	// connecting peer's address only, never one the client wrote), and an
	// outage of this server also stops token refreshes. Leave it off
	// unless you must support such clients.
	//
	// The shims only send clients to endpoints that are https (http on a
	// loopback host), never to a link-local, unspecified or multicast
	// address; they pass back JSON bodies only, with an allow-list of
	// headers (Cache-Control, Pragma, Retry-After, WWW-Authenticate,
	// DPoP-Nonce); /authorize adds MCPURL as the resource parameter when
	// the client sent none.
	LegacyEndpoints bool

	// MCPURL is the canonical URL of the MCP endpoint (the protected
	// resource) that the /authorize shim adds as the RFC 8707 resource
	// parameter to requests that carry none, so that legacy clients get a
	// token bound to this server. Only used with LegacyEndpoints; package
	// idp sets it. Default none.
	MCPURL string

	// HTTPClient fetches the upstream documents. It must be safe to retry
	// GETs with it. Default: a retrying client built from the Retry*,
	// AttemptTimeout and FetchTimeout fields (hashicorp/go-retryablehttp,
	// Retry-After clamped). When set, the Retry* and AttemptTimeout fields
	// are ignored. Whatever the client, redirects are never followed: the
	// forwarder uses a copy whose CheckRedirect refuses them (the inner
	// client of a go-retryablehttp RoundTripper too), and a 3xx answer is a
	// failed fetch (the last good copy is served, or 503). Another host's
	// document is never served from this origin.
	HTTPClient *http.Client

	// RetryMax is the number of retries after the first attempt (transport
	// errors, 429 and 5xx only). Default 0 means 2; negative disables
	// retries.
	RetryMax int
	// RetryWaitMin and RetryWaitMax bound the exponential backoff between
	// attempts. Defaults 100ms and 1s.
	RetryWaitMin, RetryWaitMax time.Duration
	// MaxRetryAfter clamps an upstream Retry-After. Default 2s.
	MaxRetryAfter time.Duration
	// AttemptTimeout bounds one attempt. Default 5s.
	AttemptTimeout time.Duration
	// FetchTimeout bounds one whole fetch, retries included. It applies to
	// a custom HTTPClient too. Default 10s.
	FetchTimeout time.Duration

	// MinCacheTTL and MaxCacheTTL bound the freshness lifetime taken from
	// the upstream Cache-Control (s-maxage, max-age) or Expires headers.
	// Defaults 1m and 24h. An upstream "no-store" or "no-cache" gets
	// MinCacheTTL: the last good copy is always kept for outages.
	MinCacheTTL, MaxCacheTTL time.Duration
	// DefaultCacheTTL is the freshness lifetime when the upstream sends no
	// caching headers. Default 1h. Must lie within [MinCacheTTL, MaxCacheTTL].
	DefaultCacheTTL time.Duration
	// ErrorRetryInterval is the least time between a failed fetch and the
	// next attempt; meanwhile the last good copy is served (or 503 with a
	// matching Retry-After when there is none). Default 10s.
	ErrorRetryInterval time.Duration
	// MaxBodyBytes limits an upstream document's size. Default 256 KiB.
	MaxBodyBytes int64

	// LegacyHTTPClient sends the proxied /token and /register POSTs. It must
	// not retry: those requests are not idempotent. Default: a plain client
	// with a 30s timeout. Whatever the client, redirects are never followed
	// (as for HTTPClient); an upstream 3xx is answered 502.
	LegacyHTTPClient *http.Client
	// LegacyMaxBodyBytes limits a proxied request body; larger requests get
	// 413. Default 64 KiB. Proxied responses are limited by MaxBodyBytes.
	LegacyMaxBodyBytes int64

	// Now returns the current time. Default time.Now. Inject a fake clock in
	// tests: every freshness decision reads it.
	Now func() time.Time
	// Logger receives one record per upstream failure streak (and an
	// error-level record on issuer mismatch). Default: silent.
	Logger *slog.Logger
	// OnMetadataFetch, when set, is called after every upstream fetch of a
	// document (the first, background refreshes, Prime), successful or
	// not, from the fetching goroutine: the hook for metrics on the
	// upstream's health and on how stale the copy being served is. It
	// must be fast and safe for concurrent use. Default nil.
	OnMetadataFetch func(remote.MetadataFetch)
}

// settings is a validated Config with defaults applied.
type settings struct {
	Config
	oidcURL   string
	discovery []string // the metadata locations to try, in order (one when MetadataURL is set)
}

func (cfg Config) validate() (settings, error) {
	s := settings{Config: cfg}
	if cfg.Issuer == "" {
		return s, errors.New("forward: Config.Issuer is empty; set it to the authorization server's issuer, e.g. https://<subdomain>.authkit.app")
	}
	iss, err := checkURL("Issuer", cfg.Issuer)
	if err != nil {
		return s, err
	}
	if s.MetadataURL == "" {
		s.discovery = discoveryURLs(iss)
	} else if _, err := checkURL("MetadataURL", s.MetadataURL); err != nil {
		return s, err
	} else {
		s.discovery = []string{s.MetadataURL}
	}
	if s.OpenIDConfiguration {
		if s.OpenIDConfigurationURL == "" {
			s.oidcURL = strings.TrimSuffix(cfg.Issuer, "/") + "/.well-known/openid-configuration"
		} else if _, err := checkURL("OpenIDConfigurationURL", s.OpenIDConfigurationURL); err != nil {
			return s, err
		} else {
			s.oidcURL = s.OpenIDConfigurationURL
		}
	}

	for _, d := range []struct {
		name string
		v    *time.Duration
		def  time.Duration
	}{
		{"RetryWaitMin", &s.RetryWaitMin, httpx.DefaultWaitMin},
		{"RetryWaitMax", &s.RetryWaitMax, httpx.DefaultWaitMax},
		{"MaxRetryAfter", &s.MaxRetryAfter, httpx.DefaultMaxRetryAfter},
		{"AttemptTimeout", &s.AttemptTimeout, httpx.DefaultAttemptTimeout},
		{"FetchTimeout", &s.FetchTimeout, DefaultFetchTimeout},
		{"MinCacheTTL", &s.MinCacheTTL, DefaultMinCacheTTL},
		{"MaxCacheTTL", &s.MaxCacheTTL, DefaultMaxCacheTTL},
		{"DefaultCacheTTL", &s.DefaultCacheTTL, DefaultCacheTTL},
		{"ErrorRetryInterval", &s.ErrorRetryInterval, DefaultErrorRetryInterval},
	} {
		switch {
		case *d.v < 0:
			return s, fmt.Errorf("forward: Config.%s is negative (%v); leave it zero for the default %v", d.name, *d.v, d.def)
		case *d.v == 0:
			*d.v = d.def
		}
	}
	if s.MaxCacheTTL < s.MinCacheTTL {
		return s, fmt.Errorf("forward: Config.MaxCacheTTL (%v) is below Config.MinCacheTTL (%v)", s.MaxCacheTTL, s.MinCacheTTL)
	}
	if cfg.DefaultCacheTTL == 0 {
		s.DefaultCacheTTL = min(max(s.DefaultCacheTTL, s.MinCacheTTL), s.MaxCacheTTL)
	} else if s.DefaultCacheTTL < s.MinCacheTTL || s.DefaultCacheTTL > s.MaxCacheTTL {
		return s, fmt.Errorf("forward: Config.DefaultCacheTTL (%v) is outside [MinCacheTTL %v, MaxCacheTTL %v]", s.DefaultCacheTTL, s.MinCacheTTL, s.MaxCacheTTL)
	}
	for _, b := range []struct {
		name string
		v    *int64
		def  int64
	}{
		{"MaxBodyBytes", &s.MaxBodyBytes, DefaultMaxBodyBytes},
		{"LegacyMaxBodyBytes", &s.LegacyMaxBodyBytes, DefaultLegacyMaxBodyBytes},
	} {
		switch {
		case *b.v < 0:
			return s, fmt.Errorf("forward: Config.%s is negative (%d); leave it zero for the default %d", b.name, *b.v, b.def)
		case *b.v == 0:
			*b.v = b.def
		}
	}

	if s.HTTPClient == nil {
		s.HTTPClient = httpx.NewClient(httpx.Options{
			RetryMax:       s.RetryMax,
			WaitMin:        s.RetryWaitMin,
			WaitMax:        s.RetryWaitMax,
			MaxRetryAfter:  s.MaxRetryAfter,
			AttemptTimeout: s.AttemptTimeout,
			Deadline:       s.FetchTimeout,
		})
	} else {
		s.HTTPClient = httpx.NoRedirects(s.HTTPClient)
	}
	if s.LegacyHTTPClient == nil {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.DialContext = httpx.RefuseUnroutableDialer().DialContext // whatever a name resolves to
		s.LegacyHTTPClient = &http.Client{Transport: tr, Timeout: DefaultLegacyTimeout}
	}
	s.LegacyHTTPClient = httpx.NoRedirects(s.LegacyHTTPClient)
	if s.Now == nil {
		s.Now = time.Now
	}
	if s.Logger == nil {
		s.Logger = slog.New(slog.DiscardHandler)
	}
	return s, nil
}

// checkURL checks a configured URL (an issuer or a metadata location) by
// the module's rule for identifiers.
func checkURL(field, raw string) (*url.URL, error) {
	u, err := httpx.CheckURL(raw, httpx.IdentifierURL)
	if err != nil {
		return nil, fmt.Errorf("forward: Config.%s %q %w", field, httpx.RedactUserinfo(raw), err) // never echo credentials
	}
	return u, nil
}

// wellKnownURL inserts /.well-known/<name> between the issuer's host and
// path, per RFC 8414 §3.1 (a terminating "/" of the issuer is dropped).
func wellKnownURL(issuer *url.URL, name string) string {
	origin, path := issuerParts(issuer)
	return origin + "/.well-known/" + name + path
}

// discoveryURLs lists the metadata locations of an issuer in the order
// documented on Config.MetadataURL.
func discoveryURLs(issuer *url.URL) []string {
	urls := []string{wellKnownURL(issuer, "oauth-authorization-server"), wellKnownURL(issuer, "openid-configuration")}
	if origin, path := issuerParts(issuer); path != "" {
		urls = append(urls, origin+path+"/.well-known/openid-configuration")
	}
	return urls
}

// issuerParts splits an issuer into its origin and its escaped path without
// a terminating "/" ("" at the root).
func issuerParts(issuer *url.URL) (origin, path string) {
	u := *issuer
	path = strings.TrimSuffix(u.EscapedPath(), "/")
	u.RawPath = ""
	u.Path = ""
	return u.String(), path
}
