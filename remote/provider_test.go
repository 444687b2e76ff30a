package remote

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/mcpauth/mcpauth/internal/testutil"
)

const (
	testResource = "https://mcp.example.com/mcp"
	testMetadata = "https://mcp.example.com/.well-known/oauth-protected-resource/mcp"
	testAS       = "https://auth.example.com"
)

// testVerifier is a stub verifier: the token names the outcome.
func testVerifier() TokenVerifierFunc {
	return func(_ context.Context, token string) (*TokenInfo, error) {
		info := &TokenInfo{Subject: "user_1", ClientID: "client_1", Issuer: testAS, KeyID: "kid1", Audiences: []string{testResource}}
		switch token {
		case "good", "good==":
			info.Scopes = []string{"mcp:read"}
		case "admin":
			info.Scopes = []string{"mcp:read", "mcp:admin"}
		case "noscope":
		case "aud-slash":
			info.Scopes = []string{"mcp:read"}
			info.Audiences = []string{testResource + "/"}
		case "wrong-aud":
			info.Scopes = []string{"mcp:read"}
			info.Audiences = []string{"https://other.example.com/mcp"}
		case "no-aud":
			info.Scopes = []string{"mcp:read"}
			info.Audiences = nil
		case "no-sub":
			info.Subject = ""
			info.Scopes = []string{"mcp:read"}
		case "expired":
			return nil, fmt.Errorf("jwt said: exp 12345 < now: %w", ErrTokenExpired)
		case "bad-sig":
			return nil, ErrInvalidSignature
		case "keys-down":
			return nil, fmt.Errorf("fetch https://internal/jwks: connection refused: %w", ErrKeysUnavailable)
		case "keys-backoff":
			return nil, &UnavailableError{RetryAfter: 2500 * time.Millisecond, Err: ErrKeysBackoff}
		case "weird":
			return nil, errors.New("internal secret detail")
		case "nil-info":
			return nil, nil
		default:
			return nil, ErrInvalidToken
		}
		return info, nil
	}
}

func testConfig() Config {
	return Config{
		MCPURL:               testResource,
		AuthorizationServers: []string{testAS},
		Verifier:             testVerifier(),
		RequiredScopes:       []string{"mcp:read"},
	}
}

func newTestProvider(tb testing.TB, mutate func(*Config)) *Provider {
	tb.Helper()
	cfg := testConfig()
	if mutate != nil {
		mutate(&cfg)
	}
	p, err := New(cfg)
	if err != nil {
		tb.Fatalf("New: %v", err)
	}
	return p
}

// nextHandler records whether it ran and what identity and body it saw.
type nextHandler struct {
	called bool
	id     *Identity
	body   string
}

func (n *nextHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	n.called = true
	n.id, _ = IdentityFromContext(r.Context())
	b, _ := io.ReadAll(r.Body)
	n.body = string(b)
	w.WriteHeader(http.StatusOK)
	_, _ = io.WriteString(w, "ok")
}

func challenge(params string) string {
	return `Bearer resource_metadata="` + testMetadata + `"` + params
}

