package authkit_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"log/slog"
	"net/http"
	"net/http/httptest"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/mcpauth/mcpauth/authkit"
	"github.com/mcpauth/mcpauth/authkit/authkittest"
	"github.com/mcpauth/mcpauth/remote"
	"github.com/mcpauth/mcpauth/remote/gosdk"
	"github.com/mcpauth/mcpauth/remote/rules"
)

// The one-line integration: AuthKit in front of a go-sdk MCP server.
func Example() {
	server := mcp.NewServer(&mcp.Implementation{Name: "repos", Version: "1.0.0"}, nil)
	log.Fatal(http.ListenAndServe(":8080", gosdk.Handler(authkit.MustNew(authkit.Config{
		Domain:  "my-app.authkit.app",
		BaseURL: "https://mcp.example.com",
	}), server, nil)))
}

// Any other http.Handler (another MCP SDK, a plain endpoint) goes behind the
// provider's own Handler; it reads the caller with ClaimsFromContext.
func Example_httpHandler() {
	mcpHandler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := authkit.ClaimsFromContext(r.Context())
		if err != nil {
			http.Error(w, "not signed in", http.StatusUnauthorized)
			return
		}
		fmt.Fprintln(w, "hello", c.UserID)
	})
	log.Fatal(http.ListenAndServe(":8080", authkit.MustNew(authkit.Config{
		Domain:  "my-app.authkit.app",
		BaseURL: "https://mcp.example.com",
	}).Handler(mcpHandler)))
}

func ExampleDomainEndpoints() {
	for _, d := range []string{"my-app.authkit.app", "https://my-app.authkit.app/"} {
		e, err := authkit.DomainEndpoints(d)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(e.Issuer)
	}
	e, _ := authkit.DomainEndpoints("my-app.authkit.app")
	fmt.Print(e)
	_, err := authkit.DomainEndpoints("https://my-app.authkit.app/oauth2/jwks")
	fmt.Println(err)
	// Output:
	// https://my-app.authkit.app
	// https://my-app.authkit.app
	// issuer:               https://my-app.authkit.app
	// metadata:             https://my-app.authkit.app/.well-known/oauth-authorization-server
	// openid-configuration: https://my-app.authkit.app/.well-known/openid-configuration
	// jwks:                 https://my-app.authkit.app/oauth2/jwks
	// authorize:            https://my-app.authkit.app/oauth2/authorize
	// token:                https://my-app.authkit.app/oauth2/token
	// register:             https://my-app.authkit.app/oauth2/register
	// introspection:        https://my-app.authkit.app/oauth2/introspection
	// userinfo:             https://my-app.authkit.app/oauth2/userinfo
	// authkit: AuthKit domain "https://my-app.authkit.app/oauth2/jwks" has a path (/oauth2/jwks): AuthKit's issuer is the bare domain, every endpoint is derived from it; write "my-app.authkit.app"
}

func ExampleNew() {
	p, err := authkit.New(authkit.Config{
		Domain:  "my-app.authkit.app",
		BaseURL: "https://mcp.example.com",
		ToolRules: map[string]rules.Rule{
			"delete_repo": rules.AllPermissions("repos:delete"),
		},
	})
	if err != nil {
		log.Fatal(err)
	}
	defer p.Close()
	fmt.Println("issuer:  ", p.Issuer())
	fmt.Println("resource:", p.MCPURL())
	fmt.Println("metadata:", p.ResourceMetadataURL())
	for _, r := range p.Routes() {
		fmt.Println("route:   ", r.Pattern)
	}
	// Output:
	// issuer:   https://my-app.authkit.app
	// resource: https://mcp.example.com/mcp
	// metadata: https://mcp.example.com/.well-known/oauth-protected-resource/mcp
	// route:    /.well-known/oauth-protected-resource/mcp
	// route:    /.well-known/oauth-protected-resource
	// route:    /.well-known/oauth-authorization-server
	// route:    /.well-known/openid-configuration
}

