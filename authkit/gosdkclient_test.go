package authkit_test

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/auth"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/mcpauth/mcpauth/authkit/authkittest"
)

// signInGoSDK connects go-sdk's client to mcpURL on mcpSrv with OAuth
// configured by cfg (its registration and redirect), the browser played
// by headlessFetcher against ak. The session is closed when the test ends.
func signInGoSDK(t *testing.T, ak *authkittest.Server, mcpSrv *httptest.Server, mcpURL string, cfg auth.AuthorizationCodeHandlerConfig) *mcp.ClientSession {
	t.Helper()
	cfg.AuthorizationCodeFetcher = headlessFetcher(ak.Client())
	cfg.Client = mcpSrv.Client()
	oauth, err := auth.NewAuthorizationCodeHandler(&cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	session, err := mcp.NewClient(&mcp.Implementation{Name: "authkit-test-client", Version: "1.0.0"}, nil).
		Connect(ctx, &mcp.StreamableClientTransport{Endpoint: mcpURL, OAuthHandler: oauth}, nil)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	t.Cleanup(func() { _ = session.Close() })
	return session
}
