package rules_test

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mcpauth/mcpauth/remote"
	"github.com/mcpauth/mcpauth/remote/rules"
)

// authkitLike names claims as AuthKit issues them: a role as a string and
// as an array, permissions, an organization.
var authkitLike = rules.ClaimNames{
	Permissions:  []rules.Claim{rules.StringsClaim("permissions")},
	Roles:        []rules.Claim{rules.StringClaim("role"), rules.StringsClaim("roles")},
	Organization: []rules.Claim{rules.StringClaim("org_id")},
}

func identity(tb testing.TB, scopes []string, claims map[string]any) *remote.Identity {
	tb.Helper()
	id, err := remote.IdentityFromContext(remote.ContextWithTokenInfo(context.Background(), &remote.TokenInfo{
		Subject: "user_01A", Issuer: "https://auth.example.com", Scopes: scopes, Claims: claims,
	}))
	if err != nil {
		tb.Fatal(err)
	}
	return id
}

func mustPolicy(tb testing.TB, cfg rules.Config) *rules.Policy {
	tb.Helper()
	p, err := rules.New(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	return p
}

// description returns "" when err allows, else the 403's description; it
// fails the test for any other answer.
func description(tb testing.TB, err error) string {
	tb.Helper()
	if err == nil {
		return ""
	}
	var re *remote.Error
	if !errors.As(err, &re) || re.Status != http.StatusForbidden || re.Code != remote.CodeInsufficientScope {
		tb.Fatalf("answer %v, want a 403 insufficient_scope *remote.Error", err)
	}
	if !errors.Is(err, remote.ErrRuleDenied) || !errors.Is(err, remote.ErrInsufficientScope) {
		tb.Errorf("refusal %v does not wrap remote.ErrRuleDenied", err)
	}
	return re.Description
}

// TestVocabulary: each rule allows exactly what its name says, and a
// refusal names what is missing.
func TestVocabulary(t *testing.T) {
	pol := mustPolicy(t, rules.Config{Claims: authkitLike, ScopeSatisfied: func(granted []string, need string) bool {
		// "files" implies "files:read".
		return slices.Contains(granted, need) || (need == "files:read" && slices.Contains(granted, "files"))
	}})
	id := identity(t, []string{"mcp", "files"}, map[string]any{
		"role": "member", "roles": []any{"billing"}, "permissions": []any{"repos:read", "repos:write"}, "org_id": "org_acme",
	})
	noOrg := identity(t, nil, map[string]any{"permissions": []any{"repos:read"}})
	custom := rules.Func(func(context.Context, *rules.Principal) error { return errors.New("secret internal reason") })
	bare := rules.Func(func(context.Context, *rules.Principal) error { return &rules.DeniedError{} })
	typedNil := rules.Func(func(context.Context, *rules.Principal) error {
		var d *rules.DeniedError
		return d
	})
	named := rules.Func(func(_ context.Context, p *rules.Principal) error {
		if p.Identity().Subject() == "user_01A" {
			return &rules.DeniedError{Needs: []string{"a pro plan"}}
		}
		return nil
	})
	for _, tc := range []struct {
		name string
		id   *remote.Identity
		rule rules.Rule
		want string // "" allowed
	}{
		{"all permissions held", id, rules.AllPermissions("repos:read", "repos:write"), ""},
		{"one permission missing", id, rules.AllPermissions("repos:read", "repos:delete"), "missing permission: repos:delete"},
		{"two permissions missing", id, rules.AllPermissions("repos:delete", "repos:admin"), "missing permissions: repos:delete, repos:admin"},
		{"any permission held", id, rules.AnyPermission("repos:delete", "repos:write"), ""},
		{"no permission of the list", id, rules.AnyPermission("repos:delete", "repos:admin"), "requires one of the permissions: repos:delete, repos:admin"},
		{"role from the string claim", id, rules.AnyRole("admin", "member"), ""},
		{"role from the array claim", id, rules.AnyRole("billing"), ""},
		{"all roles, from both claims", id, rules.AllRoles("member", "billing"), ""},
		{"a role missing", id, rules.AllRoles("member", "admin"), "missing role: admin"},
		{"no role of the list", id, rules.AnyRole("admin", "owner"), "requires one of the roles: admin, owner"},
		{"one role required", id, rules.AnyRole("admin"), "requires role: admin"},
		{"scopes held, one through the hierarchy", id, rules.AllScopes("mcp", "files:read"), ""},
		{"scope missing", id, rules.AllScopes("mcp", "admin"), "missing scope: admin"},
		{"any scope", id, rules.AnyScope("admin", "mcp"), ""},
		{"no scope of the list", id, rules.AnyScope("admin", "root"), "requires one of the scopes: admin, root"},
		{"an organization", id, rules.HasOrganization(), ""},
		{"no organization", noOrg, rules.HasOrganization(), "requires an organization"},
		{"organization in the set", id, rules.OrganizationIn("org_globex", "org_acme"), ""},
		{"organization not in the set", id, rules.OrganizationIn("org_globex", "org_initech"), "requires one of the organizations: org_globex, org_initech"},
		{"organization not the one", id, rules.OrganizationIn("org_globex"), "requires organization: org_globex"},
		{"no organization for a set", noOrg, rules.OrganizationIn("org_acme"), "requires an organization"},
		{"all of, allowed", id, rules.AllOf(rules.AnyRole("member"), rules.AllPermissions("repos:read")), ""},
		{"all of, merged", id, rules.AllOf(rules.AnyRole("admin"), rules.AllPermissions("repos:delete")), "requires role: admin; missing permission: repos:delete"},
		{"any of, second allows", id, rules.AnyOf(rules.AnyRole("admin"), rules.AllPermissions("repos:write")), ""},
		{"any of, none", id, rules.AnyOf(rules.AnyRole("admin"), rules.AllPermissions("repos:delete")), "(requires role: admin) or (missing permission: repos:delete)"},
		{"nested", id, rules.AllOf(rules.OrganizationIn("org_acme"), rules.AnyOf(rules.AnyRole("admin"), rules.AllOf(rules.AnyRole("member"), rules.AllPermissions("repos:write")))), ""},
		{"custom error stays private", id, custom, "insufficient permissions"},
		{"custom denial is named", id, named, "a pro plan"},
		{"all of with a custom error", id, rules.AllOf(rules.AnyRole("member"), custom), "insufficient permissions"},
		{"a certain refusal wins over a custom error", id, rules.AllOf(custom, rules.AnyRole("admin")), "requires role: admin"},
		{"a denial naming nothing refuses", id, rules.AllOf(rules.AnyRole("member"), bare), "insufficient permissions"},
		{"a denial naming nothing, as an alternative", id, rules.AnyOf(bare, bare), "(insufficient permissions) or (insufficient permissions)"},
		{"a nil *DeniedError refuses", id, typedNil, "insufficient permissions"},
		{"a nil *DeniedError inside AllOf", id, rules.AllOf(typedNil), "insufficient permissions"},
		{"a nil *DeniedError inside AnyOf", id, rules.AnyOf(typedNil), "(insufficient permissions)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := pol.Check(context.Background(), tc.rule, tc.id)
			got := description(t, err)
			if got != tc.want {
				t.Errorf("description %q, want %q", got, tc.want)
			}
			if strings.Contains(got, "secret") {
				t.Error("a custom error's text reached the client")
			}
		})
	}
	if err := pol.Check(context.Background(), rules.AnyRole("member"), nil); err == nil {
		t.Error("no identity allowed")
	}
	if err := pol.Check(context.Background(), nil, id); err != nil {
		t.Errorf("no rule refused: %v", err)
	}
}

