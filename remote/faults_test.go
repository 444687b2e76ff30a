package remote

// Identity-provider fault suite at the verifier level: the JWT verifier
// against the fake AuthKit (authkittest) with its JWKS endpoint failing
// (outages at and after start-up, bad answers, a broken key among good
// ones, rotation, a flood of unknown kids), on a fake clock. Each test
// states the rule it checks in its name; the rules are those of
// JWTConfig's documentation.

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mcpauth/mcpauth/authkit/authkittest"
	"github.com/mcpauth/mcpauth/internal/jwttest"
	"github.com/mcpauth/mcpauth/internal/testutil"
)

const faultAudience = "https://mcp.example.com/mcp"

// faultRig is a JWT verifier wired to a fake AuthKit, both on one fake
// clock.
type faultRig struct {
	as    *authkittest.Server
	clock *testutil.Clock
	logs  *testutil.LogBuffer
	cfg   JWTConfig
	v     *JWTVerifier
}

// newFaultRig starts a fake AuthKit and a verifier for it. The verifier
// uses the fake's plain client (no retries) unless mut changes it.
func newFaultRig(tb testing.TB, mut func(*JWTConfig)) *faultRig {
	tb.Helper()
	as := authkittest.Start(tb)
	clock := jwttest.NewClock()
	as.SetClock(clock.Now)
	logs := &testutil.LogBuffer{}
	cfg := JWTConfig{
		JWKSURL:    as.JWKSURL(),
		Issuer:     as.Issuer(),
		Audiences:  []string{faultAudience},
		HTTPClient: as.Client(),
		Now:        clock.Now,
		Logger:     logs.Logger(),
	}
	if mut != nil {
		mut(&cfg)
	}
	r := &faultRig{as: as, clock: clock, logs: logs, cfg: cfg}
	r.v = newTestJWTVerifier(tb, cfg)
	tb.Cleanup(func() {
		if tb.Failed() {
			tb.Logf("verifier log:\n%s", logs.String())
		}
	})
	return r
}

// mint signs a token for our audience with the fake's current key.
func (r *faultRig) mint(tb testing.TB, opts authkittest.TokenOptions) string {
	tb.Helper()
	if opts.Audience == nil {
		opts.Audience = []string{faultAudience}
	}
	return r.as.MustMint(tb, opts)
}

// fetches counts the JWKS requests the fake received.
func (r *faultRig) fetches() int {
	n := 0
	for _, req := range r.as.Requests() {
		if req.Path == "/oauth2/jwks" {
			n++
		}
	}
	return n
}

func (r *faultRig) prime(tb testing.TB) {
	tb.Helper()
	if err := r.v.Prime(context.Background()); err != nil {
		tb.Fatalf("Prime: %v", err)
	}
}

// faultClass names the HTTP class a verification result maps to: "ok",
// "invalid" (401) or "unavailable" (503). An error in both or neither class
// is "unclassified", which no test accepts.
func faultClass(err error) string {
	inv, unav := errors.Is(err, ErrInvalidToken), errors.Is(err, ErrUnavailable)
	switch {
	case err == nil:
		return "ok"
	case inv && !unav:
		return "invalid"
	case unav && !inv:
		return "unavailable"
	}
	return "unclassified"
}

// withKid re-encodes token's header with another kid, keeping payload and
// signature: the key lookup, which comes before the signature check, sees
// the new kid. It costs no signing, so floods stay cheap.
func withKid(tb testing.TB, token, kid string) string {
	tb.Helper()
	parts := strings.SplitN(token, ".", 3)
	hdr := map[string]any{}
	raw, err := base64.RawURLEncoding.DecodeString(parts[0])
	if err != nil {
		tb.Fatal(err)
	}
	if err := json.Unmarshal(raw, &hdr); err != nil {
		tb.Fatal(err)
	}
	hdr["kid"] = kid
	b, err := json.Marshal(hdr)
	if err != nil {
		tb.Fatal(err)
	}
	return base64.RawURLEncoding.EncodeToString(b) + "." + parts[1] + "." + parts[2]
}

