// Package idp puts any OAuth 2.0 / OpenID Connect authorization server in
// front of an MCP server: Auth0, Okta, Keycloak, Entra ID, Cognito, ... It is
// the generic constructor the turnkey packages are built on (package
// authkit is a thin specialisation of it) and the template for a package of
// your own identity provider.
//
// From an issuer URL and the public URL of the MCP endpoint, [New] composes:
//
//   - a JWT verifier (remote.NewJWTVerifier) whose keys come from the
//     jwks_uri of the authorization server's RFC 8414 / OpenID Connect
//     metadata, discovered on the first token (or set Config.JWKSURL);
//   - a protected resource (remote.New): RFC 9728 metadata at the
//     path-inserted and root URLs, RFC 6750 challenges, the bearer
//     middleware, per-tool scopes;
//   - the authorization server's metadata served verbatim from this
//     server's origin (forward.New), for clients that look for it there.
//
// New never touches the network; [Provider.Prime] fetches metadata and keys
// at start-up and [Provider.Check] reports misconfigurations in plain
// sentences.
//
// Presets build the Config of the identity providers MCP server authors use
// most from the values their users know, quirks handled and documented
// ([Auth0], [Okta], [Keycloak], [EntraID]), including where their tokens
// carry roles, permissions and the organization (Config.Claims), so the
// rules of package remote/rules work as they are:
//
//	cfg := idp.Keycloak("https://sso.example.com", "mcp", "https://mcp.example.com/mcp")
//	cfg.ToolScopes = map[string][]string{"delete_file": {"files:write"}}
//	cfg.ToolRules = map[string]rules.Rule{"purge": rules.AnyRole("admin")} // realm_access.roles
//	p, err := idp.New(cfg)
//	if err != nil {
//		log.Fatal(err)
//	}
//	defer p.Close()
//	for _, f := range p.Check(ctx) {
//		log.Print(f)
//	}
//	// server: a go-sdk *mcp.Server; any other http.Handler: p.Handler(h)
//	log.Fatal(http.ListenAndServe(":8080", gosdk.Handler(p, server, nil)))
//
// Any other issuer needs only its issuer identifier, exactly as its
// metadata spells it; the metadata is discovered at the RFC 8414 and
// OpenID Connect locations (see Config.MetadataURL):
//
//	p, err := idp.New(idp.Config{
//		Issuer: "https://auth.example.com/tenant/acme",
//		MCPURL: "https://mcp.example.com/mcp",
//	})
//
// Rules: Config.Rule for every request, Config.ToolRules per tool,
// [Provider.Require] per route of your own and [Provider.Allow] inside a
// handler or tool, all read with Config.Claims. A claim the vocabulary
// does not cover decodes into a struct of your own with
// remote.Identity.DecodeClaims, with strict types.
//
// A package for another identity provider is a function that fills in a
// Config: the issuer derived from the one value users know (a domain, a
// tenant) and Claims, where its tokens carry roles and the rest; the
// package example (Example_providerPackage) is one in under 20 lines.
// Package authkit is the full-size one: typed claims, enrichment and
// provider-specific Check findings on top.
package idp
