package gosdk_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mcpauth/mcpauth/remote"
	"github.com/mcpauth/mcpauth/remote/gosdk"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// fixture is a real go-sdk MCP server behind the provider on loopback.
type fixture struct {
	srv      *httptest.Server
	resource string
	calls    *int // verifier calls
	mu       *sync.Mutex
}

func newFixture(t *testing.T, opts *mcp.StreamableHTTPOptions) *fixture {
	t.Helper()
	srv := httptest.NewUnstartedServer(nil)
	resource := "http://" + srv.Listener.Addr().String() + "/mcp"

	var mu sync.Mutex
	calls := 0
	verifier := remote.TokenVerifierFunc(func(_ context.Context, token string) (*remote.TokenInfo, error) {
		mu.Lock()
		calls++
		mu.Unlock()
		info := &remote.TokenInfo{
			Subject:   "user_" + token,
			Issuer:    "https://auth.example.com",
			Audiences: []string{resource},
			Expiry:    time.Now().Add(time.Hour),
			Claims:    map[string]any{"org_id": "org_1"},
		}
		switch token {
		case "reader":
			info.Scopes = []string{"mcp:tools"}
		case "admin":
			info.Scopes = []string{"mcp:tools", "files:delete"}
		case "down":
			return nil, remote.ErrKeysUnavailable
		default:
			return nil, remote.ErrInvalidSignature
		}
		return info, nil
	})
	p, err := remote.New(remote.Config{
		MCPURL:               resource,
		AuthorizationServers: []string{"https://auth.example.com"},
		Verifier:             verifier,
		RequiredScopes:       []string{"mcp:tools"},
		ToolScopes:           map[string][]string{"delete_file": {"files:delete"}},
	})
	if err != nil {
		t.Fatal(err)
	}

	server := mcp.NewServer(&mcp.Implementation{Name: "test", Version: "1.0.0"}, nil)
	type out struct {
		Subject string   `json:"subject"`
		Owner   string   `json:"owner"`
		Scopes  []string `json:"scopes"`
		Org     string   `json:"org"`
		HasExp  bool     `json:"has_exp"`
	}
	mcp.AddTool(server, &mcp.Tool{Name: "whoami"}, func(ctx context.Context, req *mcp.CallToolRequest, _ struct{}) (*mcp.CallToolResult, out, error) {
		id, err := remote.IdentityFromContext(ctx)
		if err != nil {
			return nil, out{}, err
		}
		ti := req.Extra.TokenInfo
		org, _ := ti.Extra["org_id"].(string)
		return nil, out{Subject: id.Subject(), Owner: ti.UserID, Scopes: ti.Scopes, Org: org, HasExp: !ti.Expiration.IsZero()}, nil
	})
	mcp.AddTool(server, &mcp.Tool{Name: "delete_file"}, func(context.Context, *mcp.CallToolRequest, struct{}) (*mcp.CallToolResult, struct{}, error) {
		return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: "deleted"}}}, struct{}{}, nil
	})
	srv.Config.Handler = gosdk.Handler(p, server, &gosdk.Options{HTTP: opts})
	srv.Start()
	t.Cleanup(srv.Close)
	return &fixture{srv: srv, resource: resource, calls: &calls, mu: &mu}
}

// recorder adds a bearer token and remembers the last response's status and
// challenge.
type recorder struct {
	token      string
	mu         sync.Mutex
	lastStatus int
	lastWWW    string
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	req = req.Clone(req.Context())
	if r.token != "" {
		req.Header.Set("Authorization", "Bearer "+r.token)
	}
	res, err := http.DefaultTransport.RoundTrip(req)
	if err == nil && req.Method == http.MethodPost {
		r.mu.Lock()
		r.lastStatus, r.lastWWW = res.StatusCode, res.Header.Get("WWW-Authenticate")
		r.mu.Unlock()
	}
	return res, err
}

