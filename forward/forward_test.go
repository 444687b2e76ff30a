package forward

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mcpauth/mcpauth/internal/jwttest"
	"github.com/mcpauth/mcpauth/internal/testutil"
)

func TestNewValidation(t *testing.T) {
	for _, tc := range []struct {
		name    string
		cfg     Config
		wantErr string // substring; "" means valid
	}{
		{"empty issuer", Config{}, "Config.Issuer is empty"},
		{"relative issuer", Config{Issuer: "auth.example.com"}, "absolute https URL"},
		{"http non-loopback", Config{Issuer: "http://auth.example.com"}, "must use https"},
		{"issuer with query", Config{Issuer: "https://auth.example.com?x=1"}, "query"},
		{"issuer with fragment", Config{Issuer: "https://auth.example.com#x"}, "fragment"},
		{"bad metadata url", Config{Issuer: "https://a.example", MetadataURL: "ftp://a.example/x"}, "Config.MetadataURL"},
		{"bad oidc url", Config{Issuer: "https://a.example", OpenIDConfiguration: true, OpenIDConfigurationURL: "x"}, "Config.OpenIDConfigurationURL"},
		{"negative ttl", Config{Issuer: "https://a.example", MinCacheTTL: -time.Second}, "Config.MinCacheTTL is negative"},
		{"negative body limit", Config{Issuer: "https://a.example", MaxBodyBytes: -1}, "Config.MaxBodyBytes is negative"},
		{"max below min", Config{Issuer: "https://a.example", MinCacheTTL: time.Hour, MaxCacheTTL: time.Minute}, "below"},
		{"default outside bounds", Config{Issuer: "https://a.example", DefaultCacheTTL: 48 * time.Hour}, "outside"},
		{"https", Config{Issuer: "https://a.example"}, ""},
		{"http loopback", Config{Issuer: "http://127.0.0.1:8080"}, ""},
		{"http localhost", Config{Issuer: "http://localhost:8080"}, ""},
		{"defaults clamp into narrow bounds", Config{Issuer: "https://a.example", MaxCacheTTL: 10 * time.Minute}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := New(tc.cfg)
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("New: %v", err)
				}
				_ = f.Close()
				return
			}
			if err == nil {
				t.Fatalf("New accepted %+v", tc.cfg)
			}
			if !strings.HasPrefix(err.Error(), "forward: ") || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("error %q, want prefix forward: and %q", err, tc.wantErr)
			}
		})
	}
}

func TestDefaults(t *testing.T) {
	f := mustNew(t, Config{Issuer: "https://a.example", MaxCacheTTL: 10 * time.Minute})
	c := f.cfg
	if c.MinCacheTTL != time.Minute || c.MaxCacheTTL != 10*time.Minute || c.DefaultCacheTTL != 10*time.Minute {
		t.Errorf("ttl bounds = %v %v %v", c.MinCacheTTL, c.MaxCacheTTL, c.DefaultCacheTTL)
	}
	if c.MaxBodyBytes != 256<<10 || c.ErrorRetryInterval != 10*time.Second || c.HTTPClient == nil || c.LegacyHTTPClient == nil {
		t.Errorf("defaults not applied: %+v", c)
	}
}