// TestChallengeScopes: a refusal names the provider's required scopes
// and, for a scope rule, the scope a grant of which would pass.
func TestChallengeScopes(t *testing.T) {
	pol := mustPolicy(t, rules.Config{Claims: authkitLike, ChallengeScopes: []string{"mcp"}})
	id := identity(t, []string{"mcp"}, nil)
	for _, tc := range []struct {
		rule rules.Rule
		want []string
	}{
		{rules.AnyRole("admin"), []string{"mcp"}},
		{rules.AllScopes("mcp", "files:write", "files:read"), []string{"mcp", "files:write", "files:read"}},
		{rules.AnyScope("files:write", "files:admin"), []string{"mcp", "files:write"}},
		{rules.AllOf(rules.AllScopes("a"), rules.AnyOf(rules.AllScopes("b"), rules.AllScopes("a"))), []string{"mcp", "a", "b"}},
	} {
		var re *remote.Error
		if err := pol.Check(context.Background(), tc.rule, id); !errors.As(err, &re) || !slices.Equal(re.Scopes, tc.want) {
			t.Errorf("%v: scopes %v, want %v", err, re.Scopes, tc.want)
		}
	}
}

// TestStrictClaimTypes: a claim of another JSON type than its Claim says
// grants nothing (a single string is not a list of roles), and is logged
// at debug level by name and type, never by value.
func TestStrictClaimTypes(t *testing.T) {
	var logs strings.Builder
	pol := mustPolicy(t, rules.Config{
		Claims: rules.ClaimNames{
			Roles:        []rules.Claim{rules.StringsClaim("realm_access", "roles")},
			Permissions:  []rules.Claim{rules.StringsClaim("permissions")},
			Organization: []rules.Claim{rules.StringClaim("org_id")},
		},
		Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	})
	for _, tc := range []struct {
		name   string
		claims map[string]any
		rule   rules.Rule
		logged string
	}{
		{"roles as one string", map[string]any{"realm_access": map[string]any{"roles": "admin-secret"}}, rules.AnyRole("admin-secret"), `claim=realm_access.roles type=string`},
		{"permissions holding a number", map[string]any{"permissions": []any{"repos:secret", 7.0}}, rules.AllPermissions("repos:secret"), `claim=permissions type="array with a number element"`},
		{"organization as a list", map[string]any{"org_id": []any{"org_secret"}}, rules.OrganizationIn("org_secret"), `claim=org_id type=array`},
		{"roles object", map[string]any{"realm_access": map[string]any{"roles": map[string]any{"admin-secret": true}}}, rules.AnyRole("admin-secret"), `claim=realm_access.roles type=object`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			logs.Reset()
			if got := description(t, pol.Check(context.Background(), tc.rule, identity(t, nil, tc.claims))); got == "" {
				t.Fatal("a claim of the wrong type was granted")
			}
			if !strings.Contains(logs.String(), tc.logged) || !strings.Contains(logs.String(), "level=DEBUG") {
				t.Errorf("log %q lacks %q", logs.String(), tc.logged)
			}
			if strings.Contains(logs.String(), "secret") {
				t.Errorf("log holds a claim value: %s", logs.String())
			}
		})
	}
	logs.Reset()
	if err := pol.Check(context.Background(), rules.AnyRole("admin"), identity(t, nil, map[string]any{})); err == nil || logs.Len() != 0 {
		t.Errorf("absent claims: %v, logged %q", err, logs.String())
	}
}

