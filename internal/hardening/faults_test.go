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
	r.as.SetFault("/oauth2/jwks", authkittest.Fault{Status: 503, ContentType: "text/html", Body: []byte("<h1>upstream 10.0.0.7 down</h1>")})
	tok := bearer(r.mint(t, authkittest.TokenOptions{ExpiresIn: time.Hour}))
	for range 3 {
		assert503(t, r, r.send(t, http.MethodPost, "", tok, nil, nil), r.reached.Load())
		r.clock.Advance(cooldown / 4)
	}
	r.as.ClearFault("/oauth2/jwks")
	r.clock.Advance(cooldown) // the backoff after failures never exceeds the cooldown
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
	r.as.SetFault("/oauth2/jwks", authkittest.Fault{Status: 502, Body: []byte(`{"error":"bad gateway"}`)})
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
	r.as.ClearFault("/oauth2/jwks")
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

func (r *rig) jwksFetches() int {
	n := 0
	for _, req := range r.as.Requests() {
		if req.Path == "/oauth2/jwks" {
			n++
		}
	}
	return n
}

// retryAfter is the 503's Retry-After in seconds, failing on anything else.
func retryAfter(tb testing.TB, r *rig, resp response, before int64) int {
	tb.Helper()
	assert503(tb, r, resp, before)
	ra, _ := strconv.Atoi(resp.header.Get("Retry-After"))
	return ra
}

// A key published after start-up is accepted on the first request naming
// it, with one fetch: the start-up fetch spent no unknown-kid budget.
func TestFaultNewKeyRightAfterStartUpOverHTTP(t *testing.T) {
	r := newRig(t, rigOptions{})
	if err := r.v.Prime(t.Context()); err != nil {
		t.Fatal(err)
	}
	r.as.RotateKey()
	before := r.jwksFetches()
	if resp := r.send(t, http.MethodPost, "", bearer(r.mint(t, authkittest.TokenOptions{})), nil, nil); resp.status != http.StatusOK {
		t.Fatalf("token signed with the new key: status %d, want 200", resp.status)
	}
	if n := r.jwksFetches() - before; n != 1 {
		t.Errorf("fetches = %d, want 1", n)
	}
}

// A bogus kid right after start-up spends the budget; a real rotation
// inside the cooldown is answered 503 with the time until the budget
// returns, then accepted: never a 401 that would make the client discard
// a good token.
func TestFaultRotationInsideTheCooldownOverHTTP(t *testing.T) {
	r := newRig(t, rigOptions{})
	if err := r.v.Prime(t.Context()); err != nil {
		t.Fatal(err)
	}
	t0 := r.clock.Now()
	r.clock.Advance(time.Second)
	good := r.mint(t, authkittest.TokenOptions{})
	if resp := r.send(t, http.MethodPost, "", bearer(withKid(t, good, "kid_random")), nil, nil); resp.status != http.StatusUnauthorized {
		t.Fatalf("random kid: status %d, want 401", resp.status)
	}
	r.clock.Advance(time.Second)
	r.as.RotateKey()
	r.clock.Advance(time.Second)
	tok := bearer(r.mint(t, authkittest.TokenOptions{}))
	ra := retryAfter(t, r, r.send(t, http.MethodPost, "", tok, nil, nil), r.reached.Load())
	if want := int((cooldown - 2*time.Second) / time.Second); ra != want {
		t.Errorf("Retry-After = %d, want %d (until the unknown-kid budget returns)", ra, want)
	}
	r.clock.Advance(time.Duration(ra) * time.Second)
	if resp := r.send(t, http.MethodPost, "", tok, nil, nil); resp.status != http.StatusOK {
		t.Fatalf("after Retry-After: status %d, want 200", resp.status)
	}
	t.Logf("rotation %v after start-up accepted %v after it", time.Second*2, r.clock.Now().Sub(t0))
}

