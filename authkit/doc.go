// Package authkit puts WorkOS AuthKit in front of a Go MCP server, in one
// line:
//
//	http.ListenAndServe(addr, authkit.MustNew(authkit.Config{
//		Domain:  "my-app.authkit.app",      // WorkOS dashboard → Domains
//		BaseURL: "https://mcp.example.com", // where clients reach this server
//	}).Handler(mcpHandler))
//
// From the AuthKit domain every endpoint is derived ([DomainEndpoints]: the
// issuer without a trailing slash, byte-identical to AuthKit's; JWKS at
// /oauth2/jwks; metadata at /.well-known/oauth-authorization-server). From
// the base URL and the MCP path (default /mcp) comes the MCP URL
// ([MCPURL]): the resource identifier clients send to AuthKit, the audience
// tokens must carry, and the string to register under "MCP resource
// indicators" in the WorkOS dashboard.
//
// The handler serves, outside the bearer check, the protected resource
// metadata (at /.well-known/oauth-protected-resource/mcp and at the root)
// and AuthKit's own metadata documents, forwarded verbatim for clients that
// look for them on this origin; the MCP endpoint sits behind RFC 6750
// bearer checks with exact WWW-Authenticate challenges. Tokens are
// verified locally against AuthKit's keys (RS256, issuer, audience, expiry):
// no call to AuthKit or WorkOS per request.
//
// A [Provider] is a thin specialisation of the generic [idp.Provider],
// which works with any OAuth 2.0 / OpenID Connect authorization server;
// package idp shows how to write the same for another identity provider.
//
// A complete server:
//
//	func run(ctx context.Context, getenv func(string) string) error {
//		p, err := authkit.FromEnv(getenv) // AUTHKIT_DOMAIN, BASE_URL, ...
//		if err != nil {
//			return err
//		}
//		defer p.Close()
//		if err := p.Prime(ctx); err != nil {
//			log.Printf("AuthKit not reachable yet: %v", err) // requests retry
//		}
//		for _, f := range p.Check(ctx) {
//			log.Print(f) // e.g. `info: Register "https://mcp.example.com/mcp" under MCP resource indicators ...`
//		}
//
//		server := mcp.NewServer(&mcp.Implementation{Name: "repos"}, nil)
//		mcp.AddTool(server, &mcp.Tool{Name: "delete_repo"}, deleteRepo)
//		mcpHandler := mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return server }, nil)
//
//		srv := &http.Server{Addr: ":8080", Handler: p.Handler(gosdk.Carrier(mcpHandler)), ReadHeaderTimeout: 10 * time.Second}
//		return srv.ListenAndServe()
//	}
//
// Inside handlers, [ClaimsFromContext] gives the typed AuthKit claims:
// user id, consent grant id, organization, role, roles, permissions,
// entitlements, feature flags, client id, scopes, expiry. go-sdk tool
// handlers do not see the HTTP request's context: mount the MCP handler as
// p.Handler(gosdk.Carrier(mcpHandler)) (package remote/gosdk) and read the
// claims in the tool with [ClaimsFromMap]:
//
//	func deleteRepo(ctx context.Context, req *mcp.CallToolRequest, in Args) (*mcp.CallToolResult, any, error) {
//		c := authkit.ClaimsFromMap(req.Extra.TokenInfo.Extra)
//		log.Printf("%s of %s deletes %s", c.UserID, c.OrganizationID, in.Repo)
//		...
//	}
//
// Permissions and roles come from a JWT template in the WorkOS dashboard.
// Require them per route with [Provider.RequirePermissions],
// [Provider.RequireRole] or [Provider.Require], and per MCP tool with
// Config.ToolRules; a denial is 403 insufficient_scope whose
// error_description names what is missing:
//
//	authkit.Config{
//		Domain:  "my-app.authkit.app",
//		BaseURL: "https://mcp.example.com",
//		ToolRules: map[string]authkit.Rule{
//			"delete_repo": authkit.Permissions("repos:delete"),
//			"billing":     authkit.Role("admin", "owner"),
//		},
//	}
//
// With Config.WorkOS (a workos-go usermanagement client, or WORKOS_API_KEY
// with [FromEnv]), [Provider.Profile] adds what the token does not carry:
// the user's email and name and organization memberships, cached with a TTL
// and a bound, one WorkOS call per user at a time, fetched with the API key
// and never with the user's token. A WorkOS outage never fails a request:
// Profile returns an error and the claims still stand.
//
// [Provider.Check] reports misconfigurations in plain sentences: an issuer
// mismatch, client registration switched off in the dashboard, no RS256
// key, and the exact resource indicator to register.
package authkit
