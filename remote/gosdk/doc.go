// Package gosdk connects a [remote.Provider] to the official MCP Go SDK
// (github.com/modelcontextprotocol/go-sdk).
//
// [Protect] puts a go-sdk streamable HTTP handler behind the provider's
// bearer middleware and hands the verified token to go-sdk, so tool handlers
// read req.Extra.TokenInfo (UserID = the token's subject, Scopes,
// Expiration, Extra = all claims) and sessions are bound to their user. The
// token is verified once.
//
//	server := mcp.NewServer(&mcp.Implementation{Name: "files", Version: "1.0.0"}, nil)
//	mcp.AddTool(server, &mcp.Tool{Name: "whoami"}, func(ctx context.Context, req *mcp.CallToolRequest, _ struct{}) (*mcp.CallToolResult, any, error) {
//		user := req.Extra.TokenInfo.UserID
//		return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: user}}}, nil, nil
//	})
//	streamable := mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return server }, nil)
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
//	// Metadata routes plus the protected MCP endpoint.
//	http.ListenAndServe(":8080", p.Handler(gosdk.Carrier(streamable)))
//
// For servers that prefer go-sdk's own auth.RequireBearerToken, [Verifier]
// converts a remote verifier (or the provider itself, to keep its audience
// check) to an auth.TokenVerifier.
package gosdk
