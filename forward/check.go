package forward

import (
	"context"
	"errors"
	"fmt"
	"slices"
)

// Severity ranks a [Finding].
type Severity int

// Severities, least to most severe.
const (
	// SeverityInfo: worth knowing, nothing breaks.
	SeverityInfo Severity = iota + 1
	// SeverityWarning: some clients fail or degrade.
	SeverityWarning
	// SeverityError: clients fail.
	SeverityError
)

func (s Severity) String() string {
	switch s {
	case SeverityInfo:
		return "info"
	case SeverityWarning:
		return "warning"
	case SeverityError:
		return "error"
	}
	return fmt.Sprintf("Severity(%d)", int(s))
}

// Finding identifiers, stable for programs to switch on.
const (
	FindingUnavailable      = "metadata_unavailable"
	FindingInvalid          = "metadata_invalid"
	FindingIssuerMismatch   = "issuer_mismatch"
	FindingNoRegistration   = "no_client_registration"
	FindingNoDCR            = "no_registration_endpoint"
	FindingNoS256           = "no_s256"
	FindingRefreshFailing   = "refresh_failing"
	FindingOIDCUnavailable  = "openid_configuration_unavailable"
	FindingLegacyNoRegister = "legacy_register_unavailable"
)

// Finding is one result of [Forwarder.Check]: what clients will miss and
// what to change, in one plain sentence.
type Finding struct {
	Severity Severity
	ID       string // one of the Finding* constants
	Message  string
}

func (f Finding) String() string { return f.Severity.String() + ": " + f.Message }

// Check fetches the upstream metadata if needed and reports what MCP clients
// will miss: an unreachable or invalid document, an issuer that is not
// byte-identical to Config.Issuer, no way to register (neither
// registration_endpoint nor client_id_metadata_document_supported), no S256
// PKCE, a failing refresh. No findings means clients have what they need.
// Findings are ordered most severe first.
func (f *Forwarder) Check(ctx context.Context) []Finding {
	var out []Finding
	add := func(s Severity, id, format string, args ...any) {
		out = append(out, Finding{Severity: s, ID: id, Message: fmt.Sprintf(format, args...)})
	}
	m, err := f.Metadata(ctx)
	var mm *IssuerMismatchError
	switch {
	case errors.As(err, &mm):
		add(SeverityError, FindingIssuerMismatch,
			"The authorization server's metadata names issuer %q but Config.Issuer is %q, so strict clients reject it and the document is not served; set Config.Issuer (and the authorization_servers entry of your protected resource metadata) to exactly %q.",
			mm.Upstream, mm.Configured, mm.Upstream)
	case errors.Is(err, ErrInvalidMetadata):
		add(SeverityError, FindingInvalid,
			"The document at %s was rejected (%v), so clients looking on this origin get 503; check Config.Issuer and Config.MetadataURL.",
			f.MetadataURL(), err)
	case err != nil:
		add(SeverityError, FindingUnavailable,
			"The authorization server metadata at %s could not be fetched (%v), so clients looking on this origin get 503; check Config.Issuer, Config.MetadataURL and the network.",
			f.MetadataURL(), err)
	}
	if m != nil {
		if n, err := f.as.failure(); n > 0 {
			add(SeverityWarning, FindingRefreshFailing,
				"The last %d refresh(es) of %s failed (%v), so clients get an older cached copy; fix the upstream or the configuration before the copy goes out of date.",
				n, f.MetadataURL(), err)
		}
		switch {
		case m.RegistrationEndpoint == "" && !m.ClientIDMetadataDocumentSupported:
			add(SeverityError, FindingNoRegistration,
				"The authorization server offers neither client_id_metadata_document_supported nor registration_endpoint, so MCP clients cannot register; enable Client ID Metadata Documents (the registration MCP recommends) and, for clients that predate them, Dynamic Client Registration (WorkOS dashboard: Connect → Configuration).")
		case m.RegistrationEndpoint == "":
			add(SeverityWarning, FindingNoDCR,
				"The authorization server offers Client ID Metadata Documents but no registration_endpoint, so older clients that know only dynamic client registration, MCP's deprecated fallback (Claude.ai among them), cannot register; enable Dynamic Client Registration as well if you must serve them (WorkOS dashboard: Connect → Configuration).")
		}
		if !slices.Contains(m.CodeChallengeMethodsSupported, "S256") {
			add(SeverityError, FindingNoS256,
				"The authorization server does not list S256 in code_challenge_methods_supported, so MCP clients must refuse to authorize; enable PKCE with S256 at the authorization server.")
		}
		if f.cfg.LegacyEndpoints && m.RegistrationEndpoint == "" {
			add(SeverityInfo, FindingLegacyNoRegister,
				"LegacyEndpoints is on but the authorization server has no registration_endpoint, so %s answers 404.", PathRegister)
		}
	}
	if f.oidc != nil {
		if _, err := f.oidc.get(ctx, f.cfg.Now()); err != nil {
			add(SeverityWarning, FindingOIDCUnavailable,
				"The OpenID Connect discovery document at %s could not be served (%v), so %s answers 503; fix the upstream or turn Config.OpenIDConfiguration off.",
				f.cfg.oidcURL, err, PathOpenIDConfiguration)
		}
	}
	slices.SortStableFunc(out, func(a, b Finding) int { return int(b.Severity) - int(a.Severity) })
	return out
}
