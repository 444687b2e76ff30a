package perf

import (
	"net/http"

	"github.com/mcpauth/mcpauth/internal/demo"
)

// demoToolScopes is the demo's per-tool scope rule (admin_echo needs
// demo:admin), so our provider reads tools/call bodies as in the demo.
var demoToolScopes = demo.ToolScopes()

// mcpHandler is the demo's MCP handler, stateless with JSON responses.
func mcpHandler() http.Handler {
	return demo.NewHandler(demo.Options{Stateless: true, JSONResponse: true})
}