// The environment gives the deployment's values; the code adds what only
// code can say (rules, a logger, a hook) before New: one path that
// composes.
func ExampleConfigFromEnv() {
	env := map[string]string{
		"AUTHKIT_DOMAIN": "my-app.authkit.app",
		"BASE_URL":       "https://mcp.example.com",
	}
	cfg := authkit.ConfigFromEnv(func(k string) string { return env[k] }) // os.Getenv in production
	cfg.ToolRules = map[string]rules.Rule{"delete_repo": rules.AllPermissions("repos:delete")}
	cfg.Logger = slog.New(slog.DiscardHandler) // e.g. slog.Default()
	cfg.OnDecision = func(_ context.Context, d remote.Decision) {
		// count d.Outcome, d.Reason, d.Tool in your metrics
	}
	p, err := authkit.New(cfg)
	if err != nil {
		log.Fatal(err)
	}
	defer p.Close()
	fmt.Println(p.MCPURL())

	_, err = authkit.New(authkit.ConfigFromEnv(func(string) string { return "" }))
	fmt.Println(err)
	// Output:
	// https://mcp.example.com/mcp
	// authkit: Config.Domain is empty: set it to the AuthKit domain the WorkOS dashboard shows under Domains, e.g. "my-app.authkit.app" (or set AUTHKIT_DOMAIN with ConfigFromEnv)
}

func ExampleClaimsFromContext() {
	// What the provider's middleware puts in the context; in tests of your
	// own handlers, put it there yourself.
	ctx := remote.ContextWithTokenInfo(context.Background(), &remote.TokenInfo{
		Subject: "user_01HXYZ",
		Claims: map[string]any{
			"sub": "user_01HXYZ", "sid": "grant_01ABC", "org_id": "org_01ACME",
			"role": "admin", "permissions": []any{"repos:read", "repos:write"},
		},
	})
	c, err := authkit.ClaimsFromContext(ctx)
	fmt.Println(err, c.UserID, c.OrganizationID, c.Role)
	fmt.Println(c.HasPermission("repos:write"), c.HasPermission("repos:delete"))

	// Without a token: no claims, and an error that says why.
	c, err = authkit.ClaimsFromContext(context.Background())
	fmt.Println(c == nil, errors.Is(err, remote.ErrNoIdentity))
	// Output:
	// <nil> user_01HXYZ org_01ACME admin
	// true false
	// true true
}

func ExampleProvider_Require() {
	as := authkittest.NewServer() // a fake AuthKit; in production, your domain
	defer as.Close()
	as.SetUser(authkittest.User{ID: "user_01HXYZ", Permissions: []string{"repos:read"}})
	p := authkit.MustNew(authkit.Config{Domain: as.URL(), BaseURL: "http://localhost:8080", HTTPClient: as.Client()})
	defer p.Close()
	admin := p.Require(rules.AllPermissions("repos:delete"))(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "deleted")
	}))

	// A caller whose token lacks the permission.
	tok, err := as.Mint(authkittest.TokenOptions{Audience: []string{p.MCPURL()}})
	if err != nil {
		log.Fatal(err)
	}
	r := httptest.NewRequest(http.MethodPost, "http://localhost:8080/admin", nil)
	r.Header.Set("Authorization", "Bearer "+tok)
	w := httptest.NewRecorder()
	admin.ServeHTTP(w, r)
	fmt.Println(w.Code)
	fmt.Println(w.Header().Get("WWW-Authenticate"))
	// Output:
	// 403
	// Bearer resource_metadata="http://localhost:8080/.well-known/oauth-protected-resource/mcp", error="insufficient_scope", error_description="missing permission: repos:delete"
}

// Several MCP resources on one origin: /mcp for everyone, /admin/mcp for
// admins. Each has its own audience, metadata and rules; the root
// metadata is the first resource's.
func Example_severalResources() {
	resource := func(path string, rule rules.Rule) *authkit.Provider {
		return authkit.MustNew(authkit.Config{Domain: "my-app.authkit.app", BaseURL: "https://mcp.example.com", MCPPath: path, Rule: rule})
	}
	user, admin := resource("/mcp", nil), resource("/admin/mcp", rules.AnyRole("admin"))
	defer user.Close()
	defer admin.Close()
	usersServer := mcp.NewServer(&mcp.Implementation{Name: "repos"}, nil)
	adminServer := mcp.NewServer(&mcp.Implementation{Name: "repos-admin"}, nil)
	h := remote.MustJoin(gosdk.Handler(user, usersServer, nil), gosdk.Handler(admin, adminServer, nil))

	for _, path := range []string{"/.well-known/oauth-protected-resource/mcp", "/.well-known/oauth-protected-resource/admin/mcp", "/.well-known/oauth-protected-resource"} {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "https://mcp.example.com"+path, nil))
		var m struct{ Resource string }
		_ = json.Unmarshal(w.Body.Bytes(), &m)
		fmt.Println(path, "→", m.Resource)
	}
	// Output:
	// /.well-known/oauth-protected-resource/mcp → https://mcp.example.com/mcp
	// /.well-known/oauth-protected-resource/admin/mcp → https://mcp.example.com/admin/mcp
	// /.well-known/oauth-protected-resource → https://mcp.example.com
}
