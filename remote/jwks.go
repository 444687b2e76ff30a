package remote

import (
	"context"
	"crypto"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/mcpauth/mcpauth/internal/httpx"
)

// jwtKey is one verification key. Instances are immutable and shared between
// snapshots while the JWKS keeps publishing the same key, so a pointer
// comparison tells whether a cached verification still rests on a current key.
type jwtKey struct {
	kid string
	alg jwtAlg // jwtAlgInvalid when the key declares no "alg"
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
	refreshAt time.Time // zero for static keys: never refreshed
}

// keysMaxKeys caps the number of entries in a JWKS document.
const keysMaxKeys = 100

// keysStore holds the current key set behind an atomic pointer and refreshes
// it from a JWKS URL under the rules of JWTConfig.
//
// Fetches:
//   - synchronous, shared by all concurrent callers (singleflight), when a
//     token names a kid the snapshot lacks (or there is no snapshot yet), at
//     most once per cooldown; such a fetch sends Cache-Control: no-cache once
//     a set is known;
//   - asynchronous, in one goroutine tracked by wg, when the snapshot's
//     refresh time has passed: the request that notices it is served from the
//     current snapshot and does not wait. A failed refresh is retried after
//     the cooldown; the last good set stays in use meanwhile (indefinitely).
//
// Every fetch runs under httpx.DetachedContext, so a caller giving up does not
// abort a fetch other callers share, and is cancelled by close.
type keysStore struct {
	url          string
	client       *http.Client
	now          func() time.Time
	log          *slog.Logger
	allowed      jwtAlgSet
	minRefresh   time.Duration
	maxRefresh   time.Duration
	defRefresh   time.Duration
	cooldown     time.Duration
	fetchTimeout time.Duration
	maxBytes     int64
	onSwap       func(*keysSnapshot) // called after a new snapshot is installed
	afterMiss    func()              // tests only: runs between a snapshot miss and startSync

	snap atomic.Pointer[keysSnapshot]
	sf   singleflight.Group
	wg   sync.WaitGroup

	mu            sync.Mutex
	closed        bool
	closedCh      chan struct{}
	syncInFlight  bool
	lastSync      time.Time // start of the last synchronous fetch
	asyncInFlight bool
	nextAsync     time.Time // earliest retry after a failed asynchronous refresh
	failing       bool      // inside a failure streak (logged once)
	lastFailed    bool      // the most recent fetch failed
}

var (
	errKeysClosed = fmt.Errorf("%w (verifier closed)", ErrKeysUnavailable)
)

// held returns the key for kid from the current set, or nil, and starts a
// background refresh when the set is due (the caller is served from the
// current set meanwhile). It never fetches synchronously.
func (s *keysStore) held(ctx context.Context, kid string, now time.Time) (*keysSnapshot, *jwtKey) {
	snap := s.snap.Load()
	if snap == nil {
		return nil, nil
	}
	k := snap.keys[kid]
	if k != nil && s.url != "" && !now.Before(snap.refreshAt) {
		s.refreshAsync(ctx, now)
	}
	return snap, k
}

// lookup returns the key for kid, fetching the set if the rules allow.
func (s *keysStore) lookup(ctx context.Context, kid string) (*jwtKey, error) {
	now := s.now()
	snap, k := s.held(ctx, kid, now)
	if k != nil {
		return k, nil
	}
	if snap != nil && s.url == "" {
		return nil, ErrUnknownKey
	}
	if s.afterMiss != nil {
		s.afterMiss()
	}
	ch, err := s.startSync(ctx, now, false)
	if err != nil {
		// A fetch that finished after this caller looked may already
		// have installed the key (and its cooldown now refuses a new
		// fetch): look again before failing, so that no request racing
		// a key rotation is refused with a 401.
		if cur := s.snap.Load(); cur != nil && cur != snap {
			if k := cur.keys[kid]; k != nil {
				return k, nil
			}
		}
		return nil, err
	}
	select {
	case res := <-ch:
		if res.Err != nil {
			return nil, fmt.Errorf("%w (fetch failed)", ErrKeysUnavailable)
		}
	case <-ctx.Done():
		return nil, fmt.Errorf("%w (%w)", ErrKeysUnavailable, ctx.Err())
	}
	snap = s.snap.Load()
	if snap == nil {
		return nil, ErrKeysUnavailable
	}
	if k := snap.keys[kid]; k != nil {
		return k, nil
	}
	return nil, ErrUnknownKey
}

// startSync joins the synchronous fetch in flight or starts one when the
// cooldown allows (always when force is set, as for Prime).
func (s *keysStore) startSync(ctx context.Context, now time.Time, force bool) (<-chan singleflight.Result, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, errKeysClosed
	}
	if !s.syncInFlight {
		if !force && !s.lastSync.IsZero() && now.Before(s.lastSync.Add(s.cooldown)) {
			if s.snap.Load() == nil || s.lastFailed {
				return nil, fmt.Errorf("%w (cooling down after a failed fetch)", ErrKeysUnavailable)
			}
			return nil, ErrUnknownKey
		}
		s.syncInFlight = true
		s.lastSync = now
		s.wg.Add(1)
	}
	// Joining under mu is safe: the leader clears syncInFlight under mu
	// before its function returns, so a call seen in flight is still
	// registered in the group.
	noCache := s.snap.Load() != nil
	return s.sf.DoChan("sync", func() (any, error) {
		defer s.wg.Done()
		err := s.fetch(ctx, noCache)
		s.mu.Lock()
		s.syncInFlight = false
		s.mu.Unlock()
		return nil, err
	}), nil
}

