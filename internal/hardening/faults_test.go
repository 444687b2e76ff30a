package hardening

import (
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/mcpauth/mcpauth/authkit/authkittest"
	"github.com/mcpauth/mcpauth/remote"
)

// The verifier-level fault suite is remote/faults_test.go; these tests
// check what a client sees over HTTP during the same faults: 503 with
// Retry-After (never a 401 that would make it throw a good token away),
// and normal service once the identity provider is back.

// cooldown is the verifier's default unknown-kid cooldown, used by the rigs.
const cooldown = remote.DefaultUnknownKeyCooldown

func assert503(tb testing.TB, r *rig, resp response, before int64) {
	tb.Helper()
	if resp.status != http.StatusServiceUnavailable {
		tb.Fatalf("status = %d, want 503; body %s", resp.status, resp.body)
	}
	if ra, err := strconv.Atoi(resp.header.Get("Retry-After")); err != nil || ra <= 0 {
		tb.Errorf("Retry-After = %q, want a positive number of seconds", resp.header.Get("Retry-After"))
	}
	if got := bodyError(resp.body); got != "temporarily_unavailable" {
		tb.Errorf("body error = %q, want temporarily_unavailable", got)
	}
	if r.reached.Load() != before {
		tb.Error("a 503 request reached the MCP handler")
	}
	assertNoInternalText(tb, resp.body)
}

// jwksDownAtStart: the JWKS is down before any fetch; requests get 503 with
// Retry-After until it is back, then normal answers within one cooldown.
func jwksDownAtStart(t *testing.T, r *rig) {
	r.as.SetFault(authkittest.PathJWKS, authkittest.Fault{Status: 503, ContentType: "text/html", Body: []byte("<h1>upstream 10.0.0.7 down</h1>")})
	tok := bearer(r.mint(t, authkittest.TokenOptions{ExpiresIn: time.Hour}))
	for range 3 {
		assert503(t, r, r.send(t, http.MethodPost, "", tok, nil, nil), r.reached.Load())
		r.clock.Advance(cooldown / 4)
	}
	r.as.ClearFault(authkittest.PathJWKS)
	r.clock.Advance(cooldown)
	if resp := r.send(t, http.MethodPost, "", tok, nil, nil); resp.status != http.StatusOK {
		t.Fatalf("after the JWKS is back: status %d, body %s", resp.status, resp.body)
	}
}

// jwksOutageAfterPriming: twelve simulated hours of JWKS outage after a good
// fetch; known keys keep working, unknown kids get 503, never 401.
func jwksOutageAfterPriming(t *testing.T, r *rig) {
	if err := r.v.Prime(t.Context()); err != nil {
		t.Fatal(err)
	}
	r.as.SetFault(authkittest.PathJWKS, authkittest.Fault{Status: 502, Body: []byte(`{"error":"bad gateway"}`)})
	var failures, wrong int
	for step := range 72 { // every 10 minutes for 12 hours
		r.clock.Advance(10 * time.Minute)
		good := r.mint(t, authkittest.TokenOptions{})
		if resp := r.send(t, http.MethodPost, "", bearer(good), nil, nil); resp.status != http.StatusOK {
			failures++
		}
		before := r.reached.Load()
		resp := r.send(t, http.MethodPost, "", bearer(withKid(t, good, "kid_rotated_"+strconv.Itoa(step))), nil, nil)
		if resp.status != http.StatusServiceUnavailable || r.reached.Load() != before {
			wrong++
			t.Logf("step %d: unknown kid answered %d, want 503", step, resp.status)
		}
	}
	if failures != 0 || wrong != 0 {
		t.Errorf("over 12 simulated hours: %d known-key failures, %d unknown-kid answers other than 503; want 0 and 0", failures, wrong)
	}
	r.as.ClearFault(authkittest.PathJWKS)
	r.as.RotateKey()
	r.clock.Advance(cooldown)
	if resp := r.send(t, http.MethodPost, "", bearer(r.mint(t, authkittest.TokenOptions{})), nil, nil); resp.status != http.StatusOK {
		t.Errorf("new key after recovery: status %d, want 200 within one cooldown", resp.status)
	}
}

func TestFaultJWKSDownAtStartOverHTTP(t *testing.T) {
	jwksDownAtStart(t, newRig(t, rigOptions{}))
}

func TestFaultJWKSOutageAfterPrimingOverHTTP(t *testing.T) {
	jwksOutageAfterPriming(t, newRig(t, rigOptions{}))
}