func TestMiddleware(t *testing.T) {
	const (
		scopeRead   = `, scope="mcp:read"`
		invalidTok  = scopeRead + `, error="invalid_token", error_description="The access token is invalid or expired"`
		badRequest  = scopeRead + `, error="invalid_request", error_description="The Authorization header is malformed"`
		bodyMissing = `{"error":"unauthorized","error_description":"An OAuth bearer token is required in the Authorization header"}` + "\n"
		bodyInvalid = `{"error":"invalid_token","error_description":"The access token is invalid or expired"}` + "\n"
		bodyBadReq  = `{"error":"invalid_request","error_description":"The Authorization header is malformed"}` + "\n"
		bodyUnavail = `{"error":"temporarily_unavailable","error_description":"Token verification is temporarily unavailable; retry later"}` + "\n"
	)
	tests := []struct {
		name       string
		method     string
		target     string
		auth       []string // Authorization header values
		header     map[string]string
		wantStatus int
		wantWWW    string // exact; "" means absent
		wantBody   string // exact; "" means not checked
		wantRetry  string
	}{
		{name: "valid token", auth: []string{"Bearer good"}, wantStatus: 200},
		{name: "scheme lowercase", auth: []string{"bearer good"}, wantStatus: 200},
		{name: "scheme uppercase", auth: []string{"BEARER good"}, wantStatus: 200},
		{name: "several spaces", auth: []string{"Bearer    good"}, wantStatus: 200},
		{name: "token68 padding", auth: []string{"Bearer good=="}, wantStatus: 200},
		{name: "audience with trailing slash", auth: []string{"Bearer aud-slash"}, wantStatus: 200},
		{name: "GET stream", method: http.MethodGet, auth: []string{"Bearer good"}, wantStatus: 200},

		{name: "no header", wantStatus: 401, wantWWW: challenge(scopeRead), wantBody: bodyMissing},
		{name: "empty header", auth: []string{""}, wantStatus: 401, wantWWW: challenge(scopeRead), wantBody: bodyMissing},
		{name: "basic scheme", auth: []string{"Basic dXNlcjpwYXNz"}, wantStatus: 401, wantWWW: challenge(scopeRead), wantBody: bodyMissing},
		{name: "form body token is not read", method: http.MethodPost, header: map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, wantStatus: 401, wantWWW: challenge(scopeRead), wantBody: bodyMissing},

		{name: "bearer without token", auth: []string{"Bearer"}, wantStatus: 400, wantWWW: challenge(badRequest), wantBody: bodyBadReq},
		{name: "bearer and space", auth: []string{"Bearer "}, wantStatus: 400, wantWWW: challenge(badRequest), wantBody: bodyBadReq},
		{name: "two tokens", auth: []string{"Bearer a b"}, wantStatus: 400, wantWWW: challenge(badRequest), wantBody: bodyBadReq},
		{name: "tab separator", auth: []string{"Bearer\tgood"}, wantStatus: 400, wantWWW: challenge(badRequest), wantBody: bodyBadReq},
		{name: "not token68", auth: []string{"Bearer go!od"}, wantStatus: 400, wantWWW: challenge(badRequest), wantBody: bodyBadReq},
		{name: "padding inside", auth: []string{"Bearer go=od"}, wantStatus: 400, wantWWW: challenge(badRequest), wantBody: bodyBadReq},
		{name: "two headers", auth: []string{"Bearer good", "Bearer good"}, wantStatus: 400, wantWWW: challenge(badRequest), wantBody: bodyBadReq},
		{name: "scheme not a token", auth: []string{"Bear(er good"}, wantStatus: 400, wantWWW: challenge(badRequest), wantBody: bodyBadReq},
		{name: "token in query", target: "/mcp?access_token=good", wantStatus: 400,
			wantWWW:  challenge(scopeRead + `, error="invalid_request", error_description="Send the access token in the Authorization header, not in the URL"`),
			wantBody: `{"error":"invalid_request","error_description":"Send the access token in the Authorization header, not in the URL"}` + "\n"},
		{name: "token in query with header", target: "/mcp?x=1&access_token=good", auth: []string{"Bearer good"}, wantStatus: 400,
			wantWWW: challenge(scopeRead + `, error="invalid_request", error_description="Send the access token in the Authorization header, not in the URL"`)},
		{name: "token in query, encoded name", target: "/mcp?access%5Ftoken=good", auth: []string{"Bearer good"}, wantStatus: 400,
			wantWWW: challenge(scopeRead + `, error="invalid_request", error_description="Send the access token in the Authorization header, not in the URL"`)},
		{name: "other query is fine", target: "/mcp?x_access_token=1", auth: []string{"Bearer good"}, wantStatus: 200},

		{name: "token too large", auth: []string{"Bearer " + strings.Repeat("a", DefaultMaxTokenBytes+1)}, wantStatus: 401, wantWWW: challenge(invalidTok), wantBody: bodyInvalid},
		{name: "unknown token", auth: []string{"Bearer nope"}, wantStatus: 401, wantWWW: challenge(invalidTok), wantBody: bodyInvalid},
		{name: "expired", auth: []string{"Bearer expired"}, wantStatus: 401, wantWWW: challenge(invalidTok), wantBody: bodyInvalid},
		{name: "bad signature", auth: []string{"Bearer bad-sig"}, wantStatus: 401, wantWWW: challenge(invalidTok), wantBody: bodyInvalid},
		{name: "wrong audience", auth: []string{"Bearer wrong-aud"}, wantStatus: 401, wantWWW: challenge(invalidTok), wantBody: bodyInvalid},
		{name: "no audience", auth: []string{"Bearer no-aud"}, wantStatus: 401, wantWWW: challenge(invalidTok), wantBody: bodyInvalid},
		{name: "no subject (a verifier may report none)", auth: []string{"Bearer no-sub"}, wantStatus: 200},

		{name: "missing scope", auth: []string{"Bearer noscope"}, wantStatus: 403,
			wantWWW:  challenge(scopeRead + `, error="insufficient_scope", error_description="The access token lacks a required scope"`),
			wantBody: `{"error":"insufficient_scope","error_description":"The access token lacks a required scope"}` + "\n"},

		{name: "keys unavailable", auth: []string{"Bearer keys-down"}, wantStatus: 503, wantBody: bodyUnavail, wantRetry: "10"},
		{name: "verifier says when to retry", auth: []string{"Bearer keys-backoff"}, wantStatus: 503, wantBody: bodyUnavail, wantRetry: "3"},
		{name: "unknown verifier error", auth: []string{"Bearer weird"}, wantStatus: 503, wantBody: bodyUnavail, wantRetry: "10"},
		{name: "nil info nil error", auth: []string{"Bearer nil-info"}, wantStatus: 503, wantBody: bodyUnavail, wantRetry: "10"},
	}
	p := newTestProvider(t, nil)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			method, target := tt.method, tt.target
			if method == "" {
				method = http.MethodPost
			}
			if target == "" {
				target = "/mcp"
			}
			req := httptest.NewRequest(method, target, strings.NewReader(`{}`))
			req.Header.Set("Origin", "https://inspector.example")
			for _, a := range tt.auth {
				req.Header.Add("Authorization", a)
			}
			for k, v := range tt.header {
				req.Header.Set(k, v)
			}
			next := &nextHandler{}
			rec := httptest.NewRecorder()
			p.Middleware(next).ServeHTTP(rec, req)
			res := rec.Result()

			if res.StatusCode != tt.wantStatus {
				t.Fatalf("status = %d, want %d (body %q)", res.StatusCode, tt.wantStatus, rec.Body.String())
			}
			if got := res.Header.Get("Access-Control-Allow-Origin"); got != "*" {
				t.Errorf("Access-Control-Allow-Origin = %q", got)
			}
			if got := res.Header.Get("Access-Control-Expose-Headers"); got != "WWW-Authenticate, Mcp-Session-Id" {
				t.Errorf("Access-Control-Expose-Headers = %q", got)
			}
			www := res.Header.Values("WWW-Authenticate")
			if tt.wantWWW == "" && len(www) != 0 {
				t.Errorf("WWW-Authenticate = %q, want none", www)
			}
			if tt.wantWWW != "" && (len(www) != 1 || www[0] != tt.wantWWW) {
				t.Errorf("WWW-Authenticate =\n %q\nwant\n %q", www, tt.wantWWW)
			}
			if got := res.Header.Get("Retry-After"); got != tt.wantRetry {
				t.Errorf("Retry-After = %q, want %q", got, tt.wantRetry)
			}
			if tt.wantStatus == 200 {
				if !next.called || next.id == nil || (next.id.Subject() != "user_1" && tt.auth[0] != "Bearer no-sub") {
					t.Fatalf("next not called with the identity: %+v", next)
				}
				return
			}
			if next.called {
				t.Fatal("next handler ran for a rejected request")
			}
			if got := res.Header.Get("Content-Type"); got != "application/json" {
				t.Errorf("Content-Type = %q", got)
			}
			if tt.wantBody != "" && rec.Body.String() != tt.wantBody {
				t.Errorf("body =\n %q\nwant\n %q", rec.Body.String(), tt.wantBody)
			}
			for _, secret := range []string{"internal secret", "connection refused", "jwt said", "good"} {
				if strings.Contains(rec.Body.String(), secret) || strings.Contains(strings.Join(www, ""), secret) {
					t.Errorf("response leaks %q", secret)
				}
			}
		})
	}
}

