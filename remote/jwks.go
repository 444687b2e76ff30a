package remote

import (
	"context"
	"crypto"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mcpauth/mcpauth/internal/httpx"
	"github.com/mcpauth/mcpauth/internal/jose"
	"github.com/mcpauth/mcpauth/internal/strictjson"
)

// jwtKey is one verification key. Instances are immutable and shared between
// snapshots while the JWKS keeps publishing the same key, so a pointer
// comparison tells whether a cached verification still rests on a current key.
type jwtKey struct {
	kid string
	alg jose.Alg // jose.AlgInvalid when the key declares no "alg"
	pub crypto.PublicKey
}

func (k *jwtKey) sameAs(o *jwtKey) bool {
	if k.kid != o.kid || k.alg != o.alg {
		return false
	}
	eq, ok := k.pub.(interface{ Equal(crypto.PublicKey) bool })
	return ok && eq.Equal(o.pub)
}

// keysSnapshot is an immutable key set.
type keysSnapshot struct {
	keys      map[string]*jwtKey
	fetched   time.Time // start of the fetch that produced it; zero for static keys
	refreshAt time.Time // when a scheduled refresh is due; zero for static keys (never refreshed)
	expires   time.Time // refreshAt + MaxStale: not used from then on; zero for static keys
}

// usable reports whether the set may verify tokens at now: static sets
// always, fetched ones until MaxStale past their refresh time.
func (s *keysSnapshot) usable(now time.Time) bool {
	return s != nil && (s.expires.IsZero() || now.Before(s.expires))
}

// keysMaxKeys caps the number of entries in a JWKS document.
const keysMaxKeys = 100

// keysBackoffBase is the first wait after a failed fetch; it doubles with
// each further failure, up to the unknown-kid cooldown, and is jittered.
const keysBackoffBase = time.Second

// keysReason is why a fetch runs. Only keysUnknownKid spends the
// unknown-kid budget.
type keysReason uint8

const (
	keysPrime      keysReason = iota // Prime, KeyIDs: an explicit start-up fetch
	keysInitial                      // no usable set yet (lazy first fetch, or the set passed MaxStale)
	keysScheduled                    // the set's refresh time passed (in the background)
	keysUnknownKid                   // a token named a kid the set lacks
)

var keysReasonNames = [...]string{keysPrime: "start-up", keysInitial: "initial", keysScheduled: "scheduled", keysUnknownKid: "unknown_kid"}

func (r keysReason) String() string { return keysReasonNames[r] }

// keysFlight is the one fetch in flight, shared by every caller that needs
// it.
type keysFlight struct {
	reason keysReason
	start  time.Time
	refund time.Time // the budget's previous spend, restored when an unknown-kid fetch fails
	done   chan struct{}
	err    error // set before done is closed
}

// keysStore holds the current key set behind an atomic pointer and fetches
// it from a JWKS URL. Its rules, for a token whose kid the held set lacks:
//
//  1. A fetch in flight (of any reason) is joined: one fetch for any number
//     of callers. Its result decides: key present → verify; fetch failed →
//     503; fetch succeeded without the key → 401, unless the fetch began
//     before the token was issued (then it cannot vouch for the key's
//     absence and rule 3 applies).
//  2. A set installed after the caller looked is looked at again first.
//  3. Only fetches caused by an unknown kid spend the unknown-kid budget:
//     at most one per cooldown. Prime, the first fetch, a fetch after the
//     set passed MaxStale and scheduled refreshes neither spend nor wait
//     for it.
//  4. A failed fetch never spends the budget (a spent one is refunded); it
//     starts a backoff (1 s doubling per failure, at most the cooldown,
//     jittered). Inside it no fetch is made: 503 with Retry-After, for
//     unknown kids and a cold start alike. Known kids keep verifying.
//  5. Budget spent, last fetch healthy: a token issued at least the leeway
//     before the held set was fetched names a key that set lacks → 401;
//     otherwise (or without iat) the key may be newer than the set → 503
//     with Retry-After until the budget returns.
//  6. A set that cannot be refreshed is used for at most MaxStale past its
//     refresh time; then it is treated as absent (a fetch is tried, subject
//     to the backoff; 503 meanwhile).
//
// No request waits except to join a fetch in flight. Scheduled refreshes run
// in the background while the current set keeps serving. Every fetch runs
// under httpx.DetachedContext, so a caller giving up does not abort a fetch
// others share, and is cancelled by close.
type keysStore struct {
	url          string
	client       *http.Client
	now          func() time.Time
	log          *slog.Logger
	allowed      jose.AlgSet
	minRefresh   time.Duration
	maxRefresh   time.Duration
	defRefresh   time.Duration
	cooldown     time.Duration
	maxStale     time.Duration
	leeway       time.Duration // the verifier's, for rule 5
	fetchTimeout time.Duration
	maxBytes     int64
	jitter       func(time.Duration) time.Duration // a backoff's actual length
	onSwap       func(*keysSnapshot)               // called after a new snapshot is installed
	onFetch      func(KeyFetch)                    // JWTConfig.OnKeyFetch
	afterMiss    func()                            // tests only: runs between a snapshot miss and the decision

	snap atomic.Pointer[keysSnapshot]
	wg   sync.WaitGroup

	mu           sync.Mutex
	closed       bool
	closedCh     chan struct{}
	flight       *keysFlight // the fetch in flight, nil when none
	kidSpent     time.Time   // when the unknown-kid budget was last spent; zero when never
	backoffUntil time.Time   // no fetch before this after a failure
	failures     int         // consecutive failed fetches (a streak is logged once)
}

