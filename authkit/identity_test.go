package authkit_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/mcpauth/mcpauth/authkit"
	"github.com/mcpauth/mcpauth/authkit/authkittest"
	"github.com/mcpauth/mcpauth/internal/testutil"
	"github.com/mcpauth/mcpauth/remote"
	"github.com/mcpauth/mcpauth/remote/rules"
)

// Tests of the identity the checks of a provider accept and read.

// TestChecksAcceptOnlyThisProvidersTokens: two providers of different
// audiences on one mux. Behind A's middleware, B's rules and B.Allow do not
// take A's verified token: Require authenticates the request itself (and
// refuses a token for A's audience), Allow answers 401.
func TestChecksAcceptOnlyThisProvidersTokens(t *testing.T) {
	ak := authkittest.Start(t)
	ak.SetUser(authkittest.User{ID: "user_01ADA", Permissions: []string{"repos:read"}})
	a := newProvider(t, ak, nil) // audience mcpURL
	const otherBase = "http://127.0.0.1:8932"
	b, err := authkit.New(authkit.Config{Domain: ak.URL(), BaseURL: otherBase, HTTPClient: ak.Client()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = b.Close() })

	var allowA, allowB error
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		allowA = a.Allow(r.Context(), rules.AllPermissions("repos:read"))
		allowB = b.Allow(r.Context(), rules.AllPermissions("repos:read"))
		_, _ = io.WriteString(w, "ok")
	})
	mux := http.NewServeMux()
	mux.Handle("/b-rule", b.Require(rules.AllPermissions("repos:read"))(ok))
	mux.Handle("/plain", ok)
	h := a.Middleware(mux)

	tokA := ak.MustMint(t, authkittest.TokenOptions{Audience: []string{mcpURL}})
	if w := do(t, h, http.MethodGet, "/b-rule", tokA, ""); w.Code != http.StatusUnauthorized || !strings.Contains(w.Header().Get("WWW-Authenticate"), `error="invalid_token"`) {
		t.Errorf("A's token on B's rule = %d %q, want 401 invalid_token (B's audience)", w.Code, w.Header().Get("WWW-Authenticate"))
	}
	w := do(t, h, http.MethodGet, "/plain", tokA, "")
	var re *remote.Error
	if w.Code != http.StatusOK || allowA != nil || !errors.As(allowB, &re) || re.Status != http.StatusUnauthorized || !errors.Is(allowB, remote.ErrNoIdentity) {
		t.Errorf("behind A: %d, A.Allow = %v, B.Allow = %v; want A allowed and B 401", w.Code, allowA, allowB)
	}

	// A token for both audiences passes A, and B verifies it itself.
	tokBoth := ak.MustMint(t, authkittest.TokenOptions{Audience: []string{mcpURL, otherBase + "/mcp"}})
	if w := do(t, h, http.MethodGet, "/b-rule", tokBoth, ""); w.Code != http.StatusOK || allowB != nil {
		t.Errorf("a token for both on B's rule = %d, B.Allow = %v; want 200 and allowed", w.Code, allowB)
	}
}

// TestAllow: allowed, denied with a 403 naming what is missing, and 401
// without a token this provider verified; a fake identity put in the
// context is not one.
func TestAllow(t *testing.T) {
	ak := authkittest.Start(t)
	ak.SetUser(authkittest.User{ID: "user_01ADA", Permissions: []string{"a"}})
	p := newProvider(t, ak, nil)
	var results []error
	h := p.Handler(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		results = []error{p.Allow(r.Context(), rules.AllPermissions("a")), p.Allow(r.Context(), rules.AllPermissions("b"))}
	}))
	do(t, h, http.MethodPost, "/mcp", ak.MustMint(t, authkittest.TokenOptions{Audience: []string{mcpURL}}), `{}`)
	var re *remote.Error
	if len(results) != 2 || results[0] != nil || !errors.As(results[1], &re) || re.Status != http.StatusForbidden || re.Description != "missing permission: b" {
		t.Fatalf("Allow = %v", results)
	}
	for name, ctx := range map[string]context.Context{
		"no token":      context.Background(),
		"fake identity": remote.ContextWithTokenInfo(context.Background(), &remote.TokenInfo{Subject: "user_01ADA", Claims: map[string]any{"permissions": []any{"a"}}}),
	} {
		if err := p.Allow(ctx, rules.AllPermissions("a")); !errors.As(err, &re) || re.Status != http.StatusUnauthorized || !errors.Is(err, remote.ErrNoIdentity) {
			t.Errorf("%s: Allow = %v, want 401", name, err)
		}
	}
}

// TestRulesReadClaimsAsAuthKitIssuesThem: a "permissions" or "roles" claim
// that is a plain string, not an array of strings, satisfies no rule, per
// route or per tool; each such claim is logged at debug level by name and
// type.
func TestRulesReadClaimsAsAuthKitIssuesThem(t *testing.T) {
	ak := authkittest.Start(t)
	ak.SetUser(authkittest.User{ID: "user_01ADA"})
	logs := &testutil.LogBuffer{}
	p := newProvider(t, ak, func(c *authkit.Config) {
		c.Logger = logs.Logger()
		c.ToolRules = map[string]rules.Rule{"delete_repo": rules.AllPermissions("repos:delete")}
	})
	ok := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "ok") })
	mux := http.NewServeMux()
	mux.Handle("/mcp", ok)
	mux.Handle("/admin", p.Require(rules.AnyRole("admin"))(ok))
	h := p.Middleware(mux)
	for _, tc := range []struct {
		name, path, body string
		claims           map[string]any
		want             int
	}{
		{"array permission", "/mcp", toolCall("delete_repo"), map[string]any{"permissions": []string{"repos:delete"}}, 200},
		{"string permission", "/mcp", toolCall("delete_repo"), map[string]any{"permissions": "repos:delete"}, 403},
		{"array role", "/admin", "", map[string]any{"roles": []string{"admin"}}, 200},
		{"string roles", "/admin", "", map[string]any{"roles": "admin"}, 403},
		{"role, singular", "/admin", "", map[string]any{"role": "admin"}, 200},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tok := ak.MustMint(t, authkittest.TokenOptions{Audience: []string{mcpURL}, Claims: tc.claims})
			if w := do(t, h, http.MethodPost, tc.path, tok, tc.body); w.Code != tc.want {
				t.Errorf("status %d, want %d (%s)", w.Code, tc.want, w.Header().Get("WWW-Authenticate"))
			}
		})
	}
	for _, want := range []string{"claim=permissions type=string", "claim=roles type=string"} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("log lacks %q:\n%s", want, logs)
		}
	}
	if strings.Contains(logs.String(), "repos:delete") {
		t.Errorf("the log holds a claim value:\n%s", logs)
	}
}