func TestMetadataURLDerivation(t *testing.T) {
	for _, tc := range []struct {
		name, issuer, override, wantAS, wantOIDC string
	}{
		{"no path", "https://x.authkit.app", "", "https://x.authkit.app/.well-known/oauth-authorization-server", "https://x.authkit.app/.well-known/openid-configuration"},
		{"trailing slash", "https://x.authkit.app/", "", "https://x.authkit.app/.well-known/oauth-authorization-server", "https://x.authkit.app/.well-known/openid-configuration"},
		{"path inserted", "https://idp.example/tenant/a", "", "https://idp.example/.well-known/oauth-authorization-server/tenant/a", "https://idp.example/tenant/a/.well-known/openid-configuration"},
		{"path with trailing slash", "https://idp.example/tenant/", "", "https://idp.example/.well-known/oauth-authorization-server/tenant", "https://idp.example/tenant/.well-known/openid-configuration"},
		{"port kept", "https://idp.example:8443/t", "", "https://idp.example:8443/.well-known/oauth-authorization-server/t", "https://idp.example:8443/t/.well-known/openid-configuration"},
		{"override", "https://x.authkit.app", "https://meta.example/doc.json", "https://meta.example/doc.json", "https://x.authkit.app/.well-known/openid-configuration"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := mustNew(t, Config{Issuer: tc.issuer, MetadataURL: tc.override, OpenIDConfiguration: true})
			if got := f.MetadataURL(); got != tc.wantAS {
				t.Errorf("metadata URL = %q, want %q", got, tc.wantAS)
			}
			if got := f.oidc.currentURL(); got != tc.wantOIDC {
				t.Errorf("OIDC URL = %q, want %q", got, tc.wantOIDC)
			}
		})
	}
}

func TestServesUpstreamBytesVerbatim(t *testing.T) {
	u := newUpstream(t)
	f := mustNew(t, testConfig(u, jwttest.NewClock(), nil))
	w := do(t, f.Handler(), http.MethodGet, pathAuthorizationServer, nil)
	if w.Code != http.StatusOK {
		t.Fatalf("status = %d, body %q", w.Code, w.Body)
	}
	if !bytes.Equal(w.Body.Bytes(), u.doc()) {
		t.Errorf("body differs from upstream bytes:\n got %q\nwant %q", w.Body.Bytes(), u.doc())
	}
	for k, want := range map[string]string{
		"Content-Type":                "application/json",
		"Access-Control-Allow-Origin": "*",
		"Content-Length":              strconv.Itoa(len(u.doc())),
		"Cache-Control":               "public, max-age=3600",
		"Age":                         "0",
		"X-Content-Type-Options":      "nosniff",
	} {
		if got := w.Header().Get(k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	if et := w.Header().Get("ETag"); !strings.HasPrefix(et, `"`) || len(et) < 10 {
		t.Errorf("ETag = %q, want a strong entity tag", et)
	}
	if got := u.last().Header.Get("Accept"); got != "application/json" {
		t.Errorf("upstream Accept = %q", got)
	}
}

func TestMethods(t *testing.T) {
	u := newUpstream(t)
	f := mustNew(t, testConfig(u, jwttest.NewClock(), nil))
	for _, tc := range []struct {
		method     string
		wantStatus int
		wantHdr    map[string]string
		wantBody   bool
	}{
		{http.MethodGet, 200, map[string]string{"Content-Length": strconv.Itoa(len(u.doc()))}, true},
		{http.MethodHead, 200, map[string]string{"Content-Length": strconv.Itoa(len(u.doc()))}, false},
		{http.MethodOptions, 204, map[string]string{
			"Access-Control-Allow-Methods": "GET, HEAD, OPTIONS",
			"Access-Control-Allow-Headers": "Authorization, Content-Type, DPoP, MCP-Protocol-Version",
		}, false},
		{http.MethodPost, 405, map[string]string{"Allow": "GET, HEAD, OPTIONS"}, true},
		{http.MethodDelete, 405, map[string]string{"Allow": "GET, HEAD, OPTIONS"}, true},
	} {
		t.Run(tc.method, func(t *testing.T) {
			w := do(t, f.Handler(), tc.method, pathAuthorizationServer, nil)
			if w.Code != tc.wantStatus {
				t.Fatalf("status = %d, want %d", w.Code, tc.wantStatus)
			}
			if got := w.Header().Get("Access-Control-Allow-Origin"); got != "*" {
				t.Errorf("ACAO = %q", got)
			}
			for k, v := range tc.wantHdr {
				if got := w.Header().Get(k); got != v {
					t.Errorf("%s = %q, want %q", k, got, v)
				}
			}
			if (w.Body.Len() > 0) != tc.wantBody {
				t.Errorf("body %q, want body: %v", w.Body, tc.wantBody)
			}
		})
	}
}

func TestRetriesThenSucceeds(t *testing.T) {
	for _, tc := range []struct {
		name  string
		first http.HandlerFunc
	}{
		{"503 then 200", status(http.StatusServiceUnavailable, nil)},
		{"429 then 200", status(http.StatusTooManyRequests, nil)},
		// Retry-After: 3600 is clamped to MaxRetryAfter; unclamped, the
		// fetch would exceed FetchTimeout and fail.
		{"Retry-After 3600 clamped", status(http.StatusServiceUnavailable, map[string]string{"Retry-After": "3600"})},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u := newUpstream(t)
			u.set(sequence(tc.first, u.serve(u.doc(), nil)))
			cfg := testConfig(u, jwttest.NewClock(), nil)
			cfg.FetchTimeout = 3 * time.Second
			f := mustNew(t, cfg)
			if err := f.Prime(context.Background()); err != nil {
				t.Fatalf("Prime: %v", err)
			}
			if got := u.hits.Load(); got != 2 {
				t.Errorf("upstream hits = %d, want 2 (one retry)", got)
			}
			if w := do(t, f.Handler(), http.MethodGet, pathAuthorizationServer, nil); w.Code != 200 {
				t.Errorf("status = %d", w.Code)
			}
		})
	}
}