func TestMiddlewarePreflightBeforeAuth(t *testing.T) {
	p := newTestProvider(t, nil)
	next := &nextHandler{}
	req := httptest.NewRequest(http.MethodOptions, "/mcp", nil)
	req.Header.Set("Origin", "https://inspector.example")
	req.Header.Set("Access-Control-Request-Method", "POST")
	req.Header.Set("Access-Control-Request-Headers", "authorization, mcp-protocol-version")
	rec := httptest.NewRecorder()
	p.Middleware(next).ServeHTTP(rec, req)
	if rec.Code != http.StatusNoContent || next.called {
		t.Fatalf("status %d, next called %v", rec.Code, next.called)
	}
	h := rec.Header()
	want := map[string]string{
		"Access-Control-Allow-Origin":   "*",
		"Access-Control-Allow-Methods":  "GET, POST, DELETE, OPTIONS",
		"Access-Control-Allow-Headers":  "Authorization, Content-Type, Accept, MCP-Protocol-Version, Mcp-Session-Id, Last-Event-ID, Mcp-Method, Mcp-Name",
		"Access-Control-Expose-Headers": "WWW-Authenticate, Mcp-Session-Id",
		"Vary":                          "Access-Control-Request-Headers",
	}
	for k, v := range want {
		if h.Get(k) != v {
			t.Errorf("%s = %q, want %q", k, h.Get(k), v)
		}
	}
	if h.Get("WWW-Authenticate") != "" {
		t.Error("preflight carries a challenge")
	}
}

