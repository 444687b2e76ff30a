package forward

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/mcpauth/mcpauth/remote"
)

// Paths served on our origin.
const (
	pathAuthorizationServer = "/.well-known/oauth-authorization-server"
	pathOpenIDConfiguration = "/.well-known/openid-configuration"
	pathAuthorize           = "/authorize"
	pathToken               = "/token"
	pathRegister            = "/register"
)

// Forwarder serves the upstream authorization server's metadata from our
// origin. It is safe for concurrent use. It starts goroutines only for
// upstream fetches; [Forwarder.Close] stops them.
type Forwarder struct {
	cfg  settings
	as   *docCache
	oidc *docCache // nil unless Config.OpenIDConfiguration

	mu     sync.Mutex
	closed bool
	wg     sync.WaitGroup
}

// New validates cfg, applies its defaults and returns a Forwarder. It does
// not contact the upstream: call [Forwarder.Prime] at start-up to fail fast,
// or let the first request fetch the document.
func New(cfg Config) (*Forwarder, error) {
	s, err := cfg.validate()
	if err != nil {
		return nil, err
	}
	f := &Forwarder{cfg: s}
	issuer := s.Issuer
	validate := func(b []byte) (*Metadata, error) { return parseMetadata(b, issuer) }
	f.as = newDocCache(f, "oauth-authorization-server", s.discovery, validate)
	if s.OpenIDConfiguration {
		f.oidc = newDocCache(f, "openid-configuration", []string{s.oidcURL}, validate)
	}
	return f, nil
}

// MetadataURL returns the upstream metadata URL in use: Config.MetadataURL,
// or the discovered location (the first one to try until one answered).
func (f *Forwarder) MetadataURL() string { return f.as.currentURL() }

// Routes returns the routes to mount on the MCP server's mux, never behind
// a bearer check: /.well-known/oauth-authorization-server, plus
// /.well-known/openid-configuration when Config.OpenIDConfiguration is set,
// plus /authorize, /token and /register when Config.LegacyEndpoints is set.
// Patterns carry no method: the handlers answer OPTIONS preflights and 405
// themselves, with CORS headers.
func (f *Forwarder) Routes() []remote.Route {
	routes := []remote.Route{{Pattern: pathAuthorizationServer, Handler: f.Handler()}}
	if f.oidc != nil {
		routes = append(routes, remote.Route{Pattern: pathOpenIDConfiguration, Handler: &docHandler{f.oidc}})
	}
	if f.cfg.LegacyEndpoints {
		routes = append(routes,
			remote.Route{Pattern: pathAuthorize, Handler: http.HandlerFunc(f.serveAuthorize)},
			remote.Route{Pattern: pathToken, Handler: &proxyHandler{f: f, name: "token", endpoint: func(m *Metadata) string { return m.TokenEndpoint }}},
			remote.Route{Pattern: pathRegister, Handler: &proxyHandler{f: f, name: "register", endpoint: func(m *Metadata) string { return m.RegistrationEndpoint }}},
		)
	}
	return routes
}

// Handler returns the handler of /.well-known/oauth-authorization-server:
// GET and HEAD get the upstream document's bytes verbatim (from the cache),
// with our ETag, Cache-Control, Age and CORS headers; OPTIONS gets a CORS
// preflight answer; other methods 405. Without any good copy it answers 503
// with Retry-After and a generic JSON error.
func (f *Forwarder) Handler() http.Handler { return &docHandler{f.as} }

// Prime fetches the upstream documents now unless a fresh copy is cached,
// and returns the first error (wrapping [ErrMetadataUnavailable] or
// [ErrInvalidMetadata]). Call it at start-up; serving does not need it.
func (f *Forwarder) Prime(ctx context.Context) error {
	err := f.as.prime(ctx)
	if f.oidc != nil {
		err = errors.Join(err, f.oidc.prime(ctx))
	}
	return err
}

// Metadata returns the parsed view of the cached authorization server
// metadata, fetching it on a cold cache. A stale copy is returned (and
// refreshed in the background) like the handler serves it. The result is a
// copy the caller may keep and modify.
func (f *Forwarder) Metadata(ctx context.Context) (*Metadata, error) {
	e, err := f.as.get(ctx, f.cfg.Now())
	if err != nil {
		return nil, err
	}
	return e.meta.clone(), nil
}

