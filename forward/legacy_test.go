package forward

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/mcpauth/mcpauth/internal/jwttest"
	"github.com/mcpauth/mcpauth/internal/testutil"
)

// legacyUpstream serves doc as metadata and hands /oauth2/* to endpoint.
func legacyUpstream(t testing.TB, doc func(u *upstream) []byte, endpoint http.HandlerFunc) *upstream {
	t.Helper()
	u := newUpstream(t)
	body := doc(u)
	u.set(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/.well-known/") {
			_, _ = w.Write(body)
			return
		}
		endpoint(w, r)
	})
	return u
}

func legacyMux(t testing.TB, cfg Config) *http.ServeMux {
	t.Helper()
	cfg.LegacyEndpoints = true
	f := mustNew(t, cfg)
	mux := http.NewServeMux()
	for _, r := range f.Routes() {
		mux.Handle(r.Pattern, r.Handler)
	}
	return mux
}

func TestLegacyEndpointsOffByDefault(t *testing.T) {
	u := newUpstream(t)
	f := mustNew(t, testConfig(u, jwttest.NewClock(), nil))
	routes := f.Routes()
	if len(routes) != 1 || routes[0].Pattern != pathAuthorizationServer {
		t.Errorf("routes = %v, want only %s", routes, pathAuthorizationServer)
	}
}

func TestLegacyAuthorizeRedirect(t *testing.T) {
	for _, tc := range []struct {
		name, endpointQuery, query, want string
	}{
		{"query carried", "", "response_type=code&client_id=c1&state=s%2Fx&resource=https%3A%2F%2Fmcp.example%2Fmcp", "/oauth2/authorize?response_type=code&client_id=c1&state=s%2Fx&resource=https%3A%2F%2Fmcp.example%2Fmcp"},
		{"no query", "", "", "/oauth2/authorize"},
		{"endpoint has a query", "?tenant=t1", "client_id=c1", "/oauth2/authorize?tenant=t1&client_id=c1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u := legacyUpstream(t, func(u *upstream) []byte {
				return docWith(u.issuer(), map[string]any{"authorization_endpoint": u.issuer() + "/oauth2/authorize" + tc.endpointQuery})
			}, nil)
			mux := legacyMux(t, testConfig(u, jwttest.NewClock(), nil))
			target := pathAuthorize
			if tc.query != "" {
				target += "?" + tc.query
			}
			for _, method := range []string{http.MethodGet, http.MethodHead} {
				w := do(t, mux, method, target, nil)
				if w.Code != http.StatusFound {
					t.Fatalf("%s: status %d, want 302", method, w.Code)
				}
				if got, want := w.Header().Get("Location"), u.issuer()+tc.want; got != want {
					t.Errorf("%s: Location = %q, want %q", method, got, want)
				}
				if w.Header().Get("Cache-Control") != "no-store" {
					t.Errorf("%s: Cache-Control = %q", method, w.Header().Get("Cache-Control"))
				}
			}
			if w := do(t, mux, http.MethodPost, pathAuthorize, nil); w.Code != http.StatusMethodNotAllowed {
				t.Errorf("POST /authorize: %d, want 405", w.Code)
			}
		})
	}
}

func TestLegacyAuthorizeUpstreamDown(t *testing.T) {
	u := newUpstream(t)
	u.set(status(http.StatusBadGateway, nil))
	mux := legacyMux(t, testConfig(u, jwttest.NewClock(), nil))
	assertGeneric503(t, do(t, mux, http.MethodGet, pathAuthorize+"?client_id=c", nil))
}