// The JWKS goes down right after start-up; the first unknown kid comes in
// at once (no clock advance): 503 with Retry-After, known kids unaffected,
// no fetch inside the backoff, the new key accepted once the JWKS is back.
func TestFaultJWKSDownRightAfterStartUpOverHTTP(t *testing.T) {
	r := newRig(t, rigOptions{})
	if err := r.v.Prime(t.Context()); err != nil {
		t.Fatal(err)
	}
	known := bearer(r.mint(t, authkittest.TokenOptions{ExpiresIn: time.Hour}))
	r.as.SetFault("/oauth2/jwks", authkittest.Fault{Status: 503})
	r.as.RotateKey() // the new key exists, the JWKS cannot say so
	newKey := bearer(r.mint(t, authkittest.TokenOptions{ExpiresIn: time.Hour}))
	retryAfter(t, r, r.send(t, http.MethodPost, "", newKey, nil, nil), r.reached.Load())
	if resp := r.send(t, http.MethodPost, "", known, nil, nil); resp.status != http.StatusOK {
		t.Fatalf("known kid during the outage: status %d, want 200", resp.status)
	}
	fetched := r.jwksFetches()
	for range 3 {
		r.clock.Advance(100 * time.Millisecond)
		retryAfter(t, r, r.send(t, http.MethodPost, "", newKey, nil, nil), r.reached.Load())
	}
	if n := r.jwksFetches() - fetched; n != 0 {
		t.Errorf("fetches inside the backoff = %d, want 0", n)
	}
	r.as.ClearFault("/oauth2/jwks")
	r.clock.Advance(time.Second)
	if resp := r.send(t, http.MethodPost, "", newKey, nil, nil); resp.status != http.StatusOK {
		t.Fatalf("JWKS back: status %d, want 200", resp.status)
	}
}

// A flood of random kids right after a rotation: at most one more fetch;
// tokens older than the key set get 401, newer ones 503 with a Retry-After
// within the cooldown.
func TestFaultRandomKidsAfterRotationOverHTTP(t *testing.T) {
	r := newRig(t, rigOptions{})
	if err := r.v.Prime(t.Context()); err != nil {
		t.Fatal(err)
	}
	r.as.RotateKey()
	if resp := r.send(t, http.MethodPost, "", bearer(r.mint(t, authkittest.TokenOptions{})), nil, nil); resp.status != http.StatusOK {
		t.Fatalf("rotation: status %d", resp.status)
	}
	before := r.jwksFetches()
	old := r.mint(t, authkittest.TokenOptions{IssuedAt: r.clock.Now().Add(-10 * time.Minute), ExpiresIn: time.Hour})
	fresh := r.mint(t, authkittest.TokenOptions{ExpiresIn: time.Hour})
	for i := range 200 {
		r.clock.Advance(29 * time.Second / 200)
		if resp := r.send(t, http.MethodPost, "", bearer(withKid(t, old, "kid_old_"+strconv.Itoa(i))), nil, nil); resp.status != http.StatusUnauthorized {
			t.Fatalf("old-iat random kid: status %d, want 401", resp.status)
		}
		if ra := retryAfter(t, r, r.send(t, http.MethodPost, "", bearer(withKid(t, fresh, "kid_new_"+strconv.Itoa(i))), nil, nil), r.reached.Load()); ra > int(cooldown/time.Second) {
			t.Fatalf("Retry-After = %d, want at most %v", ra, cooldown)
		}
	}
	if n := r.jwksFetches() - before; n > 1 {
		t.Errorf("fetches during the flood = %d, want at most 1", n)
	}
}

// MaxStale over HTTP: a key set that cannot be refreshed is trusted until
// the bound, then answered 503.
func TestFaultMaxStaleOverHTTP(t *testing.T) {
	const maxStale = 3 * time.Hour
	r := newRig(t, rigOptions{verifier: func(c *remote.JWTConfig) { c.MaxStale = maxStale; c.DisableTokenCache = true }})
	if err := r.v.Prime(t.Context()); err != nil {
		t.Fatal(err)
	}
	r.as.SetFault("/oauth2/jwks", authkittest.Fault{Status: 502})
	tok := bearer(r.mint(t, authkittest.TokenOptions{ExpiresIn: 24 * time.Hour}))
	// authkittest's JWKS says max-age within [5 min, 24 h]; the bound is
	// measured from the set's refresh time, which the rig cannot see, so
	// walk until the first 503 and check it comes after MaxStale.
	start := r.clock.Now()
	for {
		r.clock.Advance(10 * time.Minute)
		resp := r.send(t, http.MethodPost, "", tok, nil, nil)
		if resp.status == http.StatusOK {
			if r.clock.Now().Sub(start) > maxStale+remote.DefaultMaxRefreshInterval {
				t.Fatal("still trusted long after MaxStale")
			}
			continue
		}
		assert503(t, r, resp, r.reached.Load())
		if since := r.clock.Now().Sub(start); since < maxStale {
			t.Fatalf("503 after %v, before MaxStale (%v)", since, maxStale)
		}
		break
	}
}