// TestNewRefusesRulesThatCannotWork: a rule naming nothing, or needing a
// claim or directory the policy lacks, is a start-up error. Each would
// otherwise be accepted: before these checks an empty AnyRole allowed
// everyone.
func TestNewRefusesRulesThatCannotWork(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  rules.Config
		want string
	}{
		{"empty role list", rules.Config{Claims: authkitLike, ToolRules: map[string]rules.Rule{"x": rules.AnyRole()}}, `tool "x": AnyRole lists no role`},
		{"blank permission", rules.Config{Claims: authkitLike, ToolRules: map[string]rules.Rule{"x": rules.AllPermissions(" ")}}, "AllPermissions lists no permission"},
		{"roles without a claim", rules.Config{ToolRules: map[string]rules.Rule{"x": rules.AnyRole("admin")}}, "Claims.Roles names no claim"},
		{"permissions without a claim", rules.Config{Rule: rules.AllPermissions("a")}, "the rule for every request (Rule): AllPermissions needs permissions"},
		{"organization without a claim", rules.Config{Rule: rules.HasOrganization()}, "Claims.Organization"},
		{"empty organization set", rules.Config{Claims: authkitLike, Rule: rules.OrganizationIn()}, "OrganizationIn lists no organization"},
		{"membership without a directory", rules.Config{Claims: authkitLike, Rule: rules.ActiveMembership()}, "needs a Directory"},
		{"nil rule", rules.Config{ToolRules: map[string]rules.Rule{"x": nil}}, "nil"},
		{"nil func", rules.Config{ToolRules: map[string]rules.Rule{"x": rules.Func(nil)}}, "nil Func"},
		{"empty AllOf", rules.Config{Rule: rules.AllOf()}, "AllOf lists no rule"},
		{"bad rule inside AnyOf", rules.Config{Claims: authkitLike, Rule: rules.AnyOf(rules.AnyRole("a"), rules.AllOf(rules.AnyRole()))}, "AnyOf rule 1: AllOf rule 0: AnyRole lists no role"},
		{"empty tool name", rules.Config{ToolRules: map[string]rules.Rule{"": rules.AllScopes("a")}}, "empty tool name"},
		{"organization as a list", rules.Config{Claims: rules.ClaimNames{Organization: []rules.Claim{rules.StringsClaim("orgs")}}}, "use StringClaim"},
		{"zero claim", rules.Config{Claims: rules.ClaimNames{Roles: []rules.Claim{{}}}}, "names no path"},
		{"empty member", rules.Config{Claims: rules.ClaimNames{Roles: []rules.Claim{rules.StringsClaim("realm_access", "")}}}, "empty member name"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := rules.New(tc.cfg)
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "rules: ") {
				t.Errorf("err = %v, want one containing %q", err, tc.want)
			}
		})
	}
	// The same rules, given what they need, are accepted.
	if _, err := rules.New(rules.Config{Claims: authkitLike, Directory: directory{}, Rule: rules.AllOf(rules.ActiveMembership(), rules.OrganizationIn("org_a")),
		ToolRules: map[string]rules.Rule{"x": rules.AnyRole("admin"), "y": rules.Func(func(context.Context, *rules.Principal) error { return nil })}}); err != nil {
		t.Error(err)
	}
	// Evaluated anyway (Allow with an ad hoc rule), a rule naming nothing
	// refuses.
	pol := mustPolicy(t, rules.Config{Claims: authkitLike})
	id := identity(t, []string{"a"}, map[string]any{"role": "admin", "org_id": "org_a"})
	for _, r := range []rules.Rule{rules.AnyRole(), rules.AllPermissions(), rules.AllScopes(), rules.OrganizationIn(), rules.AllOf(), rules.AnyOf()} {
		if err := pol.Check(context.Background(), r, id); err == nil {
			t.Errorf("%#v allowed", r)
		}
	}
}

