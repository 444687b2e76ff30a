package mcpgo_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/mcpauth/mcpauth/remote"
	"github.com/mcpauth/mcpauth/remote/mcpgo"
)

// The tests of this file drive a real mcp-go server behind a remote
// provider on loopback with plain HTTP requests, so each one controls
// exactly which token and which Mcp-Session-Id a request carries.

const (
	issuerA = "https://a.example.com"
	issuerB = "https://b.example.com"
)

// rig is an mcp-go server mounted with mcpgo.Handler.
type rig struct {
	url      string // the MCP URL
	srv      *httptest.Server
	mount    *mcpgo.Mount
	mcp      *server.MCPServer
	runs     atomic.Int64 // whoami calls that ran
	lastSID  atomic.Value // string: the mcp-go session id whoami last ran on
	kept     chan context.Context
	keptOnce sync.Once
}

// tokens: "<name>[~a|~b]" verifies as subject "user_<name>" at issuer A
// (default) or B; "admin…" also gets files:delete; "nosub…" has no
// subject.
func newRig(t *testing.T, opts *mcpgo.Options, serverOpts ...server.ServerOption) *rig {
	t.Helper()
	srv := httptest.NewUnstartedServer(nil)
	r := &rig{url: "http://" + srv.Listener.Addr().String() + "/mcp", srv: srv, kept: make(chan context.Context, 1)}
	verifier := remote.TokenVerifierFunc(func(_ context.Context, tok string) (*remote.TokenInfo, error) {
		name, iss := tok, issuerA
		if n, ok := strings.CutSuffix(tok, "~b"); ok {
			name, iss = n, issuerB
		}
		name = strings.TrimSuffix(name, "~a")
		if name == "" || name == "bad" {
			return nil, remote.ErrInvalidSignature
		}
		info := &remote.TokenInfo{
			Subject:   "user_" + strings.SplitN(name, "-", 2)[0],
			Issuer:    iss,
			TokenID:   tok,
			Audiences: []string{r.url},
			Scopes:    []string{"mcp:tools"},
			Expiry:    time.Now().Add(time.Hour),
		}
		if strings.HasPrefix(name, "admin") {
			info.Scopes = append(info.Scopes, "files:delete")
		}
		if strings.HasPrefix(name, "nosub") {
			info.Subject = ""
		}
		return info, nil
	})
	p, err := remote.New(remote.Config{
		MCPURL:               r.url,
		AuthorizationServers: []string{issuerA},
		Verifier:             verifier,
		RequiredScopes:       []string{"mcp:tools"},
		ToolScopes:           map[string][]string{"delete_file": {"files:delete"}},
		// billing is a rule no re-authorization satisfies (a role, say).
		ToolCheck: func(_ context.Context, tool string, id *remote.Identity) error {
			if tool == "billing" && !strings.HasPrefix(id.Subject(), "user_admin") {
				return errors.New("not an admin")
			}
			return nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	s := server.NewMCPServer("test", "1.0.0", serverOpts...)
	s.AddTool(mcp.NewTool("whoami"), func(ctx context.Context, _ mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		r.runs.Add(1)
		if cs := server.ClientSessionFromContext(ctx); cs != nil {
			r.lastSID.Store(cs.SessionID())
		}
		r.keptOnce.Do(func() { r.kept <- ctx })
		id, err := remote.IdentityFromContext(ctx)
		if err != nil {
			return mcp.NewToolResultError(err.Error()), nil
		}
		return mcp.NewToolResultText(id.Subject() + " " + id.TokenID()), nil
	})
	s.AddTool(mcp.NewTool("notify"), func(ctx context.Context, _ mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		// A notification turns the response into an SSE stream.
		_ = server.ServerFromContext(ctx).SendNotificationToClient(ctx, "notifications/message", map[string]any{"level": "info", "data": "working"})
		id, _ := remote.IdentityFromContext(ctx)
		return mcp.NewToolResultText("result for " + id.Subject()), nil
	})
	s.AddTool(mcp.NewTool("delete_file"), func(context.Context, mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		return mcp.NewToolResultText("deleted"), nil
	})
	s.AddTool(mcp.NewTool("billing"), func(context.Context, mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		return mcp.NewToolResultText("billed"), nil
	})
	r.mcp = s
	r.mount = mcpgo.Handler(p, s, opts)
	srv.Config.Handler = r.mount
	srv.Start()
	t.Cleanup(srv.Close)
	return r
}

const legacyVersion = "2025-11-25"

// post sends one JSON-RPC message and returns the response with its body
// read (an SSE body is reduced to its data lines).
func (r *rig) post(t *testing.T, tok, sid, version, body string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, r.url, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	if sid != "" {
		req.Header.Set("Mcp-Session-Id", sid)
	}
	if version != "" {
		req.Header.Set("Mcp-Protocol-Version", version)
	}
	if strings.Contains(body, `"method":"tools/call"`) {
		req.Header.Set("Mcp-Method", "tools/call")
		var m struct {
			Params struct{ Name string } `json:"params"`
		}
		_ = json.Unmarshal([]byte(body), &m)
		req.Header.Set("Mcp-Name", m.Params.Name)
	} else if i := strings.Index(body, `"method":"`); i >= 0 {
		rest := body[i+len(`"method":"`):]
		req.Header.Set("Mcp-Method", rest[:strings.IndexByte(rest, '"')])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}

// initialize opens a 2025-era session for tok and returns its id.
func (r *rig) initialize(t *testing.T, tok string) string {
	t.Helper()
	res, body := r.post(t, tok, "", "", `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"`+legacyVersion+`","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}`)
	sid := res.Header.Get("Mcp-Session-Id")
	if res.StatusCode != http.StatusOK || sid == "" {
		t.Fatalf("initialize: %d %q session %q", res.StatusCode, body, sid)
	}
	if res, body := r.post(t, tok, sid, legacyVersion, `{"jsonrpc":"2.0","method":"notifications/initialized"}`); res.StatusCode != http.StatusAccepted {
		t.Fatalf("initialized: %d %q", res.StatusCode, body)
	}
	return sid
}

func call(tool string) string {
	return `{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"` + tool + `","arguments":{}}}`
}

// open issues a bodiless request (GET, DELETE) with tok and, when not
// empty, the session id and the Last-Event-ID; the caller closes the body.
func (r *rig) open(ctx context.Context, t *testing.T, method, tok, sid, lastEvent string) *http.Response {
	t.Helper()
	req, _ := http.NewRequestWithContext(ctx, method, r.url, nil)
	req.Header.Set("Accept", "text/event-stream")
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Mcp-Protocol-Version", legacyVersion)
	if sid != "" {
		req.Header.Set("Mcp-Session-Id", sid)
	}
	if lastEvent != "" {
		req.Header.Set("Last-Event-ID", lastEvent)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// send is open returning only the status; a GET stream is closed once its
// header is read.
func (r *rig) send(t *testing.T, method, tok, sid string) int {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	res := r.open(ctx, t, method, tok, sid, "")
	res.Body.Close()
	return res.StatusCode
}

func TestSessionBelongsToItsCaller(t *testing.T) {
	r := newRig(t, nil)
	alice := r.initialize(t, "alice")

	if res, body := r.post(t, "alice", alice, legacyVersion, call("whoami")); res.StatusCode != http.StatusOK || !strings.Contains(body, "user_alice alice") {
		t.Fatalf("alice on her session: %d %q", res.StatusCode, body)
	}
	if got, _ := r.lastSID.Load().(string); got != alice {
		t.Fatalf("whoami ran on session %q, want alice's %q", got, alice)
	}

	for _, tc := range []struct {
		name, tok string
	}{
		{"another user", "bob"},
		{"the same subject at another issuer", "alice~b"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := r.runs.Load()
			res, body := r.post(t, tc.tok, alice, legacyVersion, call("whoami"))
			if res.StatusCode != http.StatusForbidden {
				t.Errorf("POST tools/call on alice's session: %d %q, want 403", res.StatusCode, body)
			}
			if r.runs.Load() != before {
				t.Error("the tool ran for a request on another user's session")
			}
			if st := r.send(t, http.MethodGet, tc.tok, alice); st != http.StatusForbidden {
				t.Errorf("GET stream on alice's session: %d, want 403", st)
			}
			if st := r.send(t, http.MethodDelete, tc.tok, alice); st != http.StatusForbidden {
				t.Errorf("DELETE of alice's session: %d, want 403", st)
			}
		})
	}

	// The refusals changed nothing: the session is alive and still hers.
	if res, body := r.post(t, "alice", alice, legacyVersion, call("whoami")); res.StatusCode != http.StatusOK || !strings.Contains(body, "user_alice") {
		t.Fatalf("alice after the refusals: %d %q", res.StatusCode, body)
	}
	if st := r.send(t, http.MethodGet, "alice", alice); st != http.StatusOK {
		t.Errorf("alice's GET stream: %d", st)
	}
	// A refreshed token of the same user keeps the session.
	if res, body := r.post(t, "alice-2", alice, legacyVersion, call("whoami")); res.StatusCode != http.StatusOK || !strings.Contains(body, "user_alice alice-2") {
		t.Errorf("alice with a new token: %d %q", res.StatusCode, body)
	}
}

func TestSessionOfTokenWithoutSubject(t *testing.T) {
	r := newRig(t, nil)
	sid := r.initialize(t, "nosub-1")
	if res, body := r.post(t, "nosub-1", sid, legacyVersion, call("whoami")); res.StatusCode != http.StatusOK {
		t.Fatalf("the opening token: %d %q", res.StatusCode, body)
	}
	// Another subject-less token of the same issuer is someone else.
	if res, body := r.post(t, "nosub-2", sid, legacyVersion, call("whoami")); res.StatusCode != http.StatusForbidden {
		t.Errorf("another subject-less token: %d %q, want 403", res.StatusCode, body)
	}
}

func TestUnknownSessionNotFound(t *testing.T) {
	r := newRig(t, nil)
	// Well formed: mcp-go's default session manager would accept it.
	forged := "mcp-session-0b9f6a8e-3c1d-4e2f-9a7b-5d6c4e3f2a1b"
	before := r.runs.Load()
	if res, body := r.post(t, "bob", forged, legacyVersion, call("whoami")); res.StatusCode != http.StatusNotFound {
		t.Errorf("POST on a session never handed out: %d %q, want 404", res.StatusCode, body)
	}
	if r.runs.Load() != before {
		t.Error("the tool ran on a session never handed out")
	}
	if st := r.send(t, http.MethodGet, "bob", forged); st != http.StatusNotFound {
		t.Errorf("GET stream on a session never handed out: %d, want 404", st)
	}
}

func TestSessionForgottenWhenEnded(t *testing.T) {
	r := newRig(t, nil)

	deleted := r.initialize(t, "alice")
	if st := r.send(t, http.MethodDelete, "alice", deleted); st != http.StatusOK {
		t.Fatalf("DELETE: %d", st)
	}
	if res, _ := r.post(t, "alice", deleted, legacyVersion, call("whoami")); res.StatusCode != http.StatusNotFound {
		t.Errorf("a deleted session: %d, want 404", res.StatusCode)
	}

	// mcp-go ends a session itself (idle TTL, CloseSessions) through
	// UnregisterSession; the owner goes with it.
	ended := r.initialize(t, "alice")
	r.mcp.UnregisterSession(context.Background(), ended)
	if res, _ := r.post(t, "alice", ended, legacyVersion, call("whoami")); res.StatusCode != http.StatusNotFound {
		t.Errorf("a session mcp-go ended: %d, want 404", res.StatusCode)
	}
}

// 2026-07-28 has no sessions: mcp-go ignores the header, and the call runs
// with the caller's own identity on a session of its own.
func TestStatelessRequestIgnoresSessionHeader(t *testing.T) {
	r := newRig(t, nil)
	alice := r.initialize(t, "alice")
	body := `{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"whoami","arguments":{},"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}}}`
	res, out := r.post(t, "bob", alice, mcp.ProtocolVersion20260728, body)
	if res.StatusCode != http.StatusOK || !strings.Contains(out, "user_bob bob") {
		t.Fatalf("stateless call: %d %q", res.StatusCode, out)
	}
	if got, _ := r.lastSID.Load().(string); got == alice {
		t.Error("a stateless call ran on alice's session")
	}
}

func TestIdentityPerCall(t *testing.T) {
	r := newRig(t, nil)
	sid := r.initialize(t, "alice-1")
	if _, body := r.post(t, "alice-1", sid, legacyVersion, call("whoami")); !strings.Contains(body, "user_alice alice-1") {
		t.Fatalf("first call saw %q", body)
	}
	// The client refreshed its token: the session's next call sees the
	// new one.
	if _, body := r.post(t, "alice-2", sid, legacyVersion, call("whoami")); !strings.Contains(body, "user_alice alice-2") {
		t.Errorf("second call saw %q, want the second token", body)
	}
	// A context the first call kept yields no identity now that its
	// request has ended.
	kept := <-r.kept
	if id, err := remote.IdentityFromContext(kept); !errors.Is(err, remote.ErrNoIdentity) {
		t.Errorf("a kept context after its request: %v, %v; want ErrNoIdentity", id, err)
	}
}

func TestHideDeniedTools(t *testing.T) {
	list := `{"jsonrpc":"2.0","id":4,"method":"tools/list","params":{"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}}}`
	names := func(t *testing.T, r *rig, tok string) (string, string) {
		t.Helper()
		res, body := r.post(t, tok, "", mcp.ProtocolVersion20260728, list)
		var out struct {
			Result struct {
				Tools []struct{ Name string } `json:"tools"`
				Scope string                  `json:"cacheScope"`
			} `json:"result"`
		}
		if res.StatusCode != http.StatusOK || json.Unmarshal([]byte(body), &out) != nil {
			t.Fatalf("tools/list: %d %q", res.StatusCode, body)
		}
		var ns []string
		for _, tool := range out.Result.Tools {
			ns = append(ns, tool.Name)
		}
		return strings.Join(ns, ","), out.Result.Scope
	}

	// The server says its lists are public; per caller they are not.
	public := server.WithCacheHints(60_000, mcp.CacheScopePublic)
	hiding := newRig(t, &mcpgo.Options{HideDeniedTools: true}, public)
	// delete_file needs a scope the reader may still get by stepping up:
	// listed. billing is refused by a rule: hidden.
	if got, scope := names(t, hiding, "reader"); got != "delete_file,notify,whoami" || scope != string(mcp.CacheScopePrivate) {
		t.Errorf("reader sees %q (cacheScope %q), want delete_file,notify,whoami, private", got, scope)
	}
	if got, _ := names(t, hiding, "admin"); got != "billing,delete_file,notify,whoami" {
		t.Errorf("admin sees %q, want every tool", got)
	}

	listing := newRig(t, nil, public)
	if got, scope := names(t, listing, "reader"); got != "billing,delete_file,notify,whoami" || scope != string(mcp.CacheScopePublic) {
		t.Errorf("without HideDeniedTools reader sees %q (cacheScope %q), want every tool, as configured", got, scope)
	}
}

func TestBodyLimit(t *testing.T) {
	r := newRig(t, &mcpgo.Options{MaxBodyBytes: 1 << 10})
	padded := func(n int) string {
		b := `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"` + legacyVersion + `","capabilities":{},"clientInfo":{"name":"t","version":"1"}},"pad":"`
		return b + strings.Repeat("x", n-len(b)-2) + `"}`
	}
	if res, body := r.post(t, "alice", "", "", padded(1<<10)); res.StatusCode != http.StatusOK {
		t.Errorf("a body at the limit: %d %q", res.StatusCode, body)
	}
	if res, _ := r.post(t, "alice", "", "", padded(1<<10+1)); res.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("a body over the limit: %d, want 413", res.StatusCode)
	}
}

func TestShutdownEndsStreams(t *testing.T) {
	r := newRig(t, nil)
	sid := r.initialize(t, "alice")
	res := r.open(context.Background(), t, http.MethodGet, "alice", sid, "")
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET stream: %d", res.StatusCode)
	}
	ended := make(chan error, 1)
	go func() {
		_, err := io.Copy(io.Discard, bufio.NewReader(res.Body))
		ended <- err
	}()
	if err := r.mount.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := <-ended; err != nil {
		t.Errorf("stream ended with %v, want a clean end", err)
	}
}

func TestMetadataOutsideBearerCheck(t *testing.T) {
	r := newRig(t, nil)
	res, err := http.Get(strings.Replace(r.url, "/mcp", "/.well-known/oauth-protected-resource/mcp", 1))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var doc struct{ Resource string }
	if err := json.NewDecoder(res.Body).Decode(&doc); err != nil || res.StatusCode != http.StatusOK || doc.Resource != r.url {
		t.Errorf("metadata without a token: %d %+v %v", res.StatusCode, doc, err)
	}
	if res, _ := r.post(t, "", "", "", call("whoami")); res.StatusCode != http.StatusUnauthorized {
		t.Errorf("MCP endpoint without a token: %d, want 401", res.StatusCode)
	}
}

func TestHandlerRefusesBadSetup(t *testing.T) {
	p := remote.MustNew(remote.Config{
		MCPURL:               "http://127.0.0.1/mcp",
		AuthorizationServers: []string{issuerA},
		Verifier:             remote.TokenVerifierFunc(func(context.Context, string) (*remote.TokenInfo, error) { return nil, remote.ErrInvalidToken }),
	})
	s := server.NewMCPServer("t", "1")
	for name, f := range map[string]func(){
		"nil provider":      func() { mcpgo.Handler(nil, s, nil) },
		"nil server":        func() { mcpgo.Handler(p, nil, nil) },
		"negative body cap": func() { mcpgo.Handler(p, s, &mcpgo.Options{MaxBodyBytes: -1}) },
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Error("no panic")
				}
			}()
			f()
		})
	}
}

