package remote

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestInBandRuleDenials: a rule's refusal is answered as a tool error
// result (tools/call) or a JSON-RPC error (prompts/get, resources/read)
// with status 200 when the option is on, and with the 403 otherwise; what
// no single response can answer, and missing scopes, stay 403.
func TestInBandRuleDenials(t *testing.T) {
	errSecret := errors.New("not in the billing team (internal)")
	config := func(on bool) func(*Config) {
		return func(c *Config) {
			c.ToolScopes = map[string][]string{"delete": {"mcp:admin"}}
			c.InBandRuleDenials = on
			c.ToolCheck = func(_ context.Context, tool string, _ *Identity) error {
				switch tool {
				case "billing":
					return errSecret
				case "payroll":
					return &Error{Status: http.StatusForbidden, Code: CodeInsufficientScope, Description: "Payroll needs the HR role"}
				case "later":
					return &Error{Status: http.StatusServiceUnavailable, Err: ErrUnavailable}
				}
				return nil
			}
			c.CallCheck = func(_ context.Context, call Call, _ *Identity) error {
				if call.Method != MethodToolsCall && strings.Contains(call.Name, "secret") {
					return errSecret
				}
				return nil
			}
		}
	}
	tool := func(id, name string) string {
		return `{"jsonrpc":"2.0","id":` + id + `,"method":"tools/call","params":{"name":"` + name + `","arguments":{}}}`
	}
	const (
		toolText = `"content":[{"type":"text","text":"` + inBandDenied + `"}],"isError":true`
		callText = `"error":{"code":-32602,"message":"` + inBandDeniedCall + `"}`
	)
	v2026 := http.Header{"Mcp-Protocol-Version": {"2026-07-28"}, "Mcp-Method": {"tools/call"}, "Mcp-Name": {"billing"}}
	for _, tt := range []struct {
		name, token, body string
		header            http.Header
		in                string // the 200 body with the option on; "" for a 403 either way
		reason            string
	}{
		{"tool refused", "good", tool("1", "billing"), nil, `{"jsonrpc":"2.0","id":1,"result":{` + toolText + `}}`, "tool_denied"},
		{"string id kept as sent", "good", tool(`"a\"b"`, "billing"), nil, `{"jsonrpc":"2.0","id":"a\"b","result":{` + toolText + `}}`, "tool_denied"},
		{"check's own description", "good", tool("-2.5e3", "payroll"), nil, `{"jsonrpc":"2.0","id":-2.5e3,"result":{"content":[{"type":"text","text":"Payroll needs the HR role"}],"isError":true}}`, "tool_denied"},
		{"2026-07-28 result type", "good", `{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"billing","_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28"}}}`, v2026,
			`{"jsonrpc":"2.0","id":3,"result":{` + toolText + `,"resultType":"complete"}}`, "tool_denied"},
		{"prompt refused", "good", `{"jsonrpc":"2.0","id":4,"method":"prompts/get","params":{"name":"secret"}}`, nil, `{"jsonrpc":"2.0","id":4,` + callText + `}`, "call_denied"},
		{"resource refused", "good", `{"jsonrpc":"2.0","id":5,"method":"resources/read","params":{"uri":"file:///secret"}}`, nil, `{"jsonrpc":"2.0","id":5,` + callText + `}`, "call_denied"},
		{"missing scope stays 403", "good", tool("6", "delete"), nil, "", "scope"},
		{"unavailable check stays 503", "good", tool("7", "later"), nil, "", "tool_denied"},
		{"batch stays 403", "good", "[" + tool("8", "billing") + "]", nil, "", "tool_denied"},
		{"notification stays 403", "good", `{"jsonrpc":"2.0","method":"tools/call","params":{"name":"billing"}}`, nil, "", "tool_denied"},
		{"null id stays 403", "good", tool("null", "billing"), nil, "", "tool_denied"},
		{"repeated id stays 403", "good", `{"jsonrpc":"2.0","id":1,"id":2,"method":"tools/call","params":{"name":"billing"}}`, nil, "", "tool_denied"},
		{"id in another case stays 403", "good", `{"jsonrpc":"2.0","ID":1,"method":"tools/call","params":{"name":"billing"}}`, nil, "", "tool_denied"},
	} {
		for _, on := range []bool{false, true} {
			name := tt.name + "/off"
			if on {
				name = tt.name + "/on"
			}
			t.Run(name, func(t *testing.T) {
				p := newTestProvider(t, config(on))
				var d Decision
				p.onDecision = func(_ context.Context, got Decision) { d = got }
				req := httptest.NewRequest(http.MethodPost, "/mcp", strings.NewReader(tt.body))
				for k, v := range tt.header {
					req.Header[k] = v
				}
				req.Header.Set("Authorization", "Bearer "+tt.token)
				rec := httptest.NewRecorder()
				next := &nextHandler{}
				p.Middleware(next).ServeHTTP(rec, req)
				if next.called {
					t.Fatal("the MCP handler ran")
				}
				if on && tt.in != "" {
					if rec.Code != http.StatusOK || strings.TrimSpace(rec.Body.String()) != tt.in {
						t.Errorf("got %d %s\nwant 200 %s", rec.Code, rec.Body.String(), tt.in)
					}
					if rec.Header().Get("WWW-Authenticate") != "" || rec.Header().Get("Content-Type") != "application/json" {
						t.Errorf("headers %v", rec.Header())
					}
					if d.Status != http.StatusOK || d.Outcome != OutcomeInsufficientScope || !errors.Is(d.Err, ErrRuleDenied) {
						t.Errorf("decision %+v", d)
					}
				} else {
					if want := http.StatusForbidden; rec.Code != want && !(tt.name == "unavailable check stays 503" && rec.Code == http.StatusServiceUnavailable) {
						t.Errorf("status %d, want %d", rec.Code, want)
					}
					if rec.Code == http.StatusForbidden && !strings.Contains(rec.Header().Get("WWW-Authenticate"), `error="insufficient_scope"`) {
						t.Errorf("403 without insufficient_scope: %q", rec.Header().Get("WWW-Authenticate"))
					}
				}
				if d.Reason != tt.reason {
					t.Errorf("decision reason %q, want %q", d.Reason, tt.reason)
				}
				if strings.Contains(rec.Body.String(), "internal") {
					t.Error("the check's error text leaked")
				}
			})
		}
	}
}

func TestRPCRequestID(t *testing.T) {
	for _, tt := range []struct {
		body, want string
		ok         bool
	}{
		{`{"id":1}`, "1", true},
		{`{"jsonrpc":"2.0", "id" :  "x\u0041" ,"method":"m"}`, `"x\u0041"`, true},
		{`{"id":0.5e-3}`, "0.5e-3", true},
		{`{"id":null}`, "", false},
		{`{"id":{}}`, "", false},
		{`{"id":[1]}`, "", false},
		{`{"id":true}`, "", false},
		{`{"method":"m"}`, "", false},
		{`{"id":1,"id":1}`, "", false},
		{`{"Id":1}`, "", false},
		{`[{"id":1}]`, "", false},
		{`{"\u0069d":1}`, "1", true}, // the same name, escaped: encoding/json reads it too
	} {
		got, ok := rpcRequestID([]byte(tt.body))
		if ok != tt.ok || string(got) != tt.want {
			t.Errorf("rpcRequestID(%s) = %s, %v; want %s, %v", tt.body, got, ok, tt.want, tt.ok)
		}
	}
}
