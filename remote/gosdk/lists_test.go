package gosdk_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/mcpauth/mcpauth/remote"
	"github.com/mcpauth/mcpauth/remote/gosdk"
)

// listsServer is a go-sdk server with tools, prompts and resources that
// rules and scopes cover differently, behind a provider whose tokens name
// their user ("alice": permissions billing and hr; "bob": none; both with
// the scope mcp:tools only).
func listsServer(t *testing.T, httpOpts *mcp.StreamableHTTPOptions, hide bool) string {
	t.Helper()
	srv := httptest.NewUnstartedServer(nil)
	mcpURL := "http://" + srv.Listener.Addr().String() + "/mcp"
	perms := map[string][]any{"alice": {"billing", "hr"}, "bob": {}}
	p, err := remote.New(remote.Config{
		MCPURL:               mcpURL,
		AuthorizationServers: []string{"https://auth.example.com"},
		Verifier: remote.TokenVerifierFunc(func(_ context.Context, token string) (*remote.TokenInfo, error) {
			ps, ok := perms[token]
			if !ok {
				return nil, remote.ErrInvalidSignature
			}
			return &remote.TokenInfo{
				Subject: token, Issuer: "https://auth.example.com", Audiences: []string{mcpURL},
				Scopes: []string{"mcp:tools"}, Expiry: time.Now().Add(time.Hour),
				Claims: map[string]any{"permissions": ps},
			}, nil
		}),
		RequiredScopes: []string{"mcp:tools"},
		ToolScopes:     map[string][]string{"delete_file": {"files:delete"}, "audit": {"audit:read"}},
		PromptScopes:   map[string][]string{"incident": {"incidents:read"}},
		ToolCheck: func(_ context.Context, tool string, id *remote.Identity) error {
			if has, _ := id.StringsClaim("permissions"); (tool == "invoices" || tool == "audit") && !slices.Contains(has, "billing") {
				return errors.New("no billing permission")
			}
			return nil
		},
		CallCheck: func(_ context.Context, call remote.Call, id *remote.Identity) error {
			has, _ := id.StringsClaim("permissions")
			switch {
			case call.Method == remote.MethodPromptsGet && call.Name == "payroll" && !slices.Contains(has, "hr"):
				return errors.New("no hr permission")
			case call.Method == remote.MethodResourcesRead && strings.HasPrefix(call.Name, "notes://") && call.Name != "notes://"+id.Subject():
				return errors.New("another user's notes")
			}
			return nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}

	server := mcp.NewServer(&mcp.Implementation{Name: "lists", Version: "1.0.0"}, nil)
	for _, name := range []string{"whoami", "invoices", "delete_file", "audit"} {
		mcp.AddTool(server, &mcp.Tool{Name: name}, func(context.Context, *mcp.CallToolRequest, struct{}) (*mcp.CallToolResult, any, error) {
			return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: "done"}}}, nil, nil
		})
	}
	for _, name := range []string{"greeting", "payroll", "incident"} {
		server.AddPrompt(&mcp.Prompt{Name: name}, func(context.Context, *mcp.GetPromptRequest) (*mcp.GetPromptResult, error) {
			return &mcp.GetPromptResult{Messages: []*mcp.PromptMessage{{Role: "user", Content: &mcp.TextContent{Text: "hi"}}}}, nil
		})
	}
	for _, uri := range []string{"notes://alice", "notes://bob", "file:///readme"} {
		server.AddResource(&mcp.Resource{Name: uri, URI: uri}, func(_ context.Context, req *mcp.ReadResourceRequest) (*mcp.ReadResourceResult, error) {
			return &mcp.ReadResourceResult{Contents: []*mcp.ResourceContents{{URI: req.Params.URI, Text: "x"}}}, nil
		})
	}
	server.AddResourceTemplate(&mcp.ResourceTemplate{Name: "notes", URITemplate: "notes://{user}"}, func(context.Context, *mcp.ReadResourceRequest) (*mcp.ReadResourceResult, error) {
		return nil, errors.New("unused")
	})
	srv.Config.Handler = gosdk.Handler(p, server, &gosdk.Options{HTTP: httpOpts, HideDenied: hide})
	srv.Start()
	t.Cleanup(srv.Close)
	return mcpURL
}

// lists is what one caller's client lists.
type lists struct {
	tools, prompts, resources, templates []string
	scopes                               []string // cacheScope of tools, prompts and resources
	version                              string   // the protocol the client negotiated
}