func TestNoRetryOn4xx(t *testing.T) {
	u := newUpstream(t)
	u.set(status(http.StatusNotFound, nil))
	f := mustNew(t, testConfig(u, jwttest.NewClock(), nil))
	err := f.Prime(context.Background())
	if !errors.Is(err, ErrMetadataUnavailable) {
		t.Fatalf("Prime = %v, want ErrMetadataUnavailable", err)
	}
	if got := u.hits.Load(); got != 1 {
		t.Errorf("upstream hits = %d, want 1", got)
	}
}

func TestSlowUpstreamTimesOut(t *testing.T) {
	u := newUpstream(t)
	u.set(u.blockUntil(nil, u.serve(u.doc(), nil)))
	cfg := testConfig(u, jwttest.NewClock(), nil)
	cfg.AttemptTimeout = 50 * time.Millisecond
	cfg.RetryMax = 1
	cfg.FetchTimeout = 2 * time.Second
	f := mustNew(t, cfg)
	err := f.Prime(context.Background())
	if !errors.Is(err, ErrMetadataUnavailable) {
		t.Fatalf("Prime = %v, want ErrMetadataUnavailable", err)
	}
	if got := u.hits.Load(); got != 2 {
		t.Errorf("upstream hits = %d, want 2 (attempt timeout, one retry)", got)
	}
	assertGeneric503(t, do(t, f.Handler(), http.MethodGet, pathAuthorizationServer, nil))
}

// rejected lists upstream answers that must never become the served
// document.
func rejected(u *upstream) map[string]http.HandlerFunc {
	big := append([]byte(`{"issuer":"`+u.issuer()+`","x":"`), bytes.Repeat([]byte("a"), 300<<10)...)
	big = append(big, `","authorization_endpoint":"https://a.example/a","token_endpoint":"https://a.example/t","response_types_supported":["code"]}`...)
	return map[string]http.HandlerFunc{
		"HTML":                   u.serve([]byte("<!doctype html><html><body>Sign in</body></html>"), map[string]string{"Content-Type": "text/html"}),
		"oversize":               u.serve(big, nil),
		"wrong issuer":           u.serve(docWith(u.issuer()+"/", nil), nil),
		"missing issuer":         u.serve(docWith(u.issuer(), map[string]any{"issuer": nil}), nil),
		"missing authorize":      u.serve(docWith(u.issuer(), map[string]any{"authorization_endpoint": nil}), nil),
		"missing token":          u.serve(docWith(u.issuer(), map[string]any{"token_endpoint": nil}), nil),
		"missing response types": u.serve(docWith(u.issuer(), map[string]any{"response_types_supported": nil}), nil),
		"JSON array":             u.serve([]byte(`[{"issuer":"x"}]`), nil),
		"empty body":             u.serve(nil, nil),
		"500":                    status(http.StatusInternalServerError, nil),
		"redirect":               status(http.StatusFound, map[string]string{"Location": "https://elsewhere.example/"}),
	}
}

