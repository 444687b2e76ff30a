package idp

import (
	"context"
	"net/http"

	"github.com/mcpauth/mcpauth/remote"
	"github.com/mcpauth/mcpauth/remote/rules"
)

// CheckCall decides a tools/call, prompts/get or resources/read for the
// caller this provider verified for ctx, as the middleware does
// (RequiredScopes, Config.Rule, ToolScopes, ToolRules); see
// remote.Provider.CheckCall.
func (p *Provider) CheckCall(ctx context.Context, call remote.Call) error {
	return p.rp.CheckCall(ctx, call)
}

// Allow decides rule for the caller this provider verified for ctx's
// request (or, behind gosdk.Handler or mcpgo.Handler, for the current
// call), reading claims as Config.Claims says. It returns nil when
// allowed; else a *remote.Error: 401 when ctx carries no token this
// provider verified, 403 insufficient_scope naming what is missing, 503
// when the rule could not decide (rules.ActiveMembership with its
// directory down). Use it in a handler or tool for what the configured
// rules cannot express; p.WriteError writes its error.
func (p *Provider) Allow(ctx context.Context, rule rules.Rule) error {
	return p.policy.Allow(ctx, p.rp, rule)
}

// Require returns a middleware for a route of your own that lets a
// request through only when it passes every one of rs, and answers 403
// naming what is missing (or 503) otherwise; extra scopes for a route are
// rules.AllScopes. Behind this provider's
// middleware it reads the identity already verified; used alone it
// authenticates the request first. It panics at set-up when rs is empty
// or a rule could never pass under Config.Claims (see rules.Policy.Require).
func (p *Provider) Require(rs ...rules.Rule) func(http.Handler) http.Handler {
	return p.policy.Require(p.rp, rs...)
}

// Principal returns the caller this provider verified for ctx, with the
// permissions, roles and organization Config.Claims locates: what rules
// see. Without one it returns an error wrapping remote.ErrNoIdentity.
func (p *Provider) Principal(ctx context.Context) (*rules.Principal, error) {
	id, err := p.rp.Identity(ctx)
	if err != nil {
		return nil, err
	}
	return p.policy.Principal(ctx, id), nil
}
