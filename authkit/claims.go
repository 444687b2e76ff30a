package authkit

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/mcpauth/mcpauth/remote"
)

// Claims are the AuthKit claims of a verified access token, typed. Only
// UserID is always set; the rest appear when AuthKit issues them: OrganizationID
// when the user picked an organization at consent, and Role, Roles,
// Permissions, Entitlements and FeatureFlags only when a JWT template in the
// WorkOS dashboard adds them to access tokens.
type Claims struct {
	// UserID is the "sub" claim: the WorkOS user ("user_…"), or the
	// application's client id for machine-to-machine tokens.
	UserID string
	// GrantID is the "sid" claim. In AuthKit's MCP tokens it identifies the
	// consent grant, not a browser session.
	GrantID string
	// OrganizationID is the "org_id" claim ("org_…"), empty when none.
	OrganizationID string
	// Role is the "role" claim: the user's role slug in OrganizationID.
	Role string
	// Roles is the "roles" claim.
	Roles []string
	// Permissions is the "permissions" claim.
	Permissions []string
	// Entitlements is the "entitlements" claim.
	Entitlements []string
	// FeatureFlags is the "feature_flags" claim.
	FeatureFlags []string
	// ClientID is the OAuth client the token was issued to, when known.
	ClientID string
	// Scopes are the token's scopes ("scope" or "scp").
	Scopes []string
	// Audiences is the "aud" claim.
	Audiences []string
	// Issuer is the "iss" claim.
	Issuer string
	// Expiry is the "exp" claim.
	Expiry time.Time
	// TokenID is the "jti" claim.
	TokenID string
}

// ClaimsFromContext returns the claims of the token the provider's
// middleware verified for this request, and whether there was one. In tests
// of your own handlers, put a token into the context with
// remote.ContextWithTokenInfo.
func ClaimsFromContext(ctx context.Context) (*Claims, bool) {
	info, ok := remote.TokenInfoFromContext(ctx)
	if !ok {
		return nil, false
	}
	c := ClaimsFromTokenInfo(info)
	return c, c != nil
}

// ClaimsFromTokenInfo types the claims of a verified token. It returns nil
// for a nil info or one without a subject.
func ClaimsFromTokenInfo(info *remote.TokenInfo) *Claims {
	if info == nil || info.Subject == "" {
		return nil
	}
	c := &Claims{
		UserID:         info.Subject,
		GrantID:        stringClaim(info.Claims, "sid"),
		OrganizationID: stringClaim(info.Claims, "org_id"),
		Role:           stringClaim(info.Claims, "role"),
		Roles:          stringsClaim(info.Claims, "roles"),
		Permissions:    stringsClaim(info.Claims, "permissions"),
		Entitlements:   stringsClaim(info.Claims, "entitlements"),
		FeatureFlags:   stringsClaim(info.Claims, "feature_flags"),
		ClientID:       info.ClientID,
		Scopes:         info.Scopes,
		Audiences:      info.Audiences,
		Issuer:         info.Issuer,
		Expiry:         info.Expiry,
		TokenID:        info.TokenID,
	}
	if c.ClientID == "" {
		c.ClientID = stringClaim(info.Claims, "client_id")
	}
	return c
}

// ClaimsFromMap types the claims of a verified token given as its raw claim
// set (a JWT payload decoded from JSON). Use it where only the claims
// travel, as in go-sdk tool handlers, whose req.Extra.TokenInfo.Extra is
// the claim set when the token was carried there by package remote/gosdk:
//
//	c := authkit.ClaimsFromMap(req.Extra.TokenInfo.Extra)
//
// Scopes come from "scope" (space-separated) or "scp", the client id from
// "client_id" or "azp". It returns nil when there is no "sub". Only pass
// claims of a token that was verified.
func ClaimsFromMap(claims map[string]any) *Claims {
	sub := stringClaim(claims, "sub")
	if sub == "" {
		return nil
	}
	info := &remote.TokenInfo{
		Subject:   sub,
		ClientID:  stringClaim(claims, "client_id"),
		Audiences: stringsClaim(claims, "aud"),
		Issuer:    stringClaim(claims, "iss"),
		TokenID:   stringClaim(claims, "jti"),
		Claims:    claims,
	}
	if info.ClientID == "" {
		info.ClientID = stringClaim(claims, "azp")
	}
	if s := stringClaim(claims, "scope"); s != "" {
		info.Scopes = strings.Fields(s)
	} else if v, ok := claims["scp"].(string); ok {
		info.Scopes = strings.Fields(v)
	} else {
		info.Scopes = stringsClaim(claims, "scp")
	}
	switch v := claims["exp"].(type) {
	case float64:
		if v > 0 && v < 1<<40 {
			info.Expiry = time.Unix(int64(v), 0)
		}
	case int64:
		info.Expiry = time.Unix(v, 0)
	case int:
		info.Expiry = time.Unix(int64(v), 0)
	}
	return ClaimsFromTokenInfo(info)
}

// HasPermission reports whether the token carries permission p.
func (c *Claims) HasPermission(p string) bool {
	return c != nil && slices.Contains(c.Permissions, p)
}

// HasRole reports whether role is the token's "role" or one of its "roles".
func (c *Claims) HasRole(role string) bool {
	return c != nil && role != "" && (c.Role == role || slices.Contains(c.Roles, role))
}

// HasEntitlement reports whether the token carries entitlement e.
func (c *Claims) HasEntitlement(e string) bool {
	return c != nil && slices.Contains(c.Entitlements, e)
}

// HasFeatureFlag reports whether feature flag f is on for the token.
func (c *Claims) HasFeatureFlag(f string) bool {
	return c != nil && slices.Contains(c.FeatureFlags, f)
}

// HasScope reports whether the token was granted scope (exact match).
func (c *Claims) HasScope(scope string) bool {
	return c != nil && slices.Contains(c.Scopes, scope)
}

func stringClaim(claims map[string]any, name string) string {
	s, _ := claims[name].(string)
	return s
}

// stringsClaim reads a claim that should be an array of strings. A single
// string is taken as a one-element list; non-string elements are skipped.
func stringsClaim(claims map[string]any, name string) []string {
	switch v := claims[name].(type) {
	case []string:
		return slices.Clone(v)
	case []any:
		out := make([]string, 0, len(v))
		for _, e := range v {
			if s, ok := e.(string); ok && s != "" {
				out = append(out, s)
			}
		}
		return out
	case string:
		if s := strings.TrimSpace(v); s != "" {
			return []string{s}
		}
	}
	return nil
}