func TestOutageFromTheStart(t *testing.T) {
	u := newUpstream(t)
	for name, h := range rejected(u) {
		t.Run(name, func(t *testing.T) {
			u.set(h)
			clk := jwttest.NewClock()
			f := mustNew(t, testConfig(u, clk, nil))
			before := u.hits.Load()
			w := do(t, f.Handler(), http.MethodGet, pathAuthorizationServer, nil)
			assertGeneric503(t, w)
			if got := w.Header().Get("Retry-After"); got != "10" {
				t.Errorf("Retry-After = %q, want 10 (ErrorRetryInterval)", got)
			}
			// Within the retry interval no new fetch is made.
			hits := u.hits.Load()
			clk.Advance(5 * time.Second)
			w = do(t, f.Handler(), http.MethodGet, pathAuthorizationServer, nil)
			assertGeneric503(t, w)
			if got := w.Header().Get("Retry-After"); got != "5" {
				t.Errorf("Retry-After = %q, want 5", got)
			}
			if u.hits.Load() != hits {
				t.Errorf("fetched again within ErrorRetryInterval")
			}
			if hits == before {
				t.Errorf("no upstream request was made")
			}
			// After it, the upstream recovers and is fetched again.
			u.set(u.serve(u.doc(), nil))
			clk.Advance(5 * time.Second)
			if w := do(t, f.Handler(), http.MethodGet, pathAuthorizationServer, nil); w.Code != 200 {
				t.Errorf("after recovery: status %d", w.Code)
			}
		})
	}
}

func TestStaleIfError(t *testing.T) {
	u := newUpstream(t)
	for name, h := range rejected(u) {
		t.Run(name, func(t *testing.T) {
			u.set(u.serve(u.doc(), nil))
			clk := jwttest.NewClock()
			logs := &testutil.LogBuffer{}
			f := mustNew(t, testConfig(u, clk, logs))
			if err := f.Prime(context.Background()); err != nil {
				t.Fatal(err)
			}
			u.set(h)
			clk.Advance(2 * time.Hour) // past the 1h default freshness
			for i := range 5 {
				w := do(t, f.Handler(), http.MethodGet, pathAuthorizationServer, nil)
				if w.Code != 200 || !bytes.Equal(w.Body.Bytes(), u.doc()) {
					t.Fatalf("request %d: status %d, body %q; want the last good copy", i, w.Code, w.Body)
				}
				wantAge := strconv.Itoa(int((2*time.Hour + time.Duration(i)*11*time.Second) / time.Second))
				if got := w.Header().Get("Age"); got != wantAge {
					t.Errorf("request %d: Age = %q, want %q", i, got, wantAge)
				}
				waitIdle(t, f.as)
				clk.Advance(11 * time.Second) // past ErrorRetryInterval: a new attempt each time
			}
			if n := logs.Count("level=WARN") + logs.Count("level=ERROR"); n != 1 {
				t.Errorf("%d failure log records for one streak, want 1:\n%s", n, logs)
			}
			if m, err := f.Metadata(context.Background()); err != nil || m.Issuer != u.issuer() {
				t.Errorf("Metadata = %v, %v; want the last good copy", m, err)
			}
			waitIdle(t, f.as) // Metadata started a refresh too (a 6th failure)
			clk.Advance(11 * time.Second)
			u.set(u.serve(u.doc(), nil))
			do(t, f.Handler(), http.MethodGet, pathAuthorizationServer, nil)
			waitIdle(t, f.as)
			if !strings.Contains(logs.String(), "recovered") {
				t.Errorf("no recovery record:\n%s", logs)
			}
			if w := do(t, f.Handler(), http.MethodGet, pathAuthorizationServer, nil); w.Header().Get("Age") != "0" {
				t.Errorf("after recovery Age = %q, want 0", w.Header().Get("Age"))
			}
		})
	}
}

