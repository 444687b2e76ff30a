package remote

import (
	"flag"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// golden compares got with testdata/name, or rewrites it with -update.
func golden(tb testing.TB, name string, got []byte) {
	tb.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			tb.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			tb.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		tb.Fatalf("%v (run go test -update to create it)", err)
	}
	if string(got) != string(want) {
		tb.Errorf("%s differs:\ngot:\n%s\nwant:\n%s", path, got, want)
	}
}

func TestPRMGolden(t *testing.T) {
	tests := []struct {
		name     string
		cfg      func(*Config)
		paths    []string // path-form first, root second
		wantRoot string   // resource of the root document
	}{
		{
			name: "basic",
			cfg: func(c *Config) {
				c.ScopesSupported = []string{"mcp:read", "mcp:write"}
				c.ResourceName = "Example MCP <tools> & more"
				c.ResourceDocumentation = "https://docs.example.com/mcp?lang=en"
			},
			paths: []string{"/.well-known/oauth-protected-resource/mcp", "/.well-known/oauth-protected-resource"},
		},
		{
			name: "defaults",
			cfg: func(c *Config) {
				c.RequiredScopes = nil
				c.AuthorizationServers = []string{"https://tenant.authkit.app/", "https://other.example.com/issuer"}
			},
			paths: []string{"/.well-known/oauth-protected-resource/mcp", "/.well-known/oauth-protected-resource"},
		},
		{
			name:  "loopback-deep-path",
			cfg:   func(c *Config) { c.MCPURL = "HTTP://LocalHost:8080/api/v1/mcp/" },
			paths: []string{"/.well-known/oauth-protected-resource/api/v1/mcp", "/.well-known/oauth-protected-resource"},
		},
		{
			name:  "origin",
			cfg:   func(c *Config) { c.MCPURL = "https://MCP.example.com:443/" },
			paths: []string{"/.well-known/oauth-protected-resource"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newTestProvider(t, tt.cfg)
			routes := p.Routes()
			if len(routes) != len(tt.paths) {
				t.Fatalf("%d routes, want %d", len(routes), len(tt.paths))
			}
			for i, route := range routes {
				if route.Pattern != tt.paths[i] {
					t.Errorf("route %d pattern %q, want %q", i, route.Pattern, tt.paths[i])
				}
				rec := httptest.NewRecorder()
				route.Handler.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, route.Pattern, nil))
				if rec.Code != 200 {
					t.Fatalf("status %d", rec.Code)
				}
				kind := "path"
				if i == 1 {
					kind = "root"
				}
				golden(t, "prm/"+tt.name+"."+kind+".json", rec.Body.Bytes())
			}
		})
	}
}

func TestPRMNoOfflineAccessByDefault(t *testing.T) {
	p := newTestProvider(t, func(c *Config) { c.RequiredScopes = []string{"openid", "profile"} })
	rec := httptest.NewRecorder()
	p.Routes()[0].Handler.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
	if !strings.Contains(rec.Body.String(), `"scopes_supported": [`) || strings.Contains(rec.Body.String(), "offline_access") {
		t.Errorf("scopes_supported: %s", rec.Body.String())
	}
	if _, err := New(func() Config { c := testConfig(); c.RequiredScopes = []string{"offline_access"}; return c }()); err == nil {
		t.Error("offline_access accepted as a required scope")
	}
}

func TestPRMHandlerMethods(t *testing.T) {
	p := newTestProvider(t, nil)
	h := p.Routes()[0].Handler
	for _, tt := range []struct {
		method  string
		status  int
		headers map[string]string
		body    bool
	}{
		{http.MethodGet, 200, map[string]string{"Content-Type": "application/json", "Cache-Control": "public, max-age=3600", "Access-Control-Allow-Origin": "*"}, true},
		{http.MethodHead, 200, map[string]string{"Content-Type": "application/json", "Access-Control-Allow-Origin": "*"}, false},
		{http.MethodOptions, 204, map[string]string{
			"Access-Control-Allow-Origin":  "*",
			"Access-Control-Allow-Methods": "GET, HEAD, OPTIONS",
			"Access-Control-Allow-Headers": "Authorization, Content-Type, MCP-Protocol-Version",
		}, false},
		{http.MethodPost, 405, map[string]string{"Allow": "GET, HEAD, OPTIONS", "Access-Control-Allow-Origin": "*"}, true},
		{http.MethodDelete, 405, map[string]string{"Allow": "GET, HEAD, OPTIONS"}, true},
	} {
		t.Run(tt.method, func(t *testing.T) {
			rec := httptest.NewRecorder()
			req := httptest.NewRequest(tt.method, "/.well-known/oauth-protected-resource/mcp", nil)
			req.Header.Set("Authorization", "Bearer whatever") // ignored: metadata is public
			h.ServeHTTP(rec, req)
			if rec.Code != tt.status {
				t.Fatalf("status %d, want %d", rec.Code, tt.status)
			}
			for k, v := range tt.headers {
				if got := rec.Header().Get(k); got != v {
					t.Errorf("%s = %q, want %q", k, got, v)
				}
			}
			if (rec.Body.Len() > 0) != tt.body {
				t.Errorf("body %q", rec.Body.String())
			}
			if rec.Header().Get("WWW-Authenticate") != "" {
				t.Error("metadata answered with a challenge")
			}
		})
	}
}

