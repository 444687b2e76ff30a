package remote_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"expvar"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path"
	"strings"

	"github.com/mcpauth/mcpauth/remote"
)

// stubVerifier stands in for a JWT or introspection verifier.
var stubVerifier = remote.TokenVerifierFunc(func(_ context.Context, token string) (*remote.TokenInfo, error) {
	if token != "valid-token" {
		return nil, remote.ErrInvalidToken
	}
	return &remote.TokenInfo{Subject: "user_123", Scopes: []string{"mcp:tools"}, Audiences: []string{"https://mcp.example.com/mcp"}}, nil
})

func Example() {
	mcpHandler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, err := remote.IdentityFromContext(r.Context()) // nil-safe; err says why there is none
		if err != nil {
			http.Error(w, "no identity", http.StatusInternalServerError)
			return
		}
		fmt.Fprintln(w, "hello", id.Subject())
	})
	p := remote.MustNew(remote.Config{
		MCPURL:               "https://mcp.example.com/mcp",
		AuthorizationServers: []string{"https://example.authkit.app"},
		Verifier:             stubVerifier,
		RequiredScopes:       []string{"mcp:tools"},
	})
	handler := p.Handler(mcpHandler) // serve it with http.ListenAndServe(addr, handler)

	rec := httptest.NewRecorder()
	handler.ServeHTTP(rec, httptest.NewRequest("POST", "/mcp", nil))
	fmt.Println(rec.Code, rec.Header().Get("WWW-Authenticate"))

	req := httptest.NewRequest("POST", "/mcp", nil)
	req.Header.Set("Authorization", "Bearer valid-token")
	rec = httptest.NewRecorder()
	handler.ServeHTTP(rec, req)
	fmt.Print(rec.Code, " ", rec.Body.String())
	// Output:
	// 401 Bearer resource_metadata="https://mcp.example.com/.well-known/oauth-protected-resource/mcp", scope="mcp:tools"
	// 200 hello user_123
}

// What a handler reads: the identity the middleware verified for this
// request, read-only (slices come back as copies), or an error saying why
// there is none.
func ExampleIdentityFromContext() {
	// What the middleware puts in the context; in tests of your own
	// handlers, put it there yourself.
	ctx := remote.ContextWithTokenInfo(context.Background(), &remote.TokenInfo{
		Subject: "user_123", Issuer: "https://example.authkit.app", Scopes: []string{"mcp:tools"},
	})
	id, err := remote.IdentityFromContext(ctx)
	fmt.Println(id.Subject(), id.HasScope("mcp:tools"), err)
	scopes := id.Scopes()
	scopes[0] = "mcp:admin" // the caller's copy: the identity is unchanged
	fmt.Println(id.Scopes(), id.Owner())

	_, err = remote.IdentityFromContext(context.Background())
	fmt.Println(errors.Is(err, remote.ErrNoIdentity))
	fmt.Println(err)
	// Output:
	// user_123 true <nil>
	// [mcp:tools] ["https://example.authkit.app","user_123"]
	// true
	// remote: no verified token in this context: no provider middleware verified a token for this request (serve the handler behind Provider.Middleware or Provider.Handler; mount go-sdk servers with gosdk.Handler)
}

// Routes can be mounted on any router next to your own.
func ExampleProvider_Routes() {
	p := remote.MustNew(remote.Config{
		MCPURL:               "https://mcp.example.com/api/v1/mcp",
		AuthorizationServers: []string{"https://example.authkit.app"},
		Verifier:             stubVerifier,
	})
	mux := http.NewServeMux()
	for _, r := range p.Routes() {
		mux.Handle(r.Pattern, r.Handler)
		fmt.Println(r.Pattern)
	}
	mux.Handle("/api/v1/mcp", p.Middleware(http.NotFoundHandler()))
	mux.Handle("/api/v1/admin", p.RequireScopes("mcp:admin")(http.NotFoundHandler()))
	// Output:
	// /.well-known/oauth-protected-resource/api/v1/mcp
	// /.well-known/oauth-protected-resource
}

