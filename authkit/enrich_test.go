package authkit

import (
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
	"testing/synctest"
	"time"

	"github.com/mcpauth/mcpauth/internal/testutil"
	"github.com/workos/workos-go/v4/pkg/usermanagement"
)

const testAPIKey = "sk_test_enrich"

// fakeWorkOS is a minimal WorkOS user-management API: GET a user and list
// its organization memberships, with a switchable outage.
type fakeWorkOS struct {
	srv      *httptest.Server
	requests atomic.Int64
	status   atomic.Int64 // non-zero: answer every request with this status

	mu    sync.Mutex
	auths []string // Authorization headers received
}

func newFakeWorkOS(tb testing.TB) *fakeWorkOS {
	tb.Helper()
	f := &fakeWorkOS{}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /user_management/users/{id}", func(w http.ResponseWriter, r *http.Request) {
		id := r.PathValue("id")
		if id == "user_missing" {
			http.Error(w, `{"message":"not found"}`, http.StatusNotFound)
			return
		}
		writeJSON(w, usermanagement.User{ID: id, Email: "ada@example.com", FirstName: "Ada", LastName: "Lovelace"})
	})
	mux.HandleFunc("GET /user_management/organization_memberships", func(w http.ResponseWriter, r *http.Request) {
		uid := r.URL.Query().Get("user_id")
		after := r.URL.Query().Get("after")
		resp := usermanagement.ListOrganizationMembershipsResponse{}
		if after == "" {
			resp.Data = []usermanagement.OrganizationMembership{{ID: "om_1", UserID: uid, OrganizationID: "org_01ACME", Status: usermanagement.Active}}
			resp.Data[0].Role.Slug = "admin"
			resp.ListMetadata.After = "om_1"
		} else {
			resp.Data = []usermanagement.OrganizationMembership{{ID: "om_2", UserID: uid, OrganizationID: "org_02OTHER", Status: usermanagement.Active}}
			resp.Data[0].Role.Slug = "member"
		}
		writeJSON(w, resp)
	})
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.requests.Add(1)
		f.mu.Lock()
		f.auths = append(f.auths, r.Header.Get("Authorization"))
		f.mu.Unlock()
		if s := f.status.Load(); s != 0 {
			http.Error(w, `{"message":"down"}`, int(s))
			return
		}
		mux.ServeHTTP(w, r)
	}))
	tb.Cleanup(f.srv.Close)
	return f
}