func TestMiddlewareNoRequiredScopes(t *testing.T) {
	p := newTestProvider(t, func(c *Config) { c.RequiredScopes = nil })
	rec := httptest.NewRecorder()
	p.Middleware(&nextHandler{}).ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/mcp", nil))
	if got, want := rec.Header().Get("WWW-Authenticate"), challenge(""); got != want {
		t.Errorf("WWW-Authenticate = %q, want %q", got, want)
	}
	rec = httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodPost, "/mcp", nil)
	req.Header.Set("Authorization", "Bearer noscope")
	p.Middleware(&nextHandler{}).ServeHTTP(rec, req)
	if rec.Code != 200 {
		t.Errorf("status = %d, want 200", rec.Code)
	}
}

func TestMiddlewareRetryAfterConfigured(t *testing.T) {
	p := newTestProvider(t, func(c *Config) { c.RetryAfter = 1500 * time.Millisecond })
	req := httptest.NewRequest(http.MethodPost, "/mcp", nil)
	req.Header.Set("Authorization", "Bearer keys-down")
	rec := httptest.NewRecorder()
	p.Middleware(&nextHandler{}).ServeHTTP(rec, req)
	if rec.Code != 503 || rec.Header().Get("Retry-After") != "2" {
		t.Errorf("status %d Retry-After %q, want 503 and 2", rec.Code, rec.Header().Get("Retry-After"))
	}
}

