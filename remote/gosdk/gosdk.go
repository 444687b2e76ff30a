package gosdk

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/mcpauth/mcpauth/remote"
	"github.com/modelcontextprotocol/go-sdk/auth"
)

// expirySkew is the clock skew given to go-sdk's own expiry re-check in
// [Carrier]. The provider's verifier has already checked expiry (with its
// own leeway); the go-sdk check must not reject what it accepted.
const expirySkew = 5 * time.Minute

// Protect returns h (typically an *mcp.StreamableHTTPHandler) behind the
// provider's bearer middleware, with the verified token handed to go-sdk so
// tool handlers see req.Extra.TokenInfo. The token is verified once, by the
// provider. Mount the provider's routes (p.Routes()) next to it, or use
// p.Handler(gosdk.Carrier(h)), which is the same.
func Protect(p *remote.Provider, h http.Handler) http.Handler {
	return p.Middleware(Carrier(h))
}

// Carrier returns h wrapped so that go-sdk receives the [remote.TokenInfo]
// that an outer [remote.Provider.Middleware] stored in the request context,
// converted with [TokenInfo]. It does not verify anything: it must sit
// behind the provider's middleware (as [Protect] arranges). A request that
// reaches it without a verified identity is refused with go-sdk's 401.
//
// go-sdk's context key is unexported, so Carrier uses its
// auth.RequireBearerToken as the carrier, fed by a verifier that only reads
// the context. The streamable handler then binds each session to
// TokenInfo.UserID (the token's subject) and refuses another user's
// requests on it.
func Carrier(h http.Handler) http.Handler {
	fromContext := func(ctx context.Context, _ string, _ *http.Request) (*auth.TokenInfo, error) {
		info, ok := remote.TokenInfoFromContext(ctx)
		if !ok {
			return nil, errNotVerified
		}
		return TokenInfo(info), nil
	}
	return auth.RequireBearerToken(fromContext, &auth.RequireBearerTokenOptions{
		AllowMissingExpiration: true, // the verifier decided whether a token without exp is acceptable
		ClockSkew:              expirySkew,
	})(h)
}

// TokenInfo converts a verified [remote.TokenInfo] to go-sdk's: UserID is
// the subject, Scopes and Expiration are copied, and Extra holds every claim
// (the same map: do not modify it).
func TokenInfo(info *remote.TokenInfo) *auth.TokenInfo {
	if info == nil {
		return nil
	}
	return &auth.TokenInfo{
		UserID:     info.Subject,
		Scopes:     info.Scopes,
		Expiration: info.Expiry,
		Extra:      info.Claims,
	}
}

// Verifier converts a [remote.TokenVerifier] to go-sdk's auth.TokenVerifier,
// for servers that prefer go-sdk's auth.RequireBearerToken. Pass the
// *remote.Provider itself (it is a TokenVerifier) to keep its audience
// check.
//
// Errors are mapped by class, with a generic text since go-sdk writes the
// error's text into the response: an invalid token wraps
// auth.ErrInvalidToken (401), a malformed request wraps auth.ErrOAuth
// (400), and an unavailable verifier wraps neither, so go-sdk answers 500
// rather than a 401 that would make clients discard a good token. The
// original error stays reachable with errors.Is. go-sdk's middleware cannot
// send 503 with Retry-After, RFC 6750 error codes or CORS headers: prefer
// [Protect] when you can.
func Verifier(v remote.TokenVerifier) auth.TokenVerifier {
	return func(ctx context.Context, token string, _ *http.Request) (*auth.TokenInfo, error) {
		info, err := v.VerifyToken(ctx, token)
		if err != nil {
			return nil, mapError(err)
		}
		if info == nil {
			return nil, mapError(remote.ErrUnavailable)
		}
		return TokenInfo(info), nil
	}
}

// verifyError carries a client-safe text and the classes go-sdk and callers
// test with errors.Is.
type verifyError struct {
	text   string
	causes []error
}

func (e *verifyError) Error() string   { return e.text }
func (e *verifyError) Unwrap() []error { return e.causes }

var errNotVerified = &verifyError{text: "invalid token", causes: []error{auth.ErrInvalidToken, remote.ErrMissingToken}}

func mapError(err error) error {
	switch {
	case errors.Is(err, remote.ErrInvalidToken), errors.Is(err, remote.ErrMissingToken):
		return &verifyError{text: "invalid token", causes: []error{auth.ErrInvalidToken, err}}
	case errors.Is(err, remote.ErrInvalidRequest):
		return &verifyError{text: "invalid request", causes: []error{auth.ErrOAuth, err}}
	default:
		return &verifyError{text: "token verifier unavailable", causes: []error{err}}
	}
}
