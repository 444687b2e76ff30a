package demo

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/mcpauth/mcpauth/remote"
	"github.com/mcpauth/mcpauth/remote/gosdk"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// serveWithIdentity serves the demo server the way the demo does
// (gosdk.Handler behind a provider), with a provider whose verifier answers
// info for any token, and returns a connected client session. A nil info
// serves the server bare, with no provider in front of it.
func serveWithIdentity(t testing.TB, mode *mcp.StreamableHTTPOptions, opts Options, info *remote.TokenInfo) *mcp.ClientSession {
	t.Helper()
	srv := httptest.NewUnstartedServer(nil)
	resource := "http://" + srv.Listener.Addr().String() + "/mcp"
	server := NewServer(opts)
	if info == nil {
		srv.Config.Handler = mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return server }, mode)
	} else {
		info := *info
		info.Audiences = []string{resource}
		p := remote.MustNew(remote.Config{
			MCPURL:               resource,
			AuthorizationServers: []string{"https://auth.example.com"},
			Verifier:             remote.TokenVerifierFunc(func(context.Context, string) (*remote.TokenInfo, error) { return &info, nil }),
		})
		srv.Config.Handler = gosdk.Handler(p, server, &gosdk.Options{HTTP: mode})
	}
	srv.Start()
	t.Cleanup(srv.Close)

	client := mcp.NewClient(&mcp.Implementation{Name: "test", Version: "1"}, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cs, err := client.Connect(ctx, &mcp.StreamableClientTransport{
		Endpoint:   resource,
		HTTPClient: &http.Client{Transport: bearer{"test-token"}},
	}, nil)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	t.Cleanup(func() { _ = cs.Close() })
	return cs
}

type bearer struct{ token string }

func (b bearer) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+b.token)
	return http.DefaultTransport.RoundTrip(r)
}

func callTool(t testing.TB, cs *mcp.ClientSession, name string, args any, out any) *mcp.CallToolResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: name, Arguments: args})
	if err != nil {
		t.Fatalf("call %s: %v", name, err)
	}
	if out != nil && !res.IsError {
		b, err := json.Marshal(res.StructuredContent)
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("decode %s result %s: %v", name, b, err)
		}
	}
	return res
}

func TestTools(t *testing.T) {
	exp := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	user := &remote.TokenInfo{
		Subject: "user_01ABC",
		Scopes:  []string{"openid", "email"},
		Expiry:  exp,
		Claims: map[string]any{
			"sub":         "user_01ABC",
			"org_id":      "org_01XYZ",
			"client_id":   "client_01DCR",
			"permissions": []any{"widgets:read", "widgets:write"},
			"role":        "admin",
		},
	}
	admin := &remote.TokenInfo{Subject: "user_01ADM", Scopes: []string{AdminScope}, Expiry: exp}

	modes := []struct {
		name string
		opts *mcp.StreamableHTTPOptions
	}{
		{"stateful SSE", nil},
		{"stateless JSON", &mcp.StreamableHTTPOptions{Stateless: true, JSONResponse: true}},
	}
	for _, mode := range modes {
		t.Run(mode.name, func(t *testing.T) {
			t.Run("tools are listed", func(t *testing.T) {
				cs := serveWithIdentity(t, mode.opts, Options{}, user)
				res, err := cs.ListTools(context.Background(), nil)
				if err != nil {
					t.Fatal(err)
				}
				var names []string
				for _, tool := range res.Tools {
					names = append(names, tool.Name)
				}
				slices.Sort(names)
				if want := []string{ToolAdminEcho, ToolEcho, ToolRecall, ToolRemember, ToolWhoami}; !slices.Equal(names, want) {
					t.Errorf("tools = %v, want %v", names, want)
				}
			})
			t.Run("whoami reports the token", func(t *testing.T) {
				cs := serveWithIdentity(t, mode.opts, Options{}, user)
				var got Caller
				callTool(t, cs, ToolWhoami, map[string]any{}, &got)
				want := Caller{
					UserID: "user_01ABC", OrganizationID: "org_01XYZ", ClientID: "client_01DCR",
					Scopes: []string{"openid", "email"}, Permissions: []string{"widgets:read", "widgets:write"},
					Roles: []string{"admin"}, ExpiresAt: exp,
				}
				if !reflect.DeepEqual(got, want) {
					t.Errorf("whoami =\n%+v\nwant\n%+v", got, want)
				}
			})
			t.Run("whoami adds the profile", func(t *testing.T) {
				opts := Options{Profile: func(_ context.Context, id string) (*Profile, error) {
					return &Profile{Email: id + "@example.com", Organizations: []string{"org_01XYZ"}}, nil
				}}
				cs := serveWithIdentity(t, mode.opts, opts, user)
				var got Caller
				callTool(t, cs, ToolWhoami, map[string]any{}, &got)
				if got.Profile == nil || got.Profile.Email != "user_01ABC@example.com" {
					t.Errorf("profile = %+v, want the enriched profile", got.Profile)
				}
			})
			t.Run("whoami without profile when the lookup fails", func(t *testing.T) {
				opts := Options{Profile: func(context.Context, string) (*Profile, error) { return nil, context.DeadlineExceeded }}
				cs := serveWithIdentity(t, mode.opts, opts, user)
				var got Caller
				res := callTool(t, cs, ToolWhoami, map[string]any{}, &got)
				if res.IsError || got.UserID != "user_01ABC" || got.Profile != nil {
					t.Errorf("whoami = %+v (error %v), want the claims without a profile", got, res.IsError)
				}
			})
			t.Run("echo", func(t *testing.T) {
				cs := serveWithIdentity(t, mode.opts, Options{}, user)
				var got EchoOutput
				callTool(t, cs, ToolEcho, EchoInput{Text: "hello"}, &got)
				if want := (EchoOutput{Text: "hello", UserID: "user_01ABC"}); got != want {
					t.Errorf("echo = %+v, want %+v", got, want)
				}
			})
			t.Run("admin_echo with the scope", func(t *testing.T) {
				cs := serveWithIdentity(t, mode.opts, Options{}, admin)
				var got EchoOutput
				callTool(t, cs, ToolAdminEcho, EchoInput{Text: "hello"}, &got)
				if want := (EchoOutput{Text: "HELLO", UserID: "user_01ADM"}); got != want {
					t.Errorf("admin_echo = %+v, want %+v", got, want)
				}
			})
			t.Run("admin_echo refuses a caller without the scope", func(t *testing.T) {
				cs := serveWithIdentity(t, mode.opts, Options{}, user)
				if res := callTool(t, cs, ToolAdminEcho, EchoInput{Text: "hello"}, nil); !res.IsError {
					t.Errorf("admin_echo without %s succeeded: %+v", AdminScope, res.StructuredContent)
				}
			})
			t.Run("tools refuse an unauthenticated caller", func(t *testing.T) {
				cs := serveWithIdentity(t, mode.opts, Options{}, nil)
				for _, name := range []string{ToolWhoami, ToolEcho, ToolAdminEcho} {
					if res := callTool(t, cs, name, EchoInput{Text: "x"}, nil); !res.IsError {
						t.Errorf("%s without a caller succeeded", name)
					}
				}
			})
		})
	}
}

func TestToolScopes(t *testing.T) {
	want := map[string][]string{ToolAdminEcho: {AdminScope}}
	if got := ToolScopes(); !reflect.DeepEqual(got, want) {
		t.Errorf("ToolScopes() = %v, want %v", got, want)
	}
}
