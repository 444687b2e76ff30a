package forward

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/mcpauth/mcpauth/remote"
)

// Check fetches the upstream metadata if needed and reports what MCP clients
// will miss: an unreachable or invalid document, an issuer that is not
// byte-identical to Config.Issuer, no way to register (neither
// registration_endpoint nor client_id_metadata_document_supported), no S256
// PKCE, a failing refresh. No findings means clients have what they need.
// Findings are ordered most severe first.
func (f *Forwarder) Check(ctx context.Context) []remote.Finding {
	var out []remote.Finding
	add := func(s remote.Severity, id, format string, args ...any) {
		out = append(out, remote.Finding{Severity: s, ID: id, Message: fmt.Sprintf(format, args...)})
	}
	m, err := f.Metadata(ctx)
	var mm *IssuerMismatchError
	switch {
	case errors.As(err, &mm):
		add(remote.SeverityError, remote.FindingIssuerMismatch,
			"The authorization server's metadata names issuer %q but Config.Issuer is %q, so strict clients reject it and the document is not served; set Config.Issuer (and the authorization_servers entry of your protected resource metadata) to exactly %q.",
			mm.Upstream, mm.Configured, mm.Upstream)
	case errors.Is(err, ErrInvalidMetadata):
		add(remote.SeverityError, remote.FindingMetadataInvalid,
			"The document at %s was rejected (%v), so clients looking on this origin get 503; check Config.Issuer and Config.MetadataURL.",
			f.MetadataURL(), err)
	case err != nil:
		add(remote.SeverityError, remote.FindingMetadataUnavailable,
			"The authorization server metadata at %s could not be fetched (%v), so clients looking on this origin get 503; check Config.Issuer, Config.MetadataURL and the network.",
			f.MetadataURL(), err)
	}
	if m != nil {
		if n, err := f.as.failure(); n > 0 {
			add(remote.SeverityWarning, remote.FindingMetadataRefreshFailing,
				"The last %d refresh(es) of %s failed (%v), so clients get an older cached copy; fix the upstream or the configuration before the copy goes out of date.",
				n, f.MetadataURL(), err)
		}
		switch {
		case m.RegistrationEndpoint == "" && !m.ClientIDMetadataDocumentSupported:
			add(remote.SeverityError, remote.FindingNoRegistration,
				"The authorization server offers neither client_id_metadata_document_supported nor registration_endpoint, so MCP clients cannot register; enable Client ID Metadata Documents (the registration MCP recommends) and, for clients that predate them, Dynamic Client Registration (WorkOS dashboard: Connect → Configuration).")
		case m.RegistrationEndpoint == "":
			add(remote.SeverityWarning, remote.FindingNoDCR,
				"The authorization server offers Client ID Metadata Documents but no registration_endpoint, so older clients that know only dynamic client registration, MCP's deprecated fallback (Claude.ai among them), cannot register; enable Dynamic Client Registration as well if you must serve them (WorkOS dashboard: Connect → Configuration).")
		}
		if !slices.Contains(m.CodeChallengeMethodsSupported, "S256") {
			add(remote.SeverityError, remote.FindingNoS256,
				"The authorization server does not list S256 in code_challenge_methods_supported, so MCP clients must refuse to authorize; enable PKCE with S256 at the authorization server.")
		}
		if f.cfg.LegacyEndpoints && m.RegistrationEndpoint == "" {
			add(remote.SeverityInfo, remote.FindingLegacyRegisterUnavailable,
				"LegacyEndpoints is on but the authorization server has no registration_endpoint, so %s answers 404.", pathRegister)
		}
	}
	if f.oidc != nil {
		if _, err := f.oidc.get(ctx, f.cfg.Now()); err != nil {
			add(remote.SeverityWarning, remote.FindingOIDCUnavailable,
				"The OpenID Connect discovery document at %s could not be served (%v), so %s answers 503; fix the upstream or turn Config.OpenIDConfiguration off.",
				f.cfg.oidcURL, err, pathOpenIDConfiguration)
		}
	}
	slices.SortStableFunc(out, func(a, b remote.Finding) int { return int(b.Severity) - int(a.Severity) })
	return out
}