func TestMiddlewareMaxTokenBytes(t *testing.T) {
	p := newTestProvider(t, func(c *Config) { c.MaxTokenBytes = 4 })
	for tok, want := range map[string]int{"good": 200, "admin": 401} {
		req := httptest.NewRequest(http.MethodPost, "/mcp", nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		rec := httptest.NewRecorder()
		p.Middleware(&nextHandler{}).ServeHTTP(rec, req)
		if rec.Code != want {
			t.Errorf("%s: status %d, want %d", tok, rec.Code, want)
		}
	}
}

func TestAudience(t *testing.T) {
	tests := []struct {
		name      string
		audiences []string
		skip      bool
		token     string
		want      int
	}{
		{name: "default matches resource", token: "good", want: 200},
		{name: "default tolerates trailing slash", token: "aud-slash", want: 200},
		{name: "default rejects other", token: "wrong-aud", want: 401},
		{name: "configured other", audiences: []string{"https://other.example.com/mcp/"}, token: "wrong-aud", want: 200},
		{name: "configured excludes resource", audiences: []string{"client_123"}, token: "good", want: 401},
		{name: "skip check", skip: true, token: "wrong-aud", want: 200},
		{name: "skip check no audience", skip: true, token: "no-aud", want: 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newTestProvider(t, func(c *Config) { c.Audiences = tt.audiences; c.InsecureSkipAudienceCheck = tt.skip })
			req := httptest.NewRequest(http.MethodPost, "/mcp", nil)
			req.Header.Set("Authorization", "Bearer "+tt.token)
			rec := httptest.NewRecorder()
			p.Middleware(&nextHandler{}).ServeHTTP(rec, req)
			if rec.Code != tt.want {
				t.Errorf("status %d, want %d", rec.Code, tt.want)
			}
		})
	}
}

func TestScopeSatisfiedHook(t *testing.T) {
	// "mcp" implies every "mcp:..." scope.
	hier := func(granted []string, required string) bool {
		for _, g := range granted {
			if g == required || strings.HasPrefix(required, g+":") {
				return true
			}
		}
		return false
	}
	verifier := TokenVerifierFunc(func(context.Context, string) (*TokenInfo, error) {
		return &TokenInfo{Subject: "s", Scopes: []string{"mcp"}, Audiences: []string{testResource}}, nil
	})
	for _, tt := range []struct {
		name string
		hook func([]string, string) bool
		want int
	}{
		{"exact match by default", nil, 403},
		{"hierarchy hook", hier, 200},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := newTestProvider(t, func(c *Config) { c.Verifier = verifier; c.ScopeSatisfied = tt.hook })
			req := httptest.NewRequest(http.MethodPost, "/mcp", nil)
			req.Header.Set("Authorization", "Bearer x")
			rec := httptest.NewRecorder()
			p.Middleware(&nextHandler{}).ServeHTTP(rec, req)
			if rec.Code != tt.want {
				t.Errorf("status %d, want %d", rec.Code, tt.want)
			}
		})
	}
}

func TestRequireScopes(t *testing.T) {
	p := newTestProvider(t, nil)
	wantWWW := challenge(`, scope="mcp:read mcp:admin", error="insufficient_scope", error_description="The access token lacks a required scope"`)
	for _, tt := range []struct {
		name    string
		behind  bool // behind Middleware
		token   string
		want    int
		wantWWW string
	}{
		{"behind middleware, granted", true, "admin", 200, ""},
		{"behind middleware, missing", true, "good", 403, wantWWW},
		{"alone, granted", false, "admin", 200, ""},
		{"alone, missing", false, "good", 403, wantWWW},
		{"alone, no token", false, "", 401, challenge(`, scope="mcp:read mcp:admin"`)},
		{"alone, invalid", false, "expired", 401, challenge(`, scope="mcp:read mcp:admin", error="invalid_token", error_description="The access token is invalid or expired"`)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			next := &nextHandler{}
			var h http.Handler = p.RequireScopes("mcp:admin")(next)
			if tt.behind {
				h = p.Middleware(h)
			}
			req := httptest.NewRequest(http.MethodGet, "/admin", nil)
			req.Header.Set("Origin", "https://inspector.example")
			if tt.token != "" {
				req.Header.Set("Authorization", "Bearer "+tt.token)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != tt.want {
				t.Fatalf("status %d, want %d", rec.Code, tt.want)
			}
			if got := rec.Header().Get("WWW-Authenticate"); got != tt.wantWWW {
				t.Errorf("WWW-Authenticate =\n %q\nwant\n %q", got, tt.wantWWW)
			}
			if rec.Header().Get("Access-Control-Allow-Origin") != "*" {
				t.Error("no CORS header")
			}
			if (tt.want == 200) != next.called {
				t.Errorf("next called = %v", next.called)
			}
		})
	}
}

