package mcpgo_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/mcpauth/mcpauth/authkit"
	"github.com/mcpauth/mcpauth/authkit/authkittest"
	"github.com/mcpauth/mcpauth/remote/mcpgo"
	"github.com/mcpauth/mcpauth/remote/rules"
)

// The end-to-end tests of this file run the real mcp-go client, doing the
// whole OAuth flow headlessly (discovery from the 401, dynamic client
// registration, PKCE authorization, code exchange) against the fake
// AuthKit, and a real mcp-go server behind an authkit provider mounted with
// mcpgo.Handler, all on loopback.

const (
	aliceID = "user_01ALICE"
	bobID   = "user_01BOB"
)

// e2e is an AuthKit-protected mcp-go server.
type e2e struct {
	ak   *authkittest.Server
	p    *authkit.Provider
	url  string
	runs atomic.Int64 // whoami calls that ran
}

func newE2E(t *testing.T) *e2e {
	t.Helper()
	ak := authkittest.Start(t)
	ak.SetUser(authkittest.User{ID: aliceID, OrganizationID: "org_01ACME", Permissions: []string{"repos:read"}})
	ak.AddUser(authkittest.User{ID: bobID})
	srv := httptest.NewUnstartedServer(nil)
	p, err := authkit.New(authkit.Config{
		Domain:     ak.URL(),
		BaseURL:    "http://" + srv.Listener.Addr().String(),
		HTTPClient: ak.Client(),
		ToolScopes: map[string][]string{"delete_repo": {"repos:delete"}},
		Logger:     authkittest.Logger(t),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Close() })
	e := &e2e{ak: ak, p: p, url: p.MCPURL()}

	s := server.NewMCPServer("repos", "1.0.0")
	s.AddTool(mcp.NewTool("whoami"), func(ctx context.Context, _ mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		e.runs.Add(1)
		c, err := authkit.ClaimsFromContext(ctx)
		if err != nil {
			return mcp.NewToolResultError(err.Error()), nil
		}
		allowed := "allowed"
		if err := p.Allow(ctx, rules.AllPermissions("repos:read")); err != nil {
			allowed = "denied"
		}
		return mcp.NewToolResultText(c.UserID + " " + c.OrganizationID + " repos:read " + allowed), nil
	})
	s.AddTool(mcp.NewTool("delete_repo"), func(context.Context, mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		return mcp.NewToolResultText("deleted"), nil
	})
	mount := mcpgo.Handler(p, s, nil)
	srv.Config.Handler = mount
	srv.Start()
	t.Cleanup(func() {
		_ = mount.Shutdown(context.Background())
		srv.Close()
	})
	return e
}

// watch records what the mcp-go client sends and receives: the MCP
// responses' status and challenge, and its registration request.
type watch struct {
	mu           sync.Mutex
	status       int
	challenge    string
	registration map[string]any
}

func (w *watch) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/oauth2/register") && r.Body != nil {
		b, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(b))
		w.mu.Lock()
		_ = json.Unmarshal(b, &w.registration)
		w.mu.Unlock()
	}
	res, err := http.DefaultTransport.RoundTrip(r)
	if err == nil && r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/mcp") {
		w.mu.Lock()
		w.status, w.challenge = res.StatusCode, res.Header.Get("WWW-Authenticate")
		w.mu.Unlock()
	}
	return res, err
}

func (w *watch) last() (int, string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.status, w.challenge
}

// signIn runs the mcp-go client's OAuth flow as an application would, with
// the browser step done by a request that reads the redirect.
func (e *e2e) signIn(t *testing.T, w *watch, opts ...client.ClientOption) *client.Client {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	tr, err := transport.NewStreamableHTTP(e.url,
		transport.WithHTTPBasicClient(&http.Client{Transport: w}),
		transport.WithHTTPOAuth(transport.OAuthConfig{
			RedirectURI: "http://127.0.0.1:9/callback", // never reached: the code is read from the redirect
			PKCEEnabled: true,
			TokenStore:  transport.NewMemoryTokenStore(),
			HTTPClient:  &http.Client{Transport: w},
		}))
	if err != nil {
		t.Fatal(err)
	}
	c := client.NewClient(tr, opts...)
	t.Cleanup(func() { _ = c.Close() })
	if err := c.Start(ctx); err != nil {
		t.Fatal(err)
	}
	_, err = c.Initialize(ctx, mcp.InitializeRequest{})
	if !client.IsOAuthAuthorizationRequiredError(err) {
		t.Fatalf("first initialize: %v, want the OAuth challenge", err)
	}
	h := client.GetOAuthHandler(err)
	if err := h.RegisterClient(ctx, "mcpgo-e2e"); err != nil {
		t.Fatalf("register: %v", err)
	}
	verifier, err := client.GenerateCodeVerifier()
	if err != nil {
		t.Fatal(err)
	}
	state, err := client.GenerateState()
	if err != nil {
		t.Fatal(err)
	}
	authURL, err := h.GetAuthorizationURL(ctx, state, client.GenerateCodeChallenge(verifier))
	if err != nil {
		t.Fatalf("authorization URL: %v", err)
	}
	browser := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := browser.Get(authURL)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	loc, err := url.Parse(res.Header.Get("Location"))
	if err != nil || loc.Query().Get("code") == "" {
		t.Fatalf("authorize answered %d, Location %q", res.StatusCode, res.Header.Get("Location"))
	}
	if err := h.ProcessAuthorizationResponse(ctx, loc.Query().Get("code"), loc.Query().Get("state"), verifier); err != nil {
		t.Fatalf("code exchange: %v", err)
	}
	if _, err := c.Initialize(ctx, mcp.InitializeRequest{}); err != nil {
		t.Fatalf("initialize after sign-in: %v", err)
	}
	return c
}