func connect(t *testing.T, f *fixture, rt *recorder) (*mcp.ClientSession, error) {
	t.Helper()
	client := mcp.NewClient(&mcp.Implementation{Name: "e2e", Version: "1.0.0"}, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return client.Connect(ctx, &mcp.StreamableClientTransport{
		Endpoint:             f.resource,
		HTTPClient:           &http.Client{Transport: rt},
		MaxRetries:           -1,
		DisableStandaloneSSE: true,
	}, nil)
}

func TestEndToEnd(t *testing.T) {
	for _, mode := range []struct {
		name string
		opts *mcp.StreamableHTTPOptions
	}{
		{"stateful", nil},
		{"stateless", &mcp.StreamableHTTPOptions{Stateless: true}},
	} {
		t.Run(mode.name, func(t *testing.T) { testEndToEnd(t, mode.opts) })
	}
}

func testEndToEnd(t *testing.T, opts *mcp.StreamableHTTPOptions) {
	f := newFixture(t, opts)

	t.Run("valid token, tool sees sub", func(t *testing.T) {
		rt := &recorder{token: "reader"}
		cs, err := connect(t, f, rt)
		if err != nil {
			t.Fatal(err)
		}
		defer cs.Close()
		f.mu.Lock()
		before := *f.calls
		f.mu.Unlock()
		res, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: "whoami"})
		if err != nil || res.IsError {
			t.Fatalf("CallTool: %v %+v", err, res)
		}
		got, _ := res.StructuredContent.(map[string]any)
		if got["subject"] != "user_reader" || got["owner"] != `["https://auth.example.com","user_reader"]` || got["org"] != "org_1" || got["has_exp"] != true {
			t.Errorf("tool saw %v", got)
		}
		if scopes, _ := got["scopes"].([]any); !slices.Contains(scopes, any("mcp:tools")) {
			t.Errorf("tool saw scopes %v, want the token's mcp:tools", got["scopes"])
		}
		if rt.lastStatus != http.StatusOK {
			t.Errorf("status %d", rt.lastStatus)
		}
		f.mu.Lock()
		after := *f.calls
		f.mu.Unlock()
		if after-before != 1 {
			t.Errorf("%d verifications for one request, want 1", after-before)
		}
	})

	t.Run("no token, 401 challenge", func(t *testing.T) {
		rt := &recorder{}
		if _, err := connect(t, f, rt); err == nil {
			t.Fatal("connected without a token")
		}
		want := `Bearer resource_metadata="` + strings.Replace(f.resource, "/mcp", "/.well-known/oauth-protected-resource/mcp", 1) + `", scope="mcp:tools"`
		if rt.lastStatus != http.StatusUnauthorized || rt.lastWWW != want {
			t.Errorf("got %d %q, want 401 %q", rt.lastStatus, rt.lastWWW, want)
		}
	})

	t.Run("token lacking a tool's scope, 403 naming it", func(t *testing.T) {
		rt := &recorder{token: "reader"}
		cs, err := connect(t, f, rt)
		if err != nil {
			t.Fatal(err)
		}
		defer cs.Close()
		if _, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: "delete_file"}); err == nil {
			t.Fatal("tool call succeeded without its scope")
		}
		if rt.lastStatus != http.StatusForbidden ||
			!strings.Contains(rt.lastWWW, `scope="mcp:tools files:delete"`) ||
			!strings.Contains(rt.lastWWW, `error="insufficient_scope"`) {
			t.Errorf("got %d %q", rt.lastStatus, rt.lastWWW)
		}
	})

	t.Run("token with the tool's scope", func(t *testing.T) {
		cs, err := connect(t, f, &recorder{token: "admin"})
		if err != nil {
			t.Fatal(err)
		}
		defer cs.Close()
		res, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: "delete_file"})
		if err != nil || res.IsError {
			t.Fatalf("CallTool: %v %+v", err, res)
		}
	})

	stateful := opts == nil || !opts.Stateless
	t.Run("session bound to its user", func(t *testing.T) {
		if !stateful {
			return // a stateless handler has no sessions
		}
		rt := &recorder{token: "reader"}
		cs, err := connect(t, f, rt)
		if err != nil {
			t.Fatal(err)
		}
		defer cs.Close()
		rt.token = "admin" // another user's token on the same session
		if _, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: "whoami"}); err == nil {
			t.Fatal("session accepted another user's token")
		}
		if rt.lastStatus != http.StatusForbidden {
			t.Errorf("status %d, want 403 from the session binding", rt.lastStatus)
		}
	})

	t.Run("metadata public", func(t *testing.T) {
		res, err := http.Get(strings.Replace(f.resource, "/mcp", "/.well-known/oauth-protected-resource/mcp", 1))
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		if res.StatusCode != 200 {
			t.Errorf("status %d", res.StatusCode)
		}
	})
}

func TestHandlerNeedsProviderAndServer(t *testing.T) {
	p := remote.MustNew(remote.Config{
		MCPURL:               "https://mcp.example.com/mcp",
		AuthorizationServers: []string{"https://auth.example.com"},
		Verifier:             remote.TokenVerifierFunc(func(context.Context, string) (*remote.TokenInfo, error) { return nil, remote.ErrInvalidToken }),
	})
	for name, call := range map[string]func(){
		"nil server":   func() { gosdk.Handler(p, nil, nil) },
		"nil provider": func() { gosdk.Handler(nil, mcp.NewServer(&mcp.Implementation{Name: "x"}, nil), nil) },
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), "gosdk: Handler needs") {
					t.Errorf("recovered %v, want the gosdk panic", r)
				}
			}()
			call()
		})
	}
}
