package authkit

import (
	"context"
	"errors"
	"net/http"
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

func TestClaimsFromContext(t *testing.T) {
	info := tokenInfo(t, map[string]any{
		"org_id":        "org_01ACME",
		"role":          "admin",
		"roles":         []any{"admin", "member"},
		"permissions":   []any{"repos:read", "repos:write", 7},
		"entitlements":  []any{"pro"},
		"feature_flags": []any{"beta-tools"},
	})
	ctx := remote.ContextWithTokenInfo(context.Background(), info)
	c, ok := ClaimsFromContext(ctx)
	if !ok {
		t.Fatal("no claims in context")
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
		{"single string permissions", map[string]any{"permissions": "repos:read"}, func(c *Claims) bool {
			return slices.Equal(c.Permissions, []string{"repos:read"})
		}},
		{"typed slice", map[string]any{"roles": []string{"a"}}, func(c *Claims) bool { return slices.Equal(c.Roles, []string{"a"}) }},
		{"wrong types ignored", map[string]any{"org_id": 5, "role": []any{"x"}, "permissions": map[string]any{}}, func(c *Claims) bool {
			return c.OrganizationID == "" && c.Role == "" && c.Permissions == nil
		}},
		{"client_id claim when verifier gave none", map[string]any{"client_id": "client_X"}, func(c *Claims) bool { return c.ClientID == "client_01DCR" }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := ClaimsFromTokenInfo(tokenInfo(t, tc.claims))
			if c == nil || !tc.check(c) {
				t.Errorf("claims = %+v", c)
			}
		})
	}
	info := tokenInfo(t, map[string]any{"client_id": "client_X"})
	info.ClientID = ""
	if c := ClaimsFromTokenInfo(info); c.ClientID != "client_X" {
		t.Errorf("ClientID from claim = %q", c.ClientID)
	}
	if _, ok := ClaimsFromContext(context.Background()); ok {
		t.Error("claims from an empty context")
	}
	if ClaimsFromTokenInfo(nil) != nil || ClaimsFromTokenInfo(&remote.TokenInfo{}) != nil {
		t.Error("claims from nil or subject-less token info")
	}
	var nilClaims *Claims
	if nilClaims.HasPermission("x") || nilClaims.HasRole("x") || nilClaims.HasScope("x") {
		t.Error("nil claims grant something")
	}
}

func TestRules(t *testing.T) {
	c := ClaimsFromTokenInfo(tokenInfo(t, map[string]any{
		"role":        "member",
		"roles":       []any{"member", "billing"},
		"permissions": []any{"repos:read"},
	}))
	for _, tc := range []struct {
		name string
		rule Rule
		desc string // "" means allowed
	}{
		{"permission held", Permissions("repos:read"), ""},
		{"no permissions required", Permissions(), ""},
		{"one missing", Permissions("repos:read", "repos:write"), "missing permission: repos:write"},
		{"two missing", Permissions("repos:write", "repos:delete"), "missing permissions: repos:write, repos:delete"},
		{"role from role claim", Role("member"), ""},
		{"role from roles claim", Role("owner", "billing"), ""},
		{"role missing", Role("admin"), "requires role: admin"},
		{"roles missing", Role("admin", "owner"), "requires one of the roles: admin, owner"},
		{"all allowed", All(Permissions("repos:read"), Role("member")), ""},
		{"all merged", All(Permissions("repos:write"), Role("admin")), "missing permission: repos:write; requires role: admin"},
		{"custom rule", func(*Claims) error { return errors.New("secret internal reason") }, "insufficient permissions"},
		{"all with custom", All(Role("member"), func(*Claims) error { return errors.New("internal") }), "insufficient permissions"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := evaluate(tc.rule, c, nil)
			if tc.desc == "" {
				if err != nil {
					t.Fatalf("denied: %v", err)
				}
				return
			}
			var re *remote.Error
			if !errors.As(err, &re) {
				t.Fatalf("error %v is not a *remote.Error", err)
			}
			if re.Status != http.StatusForbidden || re.Code != remote.CodeInsufficientScope || re.Description != tc.desc {
				t.Errorf("got %d %q %q, want 403 insufficient_scope %q", re.Status, re.Code, re.Description, tc.desc)
			}
			if !errors.Is(err, remote.ErrInsufficientScope) {
				t.Error("denial does not match remote.ErrInsufficientScope")
			}
		})
	}
	if err := Permissions("x")(nil); err == nil {
		t.Error("nil claims allowed")
	}
}

func TestAllow(t *testing.T) {
	ctx := remote.ContextWithTokenInfo(context.Background(), tokenInfo(t, map[string]any{"permissions": []any{"a"}}))
	if err := Allow(ctx, Permissions("a")); err != nil {
		t.Errorf("Allow: %v", err)
	}
	var re *remote.Error
	if err := Allow(ctx, Permissions("b")); !errors.As(err, &re) || re.Status != http.StatusForbidden {
		t.Errorf("Allow(missing) = %v", err)
	}
	if err := Allow(context.Background(), Permissions("a")); !errors.As(err, &re) || re.Status != http.StatusUnauthorized || !errors.Is(err, remote.ErrMissingToken) {
		t.Errorf("Allow(no token) = %v", err)
	}
}

func BenchmarkClaimsFromContext(b *testing.B) {
	ctx := remote.ContextWithTokenInfo(context.Background(), tokenInfo(b, map[string]any{
		"org_id": "org_01ACME", "role": "admin", "permissions": []any{"a", "b", "c"},
	}))
	rule := Permissions("b", "c")
	b.ReportAllocs()
	for b.Loop() {
		c, _ := ClaimsFromContext(ctx)
		if rule(c) != nil {
			b.Fatal("denied")
		}
	}
}

func TestClaimsFromMap(t *testing.T) {
	c := ClaimsFromMap(map[string]any{
		"iss": "https://my-app.authkit.app", "sub": "user_01HXYZ", "aud": []any{"https://mcp.example.com/mcp"},
		"sid": "grant_1", "jti": "j1", "exp": float64(1_900_000_000), "org_id": "org_1",
		"permissions": []any{"a"}, "scope": "openid profile", "azp": "client_9",
	})
	if c == nil || c.UserID != "user_01HXYZ" || c.GrantID != "grant_1" || c.OrganizationID != "org_1" ||
		!slices.Equal(c.Scopes, []string{"openid", "profile"}) || c.ClientID != "client_9" ||
		!c.Expiry.Equal(time.Unix(1_900_000_000, 0)) || !slices.Equal(c.Audiences, []string{"https://mcp.example.com/mcp"}) ||
		c.Issuer != "https://my-app.authkit.app" || c.TokenID != "j1" || !c.HasPermission("a") {
		t.Errorf("claims = %+v", c)
	}
	if c := ClaimsFromMap(map[string]any{"sub": "u", "scp": []any{"x", "y"}, "client_id": "client_1", "aud": "one"}); !slices.Equal(c.Scopes, []string{"x", "y"}) || c.ClientID != "client_1" || !slices.Equal(c.Audiences, []string{"one"}) {
		t.Errorf("scp array: %+v", c)
	}
	if c := ClaimsFromMap(map[string]any{"sub": "u", "scp": "x y"}); !slices.Equal(c.Scopes, []string{"x", "y"}) {
		t.Errorf("scp string: %+v", c)
	}
	if ClaimsFromMap(nil) != nil || ClaimsFromMap(map[string]any{"sub": 5}) != nil {
		t.Error("claims without a string sub")
	}
}