func (f *fakeWorkOS) client() *usermanagement.Client {
	c := usermanagement.NewClient(testAPIKey)
	c.Endpoint = f.srv.URL
	c.HTTPClient = f.srv.Client()
	return c
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

// newClock returns the enricher tests' fake clock.
func newClock() *testutil.Clock { return testutil.NewClock(time.Unix(1_800_000_000, 0)) }

func newTestEnricher(tb testing.TB, cfg enricherConfig) *enricher {
	tb.Helper()
	e, err := newEnricher(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	return e
}

func TestEnricherProfile(t *testing.T) {
	f := newFakeWorkOS(t)
	clock := newClock()
	e := newTestEnricher(t, enricherConfig{Client: f.client(), ProfileOptions: ProfileOptions{TTL: time.Minute}, Now: clock.Now})
	ctx := context.Background()

	p, err := e.Profile(ctx, "user_01HXYZ")
	if err != nil {
		t.Fatal(err)
	}
	if p.User.Email != "ada@example.com" || p.User.FirstName != "Ada" {
		t.Errorf("user = %+v", p.User)
	}
	if len(p.Memberships) != 2 {
		t.Fatalf("memberships = %+v, want both pages", p.Memberships)
	}
	if m, ok := p.Membership("org_01ACME"); !ok || m.Role.Slug != "admin" {
		t.Errorf("Membership(org_01ACME) = %+v, %v", m, ok)
	}
	if _, ok := p.Membership("org_nope"); ok {
		t.Error("membership in an unknown organization")
	}
	if got := f.requests.Load(); got != 3 {
		t.Errorf("WorkOS requests = %d, want 3 (user + two membership pages)", got)
	}

	// Cached within the TTL.
	if _, err := e.Profile(ctx, "user_01HXYZ"); err != nil {
		t.Fatal(err)
	}
	if got := f.requests.Load(); got != 3 {
		t.Errorf("cached lookup hit WorkOS: %d requests", got)
	}
	// Refetched after it.
	clock.Advance(time.Minute)
	if _, err := e.Profile(ctx, "user_01HXYZ"); err != nil {
		t.Fatal(err)
	}
	if got := f.requests.Load(); got != 6 {
		t.Errorf("expired entry not refetched: %d requests", got)
	}
	// Forget drops the entry.
	e.Forget("user_01HXYZ")
	if _, err := e.Profile(ctx, "user_01HXYZ"); err != nil {
		t.Fatal(err)
	}
	if got := f.requests.Load(); got != 9 {
		t.Errorf("forgotten entry not refetched: %d requests", got)
	}

	// Only the API key ever reaches WorkOS.
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, a := range f.auths {
		if a != "Bearer "+testAPIKey {
			t.Errorf("WorkOS received Authorization %q", a)
		}
	}
}

func TestEnricherWorkOSDown(t *testing.T) {
	f := newFakeWorkOS(t)
	clock := newClock()
	e := newTestEnricher(t, enricherConfig{Client: f.client(), ProfileOptions: ProfileOptions{FailureTTL: 10 * time.Second}, Now: clock.Now})
	ctx := context.Background()

	f.status.Store(http.StatusServiceUnavailable)
	_, err := e.Profile(ctx, "user_01HXYZ")
	if !errors.Is(err, ErrProfileUnavailable) {
		t.Fatalf("err = %v, want ErrProfileUnavailable", err)
	}
	if strings.Contains(err.Error(), "down") {
		t.Errorf("error %q carries WorkOS's response text", err)
	}
	// The failure is remembered: no request storm while WorkOS is down.
	n := f.requests.Load()
	for range 5 {
		if _, err := e.Profile(ctx, "user_01HXYZ"); !errors.Is(err, ErrProfileUnavailable) {
			t.Fatalf("err = %v", err)
		}
	}
	if got := f.requests.Load(); got != n {
		t.Errorf("failed lookup retried within FailureTTL: %d requests, want %d", got, n)
	}
	// WorkOS recovers; after FailureTTL the profile comes back.
	f.status.Store(0)
	clock.Advance(10 * time.Second)
	if p, err := e.Profile(ctx, "user_01HXYZ"); err != nil || p.User.Email == "" {
		t.Fatalf("after recovery: %+v, %v", p, err)
	}

	// Unreachable altogether.
	f.srv.Close()
	if _, err := e.Profile(ctx, "user_02OTHER"); !errors.Is(err, ErrProfileUnavailable) {
		t.Errorf("unreachable WorkOS: err = %v", err)
	}
}

func TestEnricherNoProfile(t *testing.T) {
	f := newFakeWorkOS(t)
	e := newTestEnricher(t, enricherConfig{Client: f.client()})
	for _, sub := range []string{"client_01M2M", "user_", "user_../../organizations", "user_a/b", "user_a?x=1", "", strings.Repeat("user_a", 20)} {
		t.Run(sub, func(t *testing.T) {
			if _, err := e.Profile(context.Background(), sub); !errors.Is(err, ErrNoProfile) {
				t.Errorf("err = %v, want ErrNoProfile", err)
			}
		})
	}
	if got := f.requests.Load(); got != 0 {
		t.Errorf("subjects that are not user ids reached WorkOS: %d requests", got)
	}
	if _, err := e.Profile(context.Background(), "user_missing"); !errors.Is(err, ErrNoProfile) {
		t.Errorf("404: err = %v, want ErrNoProfile", err)
	}
}

func TestEnricherBounded(t *testing.T) {
	f := newFakeWorkOS(t)
	e := newTestEnricher(t, enricherConfig{Client: f.client(), ProfileOptions: ProfileOptions{MaxEntries: 2}})
	ctx := context.Background()
	for _, u := range []string{"user_A", "user_B", "user_A", "user_C"} { // C evicts B (A was used last)
		if _, err := e.Profile(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	n := f.requests.Load()
	if _, err := e.Profile(ctx, "user_A"); err != nil {
		t.Fatal(err)
	}
	if f.requests.Load() != n {
		t.Error("recently used entry was evicted")
	}
	if _, err := e.Profile(ctx, "user_B"); err != nil {
		t.Fatal(err)
	}
	if f.requests.Load() == n {
		t.Error("least recently used entry was not evicted")
	}
	e.mu.Lock()
	size := e.lru.Len()
	e.mu.Unlock()
	if size > 2 {
		t.Errorf("cache holds %d entries, bound is 2", size)
	}
}

// blockingTransport answers WorkOS calls in memory once released.
type blockingTransport struct {
	calls   atomic.Int64
	release chan struct{}
}

func (b *blockingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	b.calls.Add(1)
	select {
	case <-b.release:
	case <-r.Context().Done():
		return nil, r.Context().Err()
	}
	body := `{"id":"user_01HXYZ","email":"ada@example.com"}`
	if strings.Contains(r.URL.Path, "organization_memberships") {
		body = `{"data":[],"list_metadata":{}}`
	}
	return &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/json"}},
		Body: io.NopCloser(strings.NewReader(body)), Request: r}, nil
}

func TestEnricherSingleflight(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		tr := &blockingTransport{release: make(chan struct{})}
		c := usermanagement.NewClient(testAPIKey)
		c.Endpoint = "http://workos.invalid"
		c.HTTPClient = &http.Client{Transport: tr}
		e := newTestEnricher(t, enricherConfig{Client: c})

		const n = 50
		var wg sync.WaitGroup
		errs := make(chan error, n)
		for range n {
			wg.Go(func() {
				_, err := e.Profile(context.Background(), "user_01HXYZ")
				errs <- err
			})
		}
		synctest.Wait() // every caller is waiting on the one lookup
		if got := tr.calls.Load(); got != 1 {
			t.Errorf("%d concurrent lookups reached WorkOS, want 1", got)
		}
		close(tr.release)
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Error(err)
			}
		}
		if got := tr.calls.Load(); got != 2 {
			t.Errorf("WorkOS calls = %d, want 2 (user + memberships)", got)
		}
	})
}