func TestIssuerMismatchLogsLoudly(t *testing.T) {
	u := newUpstream(t)
	u.set(u.serve(docWith(u.issuer()+"/", nil), nil))
	logs := &testutil.LogBuffer{}
	f := mustNew(t, testConfig(u, jwttest.NewClock(), logs))
	err := f.Prime(context.Background())
	var mm *IssuerMismatchError
	if !errors.As(err, &mm) || !errors.Is(err, ErrInvalidMetadata) {
		t.Fatalf("Prime = %v, want *IssuerMismatchError wrapping ErrInvalidMetadata", err)
	}
	if mm.Upstream != u.issuer()+"/" || mm.Configured != u.issuer() {
		t.Errorf("mismatch = %+v", mm)
	}
	if logs.Count("level=ERROR") != 1 || !strings.Contains(logs.String(), "set Config.Issuer to exactly") {
		t.Errorf("want one error-level record telling what to set:\n%s", logs)
	}
}

func TestETagRevalidation(t *testing.T) {
	u := newUpstream(t)
	var conditional atomic.Int32
	u.set(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("ETag", `"v1"`)
		w.Header().Set("Cache-Control", "max-age=120")
		if r.Header.Get("If-None-Match") == `"v1"` {
			conditional.Add(1)
			w.WriteHeader(http.StatusNotModified)
			return
		}
		_, _ = w.Write(u.doc())
	})
	clk := jwttest.NewClock()
	f := mustNew(t, testConfig(u, clk, nil))
	first := do(t, f.Handler(), http.MethodGet, pathAuthorizationServer, nil)
	if first.Code != 200 || first.Header().Get("Cache-Control") != "public, max-age=120" {
		t.Fatalf("first: %d %q", first.Code, first.Header().Get("Cache-Control"))
	}

	clk.Advance(3 * time.Minute)
	stale := do(t, f.Handler(), http.MethodGet, pathAuthorizationServer, nil)
	if stale.Code != 200 || stale.Header().Get("Age") != "180" {
		t.Errorf("stale: %d Age %q, want 200 Age 180", stale.Code, stale.Header().Get("Age"))
	}
	waitIdle(t, f.as)
	if conditional.Load() != 1 || u.hits.Load() != 2 {
		t.Fatalf("conditional requests = %d, hits = %d; want 1, 2", conditional.Load(), u.hits.Load())
	}
	after := do(t, f.Handler(), http.MethodGet, pathAuthorizationServer, nil)
	if !bytes.Equal(after.Body.Bytes(), u.doc()) || after.Header().Get("Age") != "0" || after.Header().Get("ETag") != first.Header().Get("ETag") {
		t.Errorf("after 304: Age %q ETag %q body %q; want the same copy, renewed", after.Header().Get("Age"), after.Header().Get("ETag"), after.Body)
	}
	if u.hits.Load() != 2 {
		t.Errorf("hits = %d after revalidation, want 2 (copy fresh again)", u.hits.Load())
	}
}

func TestClientConditionalRequests(t *testing.T) {
	u := newUpstream(t)
	f := mustNew(t, testConfig(u, jwttest.NewClock(), nil))
	etag := do(t, f.Handler(), http.MethodGet, pathAuthorizationServer, nil).Header().Get("ETag")
	for _, tc := range []struct {
		name, inm string
		want      int
	}{
		{"match", etag, 304},
		{"weak match", "W/" + etag, 304},
		{"in a list", `"other", ` + etag, 304},
		{"star", "*", 304},
		{"no match", `"other"`, 200},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := do(t, f.Handler(), http.MethodGet, pathAuthorizationServer, map[string]string{"If-None-Match": tc.inm})
			if w.Code != tc.want {
				t.Fatalf("status = %d, want %d", w.Code, tc.want)
			}
			if tc.want == 304 && (w.Body.Len() != 0 || w.Header().Get("ETag") != etag) {
				t.Errorf("304 with body %q, ETag %q", w.Body, w.Header().Get("ETag"))
			}
		})
	}
}

