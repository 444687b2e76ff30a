package gosdk_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/auth"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/mcpauth/mcpauth/authkit"
	"github.com/mcpauth/mcpauth/authkit/authkittest"
	"github.com/mcpauth/mcpauth/internal/testutil"
	"github.com/mcpauth/mcpauth/remote"
	"github.com/mcpauth/mcpauth/remote/gosdk"
	"github.com/mcpauth/mcpauth/remote/rules"
)

// The tests of this file run the real go-sdk client against a real loopback
// server: an authkit provider verifying real JWTs from the fake AuthKit, and
// a go-sdk server mounted with gosdk.Handler, stateful and stateless.

// seen is what the "seen" tool reports of the call's identity, through
// every accessor a tool author may use.
type seen struct {
	IdentityJTI string    `json:"identity_jti"`
	IdentityErr string    `json:"identity_err"`
	Expiry      time.Time `json:"expiry"`
	Permissions []string  `json:"permissions"`
	ClaimsErr   string    `json:"claims_err"`
	// Allow results, "" when allowed.
	AllowInitialize string `json:"allow_initialize"`
	AllowSecond     string `json:"allow_second"`
	// go-sdk's own views.
	SDKContextJTI string   `json:"sdk_context_jti"`
	ExtraJTI      string   `json:"extra_jti"`
	ExtraScopes   []string `json:"extra_scopes"`
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// switchable is the client's transport: it sends the current token, which
// the test changes mid-session as a client does when it refreshes one.
type switchable struct {
	mu       sync.Mutex
	token    string
	versions map[string]bool // Mcp-Protocol-Version values sent
}

func (s *switchable) sawVersion(v string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.versions[v]
}

func (s *switchable) set(tok string) {
	s.mu.Lock()
	s.token = tok
	s.mu.Unlock()
}

func (s *switchable) RoundTrip(r *http.Request) (*http.Response, error) {
	s.mu.Lock()
	tok := s.token
	if v := r.Header.Get("Mcp-Protocol-Version"); v != "" {
		if s.versions == nil {
			s.versions = map[string]bool{}
		}
		s.versions[v] = true
	}
	s.mu.Unlock()
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+tok)
	return http.DefaultTransport.RoundTrip(r)
}

// rig is an AuthKit-protected go-sdk server on loopback.
type rig struct {
	ak    *authkittest.Server
	p     *authkit.Provider
	url   string
	clock *testutil.Clock
}

// newRig serves server behind an authkit provider of a fake AuthKit; mount
// chooses how (gosdk.Handler, or something else).
func newRig(t *testing.T, server *mcp.Server, cfg func(*authkit.Config), mount func(*authkit.Provider, *mcp.Server) http.Handler) *rig {
	t.Helper()
	clock := testutil.NewClock(time.Now())
	ak := authkittest.Start(t)
	ak.SetClock(clock.Now)
	ak.SetUser(authkittest.User{ID: "user_01ROT", OrganizationID: "org_01ROT"})
	srv := httptest.NewUnstartedServer(nil)
	base := "http://" + srv.Listener.Addr().String()
	c := authkit.Config{Domain: ak.URL(), BaseURL: base, HTTPClient: ak.Client(), Now: clock.Now}
	if cfg != nil {
		cfg(&c)
	}
	p, err := authkit.New(c)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Close() })
	srv.Config.Handler = mount(p, server)
	srv.Start()
	t.Cleanup(srv.Close)
	return &rig{ak: ak, p: p, url: p.MCPURL(), clock: clock}
}

// mint mints a token for the rig's MCP URL with these permissions.
func (r *rig) mint(t *testing.T, jti string, expiresIn time.Duration, perms ...string) string {
	t.Helper()
	return r.ak.MustMint(t, authkittest.TokenOptions{
		Audience:  []string{r.url},
		TokenID:   jti,
		ExpiresIn: expiresIn,
		Scopes:    []string{"openid"},
		Claims:    map[string]any{"permissions": perms},
	})
}