// refreshAsync starts a background refresh unless one runs, the store is
// closed, or a failed one asked to wait.
func (s *keysStore) refreshAsync(ctx context.Context, now time.Time) {
	s.mu.Lock()
	if s.closed || s.asyncInFlight || now.Before(s.nextAsync) {
		s.mu.Unlock()
		return
	}
	s.asyncInFlight = true
	s.wg.Add(1)
	s.mu.Unlock()
	go func() {
		defer s.wg.Done()
		err := s.fetch(ctx, false)
		s.mu.Lock()
		s.asyncInFlight = false
		if err != nil {
			s.nextAsync = s.now().Add(s.cooldown)
		}
		s.mu.Unlock()
	}()
}

// prime fetches now, regardless of cooldown and staleness.
func (s *keysStore) prime(ctx context.Context) error {
	if s.url == "" {
		return nil
	}
	ch, err := s.startSync(ctx, s.now(), true)
	if err != nil {
		return err
	}
	select {
	case res := <-ch:
		if res.Err != nil {
			return fmt.Errorf("%w: %w", ErrKeysUnavailable, res.Err)
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

// fetch downloads, parses and installs the key set. It must run inside a
// wg-counted goroutine.
func (s *keysStore) fetch(parent context.Context, noCache bool) error {
	ctx, cancel := httpx.DetachedContext(parent, s.fetchTimeout)
	defer cancel()
	s.wg.Add(1)
	go func() { // cancel the fetch when the store closes
		defer s.wg.Done()
		select {
		case <-s.closedCh:
			cancel()
		case <-ctx.Done():
		}
	}()

	snap, err := s.download(ctx, noCache)
	s.mu.Lock()
	defer s.mu.Unlock()
	if err != nil {
		s.lastFailed = true
		if !s.failing {
			s.failing = true
			s.logWarn("remote: JWKS fetch failed; keeping the last good key set", "jwks_url", s.url, "error", err.Error())
		}
		return err
	}
	s.lastFailed = false
	if s.failing {
		s.failing = false
		s.logInfo("remote: JWKS fetch recovered", "jwks_url", s.url, "keys", len(snap.keys))
	}
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
	return nil
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

// keysParseSet parses a JWKS document. Entries are parsed one by one: an
// entry that does not parse, is not a signature key, has no kid, or has no
// algorithm in allowed is skipped (and logged at debug level); one bad key
// never poisons the set. A kid published twice among usable keys is dropped
// (ambiguous). No usable key at all is an error.
func keysParseSet(body []byte, allowed jwtAlgSet, log *slog.Logger) (map[string]*jwtKey, error) {
	var doc struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		return nil, errors.New("remote: JWKS is not a JSON key set")
	}
	if doc.Keys == nil {
		return nil, errors.New("remote: JWKS has no \"keys\" array")
	}
	if len(doc.Keys) > keysMaxKeys {
		return nil, fmt.Errorf("remote: JWKS has more than %d keys", keysMaxKeys)
	}
	keys := make(map[string]*jwtKey, len(doc.Keys))
	dup := map[string]bool{}
	for i, raw := range doc.Keys {
		k, err := keysParseKey(raw, allowed)
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

// keysParseKey turns one JWKS entry into a verification key or says why not.
func keysParseKey(raw []byte, allowed jwtAlgSet) (*jwtKey, error) {
	pub, meta, err := jwxParseJWK(raw)
	if err != nil {
		return nil, errors.New("unparsable key")
	}
	if meta.kid == "" {
		return nil, errors.New("no kid")
	}
	if meta.use != "" && meta.use != "sig" {
		return nil, errors.New("not a signature key")
	}
	if meta.hasOps && !slices.Contains(meta.ops, "verify") {
		return nil, errors.New("key_ops excludes verify")
	}
	return jwtNewKey(meta.kid, meta.alg, pub, allowed)
}

// jwtNewKey validates a key against the algorithm allow-list: a declared alg
// must be allowed and fit the key; a key without alg must fit at least one
// allowed algorithm.
func jwtNewKey(kid, algName string, pub crypto.PublicKey, allowed jwtAlgSet) (*jwtKey, error) {
	if err := jwtCheckPublicKey(pub); err != nil {
		return nil, err
	}
	k := &jwtKey{kid: kid, pub: pub}
	if algName != "" {
		alg := jwtAlgByName(algName)
		if !allowed.has(alg) {
			return nil, fmt.Errorf("algorithm %q not allowed", algName)
		}
		if !jwtKeyFits(alg, pub) {
			return nil, fmt.Errorf("algorithm %q does not fit the key type", algName)
		}
		k.alg = alg
		return k, nil
	}
	for a := jwtAlg(1); int(a) < len(jwtAlgInfos); a++ {
		if allowed.has(a) && jwtKeyFits(a, pub) {
			return k, nil
		}
	}
	return nil, errors.New("no allowed algorithm fits the key")
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
