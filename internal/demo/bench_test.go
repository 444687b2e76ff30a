package demo

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/mcpauth/mcpauth/remote"
)

// BenchmarkToolCall drives NewHandler in its benchmark-friendly mode
// (stateless, JSON responses) with a verified token already in the request
// context, as the provider leaves it: the cost of the MCP layer and the
// go-sdk TokenInfo hand-over, without token verification.
func BenchmarkToolCall(b *testing.B) {
	h := NewHandler(Options{Stateless: true, JSONResponse: true})
	info := &remote.TokenInfo{
		Subject: "user_01BENCH",
		Scopes:  []string{AdminScope},
		Expiry:  time.Now().Add(time.Hour),
		Claims:  map[string]any{"sub": "user_01BENCH", "org_id": "org_01BENCH"},
	}
	for _, tc := range []struct{ tool, args string }{
		{ToolEcho, `{"text":"hello"}`},
		{ToolWhoami, `{}`},
	} {
		tool := tc.tool
		b.Run(tool, func(b *testing.B) {
			body := `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"` + tool + `","arguments":` + tc.args + `}}`
			b.ReportAllocs()
			for b.Loop() {
				req := httptest.NewRequest(http.MethodPost, "http://127.0.0.1/mcp", strings.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Accept", "application/json, text/event-stream")
				req.Header.Set("Authorization", "Bearer x") // go-sdk's carrier reads the header's presence
				req.Header.Set("Mcp-Protocol-Version", "2025-06-18")
				req = req.WithContext(remote.ContextWithTokenInfo(req.Context(), info))
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"user_01BENCH"`) || strings.Contains(rec.Body.String(), `"isError":true`) {
					b.Fatalf("tools/call %s = %d %s", tool, rec.Code, rec.Body)
				}
			}
		})
	}
}