func TestFaultJWKSOutageTwelveHoursAfterPriming(t *testing.T) {
	r := newFaultRig(t, nil)
	r.prime(t)
	r.as.SetFault("/oauth2/jwks", authkittest.Fault{
		Status: http.StatusServiceUnavailable, ContentType: "text/html", Body: []byte("<h1>upstream down</h1>"),
	})
	lived := r.mint(t, authkittest.TokenOptions{ExpiresIn: 13 * time.Hour})
	const step = 2 * time.Minute
	steps := int(12 * time.Hour / step)
	var knownFailures, unknownWrong int
	for i := range steps {
		r.clock.Advance(step)
		// A freshly minted token (full verification), a long-lived one
		// (served from the verified-token cache) and one naming a kid the
		// set never had.
		fresh := r.mint(t, authkittest.TokenOptions{})
		for _, tok := range []string{fresh, lived} {
			if _, err := r.v.VerifyToken(context.Background(), tok); err != nil {
				knownFailures++
				t.Logf("step %d: known key rejected: %v", i, err)
			}
		}
		unknown := r.mint(t, authkittest.TokenOptions{KeyID: fmt.Sprintf("kid_new_%d", i)})
		_, err := r.v.VerifyToken(context.Background(), unknown)
		if c := faultClass(err); c != "unavailable" || !errors.Is(err, ErrKeysUnavailable) {
			unknownWrong++
			t.Logf("step %d: unknown kid: class %s (%v), want unavailable", i, c, err)
		}
		waitRefresh(r.v)
	}
	if knownFailures != 0 {
		t.Errorf("%d verifications of known-key tokens failed during a 12 h outage, want 0", knownFailures)
	}
	if unknownWrong != 0 {
		t.Errorf("%d unknown-kid verifications were not ErrKeysUnavailable (503 class)", unknownWrong)
	}
	if n := r.logs.Count("JWKS fetch failed"); n != 1 {
		t.Errorf("failure logged %d times over the outage, want once", n)
	}

	// The JWKS comes back with a new key: within one cooldown a token
	// signed by it is accepted.
	r.as.ClearFault("/oauth2/jwks")
	before := r.fetches()
	r.as.RotateKey()
	r.clock.Advance(r.v.keys.cooldown)
	mustVerify(t, r.v, r.mint(t, authkittest.TokenOptions{}))
	mustVerify(t, r.v, lived)
	waitRefresh(r.v)
	if got := r.fetches() - before; got < 1 || got > 2 {
		t.Errorf("recovery took %d fetches, want 1 (plus at most one background refresh)", got)
	}
	if n := r.logs.Count("JWKS fetch recovered"); n != 1 {
		t.Errorf("recovery logged %d times, want 1", n)
	}
}

func TestFaultJWKSDownAtStart(t *testing.T) {
	for _, tc := range []struct {
		name  string
		fault authkittest.Fault
		mut   func(*JWTConfig)
	}{
		{"503", authkittest.Fault{Status: 503, Headers: http.Header{"Retry-After": {"120"}}}, nil},
		{"500 HTML", authkittest.Fault{Status: 500, ContentType: "text/html", Body: []byte("<html>oops</html>")}, nil},
		{"connection dropped", authkittest.Fault{Drop: true}, nil},
		{"429 asking for an hour, retrying client", authkittest.Fault{Status: 429, Headers: http.Header{"Retry-After": {"3600"}}},
			func(c *JWTConfig) { c.HTTPClient = nil; c.FetchTimeout = 300 * time.Millisecond }},
		{"slower than the fetch timeout", authkittest.Fault{Delay: time.Minute},
			func(c *JWTConfig) { c.FetchTimeout = 100 * time.Millisecond }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newFaultRig(t, tc.mut)
			r.as.SetFault("/oauth2/jwks", tc.fault)
			tok := r.mint(t, authkittest.TokenOptions{ExpiresIn: time.Hour})
			_, err := r.v.VerifyToken(context.Background(), tok)
			if faultClass(err) != "unavailable" || !errors.Is(err, ErrKeysUnavailable) {
				t.Fatalf("at start: err = %v, want ErrKeysUnavailable (503 class)", err)
			}
			var ue *UnavailableError
			if !errors.As(err, &ue) || ue.RetryAfter <= 0 {
				t.Fatalf("at start: err = %v, want one saying when to retry", err)
			}
			first := r.fetches()
			// Inside the backoff nothing is fetched; still 503.
			r.clock.Advance(ue.RetryAfter / 2)
			if _, err := r.v.VerifyToken(context.Background(), tok); !errors.Is(err, ErrKeysBackoff) {
				t.Fatalf("inside the backoff: err = %v, want ErrKeysBackoff", err)
			}
			if r.fetches() != first {
				t.Errorf("fetched again inside the backoff")
			}
			// The JWKS comes back; once the backoff is over the next
			// request fetches and all is normal.
			r.as.ClearFault("/oauth2/jwks")
			r.clock.Advance(ue.RetryAfter)
			mustVerify(t, r.v, tok)
			mustVerify(t, r.v, r.mint(t, authkittest.TokenOptions{}))
			if got := r.fetches() - first; got != 1 {
				t.Errorf("recovery took %d fetches, want 1", got)
			}
		})
	}
}

