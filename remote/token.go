package remote

import (
	"context"
	"slices"
	"time"
)

// TokenVerifier checks a bearer token and describes it.
//
// VerifyToken must return a non-nil *TokenInfo and a nil error for a valid
// token, and a nil *TokenInfo with an error otherwise. Errors that mean "this
// token is not acceptable" must satisfy errors.Is(err, ErrInvalidToken); errors
// that mean "the verifier cannot decide right now" (keys or an introspection
// endpoint unreachable) must satisfy errors.Is(err, ErrUnavailable), so the
// provider answers 503 instead of a 401 that would make clients discard a good
// token. Any other error is treated as unavailable.
//
// Implementations must be safe for concurrent use and must never send the
// token anywhere except to the authorization server that issued it.
type TokenVerifier interface {
	VerifyToken(ctx context.Context, token string) (*TokenInfo, error)
}

// TokenVerifierFunc adapts an ordinary function to the [TokenVerifier]
// interface, like http.HandlerFunc.
type TokenVerifierFunc func(ctx context.Context, token string) (*TokenInfo, error)

// VerifyToken calls f(ctx, token).
func (f TokenVerifierFunc) VerifyToken(ctx context.Context, token string) (*TokenInfo, error) {
	return f(ctx, token)
}

// TokenInfo is what a verifier learned from a valid token. It never holds the
// token itself.
//
// A TokenInfo may be shared between requests by a verified-token cache:
// once a verifier returned it, treat it, and every slice and map in it, as
// read-only. Handlers never see it: the provider hands them an [Identity],
// whose methods return copies.
type TokenInfo struct {
	// Subject is the "sub" claim: the user (or, for machine-to-machine
	// tokens, the client) the token was issued for. The JWT verifier always
	// sets it (RFC 9068 requires "sub" in access tokens). It is empty when
	// an introspection response has none (RFC 7662 makes it optional) or a
	// custom verifier reports none: such a caller has no user identity, so
	// no rule naming a user matches it, and session adapters bind its
	// sessions to something narrower than a user (see remote/gosdk).
	Subject string
	// ClientID is the OAuth client the token was issued to ("client_id" or
	// "azp"), when known.
	ClientID string
	// Scopes granted to the token.
	Scopes []string
	// Audiences from the "aud" claim.
	Audiences []string
	// Issuer is the "iss" claim.
	Issuer string
	// Expiry is the "exp" claim; zero when the token has none (only possible
	// with introspection or a custom verifier).
	Expiry time.Time
	// IssuedAt is the "iat" claim, zero when absent.
	IssuedAt time.Time
	// TokenID is the "jti" claim, when present.
	TokenID string
	// KeyID is the "kid" of the key that verified a JWT, empty otherwise.
	// It is metadata, not a secret, and is safe to log.
	KeyID string
	// Claims holds every claim of the token (for JWTs) or every member of the
	// introspection response, decoded from JSON. Read-only.
	Claims map[string]any
}

// HasScope reports whether the token was granted scope (exact match).
func (ti *TokenInfo) HasScope(scope string) bool {
	return ti != nil && slices.Contains(ti.Scopes, scope)
}