// directory is a fake Directory: members maps "sub org" to active.
type directory struct {
	members map[string]bool
	err     error
	asked   *int
}

func (d directory) ActiveMember(_ context.Context, p *rules.Principal, org string) (bool, error) {
	if d.asked != nil {
		*d.asked++
	}
	if d.err != nil {
		return false, d.err
	}
	return d.members[p.Identity().Subject()+" "+org], nil
}

// TestActiveMembership: only an active membership in the token's own
// organization passes; a directory that cannot answer fails closed with
// 503 (never 401 or 403) and its Retry-After.
func TestActiveMembership(t *testing.T) {
	asked := 0
	members := map[string]bool{"user_01A org_acme": true, "user_01A org_globex": false}
	pol := mustPolicy(t, rules.Config{Claims: authkitLike, Directory: directory{members: members, asked: &asked}})
	ctx := context.Background()
	if err := pol.Check(ctx, rules.ActiveMembership(), identity(t, nil, map[string]any{"org_id": "org_acme"})); err != nil {
		t.Errorf("active member refused: %v", err)
	}
	for org, want := range map[string]string{"org_globex": "requires an active membership in the organization", "org_initech": "requires an active membership in the organization"} {
		if got := description(t, pol.Check(ctx, rules.ActiveMembership(), identity(t, nil, map[string]any{"org_id": org}))); got != want {
			t.Errorf("%s: %q", org, got)
		}
	}
	asked = 0
	if got := description(t, pol.Check(ctx, rules.ActiveMembership(), identity(t, nil, nil))); got != "requires an organization" || asked != 0 {
		t.Errorf("no organization: %q, directory asked %d times", got, asked)
	}

	down := mustPolicy(t, rules.Config{Claims: authkitLike, Directory: directory{err: &remote.UnavailableError{RetryAfter: 30 * time.Second, Err: errors.New("workos: 503")}}})
	w := httptest.NewRecorder()
	err := down.Check(ctx, rules.ActiveMembership(), identity(t, nil, map[string]any{"org_id": "org_acme"}))
	var re *remote.Error
	if !errors.As(err, &re) || re.Status != http.StatusServiceUnavailable || !errors.Is(err, rules.ErrDirectoryUnavailable) || !errors.Is(err, remote.ErrUnavailable) || errors.Is(err, remote.ErrRuleDenied) {
		t.Fatalf("outage: %v", err)
	}
	p := remote.MustNew(remote.Config{MCPURL: "https://mcp.example.com/mcp", AuthorizationServers: []string{"https://auth.example.com"},
		Verifier: remote.TokenVerifierFunc(func(context.Context, string) (*remote.TokenInfo, error) { return nil, remote.ErrInvalidToken })})
	p.WriteError(w, httptest.NewRequest(http.MethodGet, "/", nil), err)
	if w.Code != http.StatusServiceUnavailable || w.Header().Get("Retry-After") != "30" {
		t.Errorf("written as %d, Retry-After %q", w.Code, w.Header().Get("Retry-After"))
	}
	// A certain refusal does not wait for the directory; an alternative
	// that might allow does.
	id := identity(t, nil, map[string]any{"org_id": "org_acme", "role": "member"})
	if got := description(t, down.Check(ctx, rules.AllOf(rules.ActiveMembership(), rules.AnyRole("admin")), id)); got != "requires role: admin" {
		t.Errorf("AllOf with a refusal: %q", got)
	}
	for name, r := range map[string]rules.Rule{
		"AllOf, the rest allowing": rules.AllOf(rules.AnyRole("member"), rules.ActiveMembership()),
		"AnyOf, the rest refusing": rules.AnyOf(rules.AnyRole("admin"), rules.ActiveMembership()),
	} {
		if err := down.Check(ctx, r, id); !errors.As(err, &re) || re.Status != http.StatusServiceUnavailable {
			t.Errorf("%s: %v, want 503", name, err)
		}
	}
	if err := down.Check(ctx, rules.AnyOf(rules.ActiveMembership(), rules.AnyRole("member")), id); err != nil {
		t.Errorf("AnyOf with an alternative that allows: %v", err)
	}
}

