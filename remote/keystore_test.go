package remote

// The key store's rules (see keysStore): rotation picked up at any time,
// throttling that never costs a good token a 401, backoff after failures,
// bounded staleness. Every scenario runs on the fake clock with a JWKS
// server that counts requests.

import (
	"context"
	"crypto/rsa"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/mcpauth/mcpauth/internal/jwttest"
	"github.com/mcpauth/mcpauth/internal/testutil"
)

// keysRig is a verifier on a fake clock against a JWKS server publishing
// key a.
type keysRig struct {
	srv   *jwksServer
	clock *testutil.Clock
	v     *JWTVerifier
	k     *jwtTestKeys
	t     *testing.T
}

func newKeysRig(t *testing.T, mut func(*JWTConfig)) *keysRig {
	t.Helper()
	k := jwtKeys(t)
	r := &keysRig{k: k, clock: jwttest.NewClock(), t: t}
	r.srv = newJWKSServer(t, r.set("a"))
	cfg := jwtTestConfig(r.srv, r.clock)
	if mut != nil {
		mut(&cfg)
	}
	r.v = newTestJWTVerifier(t, cfg)
	return r
}

// set is a JWKS document publishing the named test keys (a, b, c).
func (r *keysRig) set(kids ...string) []byte {
	keys := map[string]*rsa.PrivateKey{"a": r.k.rsaA, "b": r.k.rsaB, "c": r.k.rsaC}
	var entries []jwkEntry
	for _, kid := range kids {
		entries = append(entries, jwkEntry{kid: kid, alg: "RS256", key: &keys[kid].PublicKey})
	}
	return jwtJWKS(r.t, entries...)
}

// token is signed with the named key, issued at iat, valid for a day.
func (r *keysRig) token(t *testing.T, kid string, iat time.Time) string {
	keys := map[string]*rsa.PrivateKey{"a": r.k.rsaA, "b": r.k.rsaB, "c": r.k.rsaC}
	key := keys[kid]
	if key == nil {
		key = r.k.rsaC // a kid nobody publishes, signed with some key
	}
	return jwtToken(t, key, kid, jwtClaims(map[string]any{
		"iat": iat.Unix(), "exp": iat.Add(24 * time.Hour).Unix(), "jti": fmt.Sprint(kid, iat.UnixNano()),
	}))
}

func (r *keysRig) fetches() int { return int(r.srv.requests.Load()) }

func (r *keysRig) verify(tok string) error {
	_, err := r.v.VerifyToken(context.Background(), tok)
	return err
}

// retryAfter returns the Retry-After err carries, failing when err is not a
// 503-class error that says when to retry.
func retryAfter(t *testing.T, err error) time.Duration {
	t.Helper()
	var ue *UnavailableError
	if !errors.As(err, &ue) || !errors.Is(err, ErrUnavailable) || errors.Is(err, ErrInvalidToken) || ue.RetryAfter <= 0 {
		t.Fatalf("err = %v, want a 503 with a Retry-After", err)
	}
	return ue.RetryAfter
}

func TestKeysNewKeyAfterStartUpFetchIsPickedUpAtOnce(t *testing.T) {
	for _, start := range []string{"Prime", "lazy first fetch"} {
		t.Run(start, func(t *testing.T) {
			r := newKeysRig(t, nil)
			t0 := r.clock.Now()
			if start == "Prime" {
				if err := r.v.Prime(context.Background()); err != nil {
					t.Fatal(err)
				}
			} else if err := r.verify(r.token(t, "a", t0)); err != nil {
				t.Fatal(err)
			}
			r.clock.Advance(time.Second)
			r.srv.set(http.StatusOK, r.set("a", "b"))
			r.clock.Advance(time.Second)
			if err := r.verify(r.token(t, "b", r.clock.Now())); err != nil {
				t.Fatalf("token with the key published after start-up: %v, want accepted", err)
			}
			if n := r.fetches(); n != 2 {
				t.Errorf("fetches = %d, want 2 (start-up + exactly one more)", n)
			}
		})
	}
}