func TestOnDecision(t *testing.T) {
	var got []Decision
	clock := time.Unix(1000, 0)
	p := newTestProvider(t, func(c *Config) {
		c.OnDecision = func(_ context.Context, d Decision) { got = append(got, d) }
		c.VerifierName = "stub"
		c.Now = func() time.Time { clock = clock.Add(time.Millisecond); return clock }
	})
	for _, tok := range []string{"good", "", "expired", "keys-down", "noscope"} {
		req := httptest.NewRequest(http.MethodPost, "/mcp", nil)
		if tok != "" {
			req.Header.Set("Authorization", "Bearer "+tok)
		}
		p.Middleware(&nextHandler{}).ServeHTTP(httptest.NewRecorder(), req)
	}
	want := []struct {
		outcome Outcome
		reason  string
		status  int
		sub     string
		ver     string
		class   error
	}{
		{OutcomeAllowed, "", 0, "user_1", "stub", nil},
		{OutcomeMissingToken, "missing_token", 401, "", "", ErrMissingToken},
		{OutcomeInvalidToken, "expired", 401, "", "stub", ErrTokenExpired},
		{OutcomeUnavailable, "keys_unavailable", 503, "", "stub", ErrUnavailable},
		{OutcomeInsufficientScope, "scope", 403, "user_1", "stub", ErrInsufficientScope},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d decisions, want %d", len(got), len(want))
	}
	for i, w := range want {
		d := got[i]
		if d.Outcome != w.outcome || d.Reason != w.reason || d.Status != w.status || d.Subject != w.sub || d.Verifier != w.ver {
			t.Errorf("decision %d = %+v, want %+v", i, d, w)
		}
		if (w.class == nil) != (d.Err == nil) || (w.class != nil && !errors.Is(d.Err, w.class)) {
			t.Errorf("decision %d Err = %v, want %v", i, d.Err, w.class)
		}
		if d.Latency != time.Millisecond {
			t.Errorf("decision %d latency = %v", i, d.Latency)
		}
	}
	if !slices.Equal(got[4].Scopes, []string{"mcp:read"}) {
		t.Errorf("scopes = %v", got[4].Scopes)
	}
}

func TestDefaultVerifierName(t *testing.T) {
	var d Decision
	p := newTestProvider(t, func(c *Config) { c.OnDecision = func(_ context.Context, x Decision) { d = x } })
	req := httptest.NewRequest(http.MethodPost, "/mcp", nil)
	req.Header.Set("Authorization", "Bearer good")
	p.Middleware(&nextHandler{}).ServeHTTP(httptest.NewRecorder(), req)
	if d.Verifier != "remote.TokenVerifierFunc" {
		t.Errorf("Verifier = %q", d.Verifier)
	}
}

func TestLogsNoToken(t *testing.T) {
	var buf bytes.Buffer
	p := newTestProvider(t, func(c *Config) {
		c.Logger = slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	})
	// An unverifiable JWT-shaped token: the log may name its unverified
	// issuer but never the token.
	jwt := "eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJodHRwczovL2V2aWwuZXhhbXBsZSJ9.c2lnbmF0dXJlLXNlY3JldA"
	for _, auth := range []string{"Bearer " + jwt, "Bearer keys-down", "Bearer noscope", "Basic c2VjcmV0"} {
		req := httptest.NewRequest(http.MethodPost, "/mcp", nil)
		req.Header.Set("Authorization", auth)
		p.Middleware(&nextHandler{}).ServeHTTP(httptest.NewRecorder(), req)
	}
	logs := buf.String()
	for _, secret := range []string{jwt, "c2lnbmF0dXJlLXNlY3JldA", "keys-down", "c2VjcmV0", "connection refused", "Authorization"} {
		if strings.Contains(logs, secret) {
			t.Errorf("log contains %q:\n%s", secret, logs)
		}
	}
	for _, want := range []string{"reason=invalid_token", "unverified_iss=https://evil.example", "reason=keys_unavailable", "level=WARN", "sub=user_1", "kid=kid1", "reason=missing_token"} {
		if !strings.Contains(logs, want) {
			t.Errorf("log lacks %q:\n%s", want, logs)
		}
	}
}

