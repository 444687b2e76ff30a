package remote

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/mcpauth/mcpauth/internal/testutil"
)

// TestKeysFailureLogSaysWhatIsHeld: the warning of a failed JWKS fetch
// says "keeping the last good key set" only when a set was fetched before;
// a server that never got one says so.
func TestKeysFailureLogSaysWhatIsHeld(t *testing.T) {
	var logs testutil.LogBuffer
	r := newKeysRig(t, func(c *JWTConfig) { c.Logger = logs.Logger(); c.DisableTokenCache = true })
	r.srv.set(http.StatusServiceUnavailable, []byte("down"))
	if err := r.v.Prime(context.Background()); err == nil {
		t.Fatal("Prime with the JWKS down succeeded")
	}
	if got := logs.String(); !strings.Contains(got, "JWKS fetch failed; no key set held") || strings.Contains(got, "last good") {
		t.Fatalf("first failure, nothing ever fetched, logged:\n%s", got)
	}

	r.srv.set(http.StatusOK, r.set("a"))
	r.clock.Advance(time.Minute) // past the backoff
	if err := r.verify(r.token(t, "a", r.clock.Now())); err != nil {
		t.Fatalf("JWKS back: %v", err)
	}
	r.srv.set(http.StatusServiceUnavailable, []byte("down"))
	r.clock.Advance(time.Minute) // past the unknown-kid cooldown
	if err := r.verify(r.token(t, "b", r.clock.Now())); err == nil {
		t.Fatal("unknown kid with the JWKS down accepted")
	}
	if n := strings.Count(logs.String(), "JWKS fetch failed; keeping the last good key set"); n != 1 {
		t.Errorf("failure after a good fetch logged %d times with the held set, want 1:\n%s", n, logs.String())
	}
}