// Key-store errors. Each wraps ErrKeysUnavailable (503); those that know
// when asking again may succeed come as an *UnavailableError carrying it.
var (
	errKeysClosed = fmt.Errorf("%w (verifier closed)", ErrKeysUnavailable)
	errKeysFetch  = fmt.Errorf("%w (fetch failed)", ErrKeysUnavailable)
)

// keysJitter returns a length in [d/2, d]: failed verifiers of many
// replicas do not retry in step.
func keysJitter(d time.Duration) time.Duration {
	if d <= 1 {
		return d
	}
	return d/2 + rand.N(d/2+1)
}

// held returns the key for kid from the current set when the set is
// usable, or nil, and starts a background refresh when the set is due (the
// caller is served from the current set meanwhile). It never waits.
func (s *keysStore) held(ctx context.Context, kid string, now time.Time) (*keysSnapshot, *jwtKey) {
	snap := s.snap.Load()
	if !snap.usable(now) {
		return snap, nil
	}
	k := snap.keys[kid]
	if k != nil && !snap.refreshAt.IsZero() && !now.Before(snap.refreshAt) {
		s.refreshScheduled(ctx, now)
	}
	return snap, k
}

// lookup returns the key for kid under the rules of keysStore. tok, the
// token being verified (nil when none), is read for its unverified "iat"
// only when the decision needs it.
func (s *keysStore) lookup(ctx context.Context, kid string, tok *jwtParsed) (*jwtKey, error) {
	now := s.now()
	snap, k := s.held(ctx, kid, now)
	if k != nil {
		return k, nil
	}
	if s.url == "" {
		return nil, ErrUnknownKey
	}
	if s.afterMiss != nil {
		s.afterMiss()
	}
	iat := tok.unverifiedIssuedAt()
	// Each round either returns or waits for a fetch (or sees a newer set);
	// four rounds cover "join a scheduled fetch that predates the token,
	// then spend the budget" with room for a race.
	for range 4 {
		fl, err := s.decide(ctx, now, snap, iat)
		if err != nil {
			return nil, err
		}
		if fl != nil {
			select {
			case <-fl.done:
			case <-ctx.Done():
				return nil, fmt.Errorf("%w (%w)", ErrKeysUnavailable, ctx.Err())
			}
			now = s.now()
		}
		cur := s.snap.Load()
		if cur.usable(now) {
			if k := cur.keys[kid]; k != nil {
				return k, nil
			}
		}
		if fl == nil { // a newer set appeared: decide again on it
			snap = cur
			continue
		}
		if fl.err != nil {
			s.mu.Lock()
			until := s.backoffUntil
			s.mu.Unlock()
			return nil, keysUnavailable(until, now, errKeysFetch)
		}
		if iat.IsZero() || !iat.After(fl.start) {
			return nil, ErrUnknownKey // rule 1: a set fetched after the token was issued lacks its key
		}
		snap = cur // rule 1's exception: the fetch predates the token
	}
	return nil, ErrUnknownKey
}