// Per-tool scopes: a tools/call for "delete_file" needs "files:write"; the
// 403 challenge names every scope the client must ask for.
func ExampleConfig_toolScopes() {
	p := remote.MustNew(remote.Config{
		MCPURL:               "https://mcp.example.com/mcp",
		AuthorizationServers: []string{"https://example.authkit.app"},
		Verifier:             stubVerifier,
		RequiredScopes:       []string{"mcp:tools"},
		ToolScopes:           map[string][]string{"delete_file": {"files:write"}},
	})
	body := `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"delete_file","arguments":{}}}`
	req := httptest.NewRequest("POST", "/mcp", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer valid-token")
	rec := httptest.NewRecorder()
	p.Middleware(http.NotFoundHandler()).ServeHTTP(rec, req)
	fmt.Println(rec.Code, rec.Header().Get("WWW-Authenticate"))
	// Output:
	// 403 Bearer resource_metadata="https://mcp.example.com/.well-known/oauth-protected-resource/mcp", scope="mcp:tools files:write", error="insufficient_scope", error_description="The access token lacks a required scope"
}

// A 2026-07-28 client mirrors the tool name into Mcp-Name. When it disagrees
// with the body (here a header naming a harmless tool on a call of a
// guarded one), the request is refused before any rule or tool runs, with
// MCP's HeaderMismatch error.
func ExampleConfig_toolScopes_headerMismatch() {
	p := remote.MustNew(remote.Config{
		MCPURL:               "https://mcp.example.com/mcp",
		AuthorizationServers: []string{"https://example.authkit.app"},
		Verifier:             stubVerifier,
		ToolScopes:           map[string][]string{"delete_file": {"files:write"}},
	})
	body := `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"delete_file","arguments":{},` +
		`"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28"}}}`
	req := httptest.NewRequest("POST", "/mcp", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer valid-token")
	req.Header.Set("MCP-Protocol-Version", "2026-07-28")
	req.Header.Set("Mcp-Method", "tools/call")
	req.Header.Set("Mcp-Name", "read_file")
	rec := httptest.NewRecorder()
	p.Middleware(http.NotFoundHandler()).ServeHTTP(rec, req)
	fmt.Print(rec.Code, " ", rec.Body.String())
	// Output:
	// 400 {"jsonrpc":"2.0","error":{"code":-32020,"message":"Header mismatch: the Mcp-Name header does not match the request body"}}
}

// CallCheck is one rule for tools/call, prompts/get and resources/read.
// Resource URIs come in many spellings, so the rule parses them instead of
// looking them up in a table. CheckCall applies the same rules outside the
// middleware, for example to decide what a list shows.
func ExampleConfig_callCheck() {
	p := remote.MustNew(remote.Config{
		MCPURL:               "https://mcp.example.com/mcp",
		AuthorizationServers: []string{"https://example.authkit.app"},
		Verifier:             stubVerifier,
		CallCheck: func(_ context.Context, call remote.Call, id *remote.Identity) error {
			if call.Method != remote.MethodResourcesRead {
				return nil
			}
			u, err := url.Parse(call.Name)
			if err != nil || u.Scheme != "notes" || path.Clean("/"+u.Host+u.Path) != "/"+id.Subject() {
				return errors.New("notes of another user")
			}
			return nil
		},
	})
	read := func(uri string) {
		body := `{"jsonrpc":"2.0","id":1,"method":"resources/read","params":{"uri":"` + uri + `"}}`
		req := httptest.NewRequest("POST", "/mcp", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer valid-token")
		rec := httptest.NewRecorder()
		p.Middleware(http.NotFoundHandler()).ServeHTTP(rec, req)
		fmt.Println(uri, rec.Code)
	}
	read("notes://user_123")
	read("notes://user_456")
	read("notes://user_123/../user_456")

	// The same rules in a handler the middleware protects, for the caller
	// it verified: a rule's refusal, which no re-authorization changes.
	list := p.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		err := p.CheckCall(r.Context(), remote.Call{Method: remote.MethodResourcesRead, Name: "notes://user_456"})
		fmt.Println(errors.Is(err, remote.ErrRuleDenied))
	}))
	req := httptest.NewRequest("POST", "/mcp", strings.NewReader(`{"jsonrpc":"2.0","id":2,"method":"resources/list"}`))
	req.Header.Set("Authorization", "Bearer valid-token")
	list.ServeHTTP(httptest.NewRecorder(), req)
	// Output:
	// notes://user_123 404
	// notes://user_456 403
	// notes://user_123/../user_456 403
	// true
}

