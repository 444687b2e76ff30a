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
//		MCPURL:               "https://mcp.example.com/mcp",
//		AuthorizationServers: []string{"https://example.authkit.app"},
//		Verifier:             verifier,
//		ToolScopes:           map[string][]string{"delete_file": {"files:write"}},
//	})
//	if err != nil {
//		log.Fatal(err)
//	}
//	// Metadata routes plus the protected MCP endpoint. Stateless serves
//	// MCP 2026-07-28 clients and 2025 clients; nil options: go-sdk's
//	// defaults (stateful sessions, 2025 protocols only).
//	http.ListenAndServe(":8080", gosdk.Handler(p, server, &gosdk.Options{
//		HTTP:       &mcp.StreamableHTTPOptions{Stateless: true},
//		HideDenied: true, // lists leave out what a rule refuses the caller
//	}))
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
// # Protocol generations
//
// go-sdk's stateful handler (Options.HTTP nil, or Stateless false) speaks
// the 2025 session protocols and answers every 2026-07-28 request with
// -32022, so go-sdk's client, which tries 2026-07-28 first, falls back to
// 2025-11-25. Its stateless handler speaks 2026-07-28 and serves 2025
// clients too, each request on its own, without server-initiated requests
// (sampling, elicitation, roots): choose it unless a tool needs those. In
// go-sdk v1.8.0 the stateless handler compares Mcp-Name with the body
// without decoding the Base64 sentinel (=?base64?…?=) that clients use
// for names outside visible ASCII; the provider's own check decodes it,
// so such a call passes the provider and is refused by go-sdk. Keep tool,
// prompt and resource names in visible ASCII.
//
// # Per-caller lists
//
// Options.HideDenied leaves out of tools/list, prompts/list and
// resources/list what a rule refuses the caller, keeps what a step-up can
// open, and marks the lists private; see [Options].
//
// For handlers that are not go-sdk servers, mount them with the provider's
// own Handler or Middleware and read remote.IdentityFromContext(r.Context()).
package gosdk