func TestHandler(t *testing.T) {
	mcp := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, _ := IdentityFromContext(r.Context())
		_, _ = w.Write([]byte("mcp:" + id.Subject()))
	})
	extra := Route{Pattern: "GET /healthz", Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("healthy")) })}
	override := Route{Pattern: "/.well-known/oauth-protected-resource", Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("mine")) })}

	for _, tt := range []struct {
		name     string
		resource string
		extra    []Route
		method   string
		path     string
		token    string
		status   int
		contains string
	}{
		{"path PRM without auth", testResource, nil, "GET", "/.well-known/oauth-protected-resource/mcp", "", 200, `"resource": "https://mcp.example.com/mcp"`},
		{"root PRM is origin", testResource, nil, "GET", "/.well-known/oauth-protected-resource", "", 200, `"resource": "https://mcp.example.com"`},
		{"mcp needs token", testResource, nil, "POST", "/mcp", "", 401, ""},
		{"mcp with token", testResource, nil, "POST", "/mcp", "good", 200, "mcp:user_1"},
		{"mcp trailing slash not routed", testResource, nil, "POST", "/mcp/", "good", 404, ""},
		{"extra route", testResource, []Route{extra}, "GET", "/healthz", "", 200, "healthy"},
		{"override root PRM", testResource, []Route{override}, "GET", "/.well-known/oauth-protected-resource", "", 200, "mine"},
		{"override keeps path PRM", testResource, []Route{override}, "GET", "/.well-known/oauth-protected-resource/mcp", "", 200, `"resource"`},
		{"origin endpoint", "https://mcp.example.com", nil, "POST", "/", "good", 200, "mcp:user_1"},
		{"origin endpoint well-known not caught", "https://mcp.example.com", nil, "GET", "/.well-known/oauth-authorization-server", "", 404, ""},
		{"origin endpoint other path not caught", "https://mcp.example.com", nil, "POST", "/other", "", 404, ""},
		{"deep path", "https://mcp.example.com/api/v1/mcp", nil, "GET", "/.well-known/oauth-protected-resource/api/v1/mcp", "", 200, `"resource": "https://mcp.example.com/api/v1/mcp"`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := newTestProvider(t, func(c *Config) {
				c.MCPURL = tt.resource
				c.InsecureSkipAudienceCheck = true
			})
			h := p.Handler(mcp, tt.extra...)
			req := httptest.NewRequest(tt.method, tt.path, nil)
			if tt.token != "" {
				req.Header.Set("Authorization", "Bearer "+tt.token)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != tt.status {
				t.Fatalf("status %d, want %d (%q)", rec.Code, tt.status, rec.Body.String())
			}
			if !strings.Contains(rec.Body.String(), tt.contains) {
				t.Errorf("body %q lacks %q", rec.Body.String(), tt.contains)
			}
		})
	}
}

// A route for a standard path replaces the standard one whatever its
// method; of two routes for one path the later wins; the MCP path cannot be
// replaced.
func TestHandlerRouteOverrides(t *testing.T) {
	p := newTestProvider(t, nil)
	mine := func(body string) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, body) })
	}
	h := p.Handler(http.NotFoundHandler(),
		Route{Pattern: "GET /.well-known/oauth-protected-resource", Handler: mine("root PRM, mine")},
		Route{Pattern: "/.well-known/oauth-authorization-server", Handler: mine("first")},
		Route{Pattern: "GET /.well-known/oauth-authorization-server", Handler: mine("second")},
	)
	for path, want := range map[string]string{
		"/.well-known/oauth-protected-resource":   "root PRM, mine",
		"/.well-known/oauth-authorization-server": "second",
	} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		if got := rec.Body.String(); got != want {
			t.Errorf("GET %s = %q, want %q", path, got, want)
		}
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/.well-known/oauth-protected-resource/mcp", nil))
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"resource"`) {
		t.Errorf("the path-inserted PRM not served: %d", rec.Code)
	}
	defer func() {
		if recover() == nil {
			t.Error("a route for the MCP path did not panic")
		}
	}()
	p.Handler(http.NotFoundHandler(), Route{Pattern: "/mcp", Handler: mine("unprotected")})
}
