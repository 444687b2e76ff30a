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

func TestReadRPCBody(t *testing.T) {
	tool := func(n string) Call { return Call{MethodToolsCall, n} }
	for _, tt := range []struct {
		name    string
		body    string
		want    []Call
		wantErr bool
	}{
		{"tools/call", `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"delete","arguments":{"x":[1,{"name":"other"}]}}}`, []Call{tool("delete")}, false},
		{"params first", `{"params":{"arguments":{},"name":"delete"},"method":"tools/call","id":1,"jsonrpc":"2.0"}`, []Call{tool("delete")}, false},
		{"escaped", `{"method":"tools\/call","params":{"na\u006de":"del\u0065te"}}`, []Call{tool("delete")}, false},
		{"prompts/get", `{"jsonrpc":"2.0","id":1,"method":"prompts/get","params":{"name":"report","arguments":{"name":"x"}}}`, []Call{{MethodPromptsGet, "report"}}, false},
		{"resources/read", `{"jsonrpc":"2.0","id":1,"method":"resources/read","params":{"uri":"file:///a%20b","name":"ignored"}}`, []Call{{MethodResourcesRead, "file:///a%20b"}}, false},
		{"uri ignored for tools/call", `{"method":"tools/call","params":{"name":"a","uri":"file:///x"}}`, []Call{tool("a")}, false},
		{"other method", `{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"name":"x"}}`, nil, false},
		{"initialize", `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{}}`, nil, false},
		{"response", `{"jsonrpc":"2.0","id":1,"result":{}}`, nil, false},
		{"empty", ``, nil, false},
		{"whitespace", " \n", nil, false},
		{"batch", `[{"method":"tools/call","params":{"name":"a"}},{"method":"ping"},{"method":"prompts/get","params":{"name":"b"}}]`, []Call{tool("a"), {MethodPromptsGet, "b"}}, false},
		{"batch, call first", `[{"method":"prompts/get","params":{"name":"b"}},{"method":"ping"}]`, []Call{{MethodPromptsGet, "b"}}, false},
		{"batch of scalars", `[1,"x",null,[]]`, nil, false},
		{"method not string", `{"method":["tools/call"],"params":{"name":"a"}}`, nil, false},
		{"params not object", `{"method":"tools/list","params":[1]}`, nil, false},
		{"_meta not object", `{"method":"tools/call","params":{"name":"a","_meta":[1]}}`, []Call{tool("a")}, false},

		{"tools/call without name", `{"method":"tools/call","params":{}}`, nil, true},
		{"prompts/get without name", `{"method":"prompts/get","params":{"uri":"x"}}`, nil, true},
		{"resources/read without uri", `{"method":"resources/read","params":{"name":"x"}}`, nil, true},
		{"resources/read uri not string", `{"method":"resources/read","params":{"uri":["file:///x"]}}`, nil, true},
		{"tools/call params array", `{"method":"tools/call","params":["a"]}`, nil, true},
		{"name not string", `{"method":"tools/call","params":{"name":1}}`, nil, true},
		{"duplicate name", `{"method":"tools/call","params":{"name":"public","name":"secret"}}`, nil, true},
		{"case variant name", `{"method":"tools/call","params":{"name":"secret","NAME":"public"}}`, nil, true},
		{"duplicate uri", `{"method":"resources/read","params":{"uri":"a","uri":"b"}}`, nil, true},
		{"case variant uri", `{"method":"resources/read","params":{"Uri":"a","uri":"b"}}`, nil, true},
		{"duplicate _meta", `{"method":"tools/call","params":{"name":"a","_meta":{},"_meta":{}}}`, nil, true},
		{"case variant _meta", `{"method":"tools/call","params":{"name":"a","_META":{}}}`, nil, true},
		{"duplicate version", `{"method":"ping","params":{"_meta":{"io.modelcontextprotocol/protocolVersion":"2025-11-25","io.modelcontextprotocol/protocolVersion":"2026-07-28"}}}`, nil, true},
		{"case variant version", `{"method":"ping","params":{"_meta":{"io.modelcontextprotocol/protocolversion":"2026-07-28"}}}`, nil, true},
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
			var got rpcBody
			err := readRPCBody([]byte(tt.body), &got)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
			if calls := got.calls(); !slices.Equal(calls, tt.want) {
				t.Errorf("calls = %q, want %q", calls, tt.want)
			}
		})
	}
}