func connectWith(t *testing.T, url string, rt http.RoundTripper) *mcp.ClientSession {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	client := mcp.NewClient(&mcp.Implementation{Name: "rotation", Version: "1.0.0"}, nil)
	cs, err := client.Connect(ctx, &mcp.StreamableClientTransport{
		Endpoint:             url,
		HTTPClient:           &http.Client{Transport: rt},
		MaxRetries:           -1,
		DisableStandaloneSSE: true,
	}, nil)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	t.Cleanup(func() { _ = cs.Close() })
	return cs
}

func callSeen(t *testing.T, cs *mcp.ClientSession) seen {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "seen"})
	if err != nil {
		t.Fatalf("call seen: %v", err)
	}
	if res.IsError {
		t.Fatalf("seen failed: %+v", res.Content)
	}
	var out seen
	b, _ := json.Marshal(res.StructuredContent)
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// newSeenRig is a rig serving seenServer.
func newSeenRig(t *testing.T, cfg func(*authkit.Config), mount func(*authkit.Provider, *mcp.Server) http.Handler) *rig {
	t.Helper()
	var p *authkit.Provider
	r := newRig(t, seenServer(&p), cfg, mount)
	p = r.p
	return r
}

// seenServer is a go-sdk server whose "seen" tool reports every identity
// accessor's view; pp is read when the tool runs (the provider is built
// after the server).
func seenServer(pp **authkit.Provider) *mcp.Server {
	server := mcp.NewServer(&mcp.Implementation{Name: "seen", Version: "1.0.0"}, nil)
	mcp.AddTool(server, &mcp.Tool{Name: "seen"}, func(ctx context.Context, req *mcp.CallToolRequest, _ struct{}) (*mcp.CallToolResult, seen, error) {
		var out seen
		id, err := remote.IdentityFromContext(ctx)
		out.IdentityJTI, out.Expiry, out.IdentityErr = id.TokenID(), id.Expiry(), errText(err)
		c, err := authkit.ClaimsFromContext(ctx)
		if err == nil {
			out.Permissions = c.Permissions
		}
		out.ClaimsErr = errText(err)
		p := *pp
		out.AllowInitialize = errText(p.Allow(ctx, rules.AllPermissions("p:initialize")))
		out.AllowSecond = errText(p.Allow(ctx, rules.AllPermissions("p:second-token")))
		if ti := auth.TokenInfoFromContext(ctx); ti != nil {
			out.SDKContextJTI, _ = ti.Extra["jti"].(string)
		}
		if req.Extra != nil && req.Extra.TokenInfo != nil {
			out.ExtraJTI, _ = req.Extra.TokenInfo.Extra["jti"].(string)
			out.ExtraScopes = req.Extra.TokenInfo.Scopes
		}
		return nil, out, nil
	})
	return server
}

// handlerModes are the two ways to serve: stateful sessions, which go-sdk
// speaks with the 2025 protocols, and stateless, where its client and
// server speak 2026-07-28 (wantVersion is what the client sends then).
var handlerModes = []struct {
	name        string
	opts        *mcp.StreamableHTTPOptions
	wantVersion string
}{
	{"stateful", nil, "2025-11-25"},
	{"stateless", &mcp.StreamableHTTPOptions{Stateless: true}, "2026-07-28"},
}

