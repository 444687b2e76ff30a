package main

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/mcpauth/mcpauth/authkit/authkittest"
)

// Negative paths through the real binary, pointed at a fake AuthKit run by
// the test: exact challenges for rejected tokens, then AuthKit stopped.
func TestE2EChallengesAndAuthKitOutage(t *testing.T) {
	ak := authkittest.Start(t)
	p := startDemo(t, []string{"--addr", "127.0.0.1:0", "--authkit-domain", ak.URL()})
	mcpURL := p.ready["mcp_url"]
	base := strings.TrimSuffix(mcpURL, mcpPath)
	prmURL := base + "/.well-known/oauth-protected-resource" + mcpPath

	mint := func(o authkittest.TokenOptions) string {
		if o.Audience == nil {
			o.Audience = []string{mcpURL}
		}
		return "Bearer " + ak.MustMint(t, o)
	}
	invalid := `Bearer resource_metadata="` + prmURL + `", error="invalid_token", error_description="The access token is invalid or expired"`

	tests := []struct {
		name      string
		authz     string
		status    int
		challenge string
	}{
		{"no token", "", http.StatusUnauthorized, `Bearer resource_metadata="` + prmURL + `"`},
		{"expired", mint(authkittest.TokenOptions{ExpiresIn: -time.Minute}), http.StatusUnauthorized, invalid},
		{"wrong audience", mint(authkittest.TokenOptions{Audience: []string{"https://other.example.com/mcp"}}), http.StatusUnauthorized, invalid},
		{"client id audience without --client-id", mint(authkittest.TokenOptions{Audience: []string{ak.ClientID()}}), http.StatusUnauthorized, invalid},
		{"unknown key", mint(authkittest.TokenOptions{SignWith: authkittest.MustNewKey("kid_not_published")}), http.StatusUnauthorized, invalid},
		{"session token (other issuer)", mint(authkittest.TokenOptions{Issuer: ak.SessionIssuer()}), http.StatusUnauthorized, invalid},
		{"valid", mint(authkittest.TokenOptions{}), http.StatusOK, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := rawPost(t, mcpURL, tt.authz)
			if resp.StatusCode != tt.status {
				t.Errorf("status = %d, want %d", resp.StatusCode, tt.status)
			}
			if got := strings.Join(resp.Header.Values("WWW-Authenticate"), " | "); got != tt.challenge {
				t.Errorf("WWW-Authenticate =\n%s\nwant\n%s", got, tt.challenge)
			}
		})
	}

	t.Run("step-up challenge for admin_echo", func(t *testing.T) {
		cs := sessionWithToken(t, mcpURL, strings.TrimPrefix(mint(authkittest.TokenOptions{}), "Bearer "))
		resp := cs.post(t, `{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"admin_echo","arguments":{"text":"x"}}}`)
		want := `Bearer resource_metadata="` + prmURL + `", scope="demo:admin", error="insufficient_scope", error_description="The access token lacks a required scope"`
		if resp.StatusCode != http.StatusForbidden || resp.Header.Get("WWW-Authenticate") != want {
			t.Errorf("admin_echo without the scope = %d %q\nwant 403 %q", resp.StatusCode, resp.Header.Get("WWW-Authenticate"), want)
		}
	})

	t.Run("DNS-rebinding guard on the loopback listener", func(t *testing.T) {
		req, err := http.NewRequest(http.MethodPost, mcpURL, strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"raw","version":"1"}}}`))
		if err != nil {
			t.Fatal(err)
		}
		req.Host = "attacker.example.com"
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json, text/event-stream")
		req.Header.Set("Authorization", mint(authkittest.TokenOptions{}))
		resp, err := noRedirectClient().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("valid token with a foreign Host = %d, want 403 from go-sdk's DNS-rebinding guard", resp.StatusCode)
		}
	})

	// Mint while AuthKit is up; the key stays the same afterwards.
	fresh := mint(authkittest.TokenOptions{})
	ak.Close()

	t.Run("AuthKit stopped: known keys still verify", func(t *testing.T) {
		if resp := rawPost(t, mcpURL, fresh); resp.StatusCode != http.StatusOK {
			t.Errorf("initialize with a valid token after AuthKit stopped = %d, want 200", resp.StatusCode)
		}
		if resp := rawPost(t, mcpURL, ""); resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("initialize without a token after AuthKit stopped = %d, want 401", resp.StatusCode)
		}
	})
	t.Run("AuthKit stopped: forwarded metadata still served", func(t *testing.T) {
		status, body := get(t, base+"/.well-known/oauth-authorization-server")
		var meta struct {
			Issuer                string `json:"issuer"`
			RegistrationEndpoint  string `json:"registration_endpoint"`
			AuthorizationEndpoint string `json:"authorization_endpoint"`
		}
		if status != http.StatusOK || json.Unmarshal(body, &meta) != nil || meta.Issuer != ak.URL() || meta.RegistrationEndpoint == "" {
			t.Errorf("forwarded AS metadata = %d %s, want AuthKit's document (issuer %s)", status, body, ak.URL())
		}
		status, body = get(t, prmURL)
		var prm struct {
			Resource             string   `json:"resource"`
			AuthorizationServers []string `json:"authorization_servers"`
		}
		if status != http.StatusOK || json.Unmarshal(body, &prm) != nil || prm.Resource != mcpURL || len(prm.AuthorizationServers) != 1 || prm.AuthorizationServers[0] != ak.URL() {
			t.Errorf("PRM = %d %s", status, body)
		}
	})
	t.Run("AuthKit stopped: health", func(t *testing.T) {
		if status, _ := get(t, base+"/healthz"); status != http.StatusOK {
			t.Errorf("healthz = %d", status)
		}
	})
}

// TestE2EClientIDAudience: --client-id accepts tokens whose audience is the
// AuthKit environment's client id (the legacy fallback).
func TestE2EClientIDAudience(t *testing.T) {
	ak := authkittest.Start(t)
	p := startDemo(t, []string{"--addr", "127.0.0.1:0", "--authkit-domain", ak.URL()}, "AUTHKIT_CLIENT_ID="+ak.ClientID())
	tok := ak.MustMint(t, authkittest.TokenOptions{Audience: []string{ak.ClientID()}})
	if resp := rawPost(t, p.ready["mcp_url"], "Bearer "+tok); resp.StatusCode != http.StatusOK {
		t.Errorf("client-id audience with AUTHKIT_CLIENT_ID = %d, want 200", resp.StatusCode)
	}
}