// decide applies the rules for a kid missing from snap (the set the caller
// looked at): it returns the fetch to wait for, or the answer, or neither
// when a newer set is installed (the caller looks at it first).
func (s *keysStore) decide(ctx context.Context, now time.Time, snap *keysSnapshot, iat time.Time) (*keysFlight, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, errKeysClosed
	}
	if s.flight != nil {
		return s.flight, nil // rule 1
	}
	cur := s.snap.Load()
	if cur != snap {
		return nil, nil // rule 2
	}
	usable := cur.usable(now)
	if now.Before(s.backoffUntil) { // rule 4
		class := ErrKeysBackoff
		if cur != nil && !usable {
			class = ErrKeysStale
		}
		return nil, keysUnavailable(s.backoffUntil, now, class)
	}
	if !usable { // no set yet, or past MaxStale (rule 6)
		return s.startLocked(ctx, now, keysInitial, time.Time{}), nil
	}
	if s.kidSpent.IsZero() || !now.Before(s.kidSpent.Add(s.cooldown)) { // rule 3
		fl := s.startLocked(ctx, now, keysUnknownKid, s.kidSpent)
		s.kidSpent = now
		return fl, nil
	}
	if !iat.IsZero() && !iat.After(cur.fetched.Add(-s.leeway)) { // rule 5
		return nil, ErrUnknownKey
	}
	return nil, &UnavailableError{RetryAfter: s.kidSpent.Add(s.cooldown).Sub(now), Err: ErrKeyRefreshThrottled}
}

// keysUnavailable is the 503-class error of class whose Retry-After is the
// time left in the backoff that ends at until.
func keysUnavailable(until, now time.Time, class error) error {
	return &UnavailableError{RetryAfter: until.Sub(now), Err: class}
}

// refreshScheduled starts a background refresh unless a fetch runs, the
// store is closed, or a failed fetch asked to wait.
func (s *keysStore) refreshScheduled(ctx context.Context, now time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed || s.flight != nil || now.Before(s.backoffUntil) {
		return
	}
	s.startLocked(ctx, now, keysScheduled, time.Time{})
}

// startLocked starts a fetch for reason in its own goroutine, tracked by wg;
// refund is what the unknown-kid budget returns to if an unknown-kid fetch
// fails. s.mu is held.
func (s *keysStore) startLocked(ctx context.Context, now time.Time, reason keysReason, refund time.Time) *keysFlight {
	fl := &keysFlight{reason: reason, start: now, refund: refund, done: make(chan struct{})}
	s.flight = fl
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		s.fetch(ctx, fl)
	}()
	return fl
}

// prime fetches now, whatever the budget, backoff and staleness (joining a
// fetch in flight), and reports the fetch's error.
func (s *keysStore) prime(ctx context.Context) error {
	if s.url == "" {
		return nil
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return errKeysClosed
	}
	fl := s.flight
	if fl == nil {
		fl = s.startLocked(ctx, s.now(), keysPrime, time.Time{})
	}
	s.mu.Unlock()
	select {
	case <-fl.done:
		if fl.err != nil {
			return fmt.Errorf("%w: %w", ErrKeysUnavailable, fl.err)
		}
		return nil
	case <-ctx.Done():
		return fmt.Errorf("%w (%w)", ErrKeysUnavailable, ctx.Err())
	}
}

func (s *keysStore) close() {
	s.mu.Lock()
	if !s.closed {
		s.closed = true
		close(s.closedCh)
	}
	s.mu.Unlock()
	s.wg.Wait()
}

// fetch downloads, parses and installs the key set, records the outcome
// under the rules of keysStore and ends the flight. It runs inside a
// wg-counted goroutine.
func (s *keysStore) fetch(parent context.Context, fl *keysFlight) {
	ctx, cancel := httpx.DetachedContext(parent, s.fetchTimeout)
	defer cancel()
	stop := make(chan struct{})
	defer close(stop)
	s.wg.Add(1)
	go func() { // cancel the fetch when the store closes
		defer s.wg.Done()
		select {
		case <-s.closedCh:
			cancel()
		case <-stop:
		}
	}()

	snap, err := s.download(ctx, fl.reason == keysUnknownKid)
	s.mu.Lock()
	now := s.now()
	ev := KeyFetch{Reason: fl.reason.String(), Err: err, Duration: now.Sub(fl.start), Host: s.host()}
	if err != nil {
		s.failures++
		d := min(keysBackoffBase<<min(s.failures-1, 20), s.cooldown)
		s.backoffUntil = now.Add(s.jitter(d))
		if fl.reason == keysUnknownKid {
			s.kidSpent = fl.refund // a failed fetch never spends the budget
		}
		ev.Failures = s.failures
		if held := s.snap.Load(); held.usable(now) && !held.refreshAt.IsZero() && now.After(held.refreshAt) {
			ev.Stale = now.Sub(held.refreshAt)
		}
		if s.failures == 1 {
			held := "no key set held"
			if s.snap.Load().usable(now) {
				held = "keeping the last good key set"
			}
			s.logWarn("remote: JWKS fetch failed; "+held+" (logged once until it recovers)",
				"jwks_host", s.host(), "reason", fl.reason.String(), "error", err.Error())
		}
	} else {
		snap.fetched = fl.start
		snap.expires = snap.refreshAt.Add(s.maxStale)
		if s.failures > 0 {
			s.logInfo("remote: JWKS fetch recovered", "jwks_host", s.host(), "failures", s.failures, "keys", len(snap.keys))
		}
		s.failures, s.backoffUntil = 0, time.Time{}
		// Keep the old *jwtKey for keys that did not change, so cached
		// verifications made with them stay valid.
		if old := s.snap.Load(); old != nil {
			for kid, k := range snap.keys {
				if o := old.keys[kid]; o != nil && o.sameAs(k) {
					snap.keys[kid] = o
				}
			}
		}
		s.snap.Store(snap)
		if s.onSwap != nil {
			s.onSwap(snap)
		}
		ev.Keys = len(snap.keys)
	}
	fl.err = err
	s.flight = nil
	s.mu.Unlock()
	// Before the flight ends, so that a caller who waited for it (Prime)
	// returns after the event was reported.
	if s.onFetch != nil {
		s.onFetch(ev)
	}
	close(fl.done)
}

