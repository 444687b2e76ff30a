package authkittest_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/mcpauth/mcpauth/authkit/authkittest"
)

func get(t testing.TB, s *authkittest.Server, path string) (*http.Response, string) {
	t.Helper()
	resp, err := s.Client().Get(s.URL() + path)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func TestFaults(t *testing.T) {
	s := authkittest.Start(t)
	tests := []struct {
		name       string
		path       string
		fault      authkittest.Fault
		wantStatus int
		wantBody   string
		wantCT     string
		wantHeader [2]string
	}{
		{"status", "/oauth2/jwks", authkittest.Fault{Status: 503, Headers: http.Header{"Retry-After": {"7"}}}, 503, "", "application/json", [2]string{"Retry-After", "7"}},
		{"garbage", "/.well-known/oauth-authorization-server", authkittest.Fault{Status: 200, Body: []byte("<html>nope"), ContentType: "text/html"}, 200, "<html>nope", "text/html", [2]string{}},
		{"header only", "/oauth2/jwks", authkittest.Fault{Headers: http.Header{"X-Fault": {"1"}}}, 200, "", "application/json", [2]string{"X-Fault", "1"}},
		{"all paths", "*", authkittest.Fault{Status: 500, Body: []byte(`{}`)}, 500, "{}", "application/json", [2]string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s.SetFault(tt.path, tt.fault)
			defer s.ClearFault(tt.path)
			target := tt.path
			if target == "*" {
				target = "/oauth2/jwks"
			}
			resp, body := get(t, s, target)
			if resp.StatusCode != tt.wantStatus || resp.Header.Get("Content-Type") != tt.wantCT {
				t.Fatalf("got %d %q", resp.StatusCode, resp.Header.Get("Content-Type"))
			}
			if tt.wantBody != "" && body != tt.wantBody {
				t.Errorf("body = %q", body)
			}
			if k := tt.wantHeader[0]; k != "" && resp.Header.Get(k) != tt.wantHeader[1] {
				t.Errorf("%s = %q", k, resp.Header.Get(k))
			}
		})
	}
	if resp, _ := get(t, s, "/oauth2/jwks"); resp.StatusCode != 200 {
		t.Errorf("after ClearFault: %d", resp.StatusCode)
	}
}

func TestFaultTimesAndPrecedence(t *testing.T) {
	s := authkittest.Start(t)
	s.SetFault("/oauth2/jwks", authkittest.Fault{Status: 503, Times: 2})
	s.SetFault("*", authkittest.Fault{Status: 418})
	var got []int
	for range 3 {
		resp, _ := get(t, s, "/oauth2/jwks")
		got = append(got, resp.StatusCode)
	}
	if want := []int{503, 503, 418}; got[0] != want[0] || got[1] != want[1] || got[2] != want[2] {
		t.Errorf("statuses = %v, want %v", got, want)
	}
	s.ClearFault("*")
	if resp, _ := get(t, s, "/oauth2/jwks"); resp.StatusCode != 200 {
		t.Errorf("after faults: %d", resp.StatusCode)
	}
}

func TestFaultDrop(t *testing.T) {
	s := authkittest.Start(t)
	s.SetFault("/oauth2/jwks", authkittest.Fault{Drop: true, Times: 1})
	resp, err := s.Client().Get(s.JWKSURL())
	if err == nil {
		resp.Body.Close()
		t.Fatalf("dropped connection answered %d", resp.StatusCode)
	}
	if resp, _ := get(t, s, "/oauth2/jwks"); resp.StatusCode != 200 {
		t.Errorf("after drop: %d", resp.StatusCode)
	}
}

// arrivals makes the server's clock signal each request it logs, so a test
// can wait for a request to reach the server without sleeping.
func arrivals(s *authkittest.Server) <-chan struct{} {
	ch := make(chan struct{}, 16)
	s.SetClock(func() time.Time {
		select {
		case ch <- struct{}{}:
		default:
		}
		return time.Now()
	})
	return ch
}

func TestFaultDelayEndsWithRequestContext(t *testing.T) {
	s := authkittest.Start(t)
	s.SetFault("/oauth2/jwks", authkittest.Fault{Delay: time.Hour})
	arrived := arrivals(s)
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, s.JWKSURL(), nil)
		resp, err := s.Client().Do(req)
		if err == nil {
			resp.Body.Close()
		}
		errc <- err
	}()
	<-arrived
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	// The server is not stuck: a request without the fault is served.
	s.ClearFault("/oauth2/jwks")
	if resp, _ := get(t, s, "/oauth2/jwks"); resp.StatusCode != 200 {
		t.Errorf("status %d", resp.StatusCode)
	}
}

func TestFaultDelayThenAnswer(t *testing.T) {
	s := authkittest.Start(t)
	s.SetFault("/oauth2/jwks", authkittest.Fault{Delay: time.Nanosecond, Status: 504})
	if resp, _ := get(t, s, "/oauth2/jwks"); resp.StatusCode != 504 {
		t.Errorf("status %d", resp.StatusCode)
	}
	s.SetFault("/oauth2/jwks", authkittest.Fault{Delay: time.Nanosecond})
	if resp, _ := get(t, s, "/oauth2/jwks"); resp.StatusCode != 200 {
		t.Errorf("latency-only status %d", resp.StatusCode)
	}
}

