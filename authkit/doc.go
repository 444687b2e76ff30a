// Package authkit puts WorkOS AuthKit in front of a Go MCP server, in one
// line (server is your go-sdk *mcp.Server; package remote/gosdk):
//
//	http.ListenAndServe(addr, gosdk.Handler(authkit.MustNew(authkit.Config{
//		Domain:  "my-app.authkit.app",      // WorkOS dashboard → Domains
//		BaseURL: "https://mcp.example.com", // where clients reach this server
//	}), server, nil))
//
// An mcp-go server is mounted with mcpgo.Handler(p, s, nil) (package
// remote/mcpgo); any other http.Handler (a plain endpoint) with the
// provider's own Handler: p.Handler(h).
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
// A [Provider] is built on the generic [idp.Provider], which works with
// any OAuth 2.0 / OpenID Connect authorization server (package idp shows
// how to write the same for another identity provider), and offers its
// whole API through its own methods.
//
// A complete server:
//
//	func run(ctx context.Context, getenv func(string) string) error {
//		cfg := authkit.ConfigFromEnv(getenv) // AUTHKIT_DOMAIN, BASE_URL, ...
//		cfg.Logger = slog.Default()           // and rules, hooks: what code says
//		cfg.ToolRules = map[string]rules.Rule{"delete_repo": rules.AllPermissions("repos:delete")}
//		p, err := authkit.New(cfg)
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
//		mcp.AddTool(server, &mcp.Tool{Name: "delete_repo"}, deleteRepo(p))
//
//		srv := &http.Server{Addr: ":8080", Handler: gosdk.Handler(p, server, nil), ReadHeaderTimeout: 10 * time.Second}
//		return srv.ListenAndServe()
//	}
//
// Inside handlers and go-sdk tools, [ClaimsFromContext] gives the typed
// AuthKit claims of the current request's (or call's) token: user id,
// consent grant id, organization, role, roles, permissions, entitlements,
// feature flags, client id, scopes, expiry. It never panics and never
// returns an earlier token's claims: without a token it returns an error
// saying why. [Provider.Allow] decides a rule on the same token:
//
//	func deleteRepo(p *authkit.Provider) mcp.ToolHandlerFor[Args, any] {
//		return func(ctx context.Context, req *mcp.CallToolRequest, in Args) (*mcp.CallToolResult, any, error) {
//			if err := p.Allow(ctx, rules.AllPermissions("repos:delete")); err != nil {
//				return nil, nil, err
//			}
//			c, err := authkit.ClaimsFromContext(ctx)
//			if err != nil {
//				return nil, nil, err
//			}
//			log.Printf("%s of %s deletes %s", c.UserID, c.OrganizationID, in.Repo)
//			...
//		}
//	}
//
// Rules come from package remote/rules, the vocabulary every provider
// shares, read here with AuthKit's claim names ([DefaultClaims]):
// permissions and roles from a JWT template in the WorkOS dashboard, the
// organization picked at consent from "org_id". Require them for every
// request with Config.Rule, per MCP tool with Config.ToolRules, per route
// with [Provider.Require], and in a tool with [Provider.Allow]; a refusal
// is 403 insufficient_scope whose error_description names what is missing.
// The names say how lists combine: rules.AllPermissions needs every
// permission listed, rules.AnyRole one of the roles, rules.AllOf every
// rule:
//
//	authkit.Config{
//		Domain:  "my-app.authkit.app",
//		BaseURL: "https://mcp.example.com",
//		Rule:    rules.HasOrganization(), // B2B: every caller picked an organization
//		ToolRules: map[string]rules.Rule{
//			"delete_repo": rules.AllPermissions("repos:delete"),
//			"billing":     rules.AnyRole("admin", "owner"),
//			"close_books": rules.AllOf(rules.AnyRole("admin"), rules.AllPermissions("books:close")),
//		},
//	}
//
// Each check accepts only a token this provider verified: behind another
// provider's middleware, Require and Allow authenticate the request
// themselves (or refuse it).
//
// Organizations: rules.HasOrganization requires the token to name one,
// rules.OrganizationIn one of a set, and rules.ActiveMembership (with
// Config.WorkOS) an active membership in it, confirmed through the WorkOS
// API: a user removed from an organization, or whose membership is
// inactive or pending, keeps tokens naming it until they expire, and is
// refused. The answer is cached like every profile (Profiles.TTL, 5
// minutes; [Provider.ForgetProfile] drops one at once). When WorkOS cannot be reached and nothing is cached, a rule
// that needs it answers 503 with Retry-After (fail closed: never 401,
// which would make the client drop a good token); reads such as
// [Provider.Profile] keep failing open.
//
// Several MCP resources on one origin (/mcp and /admin/mcp, or one per
// organization) are one Provider each, with its own MCPPath, audience,
// metadata and rules, served together by remote.Join.
//
// With Config.WorkOS (a workos-go usermanagement client, or WORKOS_API_KEY
// with [ConfigFromEnv]), [Provider.Profile] adds what the token does not carry:
// the user's email and name and organization memberships, cached with a TTL
// and a bound, one WorkOS call per user at a time, fetched with the API key
// and never with the user's token. A WorkOS outage never fails a request
// by itself: Profile returns an error and the claims still stand (only
// rules.ActiveMembership, which needs the answer, refuses with 503).
//
// [Provider.Check] reports misconfigurations in plain sentences: an issuer
// mismatch, client registration switched off in the dashboard, no RS256
// key, and the exact resource indicator to register.
package authkit