// KeyFetch describes one fetch of a JWKS, for [JWTConfig.OnKeyFetch]: why
// it ran, how it ended, how long it took. It holds no key material and no
// token; every field is safe to log or to use as a metric label (Host is
// the configured JWKS URL's).
type KeyFetch struct {
	// Reason is why the fetch ran: "start-up" (Prime), "initial" (no
	// usable key set: the first token, or the set passed MaxStale),
	// "scheduled" (the set's refresh time passed) or "unknown_kid" (a
	// token named a kid the set lacks; the only reason that spends the
	// unknown-kid budget).
	Reason string
	// Err is nil for a fetch that installed a new key set, else why it
	// failed (its text names the status or the transport error, never a
	// token). Use Err == nil as the outcome, not its text.
	Err error
	// Duration is the time the fetch took, by the verifier's clock.
	Duration time.Duration
	// Keys is the number of usable keys the new set holds (0 on failure).
	Keys int
	// Failures is the length of the failure streak this failed fetch
	// belongs to (0 on success).
	Failures int
	// Stale is, on failure, how far past its refresh time the key set
	// still in use is (0 when it is not due yet or there is none): the
	// verifier trusts it until MaxStale.
	Stale time.Duration
	// Host is the host of the JWKS URL.
	Host string
}

// host is the configured JWKS URL's host, for logs.
func (s *keysStore) host() string {
	if u, err := url.Parse(s.url); err == nil {
		return u.Host
	}
	return ""
}