// TestToolAndRequestChecks: the policy's hooks apply Config.ToolRules by tool
// name and Config.Rule to everything.
func TestToolAndRequestChecks(t *testing.T) {
	pol := mustPolicy(t, rules.Config{Claims: authkitLike, Rule: rules.OrganizationIn("org_acme"),
		ToolRules: map[string]rules.Rule{"delete": rules.AnyRole("admin")}})
	ctx := context.Background()
	member := identity(t, nil, map[string]any{"org_id": "org_acme", "role": "member"})
	if pol.ToolCheck(ctx, "read", member) != nil || pol.ToolCheck(ctx, "delete", member) == nil || pol.RequestCheck(ctx, member) != nil {
		t.Error("member of acme: want read allowed, delete refused, requests allowed")
	}
	if pol.RequestCheck(ctx, identity(t, nil, map[string]any{"org_id": "org_globex", "role": "admin"})) == nil {
		t.Error("another organization's token passed the request rule")
	}
	none := mustPolicy(t, rules.Config{})
	if none.RequestCheck(ctx, member) != nil || none.ToolCheck(ctx, "delete", member) != nil {
		t.Error("a policy without rules refused")
	}
}

// TestPrincipal: what a rule sees, read with the policy's claim names.
func TestPrincipal(t *testing.T) {
	pol := mustPolicy(t, rules.Config{Claims: rules.ClaimNames{
		Roles:        []rules.Claim{rules.StringsClaim("realm_access", "roles"), rules.StringsClaim("resource_access", "app", "roles")},
		Organization: []rules.Claim{rules.StringClaim("tenant"), rules.StringClaim("org_id")},
	}})
	p := pol.Principal(context.Background(), identity(t, []string{"s"}, map[string]any{
		"realm_access": map[string]any{"roles": []any{"admin"}}, "resource_access": map[string]any{"app": map[string]any{"roles": []any{"reader"}}},
		"org_id": "org_a", "permissions": []any{"p"},
	}))
	if !slices.Equal(p.Roles(), []string{"admin", "reader"}) || p.Organization() != "org_a" || p.Permissions() != nil || !p.HasScope("s") || p.HasScope("t") {
		t.Errorf("principal: roles %v, org %q, permissions %v", p.Roles(), p.Organization(), p.Permissions())
	}
	p.Roles()[0] = "changed"
	if !p.HasRole("admin") {
		t.Error("Roles handed out the principal's own slice")
	}
	if pol.Principal(context.Background(), nil) != nil {
		t.Error("a principal without identity")
	}
}

