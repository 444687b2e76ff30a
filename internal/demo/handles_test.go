package demo

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mcpauth/mcpauth/remote"
	"github.com/mcpauth/mcpauth/remote/gosdk"
	"github.com/mcpauth/mcpauth/remote/handle"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// roundRobin is a loopback reverse proxy that sends each request to the
// next backend in turn, and records which backend served each tools/call
// (by the 2026-07-28 Mcp-Name header the client sends).
type roundRobin struct {
	backends []*url.URL
	next     atomic.Int64
	mu       sync.Mutex
	served   []string // "tool@backend index"
}

func (rr *roundRobin) handler() http.Handler {
	return &httputil.ReverseProxy{Rewrite: func(pr *httputil.ProxyRequest) {
		i := int(rr.next.Add(1)-1) % len(rr.backends)
		pr.SetURL(rr.backends[i])
		pr.Out.Host = pr.In.Host
		if name := pr.In.Header.Get("Mcp-Name"); name != "" {
			rr.mu.Lock()
			rr.served = append(rr.served, name+"@"+string(rune('A'+i)))
			rr.mu.Unlock()
		}
	}}
}

func (rr *roundRobin) log() []string {
	rr.mu.Lock()
	defer rr.mu.Unlock()
	return append([]string(nil), rr.served...)
}

// TestHandlesAcrossReplicas: remember on one replica, recall on the other,
// behind a round-robin proxy; the two replicas share only their keys. The
// handle opens for the caller that got it, and for no other user or client.
func TestHandlesAcrossReplicas(t *testing.T) {
	keys := []handle.Key{handle.NewKey("k1")}
	front := httptest.NewUnstartedServer(nil)
	mcpURL := "http://" + front.Listener.Addr().String() + "/mcp"
	const issuer = "https://auth.example.com"
	caller := func(sub, client string) *remote.TokenInfo {
		return &remote.TokenInfo{
			Subject: sub, ClientID: client, Issuer: issuer, Audiences: []string{mcpURL},
			Claims: map[string]any{"iss": issuer, "sub": sub, "client_id": client},
		}
	}
	tokens := map[string]*remote.TokenInfo{
		"alice":       caller("user_alice", "client_desktop"),
		"alice-phone": caller("user_alice", "client_phone"),
		"bob":         caller("user_bob", "client_desktop"),
	}
	verifier := remote.TokenVerifierFunc(func(_ context.Context, tok string) (*remote.TokenInfo, error) {
		if info, ok := tokens[tok]; ok {
			return info, nil
		}
		return nil, remote.ErrInvalidToken
	})
	rr := &roundRobin{}
	for range 2 {
		sealer, err := NewHandleSealer(keys)
		if err != nil {
			t.Fatal(err)
		}
		p := remote.MustNew(remote.Config{
			MCPURL:               mcpURL,
			AuthorizationServers: []string{issuer},
			Verifier:             verifier,
			ToolScopes:           ToolScopes(), // so the middleware reads bodies and checks the headers too
		})
		srv := httptest.NewServer(gosdk.Handler(p, NewServer(Options{Handles: sealer}), &gosdk.Options{HTTP: &mcp.StreamableHTTPOptions{Stateless: true, JSONResponse: true}}))
		t.Cleanup(srv.Close)
		u, _ := url.Parse(srv.URL)
		rr.backends = append(rr.backends, u)
	}
	front.Config.Handler = rr.handler()
	front.Start()
	t.Cleanup(front.Close)

	connect := func(token string) *mcp.ClientSession {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		cs, err := mcp.NewClient(&mcp.Implementation{Name: "test", Version: "1"}, nil).Connect(ctx, &mcp.StreamableClientTransport{
			Endpoint:   mcpURL,
			HTTPClient: &http.Client{Transport: bearer{token}},
		}, nil)
		if err != nil {
			t.Fatalf("connect as %s: %v", token, err)
		}
		t.Cleanup(func() { _ = cs.Close() })
		if v := cs.InitializeResult().ProtocolVersion; v != "2026-07-28" {
			t.Fatalf("negotiated protocol %q, want 2026-07-28 (stateless, no session to pin a replica)", v)
		}
		return cs
	}
	alice, phone, bob := connect("alice"), connect("alice-phone"), connect("bob")

	var minted RememberOutput
	if res := callTool(t, alice, ToolRemember, RememberInput{Text: "the draft is in folder 7"}, &minted); res.IsError || minted.Handle == "" {
		t.Fatalf("remember: %+v", res)
	}
	recall := func(cs *mcp.ClientSession) (string, bool) {
		var out RecallOutput
		res := callTool(t, cs, ToolRecall, RecallInput{Handle: minted.Handle}, &out)
		if res.IsError {
			return toolText(res), false
		}
		return out.Text, true
	}
	// Two recalls in a row: whatever replica remember reached, one of them
	// reaches the other.
	for i := range 2 {
		if text, ok := recall(alice); !ok || text != "the draft is in folder 7" {
			t.Fatalf("alice's recall %d: %q", i, text)
		}
	}
	log := rr.log()
	if len(log) != 3 || !strings.HasPrefix(log[0], ToolRemember+"@") {
		t.Fatalf("tool calls through the proxy: %v", log)
	}
	onMintingReplica := ToolRecall + "@" + strings.TrimPrefix(log[0], ToolRemember+"@")
	if log[1] == onMintingReplica && log[2] == onMintingReplica {
		t.Fatalf("no recall reached the other replica: %v", log)
	}

	for name, cs := range map[string]*mcp.ClientSession{"bob": bob, "alice through another client": phone} {
		if text, ok := recall(cs); ok || text != "this handle belongs to another user or client" {
			t.Errorf("%s: recall = %q, ok %v; want the other-caller error", name, text, ok)
		}
	}
}