func (s *keysStore) download(ctx context.Context, noCache bool) (*keysSnapshot, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.url, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/jwk-set+json, application/json")
	if noCache {
		req.Header.Set("Cache-Control", "no-cache")
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if err := httpx.CheckRedirectStatus(resp); err != nil {
		return nil, fmt.Errorf("remote: JWKS: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4096))
		return nil, fmt.Errorf("remote: JWKS answered HTTP %d", resp.StatusCode)
	}
	if err := keysCheckContentType(resp.Header.Get("Content-Type")); err != nil {
		return nil, err
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, s.maxBytes+1))
	if err != nil {
		return nil, fmt.Errorf("remote: reading JWKS: %w", err)
	}
	if int64(len(body)) > s.maxBytes {
		return nil, fmt.Errorf("remote: JWKS larger than %d bytes", s.maxBytes)
	}
	keys, err := keysParseSet(body, s.allowed, s.log)
	if err != nil {
		return nil, err
	}
	interval := httpx.Freshness(resp.Header, s.now(), s.defRefresh, s.minRefresh, s.maxRefresh)
	return &keysSnapshot{keys: keys, refreshAt: s.now().Add(interval)}, nil
}

// keysCheckContentType accepts JSON media types, text/plain (some static
// hosts) and a missing header; anything else (an HTML login page, a proxy's
// error page) is refused.
func keysCheckContentType(ct string) error {
	if ct == "" {
		return nil
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return fmt.Errorf("remote: JWKS has an invalid Content-Type")
	}
	switch {
	case mt == "application/json", mt == "application/jwk-set+json", mt == "text/plain",
		strings.HasPrefix(mt, "application/") && strings.HasSuffix(mt, "+json"):
		return nil
	}
	return fmt.Errorf("remote: JWKS has Content-Type %q, want JSON", mt)
}

// keysParseSet parses a JWKS document. The document and each of its keys
// are read under the module's JSON rule (internal/strictjson): a member
// named twice refuses the whole document. Entries are then taken one by
// one: an entry that is not an object, does not parse, is not a signature
// key, has no kid, or has no algorithm in allowed is skipped (and logged at
// debug level); one bad key never poisons the set. A kid published twice
// among usable keys is dropped (ambiguous). No usable key at all is an
// error.
func keysParseSet(body []byte, allowed jose.AlgSet, log *slog.Logger) (map[string]*jwtKey, error) {
	doc, err := strictjson.Members(body)
	if errors.Is(err, strictjson.ErrDuplicate) {
		return nil, errKeysDuplicate
	}
	if err != nil {
		return nil, errors.New("remote: JWKS is not a JSON key set")
	}
	raw, ok := strictjson.Lookup(doc, "keys")
	if !ok || strictjson.IsNull(raw) {
		return nil, errors.New("remote: JWKS has no \"keys\" array")
	}
	entries, err := strictjson.Elements(raw)
	if err != nil {
		return nil, errors.New("remote: JWKS is not a JSON key set")
	}
	if len(entries) > keysMaxKeys {
		return nil, fmt.Errorf("remote: JWKS has more than %d keys", keysMaxKeys)
	}
	members := make([][]strictjson.Member, len(entries))
	for i, e := range entries {
		// Every key is split before any is used, so that a duplicate
		// member anywhere refuses the document whatever the order.
		m, err := strictjson.Members(e)
		if errors.Is(err, strictjson.ErrDuplicate) {
			return nil, errKeysDuplicate
		}
		members[i] = m // nil when the entry is not an object
	}
	keys := make(map[string]*jwtKey, len(entries))
	dup := map[string]bool{}
	for i, m := range members {
		k, err := keysParseKey(m, allowed)
		if err != nil {
			if log != nil {
				log.Debug("remote: skipping JWKS entry", "index", i, "reason", err.Error())
			}
			continue
		}
		if _, seen := keys[k.kid]; seen || dup[k.kid] {
			dup[k.kid] = true
			delete(keys, k.kid)
			if log != nil {
				log.Warn("remote: JWKS publishes a kid twice; ignoring it", "kid", k.kid)
			}
			continue
		}
		keys[k.kid] = k
	}
	if len(keys) == 0 {
		return nil, ErrNoUsableKey
	}
	return keys, nil
}

// errKeysDuplicate refuses a JWKS in which an object names a member twice:
// two readers could see two different keys in it.
var errKeysDuplicate = errors.New("remote: JWKS has a duplicate member name")

// keysParseKey turns one JWKS entry (its members; nil when the entry is
// not an object) into a verification key or says why not.
func keysParseKey(members []strictjson.Member, allowed jose.AlgSet) (*jwtKey, error) {
	if members == nil {
		return nil, errors.New("not a JSON object")
	}
	jwk, err := jose.ParseJWK(members)
	if err != nil {
		return nil, errors.New("unparsable key")
	}
	if jwk.KeyID == "" {
		return nil, errors.New("no kid")
	}
	if jwk.Use != "" && jwk.Use != "sig" {
		return nil, errors.New("not a signature key")
	}
	if jwk.HasOps && !slices.Contains(jwk.Ops, "verify") {
		return nil, errors.New("key_ops excludes verify")
	}
	return jwtNewKey(jwk.KeyID, jwk.Algorithm, jwk.Public, allowed)
}

// jwtNewKey validates a key against the algorithm allow-list: a declared alg
// must be allowed and fit the key; a key without alg must fit at least one
// allowed algorithm.
func jwtNewKey(kid, algName string, pub crypto.PublicKey, allowed jose.AlgSet) (*jwtKey, error) {
	if err := jose.CheckPublicKey(pub); err != nil {
		return nil, err
	}
	k := &jwtKey{kid: kid, pub: pub}
	if algName != "" {
		alg := jose.AlgByName(algName)
		if !allowed.Has(alg) {
			return nil, fmt.Errorf("algorithm %q not allowed", algName)
		}
		if !jose.KeyFits(alg, pub) {
			return nil, fmt.Errorf("algorithm %q does not fit the key type", algName)
		}
		k.alg = alg
		return k, nil
	}
	if !allowed.FitsAny(pub) {
		return nil, errors.New("no allowed algorithm fits the key")
	}
	return k, nil
}

func (s *keysStore) logWarn(msg string, args ...any) {
	if s.log != nil {
		s.log.Warn(msg, args...)
	}
}

func (s *keysStore) logInfo(msg string, args ...any) {
	if s.log != nil {
		s.log.Info(msg, args...)
	}
}
