// Package remote puts an OAuth 2.0 protected-resource boundary in front of an
// MCP server, for any identity provider.
//
// A [Provider] composes a [TokenVerifier] (a JWT verifier against a JWKS, an
// RFC 7662 introspection verifier, or a function of your own) with the
// authorization servers the server trusts and the public URL of the MCP
// endpoint. From those it serves RFC 9728 protected resource metadata,
// protects the MCP endpoint with RFC 6750 bearer checks and exact
// WWW-Authenticate challenges, and exposes its routes so callers can add their
// own next to the standard ones.
//
//	p, err := remote.New(remote.Config{
//		MCPURL:               "https://mcp.example.com/mcp", // the public URL clients use
//		AuthorizationServers: []string{"https://example.authkit.app"},
//		Verifier:             verifier, // checks signature, expiry, issuer
//		RequiredScopes:       []string{"mcp:tools"},
//		ToolScopes:           map[string][]string{"delete_file": {"files:write"}},
//		Logger:               slog.Default(),
//	})
//	if err != nil {
//		log.Fatal(err)
//	}
//	// Metadata at /.well-known/oauth-protected-resource/mcp and at the root,
//	// the MCP server behind the bearer middleware at /mcp. server is a
//	// go-sdk *mcp.Server (package gosdk); an mcp-go server is mounted with
//	// mcpgo.Handler (package mcpgo), any other http.Handler with p.Handler(h).
//	srv := &http.Server{Addr: ":8080", Handler: gosdk.Handler(p, server, nil), ReadHeaderTimeout: 10 * time.Second}
//	log.Fatal(srv.ListenAndServe())
//
// The verified identity reaches handlers through the request context, as a
// read-only [Identity] valid while the request lasts (in go-sdk tools
// behind gosdk.Handler: for the current call):
//
//	id, err := remote.IdentityFromContext(r.Context()) // err says why there is none
//	if err != nil {
//		p.WriteError(w, r, err) // 401
//		return
//	}
//	log.Print(id.Subject(), id.Scopes())
//
// A verifier's TokenInfo may be shared by every request with the same token
// (the verified-token cache); handlers never see it, only copies. A
// provider's own checks ([Provider.RequireScopes]) accept only identity that
// provider verified ([Provider.Identity]).
//
// Responses: no token → 401 with a challenge naming the metadata URL and the
// required scopes; malformed Authorization header or a token in the URL →
// 400 invalid_request; bad, expired or wrong-audience token → 401
// invalid_token; missing scope → 403 insufficient_scope naming every needed
// scope; verifier unavailable → 503 with Retry-After (never a 401, which
// would make clients discard a good token). Each has a JSON body
// {"error", "error_description"} and CORS headers.
//
// Errors follow one pattern: sentinels for errors.Is ([ErrMissingToken],
// [ErrInvalidToken], [ErrInsufficientScope], [ErrUnavailable], ...) plus one
// typed [*Error] carrying the RFC 6750 code, a client-safe description and the
// HTTP status. Clients never see a verifier's internal error text.
//
// The packages built on this one share its vocabulary: [Route] for what a
// provider serves, [Decision], [KeyFetch] and [MetadataFetch] for what it
// reports, [Finding] and [Severity] for what a start-up Check finds
// (forward, idp and authkit report the Finding* identifiers below).
//
// # Size
//
// This package exports more than three times as many names as go-oidc's
// oidc package, because it is the whole protected resource rather than a
// verifier: the provider and its middleware, the JWT and introspection
// verifiers and the multi-issuer router, the identity handlers see, and the
// vocabulary above. About half of the names are values to compare with, not
// API to learn: the error classes, the defaults of each Config, the
// algorithm names, the decision outcomes and the finding identifiers. The
// verifiers stay here, not in a package of their own, because a provider
// and its verifiers share TokenInfo and the error classes, the provider
// routes a MultiIssuer's tokens itself (to name the issuer in each
// Decision), and a program that builds one builds the other.
package remote
