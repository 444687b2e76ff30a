package authkit

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/mcpauth/mcpauth/forward"
	"github.com/mcpauth/mcpauth/remote"
)

// Check fetches AuthKit's metadata and key set the way clients and the
// verifier will, and reports in plain sentences what would go wrong, most
// severe first: an issuer that is not byte-identical to the one derived from
// Config.Domain; neither client ID metadata documents (the registration MCP
// recommends) nor dynamic client registration (its deprecated fallback)
// enabled (an error), no client ID metadata documents (a warning), no
// dynamic client registration (information), each with the dashboard page
// to change; no RS256 signing key; metadata or keys unreachable. It always
// adds, as information, the
// exact resource indicator to register in the WorkOS dashboard so tokens
// carry the right "aud". Log the findings at start-up:
//
//	for _, f := range p.Check(ctx) {
//		log.Print(f)
//	}
func (p *Provider) Check(ctx context.Context) []remote.Finding {
	out := p.ip.Check(ctx)
	for i, f := range out {
		switch f.ID {
		case remote.FindingIssuerMismatch:
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
		case remote.FindingNoRegistration:
			out[i].Message = "AuthKit offers neither client ID metadata documents nor dynamic client registration, so MCP clients cannot register: in the WorkOS dashboard open Connect → Configuration and enable Client ID Metadata Document (the registration MCP recommends) and Dynamic Client Registration (the deprecated fallback older clients such as Claude.ai still need)."
		case remote.FindingNoDCR:
			// DCR is the deprecated fallback: without it, clients register
			// the recommended way, and only the older ones cannot.
			out[i].Severity = remote.SeverityInfo
			out[i].Message = "AuthKit offers client ID metadata documents but not dynamic client registration, so clients that support CIMD register the recommended way, and older clients that only know DCR, MCP's deprecated fallback (Claude.ai among them), cannot: enable Dynamic Client Registration under Connect → Configuration in the WorkOS dashboard if you must serve them."
		case remote.FindingMetadataUnavailable, remote.FindingOIDCUnavailable, remote.FindingJWKSUnavailable:
			// forward and idp name their own settings (Config.Issuer,
			// MetadataURL, OpenIDConfiguration): here every URL comes
			// from Domain.
			out[i].Message = withFix(f.Message, "check that Config.Domain is your AuthKit domain (WorkOS dashboard → Domains) and that this host reaches it over HTTPS.")
		case remote.FindingMetadataInvalid:
			out[i].Message = withFix(f.Message, "check that Config.Domain is your AuthKit domain (WorkOS dashboard → Domains), not another site or a proxy in front of it.")
		case remote.FindingNoSigningKey:
			out[i].Message = fmt.Sprintf(
				"AuthKit's key set at %s has no RS256 signing key, so every token will be rejected; check that Config.Domain is the AuthKit domain (not a proxy in front of it).",
				p.endpoints.JWKS)
		}
	}
	if m, err := p.Metadata(ctx); err == nil && m.RegistrationEndpoint != "" && !m.ClientIDMetadataDocumentSupported {
		out = append(out, remote.Finding{
			Severity: remote.SeverityWarning,
			ID:       remote.FindingNoCIMD,
			Message:  "AuthKit does not offer client ID metadata documents, the registration MCP recommends, so clients fall back to dynamic client registration, which MCP deprecates: in the WorkOS dashboard open Connect → Configuration and enable Client ID Metadata Document (keep Dynamic Client Registration on for older clients).",
		})
	}
	out = append(out, remote.Finding{
		Severity: remote.SeverityInfo,
		ID:       remote.FindingResourceIndicator,
		Message: fmt.Sprintf(
			"Register %q under MCP resource indicators in the WorkOS dashboard (Connect → Configuration): AuthKit then issues tokens with that aud; without it AuthKit falls back to the environment's client id as aud and this server answers 401 invalid_token.",
			p.mcpURL),
	})
	if len(p.extraAud) > 0 {
		out = append(out, remote.Finding{
			Severity: remote.SeverityWarning,
			ID:       remote.FindingLegacyAudience,
			Message: fmt.Sprintf(
				"Tokens whose aud is %s are accepted (Config.ExtraAudiences, AuthKit's legacy fallback): such tokens are not bound to this server; register %q as a resource indicator and remove the extra audience.",
				strings.Join(p.extraAud, ", "), p.mcpURL),
		})
	}
	slices.SortStableFunc(out, func(a, b remote.Finding) int { return int(b.Severity) - int(a.Severity) })
	return out
}

// withFix replaces the fix of a finding's message, the clause after its
// last "; " (forward's and idp's messages end with one), with fix.
func withFix(msg, fix string) string {
	if i := strings.LastIndex(msg, "; "); i >= 0 {
		msg = msg[:i]
	} else {
		msg = strings.TrimSuffix(msg, ".")
	}
	return msg + "; " + fix
}
