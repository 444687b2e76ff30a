package remote

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
)

func TestToolCallNames(t *testing.T) {
	for _, tt := range []struct {
		name    string
		body    string
		want    []string
		wantErr bool
	}{
		{"tools/call", `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"delete","arguments":{"x":[1,{"name":"other"}]}}}`, []string{"delete"}, false},
		{"params first", `{"params":{"arguments":{},"name":"delete"},"method":"tools/call","id":1,"jsonrpc":"2.0"}`, []string{"delete"}, false},
		{"escaped", `{"method":"tools\/call","params":{"na\u006de":"del\u0065te"}}`, []string{"delete"}, false},
		{"other method", `{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"name":"x"}}`, nil, false},
		{"initialize", `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{}}`, nil, false},
		{"response", `{"jsonrpc":"2.0","id":1,"result":{}}`, nil, false},
		{"empty", ``, nil, false},
		{"whitespace", " \n", nil, false},
		{"batch", `[{"method":"tools/call","params":{"name":"a"}},{"method":"ping"},{"method":"tools/call","params":{"name":"b"}}]`, []string{"a", "b"}, false},
		{"batch of scalars", `[1,"x",null,[]]`, nil, false},
		{"method not string", `{"method":["tools/call"],"params":{"name":"a"}}`, nil, false},
		{"params not object", `{"method":"tools/list","params":[1]}`, nil, false},

		{"tools/call without name", `{"method":"tools/call","params":{}}`, nil, true},
		{"tools/call params array", `{"method":"tools/call","params":["a"]}`, nil, true},
		{"name not string", `{"method":"tools/call","params":{"name":1}}`, nil, true},
		{"duplicate name", `{"method":"tools/call","params":{"name":"public","name":"secret"}}`, nil, true},
		{"case variant name", `{"method":"tools/call","params":{"name":"secret","NAME":"public"}}`, nil, true},
		{"long s variant params", "{\"method\":\"tools/call\",\"params\":{\"name\":\"a\"},\"param\u017f\":{\"name\":\"b\"}}", nil, true},
		{"case variant method", `{"Method":"tools/call","method":"ping"}`, nil, true},
		{"duplicate method", `{"method":"ping","method":"tools/call","params":{"name":"a"}}`, nil, true},
		{"duplicate params", `{"method":"tools/call","params":{"name":"a"},"params":{"name":"b"}}`, nil, true},
		{"trailing data", `{"method":"ping"}{"method":"tools/call","params":{"name":"a"}}`, nil, true},
		{"invalid json", `{"method":`, nil, true},
		{"invalid utf8", "{\"method\":\"tools/call\",\"params\":{\"name\":\"a\xff\"}}", nil, true},
		{"unclosed batch", `[{"method":"ping"}`, nil, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := toolCallNames([]byte(tt.body))
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("names = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestToolScopes(t *testing.T) {
	type result struct {
		status int
		www    string
	}
	scopeChallenge := func(scopes string) string {
		return challenge(`, scope="` + scopes + `", error="insufficient_scope", error_description="The access token lacks a required scope"`)
	}
	p := newTestProvider(t, func(c *Config) {
		c.ToolScopes = map[string][]string{"delete": {"mcp:admin"}, "audit": {"mcp:audit", "mcp:admin"}}
	})
	for _, tt := range []struct {
		name  string
		token string
		body  string
		want  result
	}{
		{"unscoped tool", "good", `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo"}}`, result{200, ""}},
		{"other method", "good", `{"jsonrpc":"2.0","id":1,"method":"tools/list"}`, result{200, ""}},
		{"scoped tool granted", "admin", `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"delete"}}`, result{200, ""}},
		{"scoped tool missing", "good", `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"delete"}}`, result{403, scopeChallenge("mcp:read mcp:admin")}},
		{"names every needed scope", "admin", `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"audit"}}`, result{403, scopeChallenge("mcp:read mcp:audit mcp:admin")}},
		{"batch with one scoped tool", "good", `[{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo"}},{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"delete"}}]`, result{403, scopeChallenge("mcp:read mcp:admin")}},
		{"case smuggling refused", "good", `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"delete","Name":"echo"}}`,
			result{400, challenge(`, error="invalid_request", error_description="The request body is not a valid JSON-RPC message"`)}},
		{"malformed body", "good", `{"method":"tools/call",`, result{400, challenge(`, error="invalid_request", error_description="The request body is not a valid JSON-RPC message"`)}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			next := &nextHandler{}
			req := httptest.NewRequest(http.MethodPost, "/mcp", strings.NewReader(tt.body))
			req.Header.Set("Authorization", "Bearer "+tt.token)
			rec := httptest.NewRecorder()
			p.Middleware(next).ServeHTTP(rec, req)
			if rec.Code != tt.want.status {
				t.Fatalf("status %d, want %d (%s)", rec.Code, tt.want.status, rec.Body)
			}
			if got := rec.Header().Get("WWW-Authenticate"); got != tt.want.www {
				t.Errorf("WWW-Authenticate =\n %q\nwant\n %q", got, tt.want.www)
			}
			if tt.want.status == 200 && next.body != tt.body {
				t.Errorf("next handler read body %q, want it restored: %q", next.body, tt.body)
			}
			if tt.want.status != 200 && next.called {
				t.Error("next ran")
			}
		})
	}
}

func TestToolBodyNotReadUnlessNeeded(t *testing.T) {
	// Without ToolScopes or ToolCheck, a body the tool parser would refuse
	// passes untouched: the middleware does not read it.
	p := newTestProvider(t, nil)
	next := &nextHandler{}
	body := `{"method":"tools/call","params":{"name":"a","name":"b"}}`
	req := httptest.NewRequest(http.MethodPost, "/mcp", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer good")
	rec := httptest.NewRecorder()
	p.Middleware(next).ServeHTTP(rec, req)
	if rec.Code != 200 || next.body != body {
		t.Fatalf("status %d body %q", rec.Code, next.body)
	}
	// GET requests are never read, even with tool scopes.
	p = newTestProvider(t, func(c *Config) { c.ToolScopes = map[string][]string{"a": {"x"}} })
	req = httptest.NewRequest(http.MethodGet, "/mcp", strings.NewReader("not json"))
	req.Header.Set("Authorization", "Bearer good")
	rec = httptest.NewRecorder()
	p.Middleware(next).ServeHTTP(rec, req)
	if rec.Code != 200 {
		t.Fatalf("GET status %d", rec.Code)
	}
}

func TestToolBodyTooLarge(t *testing.T) {
	p := newTestProvider(t, func(c *Config) {
		c.ToolScopes = map[string][]string{"a": {"x"}}
		c.MaxToolCallBodyBytes = 64
	})
	for _, tt := range []struct {
		size int
		want int
	}{{64, 200}, {65, 413}} {
		body := `{"method":"ping","pad":"` + strings.Repeat("x", tt.size-len(`{"method":"ping","pad":""}`)) + `"}`
		req := httptest.NewRequest(http.MethodPost, "/mcp", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer good")
		rec := httptest.NewRecorder()
		p.Middleware(&nextHandler{}).ServeHTTP(rec, req)
		if rec.Code != tt.want {
			t.Errorf("size %d: status %d, want %d", tt.size, rec.Code, tt.want)
		}
	}
}

func TestToolCheck(t *testing.T) {
	errNoRole := errors.New("user lacks role admin (internal)")
	var sawTool string
	var sawSub string
	p := newTestProvider(t, func(c *Config) {
		c.ToolScopes = map[string][]string{"delete": {"mcp:admin"}}
		c.ToolCheck = func(_ context.Context, tool string, id *Identity) error {
			sawTool, sawSub = tool, id.Subject()
			switch tool {
			case "delete":
				return errNoRole
			case "billing":
				return &Error{Status: http.StatusForbidden, Code: CodeInsufficientScope, Description: "Billing permission required", Scopes: []string{"billing:write"}}
			}
			return nil
		}
	})
	for _, tt := range []struct {
		name, token, tool string
		status            int
		www               string
	}{
		{"allowed", "good", "echo", 200, ""},
		{"generic error", "admin", "delete", 403, challenge(`, scope="mcp:read mcp:admin", error="insufficient_scope", error_description="The access token does not allow this tool"`)},
		{"typed error as is", "good", "billing", 403, challenge(`, scope="billing:write", error="insufficient_scope", error_description="Billing permission required"`)},
		{"scopes checked first", "good", "delete", 403, challenge(`, scope="mcp:read mcp:admin", error="insufficient_scope", error_description="The access token lacks a required scope"`)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			sawTool = ""
			req := httptest.NewRequest(http.MethodPost, "/mcp", strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"`+tt.tool+`"}}`))
			req.Header.Set("Authorization", "Bearer "+tt.token)
			rec := httptest.NewRecorder()
			p.Middleware(&nextHandler{}).ServeHTTP(rec, req)
			if rec.Code != tt.status {
				t.Fatalf("status %d, want %d", rec.Code, tt.status)
			}
			if got := rec.Header().Get("WWW-Authenticate"); got != tt.www {
				t.Errorf("WWW-Authenticate =\n %q\nwant\n %q", got, tt.www)
			}
			if strings.Contains(rec.Body.String(), "internal") {
				t.Error("ToolCheck error text leaked")
			}
			if tt.name != "scopes checked first" && (sawTool != tt.tool || sawSub != "user_1") {
				t.Errorf("ToolCheck saw %q/%q", sawTool, sawSub)
			}
			if tt.name == "scopes checked first" && sawTool != "" {
				t.Error("ToolCheck ran before the scope check failed")
			}
		})
	}
}

func TestBearerReadBody(t *testing.T) {
	big := strings.Repeat("x", 200<<10)
	for _, tt := range []struct {
		name     string
		body     string
		limit    int64
		declared int64
		want     int
	}{
		{"exact length", "hello", 100, 5, 5},
		{"unknown length", big, 1 << 20, -1, len(big)},
		{"declared short", big, 1 << 20, 3, len(big)},
		{"declared huge", "abc", 1 << 20, 1 << 40, 3},
		{"over limit", big, 1000, -1, 1000},
		{"empty", "", 10, 0, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := bearerReadBody(strings.NewReader(tt.body), tt.limit, tt.declared)
			if err != nil || len(got) != tt.want || string(got) != tt.body[:tt.want] {
				t.Errorf("read %d bytes, err %v; want %d", len(got), err, tt.want)
			}
		})
	}
}
