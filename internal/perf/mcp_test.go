package perf

import (
	"context"
	"errors"
	"net/http"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/mcpauth/mcpauth/remote"
	"github.com/mcpauth/mcpauth/remote/gosdk"
)

// demoToolScopes mirrors the demo's per-tool scope rule.
var demoToolScopes = map[string][]string{"admin_echo": {"demo:admin"}}

type echoIn struct {
	Text string `json:"text"`
}

type echoOut struct {
	Text   string `json:"text"`
	UserID string `json:"user_id"`
}

// mcpHandler stands in for the demo's handler until it lands: a stateless,
// JSON-answering streamable handler with the demo's echo tool, and the
// demo's bridge (gosdk.Carrier when our provider verified the request).
func mcpHandler() http.Handler {
	s := mcp.NewServer(&mcp.Implementation{Name: "perf", Version: "dev"}, nil)
	mcp.AddTool(s, &mcp.Tool{Name: "echo"}, func(_ context.Context, req *mcp.CallToolRequest, in echoIn) (*mcp.CallToolResult, echoOut, error) {
		if req.Extra == nil || req.Extra.TokenInfo == nil || req.Extra.TokenInfo.UserID == "" {
			return nil, echoOut{}, errors.New("no caller")
		}
		return nil, echoOut{Text: in.Text, UserID: req.Extra.TokenInfo.UserID}, nil
	})
	h := mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return s }, &mcp.StreamableHTTPOptions{Stateless: true, JSONResponse: true})
	carry := gosdk.Carrier(h)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, ok := remote.TokenInfoFromContext(r.Context()); ok {
			carry.ServeHTTP(w, r)
			return
		}
		h.ServeHTTP(w, r)
	})
}