func TestFreshnessLifetime(t *testing.T) {
	now := jwttest.NewClock().Now()
	f := mustNew(t, Config{Issuer: "https://a.example"})
	for _, tc := range []struct {
		name string
		hdr  map[string]string
		want time.Duration
	}{
		{"none: default", nil, time.Hour},
		{"max-age", map[string]string{"Cache-Control": "public, max-age=7200"}, 2 * time.Hour},
		{"below min", map[string]string{"Cache-Control": "max-age=5"}, time.Minute},
		{"above max", map[string]string{"Cache-Control": "max-age=999999999"}, 24 * time.Hour},
		{"s-maxage wins", map[string]string{"Cache-Control": "max-age=60, s-maxage=600"}, 10 * time.Minute},
		{"no-store: min", map[string]string{"Cache-Control": "no-store"}, time.Minute},
		{"no-cache: min", map[string]string{"Cache-Control": "no-cache"}, time.Minute},
		{"Age subtracted", map[string]string{"Cache-Control": "max-age=7200", "Age": "3600"}, time.Hour},
		{"Expires minus Date", map[string]string{"Date": now.Format(http.TimeFormat), "Expires": now.Add(3 * time.Hour).Format(http.TimeFormat)}, 3 * time.Hour},
		{"Expires without Date", map[string]string{"Expires": now.Add(2 * time.Hour).Format(http.TimeFormat)}, 2 * time.Hour},
		{"invalid Expires: min", map[string]string{"Expires": "0"}, time.Minute},
		{"max-age beats Expires", map[string]string{"Cache-Control": "max-age=600", "Expires": now.Add(3 * time.Hour).Format(http.TimeFormat)}, 10 * time.Minute},
		{"garbage max-age ignored", map[string]string{"Cache-Control": "max-age=soon"}, time.Hour},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := http.Header{}
			for k, v := range tc.hdr {
				h.Set(k, v)
			}
			if got := f.as.ttl(h, now); got != tc.want {
				t.Errorf("ttl = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestColdCacheConcurrentRequestsFetchOnce(t *testing.T) {
	const n = 1000
	u := newUpstream(t)
	gate := make(chan struct{})
	u.set(u.blockUntil(gate, u.serve(u.doc(), nil)))
	f := mustNew(t, testConfig(u, jwttest.NewClock(), nil))
	var waiting atomic.Int32
	all := make(chan struct{})
	f.as.onWait = func() {
		if waiting.Add(1) == n {
			close(all)
		}
	}
	h := f.Handler()
	var wg sync.WaitGroup
	codes := make([]int, n)
	for i := range n {
		wg.Go(func() {
			codes[i] = do(t, h, http.MethodGet, pathAuthorizationServer, nil).Code
		})
	}
	<-all // every request is waiting on the one fetch
	close(gate)
	wg.Wait()
	for i, c := range codes {
		if c != 200 {
			t.Fatalf("request %d: status %d", i, c)
		}
	}
	if got := u.hits.Load(); got != 1 {
		t.Errorf("upstream requests = %d for %d concurrent cold requests, want 1", got, n)
	}
}

func TestStaleCopyServedWithoutWaiting(t *testing.T) {
	u := newUpstream(t)
	clk := jwttest.NewClock()
	f := mustNew(t, testConfig(u, clk, nil))
	if err := f.Prime(context.Background()); err != nil {
		t.Fatal(err)
	}
	newDoc := docWith(u.issuer(), map[string]any{"x_version": 2})
	gate := make(chan struct{})
	u.set(u.blockUntil(gate, u.serve(newDoc, nil)))
	clk.Advance(time.Hour)

	// The upstream is blocked: these requests complete only because they
	// do not wait for the refresh.
	for i := range 50 {
		w := do(t, f.Handler(), http.MethodGet, pathAuthorizationServer, nil)
		if w.Code != 200 || !bytes.Equal(w.Body.Bytes(), u.doc()) {
			t.Fatalf("request %d: %d %q, want the stale copy", i, w.Code, w.Body)
		}
	}
	close(gate)
	waitIdle(t, f.as)
	if got := u.hits.Load(); got != 2 {
		t.Errorf("upstream requests = %d, want 2 (one refresh)", got)
	}
	if w := do(t, f.Handler(), http.MethodGet, pathAuthorizationServer, nil); !bytes.Equal(w.Body.Bytes(), newDoc) {
		t.Errorf("after refresh body %q, want the new document", w.Body)
	}
}

func TestSharedFetchOutlivesItsRequest(t *testing.T) {
	u := newUpstream(t)
	gate := make(chan struct{})
	u.set(u.blockUntil(gate, u.serve(u.doc(), nil)))
	f := mustNew(t, testConfig(u, jwttest.NewClock(), nil))

	ctx, cancel := context.WithCancel(context.Background())
	started := make(chan struct{})
	f.as.onWait = func() { close(started) }
	done := make(chan int)
	go func() {
		r := httptest.NewRequestWithContext(ctx, http.MethodGet, pathAuthorizationServer, nil)
		w := httptest.NewRecorder()
		f.Handler().ServeHTTP(w, r)
		done <- w.Code
	}()
	<-started
	cancel() // the client that triggered the fetch goes away
	if code := <-done; code != http.StatusServiceUnavailable {
		t.Errorf("cancelled request: status %d, want 503", code)
	}
	close(gate)
	waitIdle(t, f.as)
	if w := do(t, f.Handler(), http.MethodGet, pathAuthorizationServer, nil); w.Code != 200 {
		t.Errorf("status %d, want 200 from the fetch the cancelled request started", w.Code)
	}
	if got := u.hits.Load(); got != 1 {
		t.Errorf("upstream requests = %d, want 1", got)
	}
}

func TestTenSimulatedHours(t *testing.T) {
	u := newUpstream(t)
	u.set(u.serve(u.doc(), map[string]string{"Cache-Control": "max-age=3600"}))
	clk := jwttest.NewClock()
	f := mustNew(t, testConfig(u, clk, nil))
	h := f.Handler()
	for i := 0; i < 10*60; i++ { // a request every simulated minute
		if w := do(t, h, http.MethodGet, pathAuthorizationServer, nil); w.Code != 200 {
			t.Fatalf("minute %d: status %d", i, w.Code)
		}
		waitIdle(t, f.as)
		clk.Advance(time.Minute)
	}
	if got := u.hits.Load(); got < 10 || got > 11 {
		t.Errorf("upstream requests over 10 simulated hours = %d, want about 10", got)
	}
}

// goroutineIn reports whether some goroutine is in fn, giving the scheduler
// a bounded number of rounds (no sleeping) to reach the wanted state: a
// goroutine just started may not show yet, and one that has just finished
// its deferred calls may linger briefly.
func goroutineIn(fn string, want bool) bool {
	buf := make([]byte, 1<<20)
	for range 1000 {
		n := runtime.Stack(buf, true)
		for n == len(buf) { // truncated: grow
			buf = make([]byte, 2*len(buf))
			n = runtime.Stack(buf, true)
		}
		if strings.Contains(string(buf[:n]), fn) == want {
			return want
		}
		runtime.Gosched()
	}
	return !want
}

func TestCloseStopsBackgroundRefresh(t *testing.T) {
	u := newUpstream(t)
	clk := jwttest.NewClock()
	cfg := testConfig(u, clk, nil)
	cfg.OpenIDConfiguration = true
	cfg.OpenIDConfigurationURL = u.issuer() + pathOpenIDConfiguration
	f, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Prime(context.Background()); err != nil {
		t.Fatal(err)
	}
	u.set(u.blockUntil(nil, u.serve(u.doc(), nil))) // never answers on its own
	clk.Advance(2 * time.Hour)
	do(t, f.Handler(), http.MethodGet, pathAuthorizationServer, nil) // starts a refresh
	_, _ = f.oidc.get(context.Background(), clk.Now())               // and one of the OIDC document
	if !goroutineIn("forward.(*docCache).run", true) {
		t.Fatal("no refresh goroutine running before Close")
	}
	_ = f.Close() // cancels the blocked fetch and waits
	if goroutineIn("forward.(*docCache).run", false) {
		t.Error("refresh goroutine left after Close")
	}
	_ = f.Close() // idempotent
	hits := u.hits.Load()
	clk.Advance(2 * time.Hour)
	if w := do(t, f.Handler(), http.MethodGet, pathAuthorizationServer, nil); w.Code != 200 {
		t.Errorf("after Close: status %d, want the cached copy", w.Code)
	}
	if u.hits.Load() != hits || goroutineIn("forward.(*docCache).run", false) {
		t.Error("a fetch started after Close")
	}
	if err := f.Prime(context.Background()); !errors.Is(err, ErrMetadataUnavailable) {
		t.Errorf("Prime after Close = %v, want ErrMetadataUnavailable", err)
	}
}

func TestMetadata(t *testing.T) {
	u := newUpstream(t)
	f := mustNew(t, testConfig(u, jwttest.NewClock(), nil))
	m, err := f.Metadata(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := Metadata{
		Issuer:                            u.issuer(),
		AuthorizationEndpoint:             u.issuer() + "/oauth2/authorize",
		TokenEndpoint:                     u.issuer() + "/oauth2/token",
		RegistrationEndpoint:              u.issuer() + "/oauth2/register",
		JWKSURI:                           u.issuer() + "/oauth2/jwks",
		ResponseTypesSupported:            []string{"code"},
		CodeChallengeMethodsSupported:     []string{"S256"},
		ScopesSupported:                   []string{"email", "offline_access", "openid", "profile"},
		ClientIDMetadataDocumentSupported: true,
	}
	if string(mustJSON(m)) != string(mustJSON(want)) {
		t.Errorf("Metadata =\n%s\nwant\n%s", mustJSON(m), mustJSON(want))
	}
	m.ScopesSupported[0] = "changed"
	m2, _ := f.Metadata(context.Background())
	if m2.ScopesSupported[0] != "email" {
		t.Error("Metadata returned shared slices")
	}
	if u.hits.Load() != 1 {
		t.Errorf("hits = %d, want 1 (cached)", u.hits.Load())
	}
}

func TestOpenIDConfigurationRoute(t *testing.T) {
	u := newUpstream(t)
	oidcDoc := docWith(u.issuer(), map[string]any{"userinfo_endpoint": u.issuer() + "/oauth2/userinfo"})
	u.set(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == pathOpenIDConfiguration {
			_, _ = w.Write(oidcDoc)
			return
		}
		_, _ = w.Write(u.doc())
	})
	for _, enabled := range []bool{false, true} {
		t.Run(strconv.FormatBool(enabled), func(t *testing.T) {
			cfg := testConfig(u, jwttest.NewClock(), nil)
			cfg.OpenIDConfiguration = enabled
			f := mustNew(t, cfg)
			mux := http.NewServeMux()
			for _, r := range f.Routes() {
				mux.Handle(r.Pattern, r.Handler)
			}
			w := do(t, mux, http.MethodGet, pathOpenIDConfiguration, nil)
			if !enabled {
				if w.Code != http.StatusNotFound {
					t.Errorf("disabled: status %d, want 404", w.Code)
				}
				return
			}
			if w.Code != 200 || !bytes.Equal(w.Body.Bytes(), oidcDoc) {
				t.Errorf("status %d body %q, want the upstream OIDC document", w.Code, w.Body)
			}
			if w := do(t, mux, http.MethodGet, pathAuthorizationServer, nil); !bytes.Equal(w.Body.Bytes(), u.doc()) {
				t.Errorf("RFC 8414 route body %q", w.Body)
			}
			if err := f.Prime(context.Background()); err != nil {
				t.Errorf("Prime: %v", err)
			}
		})
	}
}
