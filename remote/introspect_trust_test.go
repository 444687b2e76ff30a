package remote

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/hashicorp/go-retryablehttp"
	"github.com/mcpauth/mcpauth/internal/jwttest"
	"github.com/mcpauth/mcpauth/internal/testutil"
)

// An introspection endpoint that redirects must not get the token and the
// client secret re-posted to the redirect's target, a reachable server that
// would answer "active" for any token.
func TestIntrospectionNeverFollowsARedirect(t *testing.T) {
	for _, status := range []int{301, 302, 303, 307, 308} {
		for _, client := range []struct {
			name string
			c    func() *http.Client
		}{
			{"default client", func() *http.Client { return nil }},
			{"user's plain client", func() *http.Client { return &http.Client{} }},
			{"user's go-retryablehttp client", func() *http.Client {
				rc := retryablehttp.NewClient()
				rc.Logger, rc.RetryMax = nil, 0
				return rc.StandardClient()
			}},
		} {
			t.Run(fmt.Sprint(status, "/", client.name), func(t *testing.T) {
				other := newIntrospectServer(t, introspectBody(t, nil))
				srv := newIntrospectServer(t, "")
				srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					http.Redirect(w, r, other.URL+"/introspect", status)
				})
				var logs testutil.LogBuffer
				v := newTestIntrospection(t, srv, jwttest.NewClock(), func(c *IntrospectionConfig) {
					c.HTTPClient = client.c()
					c.AuthMethod = IntrospectionAuthPost // the secret travels in the body
					c.Logger = logs.Logger()
				})
				for range 2 {
					_, err := v.VerifyToken(context.Background(), introspectTestToken)
					if !errors.Is(err, ErrUnavailable) || errors.Is(err, ErrInvalidToken) {
						t.Fatalf("VerifyToken = %v, want ErrUnavailable (503)", err)
					}
				}
				if n := other.requests.Load(); n != 0 {
					t.Fatalf("the redirect target received %d requests, want 0", n)
				}
				out := logs.String()
				if n := strings.Count(out, "introspection failed"); n != 1 || !strings.Contains(out, fmt.Sprint("HTTP ", status)) || !strings.Contains(out, srv.Listener.Addr().String()) {
					t.Errorf("want one log line with the status and the configured host:\n%s", out)
				}
			})
		}
	}
}

// The figures of the upstream cost of bogus tokens: repeated ones are
// answered from the refusal cache, and at most MaxConcurrent calls are in
// flight whatever the number of distinct ones; the rest are refused at once.
func TestIntrospectionBogusTokenFigures(t *testing.T) {
	t.Run("1,000 concurrent distinct bogus tokens", func(t *testing.T) {
		srv := newIntrospectServer(t, `{"active":false}`)
		hold := make(chan struct{})
		srv.with(func(s *introspectServer) { s.hold = hold })
		v := newTestIntrospection(t, srv, jwttest.NewClock(), nil)
		const n = 1000
		var busy atomic.Int32
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				_, err := v.VerifyToken(context.Background(), fmt.Sprintf("bogus-%d", i))
				switch {
				case errors.Is(err, ErrIntrospectionBusy):
					busy.Add(1)
				case !errors.Is(err, ErrInactiveToken):
					t.Errorf("err = %v", err)
				}
			})
		}
		for range DefaultMaxConcurrentIntrospection {
			<-srv.arrived
		}
		// Every caller beyond the bound returns without waiting for the
		// held calls.
		for busy.Load() < n-DefaultMaxConcurrentIntrospection {
			select {
			case <-srv.arrived:
				t.Fatal("more calls in flight than MaxConcurrent")
			default:
			}
		}
		close(hold)
		wg.Wait()
		calls := srv.requests.Load()
		t.Logf("1,000 concurrent distinct bogus tokens: %d upstream calls (peak %d in flight), %d answered 503 at once", calls, calls, busy.Load())
		if calls != DefaultMaxConcurrentIntrospection || busy.Load() != n-DefaultMaxConcurrentIntrospection {
			t.Errorf("calls = %d, busy = %d; want %d and %d", calls, busy.Load(), DefaultMaxConcurrentIntrospection, n-DefaultMaxConcurrentIntrospection)
		}
	})
	t.Run("1,000 requests over 10 bogus tokens", func(t *testing.T) {
		srv := newIntrospectServer(t, `{"active":false}`)
		v := newTestIntrospection(t, srv, jwttest.NewClock(), nil)
		for i := range 1000 {
			if _, err := v.VerifyToken(context.Background(), fmt.Sprintf("bogus-%d", i%10)); !errors.Is(err, ErrInactiveToken) {
				t.Fatal(err)
			}
		}
		t.Logf("1,000 requests over 10 distinct bogus tokens: %d upstream calls", srv.requests.Load())
		if n := srv.requests.Load(); n != 10 {
			t.Errorf("upstream calls = %d, want 10", n)
		}
	})
}

// The audience rule and the token-kind rules hold through the provider,
// which checks the audience of what the verifier reports once more.
func TestIntrospectionThroughTheProvider(t *testing.T) {
	for _, tc := range []struct {
		name       string
		overrides  map[string]any
		serverAud  bool
		wantStatus int
		wantSub    string
	}{
		{name: "valid", wantStatus: 200, wantSub: "user_01HXYZ"},
		{name: "no aud", overrides: map[string]any{"aud": nil}, wantStatus: 401},
		{name: "no aud, the server binds the audience", overrides: map[string]any{"aud": nil}, serverAud: true, wantStatus: 200, wantSub: "user_01HXYZ"},
		{name: "other aud, the server binds the audience", overrides: map[string]any{"aud": "https://other.example/mcp"}, serverAud: true, wantStatus: 401},
		{name: "no sub", overrides: map[string]any{"sub": nil}, wantStatus: 200, wantSub: ""},
		{name: "active refresh token", overrides: map[string]any{"token_type": "refresh_token"}, wantStatus: 401},
		{name: "bound to a key", overrides: map[string]any{"cnf": map[string]any{"jkt": "x"}}, wantStatus: 401},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := newIntrospectServer(t, introspectBody(t, tc.overrides))
			v := newTestIntrospection(t, srv, jwttest.NewClock(), func(c *IntrospectionConfig) { c.ServerBindsAudience = tc.serverAud })
			p := MustNew(Config{MCPURL: jwtTestAudience, AuthorizationServers: []string{jwtTestIssuer}, Verifier: v})
			var sub *string
			h := p.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				id, _ := IdentityFromContext(r.Context())
				s := id.Subject()
				sub = &s
			}))
			req := httptest.NewRequest(http.MethodPost, "/mcp", strings.NewReader("{}"))
			req.Header.Set("Authorization", "Bearer "+introspectTestToken)
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != tc.wantStatus {
				t.Fatalf("status = %d, want %d (%s)", rec.Code, tc.wantStatus, rec.Header().Get("WWW-Authenticate"))
			}
			if tc.wantStatus == 200 && *sub != tc.wantSub {
				t.Errorf("Subject = %q, want %q", *sub, tc.wantSub)
			}
		})
	}
}