func listAll(t *testing.T, mcpURL, token string) lists {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	client := mcp.NewClient(&mcp.Implementation{Name: "lists", Version: "1.0.0"}, nil)
	cs, err := client.Connect(ctx, &mcp.StreamableClientTransport{
		Endpoint: mcpURL, HTTPClient: &http.Client{Transport: bearer(token)}, MaxRetries: -1, DisableStandaloneSSE: true,
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer cs.Close()
	var out lists
	out.version = cs.InitializeResult().ProtocolVersion
	tr, err := cs.ListTools(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range tr.Tools {
		out.tools = append(out.tools, x.Name)
	}
	pr, err := cs.ListPrompts(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range pr.Prompts {
		out.prompts = append(out.prompts, x.Name)
	}
	rr, err := cs.ListResources(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range rr.Resources {
		out.resources = append(out.resources, x.URI)
	}
	tl, err := cs.ListResourceTemplates(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range tl.ResourceTemplates {
		out.templates = append(out.templates, x.URITemplate)
	}
	out.scopes = []string{tr.CacheScope, pr.CacheScope, rr.CacheScope}
	if tr.TTLMs != 0 || pr.TTLMs != 0 || rr.TTLMs != 0 {
		t.Errorf("cache lifetimes %d, %d, %d ms, want 0", tr.TTLMs, pr.TTLMs, rr.TTLMs)
	}
	for _, l := range [][]string{out.tools, out.prompts, out.resources} {
		slices.Sort(l)
	}
	return out
}

// TestHideDenied: two users of different permissions list what they may
// use: a rule's refusal is left out, a scope-gated tool or prompt stays
// (step-up can grant it), resource templates stay, and the lists are marked
// private. Without the option every caller lists everything, public.
func TestHideDenied(t *testing.T) {
	everything := lists{
		tools:     []string{"audit", "delete_file", "invoices", "whoami"},
		prompts:   []string{"greeting", "incident", "payroll"},
		resources: []string{"file:///readme", "notes://alice", "notes://bob"},
		templates: []string{"notes://{user}"},
	}
	for _, mode := range []struct {
		name    string
		opts    *mcp.StreamableHTTPOptions
		version string
	}{
		{"stateful (2025-11-25)", nil, "2025-11-25"},
		{"stateless (2026-07-28)", &mcp.StreamableHTTPOptions{Stateless: true}, "2026-07-28"},
	} {
		t.Run(mode.name, func(t *testing.T) {
			hidden := listsServer(t, mode.opts, true)
			plain := listsServer(t, mode.opts, false)
			for _, tt := range []struct {
				name, url, token string
				want             lists
				scope            string
			}{
				{"alice, hidden", hidden, "alice", lists{
					tools:     []string{"audit", "delete_file", "invoices", "whoami"},
					prompts:   []string{"greeting", "incident", "payroll"},
					resources: []string{"file:///readme", "notes://alice"},
					templates: []string{"notes://{user}"},
				}, "private"},
				{"bob, hidden", hidden, "bob", lists{
					// audit lacks a scope and, once granted, its rule will
					// refuse bob: rules are decided only for tokens holding
					// the scopes, so the list cannot know yet.
					tools:     []string{"audit", "delete_file", "whoami"},
					prompts:   []string{"greeting", "incident"},
					resources: []string{"file:///readme", "notes://bob"},
					templates: []string{"notes://{user}"},
				}, "private"},
				{"bob, not hidden", plain, "bob", everything, "public"},
			} {
				t.Run(tt.name, func(t *testing.T) {
					got := listAll(t, tt.url, tt.token)
					if got.version != mode.version {
						t.Errorf("negotiated %s, want %s", got.version, mode.version)
					}
					for _, c := range []struct {
						what      string
						got, want []string
					}{
						{"tools", got.tools, tt.want.tools},
						{"prompts", got.prompts, tt.want.prompts},
						{"resources", got.resources, tt.want.resources},
						{"templates", got.templates, tt.want.templates},
					} {
						if !slices.Equal(c.got, c.want) {
							t.Errorf("%s = %v, want %v", c.what, c.got, c.want)
						}
					}
					if want := []string{tt.scope, tt.scope, tt.scope}; !slices.Equal(got.scopes, want) {
						t.Errorf("cacheScope of tools, prompts, resources = %v, want %v", got.scopes, want)
					}
				})
			}
		})
	}
}

// TestHideDeniedWithoutIdentity: served over another transport than the
// mount (here an in-memory one), the filter has no verified caller and
// lists nothing.
func TestHideDeniedWithoutIdentity(t *testing.T) {
	p := remote.MustNew(remote.Config{
		MCPURL:               "https://mcp.example.com/mcp",
		AuthorizationServers: []string{"https://auth.example.com"},
		Verifier:             remote.TokenVerifierFunc(func(context.Context, string) (*remote.TokenInfo, error) { return nil, remote.ErrInvalidToken }),
	})
	server := mcp.NewServer(&mcp.Implementation{Name: "x", Version: "1"}, nil)
	mcp.AddTool(server, &mcp.Tool{Name: "whoami"}, func(context.Context, *mcp.CallToolRequest, struct{}) (*mcp.CallToolResult, any, error) {
		return &mcp.CallToolResult{}, nil, nil
	})
	_ = gosdk.Handler(p, server, &gosdk.Options{HideDenied: true})

	ctx := context.Background()
	st, ct := mcp.NewInMemoryTransports()
	ss, err := server.Connect(ctx, st, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ss.Close()
	cs, err := mcp.NewClient(&mcp.Implementation{Name: "c", Version: "1"}, nil).Connect(ctx, ct, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer cs.Close()
	res, err := cs.ListTools(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Tools) != 0 || res.CacheScope != "private" {
		t.Errorf("tools = %v, cacheScope %q; want none, private", res.Tools, res.CacheScope)
	}
}