// faultBrokenSet is a JWKS with one good key among broken or unusable ones.
func faultBrokenSet(tb testing.TB, good authkittest.JWK) []byte {
	tb.Helper()
	return []byte(jwtJSON(tb, map[string]any{"keys": []any{
		map[string]any{"kty": "RSA", "kid": "broken-n", "alg": "RS256", "n": "!!!", "e": "AQAB"},
		map[string]any{"kty": "RSA", "kid": "broken-e", "alg": "RS256", "n": good.N, "e": ""},
		map[string]any{"kty": "RSA", "kid": "no-n", "alg": "RS256", "e": "AQAB"},
		map[string]any{"kty": "EC", "kid": "bad-curve", "crv": "P-999", "x": "AA", "y": "AA"},
		map[string]any{"kty": "oct", "kid": "hmac", "k": "c2VjcmV0", "alg": "HS256"},
		map[string]any{"kty": "RSA", "kid": "x5c-junk", "alg": "RS256", "n": good.N, "e": good.E, "x5c": []string{"%%%"}},
		"not an object",
		nil,
		good,
	}}))
}

func TestFaultJWKSBadAnswers(t *testing.T) {
	tenMiB := append([]byte(`{"keys":[`), bytes.Repeat([]byte(`{"kty":"RSA"},`), (10<<20)/14)...)
	for _, tc := range []struct {
		name  string
		fault authkittest.Fault
		mut   func(*JWTConfig)
	}{
		{"slow beyond the timeout", authkittest.Fault{Delay: time.Minute}, func(c *JWTConfig) { c.FetchTimeout = 100 * time.Millisecond }},
		{"HTML login page", authkittest.Fault{Status: 200, ContentType: "text/html; charset=utf-8", Body: []byte("<!doctype html><form>Sign in</form>")}, nil},
		{"HTML labelled JSON", authkittest.Fault{Status: 200, Body: []byte("<html><body>proxy error</body></html>")}, nil},
		{"10 MiB body", authkittest.Fault{Status: 200, Body: tenMiB}, nil},
		{"empty key set", authkittest.Fault{Status: 200, Body: []byte(`{"keys":[]}`)}, nil},
		{"null key set", authkittest.Fault{Status: 200, Body: []byte(`{"keys":null}`)}, nil},
		{"empty body", authkittest.Fault{Status: 200}, nil},
		{"truncated JSON", authkittest.Fault{Status: 200, Body: []byte(`{"keys":[{"kty":"RSA","n":"`)}, nil},
		{"only unusable keys", authkittest.Fault{Status: 200, Body: []byte(`{"keys":[{"kty":"oct","kid":"h","k":"c2VjcmV0"},{"kty":"RSA","kid":"x","n":"!!","e":"AQAB"}]}`)}, nil},
		{"redirect elsewhere", authkittest.Fault{Status: 302, Headers: http.Header{"Location": {"http://127.0.0.1:1/jwks"}}}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newFaultRig(t, tc.mut)
			tok := r.mint(t, authkittest.TokenOptions{ExpiresIn: 6 * time.Hour})

			// At start: 503 class.
			r.as.SetFault("/oauth2/jwks", tc.fault)
			if _, err := r.v.VerifyToken(context.Background(), tok); faultClass(err) != "unavailable" {
				t.Fatalf("at start: err = %v, want 503 class", err)
			}
			// After a good set, the bad answer on refresh keeps the last
			// good set for known keys, and unknown kids are 503, not 401.
			r.as.ClearFault("/oauth2/jwks")
			r.clock.Advance(r.v.keys.cooldown)
			mustVerify(t, r.v, tok)
			r.as.SetFault("/oauth2/jwks", tc.fault)
			for range 3 {
				r.clock.Advance(time.Hour)
				mustVerify(t, r.v, tok)
				mustVerify(t, r.v, r.mint(t, authkittest.TokenOptions{}))
				waitRefresh(r.v)
				_, err := r.v.VerifyToken(context.Background(), withKid(t, tok, "kid_never_seen"))
				if !errors.Is(err, ErrKeysUnavailable) || faultClass(err) != "unavailable" {
					t.Fatalf("unknown kid during bad answers: err = %v, want ErrKeysUnavailable", err)
				}
			}
			// Nothing of the bad answer reached the log.
			for _, leak := range []string{"Sign in", "proxy error", `"kty"`} {
				if strings.Contains(r.logs.String(), leak) {
					t.Errorf("log contains the upstream body (%q)", leak)
				}
			}
		})
	}
}

