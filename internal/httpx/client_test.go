package httpx

import (
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"
)

func TestClientRetriesThenKeepsFinalStatus(t *testing.T) {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		w.WriteHeader(http.StatusBadGateway)
	}))
	defer srv.Close()
	c := NewClient(Options{WaitMin: time.Millisecond, WaitMax: time.Millisecond})
	resp, err := c.Get(srv.URL)
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadGateway {
		t.Errorf("status = %d, want 502 (final response kept)", resp.StatusCode)
	}
	if got := n.Load(); got != 1+DefaultRetryMax {
		t.Errorf("attempts = %d, want %d", got, 1+DefaultRetryMax)
	}
}

func TestClientDoesNotRetry4xx(t *testing.T) {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		w.WriteHeader(http.StatusNotFound)
	}))
	defer srv.Close()
	resp, err := NewClient(Options{}).Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if n.Load() != 1 {
		t.Errorf("attempts = %d, want 1", n.Load())
	}
}

func TestClampedBackoff(t *testing.T) {
	b := ClampedBackoff(2 * time.Second)
	resp := &http.Response{StatusCode: http.StatusServiceUnavailable, Header: http.Header{"Retry-After": {"3600"}}}
	if got := b(100*time.Millisecond, time.Second, 0, resp); got != 2*time.Second {
		t.Errorf("Retry-After 3600 → %v, want clamped to 2s", got)
	}
	resp.Header.Set("Retry-After", "0")
	if got := b(100*time.Millisecond, time.Second, 0, resp); got != 100*time.Millisecond {
		t.Errorf("Retry-After 0 → %v, want the minimum wait", got)
	}
	if got := b(100*time.Millisecond, time.Second, 5, nil); got != time.Second {
		t.Errorf("attempt 5 → %v, want capped at max 1s", got)
	}
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"", 0, false},
		{"12", 12 * time.Second, true},
		{"-1", 0, false},
		{"soon", 0, false},
		{now.Add(30 * time.Second).Format(http.TimeFormat), 30 * time.Second, true},
		{now.Add(-30 * time.Second).Format(http.TimeFormat), 0, true},
	} {
		got, ok := RetryAfter(tc.in, now)
		if got != tc.want || ok != tc.ok {
			t.Errorf("RetryAfter(%q) = %v, %v; want %v, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func TestFreshness(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	lo, def, hi := 5*time.Minute, time.Hour, 24*time.Hour
	for _, tc := range []struct {
		name string
		h    http.Header
		want time.Duration
	}{
		{"no headers: default", http.Header{}, def},
		{"max-age", http.Header{"Cache-Control": {"public, max-age=7200"}}, 2 * time.Hour},
		{"quoted, upper case", http.Header{"Cache-Control": {`MAX-AGE="600"`}}, 10 * time.Minute},
		{"s-maxage wins", http.Header{"Cache-Control": {"s-maxage=900, max-age=7200"}}, 15 * time.Minute},
		{"negative ignored", http.Header{"Cache-Control": {"max-age=-5"}}, def},
		{"no-store: minimum", http.Header{"Cache-Control": {"no-store"}}, lo},
		{"above the bound", http.Header{"Cache-Control": {"max-age=172800"}}, hi},
		{"Age subtracted", http.Header{"Cache-Control": {"max-age=7200"}, "Age": {"1800"}}, 90 * time.Minute},
		{"Expires minus Date", http.Header{"Expires": {now.Add(3 * time.Hour).Format(http.TimeFormat)}, "Date": {now.Format(http.TimeFormat)}}, 3 * time.Hour},
		{"invalid Expires: minimum", http.Header{"Expires": {"0"}}, lo},
	} {
		if got := Freshness(tc.h, now, def, lo, hi); got != tc.want {
			t.Errorf("%s: Freshness = %v, want %v", tc.name, got, tc.want)
		}
	}
}
