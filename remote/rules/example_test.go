package rules_test

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/mcpauth/mcpauth/remote"
	"github.com/mcpauth/mcpauth/remote/rules"
)

// Rules decided on Keycloak-shaped claims: roles nested in realm_access.
func ExamplePolicy_Check() {
	pol, err := rules.New(rules.Config{Claims: rules.ClaimNames{
		Roles: []rules.Claim{rules.StringsClaim("realm_access", "roles")},
	}})
	if err != nil {
		log.Fatal(err)
	}
	ctx := remote.ContextWithTokenInfo(context.Background(), &remote.TokenInfo{
		Subject: "f81d4fae", Scopes: []string{"repos:read"},
		Claims: map[string]any{"realm_access": map[string]any{"roles": []any{"viewer"}}},
	})
	id, _ := remote.IdentityFromContext(ctx)
	for _, r := range []rules.Rule{
		rules.AnyRole("viewer", "admin"),
		rules.AllOf(rules.AnyRole("admin"), rules.AllScopes("repos:write")),
		rules.AnyOf(rules.AnyRole("admin"), rules.AllScopes("repos:read")),
	} {
		fmt.Println(pol.Check(ctx, r, id))
	}
	// Output:
	// <nil>
	// remote: Forbidden (insufficient_scope): requires role: admin; missing scope: repos:write
	// <nil>
}

// A plain remote.Provider takes a policy's checks as its hooks: here every
// request must come from organization org_acme, and delete_repo needs the
// admin role.
func ExampleNew() {
	pol, err := rules.New(rules.Config{
		Claims: rules.ClaimNames{
			Roles:        []rules.Claim{rules.StringsClaim("roles")},
			Organization: []rules.Claim{rules.StringClaim("org_id")},
		},
		Rule:      rules.OrganizationIn("org_acme"),
		ToolRules: map[string]rules.Rule{"delete_repo": rules.AnyRole("admin")},
	})
	if err != nil {
		log.Fatal(err)
	}
	const resource = "https://mcp.example.com/mcp"
	p := remote.MustNew(remote.Config{
		MCPURL:               resource,
		AuthorizationServers: []string{"https://auth.example.com"},
		Verifier: remote.TokenVerifierFunc(func(_ context.Context, tok string) (*remote.TokenInfo, error) {
			org, role, _ := strings.Cut(tok, ".") // a stand-in for a JWT verifier
			return &remote.TokenInfo{Subject: "user_1", Audiences: []string{resource},
				Claims: map[string]any{"org_id": org, "roles": []any{role}}}, nil
		}),
		RequestCheck: pol.RequestCheck,
		ToolCheck:    pol.ToolCheck,
	})
	h := p.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "ran") }))
	for _, tok := range []string{"org_acme.admin", "org_acme.viewer", "org_globex.admin"} {
		r := httptest.NewRequest(http.MethodPost, resource, strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"delete_repo"}}`))
		r.Header.Set("Authorization", "Bearer "+tok)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		fmt.Println(strings.TrimSpace(fmt.Sprint(tok, " ", w.Code, " ", w.Header().Get("WWW-Authenticate"))))
	}
	// Output:
	// org_acme.admin 200
	// org_acme.viewer 403 Bearer resource_metadata="https://mcp.example.com/.well-known/oauth-protected-resource/mcp", error="insufficient_scope", error_description="requires role: admin"
	// org_globex.admin 403 Bearer resource_metadata="https://mcp.example.com/.well-known/oauth-protected-resource/mcp", error="insufficient_scope", error_description="requires organization: org_acme"
}