func TestFaultJWKSOneBrokenKeyAmongGood(t *testing.T) {
	r := newFaultRig(t, nil)
	good := r.as.SigningKey().JWK()
	r.as.SetFault("/oauth2/jwks", authkittest.Fault{Status: 200, Body: faultBrokenSet(t, good)})
	// Issued well before the set is fetched: a set fetched later lacks the
	// skipped kids for good, so they are 401, not "maybe newer" 503s.
	tok := r.mint(t, authkittest.TokenOptions{IssuedAt: r.clock.Now().Add(-10 * time.Minute), ExpiresIn: time.Hour})
	mustVerify(t, r.v, tok)
	for _, kid := range []string{"broken-n", "broken-e", "no-n", "bad-curve", "hmac"} {
		_, err := r.v.VerifyToken(context.Background(), withKid(t, tok, kid))
		if !errors.Is(err, ErrUnknownKey) {
			t.Errorf("kid %q: err = %v, want ErrUnknownKey (entry skipped)", kid, err)
		}
	}
	// x5c is never used: the entry's n/e are, and they are the good key's.
	if _, err := r.v.VerifyToken(context.Background(), r.mint(t, authkittest.TokenOptions{KeyID: "x5c-junk"})); err != nil {
		t.Errorf("kid x5c-junk: %v, want accepted (x5c ignored, n/e valid)", err)
	}
	if !strings.Contains(r.logs.String(), "skipping JWKS entry") {
		t.Error("skipped entries not logged at debug level")
	}
}

func TestFaultJWKSRotation(t *testing.T) {
	r := newFaultRig(t, nil)
	r.prime(t)
	oldKid := r.as.SigningKey().ID()
	oldTok := r.mint(t, authkittest.TokenOptions{ExpiresIn: 2 * time.Hour})
	mustVerify(t, r.v, oldTok) // cached

	t.Run("new key accepted after exactly one forced fetch", func(t *testing.T) {
		r.clock.Advance(time.Minute) // set still fresh (no-store → 5 min)
		before := r.fetches()
		r.as.RotateKey()
		newTok := r.mint(t, authkittest.TokenOptions{ExpiresIn: 2 * time.Hour})
		var wg sync.WaitGroup
		var failed atomic.Int32
		for range 32 {
			wg.Go(func() {
				if _, err := r.v.VerifyToken(context.Background(), newTok); err != nil {
					failed.Add(1)
				}
			})
		}
		wg.Wait()
		if n := failed.Load(); n != 0 {
			t.Errorf("%d of 32 concurrent verifications of the new key failed", n)
		}
		if got := r.fetches() - before; got != 1 {
			t.Errorf("fetches = %d, want exactly 1", got)
		}
		mustVerify(t, r.v, oldTok) // both keys published
		if got := r.fetches() - before; got != 1 {
			t.Errorf("fetches after old-key token = %d, want still 1", got)
		}
	})
	t.Run("old key withdrawn: its tokens rejected after the refresh", func(t *testing.T) {
		r.as.RemoveKey(oldKid)
		// Before the refresh the cached set still has it.
		mustVerify(t, r.v, oldTok)
		r.clock.Advance(r.v.keys.minRefresh)
		mustVerify(t, r.v, r.mint(t, authkittest.TokenOptions{})) // notices staleness
		waitRefresh(r.v)
		_, err := r.v.VerifyToken(context.Background(), oldTok)
		if !errors.Is(err, ErrUnknownKey) {
			t.Fatalf("old-key token after refresh: err = %v, want ErrUnknownKey", err)
		}
	})
}