func TestKeysRandomKidsAfterARotation(t *testing.T) {
	r := newKeysRig(t, nil)
	t0 := r.clock.Now()
	if err := r.v.Prime(context.Background()); err != nil {
		t.Fatal(err)
	}
	r.clock.Advance(time.Second)
	r.srv.set(http.StatusOK, r.set("a", "b"))
	r.clock.Advance(time.Second)
	if err := r.verify(r.token(t, "b", r.clock.Now())); err != nil {
		t.Fatal(err)
	}
	before := r.fetches()
	// 1,000 random kids within the next 30 s: half from tokens issued long
	// before the set was fetched, half just issued.
	base := map[bool]string{
		true:  r.token(t, "a", t0.Add(-10*time.Minute)),
		false: r.token(t, "a", r.clock.Now()),
	}
	counts := map[string]int{}
	for i := range 1000 {
		r.clock.Advance(29 * time.Second / 1000)
		old := i%2 == 0
		err := r.verify(withKid(t, base[old], fmt.Sprintf("random-%d", i)))
		switch {
		case err == nil:
			t.Fatalf("random kid %d accepted", i)
		case old && !errors.Is(err, ErrUnknownKey):
			t.Fatalf("old-iat random kid: %v, want 401 ErrUnknownKey", err)
		case !old:
			if !errors.Is(err, ErrKeyRefreshThrottled) {
				t.Fatalf("fresh-iat random kid: %v, want 503 ErrKeyRefreshThrottled", err)
			}
			if d := retryAfter(t, err); d > DefaultUnknownKeyCooldown {
				t.Fatalf("Retry-After = %v, want at most the cooldown", d)
			}
		}
		counts[faultClass(err)]++
	}
	if n := r.fetches() - before; n > 1 {
		t.Errorf("fetches during the flood = %d, want at most 1", n)
	}
	t.Logf("classes: %v", counts)
}

func TestKeysRotationInsideASpentBudgetIsNever401(t *testing.T) {
	r := newKeysRig(t, nil)
	if err := r.v.Prime(context.Background()); err != nil {
		t.Fatal(err)
	}
	r.clock.Advance(time.Second)
	if err := r.verify(r.token(t, "bogus", r.clock.Now())); !errors.Is(err, ErrUnknownKey) {
		t.Fatalf("random kid right after start-up: %v, want 401 after one fetch", err)
	}
	r.clock.Advance(time.Second)
	r.srv.set(http.StatusOK, r.set("a", "b"))
	r.clock.Advance(time.Second)
	tokB := r.token(t, "b", r.clock.Now())
	err := r.verify(tokB)
	if errors.Is(err, ErrInvalidToken) {
		t.Fatalf("new-key token inside the spent budget: %v, want 503, never 401", err)
	}
	wait := retryAfter(t, err)
	if want := DefaultUnknownKeyCooldown - 2*time.Second; wait != want {
		t.Errorf("Retry-After = %v, want %v (until the budget returns)", wait, want)
	}
	if n := r.fetches(); n != 2 {
		t.Errorf("fetches = %d, want 2", n)
	}
	r.clock.Advance(wait)
	if err := r.verify(tokB); err != nil {
		t.Fatalf("once the budget returned: %v, want accepted", err)
	}
}

func TestKeysOutageAfterStartUp(t *testing.T) {
	r := newKeysRig(t, func(c *JWTConfig) { c.DisableTokenCache = true })
	t0 := r.clock.Now()
	if err := r.v.Prime(context.Background()); err != nil {
		t.Fatal(err)
	}
	known := r.token(t, "a", t0)
	r.clock.Advance(time.Second)
	r.srv.set(http.StatusServiceUnavailable, []byte("down"))
	r.clock.Advance(time.Millisecond)
	tokB := r.token(t, "b", r.clock.Now())
	err := r.verify(tokB)
	if errors.Is(err, ErrInvalidToken) {
		t.Fatalf("unknown kid with the JWKS down: %v, want 503", err)
	}
	if d := retryAfter(t, err); d > keysBackoffBase {
		t.Errorf("Retry-After = %v, want within the first backoff (%v)", d, keysBackoffBase)
	}
	if err := r.verify(known); err != nil {
		t.Fatalf("known kid during the outage: %v, want accepted", err)
	}
	fetched := r.fetches()
	for range 3 {
		r.clock.Advance(100 * time.Millisecond) // the backoff lasts at least half a second
		if err := r.verify(tokB); !errors.Is(err, ErrKeysBackoff) {
			t.Fatalf("unknown kid inside the backoff: %v, want 503 ErrKeysBackoff", err)
		}
	}
	if n := r.fetches(); n != fetched {
		t.Errorf("fetches inside the backoff = %d, want none", n-fetched)
	}
	r.srv.set(http.StatusOK, r.set("a", "b"))
	r.clock.Advance(keysBackoffBase)
	if err := r.verify(tokB); err != nil {
		t.Fatalf("JWKS back with the new key after the backoff: %v, want accepted", err)
	}
}