// TestRequire: the route middleware authenticates when alone, reuses the
// identity behind the provider's middleware, and refuses what its rules
// refuse; it panics at set-up on a rule that names nothing.
func TestRequire(t *testing.T) {
	const resource = "https://mcp.example.com/mcp"
	verified := 0
	p := remote.MustNew(remote.Config{MCPURL: resource, AuthorizationServers: []string{"https://auth.example.com"},
		Verifier: remote.TokenVerifierFunc(func(_ context.Context, tok string) (*remote.TokenInfo, error) {
			verified++
			return &remote.TokenInfo{Subject: "user_" + tok, Audiences: []string{resource}, Claims: map[string]any{"role": tok}}, nil
		})})
	pol := mustPolicy(t, rules.Config{Claims: authkitLike})
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })
	admin := pol.Require(p, rules.AnyRole("admin"))(ok)
	send := func(h http.Handler, tok string) int {
		r := httptest.NewRequest(http.MethodGet, resource, nil)
		if tok != "" {
			r.Header.Set("Authorization", "Bearer "+tok)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w.Code
	}
	// Allow with a rule that can never pass here refuses and says why.
	var logs strings.Builder
	strict := mustPolicy(t, rules.Config{Claims: authkitLike, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	var allowErr error
	p.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		allowErr = strict.Allow(r.Context(), p, rules.ActiveMembership())
	})).ServeHTTP(httptest.NewRecorder(), func() *http.Request {
		r := httptest.NewRequest(http.MethodGet, resource, nil)
		r.Header.Set("Authorization", "Bearer admin")
		return r
	}())
	var re *remote.Error
	if !errors.As(allowErr, &re) || re.Status != http.StatusForbidden || re.Err == nil || !strings.Contains(re.Err.Error(), "needs a Directory") || !strings.Contains(logs.String(), "level=ERROR") {
		t.Errorf("Allow with an invalid rule: %v; log %q", allowErr, logs.String())
	}
	if got := send(admin, ""); got != http.StatusUnauthorized {
		t.Errorf("no token: %d", got)
	}
	if got := send(admin, "member"); got != http.StatusForbidden {
		t.Errorf("member: %d", got)
	}
	if got := send(admin, "admin"); got != http.StatusNoContent {
		t.Errorf("admin: %d", got)
	}
	verified = 0
	if got := send(p.Middleware(admin), "admin"); got != http.StatusNoContent || verified != 1 {
		t.Errorf("behind the middleware: %d, %d verifications", got, verified)
	}
	for name, rs := range map[string][]rules.Rule{"no rule": nil, "empty list": {rules.AnyRole()}, "no claim": {rules.AllPermissions("x"), rules.ActiveMembership()}} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: Require did not panic", name)
				}
			}()
			mustPolicy(t, rules.Config{Claims: rules.ClaimNames{Roles: authkitLike.Roles}}).Require(p, rs...)
		}()
	}
}
