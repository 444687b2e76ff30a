package gosdk_test

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/mcpauth/mcpauth/remote"
	"github.com/mcpauth/mcpauth/remote/gosdk"
)

// bearer adds a fixed bearer token to every request.
type bearer string

func (b bearer) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+string(b))
	return http.DefaultTransport.RoundTrip(r)
}

// A go-sdk server behind a provider: each tool call reads the identity the
// provider verified for it.
func Example() {
	server := mcp.NewServer(&mcp.Implementation{Name: "files", Version: "1.0.0"}, nil)
	mcp.AddTool(server, &mcp.Tool{Name: "whoami"}, func(ctx context.Context, _ *mcp.CallToolRequest, _ struct{}) (*mcp.CallToolResult, any, error) {
		id, err := remote.IdentityFromContext(ctx)
		if err != nil {
			return nil, nil, err
		}
		return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: id.Subject()}}}, nil, nil
	})

	srv := httptest.NewUnstartedServer(nil)
	mcpURL := "http://" + srv.Listener.Addr().String() + "/mcp"
	p := remote.MustNew(remote.Config{
		ResourceURL:          mcpURL,
		AuthorizationServers: []string{"https://example.authkit.app"},
		// A JWT or introspection verifier in production.
		Verifier: remote.TokenVerifierFunc(func(_ context.Context, token string) (*remote.TokenInfo, error) {
			if token != "alice-token" {
				return nil, remote.ErrInvalidToken
			}
			return &remote.TokenInfo{Subject: "user_alice", Audiences: []string{mcpURL}}, nil
		}),
	})
	srv.Config.Handler = gosdk.Handler(p, server, nil) // metadata routes + the protected MCP endpoint
	srv.Start()
	defer srv.Close()

	ctx := context.Background()
	client := mcp.NewClient(&mcp.Implementation{Name: "client", Version: "1.0.0"}, nil)
	cs, err := client.Connect(ctx, &mcp.StreamableClientTransport{Endpoint: mcpURL, HTTPClient: &http.Client{Transport: bearer("alice-token")}}, nil)
	if err != nil {
		log.Fatal(err)
	}
	defer cs.Close()
	res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "whoami"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(res.Content[0].(*mcp.TextContent).Text)
	// Output:
	// user_alice
}
