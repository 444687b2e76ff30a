package forward

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/hashicorp/go-retryablehttp"
	"github.com/mcpauth/mcpauth/internal/jwttest"
	"github.com/mcpauth/mcpauth/internal/testutil"
)

// A metadata URL that redirects must never make the forwarder serve the
// redirect target's document from our origin. The target is reachable and
// serves a document that would pass every check (it names the configured
// issuer, with endpoints of its own), so a followed redirect would be
// served: the guard alone makes the difference.
func TestMetadataNeverFollowsARedirect(t *testing.T) {
	for _, status := range []int{301, 302, 303, 307, 308} {
		for _, client := range []struct {
			name string
			c    func() *http.Client
		}{
			{"default client", func() *http.Client { return nil }},
			{"user's plain client", func() *http.Client { return &http.Client{} }},
			{"user's go-retryablehttp client", func() *http.Client {
				rc := retryablehttp.NewClient()
				rc.Logger, rc.RetryMax = nil, 0
				return rc.StandardClient()
			}},
		} {
			t.Run(http.StatusText(status)+"/"+client.name, func(t *testing.T) {
				u := newUpstream(t)
				var otherHits atomic.Int32
				var other *httptest.Server
				other = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					otherHits.Add(1)
					w.Header().Set("Content-Type", "application/json")
					_, _ = w.Write(docWith(u.issuer(), map[string]any{
						"authorization_endpoint": other.URL + "/authorize",
						"token_endpoint":         other.URL + "/token",
						"jwks_uri":               other.URL + "/jwks",
					}))
				}))
				defer other.Close()
				redirect := func(w http.ResponseWriter, r *http.Request) {
					http.Redirect(w, r, other.URL+"/.well-known/oauth-authorization-server", status)
				}
				clk := jwttest.NewClock()
				var logs testutil.LogBuffer
				cfg := testConfig(u, clk, &logs)
				cfg.HTTPClient = client.c()
				f := mustNew(t, cfg)

				// Cold: nothing to serve but a 503.
				u.set(redirect)
				assertGeneric503(t, do(t, f.Handler(), http.MethodGet, pathAuthorizationServer, nil))

				// Warm: the last good copy is served through the redirect.
				u.set(u.serve(u.doc(), map[string]string{"Cache-Control": "max-age=60"}))
				clk.Advance(cfg.ErrorRetryInterval + DefaultErrorRetryInterval)
				if w := do(t, f.Handler(), http.MethodGet, pathAuthorizationServer, nil); w.Code != http.StatusOK {
					t.Fatalf("status = %d after the upstream healed", w.Code)
				}
				u.set(redirect)
				clk.Advance(DefaultMaxCacheTTL)
				_ = do(t, f.Handler(), http.MethodGet, pathAuthorizationServer, nil) // starts the refresh
				waitIdle(t, f.as)
				w := do(t, f.Handler(), http.MethodGet, pathAuthorizationServer, nil)
				if w.Code != http.StatusOK || strings.Contains(w.Body.String(), other.URL) {
					t.Fatalf("served %d %s, want the last good copy", w.Code, w.Body.String())
				}
				m, err := f.Metadata(t.Context())
				if err != nil || strings.HasPrefix(m.JWKSURI, other.URL) {
					t.Fatalf("Metadata = %+v, %v; want the upstream's own jwks_uri", m, err)
				}
				if n := otherHits.Load(); n != 0 {
					t.Fatalf("the redirect target received %d requests, want 0", n)
				}
				if !strings.Contains(logs.String(), "redirect") {
					t.Errorf("the failure's log does not say why:\n%s", logs.String())
				}
			})
		}
	}
}

// The legacy proxies never follow an upstream redirect either: the client's
// POST (a code, a secret) is not re-sent elsewhere.
func TestLegacyProxyNeverFollowsARedirect(t *testing.T) {
	u := newUpstream(t)
	var otherHits atomic.Int32
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		otherHits.Add(1)
		_ = json.NewEncoder(w).Encode(map[string]string{"access_token": "x"})
	}))
	defer other.Close()
	clk := jwttest.NewClock()
	cfg := testConfig(u, clk, nil)
	cfg.LegacyEndpoints = true
	cfg.LegacyHTTPClient = &http.Client{}
	f := mustNew(t, cfg)
	if err := f.Prime(t.Context()); err != nil {
		t.Fatal(err)
	}
	u.set(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+"/token", http.StatusTemporaryRedirect)
	})
	mux := http.NewServeMux()
	for _, rt := range f.Routes() {
		mux.Handle(rt.Pattern, rt.Handler)
	}
	r := httptest.NewRequest(http.MethodPost, pathToken, strings.NewReader("grant_type=authorization_code&code=c&client_secret=s"))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	w := httptest.NewRecorder()
	mux.ServeHTTP(w, r)
	if w.Code != http.StatusBadGateway || otherHits.Load() != 0 {
		t.Fatalf("status %d, target hits %d; want 502 and 0", w.Code, otherHits.Load())
	}
}
