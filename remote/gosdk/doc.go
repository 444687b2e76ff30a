// Package gosdk serves an official MCP Go SDK server
// (github.com/modelcontextprotocol/go-sdk) behind a provider of this module
// (remote, idp or authkit), in one call that cannot be assembled wrongly:
//
//	server := mcp.NewServer(&mcp.Implementation{Name: "files", Version: "1.0.0"}, nil)
//	mcp.AddTool(server, &mcp.Tool{Name: "whoami"}, func(ctx context.Context, req *mcp.CallToolRequest, _ struct{}) (*mcp.CallToolResult, any, error) {
//		id, err := remote.IdentityFromContext(ctx) // this call's token, or an error saying why there is none
//		if err != nil {
//			return nil, nil, err
//		}
//		return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: id.Subject()}}}, nil, nil
//	})
//
//	p, err := remote.New(remote.Config{
//		ResourceURL:          "https://mcp.example.com/mcp",
//		AuthorizationServers: []string{"https://example.authkit.app"},
//		Verifier:             verifier,
//		ToolScopes:           map[string][]string{"delete_file": {"files:write"}},
//	})
//	if err != nil {
//		log.Fatal(err)
//	}
//	// Metadata routes plus the protected MCP endpoint; nil: go-sdk's
//	// default streamable options (stateful sessions).
//	http.ListenAndServe(":8080", gosdk.Handler(p, server, nil))
//
// [Handler] gives every call its own identity. go-sdk runs all calls of a
// stateful session with a context derived from the request that opened the
// session, so an identity stored in that request's context would answer,
// for every later call, with the first token's user, scopes and claims,
// even after the client refreshed its token. Handler keeps identity out of
// that context and installs, for each call, the identity of the HTTP
// request that carried it: remote.IdentityFromContext(ctx),
// authkit.ClaimsFromContext(ctx), a provider's Allow, go-sdk's
// auth.TokenInfoFromContext(ctx) and req.Extra.TokenInfo all describe the
// current token, on stateful and stateless handlers alike. A context kept
// past its request yields no identity (remote.ErrNoIdentity), never an old
// one.
//
// Sessions belong to the token's issuer and subject together
// (req.Extra.TokenInfo.UserID is remote.Identity.Owner), so behind a
// remote.MultiIssuer a user of one issuer cannot use a session of another
// issuer's user with the same subject.
//
// For handlers that are not go-sdk servers, mount them with the provider's
// own Handler or Middleware and read remote.IdentityFromContext(r.Context()).
package gosdk