func TestWriteError(t *testing.T) {
	p := newTestProvider(t, nil)
	for _, tt := range []struct {
		name   string
		err    error
		status int
		www    string
		body   string
		retry  string
	}{
		{"missing", ErrMissingToken, 401, challenge(`, scope="mcp:read"`), `{"error":"unauthorized","error_description":"An OAuth bearer token is required in the Authorization header"}`, ""},
		{"invalid class", fmt.Errorf("x: %w", ErrTokenExpired), 401, challenge(`, scope="mcp:read", error="invalid_token", error_description="The access token is invalid or expired"`), "", ""},
		{"request", ErrInvalidRequest, 400, challenge(`, scope="mcp:read", error="invalid_request", error_description="The Authorization header is malformed"`), "", ""},
		{"scope sentinel", ErrInsufficientScope, 403, challenge(`, scope="mcp:read", error="insufficient_scope", error_description="The access token lacks a required scope"`), "", ""},
		{"typed 403", &Error{Status: 403, Code: CodeInsufficientScope, Description: `Needs "admin" role`, Scopes: []string{"mcp:read", "admin", "bad scope"}},
			403, challenge(`, scope="mcp:read admin", error="insufficient_scope", error_description="Needs admin role"`),
			`{"error":"insufficient_scope","error_description":"Needs \"admin\" role"}`, ""},
		{"typed, status from code", &Error{Code: CodeInsufficientScope}, 403, challenge(`, error="insufficient_scope", error_description="The access token lacks a required scope"`), "", ""},
		{"unavailable", ErrKeysUnavailable, 503, "", `{"error":"temporarily_unavailable","error_description":"Token verification is temporarily unavailable; retry later"}`, "10"},
		{"unknown error", errors.New("db password wrong"), 503, "", "", "10"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			p.WriteError(rec, httptest.NewRequest(http.MethodPost, "/mcp", nil), tt.err)
			if rec.Code != tt.status {
				t.Fatalf("status %d, want %d", rec.Code, tt.status)
			}
			if got := rec.Header().Get("WWW-Authenticate"); got != tt.www {
				t.Errorf("WWW-Authenticate =\n %q\nwant\n %q", got, tt.www)
			}
			if tt.body != "" && strings.TrimSpace(rec.Body.String()) != tt.body {
				t.Errorf("body = %q, want %q", rec.Body.String(), tt.body)
			}
			if rec.Header().Get("Retry-After") != tt.retry {
				t.Errorf("Retry-After = %q", rec.Header().Get("Retry-After"))
			}
			if rec.Header().Get("Access-Control-Expose-Headers") == "" {
				t.Error("no CORS headers")
			}
			if strings.Contains(rec.Body.String(), "password") {
				t.Error("leaks error text")
			}
		})
	}
}

func TestLogClipsClientChosenText(t *testing.T) {
	long := strings.Repeat("é", 200) // 400 bytes, 2-byte runes
	got := logClip(long)
	if len(got) > logMaxAttr+len("…") || !strings.HasSuffix(got, "…") || !utf8.ValidString(got) {
		t.Fatalf("logClip(400 bytes) = %d bytes %q, want ≤ %d bytes of valid UTF-8 ending in …", len(got), got, logMaxAttr)
	}
	if logClip("https://x.authkit.app") != "https://x.authkit.app" {
		t.Error("short values must be kept whole")
	}
}

