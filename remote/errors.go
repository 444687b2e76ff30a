package remote

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// RFC 6750 §3.1 error codes.
const (
	CodeInvalidRequest    = "invalid_request"
	CodeInvalidToken      = "invalid_token"
	CodeInsufficientScope = "insufficient_scope"
)

// Sentinel errors. Use errors.Is: every error returned by this module's
// verifiers and middleware wraps exactly one of ErrMissingToken,
// ErrInvalidRequest, ErrInvalidToken, ErrInsufficientScope or ErrUnavailable,
// and the finer classes below wrap ErrInvalidToken or ErrUnavailable.
var (
	// ErrMissingToken: the request carried no credentials (401, no error code).
	ErrMissingToken = errors.New("remote: no bearer token")
	// ErrInvalidRequest: the Authorization header is malformed, repeated or
	// the token was sent some other way than the header (400 invalid_request).
	ErrInvalidRequest = errors.New("remote: malformed bearer request")
	// ErrInvalidToken: the token is not acceptable (401 invalid_token).
	ErrInvalidToken = errors.New("remote: invalid token")
	// ErrInsufficientScope: the token lacks a required scope (403
	// insufficient_scope).
	ErrInsufficientScope = errors.New("remote: insufficient scope")
	// ErrUnavailable: the verifier cannot decide now (503 with Retry-After).
	ErrUnavailable = errors.New("remote: token verifier unavailable")
)

// Failure classes reported by verifiers. Each wraps ErrInvalidToken, except
// ErrKeysUnavailable, which wraps ErrUnavailable.
var (
	ErrMalformedToken   = fmt.Errorf("%w: malformed token", ErrInvalidToken)
	ErrTokenExpired     = fmt.Errorf("%w: token expired", ErrInvalidToken)
	ErrTokenNotYetValid = fmt.Errorf("%w: token not yet valid", ErrInvalidToken)
	ErrInvalidIssuer    = fmt.Errorf("%w: wrong issuer", ErrInvalidToken)
	ErrInvalidAudience  = fmt.Errorf("%w: wrong audience", ErrInvalidToken)
	ErrInvalidSignature = fmt.Errorf("%w: bad signature", ErrInvalidToken)
	ErrUnknownKey       = fmt.Errorf("%w: unknown signing key", ErrInvalidToken)
	ErrMissingClaim     = fmt.Errorf("%w: required claim missing", ErrInvalidToken)
	ErrInactiveToken    = fmt.Errorf("%w: token not active", ErrInvalidToken)
	ErrKeysUnavailable  = fmt.Errorf("%w: signing keys unavailable", ErrUnavailable)
	ErrBoundToken       = fmt.Errorf("%w: token bound to a key (cnf) presented as a bearer token", ErrInvalidToken)
	ErrNotAccessToken   = fmt.Errorf("%w: not an access token", ErrInvalidToken)
)

// Reasons a JWT verifier cannot decide now. Each wraps ErrKeysUnavailable
// and comes inside an [*UnavailableError] that says when to ask again.
var (
	// ErrKeysBackoff: the last key fetch failed and the verifier waits
	// before the next (the token's kid is unknown, or no key set is held).
	ErrKeysBackoff = fmt.Errorf("%w: key fetch failing, backing off", ErrKeysUnavailable)
	// ErrKeyRefreshThrottled: the token's kid is not in the key set, which
	// was fetched too recently to be fetched again for an unknown kid, and
	// the token may be newer than that set.
	ErrKeyRefreshThrottled = fmt.Errorf("%w: unknown signing key, refresh throttled", ErrKeysUnavailable)
	// ErrKeysStale: the key set could not be refreshed for longer than
	// JWTConfig.MaxStale; it is no longer trusted.
	ErrKeysStale = fmt.Errorf("%w: key set too stale to trust", ErrKeysUnavailable)
)

// UnavailableError is an ErrUnavailable-class error that knows when asking
// again may succeed. The provider sends RetryAfter (rounded up to whole
// seconds, at least one) as the 503's Retry-After instead of
// Config.RetryAfter. Err is the class sentinel; the text names no token.
type UnavailableError struct {
	RetryAfter time.Duration
	Err        error
}

func (e *UnavailableError) Error() string {
	return e.Err.Error() + " (retry after " + retryAfterSeconds(e.RetryAfter) + " s)"
}

// Unwrap returns the class sentinel.
func (e *UnavailableError) Unwrap() error { return e.Err }

// retryAfterOf returns the Retry-After an error asks for, 0 when none.
func retryAfterOf(err error) time.Duration {
	var ue *UnavailableError
	if errors.As(err, &ue) && ue.RetryAfter > 0 {
		return ue.RetryAfter
	}
	return 0
}

// retryAfterSeconds renders d as a Retry-After delta-seconds: rounded up,
// at least 1.
func retryAfterSeconds(d time.Duration) string {
	return strconv.FormatInt(max(int64((d+time.Second-1)/time.Second), 1), 10)
}

// ErrNoUsableKey: the JWKS was fetched but holds no key the verifier can
// use (none for the allowed algorithms, none marked for signatures, none
// with a kid). Errors from Prime and KeyIDs wrap it next to
// ErrKeysUnavailable, so a self-check can tell it from an unreachable JWKS.
var ErrNoUsableKey = errors.New("remote: JWKS has no usable key")

// Error is the typed error the middleware produces for a rejected request.
// Its fields are the RFC 6750 challenge parameters; Description is generic
// and safe to show to clients. Err, the cause, is for logs and errors.Is only
// and is never written to a response.
type Error struct {
	// Status is the HTTP status: 400, 401, 403 or 503.
	Status int
	// Code is the RFC 6750 error code, empty for a request without
	// credentials (RFC 6750 §3.1) and for 503.
	Code string
	// Description is a client-safe error_description.
	Description string
	// Scopes are the scopes the challenge names.
	Scopes []string
	// Err is the underlying cause.
	Err error
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("remote: ")
	b.WriteString(http.StatusText(e.Status))
	if e.Code != "" {
		b.WriteString(" (" + e.Code + ")")
	}
	if e.Description != "" {
		b.WriteString(": " + e.Description)
	}
	return b.String()
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }
