package remote

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mcpauth/mcpauth/internal/httpx"
	"github.com/mcpauth/mcpauth/internal/jwttest"
	"github.com/mcpauth/mcpauth/internal/testutil"
)

const introspectTestToken = "opaque-token-Zm9vYmFy"

// introspectServer is a fake RFC 7662 endpoint recording what it receives.
type introspectServer struct {
	*httptest.Server
	requests atomic.Int32

	mu          sync.Mutex
	status      []int // consumed one per request; the last one sticks
	body        string
	contentType string
	hold        chan struct{}
	arrived     chan struct{} // receives one value per request
	lastForm    url.Values
	lastUser    string
	lastPass    string
	lastBasic   bool
}

func newIntrospectServer(tb testing.TB, body string) *introspectServer {
	tb.Helper()
	s := &introspectServer{status: []int{http.StatusOK}, body: body, contentType: "application/json", arrived: make(chan struct{}, 1000)}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.requests.Add(1)
		s.arrived <- struct{}{}
		_ = r.ParseForm()
		s.mu.Lock()
		s.lastForm = r.PostForm
		s.lastUser, s.lastPass, s.lastBasic = r.BasicAuth()
		status := s.status[0]
		if len(s.status) > 1 {
			s.status = s.status[1:]
		}
		body, ct, hold := s.body, s.contentType, s.hold
		s.mu.Unlock()
		if hold != nil {
			<-hold
		}
		w.Header().Set("Content-Type", ct)
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	}))
	tb.Cleanup(s.Close)
	return s
}

func (s *introspectServer) with(f func(*introspectServer)) {
	s.mu.Lock()
	f(s)
	s.mu.Unlock()
}

func introspectBody(tb testing.TB, overrides map[string]any) string {
	tb.Helper()
	m := map[string]any{
		"active":    true,
		"client_id": "client_01ABC",
		"iss":       jwtTestIssuer,
		"sub":       "user_01HXYZ",
		"aud":       jwtTestAudience,
		"iat":       jwtTestEpoch.Add(-time.Minute).Unix(),
		"exp":       jwtTestEpoch.Add(time.Hour).Unix(),
		"sid":       "consent_01",
		"jti":       "jti-9",
		"org_id":    "org_01",
	}
	for k, v := range overrides {
		if v == nil {
			delete(m, k)
		} else {
			m[k] = v
		}
	}
	return jwtJSON(tb, m)
}

func newTestIntrospection(tb testing.TB, srv *introspectServer, clock *testutil.Clock, mod func(*IntrospectionConfig)) *IntrospectionVerifier {
	tb.Helper()
	cfg := IntrospectionConfig{
		Endpoint:     srv.URL + "/oauth2/introspection",
		ClientID:     "client_rs",
		ClientSecret: "s3cr:t&=",
		Issuer:       jwtTestIssuer,
		Audiences:    []string{jwtTestAudience},
		Now:          clock.Now,
		HTTPClient:   httpx.NewClient(httpx.Options{WaitMin: time.Millisecond, WaitMax: time.Millisecond}),
	}
	if mod != nil {
		mod(&cfg)
	}
	v, err := NewIntrospectionVerifier(cfg)
	if err != nil {
		tb.Fatalf("NewIntrospectionVerifier: %v", err)
	}
	return v
}

func TestIntrospectionActiveToken(t *testing.T) {
	srv := newIntrospectServer(t, introspectBody(t, map[string]any{"scope": "openid mcp:tools", "aud": jwtTestAudience + "/"}))
	v := newTestIntrospection(t, srv, jwttest.NewClock(), nil)
	info, err := v.VerifyToken(context.Background(), introspectTestToken)
	if err != nil {
		t.Fatalf("VerifyToken: %v", err)
	}
	want := &TokenInfo{
		Subject: "user_01HXYZ", ClientID: "client_01ABC", Scopes: []string{"openid", "mcp:tools"},
		Audiences: []string{jwtTestAudience + "/"}, Issuer: jwtTestIssuer,
		Expiry: jwtTestEpoch.Add(time.Hour), IssuedAt: jwtTestEpoch.Add(-time.Minute), TokenID: "jti-9",
	}
	claims := info.Claims
	info.Claims = nil
	if !reflect.DeepEqual(info, want) {
		t.Errorf("TokenInfo = %+v\nwant %+v", info, want)
	}
	if claims["org_id"] != "org_01" {
		t.Errorf("Claims = %v", claims)
	}
	srv.with(func(s *introspectServer) {
		if got := s.lastForm.Get("token"); got != introspectTestToken {
			t.Errorf("token sent = %q", got)
		}
		if got := s.lastForm.Get("token_type_hint"); got != "access_token" {
			t.Errorf("token_type_hint = %q", got)
		}
		if !s.lastBasic || s.lastUser != "client_rs" || s.lastPass != url.QueryEscape("s3cr:t&=") {
			t.Errorf("basic auth = %v %q %q", s.lastBasic, s.lastUser, s.lastPass)
		}
		if s.lastForm.Get("client_secret") != "" {
			t.Error("secret sent in the body with client_secret_basic")
		}
	})
}

func TestIntrospectionClientSecretPost(t *testing.T) {
	srv := newIntrospectServer(t, introspectBody(t, nil))
	v := newTestIntrospection(t, srv, jwttest.NewClock(), func(c *IntrospectionConfig) { c.AuthMethod = IntrospectionAuthPost })
	if _, err := v.VerifyToken(context.Background(), introspectTestToken); err != nil {
		t.Fatal(err)
	}
	srv.with(func(s *introspectServer) {
		if s.lastBasic {
			t.Error("basic auth sent with client_secret_post")
		}
		if s.lastForm.Get("client_id") != "client_rs" || s.lastForm.Get("client_secret") != "s3cr:t&=" {
			t.Errorf("form = %v", s.lastForm)
		}
	})
}

func TestIntrospectionRules(t *testing.T) {
	epoch := jwtTestEpoch.Unix()
	for _, tc := range []struct {
		name      string
		overrides map[string]any
		raw       string
		mod       func(*IntrospectionConfig)
		want      error
	}{
		{name: "valid", overrides: nil},
		{name: "inactive", raw: `{"active":false}`, want: ErrInactiveToken},
		{name: "active missing", overrides: map[string]any{"active": nil}, want: ErrInactiveToken},
		{name: "active as string", overrides: map[string]any{"active": "true"}, want: ErrInactiveToken},
		{name: "exp absent", overrides: map[string]any{"exp": nil}},
		{name: "exp passed", overrides: map[string]any{"exp": epoch - 31}, want: ErrTokenExpired},
		{name: "exp within leeway", overrides: map[string]any{"exp": epoch - 29}},
		{name: "exp as string", overrides: map[string]any{"exp": "4102444800"}, want: ErrMalformedToken},
		{name: "nbf future", overrides: map[string]any{"nbf": epoch + 3600}, want: ErrTokenNotYetValid},
		{name: "iat future", overrides: map[string]any{"iat": epoch + 3600}, want: ErrTokenNotYetValid},
		{name: "iss absent", overrides: map[string]any{"iss": nil}},
		{name: "iss other", overrides: map[string]any{"iss": "https://other.example"}, want: ErrInvalidIssuer},
		{name: "aud absent", overrides: map[string]any{"aud": nil}, want: ErrInvalidAudience},
		{name: "aud absent, the server binds the audience", overrides: map[string]any{"aud": nil}, mod: func(c *IntrospectionConfig) { c.ServerBindsAudience = true }},
		{name: "aud other, the server binds the audience", overrides: map[string]any{"aud": "https://other.example/mcp"}, mod: func(c *IntrospectionConfig) { c.ServerBindsAudience = true }, want: ErrInvalidAudience},
		{name: "aud matches", overrides: map[string]any{"aud": []string{"x", jwtTestAudience}}},
		{name: "aud other", overrides: map[string]any{"aud": "https://other.example/mcp"}, want: ErrInvalidAudience},
		{name: "sub missing (optional in RFC 7662)", overrides: map[string]any{"sub": nil}},
		{name: "sub not a string", overrides: map[string]any{"sub": 7}, want: ErrMalformedToken},
		{name: "token_type Bearer", overrides: map[string]any{"token_type": "Bearer"}},
		{name: "token_type access-token URI", overrides: map[string]any{"token_type": "urn:ietf:params:oauth:token-type:access_token"}},
		{name: "token_type refresh_token", overrides: map[string]any{"token_type": "refresh_token"}, want: ErrNotAccessToken},
		{name: "token_type refresh-token URI", overrides: map[string]any{"token_type": "urn:ietf:params:oauth:token-type:refresh_token"}, want: ErrNotAccessToken},
		{name: "token_type not a string", overrides: map[string]any{"token_type": 1}, want: ErrMalformedToken},
		{name: "token_use access", overrides: map[string]any{"token_use": "access"}},
		{name: "token_use refresh_token", overrides: map[string]any{"token_use": "refresh_token"}, want: ErrNotAccessToken},
		{name: "token_use id", overrides: map[string]any{"token_use": "id"}, want: ErrNotAccessToken},
		{name: "typ Refresh (Keycloak)", overrides: map[string]any{"typ": "Refresh"}, want: ErrNotAccessToken},
		{name: "typ Bearer (Keycloak)", overrides: map[string]any{"typ": "Bearer"}},
		{name: "token_type DPoP", overrides: map[string]any{"token_type": "DPoP"}, want: ErrBoundToken},
		{name: "cnf (bound to a key)", overrides: map[string]any{"cnf": map[string]any{"jkt": "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I"}}, want: ErrBoundToken},
		{name: "cnf (bound to a certificate)", overrides: map[string]any{"cnf": map[string]any{"x5t#S256": "bwcK0esc3ACC3DB2Y5_lESsXE8o9ltc05O89jdN-dg2"}}, want: ErrBoundToken},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body := tc.raw
			if body == "" {
				body = introspectBody(t, tc.overrides)
			}
			srv := newIntrospectServer(t, body)
			v := newTestIntrospection(t, srv, jwttest.NewClock(), tc.mod)
			_, err := v.VerifyToken(context.Background(), introspectTestToken)
			if tc.want == nil {
				if err != nil {
					t.Fatalf("VerifyToken: %v", err)
				}
				return
			}
			if !errors.Is(err, tc.want) || !errors.Is(err, ErrInvalidToken) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
		})
	}
}