func TestReadRPCBodyMessages(t *testing.T) {
	body := `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","other":{"x":1}}}}`
	var got rpcBody
	if err := readRPCBody([]byte(body), &got); err != nil {
		t.Fatal(err)
	}
	want := rpcMessage{method: "tools/call", hasMethod: true, call: Call{MethodToolsCall, "echo"}, version: "2026-07-28", hasVersion: true}
	if got.batch || got.n != 1 || got.first != want {
		t.Errorf("got %+v, want one message %+v", got, want)
	}
	err := readRPCBody([]byte(`[{"jsonrpc":"2.0","method":"notifications/initialized"},{"id":1,"result":{}},{"method":"ping"}]`), &got)
	if err != nil || !got.batch || got.n != 3 || got.at(0).method != "notifications/initialized" || got.at(1).hasMethod || got.at(2).method != "ping" {
		t.Errorf("batch: %+v, %v", got, err)
	}
	if err := readRPCBody([]byte(`[{"method":"ping"},{"method":`), &got); err == nil || got.n != 0 || got.rest != nil {
		t.Errorf("a failed read leaves %+v, %v", got, err)
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
		c.MaxBodyBytes = 64
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

// TestCallRules: prompts/get has name-based scopes like tools/call, and
// CallCheck sees all three methods; resources have no exact-URI table.
func TestCallRules(t *testing.T) {
	var seen []Call
	errSecret := errors.New("resource is in the secret area (internal)")
	p := newTestProvider(t, func(c *Config) {
		c.PromptScopes = map[string][]string{"incident": {"mcp:admin"}}
		c.CallCheck = func(_ context.Context, call Call, _ *Identity) error {
			seen = append(seen, call)
			if call.Method == MethodResourcesRead && strings.HasPrefix(call.Name, "file:///secret/") {
				return errSecret
			}
			if call.Method == MethodToolsCall && call.Name == "billing" {
				return &Error{Status: http.StatusForbidden, Code: CodeInsufficientScope, Description: "Billing permission required"}
			}
			return nil
		}
	})
	denied := func(scopes, desc string) string {
		return challenge(`, scope="` + scopes + `", error="insufficient_scope", error_description="` + desc + `"`)
	}
	for _, tt := range []struct {
		name, token, body string
		status            int
		www               string
		call              Call // what CallCheck must have seen; zero: not called
		reason            string
	}{
		{"unscoped prompt", "good", `{"jsonrpc":"2.0","id":1,"method":"prompts/get","params":{"name":"greeting"}}`, 200, "", Call{MethodPromptsGet, "greeting"}, ""},
		{"scoped prompt granted", "admin", `{"jsonrpc":"2.0","id":1,"method":"prompts/get","params":{"name":"incident"}}`, 200, "", Call{MethodPromptsGet, "incident"}, ""},
		{"scoped prompt without its scope", "good", `{"jsonrpc":"2.0","id":1,"method":"prompts/get","params":{"name":"incident"}}`, 403, denied("mcp:read mcp:admin", descScope), Call{}, "scope"},
		{"resource allowed", "good", `{"jsonrpc":"2.0","id":1,"method":"resources/read","params":{"uri":"file:///public/a"}}`, 200, "", Call{MethodResourcesRead, "file:///public/a"}, ""},
		{"resource refused by CallCheck", "admin", `{"jsonrpc":"2.0","id":1,"method":"resources/read","params":{"uri":"file:///secret/key"}}`, 403, denied("mcp:read", descDeniedCall), Call{MethodResourcesRead, "file:///secret/key"}, "call_denied"},
		{"tool refused by CallCheck, typed", "good", `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"billing"}}`, 403, challenge(`, error="insufficient_scope", error_description="Billing permission required"`), Call{MethodToolsCall, "billing"}, "tool_denied"},
		{"not a call", "good", `{"jsonrpc":"2.0","id":1,"method":"resources/list"}`, 200, "", Call{}, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			seen = nil
			var d Decision
			p.onDecision = func(_ context.Context, got Decision) { d = got }
			req := httptest.NewRequest(http.MethodPost, "/mcp", strings.NewReader(tt.body))
			req.Header.Set("Authorization", "Bearer "+tt.token)
			rec := httptest.NewRecorder()
			next := &nextHandler{}
			p.Middleware(next).ServeHTTP(rec, req)
			if rec.Code != tt.status || next.called != (tt.status == 200) {
				t.Fatalf("status %d, next called %v; want %d", rec.Code, next.called, tt.status)
			}
			if got := rec.Header().Get("WWW-Authenticate"); got != tt.www {
				t.Errorf("WWW-Authenticate =\n %q\nwant\n %q", got, tt.www)
			}
			if want := []Call{tt.call}; tt.call.Method == "" && len(seen) != 0 || tt.call.Method != "" && !slices.Equal(seen, want) {
				t.Errorf("CallCheck saw %v, want %v", seen, tt.call)
			}
			if d.Reason != tt.reason {
				t.Errorf("decision reason %q, want %q", d.Reason, tt.reason)
			}
			if tt.reason == "call_denied" && (!errors.Is(d.Err, errSecret) || !errors.Is(d.Err, ErrRuleDenied)) {
				t.Errorf("decision error %v", d.Err)
			}
			if strings.Contains(rec.Body.String(), "internal") {
				t.Error("CallCheck error text leaked")
			}
		})
	}
}

func TestToolCheckThenCallCheck(t *testing.T) {
	var order []string
	p := newTestProvider(t, func(c *Config) {
		c.ToolCheck = func(context.Context, string, *Identity) error { order = append(order, "tool"); return nil }
		c.CallCheck = func(context.Context, Call, *Identity) error { order = append(order, "call"); return nil }
	})
	req := httptest.NewRequest(http.MethodPost, "/mcp", strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo"}}`))
	req.Header.Set("Authorization", "Bearer good")
	rec := httptest.NewRecorder()
	p.Middleware(&nextHandler{}).ServeHTTP(rec, req)
	if rec.Code != 200 || !slices.Equal(order, []string{"tool", "call"}) {
		t.Errorf("status %d, checks ran %v", rec.Code, order)
	}
}

func TestPromptScopesConfig(t *testing.T) {
	for _, tt := range []struct {
		name string
		in   map[string][]string
		want string
	}{
		{"empty name", map[string][]string{"": {"a"}}, "Config.PromptScopes has an empty prompt name"},
		{"bad scope", map[string][]string{"p": {"a b"}}, `Config.PromptScopes["p"][0] "a b" is not a valid scope`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cfg := testConfig()
			cfg.PromptScopes = tt.in
			if _, err := New(cfg); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("New: %v, want %q", err, tt.want)
			}
		})
	}
}