// post sends a POST with body and headers through h.
func post(t testing.TB, h http.Handler, target string, body []byte, hdr map[string]string) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest(http.MethodPost, target, bytes.NewReader(body))
	r.RemoteAddr = "192.0.2.7:5555"
	for k, v := range hdr {
		r.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

const secretForm = "grant_type=authorization_code&code=SECRET-CODE&code_verifier=SECRET-VERIFIER"

func TestLegacyTokenProxy(t *testing.T) {
	type seen struct {
		path, body, auth, cookie, xff, ct string
	}
	got := make(chan seen, 1)
	var hits atomic.Int32
	u := legacyUpstream(t, func(u *upstream) []byte { return u.doc() }, func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		b, _ := io.ReadAll(r.Body)
		got <- seen{r.URL.Path, string(b), r.Header.Get("Authorization"), r.Header.Get("Cookie"), r.Header.Get("X-Forwarded-For"), r.Header.Get("Content-Type")}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("Set-Cookie", "upstream=1")
		w.Header().Set("Access-Control-Allow-Origin", "https://upstream.example")
		w.WriteHeader(http.StatusBadRequest)
		_, _ = io.WriteString(w, `{"error":"invalid_grant"}`)
	})
	logs := &testutil.LogBuffer{}
	mux := legacyMux(t, testConfig(u, jwttest.NewClock(), logs))

	for _, path := range []string{pathToken, pathRegister} {
		t.Run(path, func(t *testing.T) {
			w := post(t, mux, path, []byte(secretForm), map[string]string{
				"Content-Type":  "application/x-www-form-urlencoded",
				"Authorization": "Basic U0VDUkVULUJBU0lD",
				"Cookie":        "session=SECRET-COOKIE",
			})
			s := <-got
			if want := "/oauth2" + path; s.path != want {
				t.Errorf("upstream path = %q, want %q", s.path, want)
			}
			if s.body != secretForm || s.auth != "Basic U0VDUkVULUJBU0lD" || s.ct != "application/x-www-form-urlencoded" {
				t.Errorf("upstream got body %q auth %q ct %q", s.body, s.auth, s.ct)
			}
			if s.cookie != "" {
				t.Errorf("cookie forwarded: %q", s.cookie)
			}
			if s.xff != "192.0.2.7" {
				t.Errorf("X-Forwarded-For = %q", s.xff)
			}
			if w.Code != http.StatusBadRequest || w.Body.String() != `{"error":"invalid_grant"}` {
				t.Errorf("client got %d %q, want the upstream answer", w.Code, w.Body)
			}
			if w.Header().Get("Set-Cookie") != "" || w.Header().Get("Access-Control-Allow-Origin") != "*" || w.Header().Get("Cache-Control") != "no-store" {
				t.Errorf("response headers %v", w.Header())
			}
		})
	}
	if hits.Load() != 2 {
		t.Errorf("upstream endpoint hits = %d, want 2", hits.Load())
	}
	for _, secret := range []string{"SECRET", "U0VDUkVU"} {
		if strings.Contains(logs.String(), secret) {
			t.Errorf("logs contain %q:\n%s", secret, logs)
		}
	}
}

func TestLegacyProxyLimitsAndErrors(t *testing.T) {
	var hits atomic.Int32
	u := legacyUpstream(t, func(u *upstream) []byte {
		return docWith(u.issuer(), map[string]any{"registration_endpoint": nil})
	}, func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.WriteHeader(http.StatusServiceUnavailable) // retryable for a GET; must not be retried here
	})
	cfg := testConfig(u, jwttest.NewClock(), nil)
	cfg.LegacyMaxBodyBytes = 1024
	mux := legacyMux(t, cfg)

	for _, tc := range []struct {
		name     string
		method   string
		path     string
		body     []byte
		want     int
		wantHits int32
	}{
		{"oversize body", http.MethodPost, pathToken, bytes.Repeat([]byte("a"), 1025), http.StatusRequestEntityTooLarge, 0},
		{"at the limit, not retried", http.MethodPost, pathToken, bytes.Repeat([]byte("a"), 1024), http.StatusServiceUnavailable, 1},
		{"GET", http.MethodGet, pathToken, nil, http.StatusMethodNotAllowed, 0},
		{"preflight", http.MethodOptions, pathToken, nil, http.StatusNoContent, 0},
		{"no registration endpoint", http.MethodPost, pathRegister, []byte("{}"), http.StatusNotFound, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hits.Store(0)
			r := httptest.NewRequest(tc.method, tc.path, bytes.NewReader(tc.body))
			w := httptest.NewRecorder()
			mux.ServeHTTP(w, r)
			if w.Code != tc.want {
				t.Errorf("status = %d, want %d (%q)", w.Code, tc.want, w.Body)
			}
			if hits.Load() != tc.wantHits {
				t.Errorf("upstream hits = %d, want %d", hits.Load(), tc.wantHits)
			}
			if w.Header().Get("Access-Control-Allow-Origin") != "*" {
				t.Error("no CORS header")
			}
		})
	}
}

func TestLegacyProxyUpstreamUnreachable(t *testing.T) {
	dead := httptest.NewServer(http.NotFoundHandler())
	deadURL := dead.URL
	dead.Close()
	u := legacyUpstream(t, func(u *upstream) []byte {
		return docWith(u.issuer(), map[string]any{"token_endpoint": deadURL + "/token"})
	}, nil)
	logs := &testutil.LogBuffer{}
	mux := legacyMux(t, testConfig(u, jwttest.NewClock(), logs))
	w := post(t, mux, pathToken, []byte(secretForm), map[string]string{"Authorization": "Basic U0VDUkVULUJBU0lD"})
	if w.Code != http.StatusBadGateway || strings.Contains(w.Body.String(), "127.0.0.1") || strings.Contains(w.Body.String(), "refused") {
		t.Errorf("status %d body %q, want a generic 502", w.Code, w.Body)
	}
	if !strings.Contains(logs.String(), "legacy proxy") || strings.Contains(logs.String(), "SECRET") || strings.Contains(logs.String(), "U0VDUkVU") {
		t.Errorf("logs:\n%s", logs)
	}
}

