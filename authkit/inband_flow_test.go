package authkit_test

import (
	"context"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/auth"
	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/modelcontextprotocol/go-sdk/oauthex"

	"github.com/mcpauth/mcpauth/authkit"
	"github.com/mcpauth/mcpauth/authkit/authkittest"
	"github.com/mcpauth/mcpauth/remote/gosdk"
	"github.com/mcpauth/mcpauth/remote/rules"
)

// TestInBandRuleDenialsFlow: the go-sdk client, signed in through the fake
// AuthKit, calls a tool its user lacks the permission for. Answered with
// the 403 (the default), the client runs OAuth again, which cannot grant a
// permission, and the call fails with an HTTP error. With InBandRuleDenials
// the call returns the tool's error result, which the model can read, and
// the client does not sign in again. The tool never runs either way.
func TestInBandRuleDenialsFlow(t *testing.T) {
	for _, tt := range []struct {
		name   string
		inBand bool
	}{
		{"403 (default)", false},
		{"in band", true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ak := authkittest.Start(t)
			ak.SetUser(authkittest.User{ID: "user_01DENY", Permissions: []string{"ships:read"}})

			mcpSrv := httptest.NewUnstartedServer(nil)
			p, err := authkit.New(authkit.Config{
				Domain:            ak.URL(),
				BaseURL:           "http://" + mcpSrv.Listener.Addr().String(),
				HTTPClient:        ak.Client(),
				ToolRules:         map[string]rules.Rule{"sink": rules.AllPermissions("ships:sink")},
				InBandRuleDenials: tt.inBand,
			})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = p.Close() })
			var ran atomic.Int32
			server := mcp.NewServer(&mcp.Implementation{Name: "inband", Version: "1.0.0"}, nil)
			mcp.AddTool(server, &mcp.Tool{Name: "sink"}, func(context.Context, *mcp.CallToolRequest, struct{}) (*mcp.CallToolResult, any, error) {
				ran.Add(1)
				return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: "sunk"}}}, nil, nil
			})
			mcpSrv.Config.Handler = gosdk.Handler(p, server, &gosdk.Options{HTTP: &mcp.StreamableHTTPOptions{Stateless: true}})
			mcpSrv.Start()
			t.Cleanup(mcpSrv.Close)

			const redirect = "http://127.0.0.1:38113/callback"
			session := signInGoSDK(t, ak, mcpSrv, p.MCPURL(), auth.AuthorizationCodeHandlerConfig{
				DynamicClientRegistrationConfig: &auth.DynamicClientRegistrationConfig{Metadata: &oauthex.ClientRegistrationMetadata{
					RedirectURIs: []string{redirect}, TokenEndpointAuthMethod: "none", ClientName: "in-band test",
				}},
				RedirectURL: redirect,
			})
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			signIns := func() int {
				n := 0
				for _, r := range ak.Requests() {
					if r.Path == "/oauth2/authorize" {
						n++
					}
				}
				return n
			}
			before := signIns()

			res, err := session.CallTool(ctx, &mcp.CallToolParams{Name: "sink"})
			if tt.inBand {
				if err != nil || res == nil || !res.IsError || len(res.Content) != 1 {
					t.Fatalf("sink = %+v, %v; want a tool error result", res, err)
				}
				text := res.Content[0].(*mcp.TextContent).Text
				t.Logf("tool error result: %s", text)
				if !strings.Contains(text, "ships:sink") {
					t.Errorf("result text %q does not say what is missing", text)
				}
				if n := signIns() - before; n != 0 {
					t.Errorf("the client signed in %d more times, want none", n)
				}
			} else {
				if err == nil || !strings.Contains(err.Error(), "Forbidden") {
					t.Fatalf("sink = %+v, %v; want the 403", res, err)
				}
				if n := signIns() - before; n != 1 {
					t.Errorf("the client signed in %d more times for the 403, want 1 (a step-up that cannot help)", n)
				}
			}
			if ran.Load() != 0 {
				t.Error("the refused tool ran")
			}
		})
	}
}
