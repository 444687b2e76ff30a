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
// Use, e.g. with Auth0 (whose issuer ends with a slash, and who signs
// access tokens for an API whose identifier is the MCP URL):
//
//	p, err := idp.New(idp.Config{
//		Issuer:      "https://dev-abc123.us.auth0.com/",
//		MetadataURL: "https://dev-abc123.us.auth0.com/.well-known/openid-configuration",
//		ResourceURL: "https://mcp.example.com/mcp",
//	})
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
// Okta (custom authorization server):
//
//	idp.Config{
//		Issuer:      "https://example.okta.com/oauth2/default",
//		MetadataURL: "https://example.okta.com/oauth2/default/.well-known/oauth-authorization-server",
//		ResourceURL: "https://mcp.example.com/mcp", // the authorization server's audience
//	}
//
// Keycloak (a realm; add an audience mapper so tokens carry the MCP URL):
//
//	idp.Config{
//		Issuer:      "https://sso.example.com/realms/mcp",
//		MetadataURL: "https://sso.example.com/realms/mcp/.well-known/openid-configuration",
//		ResourceURL: "https://mcp.example.com/mcp",
//	}
//
// To write a turnkey package for another identity provider, follow package
// authkit: derive Issuer, MetadataURL and JWKSURL from the one value users
// know (a domain, a tenant), read the provider's own claims from
// remote.TokenInfo.Claims into a typed struct, and add the provider's
// specific findings to Check.
package idp
