package remote

import (
	"fmt"
	"time"
)

// This file holds what the packages built on this one (forward, idp,
// authkit) report in the same words: the findings of their start-up
// self-checks (Forwarder.Check, Provider.Check), so that a program switches
// on one set of identifiers whichever provider it uses, and the fetches of
// the authorization server's metadata, for their OnMetadataFetch hooks.

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

// Finding is one result of a self-check: what clients or tokens will miss
// and what to change, in one plain sentence.
type Finding struct {
	Severity Severity
	ID       string // one of the Finding* constants
	Message  string
}

func (f Finding) String() string { return f.Severity.String() + ": " + f.Message }

// Finding identifiers, stable for programs to switch on.
const (
	// The authorization server's metadata, as forward.Forwarder.Check (and
	// so every provider's Check) reports it.
	FindingMetadataUnavailable       = "metadata_unavailable"
	FindingMetadataInvalid           = "metadata_invalid"
	FindingIssuerMismatch            = "issuer_mismatch"
	FindingNoRegistration            = "no_client_registration"
	FindingNoDCR                     = "no_registration_endpoint"
	FindingNoS256                    = "no_s256"
	FindingMetadataRefreshFailing    = "refresh_failing"
	FindingOIDCUnavailable           = "openid_configuration_unavailable"
	FindingLegacyRegisterUnavailable = "legacy_register_unavailable"

	// The signing keys, as idp.Provider.Check (and authkit's) adds them.
	FindingNoJWKSURI       = "no_jwks_uri"
	FindingJWKSUnavailable = "jwks_unavailable"
	FindingNoSigningKey    = "no_signing_key"
	FindingJWKSURIMismatch = "jwks_uri_mismatch"

	// AuthKit, as authkit.Provider.Check adds them.
	// FindingResourceIndicator carries the exact string to register in the
	// WorkOS dashboard. Always reported, as information.
	FindingResourceIndicator = "resource_indicator"
	// FindingLegacyAudience: authkit.Config.ExtraAudiences accepts tokens
	// not bound to this server.
	FindingLegacyAudience = "legacy_audience"
	// FindingNoCIMD: AuthKit offers dynamic client registration but not
	// client ID metadata documents, the registration MCP recommends (a
	// warning: clients fall back to DCR, which MCP deprecates).
	FindingNoCIMD = "no_client_id_metadata_document"
)

// MetadataFetch describes one fetch of an authorization server's metadata
// document by package forward (and so by idp and authkit), for their
// OnMetadataFetch hooks, as [KeyFetch] describes a fetch of the keys. It
// holds no secret; every field is safe to log.
type MetadataFetch struct {
	// Document is the well-known name: "oauth-authorization-server" or
	// "openid-configuration".
	Document string
	// URL is the location in use (while discovering, the first to try).
	URL string
	// Err is nil when a valid document was fetched or revalidated, else
	// why not (its text names the status or the failure, never a secret).
	Err error
	// Duration is the time the fetch took, by the forwarder's clock.
	Duration time.Duration
	// NotModified is set when the upstream confirmed the cached copy (304).
	NotModified bool
	// Failures is the length of the failure streak this failure belongs to.
	Failures int
	// StaleAge is, on failure, the age of the copy the routes keep serving
	// (since the upstream last confirmed it); 0 when there is none and the
	// routes answer 503.
	StaleAge time.Duration
}
