package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/auth"
	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/modelcontextprotocol/go-sdk/oauthex"

	"github.com/mcpauth/mcpauth/internal/demo"
)

// End-to-end tests: the demo binary as a real process on loopback ports,
// driven by real MCP clients (the go-sdk client here, the TypeScript SDK
// client in TestE2ETypeScriptClient).

// noRedirectClient never follows redirects and bounds every request.
func noRedirectClient() *http.Client {
	return &http.Client{
		Timeout:       10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// authorizeRecord is what a headless fetcher saw of one authorization
// request.
type authorizeRecord struct {
	Resource, Scope, CodeChallengeMethod string
	HasCodeChallenge                     bool
}

// headlessFetcher plays the browser for the go-sdk OAuth client: it GETs the
// authorization URL without following the redirect and reads code, state
// and iss from Location.
type headlessFetcher struct {
	mu    sync.Mutex
	calls []authorizeRecord
	oauth *wireLog // the OAuth client's exchanges, when set
}

func (f *headlessFetcher) fetch(ctx context.Context, args *auth.AuthorizationArgs) (*auth.AuthorizationResult, error) {
	u, err := url.Parse(args.URL)
	if err != nil {
		return nil, err
	}
	q := u.Query()
	f.mu.Lock()
	f.calls = append(f.calls, authorizeRecord{
		Resource: q.Get("resource"), Scope: q.Get("scope"),
		CodeChallengeMethod: q.Get("code_challenge_method"), HasCodeChallenge: q.Get("code_challenge") != "",
	})
	f.mu.Unlock()

	req, err := http.NewRequestWithContext(ctx, http.MethodGet, args.URL, nil)
	if err != nil {
		return nil, err
	}
	resp, err := noRedirectClient().Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	loc, err := resp.Location()
	if err != nil {
		return nil, fmt.Errorf("authorize answered %d without a redirect", resp.StatusCode)
	}
	back := loc.Query()
	if e := back.Get("error"); e != "" {
		return nil, fmt.Errorf("authorize error %s", e)
	}
	return &auth.AuthorizationResult{Code: back.Get("code"), State: back.Get("state"), Iss: back.Get("iss")}, nil
}

func (f *headlessFetcher) records() []authorizeRecord {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.calls)
}

// connectGoClient connects the go-sdk client with OAuth (DCR, PKCE,
// resource) to mcpURL, offering protocol version (empty: the client's
// newest, 2026-07-28, which it tries with server/discover first) with
// client options opts (nil for none). Every HTTP exchange to the MCP URL
// lands in the returned wire log, and every one of the OAuth flow
// (discovery, registration, token) in f.oauth.
func connectGoClient(t testing.TB, mcpURL, version string, opts *mcp.ClientOptions) (*mcp.ClientSession, *headlessFetcher, *wireLog) {
	t.Helper()
	f := &headlessFetcher{oauth: &wireLog{}}
	oauthClient := noRedirectClient()
	oauthClient.Transport = f.oauth
	const redirect = "http://127.0.0.1:33419/callback" // never contacted
	h, err := auth.NewAuthorizationCodeHandler(&auth.AuthorizationCodeHandlerConfig{
		DynamicClientRegistrationConfig: &auth.DynamicClientRegistrationConfig{
			Metadata: &oauthex.ClientRegistrationMetadata{
				ClientName:              "authkit-demo e2e (Go SDK)",
				RedirectURIs:            []string{redirect},
				TokenEndpointAuthMethod: "none",
				GrantTypes:              []string{"authorization_code"},
				ResponseTypes:           []string{"code"},
			},
		},
		AuthorizationCodeFetcher: f.fetch,
		Client:                   oauthClient,
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	wire := &wireLog{}
	client := mcp.NewClient(&mcp.Implementation{Name: "authkit-demo-e2e-go", Version: "1"}, opts)
	cs, err := client.Connect(ctx, &mcp.StreamableClientTransport{
		Endpoint:     mcpURL,
		OAuthHandler: h,
		HTTPClient:   &http.Client{Timeout: 20 * time.Second, Transport: wire},
		MaxRetries:   -1,
	}, &mcp.ClientSessionOptions{ProtocolVersion: version})
	if err != nil {
		t.Fatalf("connect with OAuth: %v", err)
	}
	t.Cleanup(func() { _ = cs.Close() })
	return cs, f, wire
}

// wireExchange is one HTTP exchange of an MCP client with the MCP
// endpoint: the MCP request headers it sent and the status it got (never
// a token).
type wireExchange struct {
	Method, Version, McpMethod, McpName string
	Status                              int
	URL                                 string // scheme, host and path
}

// wireLog is an http.RoundTripper that records every exchange.
type wireLog struct {
	mu  sync.Mutex
	log []wireExchange
}

func (w *wireLog) RoundTrip(r *http.Request) (*http.Response, error) {
	res, err := http.DefaultTransport.RoundTrip(r)
	e := wireExchange{Method: r.Method, Version: r.Header.Get("MCP-Protocol-Version"), McpMethod: r.Header.Get("Mcp-Method"), McpName: r.Header.Get("Mcp-Name"),
		URL: r.URL.Scheme + "://" + r.URL.Host + r.URL.Path}
	if err == nil {
		e.Status = res.StatusCode
	}
	w.mu.Lock()
	w.log = append(w.log, e)
	w.mu.Unlock()
	return res, err
}

func (w *wireLog) exchanges() []wireExchange {
	w.mu.Lock()
	defer w.mu.Unlock()
	return slices.Clone(w.log)
}

func callJSON(t testing.TB, cs *mcp.ClientSession, name string, args any, out any) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: name, Arguments: args})
	if err != nil {
		t.Fatalf("call %s: %v", name, err)
	}
	if res.IsError {
		t.Fatalf("call %s: tool error %+v", name, res.Content)
	}
	b, err := json.Marshal(res.StructuredContent)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, out); err != nil {
		t.Fatalf("decode %s: %v (%s)", name, err, b)
	}
}