func TestEnricherCallerCancel(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		tr := &blockingTransport{release: make(chan struct{})}
		c := usermanagement.NewClient(testAPIKey)
		c.Endpoint = "http://workos.invalid"
		c.HTTPClient = &http.Client{Transport: tr}
		e := newTestEnricher(t, enricherConfig{Client: c, ProfileOptions: ProfileOptions{Timeout: time.Second}})

		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error)
		go func() {
			_, err := e.Profile(ctx, "user_01HXYZ")
			done <- err
		}()
		synctest.Wait()
		cancel()
		if err := <-done; !errors.Is(err, ErrProfileUnavailable) || !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v", err)
		}
		// The shared lookup is bounded by Timeout, not left running.
		time.Sleep(2 * time.Second)
		synctest.Wait()
		if _, err, ok := e.cached("user_01HXYZ"); !ok || !errors.Is(err, ErrProfileUnavailable) {
			t.Errorf("timed-out lookup not recorded: ok=%v err=%v", ok, err)
		}
	})
}

func TestNewEnricherValidation(t *testing.T) {
	for name, cfg := range map[string]enricherConfig{
		"nil client":   {},
		"no api key":   {Client: usermanagement.NewClient("")},
		"zero client":  {Client: &usermanagement.Client{APIKey: "k"}},
		"negative ttl": {Client: usermanagement.NewClient("k"), ProfileOptions: ProfileOptions{TTL: -1}},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := newEnricher(cfg)
			if err == nil || !strings.HasPrefix(err.Error(), "authkit: ") {
				t.Errorf("err = %v", err)
			}
		})
	}
}

func BenchmarkEnricherCached(b *testing.B) {
	f := newFakeWorkOS(b)
	e := newTestEnricher(b, enricherConfig{Client: f.client()})
	ctx := context.Background()
	if _, err := e.Profile(ctx, "user_01HXYZ"); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := e.Profile(ctx, "user_01HXYZ"); err != nil {
			b.Fatal(err)
		}
	}
}

// A WorkOS endpoint that redirects never gets the API key re-sent to the
// redirect's target, a reachable fake WorkOS that would answer the lookup.
func TestEnricherNeverFollowsARedirect(t *testing.T) {
	target := newFakeWorkOS(t)
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, target.srv.URL+r.URL.RequestURI(), http.StatusTemporaryRedirect)
	}))
	defer origin.Close()
	for _, tc := range []struct {
		name string
		c    func() *usermanagement.Client
	}{
		{"NewWorkOSClient", func() *usermanagement.Client { c := NewWorkOSClient(testAPIKey); c.Endpoint = origin.URL; return c }},
		{"user's workos-go client", func() *usermanagement.Client {
			c := usermanagement.NewClient(testAPIKey)
			c.Endpoint, c.HTTPClient = origin.URL, &http.Client{}
			return c
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := tc.c()
			before := c.HTTPClient
			e := newTestEnricher(t, enricherConfig{Client: c})
			if _, err := e.Profile(context.Background(), "user_01HXYZ"); !errors.Is(err, ErrProfileUnavailable) {
				t.Fatalf("err = %v, want ErrProfileUnavailable", err)
			}
			if n := target.requests.Load(); n != 0 {
				t.Fatalf("the redirect target received %d requests, want 0", n)
			}
			if c.HTTPClient != before {
				t.Error("the caller's client was modified")
			}
		})
	}
}
