package idp_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mcpauth/mcpauth/authkit/authkittest"
	"github.com/mcpauth/mcpauth/idp"
	"github.com/mcpauth/mcpauth/internal/testutil"
)

// The attack: the issuer's metadata URL answers a redirect to a reachable
// server whose document names the configured issuer but an attacker's
// jwks_uri, and the attacker mints tokens with the configured issuer and
// audience. Followed, the forged token is accepted; refused, nothing of the
// attacker's is ever fetched, and once the metadata heals the issuer's own
// keys are used (nothing of the outage is kept).
func TestDiscoveryNeverFollowsARedirect(t *testing.T) {
	for _, client := range []struct {
		name string
		c    func(*authkittest.Server) *http.Client
	}{
		{"default client", func(*authkittest.Server) *http.Client { return nil }},
		{"user's plain client", func(ak *authkittest.Server) *http.Client { return ak.Client() }},
	} {
		t.Run(client.name, func(t *testing.T) {
			ak := authkittest.Start(t)
			attackerAS := authkittest.Start(t) // the attacker's keys
			clock := testutil.NewClock(time.Now())
			ak.SetClock(clock.Now)
			attackerAS.SetClock(clock.Now)
			var docHits atomic.Int32
			evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				docHits.Add(1)
				w.Header().Set("Content-Type", "application/json")
				_ = json.NewEncoder(w).Encode(map[string]any{
					"issuer": ak.Issuer(), "authorization_endpoint": ak.Issuer() + "/oauth2/authorize",
					"token_endpoint": ak.Issuer() + "/oauth2/token", "response_types_supported": []string{"code"},
					"jwks_uri": attackerAS.JWKSURL(),
				})
			}))
			defer evil.Close()
			// Every discovery location redirects.
			for _, path := range []string{"/.well-known/oauth-authorization-server", "/.well-known/openid-configuration"} {
				ak.SetFault(path, authkittest.Fault{Status: http.StatusFound, Headers: http.Header{"Location": {evil.URL + path}}})
			}

			p := newIDP(t, ak, func(c *idp.Config) { c.HTTPClient = client.c(ak); c.Now = clock.Now })
			forged := attackerAS.MustMint(t, authkittest.TokenOptions{Issuer: ak.Issuer(), Audience: []string{mcpURL}, Subject: "user_01ANYONE"})
			h := p.Handler(subjectEcho)
			if w := post(t, h, forged); w.Code != http.StatusServiceUnavailable {
				t.Fatalf("forged token through a redirected metadata URL: %d %s, want 503", w.Code, w.Body.String())
			}
			if n := docHits.Load(); n != 0 {
				t.Errorf("the redirect target received %d requests, want 0", n)
			}
			for _, r := range attackerAS.Requests() {
				if r.Path == "/oauth2/jwks" {
					t.Fatal("the attacker's JWKS was fetched")
				}
			}

			ak.ClearFault("/.well-known/oauth-authorization-server")
			ak.ClearFault("/.well-known/openid-configuration")
			clock.Advance(time.Minute) // past the metadata's retry interval
			if w := post(t, h, ak.MustMint(t, authkittest.TokenOptions{Audience: []string{mcpURL}})); w.Code != http.StatusOK {
				t.Fatalf("legitimate token after the metadata healed: %d %s", w.Code, w.Body.String())
			}
			if w := post(t, h, forged); w.Code != http.StatusUnauthorized {
				t.Fatalf("forged token after healing: %d, want 401", w.Code)
			}
		})
	}
}

// A configured JWKS URL that redirects: the attacker's keys are never
// fetched and its token is not accepted.
func TestJWKSNeverFollowsARedirect(t *testing.T) {
	ak := authkittest.Start(t)
	attackerAS := authkittest.Start(t)
	ak.SetFault("/oauth2/jwks", authkittest.Fault{Status: http.StatusTemporaryRedirect, Headers: http.Header{"Location": {attackerAS.JWKSURL()}}})
	p := newIDP(t, ak, func(c *idp.Config) { c.HTTPClient = nil })
	forged := attackerAS.MustMint(t, authkittest.TokenOptions{Issuer: ak.Issuer(), Audience: []string{mcpURL}})
	if w := post(t, p.Handler(subjectEcho), forged); w.Code != http.StatusServiceUnavailable {
		t.Fatalf("forged token: %d, want 503", w.Code)
	}
	for _, r := range attackerAS.Requests() {
		if r.Path == "/oauth2/jwks" {
			t.Fatal("the attacker's JWKS was fetched")
		}
	}
}