// TestPerCallIdentityTokenRotation: a session opened with one token and
// continued with a refreshed one. In the tool, every accessor describes the
// current token: the permission the first token had and the second lacks
// is denied, the one only the second has is allowed; an expired first
// token is never seen once the second is in use.
func TestPerCallIdentityTokenRotation(t *testing.T) {
	for _, mode := range handlerModes {
		t.Run(mode.name, func(t *testing.T) {
			t.Run("permission added and removed", func(t *testing.T) {
				r := newSeenRig(t, nil, func(ap *authkit.Provider, s *mcp.Server) http.Handler {
					return gosdk.Handler(ap, s, &gosdk.Options{HTTP: mode.opts})
				})
				first := r.mint(t, "jti-first", time.Hour, "p:initialize")
				second := r.mint(t, "jti-second", time.Hour, "p:second-token")
				rt := &switchable{token: first}
				cs := connectWith(t, r.url, rt)

				got := callSeen(t, cs)
				assertSeen(t, "first token", got, "jti-first", []string{"p:initialize"}, true, false)

				rt.set(second) // the client refreshed its token; same user, same session
				got = callSeen(t, cs)
				assertSeen(t, "second token", got, "jti-second", []string{"p:second-token"}, false, true)
				if !rt.sawVersion(mode.wantVersion) {
					t.Errorf("the client never spoke %s: %v", mode.wantVersion, rt.versions)
				}
			})
			t.Run("expired first token, valid second", func(t *testing.T) {
				r := newSeenRig(t, nil, func(ap *authkit.Provider, s *mcp.Server) http.Handler {
					return gosdk.Handler(ap, s, &gosdk.Options{HTTP: mode.opts})
				})
				first := r.mint(t, "jti-first", time.Minute, "p:initialize")
				rt := &switchable{token: first}
				cs := connectWith(t, r.url, rt)
				assertSeen(t, "first token", callSeen(t, cs), "jti-first", []string{"p:initialize"}, true, false)

				r.clock.Advance(2 * time.Minute) // the first token expires
				if got := sessionRequest(t, r.url, http.MethodPost, "", first, `{"jsonrpc":"2.0","id":9,"method":"ping"}`); got != http.StatusUnauthorized {
					t.Fatalf("the expired first token: status %d, want 401", got)
				}
				second := r.mint(t, "jti-second", time.Hour, "p:second-token")
				rt.set(second)
				got := callSeen(t, cs)
				assertSeen(t, "second token", got, "jti-second", []string{"p:second-token"}, false, true)
				if !got.Expiry.After(r.clock.Now()) {
					t.Errorf("the tool saw expiry %v, in the past at %v", got.Expiry, r.clock.Now())
				}
			})
		})
	}
}

func assertSeen(t *testing.T, when string, got seen, jti string, perms []string, allowInit, allowSecond bool) {
	t.Helper()
	if got.IdentityErr != "" || got.ClaimsErr != "" {
		t.Fatalf("%s: the tool saw no identity: %q / %q", when, got.IdentityErr, got.ClaimsErr)
	}
	if got.IdentityJTI != jti || got.SDKContextJTI != jti || got.ExtraJTI != jti {
		t.Errorf("%s: jti seen by IdentityFromContext %q, auth.TokenInfoFromContext %q, req.Extra.TokenInfo %q; want %q from every one",
			when, got.IdentityJTI, got.SDKContextJTI, got.ExtraJTI, jti)
	}
	if !slices.Equal(got.Permissions, perms) {
		t.Errorf("%s: ClaimsFromContext permissions %v, want %v", when, got.Permissions, perms)
	}
	if (got.AllowInitialize == "") != allowInit {
		t.Errorf("%s: Allow(p:initialize) = %q, want allowed %v", when, got.AllowInitialize, allowInit)
	}
	if (got.AllowSecond == "") != allowSecond {
		t.Errorf("%s: Allow(p:second-token) = %q, want allowed %v", when, got.AllowSecond, allowSecond)
	}
}