// CORS headers: always on rejections (a browser must read every challenge);
// on a successful response only when the request came from a browser
// (Origin present), which keeps two header writes off the hot path of
// non-browser clients.
func TestMiddlewareCORSWithoutOrigin(t *testing.T) {
	p := newTestProvider(t, nil)
	for _, tt := range []struct {
		name, auth, origin string
		wantStatus         int
		wantCORS           bool
	}{
		{"rejected, no Origin", "", "", 401, true},
		{"rejected with Origin", "", "https://inspector.example", 401, true},
		{"invalid token, no Origin", "Bearer expired", "", 401, true},
		{"allowed, no Origin", "Bearer good", "", 200, false},
		{"allowed with Origin", "Bearer good", "https://inspector.example", 200, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodPost, "/mcp", strings.NewReader(`{}`))
			if tt.auth != "" {
				req.Header.Set("Authorization", tt.auth)
			}
			if tt.origin != "" {
				req.Header.Set("Origin", tt.origin)
			}
			rec := httptest.NewRecorder()
			p.Middleware(&nextHandler{}).ServeHTTP(rec, req)
			if rec.Code != tt.wantStatus {
				t.Fatalf("status %d, want %d", rec.Code, tt.wantStatus)
			}
			gotCORS := rec.Header().Get("Access-Control-Allow-Origin") == "*" &&
				rec.Header().Get("Access-Control-Expose-Headers") == "WWW-Authenticate, Mcp-Session-Id"
			if gotCORS != tt.wantCORS {
				t.Errorf("CORS headers present = %v, want %v (%v)", gotCORS, tt.wantCORS, rec.Header())
			}
		})
	}
}

// Every reason a verifier cannot decide, or refuses a token for a class of
// its own, is a distinct Decision.Reason.
func TestDecisionReasons(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want string
	}{
		{&UnavailableError{RetryAfter: time.Second, Err: ErrKeysBackoff}, "keys_backoff"},
		{&UnavailableError{RetryAfter: time.Second, Err: ErrKeyRefreshThrottled}, "unknown_key_throttled"},
		{&UnavailableError{RetryAfter: time.Second, Err: ErrKeysStale}, "keys_stale"},
		{&UnavailableError{RetryAfter: time.Second, Err: errKeysFetch}, "keys_unavailable"},
		{ErrIntrospectionBusy, "introspection_busy"},
		{jwtErr(ErrBoundToken, "cnf"), "key_bound"},
		{jwtErr(ErrNotAccessToken, "token_type"), "not_access_token"},
		{ErrUnknownKey, "unknown_key"},
	} {
		if got := decisionReason(tc.err); got != tc.want {
			t.Errorf("decisionReason(%v) = %q, want %q", tc.err, got, tc.want)
		}
	}
}

// AuditLog: one line per tools/call decision, allowed or refused, naming
// who called which tool and how it ended; never the token; no line for
// requests that are not tool calls.
func TestAuditLog(t *testing.T) {
	var buf testutil.LogBuffer
	p := newTestProvider(t, func(c *Config) {
		c.AuditLog = buf.Logger()
		c.Verifier = TokenVerifierFunc(func(_ context.Context, tok string) (*TokenInfo, error) {
			return &TokenInfo{Subject: "user_1", ClientID: "client_1", Issuer: testAS, Audiences: []string{testResource},
				Scopes: []string{"mcp:read"}, Claims: map[string]any{"org_id": "org_01ACME"}}, nil
		})
		c.ToolScopes = map[string][]string{"delete": {"mcp:admin"}}
	})
	call := func(tool string) {
		body := `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"` + tool + `"}}`
		if tool == "" {
			body = `{"jsonrpc":"2.0","id":1,"method":"tools/list"}`
		}
		req := httptest.NewRequest(http.MethodPost, "/mcp", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer secret-token-value")
		p.Middleware(&nextHandler{}).ServeHTTP(httptest.NewRecorder(), req)
	}
	call("echo")
	call("delete")
	call("")
	out := buf.String()
	if n := strings.Count(out, "mcp tools/call"); n != 2 {
		t.Fatalf("%d audit lines, want 2:\n%s", n, out)
	}
	for _, want := range []string{
		"tool=echo outcome=allowed status=0 reason=\"\" iss=" + testAS + " sub=user_1 org=org_01ACME client=client_1",
		"tool=delete outcome=insufficient_scope status=403 reason=scope",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("audit log lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "secret-token-value") {
		t.Error("the audit log contains the token")
	}
}
