package remote

// This file implements the MCP 2026-07-28 request headers (Mcp-Method,
// Mcp-Name, Mcp-Param-{Name}) as far as the bearer middleware meets them:
// the CORS preflight that lets browsers send them.

import (
	"strings"
)

// corsAllowHeadersFixed are the request headers every preflight allows:
// those of the 2025 session protocols and the 2026-07-28 standard headers.
const corsAllowHeadersFixed = "Authorization, Content-Type, Accept, MCP-Protocol-Version, Mcp-Session-Id, Last-Event-ID, Mcp-Method, Mcp-Name"

// mcpParamPrefix starts the names of the headers a client mirrors from tool
// arguments marked x-mcp-header (Mcp-Param-{Name}).
const mcpParamPrefix = "Mcp-Param-"

// Bounds on the Mcp-Param-{Name} headers one preflight can have allowed, so
// a hostile preflight cannot make the answer large. A browser asks for the
// headers of one request: far fewer.
const (
	corsMaxParamHeaders   = 32
	corsMaxParamHeaderLen = 128
)

// corsAllowHeadersFor returns the Access-Control-Allow-Headers value for a
// preflight whose Access-Control-Request-Headers are requested: the fixed
// list, plus every requested name that is Mcp-Param- (in any letter case)
// followed by an RFC 9110 token, at most corsMaxParamHeaders of them.
// Nothing else a preflight asks for is allowed. Without such names it
// returns the shared fixed slice and allocates nothing.
func corsAllowHeadersFor(requested []string) []string {
	var b *strings.Builder
	n := 0
	for _, line := range requested {
		for name := range strings.SplitSeq(line, ",") {
			name = strings.Trim(name, " \t")
			if !isMcpParamHeader(name) || n == corsMaxParamHeaders {
				continue
			}
			if b == nil {
				b = &strings.Builder{}
				b.WriteString(corsAllowHeadersFixed)
			}
			b.WriteString(", ")
			b.WriteString(name)
			n++
		}
	}
	if b == nil {
		return corsAllowHeaders
	}
	return []string{b.String()}
}

// isMcpParamHeader reports whether name is an Mcp-Param-{Name} header name:
// the prefix in any letter case (header names are case-insensitive), then
// 1*tchar.
func isMcpParamHeader(name string) bool {
	if len(name) <= len(mcpParamPrefix) || len(name) > corsMaxParamHeaderLen {
		return false
	}
	return strings.EqualFold(name[:len(mcpParamPrefix)], mcpParamPrefix) && bearerIsToken(name[len(mcpParamPrefix):])
}
