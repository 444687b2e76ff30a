package remote

import (
	"errors"
	"time"
)

// Outcome classifies a [Decision].
type Outcome string

// Decision outcomes.
const (
	// OutcomeAllowed: the request passed to the next handler.
	OutcomeAllowed Outcome = "allowed"
	// OutcomeMissingToken: no bearer credentials (401).
	OutcomeMissingToken Outcome = "missing_token"
	// OutcomeInvalidRequest: malformed Authorization header, a token in the
	// URL, or an unreadable tools/call body (400 or 413).
	OutcomeInvalidRequest Outcome = "invalid_request"
	// OutcomeInvalidToken: the token was rejected (401 invalid_token).
	OutcomeInvalidToken Outcome = "invalid_token"
	// OutcomeInsufficientScope: a required, route or tool scope is missing,
	// or ToolCheck refused the tool (403).
	OutcomeInsufficientScope Outcome = "insufficient_scope"
	// OutcomeUnavailable: the verifier could not decide (503).
	OutcomeUnavailable Outcome = "unavailable"
)

// Decision describes one authorization decision of the middleware. It holds
// no token and no Authorization header; every field is safe to log or to use
// as a metric label (Subject and Tool have unbounded cardinality: prefer
// them for traces, not labels).
type Decision struct {
	// Outcome is the decision's class.
	Outcome Outcome
	// Reason is a short, bounded failure class for metrics: "" when allowed,
	// else one of "missing_token", "malformed_header", "token_in_query",
	// "token_too_large", "expired", "not_yet_valid", "wrong_issuer",
	// "wrong_audience", "bad_signature", "unknown_key", "missing_claim",
	// "inactive", "key_bound", "not_access_token", "malformed_token",
	// "invalid_token", "keys_unavailable" (a key fetch failed),
	// "keys_backoff" (no fetch: backing off after a failure),
	// "unknown_key_throttled" (no fetch: unknown-kid budget spent),
	// "keys_stale" (the key set passed MaxStale), "introspection_busy",
	// "unavailable", "scope", "request_denied" (RequestCheck), "tool_denied",
	// "call_denied" (CallCheck on a prompt or resource), "header_mismatch",
	// "body_too_large", "bad_body".
	Reason string
	// Status is the HTTP status written for a rejection, 0 when allowed
	// (200 for a rule's refusal answered in band: Config.InBandRuleDenials).
	Status int
	// Err is the cause, for errors.Is against this package's sentinels; nil
	// when allowed. It may carry a verifier's internal text: never send it
	// to clients.
	Err error
	// Latency is the time the decision took, verification included, the
	// next handler excluded.
	Latency time.Duration
	// Verifier names the verifier that decided (see [Config.VerifierName]),
	// empty when no verifier ran.
	Verifier string
	// Tool is the tools/call tool name, when the body was read.
	Tool string
	// Scopes are the scopes the request needed (named in a 403 challenge).
	Scopes []string
	// Subject, ClientID, Issuer and KeyID are the verified token's
	// non-secret metadata, empty when no token was verified.
	Subject, ClientID, Issuer, KeyID string
	// Organization is the verified token's "org_id" claim (AuthKit's and
	// Auth0's organization) when it is a string, else empty.
	Organization string
}

// decisionReason maps a verifier error to a bounded reason label.
func decisionReason(err error) string {
	switch {
	case errors.Is(err, ErrTokenExpired):
		return "expired"
	case errors.Is(err, ErrTokenNotYetValid):
		return "not_yet_valid"
	case errors.Is(err, ErrInvalidIssuer):
		return "wrong_issuer"
	case errors.Is(err, ErrInvalidAudience):
		return "wrong_audience"
	case errors.Is(err, ErrInvalidSignature):
		return "bad_signature"
	case errors.Is(err, ErrUnknownKey):
		return "unknown_key"
	case errors.Is(err, ErrMissingClaim):
		return "missing_claim"
	case errors.Is(err, ErrInactiveToken):
		return "inactive"
	case errors.Is(err, ErrBoundToken):
		return "key_bound"
	case errors.Is(err, ErrNotAccessToken):
		return "not_access_token"
	case errors.Is(err, ErrMalformedToken):
		return "malformed_token"
	case errors.Is(err, ErrInvalidToken):
		return "invalid_token"
	case errors.Is(err, ErrKeysBackoff):
		return "keys_backoff"
	case errors.Is(err, ErrKeyRefreshThrottled):
		return "unknown_key_throttled"
	case errors.Is(err, ErrKeysStale):
		return "keys_stale"
	case errors.Is(err, ErrKeysUnavailable):
		return "keys_unavailable"
	case errors.Is(err, ErrIntrospectionBusy):
		return "introspection_busy"
	default:
		return "unavailable"
	}
}
