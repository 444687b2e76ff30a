package gosdk_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/mcpauth/mcpauth/remote"
	"github.com/mcpauth/mcpauth/remote/gosdk"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

func Example() {
	server := mcp.NewServer(&mcp.Implementation{Name: "files", Version: "1.0.0"}, nil)
	mcp.AddTool(server, &mcp.Tool{Name: "whoami"}, func(_ context.Context, req *mcp.CallToolRequest, _ struct{}) (*mcp.CallToolResult, any, error) {
		return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: req.Extra.TokenInfo.UserID}}}, nil, nil
	})
	streamable := mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return server }, nil)
	p := remote.MustNew(remote.Config{
		ResourceURL:          "https://mcp.example.com/mcp",
		AuthorizationServers: []string{"https://example.authkit.app"},
		Verifier:             remote.TokenVerifierFunc(func(context.Context, string) (*remote.TokenInfo, error) { return nil, remote.ErrInvalidToken }),
	})
	handler := p.Handler(gosdk.Carrier(streamable)) // or gosdk.Protect(p, streamable) on your own mux

	rec := httptest.NewRecorder()
	handler.ServeHTTP(rec, httptest.NewRequest("POST", "/mcp", nil))
	fmt.Println(rec.Code, rec.Header().Get("WWW-Authenticate"))
	// Output:
	// 401 Bearer resource_metadata="https://mcp.example.com/.well-known/oauth-protected-resource/mcp"
}
