package forward

// This file implements the optional legacy endpoint shims for clients
// written to the 2025-03-26 MCP revision that build /authorize, /token and
// /register on the MCP server's origin instead of reading metadata.

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/mcpauth/mcpauth/internal/httpx"
)

// legacyUnavailable is the client-facing description of a 503 from a shim.
const legacyUnavailable = "The authorization server is temporarily unavailable. Try again later."

// serveAuthorize answers GET /authorize with a 302 to the upstream
// authorization_endpoint carrying the same query, plus resource (the
// configured MCPURL) when the client sent none: a client that predates
// resource indicators would otherwise get a token for no resource in
// particular (AuthKit then puts its client id in aud), refused by every
// call.
func (f *Forwarder) serveAuthorize(w http.ResponseWriter, r *http.Request) {
	e, _, ok := serveBegin(w, r, f.as, false, legacyUnavailable)
	if !ok {
		return
	}
	h := w.Header()
	u, err := legacyEndpoint(e.meta.AuthorizationEndpoint)
	if err != nil {
		f.cfg.Logger.Warn("forward: legacy /authorize refused the metadata's authorization_endpoint", "error", err)
		writeError(w, http.StatusServiceUnavailable, "temporarily_unavailable", legacyUnavailable)
		return
	}
	q := r.URL.RawQuery
	if f.cfg.MCPURL != "" && !queryHas(q, "resource") {
		if q != "" {
			q += "&"
		}
		q += "resource=" + url.QueryEscape(f.cfg.MCPURL)
	}
	if q != "" {
		if u.RawQuery != "" {
			u.RawQuery += "&" + q
		} else {
			u.RawQuery = q
		}
	}
	h["Cache-Control"] = hdrNoStore
	h.Set("Location", u.String())
	w.WriteHeader(http.StatusFound)
}

// proxyHandler reverse-proxies POSTs to one upstream endpoint. It never
// retries (the requests are not idempotent) and never logs bodies or
// headers: they carry codes, secrets and tokens.
type proxyHandler struct {
	f        *Forwarder
	name     string
	endpoint func(*Metadata) string
}

// Request headers passed upstream; everything else (cookies above all) is
// dropped.
var proxyRequestHeaders = []string{"Accept", "Accept-Language", "Authorization", "Content-Type", "DPoP", "User-Agent"}

// Response headers passed back, the only ones: what an OAuth token or
// registration response means (RFC 6749 §5.1, RFC 7591, RFC 9449). Cookies
// of the upstream's origin, its CORS, caching and security policies and
// anything else stay out of the MCP origin.
var proxyResponseHeaders = []string{"Cache-Control", "Pragma", "Retry-After", "Www-Authenticate", "Dpop-Nonce"}

// legacyEndpoint parses an endpoint of the upstream's metadata for a shim:
// https (http on a loopback host only), no link-local or unspecified
// address. The metadata was validated when fetched; this is the shims'
// stricter rule, since they send the client there.
func legacyEndpoint(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, errors.New("not a URL")
	}
	if err := httpx.CheckEndpoint(u); err != nil {
		return nil, err
	}
	return u, nil
}

// queryHas reports whether a raw query has a parameter named name.
func queryHas(rawQuery, name string) bool {
	for part := range strings.SplitSeq(rawQuery, "&") {
		k, _, _ := strings.Cut(part, "=")
		if k == name {
			return true
		}
		if strings.ContainsAny(k, "%+") {
			if d, err := url.QueryUnescape(k); err == nil && d == name {
				return true
			}
		}
	}
	return false
}

func (p *proxyHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f := p.f
	e, _, ok := serveBegin(w, r, f.as, true, legacyUnavailable)
	if !ok {
		return
	}
	h := w.Header()
	raw := p.endpoint(e.meta)
	if raw == "" {
		writeError(w, http.StatusNotFound, "invalid_request", "The authorization server does not offer this endpoint.")
		return
	}
	target, err := legacyEndpoint(raw)
	if err != nil {
		f.cfg.Logger.Warn("forward: legacy proxy refused the metadata's endpoint", "endpoint", p.name, "error", err)
		writeError(w, http.StatusBadGateway, "temporarily_unavailable", "The authorization server could not be reached.")
		return
	}

	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, f.cfg.LegacyMaxBodyBytes))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			writeError(w, http.StatusRequestEntityTooLarge, "invalid_request", "Request body too large.")
			return
		}
		writeError(w, http.StatusBadRequest, "invalid_request", "Could not read the request body.")
		return
	}
	out, err := http.NewRequestWithContext(r.Context(), http.MethodPost, target.String(), bytes.NewReader(body))
	if err != nil {
		writeError(w, http.StatusBadGateway, "temporarily_unavailable", "The authorization server could not be reached.")
		return
	}
	for _, name := range proxyRequestHeaders {
		if v := r.Header.Values(name); len(v) > 0 {
			out.Header[name] = v
		}
	}
	// The peer's address only: an X-Forwarded-For the client wrote itself
	// must not reach the authorization server as the client's address
	// (rate limits, risk scoring and logs trust it).
	if ip, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		out.Header.Set("X-Forwarded-For", ip)
	}

	resp, err := f.cfg.LegacyHTTPClient.Do(out)
	if err != nil {
		f.cfg.Logger.Warn("forward: legacy proxy could not reach the upstream", "endpoint", p.name, "class", "unavailable")
		writeError(w, http.StatusBadGateway, "temporarily_unavailable", "The authorization server could not be reached.")
		return
	}
	defer resp.Body.Close()
	if httpx.CheckRedirectStatus(resp) != nil {
		f.cfg.Logger.Warn("forward: legacy proxy got a redirect from the upstream; redirects are never followed", "endpoint", p.name, "status", resp.StatusCode, "host", out.URL.Host)
		writeError(w, http.StatusBadGateway, "temporarily_unavailable", "The authorization server could not be reached.")
		return
	}
	respBody, err := io.ReadAll(io.LimitReader(resp.Body, f.cfg.MaxBodyBytes+1))
	if err != nil || int64(len(respBody)) > f.cfg.MaxBodyBytes {
		f.cfg.Logger.Warn("forward: legacy proxy got an unreadable or oversized upstream response", "endpoint", p.name, "status", resp.StatusCode)
		writeError(w, http.StatusBadGateway, "temporarily_unavailable", "The authorization server could not be reached.")
		return
	}
	// Only JSON is replayed from the MCP origin: an HTML or script body of
	// the upstream's would be served as ours.
	if len(respBody) > 0 {
		if mt, _, err := mime.ParseMediaType(resp.Header.Get("Content-Type")); err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
			f.cfg.Logger.Warn("forward: legacy proxy got a non-JSON upstream response; not passed back", "endpoint", p.name, "status", resp.StatusCode)
			writeError(w, http.StatusBadGateway, "temporarily_unavailable", "The authorization server could not be reached.")
			return
		}
		h["Content-Type"] = hdrJSON
	}
	for _, name := range proxyResponseHeaders {
		if v := resp.Header.Values(name); len(v) > 0 {
			h[name] = v
		}
	}
	h["X-Content-Type-Options"] = hdrNosniff
	if h.Get("Cache-Control") == "" {
		h["Cache-Control"] = hdrNoStore
	}
	h.Set("Content-Length", strconv.Itoa(len(respBody)))
	w.WriteHeader(resp.StatusCode)
	_, _ = w.Write(respBody)
}