// TestIntrospectionEndpointFailures: anything wrong on the endpoint's side is
// "unavailable" (503), never "invalid token" (401).
func TestIntrospectionEndpointFailures(t *testing.T) {
	for _, tc := range []struct {
		name        string
		status      int
		contentType string
		body        string
	}{
		{"server error", 500, "application/json", `{}`},
		{"bad client credentials", 401, "application/json", `{"error":"invalid_client"}`},
		{"HTML", 200, "text/html", "<html></html>"},
		{"garbage JSON", 200, "application/json", "{nope"},
		{"duplicate active", 200, "application/json", `{"active":false,"active":true,"sub":"u"}`},
		{"oversize", 200, "application/json", `{"active":true,"pad":"` + strings.Repeat("x", DefaultMaxIntrospectionBytes) + `"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := newIntrospectServer(t, tc.body)
			srv.with(func(s *introspectServer) { s.status = []int{tc.status}; s.contentType = tc.contentType })
			var logs testutil.LogBuffer
			v := newTestIntrospection(t, srv, jwttest.NewClock(), func(c *IntrospectionConfig) { c.Logger = logs.Logger() })
			for range 2 {
				_, err := v.VerifyToken(context.Background(), introspectTestToken)
				if !errors.Is(err, ErrUnavailable) || errors.Is(err, ErrInvalidToken) {
					t.Fatalf("err = %v, want ErrUnavailable only", err)
				}
			}
			out := logs.String()
			if n := strings.Count(out, "introspection failed"); n != 1 {
				t.Errorf("failure logged %d times, want once per streak:\n%s", n, out)
			}
			if strings.Contains(out, introspectTestToken) || strings.Contains(out, "s3cr") {
				t.Errorf("log leaks the token or the secret:\n%s", out)
			}
		})
	}
	t.Run("endpoint down", func(t *testing.T) {
		srv := newIntrospectServer(t, "{}")
		v := newTestIntrospection(t, srv, jwttest.NewClock(), nil)
		srv.Close()
		if _, err := v.VerifyToken(context.Background(), introspectTestToken); !errors.Is(err, ErrUnavailable) || errors.Is(err, ErrInvalidToken) {
			t.Fatalf("err = %v, want ErrUnavailable", err)
		}
	})
	t.Run("503 costs one call with the default client", func(t *testing.T) {
		srv := newIntrospectServer(t, introspectBody(t, nil))
		srv.with(func(s *introspectServer) { s.status = []int{503, 200} })
		v := newTestIntrospection(t, srv, jwttest.NewClock(), func(c *IntrospectionConfig) { c.HTTPClient = nil })
		if _, err := v.VerifyToken(context.Background(), introspectTestToken); !errors.Is(err, ErrUnavailable) {
			t.Fatalf("VerifyToken = %v, want ErrUnavailable (no retry of a 5xx on a request's behalf)", err)
		}
		if n := srv.requests.Load(); n != 1 {
			t.Errorf("requests = %d, want 1", n)
		}
	})
}

func TestIntrospectionCache(t *testing.T) {
	t.Run("active cached until min(exp, ttl)", func(t *testing.T) {
		srv := newIntrospectServer(t, introspectBody(t, map[string]any{"exp": jwtTestEpoch.Add(30 * time.Second).Unix()}))
		clock := jwttest.NewClock()
		v := newTestIntrospection(t, srv, clock, nil)
		for range 3 {
			if _, err := v.VerifyToken(context.Background(), introspectTestToken); err != nil {
				t.Fatal(err)
			}
		}
		if n := srv.requests.Load(); n != 1 {
			t.Fatalf("requests = %d, want 1", n)
		}
		clock.Advance(30 * time.Second) // exp reached (leeway still accepts)
		if _, err := v.VerifyToken(context.Background(), introspectTestToken); err != nil {
			t.Fatal(err)
		}
		if n := srv.requests.Load(); n != 2 {
			t.Errorf("requests after exp = %d, want 2", n)
		}
	})
	t.Run("ttl", func(t *testing.T) {
		srv := newIntrospectServer(t, introspectBody(t, nil))
		clock := jwttest.NewClock()
		v := newTestIntrospection(t, srv, clock, nil)
		_, _ = v.VerifyToken(context.Background(), introspectTestToken)
		clock.Advance(DefaultIntrospectionCacheTTL)
		_, _ = v.VerifyToken(context.Background(), introspectTestToken)
		if n := srv.requests.Load(); n != 2 {
			t.Errorf("requests = %d, want 2", n)
		}
	})
	t.Run("inactive cached briefly", func(t *testing.T) {
		srv := newIntrospectServer(t, `{"active":false}`)
		clock := jwttest.NewClock()
		v := newTestIntrospection(t, srv, clock, nil)
		for range 3 {
			if _, err := v.VerifyToken(context.Background(), introspectTestToken); !errors.Is(err, ErrInactiveToken) {
				t.Fatal(err)
			}
		}
		if n := srv.requests.Load(); n != 1 {
			t.Errorf("requests = %d, want 1 (the refusal is cached)", n)
		}
		clock.Advance(DefaultIntrospectionRejectedTTL)
		if _, err := v.VerifyToken(context.Background(), introspectTestToken); !errors.Is(err, ErrInactiveToken) {
			t.Fatal(err)
		}
		if n := srv.requests.Load(); n != 2 {
			t.Errorf("requests after the refusal TTL = %d, want 2", n)
		}
	})
	t.Run("refused answer cached with its class", func(t *testing.T) {
		srv := newIntrospectServer(t, introspectBody(t, map[string]any{"token_type": "refresh_token"}))
		v := newTestIntrospection(t, srv, jwttest.NewClock(), nil)
		for range 2 {
			if _, err := v.VerifyToken(context.Background(), introspectTestToken); !errors.Is(err, ErrNotAccessToken) {
				t.Fatalf("err = %v, want ErrNotAccessToken", err)
			}
		}
		if n := srv.requests.Load(); n != 1 {
			t.Errorf("requests = %d, want 1", n)
		}
	})
	t.Run("a failure is not cached", func(t *testing.T) {
		srv := newIntrospectServer(t, introspectBody(t, nil))
		srv.with(func(s *introspectServer) { s.status = []int{500, 200} })
		v := newTestIntrospection(t, srv, jwttest.NewClock(), func(c *IntrospectionConfig) { c.HTTPClient = nil })
		if _, err := v.VerifyToken(context.Background(), introspectTestToken); !errors.Is(err, ErrUnavailable) {
			t.Fatal(err)
		}
		if _, err := v.VerifyToken(context.Background(), introspectTestToken); err != nil {
			t.Fatalf("after the endpoint recovered: %v", err)
		}
	})
	t.Run("disabled", func(t *testing.T) {
		srv := newIntrospectServer(t, introspectBody(t, nil))
		v := newTestIntrospection(t, srv, jwttest.NewClock(), func(c *IntrospectionConfig) { c.DisableCache = true })
		for range 2 {
			_, _ = v.VerifyToken(context.Background(), introspectTestToken)
		}
		if n := srv.requests.Load(); n != 2 {
			t.Errorf("requests = %d, want 2", n)
		}
	})
	t.Run("concurrent requests share one call", func(t *testing.T) {
		srv := newIntrospectServer(t, introspectBody(t, nil))
		hold := make(chan struct{})
		srv.with(func(s *introspectServer) { s.hold = hold })
		v := newTestIntrospection(t, srv, jwttest.NewClock(), nil)
		var wg sync.WaitGroup
		for range 50 {
			wg.Go(func() {
				if _, err := v.VerifyToken(context.Background(), introspectTestToken); err != nil {
					t.Error(err)
				}
			})
		}
		<-srv.arrived // the shared call reached the server; late callers hit the cache
		close(hold)
		wg.Wait()
		if n := srv.requests.Load(); n != 1 {
			t.Errorf("requests = %d, want 1", n)
		}
	})
}

func TestNewIntrospectionVerifierConfig(t *testing.T) {
	good := func() IntrospectionConfig {
		return IntrospectionConfig{
			Endpoint: "https://example.authkit.app/oauth2/introspection", ClientID: "c", ClientSecret: "s",
			Issuer: jwtTestIssuer, Audiences: []string{jwtTestAudience},
		}
	}
	for _, tc := range []struct {
		name    string
		mod     func(*IntrospectionConfig)
		wantErr string
	}{
		{"valid", func(*IntrospectionConfig) {}, ""},
		{"post", func(c *IntrospectionConfig) { c.AuthMethod = IntrospectionAuthPost }, ""},
		{"no endpoint", func(c *IntrospectionConfig) { c.Endpoint = "" }, "Endpoint"},
		{"http endpoint", func(c *IntrospectionConfig) { c.Endpoint = "http://example.com/i" }, "https"},
		{"no secret", func(c *IntrospectionConfig) { c.ClientSecret = "" }, "ClientSecret"},
		{"bad method", func(c *IntrospectionConfig) { c.AuthMethod = "private_key_jwt" }, "AuthMethod"},
		{"no issuer", func(c *IntrospectionConfig) { c.Issuer = "" }, "Issuer"},
		{"no audience", func(c *IntrospectionConfig) { c.Audiences = nil }, "Audiences"},
		{"skip audience", func(c *IntrospectionConfig) { c.Audiences = nil; c.InsecureSkipAudienceCheck = true }, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := good()
			tc.mod(&cfg)
			_, err := NewIntrospectionVerifier(cfg)
			if tc.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) || !strings.HasPrefix(err.Error(), "remote: ") {
				t.Fatalf("err = %v, want one mentioning %q", err, tc.wantErr)
			}
		})
	}
}

// FuzzIntrospectParse: no response body may panic the parser or the rules.
func FuzzIntrospectParse(f *testing.F) {
	f.Add([]byte(`{"active":true,"sub":"u","exp":1e999}`))
	f.Add([]byte(`{"active":true,"sub":"u","aud":[1],"scope":["a"]}`))
	f.Add([]byte(`{"active":true,"active":false}`))
	v := &IntrospectionVerifier{issuer: jwtTestIssuer, audiences: []string{jwtTestAudience}}
	f.Fuzz(func(t *testing.T, body []byte) {
		m, err := introspectParse(body)
		if err != nil {
			return
		}
		if _, err := json.Marshal(m); err != nil {
			t.Fatalf("decoded value not re-encodable: %v", err)
		}
		_, _ = v.validate(m, jwtTestEpoch)
	})
}