// Close stops background refreshes, cancelling a fetch in flight, and waits
// for their goroutines. Afterwards the handlers keep serving cached copies
// but fetch nothing. Close is idempotent and always returns nil.
func (f *Forwarder) Close() error {
	f.mu.Lock()
	f.closed = true
	f.mu.Unlock()
	f.as.cancelInflight()
	if f.oidc != nil {
		f.oidc.cancelInflight()
	}
	f.wg.Wait()
	return nil
}

func (f *Forwarder) isClosed() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.closed
}

// Shared header values (len == cap, never appended to in place).
var (
	hdrStar        = []string{"*"}
	hdrJSON        = []string{"application/json"}
	hdrNosniff     = []string{"nosniff"}
	hdrNoStore     = []string{"no-store"}
	hdrDocMethods  = []string{"GET, HEAD, OPTIONS"}
	hdrPostMethods = []string{"POST, OPTIONS"}
	hdrAllowHdrs   = []string{"Authorization, Content-Type, DPoP, MCP-Protocol-Version"}
	hdrMaxAge      = []string{"86400"}
)

type docHandler struct{ c *docCache }

// serveBegin does what every forwarded route does first: CORS, the OPTIONS
// preflight, 405 for other methods (routes answer GET and HEAD, or only POST
// when post is set), and the cached upstream document (a generic 503 with
// Retry-After, saying unavailable, while there is none). It reports false
// when it has answered the request itself.
func serveBegin(w http.ResponseWriter, r *http.Request, c *docCache, post bool, unavailable string) (*entry, time.Time, bool) {
	h := w.Header()
	h["Access-Control-Allow-Origin"] = hdrStar
	allow := hdrDocMethods
	if post {
		allow = hdrPostMethods
	}
	if r.Method == http.MethodOptions {
		preflight(w, allow)
		return nil, time.Time{}, false
	}
	allowed := r.Method == http.MethodGet || r.Method == http.MethodHead
	if post {
		allowed = r.Method == http.MethodPost
	}
	if !allowed {
		h["Allow"] = allow
		writeError(w, http.StatusMethodNotAllowed, "invalid_request", "Method not allowed.")
		return nil, time.Time{}, false
	}
	now := c.f.cfg.Now()
	e, err := c.get(r.Context(), now)
	if err != nil {
		h.Set("Retry-After", strconv.FormatInt(c.retryAfter(now), 10))
		writeError(w, http.StatusServiceUnavailable, "temporarily_unavailable", unavailable)
		return nil, now, false
	}
	return e, now, true
}

func (d *docHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	e, now, ok := serveBegin(w, r, d.c, false, "The authorization server metadata is temporarily unavailable. Try again later.")
	if !ok {
		return
	}
	h := w.Header()
	h["Content-Type"] = hdrJSON
	h["X-Content-Type-Options"] = hdrNosniff
	h["Etag"] = e.etagHdr
	h["Cache-Control"] = e.cacheHdr
	h["Age"] = []string{strconv.FormatInt(e.age(now), 10)}
	if inm := r.Header.Get("If-None-Match"); inm != "" && etagMatches(inm, e.etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	h["Content-Length"] = e.lenHdr
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodGet {
		_, _ = w.Write(e.body)
	}
}

// etagMatches implements If-None-Match's weak comparison (RFC 9110 §13.1.2).
func etagMatches(header, etag string) bool {
	for len(header) > 0 {
		var tag string
		tag, header, _ = strings.Cut(header, ",")
		tag = strings.TrimSpace(tag)
		if tag == "*" || strings.TrimPrefix(tag, "W/") == etag {
			return true
		}
	}
	return false
}

func preflight(w http.ResponseWriter, methods []string) {
	h := w.Header()
	h["Access-Control-Allow-Methods"] = methods
	h["Access-Control-Allow-Headers"] = hdrAllowHdrs
	h["Access-Control-Max-Age"] = hdrMaxAge
	w.WriteHeader(http.StatusNoContent)
}

// writeError writes a generic OAuth-style JSON error. code and description
// are constants of this package, never internal error text.
func writeError(w http.ResponseWriter, status int, code, description string) {
	h := w.Header()
	h["Content-Type"] = hdrJSON
	h["Cache-Control"] = hdrNoStore
	h["X-Content-Type-Options"] = hdrNosniff
	w.WriteHeader(status)
	_, _ = w.Write([]byte(`{"error":"` + code + `","error_description":"` + description + `"}`))
}
