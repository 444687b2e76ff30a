package authkit_test

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/auth"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/mcpauth/mcpauth/authkit"
	"github.com/mcpauth/mcpauth/authkit/authkittest"
	"github.com/mcpauth/mcpauth/remote/gosdk"
)

// TestCIMDFlow: go-sdk's client configured with a Client ID Metadata
// Document (and no other registration) signs in through an AuthKit that
// offers CIMD and no DCR, and checks the RFC 9207 iss AuthKit advertises.
func TestCIMDFlow(t *testing.T) {
	const redirect = "http://127.0.0.1:38112/callback"
	ak := authkittest.Start(t)
	ak.SetDCR(false)
	clientID := ak.ServeClientMetadata(authkittest.Client{Name: "authkit CIMD flow test", RedirectURIs: []string{redirect}})

	mcpSrv := httptest.NewUnstartedServer(nil)
	p, err := authkit.New(authkit.Config{Domain: ak.URL(), BaseURL: "http://" + mcpSrv.Listener.Addr().String(), HTTPClient: ak.Client()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Close() })
	server := mcp.NewServer(&mcp.Implementation{Name: "cimd", Version: "1.0.0"}, nil)
	mcp.AddTool(server, &mcp.Tool{Name: "whoami"}, func(ctx context.Context, _ *mcp.CallToolRequest, _ struct{}) (*mcp.CallToolResult, any, error) {
		c, err := authkit.ClaimsFromContext(ctx)
		if err != nil {
			return nil, nil, err
		}
		return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: c.UserID}}}, nil, nil
	})
	mcpSrv.Config.Handler = gosdk.Handler(p, server, nil)
	mcpSrv.Start()
	t.Cleanup(mcpSrv.Close)

	session := signInGoSDK(t, ak, mcpSrv, p.MCPURL(), auth.AuthorizationCodeHandlerConfig{
		ClientIDMetadataDocumentConfig: &auth.ClientIDMetadataDocumentConfig{URL: clientID},
		RedirectURL:                    redirect,
	})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, err := session.CallTool(ctx, &mcp.CallToolParams{Name: "whoami"})
	if err != nil || res.IsError {
		t.Fatalf("whoami: %v %+v", err, res)
	}
	if got := res.Content[0].(*mcp.TextContent).Text; got != authkittest.DefaultUser().ID {
		t.Errorf("whoami = %q", got)
	}
	var authorized bool
	for _, r := range ak.Requests() {
		switch r.Path {
		case "/oauth2/register":
			t.Error("the client registered although it has a client metadata document")
		case "/oauth2/authorize":
			authorized = true
			if r.Query.Get("client_id") != clientID {
				t.Errorf("authorize client_id = %q, want %q", r.Query.Get("client_id"), clientID)
			}
		}
	}
	if !authorized || ak.CIMDFetches() != 1 {
		t.Errorf("authorized %v, document fetched %d times (want once)", authorized, ak.CIMDFetches())
	}
}
