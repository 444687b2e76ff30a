package forward

// This file implements the optional legacy endpoint shims for clients
// written to the 2025-03-26 MCP revision that build /authorize, /token and
// /register on the MCP server's origin instead of reading metadata.

import (
	"bytes"
	"errors"
	"io"
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
// authorization_endpoint carrying the same query.
func (f *Forwarder) serveAuthorize(w http.ResponseWriter, r *http.Request) {
	e, _, ok := serveBegin(w, r, f.as, false, legacyUnavailable)
	if !ok {
		return
	}
	h := w.Header()
	u, err := url.Parse(e.meta.AuthorizationEndpoint) // validated when fetched
	if err != nil {
		writeError(w, http.StatusServiceUnavailable, "temporarily_unavailable",
			legacyUnavailable)
		return
	}
	if q := r.URL.RawQuery; q != "" {
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

// Response headers never passed back: hop-by-hop headers, cookies for the
// upstream's origin, CORS (ours replaces it) and the length (recomputed).
var proxyDroppedResponseHeaders = map[string]bool{
	"Connection": true, "Proxy-Connection": true, "Keep-Alive": true, "Proxy-Authenticate": true,
	"Te": true, "Trailer": true, "Transfer-Encoding": true, "Upgrade": true,
	"Set-Cookie": true, "Content-Length": true, "Alt-Svc": true,
}

func (p *proxyHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f := p.f
	e, _, ok := serveBegin(w, r, f.as, true, legacyUnavailable)
	if !ok {
		return
	}
	h := w.Header()
	target := p.endpoint(e.meta)
	if target == "" {
		writeError(w, http.StatusNotFound, "invalid_request", "The authorization server does not offer this endpoint.")
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
	out, err := http.NewRequestWithContext(r.Context(), http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		writeError(w, http.StatusBadGateway, "temporarily_unavailable", "The authorization server could not be reached.")
		return
	}
	for _, name := range proxyRequestHeaders {
		if v := r.Header.Values(name); len(v) > 0 {
			out.Header[name] = v
		}
	}
	if ip, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		if prior := r.Header.Values("X-Forwarded-For"); len(prior) > 0 {
			ip = strings.Join(prior, ", ") + ", " + ip
		}
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
	for name, v := range resp.Header {
		if proxyDroppedResponseHeaders[name] || strings.HasPrefix(name, "Access-Control-") {
			continue
		}
		h[name] = v
	}
	if h.Get("Cache-Control") == "" {
		h["Cache-Control"] = hdrNoStore
	}
	h.Set("Content-Length", strconv.Itoa(len(respBody)))
	w.WriteHeader(resp.StatusCode)
	_, _ = w.Write(respBody)
}
