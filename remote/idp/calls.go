package idp

import (
	"context"

	"github.com/mcpauth/mcpauth/remote"
)

// CheckCall decides a tools/call, prompts/get or resources/read for the
// caller this provider verified for ctx, as the middleware does; see
// remote.Provider.CheckCall.
func (p *Provider) CheckCall(ctx context.Context, call remote.Call) error {
	return p.rp.CheckCall(ctx, call)
}