// TestHandleToolErrors: what recall answers for a handle it cannot open.
func TestHandleToolErrors(t *testing.T) {
	info := &remote.TokenInfo{Subject: "user_1", Issuer: "https://auth.example.com", Claims: map[string]any{"iss": "https://auth.example.com", "sub": "user_1"}}
	now := time.Now()
	clock := func() time.Time { return now }
	oldKey := handle.NewKey("old")
	mint := handle.MustNew(handle.Config{Keys: []handle.Key{oldKey}, Purpose: HandlePurpose, Now: clock})
	h, err := mint.Seal(handle.Caller{Issuer: "https://auth.example.com", Subject: "user_1"}, []byte("x"))
	if err != nil {
		t.Fatal(err)
	}
	rotated := handle.MustNew(handle.Config{Keys: []handle.Key{handle.NewKey("new")}, Purpose: HandlePurpose})
	cs := serveWithIdentity(t, nil, Options{Handles: rotated}, info)
	for _, tt := range []struct{ handle, want string }{
		{h, "this handle was sealed under a key this server no longer uses; call remember again"},
		{"not-a-handle", "this is not a handle from remember"},
	} {
		res := callTool(t, cs, ToolRecall, RecallInput{Handle: tt.handle}, nil)
		if !res.IsError || toolText(res) != tt.want {
			t.Errorf("recall(%.12s…) = %q, want %q", tt.handle, toolText(res), tt.want)
		}
	}
	expired := handle.MustNew(handle.Config{Keys: []handle.Key{oldKey}, Purpose: HandlePurpose, Now: func() time.Time { return now.Add(2 * time.Hour) }})
	cs = serveWithIdentity(t, nil, Options{Handles: expired}, info)
	if res := callTool(t, cs, ToolRecall, RecallInput{Handle: h}, nil); !res.IsError || toolText(res) != "this handle has expired; call remember again" {
		t.Errorf("expired: %q", toolText(res))
	}
}

func toolText(res *mcp.CallToolResult) string {
	for _, c := range res.Content {
		if tc, ok := c.(*mcp.TextContent); ok {
			return tc.Text
		}
	}
	return ""
}
