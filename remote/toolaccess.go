package remote

import (
	"context"
	"errors"
	"net/http"
)

// AllowTool decides, without an HTTP request, what the middleware decides
// for a tools/call of tool: whether the token this provider verified for
// ctx's request (or, behind an MCP adapter, for the current call) satisfies
// RequiredScopes, the tool's ToolScopes and ToolCheck. It returns nil when
// the call would be let through; a *Error with status 401 when ctx carries
// no identity this provider verified; otherwise the 403 the middleware
// would answer (insufficient_scope naming the scopes needed, or the *Error
// ToolCheck returned).
//
// MCP adapters use it to list only the tools a caller may call (see
// mcpgo.Options.HideDeniedTools). Calls themselves need no such check:
// the middleware refuses a denied tools/call before the MCP server runs.
func (p *Provider) AllowTool(ctx context.Context, tool string) error {
	id, err := p.Identity(ctx)
	if err != nil {
		return &Error{Status: http.StatusUnauthorized, Scopes: p.required, Err: err}
	}
	granted := id.info.Scopes
	ts := p.toolScopes[tool]
	if !p.satisfied(granted, p.required) || !p.satisfied(granted, ts) {
		return &Error{Status: http.StatusForbidden, Code: CodeInsufficientScope, Description: descScope, Scopes: bearerUnion(p.required, ts), Err: ErrInsufficientScope}
	}
	if p.toolCheck == nil {
		return nil
	}
	if err := p.toolCheck(ctx, tool, id); err != nil {
		var e *Error
		if errors.As(err, &e) && e != nil {
			return p.toError(e)
		}
		return &Error{Status: http.StatusForbidden, Code: CodeInsufficientScope, Description: descDenied, Scopes: bearerUnion(p.required, ts), Err: err}
	}
	return nil
}
