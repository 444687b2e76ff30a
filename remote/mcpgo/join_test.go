package mcpgo_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/mark3labs/mcp-go/server"

	"github.com/mcpauth/mcpauth/remote"
	"github.com/mcpauth/mcpauth/remote/mcpgo"
)

// TestJoinMounts: two mcp-go servers, each behind its own provider, on one
// origin through remote.Join; each endpoint answers with its own server
// and accepts only tokens for its own resource.
func TestJoinMounts(t *testing.T) {
	const origin = "https://mcp.example.com"
	mount := func(path, name string) *mcpgo.Mount {
		p := remote.MustNew(remote.Config{
			MCPURL:               origin + path,
			AuthorizationServers: []string{issuerA},
			Verifier: remote.TokenVerifierFunc(func(_ context.Context, tok string) (*remote.TokenInfo, error) {
				return &remote.TokenInfo{Subject: "user_1", Audiences: []string{origin + "/" + strings.ReplaceAll(tok, ".", "/")}}, nil
			}),
		})
		return mcpgo.Handler(p, server.NewMCPServer(name, "1.0.0"), nil)
	}
	h, err := remote.Join(mount("/mcp", "users"), mount("/admin/mcp", "admins"))
	if err != nil {
		t.Fatal(err)
	}
	initialize := func(path, tok string) *httptest.ResponseRecorder {
		r := httptest.NewRequest(http.MethodPost, origin+path, strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}`))
		r.Header.Set("Authorization", "Bearer "+tok)
		r.Header.Set("Content-Type", "application/json")
		r.Header.Set("Accept", "application/json, text/event-stream")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}
	for _, tc := range []struct {
		path, tok, name string
		want            int
	}{
		{"/mcp", "mcp", `"name":"users"`, 200},
		{"/admin/mcp", "admin.mcp", `"name":"admins"`, 200},
		{"/admin/mcp", "mcp", "", 401},
	} {
		w := initialize(tc.path, tc.tok)
		if w.Code != tc.want || !strings.Contains(w.Body.String(), tc.name) {
			t.Errorf("%s with %s: %d %s", tc.path, tc.tok, w.Code, w.Body.String())
		}
	}
}