// TestMountedWithoutHandlerFailsClosed: a go-sdk handler mounted the wrong
// way (the streamable handler behind the provider's plain Handler) never
// hands a tool the token of the request that opened the session. On a
// stateful handler the tool gets no identity, with an error saying why,
// and the provider logs a warning naming the fix; it never panics.
func TestMountedWithoutHandlerFailsClosed(t *testing.T) {
	// The common mistake, go-sdk's handler behind the provider directly, is
	// refused when the handler is built.
	t.Run("refused at setup", func(t *testing.T) {
		defer func() {
			if v := recover(); v == nil || !strings.Contains(fmt.Sprint(v), "gosdk.Handler") {
				t.Fatalf("recovered %v, want a panic naming gosdk.Handler", v)
			}
		}()
		newSeenRig(t, nil, func(ap *authkit.Provider, s *mcp.Server) http.Handler {
			return ap.Handler(mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return s }, nil))
		})
	})
	// Wrapped in a handler of one's own, it is not recognised; its tools
	// then run with the context of the request that opened the session,
	// and get no identity once that request has ended.
	t.Run("wrapped, at run time", func(t *testing.T) {
		logs := &testutil.LogBuffer{}
		var live requestCount
		r := newSeenRig(t, func(c *authkit.Config) { c.Logger = logs.Logger() }, func(ap *authkit.Provider, s *mcp.Server) http.Handler {
			sdk := mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return s }, nil)
			return live.track(ap.Handler(http.HandlerFunc(sdk.ServeHTTP)))
		})
		rt := &switchable{token: r.mint(t, "jti-first", time.Hour, "p:initialize")}
		cs := connectWith(t, r.url, rt)
		live.waitIdle() // the requests that opened the session have ended
		for range 2 {
			got := callSeen(t, cs)
			if got.IdentityJTI != "" || got.Permissions != nil || got.AllowInitialize == "" {
				t.Fatalf("the tool saw an identity through a session context: %+v", got)
			}
			if !strings.Contains(got.IdentityErr, "has ended") || !strings.Contains(got.IdentityErr, "gosdk.Handler") {
				t.Errorf("IdentityFromContext error %q does not say why or what to do", got.IdentityErr)
			}
		}
		if n := logs.Count("mount go-sdk servers with gosdk.Handler"); n != 1 {
			t.Errorf("%d warnings, want 1:\n%s", n, logs)
		}
	})
}

// requestCount counts the requests a handler is serving, to wait until
// none is (no timing involved).
type requestCount struct {
	mu   sync.Mutex
	cond *sync.Cond
	n    int
}

func (c *requestCount) track(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.add(1)
		defer c.add(-1)
		h.ServeHTTP(w, r)
	})
}

func (c *requestCount) add(d int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cond == nil {
		c.cond = sync.NewCond(&c.mu)
	}
	c.n += d
	c.cond.Broadcast()
}

func (c *requestCount) waitIdle() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cond == nil {
		c.cond = sync.NewCond(&c.mu)
	}
	for c.n > 0 {
		c.cond.Wait()
	}
}

// TestCallStateIsTheCallersOwn: what a tool gets (req.Extra.TokenInfo,
// go-sdk's context token info, the identity's slices and maps) is its own.
// A tool that rewrites all of it changes nothing the next request sees or
// decides, and concurrent rewriting cannot crash the process.
func TestCallStateIsTheCallersOwn(t *testing.T) {
	for _, mode := range handlerModes {
		t.Run(mode.name, func(t *testing.T) {
			server := mcp.NewServer(&mcp.Implementation{Name: "mutate", Version: "1.0.0"}, nil)
			tamper := func(ctx context.Context, req *mcp.CallToolRequest) {
				for _, ti := range []*auth.TokenInfo{req.Extra.TokenInfo, auth.TokenInfoFromContext(ctx)} {
					for i := range ti.Scopes {
						ti.Scopes[i] = "files:delete"
					}
					ti.Scopes = append(ti.Scopes, "files:delete")
					ti.Extra["permissions"] = []any{"repos:delete"}
					ti.Extra["scope"] = "openid files:delete"
				}
				id, err := remote.IdentityFromContext(ctx)
				if err != nil {
					panic(err)
				}
				if s := id.Scopes(); len(s) > 0 {
					s[0] = "files:delete"
				}
				if perms, ok := id.Claim("permissions"); ok {
					if l, ok := perms.([]any); ok && len(l) > 0 {
						l[0] = "repos:delete"
					}
				}
				id.Claims()["permissions"] = []any{"repos:delete"}
				id.TokenInfo().Scopes[0] = "files:delete"
			}
			mcp.AddTool(server, &mcp.Tool{Name: "tamper"}, func(ctx context.Context, req *mcp.CallToolRequest, _ struct{}) (*mcp.CallToolResult, any, error) {
				tamper(ctx, req)
				return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: "done"}}}, nil, nil
			})
			for _, name := range []string{"delete_file", "delete_repo"} {
				mcp.AddTool(server, &mcp.Tool{Name: name}, func(context.Context, *mcp.CallToolRequest, struct{}) (*mcp.CallToolResult, any, error) {
					return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: "deleted"}}}, nil, nil
				})
			}
			r := newRig(t, server, func(c *authkit.Config) {
				c.ToolScopes = map[string][]string{"delete_file": {"files:delete"}}
				c.ToolRules = map[string]rules.Rule{"delete_repo": rules.AllPermissions("repos:delete")}
			}, func(ap *authkit.Provider, s *mcp.Server) http.Handler {
				return gosdk.Handler(ap, s, &gosdk.Options{HTTP: mode.opts})
			})
			tok := r.mint(t, "jti-1", time.Hour, "repos:read")
			cs := connectWith(t, r.url, &switchable{token: tok})

			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			var wg sync.WaitGroup
			for range 8 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for range 5 {
						if res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "tamper"}); err != nil || res.IsError {
							t.Errorf("tamper: %v %+v", err, res)
							return
						}
					}
				}()
			}
			wg.Wait()
			for _, name := range []string{"delete_file", "delete_repo"} {
				if _, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: name}); err == nil || !strings.Contains(err.Error(), "Forbidden") {
					t.Errorf("%s after tampering: err = %v, want 403", name, err)
				}
			}
		})
	}
}

