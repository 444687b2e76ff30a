package authkit_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
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

// whoami is what the test tool answers: the caller as the tool sees it.
type whoami struct {
	UserID         string   `json:"user_id"`
	OrganizationID string   `json:"organization_id"`
	Permissions    []string `json:"permissions"`
	Email          string   `json:"email"`
}

// headlessFetcher plays the user's browser: it GETs the authorization URL,
// does not follow the redirect, and reads code and state from Location.
func headlessFetcher(hc *http.Client) auth.AuthorizationCodeFetcher {
	noRedirect := *hc
	noRedirect.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return func(ctx context.Context, args *auth.AuthorizationArgs) (*auth.AuthorizationResult, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, args.URL, nil)
		if err != nil {
			return nil, err
		}
		resp, err := noRedirect.Do(req)
		if err != nil {
			return nil, err
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusFound {
			return nil, fmt.Errorf("authorize answered %d", resp.StatusCode)
		}
		loc, err := url.Parse(resp.Header.Get("Location"))
		if err != nil {
			return nil, err
		}
		q := loc.Query()
		if q.Get("code") == "" {
			return nil, errors.New("no code in the redirect: " + q.Get("error"))
		}
		return &auth.AuthorizationResult{Code: q.Get("code"), State: q.Get("state"), Iss: q.Get("iss")}, nil
	}
}

// TestFullFlow runs the whole MCP authorization dance: the go-sdk client
// meets a 401, discovers the protected resource metadata and AuthKit's
// metadata, registers with DCR, authorizes with PKCE and resource, exchanges
// the code, and calls a tool that sees the user's id, organization and
// permissions — and the WorkOS profile, fetched with the API key.
func TestFullFlow(t *testing.T) {
	ak := authkittest.Start(t)
	ak.SetUser(authkittest.User{
		ID: "user_01FLOW", Email: "grace@example.com", FirstName: "Grace",
		OrganizationID: "org_01NAVY", Role: "admin", Permissions: []string{"ships:read", "ships:sail"},
	})

	mcpSrv := httptest.NewUnstartedServer(nil)
	base := "http://" + mcpSrv.Listener.Addr().String()

	wc := newWorkOSClient(ak)
	p, err := authkit.New(authkit.Config{
		Domain:     ak.URL(),
		BaseURL:    base,
		HTTPClient: ak.Client(),
		WorkOS:     wc,
		ToolRules:  map[string]rules.Rule{"sail": rules.AllPermissions("ships:sail"), "sink": rules.AllPermissions("ships:sink")},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Close() })

	server := mcp.NewServer(&mcp.Implementation{Name: "flow", Version: "1.0.0"}, nil)
	mcp.AddTool(server, &mcp.Tool{Name: "whoami", Description: "who is calling"},
		func(ctx context.Context, _ *mcp.CallToolRequest, _ struct{}) (*mcp.CallToolResult, whoami, error) {
			c, err := authkit.ClaimsFromContext(ctx)
			if err != nil {
				return nil, whoami{}, err
			}
			out := whoami{UserID: c.UserID, OrganizationID: c.OrganizationID, Permissions: c.Permissions}
			if prof, err := p.Profile(ctx, c.UserID); err == nil {
				out.Email = prof.User.Email
			}
			return nil, out, nil
		})
	for _, name := range []string{"sail", "sink"} {
		mcp.AddTool(server, &mcp.Tool{Name: name}, func(context.Context, *mcp.CallToolRequest, struct{}) (*mcp.CallToolResult, any, error) {
			return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: "done"}}}, nil, nil
		})
	}
	mcpSrv.Config.Handler = gosdk.Handler(p, server, nil)
	mcpSrv.Start()
	t.Cleanup(mcpSrv.Close)

	const redirect = "http://127.0.0.1:38111/callback"
	oauth, err := auth.NewAuthorizationCodeHandler(&auth.AuthorizationCodeHandlerConfig{
		DynamicClientRegistrationConfig: &auth.DynamicClientRegistrationConfig{Metadata: &oauthex.ClientRegistrationMetadata{
			RedirectURIs:            []string{redirect},
			TokenEndpointAuthMethod: "none",
			ClientName:              "authkit flow test",
		}},
		RedirectURL:              redirect,
		AuthorizationCodeFetcher: headlessFetcher(ak.Client()),
		Client:                   mcpSrv.Client(),
	})
	if err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	client := mcp.NewClient(&mcp.Implementation{Name: "flow-client", Version: "1.0.0"}, nil)
	session, err := client.Connect(ctx, &mcp.StreamableClientTransport{Endpoint: p.MCPURL(), OAuthHandler: oauth}, nil)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	defer session.Close()

	res, err := session.CallTool(ctx, &mcp.CallToolParams{Name: "whoami"})
	if err != nil {
		t.Fatalf("whoami: %v", err)
	}
	if res.IsError {
		t.Fatalf("whoami failed: %+v", res.Content)
	}
	var got whoami
	raw, _ := json.Marshal(res.StructuredContent)
	if err := json.Unmarshal(raw, &got); err != nil {
		t.Fatal(err)
	}
	want := whoami{UserID: "user_01FLOW", OrganizationID: "org_01NAVY", Permissions: []string{"ships:read", "ships:sail"}, Email: "grace@example.com"}
	if got.UserID != want.UserID || got.OrganizationID != want.OrganizationID || !slices.Equal(got.Permissions, want.Permissions) || got.Email != want.Email {
		t.Errorf("the tool saw %+v, want %+v", got, want)
	}

	// Per-tool rules: the held permission passes, the missing one is a 403
	// naming it before the tool runs.
	if res, err := session.CallTool(ctx, &mcp.CallToolParams{Name: "sail"}); err != nil || res.IsError {
		t.Errorf("sail: %v %+v", err, res)
	}
	if _, err := session.CallTool(ctx, &mcp.CallToolParams{Name: "sink"}); err == nil || !strings.Contains(err.Error(), "Forbidden") {
		t.Errorf("sink without ships:sink: err = %v, want a 403", err)
	}

	// The client did what MCP clients do, and the resource reached AuthKit.
	var sawRegister, sawAuthorize, sawToken bool
	for _, r := range ak.Requests() {
		switch r.Path {
		case "/oauth2/register":
			sawRegister = true
		case "/oauth2/authorize":
			sawAuthorize = true
			if r.Query.Get("resource") != p.MCPURL() || r.Query.Get("code_challenge_method") != "S256" {
				t.Errorf("authorize query = %v", r.Query)
			}
		case "/oauth2/token":
			sawToken = true
			if r.Form.Get("resource") != p.MCPURL() {
				t.Errorf("token form resource = %q", r.Form.Get("resource"))
			}
		}
	}
	if !sawRegister || !sawAuthorize || !sawToken {
		t.Errorf("register %v, authorize %v, token %v", sawRegister, sawAuthorize, sawToken)
	}
	if strings.Contains(fmt.Sprint(ak.Requests()), "eyJ") {
		t.Error("a token reached AuthKit's request log")
	}
}
