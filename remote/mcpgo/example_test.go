package mcpgo_test

import (
	"context"
	"fmt"
	"log"
	"net/http/httptest"
	"strings"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/mcpauth/mcpauth/remote"
	"github.com/mcpauth/mcpauth/remote/mcpgo"
)

// An mcp-go server behind a provider: each tool call reads the identity
// the provider verified for it, and a session belongs to the user who
// opened it.
func Example() {
	s := server.NewMCPServer("files", "1.0.0")
	s.AddTool(mcp.NewTool("whoami"), func(ctx context.Context, _ mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		id, err := remote.IdentityFromContext(ctx)
		if err != nil {
			return nil, err
		}
		return mcp.NewToolResultText(id.Subject()), nil
	})

	srv := httptest.NewUnstartedServer(nil)
	mcpURL := "http://" + srv.Listener.Addr().String() + "/mcp"
	p := remote.MustNew(remote.Config{
		MCPURL:               mcpURL,
		AuthorizationServers: []string{"https://example.authkit.app"},
		// A JWT or introspection verifier in production.
		Verifier: remote.TokenVerifierFunc(func(_ context.Context, token string) (*remote.TokenInfo, error) {
			user, ok := strings.CutSuffix(token, "-token")
			if !ok {
				return nil, remote.ErrInvalidToken
			}
			return &remote.TokenInfo{Subject: "user_" + user, Issuer: "https://example.authkit.app", Audiences: []string{mcpURL}}, nil
		}),
	})
	mount := mcpgo.Handler(p, s, nil) // metadata routes + the protected MCP endpoint
	srv.Config.Handler = mount
	srv.Start()
	defer srv.Close()
	defer mount.Shutdown(context.Background())

	ctx := context.Background()
	// connect starts a client speaking the 2025 session protocol; with a
	// session id it joins that session instead of opening its own.
	connect := func(token, session string) *client.Client {
		topts := []transport.StreamableHTTPCOption{transport.WithHTTPHeaders(map[string]string{"Authorization": "Bearer " + token})}
		copts := []client.ClientOption{client.WithProtocolVersion(mcp.LATEST_LEGACY_PROTOCOL_VERSION)}
		if session != "" {
			topts = append(topts, transport.WithSession(session))
			copts = append(copts, client.WithSession())
		}
		tr, err := transport.NewStreamableHTTP(mcpURL, topts...)
		if err != nil {
			log.Fatal(err)
		}
		c := client.NewClient(tr, copts...)
		if err := c.Start(ctx); err != nil {
			log.Fatal(err)
		}
		return c
	}
	whoami := mcp.CallToolRequest{Params: mcp.CallToolParams{Name: "whoami"}}

	alice := connect("alice-token", "")
	defer alice.Close()
	if _, err := alice.Initialize(ctx, mcp.InitializeRequest{}); err != nil {
		log.Fatal(err)
	}
	res, err := alice.CallTool(ctx, whoami)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(res.Content[0].(mcp.TextContent).Text)

	// Bob has a valid token and Alice's session id.
	bob := connect("bob-token", alice.GetSessionId())
	defer bob.Close()
	_, err = bob.CallTool(ctx, whoami)
	fmt.Println("bob on alice's session:", err)
	// Output:
	// user_alice
	// bob on alice's session: transport error: request failed with status 403: Forbidden: this session belongs to another user
}
