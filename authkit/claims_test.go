package authkit

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/mcpauth/mcpauth/remote"
)

// tokenInfo is an AuthKit-shaped verified token, claims decoded as JSON
// decodes them.
func tokenInfo(tb testing.TB, claims map[string]any) *remote.TokenInfo {
	tb.Helper()
	exp := time.Unix(1_900_000_000, 0)
	base := map[string]any{
		"iss": "https://my-app.authkit.app",
		"sub": "user_01HXYZ",
		"aud": "https://mcp.example.com/mcp",
		"sid": "grant_01ABC",
		"jti": "01JTI",
		"exp": float64(exp.Unix()),
	}
	for k, v := range claims {
		if v == nil {
			delete(base, k)
			continue
		}
		base[k] = v
	}
	sub, _ := base["sub"].(string)
	return &remote.TokenInfo{
		Subject:   sub,
		ClientID:  "client_01DCR",
		Scopes:    []string{"openid"},
		Audiences: []string{"https://mcp.example.com/mcp"},
		Issuer:    "https://my-app.authkit.app",
		Expiry:    exp,
		TokenID:   "01JTI",
		Claims:    base,
	}
}

// identity is what the middleware hands handlers for info.
func identity(tb testing.TB, info *remote.TokenInfo) *remote.Identity {
	tb.Helper()
	id, err := remote.IdentityFromContext(remote.ContextWithTokenInfo(context.Background(), info))
	if err != nil {
		tb.Fatal(err)
	}
	return id
}

func TestClaimsFromContext(t *testing.T) {
	info := tokenInfo(t, map[string]any{
		"org_id":        "org_01ACME",
		"role":          "admin",
		"roles":         []any{"admin", "member"},
		"permissions":   []any{"repos:read", "repos:write"},
		"entitlements":  []any{"pro"},
		"feature_flags": []any{"beta-tools"},
	})
	ctx := remote.ContextWithTokenInfo(context.Background(), info)
	c, err := ClaimsFromContext(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := Claims{
		UserID: "user_01HXYZ", GrantID: "grant_01ABC", OrganizationID: "org_01ACME",
		Role: "admin", Roles: []string{"admin", "member"},
		Permissions:  []string{"repos:read", "repos:write"},
		Entitlements: []string{"pro"}, FeatureFlags: []string{"beta-tools"},
		ClientID: "client_01DCR", Scopes: []string{"openid"},
		Audiences: []string{"https://mcp.example.com/mcp"}, Issuer: "https://my-app.authkit.app",
		Expiry: time.Unix(1_900_000_000, 0), TokenID: "01JTI",
	}
	if c.UserID != want.UserID || c.GrantID != want.GrantID || c.OrganizationID != want.OrganizationID ||
		c.Role != want.Role || !slices.Equal(c.Roles, want.Roles) || !slices.Equal(c.Permissions, want.Permissions) ||
		!slices.Equal(c.Entitlements, want.Entitlements) || !slices.Equal(c.FeatureFlags, want.FeatureFlags) ||
		c.ClientID != want.ClientID || !slices.Equal(c.Scopes, want.Scopes) || !c.Expiry.Equal(want.Expiry) ||
		c.Issuer != want.Issuer || c.TokenID != want.TokenID || !slices.Equal(c.Audiences, want.Audiences) {
		t.Errorf("claims = %+v\nwant     %+v", *c, want)
	}
	if !c.HasPermission("repos:write") || c.HasPermission("repos:delete") {
		t.Error("HasPermission wrong")
	}
	if !c.HasRole("member") || !c.HasRole("admin") || c.HasRole("owner") || c.HasRole("") {
		t.Error("HasRole wrong")
	}
	if !c.HasEntitlement("pro") || !c.HasFeatureFlag("beta-tools") || c.HasFeatureFlag("x") || !c.HasScope("openid") {
		t.Error("HasEntitlement/HasFeatureFlag/HasScope wrong")
	}
}

func TestClaimsOptional(t *testing.T) {
	for _, tc := range []struct {
		name   string
		claims map[string]any
		check  func(*Claims) bool
	}{
		{"minimal token", map[string]any{"sid": nil}, func(c *Claims) bool {
			return c.UserID == "user_01HXYZ" && c.GrantID == "" && c.OrganizationID == "" && c.Roles == nil && c.Permissions == nil
		}},
		{"typed slice", map[string]any{"roles": []string{"a"}}, func(c *Claims) bool { return slices.Equal(c.Roles, []string{"a"}) }},
		{"client_id claim when verifier gave none", map[string]any{"client_id": "client_X"}, func(c *Claims) bool { return c.ClientID == "client_01DCR" }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := ClaimsFromIdentity(identity(t, tokenInfo(t, tc.claims)))
			if c == nil || !tc.check(c) {
				t.Errorf("claims = %+v", c)
			}
		})
	}
	info := tokenInfo(t, map[string]any{"client_id": "client_X"})
	info.ClientID = ""
	if c := ClaimsFromIdentity(identity(t, info)); c.ClientID != "client_X" {
		t.Errorf("ClientID from claim = %q", c.ClientID)
	}
	if c, err := ClaimsFromContext(context.Background()); c != nil || !errors.Is(err, remote.ErrNoIdentity) {
		t.Errorf("claims from an empty context: %+v, %v", c, err)
	}
	if ClaimsFromIdentity(nil) != nil {
		t.Error("claims from a nil identity")
	}
	var nilClaims *Claims
	if nilClaims.HasPermission("x") || nilClaims.HasRole("x") || nilClaims.HasScope("x") {
		t.Error("nil claims grant something")
	}
}

