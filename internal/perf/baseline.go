package perf

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwk"
	"github.com/lestrrat-go/jwx/v3/jwt"
	"github.com/modelcontextprotocol/go-sdk/auth"
)

// NewJWXVerifier is go-sdk + jwx: what a user of the official Go SDK writes
// instead of this module — a go-sdk auth.TokenVerifier that calls jwx's
// jwt.Parse with a key set, the way jwx's documentation shows, with
// validation on (exp/nbf/iat with 30 s skew, iss, aud) and no cache. Use it
// with auth.RequireBearerToken.
func NewJWXVerifier(set jwk.Set, issuer, audience string) auth.TokenVerifier {
	return func(_ context.Context, token string, _ *http.Request) (*auth.TokenInfo, error) {
		tok, err := jwt.ParseString(token,
			jwt.WithKeySet(set),
			jwt.WithValidate(true),
			jwt.WithIssuer(issuer),
			jwt.WithAudience(audience),
			jwt.WithAcceptableSkew(30*time.Second),
		)
		if err != nil {
			return nil, auth.ErrInvalidToken
		}
		info := &auth.TokenInfo{}
		info.UserID, _ = tok.Subject()
		info.Expiration, _ = tok.Expiration()
		var scope string
		if tok.Get("scope", &scope) == nil {
			info.Scopes = strings.Fields(scope)
		}
		return info, nil
	}
}

// ParseKeySet parses a JWKS document for NewJWXVerifier.
func ParseKeySet(jwks []byte) (jwk.Set, error) {
	return jwk.Parse(jwks)
}
