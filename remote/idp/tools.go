package idp

import "context"

// AllowTool decides what the middleware decides for a tools/call of tool
// with the token this provider verified for ctx; see
// remote.Provider.AllowTool.
func (p *Provider) AllowTool(ctx context.Context, tool string) error {
	return p.rp.AllowTool(ctx, tool)
}
