package gosdk_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"slices"

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
		MCPURL:               mcpURL,
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

// HideDenied: each caller's tools/list leaves out what a rule refuses that
// caller (here a permission claim), keeps what only needs a scope a step-up
// can grant, and is marked private to that caller.
func Example_hideDenied() {
	server := mcp.NewServer(&mcp.Implementation{Name: "files", Version: "1.0.0"}, nil)
	for _, name := range []string{"read_file", "delete_file", "invoices"} {
		mcp.AddTool(server, &mcp.Tool{Name: name}, func(context.Context, *mcp.CallToolRequest, struct{}) (*mcp.CallToolResult, any, error) {
			return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: "done"}}}, nil, nil
		})
	}

	srv := httptest.NewUnstartedServer(nil)
	mcpURL := "http://" + srv.Listener.Addr().String() + "/mcp"
	p := remote.MustNew(remote.Config{
		MCPURL:               mcpURL,
		AuthorizationServers: []string{"https://example.authkit.app"},
		Verifier: remote.TokenVerifierFunc(func(_ context.Context, token string) (*remote.TokenInfo, error) {
			perms := map[string][]any{"alice-token": {"billing"}, "bob-token": {}}[token]
			if perms == nil {
				return nil, remote.ErrInvalidToken
			}
			return &remote.TokenInfo{Subject: token, Audiences: []string{mcpURL}, Claims: map[string]any{"permissions": perms}}, nil
		}),
		ToolScopes: map[string][]string{"delete_file": {"files:write"}}, // nobody has it yet: a step-up away
		ToolCheck: func(_ context.Context, tool string, id *remote.Identity) error {
			if perms, _ := id.StringsClaim("permissions"); tool == "invoices" && !slices.Contains(perms, "billing") {
				return errors.New("no billing permission")
			}
			return nil
		},
	})
	srv.Config.Handler = gosdk.Handler(p, server, &gosdk.Options{
		HTTP:       &mcp.StreamableHTTPOptions{Stateless: true}, // MCP 2026-07-28 and 2025 clients
		HideDenied: true,
	})
	srv.Start()
	defer srv.Close()

	ctx := context.Background()
	for _, token := range []string{"alice-token", "bob-token"} {
		client := mcp.NewClient(&mcp.Implementation{Name: "client", Version: "1.0.0"}, nil)
		cs, err := client.Connect(ctx, &mcp.StreamableClientTransport{Endpoint: mcpURL, HTTPClient: &http.Client{Transport: bearer(token)}}, nil)
		if err != nil {
			log.Fatal(err)
		}
		res, err := cs.ListTools(ctx, nil)
		if err != nil {
			log.Fatal(err)
		}
		var names []string
		for _, t := range res.Tools {
			names = append(names, t.Name)
		}
		slices.Sort(names)
		fmt.Println(token, names, res.CacheScope, cs.InitializeResult().ProtocolVersion)
		_ = cs.Close()
	}
	// Output:
	// alice-token [delete_file invoices read_file] private 2026-07-28
	// bob-token [delete_file read_file] private 2026-07-28
}