// TestSessionOwnerIsIssuerAndSubject: behind a MultiIssuer, two issuers mint
// the same subject. The session one opened answers 403 to the other's
// token, on POST, GET (the stream) and DELETE, while its own user keeps
// using it.
func TestSessionOwnerIsIssuerAndSubject(t *testing.T) {
	const issA, issB = "https://a.example.com", "https://b.example.com"
	srv := httptest.NewUnstartedServer(nil)
	resource := "http://" + srv.Listener.Addr().String() + "/mcp"
	// Each issuer's verifier accepts its own token; neither sets Issuer, as
	// a custom verifier may not: the issuer the token was routed to counts.
	tokA, tokB := unsignedJWT(issA), unsignedJWT(issB)
	verifierFor := func(tok string) remote.TokenVerifier {
		return remote.TokenVerifierFunc(func(_ context.Context, got string) (*remote.TokenInfo, error) {
			if got != tok {
				return nil, remote.ErrInvalidSignature
			}
			return &remote.TokenInfo{Subject: "user_1", Audiences: []string{resource}, Expiry: time.Now().Add(time.Hour)}, nil
		})
	}
	multi, err := remote.NewMultiIssuer(remote.MultiIssuerConfig{Verifiers: map[string]remote.TokenVerifier{
		issA: verifierFor(tokA), issB: verifierFor(tokB),
	}})
	if err != nil {
		t.Fatal(err)
	}
	p := remote.MustNew(remote.Config{MCPURL: resource, AuthorizationServers: []string{issA, issB}, Verifier: multi})
	server := mcp.NewServer(&mcp.Implementation{Name: "owner", Version: "1.0.0"}, nil)
	mcp.AddTool(server, &mcp.Tool{Name: "echo"}, func(context.Context, *mcp.CallToolRequest, struct{}) (*mcp.CallToolResult, any, error) {
		return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: "ok"}}}, nil, nil
	})
	srv.Config.Handler = gosdk.Handler(p, server, nil)
	srv.Start()
	t.Cleanup(srv.Close)

	id := openSession(t, resource, tokA)
	call := `{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"echo","arguments":{}}}`
	for _, tc := range []struct {
		method, body, token string
		want                int
	}{
		{http.MethodPost, call, tokB, http.StatusForbidden},
		{http.MethodGet, "", tokB, http.StatusForbidden},
		{http.MethodDelete, "", tokB, http.StatusForbidden},
		{http.MethodPost, call, tokA, http.StatusOK},
	} {
		if got := sessionRequest(t, resource, tc.method, id, tc.token, tc.body); got != tc.want {
			t.Errorf("%s on A's session with %s's token = %d, want %d", tc.method, map[string]string{tokA: "A", tokB: "B"}[tc.token], got, tc.want)
		}
	}
}

