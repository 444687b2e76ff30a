package demo

import (
	"context"
	"net/http"

	"github.com/mcpauth/mcpauth/remote"
	"github.com/modelcontextprotocol/go-sdk/auth"
)

// claimsKey is the key of the token's claims in the go-sdk TokenInfo.Extra
// the bridge fills.
const claimsKey = "claims"

// bridge hands the token the provider verified (a *remote.TokenInfo in the
// request context) to go-sdk tool handlers as req.Extra.TokenInfo. go-sdk
// only reads its TokenInfo from its own unexported context key, which only
// its bearer middleware sets, so the middleware is used as the carrier, fed
// by a verifier that reads what was already verified: no second signature
// check. Requests without a verified token pass through unchanged.
func bridge(next http.Handler) http.Handler {
	carry := auth.RequireBearerToken(func(ctx context.Context, _ string, r *http.Request) (*auth.TokenInfo, error) {
		info, ok := remote.TokenInfoFromContext(r.Context())
		if !ok {
			return nil, auth.ErrInvalidToken
		}
		return &auth.TokenInfo{
			UserID:     info.Subject,
			Scopes:     info.Scopes,
			Expiration: info.Expiry,
			Extra:      map[string]any{claimsKey: info.Claims},
		}, nil
	}, &auth.RequireBearerTokenOptions{AllowMissingExpiration: true})(next)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, ok := remote.TokenInfoFromContext(r.Context()); !ok {
			next.ServeHTTP(w, r)
			return
		}
		carry.ServeHTTP(w, r)
	})
}

// claimsOf returns the token's claims carried in the go-sdk TokenInfo.
func claimsOf(ti *auth.TokenInfo) map[string]any {
	m, _ := ti.Extra[claimsKey].(map[string]any)
	return m
}
