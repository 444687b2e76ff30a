package demo

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/mcpauth/mcpauth/remote"
	"github.com/mcpauth/mcpauth/remote/gosdk"
)

// BenchmarkToolCall drives the demo server as the demo mounts it
// (gosdk.Handler), in its benchmark-friendly mode (stateless, JSON
// responses), behind a provider whose verifier answers a fixed identity: the
// cost of the MCP layer and of handing each call its identity, without
// token verification.
func BenchmarkToolCall(b *testing.B) {
	const resource = "http://127.0.0.1/mcp"
	info := &remote.TokenInfo{
		Subject:   "user_01BENCH",
		Scopes:    []string{AdminScope},
		Audiences: []string{resource},
		Expiry:    time.Now().Add(time.Hour),
		Claims:    map[string]any{"sub": "user_01BENCH", "org_id": "org_01BENCH"},
	}
	p := remote.MustNew(remote.Config{
		MCPURL:               resource,
		AuthorizationServers: []string{"https://auth.example.com"},
		Verifier:             remote.TokenVerifierFunc(func(context.Context, string) (*remote.TokenInfo, error) { return info, nil }),
	})
	h := gosdk.Handler(p, NewServer(Options{}), &gosdk.Options{HTTP: &mcp.StreamableHTTPOptions{Stateless: true, JSONResponse: true}})
	for _, tc := range []struct{ tool, args string }{
		{ToolEcho, `{"text":"hello"}`},
		{ToolWhoami, `{}`},
	} {
		tool := tc.tool
		b.Run(tool, func(b *testing.B) {
			body := `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"` + tool + `","arguments":` + tc.args + `}}`
			b.ReportAllocs()
			for b.Loop() {
				req := httptest.NewRequest(http.MethodPost, resource, strings.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Accept", "application/json, text/event-stream")
				req.Header.Set("Authorization", "Bearer x")
				req.Header.Set("Mcp-Protocol-Version", "2025-06-18")
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"user_01BENCH"`) || strings.Contains(rec.Body.String(), `"isError":true`) {
					b.Fatalf("tools/call %s = %d %s", tool, rec.Code, rec.Body)
				}
			}
		})
	}
}