func TestKeysFailedFetchRefundsTheBudget(t *testing.T) {
	r := newKeysRig(t, nil)
	if err := r.v.Prime(context.Background()); err != nil {
		t.Fatal(err)
	}
	r.srv.set(http.StatusServiceUnavailable, nil)
	r.clock.Advance(time.Second)
	if err := r.verify(r.token(t, "b", r.clock.Now())); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("%v, want 503", err)
	}
	// Past the backoff, well inside the cooldown of that failed fetch: it
	// spent no budget, so the new key's token fetches.
	r.srv.set(http.StatusOK, r.set("a", "b"))
	r.clock.Advance(2 * keysBackoffBase)
	if err := r.verify(r.token(t, "b", r.clock.Now())); err != nil {
		t.Fatalf("after the backoff: %v, want accepted", err)
	}
	if n := r.fetches(); n != 3 {
		t.Errorf("fetches = %d, want 3", n)
	}
}

func TestKeysScheduledRefreshDoesNotBlockAnUnknownKid(t *testing.T) {
	t.Run("just finished", func(t *testing.T) {
		r := newKeysRig(t, nil)
		t0 := r.clock.Now()
		if err := r.v.Prime(context.Background()); err != nil {
			t.Fatal(err)
		}
		r.clock.Advance(DefaultRefreshInterval)
		if err := r.verify(r.token(t, "a", t0)); err != nil { // starts the scheduled refresh
			t.Fatal(err)
		}
		waitRefresh(r.v)
		r.srv.set(http.StatusOK, r.set("a", "b"))
		r.clock.Advance(time.Second)
		if err := r.verify(r.token(t, "b", r.clock.Now())); err != nil {
			t.Fatalf("new kid right after a scheduled refresh: %v, want accepted", err)
		}
		if n := r.fetches(); n != 3 {
			t.Errorf("fetches = %d, want 3 (start-up, scheduled, unknown kid)", n)
		}
	})
	// A scheduled fetch in flight that began before the token was issued
	// cannot vouch for the absence of its key: the token gets a fetch of
	// its own rather than a 401.
	t.Run("in flight, begun before the token was issued", func(t *testing.T) {
		k := jwtKeys(t)
		setA := jwtJWKS(t, jwkEntry{kid: "a", alg: "RS256", key: &k.rsaA.PublicKey})
		setAB := jwtJWKS(t, jwkEntry{kid: "a", alg: "RS256", key: &k.rsaA.PublicKey}, jwkEntry{kid: "b", alg: "RS256", key: &k.rsaB.PublicKey})
		synctest.Test(t, func(t *testing.T) {
			var requests atomic.Int32
			release := make(chan struct{})
			rt := jwtRoundTripFunc(func(r *http.Request) (*http.Response, error) {
				switch requests.Add(1) {
				case 1:
					return jwtJSONResponse(setA), nil
				case 2: // the scheduled refresh: held, then the set without b
					<-release
					return jwtJSONResponse(setA), nil
				default:
					return jwtJSONResponse(setAB), nil
				}
			})
			clock := jwttest.NewClock()
			v, err := NewJWTVerifier(JWTConfig{
				JWKSURL: "https://example.authkit.app/oauth2/jwks", Issuer: jwtTestIssuer, Audiences: []string{jwtTestAudience},
				HTTPClient: &http.Client{Transport: rt}, Now: clock.Now,
			})
			if err != nil {
				t.Fatal(err)
			}
			defer v.Close()
			if err := v.Prime(context.Background()); err != nil {
				t.Fatal(err)
			}
			r := &keysRig{k: k, clock: clock, v: v, t: t}
			t0 := clock.Now()
			clock.Advance(DefaultRefreshInterval)
			if err := r.verify(r.token(t, "a", t0)); err != nil { // starts the scheduled refresh
				t.Fatal(err)
			}
			synctest.Wait() // the refresh is held
			clock.Advance(time.Second)
			done := make(chan error, 1)
			go func() { done <- r.verify(r.token(t, "b", clock.Now())) }()
			synctest.Wait() // the token joined the held refresh
			close(release)
			if err := <-done; err != nil {
				t.Fatalf("token newer than the scheduled fetch it joined: %v, want accepted after its own fetch", err)
			}
			if n := requests.Load(); n != 3 {
				t.Errorf("fetches = %d, want 3", n)
			}
		})
	})
}

