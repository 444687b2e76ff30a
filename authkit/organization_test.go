package authkit_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/mcpauth/mcpauth/authkit"
	"github.com/mcpauth/mcpauth/authkit/authkittest"
	"github.com/mcpauth/mcpauth/internal/testutil"
	"github.com/mcpauth/mcpauth/remote/rules"
)

// TestOrganizationRules: the organization picked at consent ("org_id")
// must be present, or one of a set, for every request; tokens that would
// pass every other check are refused.
func TestOrganizationRules(t *testing.T) {
	ak := authkittest.Start(t)
	for _, tc := range []struct {
		name string
		rule rules.Rule
		org  string
		want int
		desc string
	}{
		{"an organization, present", rules.HasOrganization(), "org_01ACME", 200, ""},
		{"an organization, absent", rules.HasOrganization(), "", 403, "requires an organization"},
		{"one of a set", rules.OrganizationIn("org_01ACME", "org_01GLOBEX"), "org_01GLOBEX", 200, ""},
		{"not in the set", rules.OrganizationIn("org_01ACME"), "org_01INITECH", 403, "requires organization: org_01ACME"},
		{"none, for a set", rules.OrganizationIn("org_01ACME"), "", 403, "requires an organization"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := newProvider(t, ak, func(c *authkit.Config) { c.Rule = tc.rule })
			reached := false
			h := p.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { reached = true }))
			tok := ak.MustMintFor(t, p.MCPURL(), authkittest.TokenOptions{Subject: "user_01ORG", OrgID: tc.org})
			w := do(t, h, http.MethodPost, "/mcp", tok, `{"jsonrpc":"2.0","id":1,"method":"tools/list"}`)
			if w.Code != tc.want || reached != (tc.want == 200) {
				t.Fatalf("status %d (handler ran: %v), want %d", w.Code, reached, tc.want)
			}
			if tc.desc != "" && !strings.Contains(w.Header().Get("WWW-Authenticate"), `error_description="`+tc.desc+`"`) {
				t.Errorf("challenge %q, want %q", w.Header().Get("WWW-Authenticate"), tc.desc)
			}
		})
	}
}

// TestActiveMembership: with WorkOS, a token naming an organization is
// accepted only while the user's membership in it is active. Inactive and
// pending memberships (which every claim-based rule lets through) are
// refused; a WorkOS outage with nothing cached is a 503 with Retry-After,
// never a 401; a membership change counts once the cached profile
// expires.
func TestActiveMembership(t *testing.T) {
	ak := authkittest.Start(t)
	clock := testutil.NewClock(time.Now())
	ak.SetClock(clock.Now)
	for _, u := range []authkittest.User{
		{ID: "user_01ACTIVE", Memberships: []authkittest.Membership{{OrganizationID: "org_01ACME", Status: "active"}}},
		{ID: "user_01GONE", Memberships: []authkittest.Membership{{OrganizationID: "org_01ACME", Status: "inactive"}}},
		{ID: "user_01INVITED", Memberships: []authkittest.Membership{{OrganizationID: "org_01ACME", Status: "pending"}}},
		{ID: "user_01ELSEWHERE", Memberships: []authkittest.Membership{{OrganizationID: "org_01GLOBEX", Status: "active"}}},
	} {
		ak.AddUser(u)
	}
	rule := rules.AllOf(rules.OrganizationIn("org_01ACME"), rules.ActiveMembership())
	p := newProvider(t, ak, func(c *authkit.Config) {
		c.WorkOS = newWorkOSClient(ak)
		c.Now = clock.Now
		c.ToolRules = map[string]rules.Rule{"close_books": rule}
	})
	// Without the membership rule, every one of these tokens passes.
	plain := newProvider(t, ak, func(c *authkit.Config) {
		c.Now = clock.Now
		c.ToolRules = map[string]rules.Rule{"close_books": rules.OrganizationIn("org_01ACME")}
	})
	h := p.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	hPlain := plain.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	call := func(h http.Handler, sub string) *http.Response {
		tok := ak.MustMintFor(t, mcpURL, authkittest.TokenOptions{Subject: sub, OrgID: "org_01ACME"})
		return do(t, h, http.MethodPost, "/mcp", tok, toolCall("close_books")).Result()
	}
	for sub, want := range map[string]int{"user_01ACTIVE": 200, "user_01GONE": 403, "user_01INVITED": 403, "user_01ELSEWHERE": 403, "user_01UNKNOWN": 403} {
		if got := call(hPlain, sub).StatusCode; got != 200 {
			t.Fatalf("%s without the membership rule: %d, want 200", sub, got)
		}
		res := call(h, sub)
		if res.StatusCode != want {
			t.Errorf("%s: %d, want %d", sub, res.StatusCode, want)
		}
		if want == 403 && !strings.Contains(res.Header.Get("WWW-Authenticate"), "requires an active membership in the organization") {
			t.Errorf("%s: challenge %q", sub, res.Header.Get("WWW-Authenticate"))
		}
	}

	// WorkOS down: the cached answer stands; without one, 503 and
	// Retry-After (the failure is remembered for Profiles.FailureTTL, 30 s).
	ak.SetFault("*", authkittest.Fault{Status: http.StatusServiceUnavailable})
	if got := call(h, "user_01ACTIVE").StatusCode; got != 200 {
		t.Errorf("cached active membership during an outage: %d", got)
	}
	ak.AddUser(authkittest.User{ID: "user_01NEW", Memberships: []authkittest.Membership{{OrganizationID: "org_01ACME"}}})
	res := call(h, "user_01NEW")
	if res.StatusCode != http.StatusServiceUnavailable || res.Header.Get("Retry-After") != "30" || res.Header.Get("WWW-Authenticate") != "" {
		t.Errorf("outage, nothing cached: %d, Retry-After %q, challenge %q", res.StatusCode, res.Header.Get("Retry-After"), res.Header.Get("WWW-Authenticate"))
	}
	ak.ClearFault("*")
	clock.Advance(authkit.DefaultProfileFailureTTL)
	if got := call(h, "user_01NEW").StatusCode; got != 200 {
		t.Errorf("after the outage: %d", got)
	}

	// Deactivated in WorkOS: refused once the cached profile expires.
	ak.AddUser(authkittest.User{ID: "user_01ACTIVE", Memberships: []authkittest.Membership{{OrganizationID: "org_01ACME", Status: "inactive"}}})
	if got := call(h, "user_01ACTIVE").StatusCode; got != 200 {
		t.Errorf("within the profile TTL: %d", got)
	}
	clock.Advance(authkit.DefaultProfileTTL)
	if got := call(h, "user_01ACTIVE").StatusCode; got != 403 {
		t.Errorf("deactivated, after the TTL: %d", got)
	}

	// Without WorkOS the rule is a start-up error, not a silent pass.
	if _, err := authkit.New(authkit.Config{Domain: ak.URL(), BaseURL: baseURL, Rule: rules.ActiveMembership()}); err == nil || !strings.Contains(err.Error(), "Config.WorkOS") {
		t.Errorf("membership rule without WorkOS: %v", err)
	}
}