// OnDecision feeds any metrics system; here expvar counters by outcome and
// reason. With slog, log d's fields instead:
//
//	OnDecision: func(_ context.Context, d remote.Decision) {
//		logger.Info("auth", "outcome", d.Outcome, "reason", d.Reason, "latency", d.Latency, "verifier", d.Verifier)
//	},
func ExampleConfig_onDecision() {
	decisions := new(expvar.Map).Init() // expvar.NewMap("mcpauth_decisions") publishes it on /debug/vars
	p := remote.MustNew(remote.Config{
		MCPURL:               "https://mcp.example.com/mcp",
		AuthorizationServers: []string{"https://example.authkit.app"},
		Verifier:             stubVerifier,
		OnDecision: func(_ context.Context, d remote.Decision) {
			key := string(d.Outcome)
			if d.Reason != "" {
				key += "/" + d.Reason
			}
			decisions.Add(key, 1)
		},
	})
	h := p.Middleware(http.NotFoundHandler())
	for _, auth := range []string{"", "Bearer valid-token", "Bearer expired", "Bearer valid-token"} {
		req := httptest.NewRequest("POST", "/mcp", nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		h.ServeHTTP(httptest.NewRecorder(), req)
	}
	fmt.Println(decisions.String())
	// Output:
	// {"allowed": 2, "invalid_token/invalid_token": 1, "missing_token/missing_token": 1}
}

// Tokens from several identity providers: each token goes to the verifier
// of its "iss", so no signature is checked twice.
func ExampleNewMultiIssuer() {
	// named stands in for a JWT verifier per issuer; it says who was asked.
	named := func(name string) remote.TokenVerifier {
		return remote.TokenVerifierFunc(func(context.Context, string) (*remote.TokenInfo, error) {
			fmt.Println("verified by", name)
			return &remote.TokenInfo{Subject: "user_1"}, nil
		})
	}
	verifier, err := remote.NewMultiIssuer(remote.MultiIssuerConfig{
		Verifiers: map[string]remote.TokenVerifier{
			"https://prod.authkit.app":    named("prod"),
			"https://staging.authkit.app": named("staging"),
		},
	})
	if err != nil {
		panic(err)
	}
	// An unsigned token shape is enough to show the routing by "iss".
	token := func(iss string) string {
		enc := base64.RawURLEncoding.EncodeToString
		return enc([]byte(`{"alg":"RS256","kid":"k"}`)) + "." + enc([]byte(`{"iss":"`+iss+`"}`)) + ".c2ln"
	}
	for _, iss := range []string{"https://staging.authkit.app", "https://prod.authkit.app", "https://evil.example"} {
		if _, err := verifier.VerifyToken(context.Background(), token(iss)); err != nil {
			fmt.Println(iss, "refused:", errors.Is(err, remote.ErrInvalidIssuer))
		}
	}
	// Output:
	// verified by staging
	// verified by prod
	// https://evil.example refused: true
}

// ScopesUpFront: clients that cannot step up (they never read a 403, or
// answer it with a refresh, which cannot widen a grant) get every scope a
// call may need from their first sign-in, since they ask for what the first
// 401 and the metadata name. The 403 of a client that still lacks a scope
// stays precise.
func ExampleConfig_scopesUpFront() {
	p := remote.MustNew(remote.Config{
		MCPURL:               "https://mcp.example.com/mcp",
		AuthorizationServers: []string{"https://example.authkit.app"},
		Verifier:             stubVerifier,
		RequiredScopes:       []string{"mcp:tools"},
		ToolScopes:           map[string][]string{"delete_file": {"files:write"}, "list_files": {"files:read"}},
		ScopesUpFront:        true,
	})
	rec := httptest.NewRecorder()
	p.Middleware(http.NotFoundHandler()).ServeHTTP(rec, httptest.NewRequest("POST", "/mcp", nil))
	fmt.Println(rec.Code, rec.Header().Get("WWW-Authenticate"))

	rec = httptest.NewRecorder()
	p.Handler(http.NotFoundHandler()).ServeHTTP(rec, httptest.NewRequest("GET", "/.well-known/oauth-protected-resource/mcp", nil))
	var prm struct {
		ScopesSupported []string `json:"scopes_supported"`
	}
	_ = json.Unmarshal(rec.Body.Bytes(), &prm)
	fmt.Println(prm.ScopesSupported)

	body := `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"delete_file","arguments":{}}}`
	req := httptest.NewRequest("POST", "/mcp", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer valid-token")
	rec = httptest.NewRecorder()
	p.Middleware(http.NotFoundHandler()).ServeHTTP(rec, req)
	fmt.Println(rec.Code, rec.Header().Get("WWW-Authenticate"))
	// Output:
	// 401 Bearer resource_metadata="https://mcp.example.com/.well-known/oauth-protected-resource/mcp", scope="mcp:tools files:write files:read"
	// [mcp:tools files:write files:read]
	// 403 Bearer resource_metadata="https://mcp.example.com/.well-known/oauth-protected-resource/mcp", scope="mcp:tools files:write", error="insufficient_scope", error_description="The access token lacks a required scope"
}

// InBandRuleDenials: a permission or role rule's refusal of a tool call is
// answered as the tool's error result, which the model reads, instead of a
// 403 that sends the client through OAuth again for nothing. A missing
// scope is still a 403, so clients can step up.
func ExampleConfig_inBandRuleDenials() {
	p := remote.MustNew(remote.Config{
		MCPURL:               "https://mcp.example.com/mcp",
		AuthorizationServers: []string{"https://example.authkit.app"},
		Verifier:             stubVerifier,
		ToolScopes:           map[string][]string{"delete_file": {"files:write"}},
		ToolCheck: func(_ context.Context, tool string, id *remote.Identity) error {
			if tool == "billing" {
				return errors.New("not in the billing team")
			}
			return nil
		},
		InBandRuleDenials: true,
	})
	call := func(tool string) {
		body := `{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"` + tool + `","arguments":{}}}`
		req := httptest.NewRequest("POST", "/mcp", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer valid-token")
		rec := httptest.NewRecorder()
		p.Middleware(http.NotFoundHandler()).ServeHTTP(rec, req)
		fmt.Print(rec.Code, " ", rec.Header().Get("WWW-Authenticate"), rec.Body.String())
	}
	call("billing")
	call("delete_file")
	// Output:
	// 200 {"jsonrpc":"2.0","id":7,"result":{"content":[{"type":"text","text":"This tool is not available to the signed-in user: a permission or role rule refuses it, and signing in again does not change that."}],"isError":true}}
	// 403 Bearer resource_metadata="https://mcp.example.com/.well-known/oauth-protected-resource/mcp", scope="files:write", error="insufficient_scope", error_description="The access token lacks a required scope"{"error":"insufficient_scope","error_description":"The access token lacks a required scope"}
}
