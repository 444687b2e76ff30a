package authkit

import (
	"context"
	"slices"
	"time"

	"github.com/mcpauth/mcpauth/remote"
)

// Claims are the AuthKit claims of a verified access token, typed: a copy,
// the caller's to keep or change. UserID is set for every AuthKit token;
// the rest appear when AuthKit issues them: OrganizationID when the user
// picked an organization at consent, and Role, Roles, Permissions,
// Entitlements and FeatureFlags only when a JWT template in the WorkOS
// dashboard adds them to access tokens.
type Claims struct {
	// UserID is the "sub" claim: the WorkOS user ("user_…"), or the
	// application's client id for machine-to-machine tokens. It is the id
	// to give WorkOS APIs ([Provider.Profile]). Alone it identifies a user
	// only within Issuer.
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
// middleware verified for this request, or, in a go-sdk tool served by
// gosdk.Handler, for the current call. Without one it returns nil and an
// error wrapping remote.ErrNoIdentity that says why; it never returns an
// earlier request's claims. In tests of your own handlers, put a token into
// the context with remote.ContextWithTokenInfo.
//
// Use it to read who is calling; for decisions use [Provider.Allow], which
// accepts only tokens that provider verified.
func ClaimsFromContext(ctx context.Context) (*Claims, error) {
	id, err := remote.IdentityFromContext(ctx)
	if err != nil {
		return nil, err
	}
	return ClaimsFromIdentity(id), nil
}

// ClaimsFromIdentity types the AuthKit claims of a verified identity. It
// returns nil for a nil id. Claims of an unexpected JSON type are left out,
// never converted: "permissions", "roles", "entitlements" and
// "feature_flags" must be arrays of strings (a single string, or an array
// holding anything but strings, grants nothing), "role", "sid", "org_id" and
// "client_id" strings. A provider's rule checks log each such claim at
// debug level ([Config.Logger]).
func ClaimsFromIdentity(id *remote.Identity) *Claims {
	if id == nil {
		return nil
	}
	str := func(name string) string { s, _ := id.StringClaim(name); return s }
	strs := func(name string) []string { l, _ := id.StringsClaim(name); return l }
	c := &Claims{
		UserID:         id.Subject(),
		GrantID:        str("sid"),
		OrganizationID: str("org_id"),
		Role:           str("role"),
		Roles:          strs("roles"),
		Permissions:    strs("permissions"),
		Entitlements:   strs("entitlements"),
		FeatureFlags:   strs("feature_flags"),
		ClientID:       id.ClientID(),
		Scopes:         id.Scopes(),
		Audiences:      id.Audiences(),
		Issuer:         id.Issuer(),
		Expiry:         id.Expiry(),
		TokenID:        id.TokenID(),
	}
	if c.ClientID == "" {
		c.ClientID = str("client_id")
	}
	return c
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