// TestE2EGoClient runs the go-sdk client through OAuth to the demo in both
// protocol generations: a 2025-11-25 session client (initialize) and a
// 2026-07-28 stateless one (server/discover, Mcp-Method and Mcp-Name on
// every call). Each run registers, signs in, lists and calls tools, meets
// the per-tool-scope 403 of admin_echo and steps up; the test fails if the
// 2026-07-28 run fell back to the 2025 protocol.
func TestE2EGoClient(t *testing.T) {
	p := startDemo(t, []string{"--dev", "--addr", "127.0.0.1:0"})
	mcpURL := p.ready["mcp_url"]
	for _, version := range []string{"2025-11-25", "2026-07-28"} {
		t.Run(version, func(t *testing.T) {
			cs, f, wire := connectGoClient(t, mcpURL, version, nil)
			negotiated := cs.InitializeResult().ProtocolVersion
			t.Logf("go-sdk client offered %s, negotiated %s", version, negotiated)
			if negotiated != version {
				t.Fatalf("negotiated protocol %s, want %s (a 2026-07-28 client that got %s fell back)", negotiated, version, negotiated)
			}
			goClientRun(t, cs, f, p.ready, mcpURL)
			assertWire(t, version, wire.exchanges())
			assertOAuthWire(t, f.oauth.exchanges(), mcpURL, p.ready["authkit_url"])
		})
	}
}