func TestCheckCall(t *testing.T) {
	errRole := errors.New("needs role admin")
	p := newTestProvider(t, func(c *Config) {
		c.ToolScopes = map[string][]string{"delete": {"mcp:admin"}}
		c.CallCheck = func(_ context.Context, call Call, _ *Identity) error {
			if call.Name == "purge" {
				return errRole
			}
			return nil
		}
	})
	reader := &TokenInfo{Subject: "user_1", Scopes: []string{"mcp:read"}}
	admin := &TokenInfo{Subject: "user_1", Scopes: []string{"mcp:read", "mcp:admin"}}
	for _, tt := range []struct {
		name      string
		info      *TokenInfo
		call      Call
		wantScope []string // nil: allowed
		ruleDeny  bool
	}{
		{"unscoped", reader, Call{MethodToolsCall, "echo"}, nil, false},
		{"scope missing", reader, Call{MethodToolsCall, "delete"}, []string{"mcp:read", "mcp:admin"}, false},
		{"scope granted", admin, Call{MethodToolsCall, "delete"}, nil, false},
		{"required scope missing", &TokenInfo{Subject: "u"}, Call{MethodToolsCall, "echo"}, []string{"mcp:read"}, false},
		{"refused by a rule", admin, Call{MethodResourcesRead, "purge"}, []string{"mcp:read"}, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := p.CheckCall(verifiedBy(t.Context(), p, tt.info), tt.call)
			if tt.wantScope == nil {
				if err != nil {
					t.Fatalf("CheckCall = %v, want nil", err)
				}
				return
			}
			var e *Error
			if !errors.As(err, &e) || e.Status != 403 || e.Code != CodeInsufficientScope || !slices.Equal(e.Scopes, tt.wantScope) {
				t.Fatalf("CheckCall = %#v, want 403 naming %v", err, tt.wantScope)
			}
			if !errors.Is(err, ErrInsufficientScope) || errors.Is(err, ErrRuleDenied) != tt.ruleDeny || tt.ruleDeny && !errors.Is(err, errRole) {
				t.Errorf("error classes of %v", err)
			}
		})
	}
	if err := p.CheckCall(verifiedBy(t.Context(), p, admin), Call{"tools/list", ""}); !errors.Is(err, ErrInvalidRequest) {
		t.Errorf("unknown method: %v", err)
	}
	if err := p.CheckCall(t.Context(), Call{MethodToolsCall, "echo"}); !errors.Is(err, ErrMissingToken) {
		t.Errorf("no caller: %v", err)
	}
	other := newTestProvider(t, nil)
	if err := p.CheckCall(verifiedBy(t.Context(), other, admin), Call{MethodToolsCall, "echo"}); !errors.Is(err, ErrMissingToken) {
		t.Errorf("another provider's caller: %v", err)
	}
}

// verifiedBy is ctx carrying info as an identity p verified, as its
// middleware (or an MCP adapter, for a call) puts it there.
func verifiedBy(ctx context.Context, p *Provider, info *TokenInfo) context.Context {
	return ContextWithIdentity(ctx, &Identity{info: info, by: p, issuer: info.Issuer})
}