// unsignedJWT is a JWT-shaped token naming iss: enough for MultiIssuer to
// route it to the issuer's verifier, which here compares it whole.
func unsignedJWT(iss string) string {
	enc := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
	return enc(`{"alg":"RS256","kid":"k"}`) + "." + enc(`{"iss":"`+iss+`","sub":"user_1"}`) + ".c2ln"
}

func openSession(t *testing.T, url, token string) string {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"raw","version":"1"}}}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	id := res.Header.Get("Mcp-Session-Id")
	if res.StatusCode != http.StatusOK || id == "" {
		t.Fatalf("initialize = %d, session %q", res.StatusCode, id)
	}
	if got := sessionRequest(t, url, http.MethodPost, id, token, `{"jsonrpc":"2.0","method":"notifications/initialized"}`); got != http.StatusAccepted {
		t.Fatalf("initialized = %d", got)
	}
	return id
}

func sessionRequest(t *testing.T, url, method, session, token, body string) int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, method, url, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json, text/event-stream")
	req.Header.Set("Authorization", "Bearer "+token)
	if session != "" {
		req.Header.Set("Mcp-Session-Id", session)
	}
	req.Header.Set("Mcp-Protocol-Version", "2025-06-18")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("%s: no answer", method)
		}
		t.Fatal(err)
	}
	res.Body.Close() // a GET stream that was accepted ends here
	return res.StatusCode
}

// TestSessionOfATokenWithoutSubject: a verifier may accept a token without
// subject (an introspection response may omit "sub"). Its session is never
// left unbound: it belongs to that token alone, so another subject-less
// token, even of the same client, gets 403 on it, while the token that
// opened it keeps using it.
func TestSessionOfATokenWithoutSubject(t *testing.T) {
	srv := httptest.NewUnstartedServer(nil)
	resource := "http://" + srv.Listener.Addr().String() + "/mcp"
	p := remote.MustNew(remote.Config{
		MCPURL:               resource,
		AuthorizationServers: []string{"https://auth.example.com"},
		Verifier: remote.TokenVerifierFunc(func(_ context.Context, tok string) (*remote.TokenInfo, error) {
			if tok != "opaque-1" && tok != "opaque-2" {
				return nil, remote.ErrInvalidToken
			}
			return &remote.TokenInfo{ClientID: "client_1", Issuer: "https://auth.example.com", Audiences: []string{resource}, Expiry: time.Now().Add(time.Hour)}, nil
		}),
	})
	server := mcp.NewServer(&mcp.Implementation{Name: "anon", Version: "1.0.0"}, nil)
	var owners []string
	var mu sync.Mutex
	mcp.AddTool(server, &mcp.Tool{Name: "echo"}, func(_ context.Context, req *mcp.CallToolRequest, _ struct{}) (*mcp.CallToolResult, any, error) {
		mu.Lock()
		owners = append(owners, req.Extra.TokenInfo.UserID)
		mu.Unlock()
		return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: "ok"}}}, nil, nil
	})
	srv.Config.Handler = gosdk.Handler(p, server, nil)
	srv.Start()
	t.Cleanup(srv.Close)

	id := openSession(t, resource, "opaque-1")
	call := `{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"echo","arguments":{}}}`
	for _, tc := range []struct {
		method, body, token string
		want                int
	}{
		{http.MethodPost, call, "opaque-2", http.StatusForbidden},
		{http.MethodGet, "", "opaque-2", http.StatusForbidden},
		{http.MethodDelete, "", "opaque-2", http.StatusForbidden},
		{http.MethodPost, call, "opaque-1", http.StatusOK},
	} {
		if got := sessionRequest(t, resource, tc.method, id, tc.token, tc.body); got != tc.want {
			t.Errorf("%s on opaque-1's session with %s = %d, want %d", tc.method, tc.token, got, tc.want)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(owners) != 1 || !strings.HasPrefix(owners[0], `["https://auth.example.com","","token-sha256:`) || strings.Contains(owners[0], "opaque") {
		t.Errorf("session owners seen by the tool: %q", owners)
	}
}
