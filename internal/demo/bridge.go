package demo

import (
	"net/http"

	"github.com/mcpauth/mcpauth/remote"
	"github.com/mcpauth/mcpauth/remote/gosdk"
)

// bridge hands the token the provider verified (a *remote.TokenInfo in the
// request context) to go-sdk tool handlers as req.Extra.TokenInfo, through
// [gosdk.Carrier]: no second verification. Requests without a verified token
// (the handler served without a provider, as benchmarks of the bare MCP
// server do) pass through unchanged, and the tools refuse them.
func bridge(next http.Handler) http.Handler {
	carry := gosdk.Carrier(next)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, ok := remote.TokenInfoFromContext(r.Context()); !ok {
			next.ServeHTTP(w, r)
			return
		}
		carry.ServeHTTP(w, r)
	})
}
