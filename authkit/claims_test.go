package authkit

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"slices"
	"strings"
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
// string "permissions" grants nothing; each ignored claim is logged at
// debug level by name and type, without its value.
func TestClaimTypes(t *testing.T) {
	for _, tc := range []struct {
		name   string
		claims map[string]any
		check  func(*Claims) bool
		logged []string // "claim type" pairs
	}{
		{"string permissions", map[string]any{"permissions": "repos:delete"}, func(c *Claims) bool {
			return c.Permissions == nil && !c.HasPermission("repos:delete")
		}, []string{"permissions string"}},
		{"string roles", map[string]any{"roles": "admin"}, func(c *Claims) bool { return c.Roles == nil && !c.HasRole("admin") }, []string{"roles string"}},
		{"array holding a non-string", map[string]any{"permissions": []any{"repos:read", 7.0}}, func(c *Claims) bool {
			return c.Permissions == nil && !c.HasPermission("repos:read")
		}, []string{"permissions array with a number element"}},
		{"role as array", map[string]any{"role": []any{"admin"}}, func(c *Claims) bool { return c.Role == "" && !c.HasRole("admin") }, []string{"role array"}},
		{"role singular string", map[string]any{"role": "admin"}, func(c *Claims) bool { return c.Role == "admin" && c.HasRole("admin") }, nil},
		{"others", map[string]any{"org_id": 5.0, "entitlements": map[string]any{}, "feature_flags": true, "sid": nil}, func(c *Claims) bool {
			return c.OrganizationID == "" && c.Entitlements == nil && c.FeatureFlags == nil && c.GrantID == ""
		}, []string{"org_id number", "entitlements object", "feature_flags boolean"}},
		{"absent claims are not logged", map[string]any{}, func(*Claims) bool { return true }, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf strings.Builder
			log := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
			id := identity(t, tokenInfo(t, tc.claims))
			c := claimsOf(context.Background(), id, log)
			if !tc.check(c) {
				t.Errorf("claims = %+v", c)
			}
			lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
			if buf.Len() == 0 {
				lines = nil
			}
			if len(lines) != len(tc.logged) {
				t.Fatalf("logged %d lines, want %d:\n%s", len(lines), len(tc.logged), buf.String())
			}
			for _, want := range tc.logged {
				claim, class, _ := strings.Cut(want, " ")
				if !strings.Contains(buf.String(), "claim="+claim+" type=\""+class+"\"") && !strings.Contains(buf.String(), "claim="+claim+" type="+class+" ") {
					t.Errorf("log lacks claim %s of type %q:\n%s", claim, class, buf.String())
				}
			}
			if strings.Contains(buf.String(), "repos:") {
				t.Errorf("log holds a claim value:\n%s", buf.String())
			}
			if ClaimsFromIdentity(id) == nil {
				t.Error("ClaimsFromIdentity refused the token")
			}
		})
	}
}

func TestRules(t *testing.T) {
	c := ClaimsFromIdentity(identity(t, tokenInfo(t, map[string]any{
		"role":        "member",
		"roles":       []any{"member", "billing"},
		"permissions": []any{"repos:read"},
	})))
	for _, tc := range []struct {
		name string
		rule Rule
		desc string // "" means allowed
	}{
		{"permission held", AllPermissions("repos:read"), ""},
		{"no permissions required", AllPermissions(), ""},
		{"one missing", AllPermissions("repos:read", "repos:write"), "missing permission: repos:write"},
		{"two missing", AllPermissions("repos:write", "repos:delete"), "missing permissions: repos:write, repos:delete"},
		{"role from role claim", AnyRole("member"), ""},
		{"role from roles claim", AnyRole("owner", "billing"), ""},
		{"role missing", AnyRole("admin"), "requires role: admin"},
		{"roles missing", AnyRole("admin", "owner"), "requires one of the roles: admin, owner"},
		{"all allowed", AllOf(AllPermissions("repos:read"), AnyRole("member")), ""},
		{"all merged", AllOf(AllPermissions("repos:write"), AnyRole("admin")), "missing permission: repos:write; requires role: admin"},
		{"custom rule", func(*Claims) error { return errors.New("secret internal reason") }, "insufficient permissions"},
		{"all with custom", AllOf(AnyRole("member"), func(*Claims) error { return errors.New("internal") }), "insufficient permissions"},
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
	if err := AllPermissions("x")(nil); err == nil {
		t.Error("nil claims allowed")
	}
}

func BenchmarkClaimsFromContext(b *testing.B) {
	ctx := remote.ContextWithTokenInfo(context.Background(), tokenInfo(b, map[string]any{
		"org_id": "org_01ACME", "role": "admin", "permissions": []any{"a", "b", "c"},
	}))
	rule := AllPermissions("b", "c")
	b.ReportAllocs()
	for b.Loop() {
		c, err := ClaimsFromContext(ctx)
		if err != nil || rule(c) != nil {
			b.Fatal("denied")
		}
	}
}