// TestClaimTypes: AuthKit's list claims are arrays of strings and its role
// a string. Any other JSON type is ignored, never converted, so a plain
// string "permissions" grants nothing. (Rule checks log each ignored claim:
// see package rules and TestRuleChecksLogIgnoredClaims.)
func TestClaimTypes(t *testing.T) {
	for _, tc := range []struct {
		name   string
		claims map[string]any
		check  func(*Claims) bool
	}{
		{"string permissions", map[string]any{"permissions": "repos:delete"}, func(c *Claims) bool {
			return c.Permissions == nil && !c.HasPermission("repos:delete")
		}},
		{"string roles", map[string]any{"roles": "admin"}, func(c *Claims) bool { return c.Roles == nil && !c.HasRole("admin") }},
		{"array holding a non-string", map[string]any{"permissions": []any{"repos:read", 7.0}}, func(c *Claims) bool {
			return c.Permissions == nil && !c.HasPermission("repos:read")
		}},
		{"role as array", map[string]any{"role": []any{"admin"}}, func(c *Claims) bool { return c.Role == "" && !c.HasRole("admin") }},
		{"role singular string", map[string]any{"role": "admin"}, func(c *Claims) bool { return c.Role == "admin" && c.HasRole("admin") }},
		{"others", map[string]any{"org_id": 5.0, "entitlements": map[string]any{}, "feature_flags": true, "sid": nil}, func(c *Claims) bool {
			return c.OrganizationID == "" && c.Entitlements == nil && c.FeatureFlags == nil && c.GrantID == ""
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := ClaimsFromIdentity(identity(t, tokenInfo(t, tc.claims)))
			if c == nil || !tc.check(c) {
				t.Errorf("claims = %+v", c)
			}
		})
	}
}

func BenchmarkClaimsFromContext(b *testing.B) {
	ctx := remote.ContextWithTokenInfo(context.Background(), tokenInfo(b, map[string]any{
		"org_id": "org_01ACME", "role": "admin", "permissions": []any{"a", "b", "c"},
	}))
	b.ReportAllocs()
	for b.Loop() {
		c, err := ClaimsFromContext(ctx)
		if err != nil || !c.HasPermission("c") {
			b.Fatal("denied")
		}
	}
}
