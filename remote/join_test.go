package remote

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// joinProvider is a provider of resource whose tokens spell their
// audience: "admin.mcp" is issued for https://mcp.example.com/admin/mcp,
// "root" for the origin.
func joinProvider(tb testing.TB, resource, issuer string) *Provider {
	tb.Helper()
	return MustNew(Config{
		MCPURL:               resource,
		AuthorizationServers: []string{issuer},
		Verifier: TokenVerifierFunc(func(_ context.Context, tok string) (*TokenInfo, error) {
			aud := "https://mcp.example.com/" + strings.ReplaceAll(tok, ".", "/")
			if tok == "root" {
				aud = "https://mcp.example.com"
			}
			return &TokenInfo{Subject: "user_1", Audiences: []string{aud}}, nil
		}),
	})
}

func joinGet(tb testing.TB, h http.Handler, method, url, tok string) *httptest.ResponseRecorder {
	tb.Helper()
	r := httptest.NewRequest(method, url, strings.NewReader(`{}`))
	if tok != "" {
		r.Header.Set("Authorization", "Bearer "+tok)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

// TestJoin: two resources of one origin, each with its own metadata,
// audience and MCP endpoint; the origin's documents (root metadata, a
// forwarded document) are the first's, the second's own routes are kept.
// Mounting both providers' routes on one mux, as before, panics on the
// root metadata.
func TestJoin(t *testing.T) {
	const origin = "https://mcp.example.com"
	user := joinProvider(t, origin+"/mcp", "https://auth.example.com")
	admin := joinProvider(t, origin+"/admin/mcp", "https://admin-auth.example.com")
	serve := func(name string) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte(name)) })
	}
	doc := func(name string) Route {
		return Route{Pattern: "/.well-known/oauth-authorization-server", Handler: serve(name + " AS metadata")}
	}
	h, err := Join(
		user.Handler(serve("user"), doc("user")),
		admin.Handler(serve("admin"), doc("admin"), Route{Pattern: "GET /admin/health", Handler: serve("admin health")}),
	)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		path, resource, first string
	}{
		{"/.well-known/oauth-protected-resource/mcp", origin + "/mcp", "https://auth.example.com"},
		{"/.well-known/oauth-protected-resource/admin/mcp", origin + "/admin/mcp", "https://admin-auth.example.com"},
		{"/.well-known/oauth-protected-resource", origin, "https://auth.example.com"},
	} {
		w := joinGet(t, h, http.MethodGet, origin+tc.path, "")
		var m struct {
			Resource             string   `json:"resource"`
			AuthorizationServers []string `json:"authorization_servers"`
		}
		if err := json.Unmarshal(w.Body.Bytes(), &m); err != nil || w.Code != 200 || m.Resource != tc.resource || m.AuthorizationServers[0] != tc.first {
			t.Errorf("%s: %d %+v (%v)", tc.path, w.Code, m, err)
		}
	}
	for path, want := range map[string]string{"/.well-known/oauth-authorization-server": "user AS metadata", "/admin/health": "admin health"} {
		if w := joinGet(t, h, http.MethodGet, origin+path, ""); w.Body.String() != want {
			t.Errorf("%s: %q, want %q", path, w.Body.String(), want)
		}
	}
	for _, tc := range []struct {
		path, tok string
		want      int
	}{
		{"/mcp", "mcp", 200},
		{"/admin/mcp", "admin.mcp", 200},
		{"/admin/mcp", "mcp", 401}, // the other resource's token
		{"/mcp", "admin.mcp", 401},
	} {
		w := joinGet(t, h, http.MethodPost, origin+tc.path, tc.tok)
		if w.Code != tc.want {
			t.Errorf("%s with a token for %s: %d, want %d", tc.path, tc.tok, w.Code, tc.want)
		}
		if want := `resource_metadata="` + origin + "/.well-known/oauth-protected-resource" + tc.path + `"`; tc.want == 401 && !strings.Contains(w.Header().Get("WWW-Authenticate"), want) {
			t.Errorf("%s: challenge %q does not name %s", tc.path, w.Header().Get("WWW-Authenticate"), want)
		}
	}

	defer func() {
		if recover() == nil {
			t.Error("both providers' routes on one mux did not collide")
		}
	}()
	mux := http.NewServeMux()
	for _, r := range append(user.Routes(), admin.Routes()...) {
		mux.Handle(r.Pattern, r.Handler)
	}
}

// TestJoinRefuses: what cannot be served together is an error that says
// why; each case is otherwise a valid handler.
func TestJoinRefuses(t *testing.T) {
	const origin = "https://mcp.example.com"
	ok := http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})
	h := func(resource string, extra ...Route) http.Handler {
		return joinProvider(t, resource, "https://auth.example.com").Handler(ok, extra...)
	}
	for _, tc := range []struct {
		name     string
		handlers []http.Handler
		want     string
	}{
		{"none", nil, "at least one"},
		{"another origin", []http.Handler{h(origin + "/mcp"), h("https://other.example.com/mcp")}, "different origins"},
		{"one resource twice", []http.Handler{h(origin + "/mcp"), h(origin + "/mcp")}, "both serve " + origin + "/mcp"},
		{"the origin itself, not first", []http.Handler{h(origin + "/mcp"), h(origin)}, "pass its handler first"},
		{"MCP path served by another's route", []http.Handler{h(origin+"/mcp", Route{Pattern: "/admin/mcp", Handler: ok}), h(origin + "/admin/mcp")}, "its MCP endpoint at /admin/mcp"},
		{"metadata served by another's route", []http.Handler{h(origin+"/mcp", Route{Pattern: "/.well-known/oauth-protected-resource/admin/mcp", Handler: ok}), h(origin + "/admin/mcp")}, "its metadata"},
		{"not a resource's handler", []http.Handler{h(origin + "/mcp"), http.NewServeMux()}, "handler 1 (*http.ServeMux) is not a resource's handler"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := Join(tc.handlers...); err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "remote: ") {
				t.Errorf("err = %v, want one containing %q", err, tc.want)
			}
		})
	}
	// The origin itself, first, next to a resource below it.
	j, err := Join(h(origin), h(origin+"/admin/mcp"))
	if err != nil {
		t.Fatal(err)
	}
	if w := joinGet(t, j, http.MethodPost, origin+"/", "root"); w.Code != 200 {
		t.Errorf("the origin's endpoint: %d", w.Code)
	}
	if w := joinGet(t, j, http.MethodPost, origin+"/admin/mcp", "admin.mcp"); w.Code != 200 {
		t.Errorf("/admin/mcp: %d", w.Code)
	}
}
