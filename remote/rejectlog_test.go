package remote

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/mcpauth/mcpauth/internal/testutil"
)

// TestRejectionLogLevels: what every client meets in a normal flow
// (discovery without a token, an expired token, a step-up) is logged at
// debug, so an info log is not flooded on every connect; tokens and
// requests that should not happen and rule refusals at info; a verifier
// that could not decide at warn.
func TestRejectionLogLevels(t *testing.T) {
	const toolCall = `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"drop_table","arguments":{}}}`
	tests := []struct {
		name, target, auth, body string
		mcpHeaders               bool
		wantStatus               int
		want                     string // level=… and reason=… of the log line
	}{
		{name: "discovery without a token", wantStatus: 401, want: "level=DEBUG msg=\"remote: request rejected\" outcome=missing_token reason=missing_token"},
		{name: "expired token", auth: "Bearer expired", wantStatus: 401, want: "level=DEBUG msg=\"remote: request rejected\" outcome=invalid_token reason=expired"},
		{name: "step-up for a scope", auth: "Bearer noscope", wantStatus: 403, want: "level=DEBUG msg=\"remote: request rejected\" outcome=insufficient_scope reason=scope"},
		{name: "bad signature", auth: "Bearer bad-sig", wantStatus: 401, want: "level=INFO msg=\"remote: request rejected\" outcome=invalid_token reason=bad_signature"},
		{name: "wrong audience", auth: "Bearer wrong-aud", wantStatus: 401, want: "level=INFO msg=\"remote: request rejected\" outcome=invalid_token reason=wrong_audience"},
		{name: "token in the URL", target: "/mcp?access_token=good", wantStatus: 400, want: "level=INFO msg=\"remote: request rejected\" outcome=invalid_request reason=token_in_query"},
		{name: "malformed header", auth: "Bearer", wantStatus: 400, want: "level=INFO msg=\"remote: request rejected\" outcome=invalid_request reason=malformed_header"},
		{name: "a rule refuses the tool", auth: "Bearer good", body: toolCall, mcpHeaders: true, wantStatus: 403, want: "level=INFO msg=\"remote: request rejected\" outcome=insufficient_scope reason=tool_denied"},
		{name: "headers disagree with the body", auth: "Bearer good", body: toolCall, wantStatus: 400, want: "level=INFO msg=\"remote: request rejected\" outcome=invalid_request reason=header_mismatch"},
		{name: "keys unavailable", auth: "Bearer keys-down", wantStatus: 503, want: "level=WARN msg=\"remote: request rejected\" outcome=unavailable reason=keys_unavailable"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			logs := &testutil.LogBuffer{}
			p := newTestProvider(t, func(c *Config) {
				c.Logger = logs.Logger()
				c.ToolCheck = func(_ context.Context, tool string, _ *Identity) error {
					if tool == "drop_table" {
						return errors.New("not for this user")
					}
					return nil
				}
			})
			target := tt.target
			if target == "" {
				target = "/mcp"
			}
			req := httptest.NewRequest(http.MethodPost, target, strings.NewReader(tt.body))
			if tt.auth != "" {
				req.Header.Set("Authorization", tt.auth)
			}
			if tt.body != "" {
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("MCP-Protocol-Version", "2026-07-28")
				req.Header.Set("Mcp-Method", "tools/call")
				if tt.mcpHeaders {
					req.Header.Set("Mcp-Name", "drop_table")
				} else {
					req.Header.Set("Mcp-Name", "list_tables")
				}
			}
			w := httptest.NewRecorder()
			p.Middleware(&nextHandler{}).ServeHTTP(w, req)
			if w.Code != tt.wantStatus {
				t.Fatalf("status %d, want %d", w.Code, tt.wantStatus)
			}
			if got := logs.String(); !strings.Contains(got, tt.want) || strings.Count(got, "request rejected") != 1 {
				t.Errorf("log:\n%s\nwant one line with %q", got, tt.want)
			}
		})
	}
}
