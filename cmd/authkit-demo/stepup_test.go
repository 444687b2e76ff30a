package main

import (
	"slices"
	"strings"
	"testing"

	"github.com/mcpauth/mcpauth/internal/demo"
)

// TestE2ETypeScriptClientRefreshToken: the TypeScript SDK 1.x client keeps
// the refresh token the authorization server issues, as desktop clients
// do. Against the demo's default (the first 401 names no tool scope) it
// answers admin_echo's 403 insufficient_scope with a refresh, which cannot
// widen the scope, and gives up. With --scopes-up-front the first 401 names
// demo:admin, the client asks for it at its first sign-in, and admin_echo
// works without any step-up.
func TestE2ETypeScriptClientRefreshToken(t *testing.T) {
	requireNode(t)
	npmInstall(t)
	for _, tt := range []struct {
		name    string
		args    []string
		succeed bool
	}{
		{"default: no step-up", nil, false},
		{"--scopes-up-front", []string{"--scopes-up-front"}, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := startDemo(t, append([]string{"--dev", "--addr", "127.0.0.1:0"}, tt.args...))
			res := runTSClient(t, p.ready["mcp_url"], "--keep-refresh-token")
			if !res.KeptRefreshToken {
				t.Fatal("the client was issued no refresh token to keep")
			}
			if len(res.Authorizations) != 1 {
				t.Errorf("authorizations = %+v, want 1: this client never re-authorizes for a scope", res.Authorizations)
			}
			firstScope := ""
			if len(res.Authorizations) > 0 {
				firstScope = res.Authorizations[0].Scope
			}
			if got := slices.Contains(strings.Fields(firstScope), demo.AdminScope); got != tt.succeed {
				t.Errorf("first authorization scope %q: has %s = %v, want %v", firstScope, demo.AdminScope, got, tt.succeed)
			}
			if tt.succeed {
				if res.AdminEchoError != "" || res.AdminEcho["text"] != "STEP UP" {
					t.Errorf("admin_echo = %v, error %q; want STEP UP", res.AdminEcho, res.AdminEchoError)
				}
				return
			}
			if res.AdminEchoError == "" {
				t.Errorf("admin_echo = %v, want the client to give up on the 403", res.AdminEcho)
			}
			t.Logf("TypeScript SDK %s with a refresh token, admin_echo: %s", tsSDKVersion, res.AdminEchoError)
		})
	}
}
