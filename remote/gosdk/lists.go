package gosdk

import (
	"context"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/mcpauth/mcpauth/remote"
)

// hideDenied is the list filter of Options.HideDenied: it runs inside
// perCall, so the provider decides for the identity of the call.
func (m *mount) hideDenied(next mcp.MethodHandler) mcp.MethodHandler {
	return func(ctx context.Context, method string, req mcp.Request) (mcp.Result, error) {
		res, err := next(ctx, method, req)
		if err != nil {
			return res, err
		}
		switch r := res.(type) {
		case *mcp.ListToolsResult:
			r.Tools = keep(ctx, m.p, r.Tools, func(t *mcp.Tool) remote.Call {
				return remote.Call{Method: remote.MethodToolsCall, Name: t.Name}
			})
			private(&r.Cacheable)
		case *mcp.ListPromptsResult:
			r.Prompts = keep(ctx, m.p, r.Prompts, func(pr *mcp.Prompt) remote.Call {
				return remote.Call{Method: remote.MethodPromptsGet, Name: pr.Name}
			})
			private(&r.Cacheable)
		case *mcp.ListResourcesResult:
			r.Resources = keep(ctx, m.p, r.Resources, func(rs *mcp.Resource) remote.Call {
				return remote.Call{Method: remote.MethodResourcesRead, Name: rs.URI}
			})
			private(&r.Cacheable)
		}
		return res, nil
	}
}

// keep returns a new slice of the items whose call is reachable for the
// caller in ctx (never nil, so a list encodes as [], not null).
func keep[T any](ctx context.Context, p Provider, items []*T, call func(*T) remote.Call) []*T {
	out := make([]*T, 0, len(items))
	for _, it := range items {
		if it != nil && remote.Reachable(p.CheckCall(ctx, call(it))) {
			out = append(out, it)
		}
	}
	return out
}

// private marks a list that differs per caller: only that caller's client
// may cache it, and not past this answer.
func private(c *mcp.Cacheable) {
	c.CacheScope = "private"
	c.TTLMs = 0
}