// goClientRun lists and calls the demo's tools, stepping up for admin_echo.
func goClientRun(t *testing.T, cs *mcp.ClientSession, f *headlessFetcher, ready map[string]string, mcpURL string) {
	t.Helper()
	tools, err := cs.ListTools(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, tool := range tools.Tools {
		names = append(names, tool.Name)
	}
	slices.Sort(names)
	if want := []string{demo.ToolAdminEcho, demo.ToolEcho, demo.ToolRecall, demo.ToolRemember, demo.ToolWhoami}; !slices.Equal(names, want) {
		t.Errorf("tools = %v, want %v", names, want)
	}

	var me demo.Caller
	callJSON(t, cs, demo.ToolWhoami, map[string]any{}, &me)
	assertDevCaller(t, me, ready)

	var echo demo.EchoOutput
	callJSON(t, cs, demo.ToolEcho, demo.EchoInput{Text: "hello"}, &echo)
	if echo.Text != "hello" || echo.UserID != me.UserID {
		t.Errorf("echo = %+v", echo)
	}

	// Step up: admin_echo needs demo:admin, which the first grant lacks.
	var admin demo.EchoOutput
	callJSON(t, cs, demo.ToolAdminEcho, demo.EchoInput{Text: "step up"}, &admin)
	if admin.Text != "STEP UP" {
		t.Errorf("admin_echo = %+v, want STEP UP", admin)
	}

	calls := f.records()
	if len(calls) != 2 {
		t.Fatalf("authorization requests = %+v, want 2 (initial and step-up)", calls)
	}
	for i, c := range calls {
		if c.Resource != mcpURL || c.CodeChallengeMethod != "S256" || !c.HasCodeChallenge {
			t.Errorf("authorization %d = %+v, want resource %s with a PKCE S256 challenge", i, c, mcpURL)
		}
	}
	if strings.Contains(calls[0].Scope, demo.AdminScope) {
		t.Errorf("first authorization asked for %s: %q", demo.AdminScope, calls[0].Scope)
	}
	if !slices.Contains(strings.Fields(calls[1].Scope), demo.AdminScope) {
		t.Errorf("step-up authorization scope = %q, want it to include %s", calls[1].Scope, demo.AdminScope)
	}

	var after demo.Caller
	callJSON(t, cs, demo.ToolWhoami, map[string]any{}, &after)
	if !slices.Contains(after.Scopes, demo.AdminScope) {
		t.Errorf("scopes after step-up = %v, want %s", after.Scopes, demo.AdminScope)
	}
}

// assertOAuthWire checks the OAuth flow of a go-sdk run: discovery of the
// protected resource metadata on the MCP origin and of AuthKit's metadata,
// dynamic client registration, and a token for the first sign-in and one
// for the step-up.
func assertOAuthWire(t *testing.T, wire []wireExchange, mcpURL, authkitURL string) {
	t.Helper()
	origin := strings.TrimSuffix(mcpURL, mcpPath)
	want := []wireExchange{
		{Method: "GET", URL: origin + "/.well-known/oauth-protected-resource" + mcpPath, Status: http.StatusOK},
		{Method: "GET", URL: authkitURL + "/.well-known/oauth-authorization-server", Status: http.StatusOK},
		{Method: "POST", URL: authkitURL + "/oauth2/register", Status: http.StatusCreated},
		{Method: "POST", URL: authkitURL + "/oauth2/token", Status: http.StatusOK},
		{Method: "POST", URL: authkitURL + "/oauth2/token", Status: http.StatusOK},
	}
	i := 0
	for _, e := range wire {
		if i < len(want) && e.Method == want[i].Method && e.URL == want[i].URL && e.Status == want[i].Status {
			i++
		}
	}
	if i < len(want) {
		t.Errorf("the OAuth exchanges lack %+v (from step %d); got %+v", want[i], i, wire)
	}
}

// assertWire checks what the client sent the MCP endpoint: for 2025-11-25
// an initialize and no 2026-07-28 headers; for 2026-07-28 server/discover
// (first refused with 401, then answered), no initialize, and the standard
// headers on every POST, Mcp-Name on tools/call, the 403 for admin_echo
// and its retry after the step-up.
func assertWire(t *testing.T, version string, wire []wireExchange) {
	t.Helper()
	var b strings.Builder
	for _, e := range wire {
		fmt.Fprintf(&b, "  %s version=%q method=%q name=%q -> %d\n", e.Method, e.Version, e.McpMethod, e.McpName, e.Status)
	}
	dump := b.String()
	if version < "2026-07-28" {
		for _, e := range wire {
			if e.McpMethod != "" || e.McpName != "" || e.Version >= "2026-07-28" {
				t.Errorf("a 2025-11-25 run sent 2026-07-28 headers:\n%s", dump)
				break
			}
		}
		return
	}
	want := []wireExchange{
		{Method: "POST", Version: version, McpMethod: "server/discover", Status: http.StatusUnauthorized},
		{Method: "POST", Version: version, McpMethod: "server/discover", Status: http.StatusOK},
		{Method: "POST", Version: version, McpMethod: "tools/call", McpName: demo.ToolWhoami, Status: http.StatusOK},
		{Method: "POST", Version: version, McpMethod: "tools/call", McpName: demo.ToolAdminEcho, Status: http.StatusForbidden},
		{Method: "POST", Version: version, McpMethod: "tools/call", McpName: demo.ToolAdminEcho, Status: http.StatusOK},
	}
	i := 0
	for _, e := range wire {
		if e.Method == http.MethodPost && (e.Version != version || e.McpMethod == "") {
			t.Errorf("a POST without the 2026-07-28 headers:\n%s", dump)
		}
		if e.McpMethod == "initialize" {
			t.Errorf("the 2026-07-28 run sent initialize (fell back):\n%s", dump)
		}
		if e.URL = ""; i < len(want) && e == want[i] {
			i++
		}
	}
	if i < len(want) {
		t.Errorf("the exchanges lack %+v (from step %d); got:\n%s", want[i], i, dump)
	}
}

func TestE2ETypeScriptClient(t *testing.T) {
	requireNode(t) // before starting anything: fail in CI, skip elsewhere
	npmInstall(t)
	p := startDemo(t, []string{"--dev", "--addr", "127.0.0.1:0"})
	mcpURL := p.ready["mcp_url"]

	res := runTSClient(t, mcpURL)
	t.Logf("TypeScript SDK %s client negotiated %s", tsSDKVersion, res.ProtocolVersion)
	if res.ProtocolVersion != "2025-11-25" {
		t.Errorf("negotiated protocol %q, want 2025-11-25 (the newest the SDK speaks)", res.ProtocolVersion)
	}

	if !res.RegisteredClient {
		t.Error("the client did not register (DCR)")
	}
	if want := []string{demo.ToolAdminEcho, demo.ToolEcho, demo.ToolRecall, demo.ToolRemember, demo.ToolWhoami}; !slices.Equal(res.Tools, want) {
		t.Errorf("tools = %v, want %v", res.Tools, want)
	}
	if len(res.Authorizations) != 2 {
		t.Fatalf("authorizations = %+v, want 2 (initial and step-up)", res.Authorizations)
	}
	for i, a := range res.Authorizations {
		if a.Resource != mcpURL || a.CodeChallengeMethod != "S256" || !a.HasCodeChallenge || !a.HasState {
			t.Errorf("authorization %d = %+v, want resource %s, PKCE S256 and state", i, a, mcpURL)
		}
		if a.Endpoint != p.ready["authkit_url"]+"/oauth2/authorize" {
			t.Errorf("authorization %d went to %s, want the fake AuthKit's /oauth2/authorize", i, a.Endpoint)
		}
	}
	if !slices.Contains(strings.Fields(res.Authorizations[1].Scope), demo.AdminScope) {
		t.Errorf("step-up scope = %q, want %s", res.Authorizations[1].Scope, demo.AdminScope)
	}
	var me demo.Caller
	if b, err := json.Marshal(res.Whoami); err != nil || json.Unmarshal(b, &me) != nil {
		t.Fatalf("whoami answer %v is not a demo.Caller", res.Whoami)
	}
	assertDevCaller(t, me, p.ready)
	if sc, _ := res.WhoamiAfterStepUp["scopes"].([]any); !slices.Contains(sc, any(demo.AdminScope)) {
		t.Errorf("scopes after step-up = %v, want %s", res.WhoamiAfterStepUp["scopes"], demo.AdminScope)
	}
	if got := res.Echo["text"]; got != "hello" {
		t.Errorf("echo = %v", res.Echo)
	}
	if got := res.AdminEcho["text"]; got != "STEP UP" {
		t.Errorf("admin_echo = %v, want STEP UP", res.AdminEcho)
	}

	// The wire sequence: 401 with resource_metadata, then discovery on our
	// origin, registration and token at AuthKit, then the MCP call.
	origin := strings.TrimSuffix(mcpURL, mcpPath)
	authkit := p.ready["authkit_url"]
	wantInOrder := []struct {
		method, url string
		status      int
	}{
		{"POST", mcpURL, http.StatusUnauthorized},
		{"GET", origin + "/.well-known/oauth-protected-resource" + mcpPath, http.StatusOK},
		{"GET", authkit + "/.well-known/oauth-authorization-server", http.StatusOK},
		{"POST", authkit + "/oauth2/register", http.StatusCreated},
		{"GET", authkit + "/oauth2/authorize", http.StatusFound},
		{"POST", authkit + "/oauth2/token", http.StatusOK},
		{"POST", mcpURL, http.StatusOK},
		{"POST", mcpURL, http.StatusForbidden}, // admin_echo: insufficient_scope
		{"GET", authkit + "/oauth2/authorize", http.StatusFound},
		{"POST", authkit + "/oauth2/token", http.StatusOK},
	}
	i := 0
	for _, r := range res.Requests {
		if i < len(wantInOrder) && r.Method == wantInOrder[i].method && r.URL == wantInOrder[i].url && r.Status == wantInOrder[i].status {
			if r.Status == http.StatusUnauthorized || r.Status == http.StatusForbidden {
				if !strings.Contains(r.WWWAuthenticate, `resource_metadata="`+origin+"/.well-known/oauth-protected-resource"+mcpPath+`"`) {
					t.Errorf("%d challenge %q lacks resource_metadata", r.Status, r.WWWAuthenticate)
				}
			}
			if r.Status == http.StatusForbidden && !strings.Contains(r.WWWAuthenticate, `error="insufficient_scope"`) {
				t.Errorf("403 challenge %q lacks insufficient_scope", r.WWWAuthenticate)
			}
			i++
		}
	}
	if i < len(wantInOrder) {
		t.Errorf("request sequence lacks %+v (from step %d); got:\n%s", wantInOrder[i], i, formatRequests(res.Requests))
	}
}

func formatRequests(rs []tsRequestRecord) string {
	var b strings.Builder
	for _, r := range rs {
		fmt.Fprintf(&b, "  %s %s -> %d\n", r.Method, r.URL, r.Status)
	}
	return b.String()
}

// assertDevCaller checks whoami's answer against the dev user the demo
// printed.
func assertDevCaller(t testing.TB, me demo.Caller, ready map[string]string) {
	t.Helper()
	if me.UserID == "" || me.UserID != ready["user_id"] {
		t.Errorf("whoami user_id = %q, want %q", me.UserID, ready["user_id"])
	}
	if me.ExpiresAt.IsZero() {
		t.Error("whoami has no expiry")
	}
	if me.OrganizationID == "" || !slices.Equal(me.Permissions, []string{"widgets:read", "widgets:write"}) || !slices.Equal(me.Roles, []string{"admin"}) {
		t.Errorf("whoami = %+v, want the dev user's organization, permissions and role", me)
	}
	// --dev enriches through the fake AuthKit's WorkOS API routes.
	if me.Profile == nil || me.Profile.Email != "ada@example.com" || !slices.Contains(me.Profile.Organizations, me.OrganizationID) {
		t.Errorf("whoami profile = %+v, want the dev user's WorkOS profile", me.Profile)
	}
}

// rawPost sends an MCP initialize request with the Authorization header
// value authz ("" for none).
func rawPost(t testing.TB, mcpURL, authz string) *http.Response {
	t.Helper()
	body := `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"raw","version":"1"}}}`
	req, err := http.NewRequest(http.MethodPost, mcpURL, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	if authz != "" {
		req.Header.Set("Authorization", authz)
	}
	resp, err := noRedirectClient().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	return resp
}

func get(t testing.TB, u string) (int, []byte) {
	t.Helper()
	resp, err := noRedirectClient().Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, b
}

func TestE2EDevMode(t *testing.T) {
	p := startDemo(t, []string{"--dev", "--addr", "127.0.0.1:0"}, "LOG_LEVEL=debug")
	for _, k := range []string{"mcp_url", "health_url", "mode", "authkit_url", "user_id", "access_token", "curl", "inspector"} {
		if p.ready[k] == "" {
			t.Errorf("dev output lacks %q; got %v", k, p.ready)
		}
	}
	mcpURL, token := p.ready["mcp_url"], p.ready["access_token"]
	if !strings.HasPrefix(mcpURL, "http://127.0.0.1:") || !strings.HasSuffix(mcpURL, mcpPath) {
		t.Errorf("mcp_url = %q, want a loopback URL ending in %s", mcpURL, mcpPath)
	}
	if a := p.ready["authkit_url"]; !strings.HasPrefix(a, "http://127.0.0.1:") || strings.TrimSuffix(mcpURL, mcpPath) == a {
		t.Errorf("authkit_url = %q, want another loopback port", a)
	}
	if curl := p.ready["curl"]; !strings.Contains(curl, mcpURL) || !strings.Contains(curl, "Bearer "+token) {
		t.Errorf("curl line %q lacks the MCP URL or the token", curl)
	}
	if insp := p.ready["inspector"]; !strings.Contains(insp, mcpURL) || !strings.Contains(insp, "@modelcontextprotocol/inspector") {
		t.Errorf("inspector line %q lacks the command or the URL", insp)
	}

	if status, body := get(t, p.ready["health_url"]); status != http.StatusOK || string(body) != "ok\n" {
		t.Errorf("GET /healthz = %d %q", status, body)
	}
	if resp := rawPost(t, mcpURL, "Bearer "+token); resp.StatusCode != http.StatusOK {
		t.Errorf("initialize with the printed token = %d, want 200", resp.StatusCode)
	}
	if resp := rawPost(t, mcpURL, ""); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("initialize without a token = %d, want 401", resp.StatusCode)
	}
	p.stop(t)
	if logs := p.stderr.String(); strings.Contains(logs, token) || strings.Contains(logs, "Bearer ") {
		t.Errorf("the logs contain a token:\n%s", logs)
	}
}

// rawSession is a hand-made MCP session: initialized with a fixed token.
type rawSession struct {
	url, token, id string
}

func sessionWithToken(t testing.TB, mcpURL, token string) *rawSession {
	t.Helper()
	s := &rawSession{url: mcpURL, token: token}
	resp := s.post(t, `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"raw","version":"1"}}}`)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("initialize = %d", resp.StatusCode)
	}
	s.id = resp.Header.Get("Mcp-Session-Id")
	if r := s.post(t, `{"jsonrpc":"2.0","method":"notifications/initialized"}`); r.StatusCode != http.StatusAccepted {
		t.Fatalf("initialized notification = %d", r.StatusCode)
	}
	return s
}

