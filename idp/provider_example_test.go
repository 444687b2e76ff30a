package idp_test

import (
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/mcpauth/mcpauth/authkit/authkittest"
	"github.com/mcpauth/mcpauth/idp"
	"github.com/mcpauth/mcpauth/remote/rules"
)

// newAcme is the whole of a provider package for another issuer (say
// package acmeid): Acme ID, whose tokens carry roles in the namespaced
// claim "https://acme.example/roles" and the customer in "tenant". The
// package says where those claims are once; its users write rules per
// tool, and every request must come from their tenant.
func newAcme(issuer, tenant, mcpURL string, tools map[string]rules.Rule) (*idp.Provider, error) {
	return idp.New(idp.Config{
		Issuer: issuer,
		MCPURL: mcpURL,
		Claims: rules.ClaimNames{
			Roles:        []rules.Claim{rules.StringsClaim("https://acme.example/roles")},
			Organization: []rules.Claim{rules.StringClaim("tenant")},
		},
		Rule:      rules.OrganizationIn(tenant),
		ToolRules: tools,
	})
}

// A provider package for a new issuer, with rules per tool.
func Example_providerPackage() {
	as := authkittest.NewServer() // stands in for the issuer, on loopback
	defer as.Close()
	const mcpURL = "http://127.0.0.1:8080/mcp"
	p, err := newAcme(as.Issuer(), "acme", mcpURL, map[string]rules.Rule{
		"delete_repo": rules.AnyRole("admin"),
		"list_repos":  rules.AnyRole("admin", "viewer"),
	})
	if err != nil {
		log.Fatal(err)
	}
	defer p.Close()
	h := p.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))

	for _, c := range []struct {
		who    string
		tool   string
		claims map[string]any
	}{
		{"admin of acme", "delete_repo", map[string]any{"https://acme.example/roles": []any{"admin"}, "tenant": "acme"}},
		{"viewer of acme", "list_repos", map[string]any{"https://acme.example/roles": []any{"viewer"}, "tenant": "acme"}},
		{"viewer of acme", "delete_repo", map[string]any{"https://acme.example/roles": []any{"viewer"}, "tenant": "acme"}},
		{`"admin" as a string`, "delete_repo", map[string]any{"https://acme.example/roles": "admin", "tenant": "acme"}},
		{"admin of globex", "list_repos", map[string]any{"https://acme.example/roles": []any{"admin"}, "tenant": "globex"}},
	} {
		tok, err := as.Mint(authkittest.TokenOptions{Audience: []string{mcpURL}, Claims: c.claims})
		if err != nil {
			log.Fatal(err)
		}
		r := httptest.NewRequest(http.MethodPost, mcpURL, strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"`+c.tool+`"}}`))
		r.Header.Set("Authorization", "Bearer "+tok)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		_, desc, _ := strings.Cut(w.Header().Get("WWW-Authenticate"), `error_description=`)
		fmt.Println(strings.TrimSpace(fmt.Sprint(c.who, " ", c.tool, " ", w.Code, " ", desc)))
	}
	// Output:
	// admin of acme delete_repo 200
	// viewer of acme list_repos 200
	// viewer of acme delete_repo 403 "requires role: admin"
	// "admin" as a string delete_repo 403 "requires role: admin"
	// admin of globex list_repos 403 "requires organization: acme"
}
