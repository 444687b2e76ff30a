package remote

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/hashicorp/go-retryablehttp"
	"github.com/mcpauth/mcpauth/internal/jwttest"
	"github.com/mcpauth/mcpauth/internal/testutil"
)

// A JWKS URL that redirects must never make the verifier trust the
// redirect target's keys. The target is reachable and serves a valid key
// set whose key signs the test token, so a followed redirect would be
// accepted: the guard alone makes the difference.
func TestJWKSNeverFollowsARedirect(t *testing.T) {
	k := jwtKeys(t)
	for _, status := range []int{301, 302, 303, 307, 308} {
		for _, tc := range []struct {
			name   string
			tls    bool
			client func(origin *httptest.Server) *http.Client
		}{
			{"default client", false, func(*httptest.Server) *http.Client { return nil }},
			{"user's plain client", false, func(*httptest.Server) *http.Client { return &http.Client{} }},
			{"user's go-retryablehttp client", false, func(*httptest.Server) *http.Client {
				rc := retryablehttp.NewClient()
				rc.Logger, rc.RetryMax = nil, 0
				return rc.StandardClient()
			}},
			{"https to http, user's client", true, func(origin *httptest.Server) *http.Client { return origin.Client() }},
		} {
			t.Run(fmt.Sprint(status, "/", tc.name), func(t *testing.T) {
				var attackerHits atomic.Int32
				attacker := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					attackerHits.Add(1)
					w.Header().Set("Content-Type", "application/json")
					_, _ = w.Write(jwtJWKS(t, jwkEntry{kid: "evil", alg: "RS256", key: &k.rsaC.PublicKey}))
				}))
				defer attacker.Close()
				h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					http.Redirect(w, r, attacker.URL+"/jwks", status)
				})
				origin := httptest.NewServer(h)
				if tc.tls {
					origin.Close()
					origin = httptest.NewTLSServer(h)
				}
				defer origin.Close()
				var logs testutil.LogBuffer
				v := newTestJWTVerifier(t, JWTConfig{
					JWKSURL:    origin.URL + "/oauth2/jwks",
					Issuer:     jwtTestIssuer,
					Audiences:  []string{jwtTestAudience},
					HTTPClient: tc.client(origin),
					Now:        jwttest.NewClock().Now,
					Logger:     logs.Logger(),
				})
				forged := jwtToken(t, k.rsaC, "evil", jwtClaims(map[string]any{"sub": "user_attacker", "scope": "admin"}))
				for range 2 {
					_, err := v.VerifyToken(context.Background(), forged)
					if err == nil {
						t.Fatal("a token signed by the redirect target's key was accepted")
					}
					if !errors.Is(err, ErrKeysUnavailable) {
						t.Errorf("err = %v, want ErrKeysUnavailable (503)", err)
					}
				}
				if err := v.Prime(context.Background()); !errors.Is(err, ErrKeysUnavailable) {
					t.Errorf("Prime = %v, want ErrKeysUnavailable", err)
				}
				if n := attackerHits.Load(); n != 0 {
					t.Errorf("the redirect target received %d requests, want 0", n)
				}
				out := logs.String()
				if n := strings.Count(out, "JWKS fetch failed"); n != 1 || !strings.Contains(out, fmt.Sprint("HTTP ", status)) || !strings.Contains(out, origin.Listener.Addr().String()) {
					t.Errorf("want one log line naming the status and the configured host:\n%s", out)
				}
			})
		}
	}
}
