package forward

// Identity-provider fault suite for the forwarder against the fake AuthKit:
// its metadata endpoint down after a good fetch (the last good document is
// served, stale, for as long as the outage lasts) and down from the start
// (a generic 503 with Retry-After, then normal service once it is back).

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/mcpauth/mcpauth/authkit/authkittest"
	"github.com/mcpauth/mcpauth/internal/jwttest"
	"github.com/mcpauth/mcpauth/internal/testutil"
)

func authkitForwarder(t testing.TB) (*authkittest.Server, *testutil.Clock, *testutil.LogBuffer, *Forwarder) {
	t.Helper()
	as := authkittest.Start(t)
	clk := jwttest.NewClock()
	as.SetClock(clk.Now)
	logs := &testutil.LogBuffer{}
	cfg := Config{
		Issuer:         as.Issuer(),
		RetryMax:       -1,
		AttemptTimeout: 5 * time.Second,
		FetchTimeout:   5 * time.Second,
		Now:            clk.Now,
	}
	cfg.Logger = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	return as, clk, logs, mustNew(t, cfg)
}

func upstreamMetadata(t testing.TB, as *authkittest.Server) []byte {
	t.Helper()
	resp, err := as.Client().Get(as.MetadataURL())
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestFaultAuthKitMetadataDownServesStale(t *testing.T) {
	as, clk, logs, f := authkitForwarder(t)
	want := upstreamMetadata(t, as)
	if err := f.Prime(context.Background()); err != nil {
		t.Fatalf("Prime: %v", err)
	}
	for name, fault := range map[string]authkittest.Fault{
		"503":          {Status: http.StatusServiceUnavailable, Headers: http.Header{"Retry-After": {"3600"}}},
		"HTML":         {Status: http.StatusOK, ContentType: "text/html", Body: []byte("<html>maintenance</html>")},
		"dropped":      {Drop: true},
		"other issuer": {Status: http.StatusOK, Body: docWith("https://evil.example", nil)},
	} {
		t.Run(name, func(t *testing.T) {
			as.SetFault("/.well-known/oauth-authorization-server", fault)
			defer as.ClearFault("/.well-known/oauth-authorization-server")
			// Twelve simulated hours, a request every ten minutes: always
			// the last good document, byte for byte.
			for i := range 72 {
				clk.Advance(10 * time.Minute)
				w := do(t, f.Handler(), http.MethodGet, pathAuthorizationServer, nil)
				if w.Code != http.StatusOK || !bytes.Equal(w.Body.Bytes(), want) {
					t.Fatalf("step %d: status %d, body %q; want the last good document", i, w.Code, w.Body)
				}
				waitIdle(t, f.as)
			}
		})
	}
	as.ClearFault("/.well-known/oauth-authorization-server")
	clk.Advance(time.Minute)
	do(t, f.Handler(), http.MethodGet, pathAuthorizationServer, nil)
	waitIdle(t, f.as)
	if w := do(t, f.Handler(), http.MethodGet, pathAuthorizationServer, nil); w.Header().Get("Age") != "0" {
		t.Errorf("after recovery Age = %q, want 0 (fresh copy)", w.Header().Get("Age"))
	}
	for _, leak := range []string{"maintenance"} { // a wrong issuer is logged on purpose
		if bytes.Contains([]byte(logs.String()), []byte(leak)) {
			t.Errorf("log contains upstream body text %q", leak)
		}
	}
}

func TestFaultAuthKitMetadataNeverFetched(t *testing.T) {
	as, clk, _, f := authkitForwarder(t)
	// Every discovery location fails.
	for _, path := range []string{"/.well-known/oauth-authorization-server", "/.well-known/openid-configuration"} {
		as.SetFault(path, authkittest.Fault{
			Status: http.StatusBadGateway, ContentType: "text/html", Body: []byte("<h1>502 Bad Gateway</h1> upstream 10.0.0.7"),
		})
	}
	for range 3 {
		w := do(t, f.Handler(), http.MethodGet, pathAuthorizationServer, nil)
		assertGeneric503(t, w)
		for _, leak := range []string{"Bad Gateway", "10.0.0.7", "502"} {
			if bytes.Contains(w.Body.Bytes(), []byte(leak)) {
				t.Errorf("503 body %q leaks upstream text %q", w.Body, leak)
			}
		}
		clk.Advance(DefaultErrorRetryInterval)
	}
	as.ClearFault("/.well-known/oauth-authorization-server")
	as.ClearFault("/.well-known/openid-configuration")
	clk.Advance(DefaultErrorRetryInterval)
	w := do(t, f.Handler(), http.MethodGet, pathAuthorizationServer, nil)
	if w.Code != http.StatusOK || !bytes.Equal(w.Body.Bytes(), upstreamMetadata(t, as)) {
		t.Fatalf("after recovery: status %d, body %q", w.Code, w.Body)
	}
}