func (s *rawSession) post(t testing.TB, body string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, s.url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	req.Header.Set("Authorization", "Bearer "+s.token)
	req.Header.Set("Mcp-Protocol-Version", "2025-06-18")
	if s.id != "" {
		req.Header.Set("Mcp-Session-Id", s.id)
	}
	resp, err := noRedirectClient().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	return resp
}

// TestE2EShutdownWithOpenStream: SIGTERM while a client holds a long-lived
// stream (a 2026-07-28 subscriptions/listen, which the go-sdk client opens
// for list-change notifications) still exits 0 promptly: the stream's
// context is cancelled when shutdown starts; otherwise Shutdown would wait
// for it until its timeout and the program would exit 1.
func TestE2EShutdownWithOpenStream(t *testing.T) {
	p := startDemo(t, []string{"--dev", "--addr", "127.0.0.1:0"})
	cs, _, wire := connectGoClient(t, p.ready["mcp_url"], "", &mcp.ClientOptions{
		ToolListChangedHandler: func(context.Context, *mcp.ToolListChangedRequest) {},
	})
	var me demo.Caller
	callJSON(t, cs, demo.ToolWhoami, map[string]any{}, &me)
	open := false
	for _, e := range wire.exchanges() {
		open = open || (e.McpMethod == "subscriptions/listen" && e.Status == http.StatusOK)
	}
	if !open {
		t.Fatalf("no subscriptions/listen stream was opened: %+v", wire.exchanges())
	}
	p.stop(t)
}