// A legacy client's /authorize gets the canonical MCP URL as resource when
// it sent none (its token is then bound to this server), and keeps its own
// otherwise.
func TestLegacyAuthorizeAddsTheResource(t *testing.T) {
	u := legacyUpstream(t, func(u *upstream) []byte { return docWith(u.issuer(), nil) }, nil)
	cfg := testConfig(u, jwttest.NewClock(), nil)
	cfg.MCPURL = "https://mcp.example.com/mcp"
	mux := legacyMux(t, cfg)
	for query, want := range map[string]string{
		"client_id=c1": "client_id=c1&resource=https%3A%2F%2Fmcp.example.com%2Fmcp",
		"client_id=c1&resource=https%3A%2F%2Fother": "client_id=c1&resource=https%3A%2F%2Fother",
		"resourc%65=x": "resourc%65=x",
	} {
		w := do(t, mux, http.MethodGet, pathAuthorize+"?"+query, nil)
		if got := w.Header().Get("Location"); got != u.issuer()+"/oauth2/authorize?"+want {
			t.Errorf("?%s → %q, want ?%s", query, got, want)
		}
	}
}

// The shims' hardening: the client's own X-Forwarded-For never reaches the
// authorization server, endpoints must be https (loopback http) and not
// link-local, only an allow-list of headers and only JSON bodies come back.
func TestLegacyProxyHardening(t *testing.T) {
	t.Run("X-Forwarded-For is the peer's address only", func(t *testing.T) {
		xff := make(chan string, 1)
		u := legacyUpstream(t, func(u *upstream) []byte { return u.doc() }, func(w http.ResponseWriter, r *http.Request) {
			xff <- r.Header.Get("X-Forwarded-For")
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, `{}`)
		})
		mux := legacyMux(t, testConfig(u, jwttest.NewClock(), nil))
		post(t, mux, pathToken, []byte(secretForm), map[string]string{"X-Forwarded-For": "203.0.113.66"})
		if got := <-xff; got != "192.0.2.7" {
			t.Errorf("X-Forwarded-For = %q, want the peer only", got)
		}
	})
	t.Run("only allowed headers and JSON bodies come back", func(t *testing.T) {
		html := false
		u := legacyUpstream(t, func(u *upstream) []byte { return u.doc() }, func(w http.ResponseWriter, r *http.Request) {
			h := w.Header()
			h.Set("Location", "https://evil.example/")
			h.Set("Content-Security-Policy", "default-src *")
			h.Set("X-Upstream-Secret", "s")
			h.Set("Retry-After", "3")
			h.Set("DPoP-Nonce", "n1")
			if html {
				h.Set("Content-Type", "text/html")
				_, _ = io.WriteString(w, "<script>alert(1)</script>")
				return
			}
			h.Set("Content-Type", "application/json; charset=utf-8")
			_, _ = io.WriteString(w, `{"access_token":"x"}`)
		})
		mux := legacyMux(t, testConfig(u, jwttest.NewClock(), nil))
		w := post(t, mux, pathToken, []byte(secretForm), nil)
		for _, dropped := range []string{"Location", "Content-Security-Policy", "X-Upstream-Secret"} {
			if w.Header().Get(dropped) != "" {
				t.Errorf("%s passed back", dropped)
			}
		}
		if w.Header().Get("Retry-After") != "3" || w.Header().Get("DPoP-Nonce") != "n1" || w.Header().Get("Content-Type") != "application/json" {
			t.Errorf("allowed headers: %v", w.Header())
		}
		html = true
		w = post(t, mux, pathToken, []byte(secretForm), nil)
		if w.Code != http.StatusBadGateway || strings.Contains(w.Body.String(), "<script>") {
			t.Errorf("HTML upstream body: %d %q, want a generic 502", w.Code, w.Body)
		}
	})
	for _, tc := range []struct{ name, endpoint string }{
		{"http on a routable host", "http://auth.example.com/token"},
		{"link-local (cloud metadata)", "https://169.254.169.254/latest/meta-data"},
		{"link-local IPv6", "https://[fe80::1]/token"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u := legacyUpstream(t, func(u *upstream) []byte {
				return docWith(u.issuer(), map[string]any{"token_endpoint": tc.endpoint, "authorization_endpoint": tc.endpoint})
			}, nil)
			mux := legacyMux(t, testConfig(u, jwttest.NewClock(), nil))
			if w := post(t, mux, pathToken, []byte(secretForm), nil); w.Code != http.StatusBadGateway {
				t.Errorf("/token to %s: %d, want 502", tc.endpoint, w.Code)
			}
			if w := do(t, mux, http.MethodGet, pathAuthorize+"?client_id=c", nil); w.Code != http.StatusServiceUnavailable || w.Header().Get("Location") != "" {
				t.Errorf("/authorize to %s: %d %q, want 503 and no redirect", tc.endpoint, w.Code, w.Header().Get("Location"))
			}
		})
	}
}
