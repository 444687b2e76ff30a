package remote

import (
	"net/http"
	"strings"
	"testing"

	mcpgoserver "github.com/mark3labs/mcp-go/server"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// An MCP SDK's streamable handler directly behind the middleware is refused
// at setup, naming the adapter that mounts it safely; a handler of one's own
// is not.
func TestSDKHandlerMountedDirectlyIsRefused(t *testing.T) {
	p := newTestProvider(t, nil)
	gosdkHandler := mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server {
		return mcp.NewServer(&mcp.Implementation{Name: "t", Version: "1"}, nil)
	}, nil)
	mcpgoHandler := mcpgoserver.NewStreamableHTTPServer(mcpgoserver.NewMCPServer("t", "1"))
	for _, tc := range []struct {
		name, fix string
		mount     func()
	}{
		{"go-sdk behind Handler", "gosdk.Handler", func() { p.Handler(gosdkHandler) }},
		{"go-sdk behind Middleware", "gosdk.Handler", func() { p.Middleware(gosdkHandler) }},
		{"mcp-go behind Handler", "mcpgo.Handler", func() { p.Handler(mcpgoHandler) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				v, _ := recover().(string)
				if !strings.Contains(v, tc.fix) {
					t.Fatalf("recovered %q, want a panic naming %s", v, tc.fix)
				}
			}()
			tc.mount()
		})
	}
	p.Handler(http.NotFoundHandler())                   // any other handler
	p.Handler(http.HandlerFunc(gosdkHandler.ServeHTTP)) // wrapped: not recognised (the run-time check remains)
}
