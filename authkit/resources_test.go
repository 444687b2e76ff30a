package authkit_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/mcpauth/mcpauth/authkit"
	"github.com/mcpauth/mcpauth/authkit/authkittest"
	"github.com/mcpauth/mcpauth/remote"
	"github.com/mcpauth/mcpauth/remote/gosdk"
	"github.com/mcpauth/mcpauth/remote/rules"
)

// TestSeveralResources: /mcp for everyone, /admin/mcp for admins, and one
// resource per organization, on one origin. Each has its own audience,
// path-inserted metadata and rules; the root metadata and AuthKit's
// forwarded documents are served once, the first resource's.
func TestSeveralResources(t *testing.T) {
	ak := authkittest.Start(t)
	ak.SetUser(authkittest.User{ID: "user_01ADA", Role: "admin", OrganizationID: "org_01ACME"})
	ak.AddUser(authkittest.User{ID: "user_01BOB", Role: "member", OrganizationID: "org_01GLOBEX"})
	resource := func(path string, rule rules.Rule) *authkit.Provider {
		return newProvider(t, ak, func(c *authkit.Config) { c.MCPPath, c.Rule = path, rule })
	}
	user := resource("/mcp", nil)
	admin := resource("/admin/mcp", rules.AnyRole("admin"))
	acme := resource("/acme/mcp", rules.OrganizationIn("org_01ACME"))
	globex := resource("/globex/mcp", rules.OrganizationIn("org_01GLOBEX"))
	named := func(name string) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte(name)) })
	}
	h, err := remote.Join(
		gosdk.Handler(user, mcp.NewServer(&mcp.Implementation{Name: "user"}, nil), nil),
		admin.Handler(named("admin")),
		acme.Handler(named("acme")),
		globex.Handler(named("globex")),
	)
	if err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]string{
		"/.well-known/oauth-protected-resource/mcp":        baseURL + "/mcp",
		"/.well-known/oauth-protected-resource/admin/mcp":  baseURL + "/admin/mcp",
		"/.well-known/oauth-protected-resource/acme/mcp":   baseURL + "/acme/mcp",
		"/.well-known/oauth-protected-resource/globex/mcp": baseURL + "/globex/mcp",
		"/.well-known/oauth-protected-resource":            baseURL,
	} {
		w := do(t, h, http.MethodGet, path, "", "")
		var m struct {
			Resource             string   `json:"resource"`
			AuthorizationServers []string `json:"authorization_servers"`
		}
		if err := json.Unmarshal(w.Body.Bytes(), &m); err != nil || m.Resource != want || len(m.AuthorizationServers) != 1 || m.AuthorizationServers[0] != ak.Issuer() {
			t.Errorf("%s: %d %+v, want resource %s", path, w.Code, m, want)
		}
	}
	for _, path := range []string{"/.well-known/oauth-authorization-server", "/.well-known/openid-configuration"} {
		if w := do(t, h, http.MethodGet, path, "", ""); w.Code != 200 || !strings.Contains(w.Body.String(), ak.Issuer()) {
			t.Errorf("%s: %d", path, w.Code)
		}
	}

	tok := func(sub, path string) string {
		return ak.MustMintFor(t, baseURL+path, authkittest.TokenOptions{Subject: sub})
	}
	for _, tc := range []struct {
		name, path, tok string
		want            int
	}{
		{"admin at /admin/mcp", "/admin/mcp", tok("user_01ADA", "/admin/mcp"), 200},
		{"member at /admin/mcp", "/admin/mcp", tok("user_01BOB", "/admin/mcp"), 403},
		{"a /mcp token at /admin/mcp", "/admin/mcp", tok("user_01ADA", "/mcp"), 401},
		{"acme at /acme/mcp", "/acme/mcp", tok("user_01ADA", "/acme/mcp"), 200},
		{"globex at /acme/mcp, with a token for it", "/acme/mcp", tok("user_01BOB", "/acme/mcp"), 403},
		{"globex at /globex/mcp", "/globex/mcp", tok("user_01BOB", "/globex/mcp"), 200},
		{"acme's token at /globex/mcp", "/globex/mcp", tok("user_01ADA", "/acme/mcp"), 401},
	} {
		w := do(t, h, http.MethodPost, tc.path, tc.tok, `{}`)
		if w.Code != tc.want {
			t.Errorf("%s: %d, want %d (%s)", tc.name, w.Code, tc.want, w.Header().Get("WWW-Authenticate"))
		}
		if ch := w.Header().Get("WWW-Authenticate"); tc.want != 200 && !strings.Contains(ch, `resource_metadata="`+baseURL+"/.well-known/oauth-protected-resource"+tc.path+`"`) {
			t.Errorf("%s: challenge %q names another resource's metadata", tc.name, ch)
		}
	}
	// The go-sdk resource answers MCP at /mcp.
	r := httptest.NewRequest(http.MethodPost, baseURL+"/mcp", strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}`))
	r.Header.Set("Authorization", "Bearer "+tok("user_01BOB", "/mcp"))
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("Accept", "application/json, text/event-stream")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != 200 || !strings.Contains(w.Body.String(), `"name":"user"`) {
		t.Errorf("go-sdk resource: %d %s", w.Code, w.Body.String())
	}
}