func TestCloseReleasesDelayedRequests(t *testing.T) {
	s := authkittest.NewServer()
	s.SetFault("/oauth2/jwks", authkittest.Fault{Delay: time.Hour})
	arrived := arrivals(s)
	done := make(chan struct{})
	go func() {
		defer close(done)
		if resp, err := s.Client().Get(s.JWKSURL()); err == nil {
			resp.Body.Close()
		}
	}()
	<-arrived
	s.Close() // must not wait an hour
	<-done
	s.Close() // idempotent
	if resp, err := http.Get(s.JWKSURL()); err == nil {
		resp.Body.Close()
		t.Fatal("server still answers after Close")
	}
}

func TestSetClientID(t *testing.T) {
	s := authkittest.NewUnstartedServer()
	defer s.Close()
	s.SetClientID("client_01FIXED")
	s.Start()
	if s.ClientID() != "client_01FIXED" {
		t.Fatalf("ClientID = %q", s.ClientID())
	}
	// The environment client keeps its credentials under the new id.
	status, body := postForm(t, s, "/oauth2/introspection", url.Values{"token": {s.MustMint(t, authkittest.TokenOptions{})}}, "client_01FIXED", s.ClientSecret())
	if status != http.StatusOK || body["active"] != true || body["client_id"] != "client_01FIXED" || body["aud"] != "client_01FIXED" {
		t.Errorf("introspection = %d %v", status, body)
	}
	defer func() {
		if recover() == nil {
			t.Error("SetClientID after Start did not panic")
		}
	}()
	s.SetClientID("client_01LATE")
}

func TestUnstartedServer(t *testing.T) {
	s := authkittest.NewUnstartedServer()
	defer s.Close()
	url := s.URL()
	s.SetDCR(false)
	s.SetUser(authkittest.User{ID: "user_01PRE"})
	s.Start()
	if s.URL() != url {
		t.Errorf("URL changed at Start: %q → %q", url, s.URL())
	}
	if _, m := getJSON(t, s, s.MetadataURL()); m["issuer"] != url || m["registration_endpoint"] != nil {
		t.Errorf("metadata = %v", m)
	}
	defer func() {
		if recover() == nil {
			t.Error("second Start did not panic")
		}
	}()
	s.Start()
}

func TestRequestLog(t *testing.T) {
	s := authkittest.Start(t)
	s.SetClock(func() time.Time { return time.Unix(1000, 0) })
	_, _ = get(t, s, "/oauth2/jwks?x=1&code=secret")
	postForm(t, s, "/oauth2/introspection", map[string][]string{"token": {"tok-secret"}}, s.ClientID(), s.ClientSecret())
	log := s.Requests()
	if len(log) != 2 {
		t.Fatalf("log = %+v", log)
	}
	if r := log[0]; r.Method != "GET" || r.Path != "/oauth2/jwks" || r.Query.Get("x") != "1" || r.Query.Get("code") != "[redacted]" || !r.Time.Equal(time.Unix(1000, 0)) || r.Form != nil {
		t.Errorf("log[0] = %+v", r)
	}
	if r := log[1]; r.Method != "POST" || r.AuthScheme != "Basic" || r.Form.Get("token") != "[redacted]" {
		t.Errorf("log[1] = %+v", r)
	}
	log[0].Query.Set("x", "mutated")
	if s.Requests()[0].Query.Get("x") != "1" {
		t.Error("Requests returns shared maps")
	}
	s.ResetRequests()
	if len(s.Requests()) != 0 {
		t.Error("ResetRequests kept entries")
	}
}

func TestConcurrentClients(t *testing.T) {
	s := authkittest.Start(t)
	const n = 8
	// Parallel subtests run concurrently and may call t.Fatal; the group
	// returns when all of them have finished.
	t.Run("group", func(t *testing.T) {
		for i := range n {
			t.Run(fmt.Sprint(i), func(t *testing.T) {
				t.Parallel()
				clientID, _, tok := flowTokens(t, s)
				if !verifyWithJWKS(t, s, tok["access_token"].(string)) {
					t.Error("issued token does not verify")
				}
				status, body := postForm(t, s, "/oauth2/token", map[string][]string{
					"grant_type": {"refresh_token"}, "refresh_token": {tok["refresh_token"].(string)}, "client_id": {clientID},
				}, "", "")
				if status != 200 {
					t.Errorf("refresh: %d %v", status, body)
				}
				s.MustMint(t, authkittest.TokenOptions{Scopes: []string{"x"}})
				switch i % 4 {
				case 0:
					s.RotateKey()
				case 1:
					s.SetUser(authkittest.User{ID: "user_01CONC", Permissions: []string{"p"}})
				case 2:
					s.SetFault("/nothing", authkittest.Fault{Status: 500})
					s.SetDCR(true)
				case 3:
					_ = s.Requests()
					_ = s.JWKS()
				}
			})
		}
	})
	if got := len(s.KeyIDs()); got != 1+n/4 {
		t.Errorf("keys = %d, want %d", got, 1+n/4)
	}
}