// faultFlood sends n tokens naming random kids over window of simulated
// time from workers goroutines and returns the classes seen.
func faultFlood(tb testing.TB, r *faultRig, base string, n, workers int, window time.Duration) map[string]int {
	tb.Helper()
	tick := window / time.Duration(n)
	var mu sync.Mutex
	classes := map[string]int{}
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(w), 7))
			local := map[string]int{}
			for next.Add(1) <= int64(n) {
				r.clock.Advance(tick)
				kid := fmt.Sprintf("%016x%016x", rng.Uint64(), rng.Uint64())
				_, err := r.v.VerifyToken(context.Background(), withKid(tb, base, kid))
				local[faultClass(err)]++
			}
			mu.Lock()
			for k, v := range local {
				classes[k] += v
			}
			mu.Unlock()
		})
	}
	wg.Wait()
	return classes
}

func TestFaultUnknownKidFlood(t *testing.T) {
	const (
		requests = 10_000
		window   = time.Minute
	)
	const workers = 8
	// While the JWKS fails, fetches follow the backoff (1 s doubling to
	// the cooldown, each cut by up to half by the jitter): in a minute at
	// most 0, 0.5, 1.5, 3.5, 7.5, 15.5, 30.5 and 45.5 s.
	const downLimit = 8
	for _, tc := range []struct {
		name      string
		down      bool
		issuedAgo time.Duration // the flood tokens' iat, before the priming fetch
		want      func(classes map[string]int) bool
	}{
		{"JWKS up, tokens older than the set: unknown kid is 401", false, 10 * time.Minute,
			func(c map[string]int) bool { return c["invalid"] == requests }},
		// Only the requests that spend the budget, or join the fetch it
		// buys (at most one per worker), get a 401: that fetch is newer
		// than their token.
		{"JWKS up, tokens newer than the set: 503 until the budget returns", false, -time.Second,
			func(c map[string]int) bool {
				return c["ok"] == 0 && c["unclassified"] == 0 && c["invalid"] <= (int(window/DefaultUnknownKeyCooldown)+1)*workers
			}},
		{"JWKS down: unknown kid is 503", true, 10 * time.Minute,
			func(c map[string]int) bool { return c["unavailable"] == requests }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newFaultRig(t, nil)
			r.prime(t)
			base := r.mint(t, authkittest.TokenOptions{ExpiresIn: time.Hour, IssuedAt: r.clock.Now().Add(-tc.issuedAgo)})
			mustVerify(t, r.v, base)
			if tc.down {
				// No clock advance: the first unknown kid right after
				// priming fetches (priming spent no budget) and fails.
				r.as.SetFault("/oauth2/jwks", authkittest.Fault{Status: 503})
			}
			cacheBefore := r.v.cache.len()
			before := r.fetches()
			classes := faultFlood(t, r, base, requests, workers, window)
			fetches := r.fetches() - before
			limit := int(window/r.v.keys.cooldown) + 1
			if tc.down {
				limit = downLimit
			}
			t.Logf("%d unknown-kid requests in %v: %d JWKS fetches (limit %d), classes %v", requests, window, fetches, limit, classes)
			if fetches > limit {
				t.Errorf("JWKS fetches = %d, want at most %d", fetches, limit)
			}
			if !tc.want(classes) {
				t.Errorf("classes = %v", classes)
			}
			if got := r.v.cache.len(); got != cacheBefore {
				t.Errorf("token cache grew from %d to %d entries during the flood", cacheBefore, got)
			}
			// Known keys are unaffected.
			mustVerify(t, r.v, r.mint(t, authkittest.TokenOptions{}))
		})
	}
}
