package remote

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
)

// TestScopesUpFront: with the option, the metadata and every 401 and 400
// challenge name RequiredScopes and every tool and prompt scope (tools,
// then prompts, each by name); 403 challenges still name only what the call
// needs. Without it, they name RequiredScopes only.
func TestScopesUpFront(t *testing.T) {
	const all = "mcp:read files:write mcp:admin files:read incidents:read"
	mutate := func(on bool) func(*Config) {
		return func(c *Config) {
			c.ToolScopes = map[string][]string{"list": {"files:read"}, "delete": {"files:write", "mcp:admin"}}
			c.PromptScopes = map[string][]string{"incident": {"incidents:read", "mcp:admin"}}
			c.ScopesUpFront = on
		}
	}
	call := `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"list"}}`
	for _, tt := range []struct {
		name, authz, body string
		status            int
		off, on           string // the challenge's parameters without and with the option
	}{
		{"no token", "", "", 401, `, scope="mcp:read"`, `, scope="` + all + `"`},
		{"invalid token", "Bearer expired", "", 401,
			`, scope="mcp:read", error="invalid_token", error_description="` + descInvalid + `"`,
			`, scope="` + all + `", error="invalid_token", error_description="` + descInvalid + `"`},
		{"malformed header", "Bearer a b", "", 400,
			`, scope="mcp:read", error="invalid_request", error_description="` + descMalformed + `"`,
			`, scope="` + all + `", error="invalid_request", error_description="` + descMalformed + `"`},
		{"tool scope missing: precise", "Bearer good", call, 403,
			`, scope="mcp:read files:read", error="insufficient_scope", error_description="` + descScope + `"`,
			`, scope="mcp:read files:read", error="insufficient_scope", error_description="` + descScope + `"`},
		{"required scope missing: precise", "Bearer noscope", "", 403,
			`, scope="mcp:read", error="insufficient_scope", error_description="` + descScope + `"`,
			`, scope="mcp:read", error="insufficient_scope", error_description="` + descScope + `"`},
	} {
		for _, on := range []bool{false, true} {
			name := tt.name + "/off"
			want := tt.off
			if on {
				name, want = tt.name+"/on", tt.on
			}
			t.Run(name, func(t *testing.T) {
				p := newTestProvider(t, mutate(on))
				req := httptest.NewRequest(http.MethodPost, "/mcp", strings.NewReader(tt.body))
				if tt.authz != "" {
					req.Header.Set("Authorization", tt.authz)
				}
				rec := httptest.NewRecorder()
				p.Middleware(&nextHandler{}).ServeHTTP(rec, req)
				if rec.Code != tt.status {
					t.Fatalf("status %d, want %d", rec.Code, tt.status)
				}
				if got := rec.Header().Get("WWW-Authenticate"); got != challenge(want) {
					t.Errorf("WWW-Authenticate =\n %q\nwant\n %q", got, challenge(want))
				}
			})
		}
	}

	t.Run("metadata", func(t *testing.T) {
		for _, tt := range []struct {
			name      string
			on        bool
			supported []string
			want      []string
		}{
			{"off", false, nil, []string{"mcp:read"}},
			{"on", true, nil, strings.Fields(all)},
			{"on, ScopesSupported kept first", true, []string{"openid", "files:read"}, []string{"openid", "files:read", "mcp:read", "files:write", "mcp:admin", "incidents:read"}},
		} {
			t.Run(tt.name, func(t *testing.T) {
				p := newTestProvider(t, func(c *Config) { mutate(tt.on)(c); c.ScopesSupported = tt.supported })
				for _, path := range []string{"/.well-known/oauth-protected-resource/mcp", "/.well-known/oauth-protected-resource"} {
					rec := httptest.NewRecorder()
					p.Handler(http.NotFoundHandler()).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
					var doc struct {
						ScopesSupported []string `json:"scopes_supported"`
					}
					if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil {
						t.Fatal(err)
					}
					if !slices.Equal(doc.ScopesSupported, tt.want) {
						t.Errorf("%s scopes_supported = %v, want %v", path, doc.ScopesSupported, tt.want)
					}
				}
			})
		}
	})

	t.Run("WriteError, CheckCall and RequireScopes 401s", func(t *testing.T) {
		p := newTestProvider(t, mutate(true))
		rec := httptest.NewRecorder()
		p.WriteError(rec, httptest.NewRequest(http.MethodGet, "/", nil), ErrMissingToken)
		if got, want := rec.Header().Get("WWW-Authenticate"), challenge(`, scope="`+all+`"`); got != want {
			t.Errorf("WriteError(ErrMissingToken) = %q, want %q", got, want)
		}
		var e *Error
		if err := p.CheckCall(context.Background(), Call{Method: MethodToolsCall, Name: "list"}); !errors.As(err, &e) || strings.Join(e.Scopes, " ") != all {
			t.Errorf("CheckCall without identity = %v, want a 401 naming %s", err, all)
		}
		rec = httptest.NewRecorder()
		p.RequireScopes("reports:read")(&nextHandler{}).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/reports", nil))
		if got, want := rec.Header().Get("WWW-Authenticate"), challenge(`, scope="mcp:read reports:read files:write mcp:admin files:read incidents:read"`); got != want {
			t.Errorf("RequireScopes 401 = %q, want %q", got, want)
		}
	})
}