func callText(ctx context.Context, c *client.Client, tool string) (string, error) {
	res, err := c.CallTool(ctx, mcp.CallToolRequest{Params: mcp.CallToolParams{Name: tool}})
	if err != nil {
		return "", err
	}
	if res.IsError || len(res.Content) == 0 {
		return "", io.ErrUnexpectedEOF
	}
	text, _ := res.Content[0].(mcp.TextContent)
	return text.Text, nil
}

func TestEndToEndWithMCPGoClient(t *testing.T) {
	for _, tc := range []struct {
		name    string
		opts    []client.ClientOption
		version string // the protocol version the client must negotiate
	}{
		{"stateless", nil, mcp.ProtocolVersion20260728},
		{"session", []client.ClientOption{client.WithProtocolVersion(mcp.LATEST_LEGACY_PROTOCOL_VERSION)}, mcp.LATEST_LEGACY_PROTOCOL_VERSION},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newE2E(t)
			w := &watch{}
			alice := e.signIn(t, w, tc.opts...)
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()

			t.Logf("mcp-go client negotiated protocol %s (session %q)", alice.ProtocolVersion(), alice.GetSessionId())
			if got := alice.ProtocolVersion(); got != tc.version {
				t.Errorf("negotiated %q, want %q", got, tc.version)
			}
			// The client's known traits, as seen by the fake AuthKit.
			if scope, ok := w.registration["scope"]; !ok || scope != "" {
				t.Errorf(`registration sent scope %v (present %v), the client's known "scope": ""`, scope, ok)
			}
			authorizations := 0
			for _, r := range e.ak.Requests() {
				if r.Path == "/oauth2/authorize" {
					authorizations++
					if got := r.Query.Get("resource"); got != e.url {
						t.Errorf("authorize resource %q, want the MCP URL %q", got, e.url)
					}
				}
			}

			got, err := callText(ctx, alice, "whoami")
			if err != nil || got != aliceID+" org_01ACME repos:read allowed" {
				t.Fatalf("whoami: %q, %v", got, err)
			}

			t.Run("tool scope 403", func(t *testing.T) {
				if _, err := callText(ctx, alice, "delete_repo"); err == nil {
					t.Fatal("delete_repo ran without repos:delete")
				}
				status, challenge := w.last()
				if status != http.StatusForbidden || !strings.Contains(challenge, `error="insufficient_scope"`) || !strings.Contains(challenge, `scope="repos:delete"`) {
					t.Errorf("delete_repo answered %d %q, want 403 insufficient_scope naming repos:delete", status, challenge)
				}
				after := 0
				for _, r := range e.ak.Requests() {
					if r.Path == "/oauth2/authorize" {
						after++
					}
				}
				if after != authorizations {
					t.Errorf("the client authorized again on the 403 (%d → %d): the mcp-go client was not expected to step up", authorizations, after)
				}
			})

			sid := alice.GetSessionId()
			if tc.version == mcp.ProtocolVersion20260728 {
				if sid != "" {
					t.Errorf("a 2026-07-28 connection has session %q", sid)
				}
				return
			}
			if sid == "" {
				t.Fatal("a 2025-era connection without a session id")
			}

			t.Run("another user's token on the session", func(t *testing.T) {
				bobToken := e.ak.MustMintFor(t, e.url, authkittest.TokenOptions{Subject: bobID})
				before := e.runs.Load()

				tr, err := transport.NewStreamableHTTP(e.url, transport.WithSession(sid),
					transport.WithHTTPHeaders(map[string]string{"Authorization": "Bearer " + bobToken}))
				if err != nil {
					t.Fatal(err)
				}
				bob := client.NewClient(tr, client.WithSession())
				if err := bob.Start(ctx); err != nil {
					t.Fatal(err)
				}
				defer bob.Close()
				if _, err := callText(ctx, bob, "whoami"); err == nil || !strings.Contains(err.Error(), "403") {
					t.Errorf("bob's mcp-go client on alice's session: %v, want 403", err)
				}
				for _, method := range []string{http.MethodGet, http.MethodDelete} {
					req, _ := http.NewRequestWithContext(ctx, method, e.url, nil)
					req.Header.Set("Authorization", "Bearer "+bobToken)
					req.Header.Set("Mcp-Session-Id", sid)
					req.Header.Set("Mcp-Protocol-Version", alice.ProtocolVersion())
					req.Header.Set("Accept", "text/event-stream")
					res, err := http.DefaultClient.Do(req)
					if err != nil {
						t.Fatal(err)
					}
					res.Body.Close()
					if res.StatusCode != http.StatusForbidden {
						t.Errorf("bob's %s on alice's session: %d, want 403", method, res.StatusCode)
					}
				}
				if e.runs.Load() != before {
					t.Error("a tool ran for bob on alice's session")
				}
				// Alice's session is intact and still hers.
				if got, err := callText(ctx, alice, "whoami"); err != nil || !strings.HasPrefix(got, aliceID+" ") {
					t.Errorf("alice after bob's attempts: %q, %v", got, err)
				}
			})
		})
	}
}