// fixedIDs hands every session the same id, as a broken custom session
// manager might.
type fixedIDs struct {
	server.StatelessGeneratingSessionIdManager
}

const fixedID = "mcp-session-7e1c2d3a-4b5f-4a6e-8c9d-0e1f2a3b4c5d"

func (*fixedIDs) Generate() string { return fixedID }

func TestSessionIDNeverHandedToASecondOwner(t *testing.T) {
	r := newRig(t, &mcpgo.Options{HTTP: []server.StreamableHTTPOption{server.WithSessionIdManager(&fixedIDs{})}})
	if sid := r.initialize(t, "alice"); sid != fixedID {
		t.Fatalf("alice's session %q", sid)
	}
	res, body := r.post(t, "bob", "", "", `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"`+legacyVersion+`","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}`)
	if sid := res.Header.Get("Mcp-Session-Id"); sid != "" {
		t.Errorf("bob's initialize handed out %q, alice's session id", sid)
	}
	if res.StatusCode != http.StatusOK {
		t.Errorf("bob's initialize: %d %q", res.StatusCode, body)
	}
	if res, _ := r.post(t, "bob", fixedID, legacyVersion, call("whoami")); res.StatusCode != http.StatusForbidden {
		t.Errorf("bob on the shared id: %d, want 403", res.StatusCode)
	}
}

// Stateless mode with an event store files every caller's stream under one
// empty session id, with event ids counted store-wide.
func TestResumeNeedsASession(t *testing.T) {
	r := newRig(t, &mcpgo.Options{HTTP: []server.StreamableHTTPOption{
		server.WithStateLess(true),
		server.WithEventStore(server.NewInMemoryEventStore()),
	}})
	res, body := r.post(t, "alice", "", legacyVersion, call("notify"))
	first := ""
	for _, line := range strings.Split(body, "\n") {
		if id, ok := strings.CutPrefix(line, "id: "); ok {
			first = id
			break
		}
	}
	if res.StatusCode != http.StatusOK || first == "" || !strings.Contains(body, "result for user_alice") {
		t.Fatalf("alice's streamed call: %d %q", res.StatusCode, body)
	}

	got := r.open(context.Background(), t, http.MethodGet, "bob", "", first)
	replayed, _ := io.ReadAll(got.Body)
	got.Body.Close()
	if got.StatusCode != http.StatusBadRequest || strings.Contains(string(replayed), "user_alice") {
		t.Errorf("bob resuming without a session: %d %q, want 400 and nothing of alice's", got.StatusCode, replayed)
	}
}
