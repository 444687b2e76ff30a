package authkit

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/mcpauth/mcpauth/forward"
	"github.com/mcpauth/mcpauth/remote/idp"
)

// Finding identifiers [Provider.Check] adds to those of packages forward and
// idp.
const (
	// FindingResourceIndicator carries the exact string to register in the
	// WorkOS dashboard. Always reported, as information.
	FindingResourceIndicator = "resource_indicator"
	// FindingLegacyAudience: Config.ExtraAudiences accepts tokens not bound
	// to this server.
	FindingLegacyAudience = "legacy_audience"
)

// Check fetches AuthKit's metadata and key set the way clients and the
// verifier will, and reports in plain sentences what would go wrong, most
// severe first: an issuer that is not byte-identical to the one derived from
// Config.Domain; neither dynamic client registration nor client ID metadata
// documents enabled (with the dashboard page to change); no RS256 signing
// key; metadata or keys unreachable. It always adds, as information, the
// exact resource indicator to register in the WorkOS dashboard so tokens
// carry the right "aud". Log the findings at start-up:
//
//	for _, f := range p.Check(ctx) {
//		log.Print(f)
//	}
func (p *Provider) Check(ctx context.Context) []forward.Finding {
	out := p.Provider.Check(ctx)
	for i, f := range out {
		switch f.ID {
		case forward.FindingIssuerMismatch:
			upstream := "(unknown)"
			var mm *forward.IssuerMismatchError
			if _, err := p.Metadata(ctx); errors.As(err, &mm) {
				upstream = mm.Upstream
			}
			fix := fmt.Sprintf("set Config.Domain to %q (your custom domain, if AuthKit is served on one)", upstream)
			if e, err := DomainEndpoints(upstream); err != nil || e.Issuer != upstream {
				// Not a form Domain can produce (a trailing slash, a path).
				fix = fmt.Sprintf("check that Config.Domain is the AuthKit domain; for an issuer spelled %q use package idp with Issuer set to exactly that", upstream)
			}
			out[i].Message = fmt.Sprintf(
				"AuthKit's metadata at %s names issuer %q, but Config.Domain gives %q, and strict MCP clients reject any difference: %s.",
				p.endpoints.Metadata, upstream, p.endpoints.Issuer, fix)
		case forward.FindingNoRegistration:
			out[i].Message = "AuthKit offers neither dynamic client registration nor client ID metadata documents, so MCP clients cannot register: in the WorkOS dashboard open Connect → Configuration and enable Dynamic Client Registration (and Client ID Metadata Document for clients that use it)."
		case forward.FindingNoDCR:
			out[i].Message = "AuthKit has no registration_endpoint, so clients that only know dynamic client registration (Claude.ai among them) cannot register: in the WorkOS dashboard open Connect → Configuration and enable Dynamic Client Registration."
		case idp.FindingNoSigningKey:
			out[i].Message = fmt.Sprintf(
				"AuthKit's key set at %s has no RS256 signing key, so every token will be rejected; check that Config.Domain is the AuthKit domain (not a proxy in front of it).",
				p.endpoints.JWKS)
		}
	}
	out = append(out, forward.Finding{
		Severity: forward.SeverityInfo,
		ID:       FindingResourceIndicator,
		Message: fmt.Sprintf(
			"Register %q under MCP resource indicators in the WorkOS dashboard (Connect → Configuration): AuthKit then issues tokens with that aud; without it AuthKit falls back to the environment's client id as aud and this server answers 401 invalid_token.",
			p.mcpURL),
	})
	if len(p.extraAud) > 0 {
		out = append(out, forward.Finding{
			Severity: forward.SeverityWarning,
			ID:       FindingLegacyAudience,
			Message: fmt.Sprintf(
				"Tokens whose aud is %s are accepted (Config.ExtraAudiences, AuthKit's legacy fallback): such tokens are not bound to this server; register %q as a resource indicator and remove the extra audience.",
				strings.Join(p.extraAud, ", "), p.mcpURL),
		})
	}
	slices.SortStableFunc(out, func(a, b forward.Finding) int { return int(b.Severity) - int(a.Severity) })
	return out
}