func TestKeysMaxStale(t *testing.T) {
	const maxStale = 2 * time.Hour
	r := newKeysRig(t, func(c *JWTConfig) { c.MaxStale = maxStale; c.DisableTokenCache = true })
	t0 := r.clock.Now()
	if err := r.v.Prime(context.Background()); err != nil {
		t.Fatal(err)
	}
	r.srv.set(http.StatusServiceUnavailable, nil)
	tok := r.token(t, "a", t0)
	// The set's refresh is due after DefaultRefreshInterval (no caching
	// header); it is used until MaxStale past that.
	bound := t0.Add(DefaultRefreshInterval + maxStale)
	for r.clock.Now().Add(10 * time.Minute).Before(bound) {
		r.clock.Advance(10 * time.Minute)
		if err := r.verify(tok); err != nil {
			t.Fatalf("at %v, before the bound: %v, want accepted", r.clock.Now().Sub(t0), err)
		}
		waitRefresh(r.v)
	}
	r.clock.Advance(bound.Sub(r.clock.Now()))
	err := r.verify(tok)
	if errors.Is(err, ErrInvalidToken) || !errors.Is(err, ErrUnavailable) {
		t.Fatalf("past MaxStale: %v, want 503", err)
	}
	r.clock.Advance(100 * time.Millisecond)
	if err := r.verify(tok); !errors.Is(err, ErrKeysStale) {
		t.Fatalf("past MaxStale, inside the backoff: %v, want ErrKeysStale", err)
	}
	r.srv.set(http.StatusOK, r.set("a"))
	r.clock.Advance(retryAfter(t, r.verify(tok)))
	if err := r.verify(tok); err != nil {
		t.Fatalf("JWKS back: %v, want accepted", err)
	}
}

func TestKeysConfig(t *testing.T) {
	srv := newJWKSServer(t, nil)
	for _, mut := range []func(*JWTConfig){
		func(c *JWTConfig) { c.MaxStale = -time.Second },
		func(c *JWTConfig) { c.UnknownKeyCooldown = -time.Second },
	} {
		cfg := jwtTestConfig(srv, jwttest.NewClock())
		mut(&cfg)
		if _, err := NewJWTVerifier(cfg); err == nil {
			t.Errorf("negative duration accepted: %+v", cfg)
		}
	}
}

// Every fetch is reported to OnKeyFetch with its reason and outcome; Stats
// counts cache hits and misses and shows the key set.
func TestKeysObservability(t *testing.T) {
	var mu sync.Mutex
	var events []KeyFetch
	r := newKeysRig(t, func(c *JWTConfig) {
		c.OnKeyFetch = func(f KeyFetch) { mu.Lock(); events = append(events, f); mu.Unlock() }
	})
	t0 := r.clock.Now()
	if err := r.v.Prime(context.Background()); err != nil {
		t.Fatal(err)
	}
	tok := r.token(t, "a", t0)
	for range 3 {
		if err := r.verify(tok); err != nil {
			t.Fatal(err)
		}
	}
	r.srv.set(http.StatusServiceUnavailable, nil)
	_ = r.verify(r.token(t, "b", r.clock.Now()))
	r.clock.Advance(DefaultRefreshInterval + time.Minute)
	_ = r.verify(tok) // starts the scheduled refresh, which fails
	waitRefresh(r.v)
	mu.Lock()
	defer mu.Unlock()
	var got []string
	for _, e := range events {
		got = append(got, fmt.Sprintf("%s ok=%v keys=%d failures=%d stale=%v", e.Reason, e.Err == nil, e.Keys, e.Failures, e.Stale))
		if e.Host != r.srv.Listener.Addr().String() {
			t.Errorf("Host = %q", e.Host)
		}
	}
	want := []string{
		"start-up ok=true keys=1 failures=0 stale=0s",
		"unknown_kid ok=false keys=0 failures=1 stale=0s",
		"scheduled ok=false keys=0 failures=2 stale=1m0s",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("events:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	st := r.v.Stats()
	if st.CacheHits != 2 || st.CacheMisses != 3 || st.CacheEntries != 1 || st.Keys != 1 || st.KeyFetchFailures != 2 || !st.KeysFetched.Equal(t0) {
		t.Errorf("Stats = %+v", st)
	}
}
