package forward

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mcpauth/mcpauth/internal/httpx"
	"github.com/mcpauth/mcpauth/remote"
)

// entry is one validated upstream document. Entries are immutable once
// stored; a revalidation stores a new entry sharing the body.
type entry struct {
	body         []byte
	meta         *Metadata
	upstreamETag string        // sent back as If-None-Match
	validated    time.Time     // when the upstream last confirmed it (200 or 304)
	ttl          time.Duration // freshness lifetime, within the configured bounds
	revalidated  bool          // the upstream answered 304 for the previous entry's body

	// Precomputed response header values (len == cap: never appended to
	// in place).
	etag     string
	etagHdr  []string
	lenHdr   []string
	cacheHdr []string
}

func newEntry(body []byte, meta *Metadata, upstreamETag string, validated time.Time, ttl time.Duration) *entry {
	sum := sha256.Sum256(body)
	etag := `"` + base64.RawURLEncoding.EncodeToString(sum[:18]) + `"`
	return &entry{
		body:         body,
		meta:         meta,
		upstreamETag: upstreamETag,
		validated:    validated,
		ttl:          ttl,
		etag:         etag,
		etagHdr:      []string{etag},
		lenHdr:       []string{strconv.Itoa(len(body))},
		cacheHdr:     []string{"public, max-age=" + strconv.FormatInt(int64(ttl/time.Second), 10)},
	}
}

func (e *entry) fresh(now time.Time) bool { return now.Sub(e.validated) < e.ttl }

// age is the time since the upstream last confirmed the document, in whole
// seconds, never negative.
func (e *entry) age(now time.Time) int64 {
	return max(int64(now.Sub(e.validated)/time.Second), 0)
}

// flight is one upstream fetch shared by every caller that needs it.
type flight struct {
	done   chan struct{}
	cancel context.CancelFunc
	err    error // set before done is closed
}

// docCache keeps one upstream document: a lock-free read of the current
// entry on the hot path, at most one fetch at a time, stale-while-
// revalidate and stale-if-error.
type docCache struct {
	f          *Forwarder
	name       string   // well-known name, for logs
	candidates []string // the locations to try, in order, until one answers
	validate   func([]byte) (*Metadata, error)

	url atomic.Pointer[string] // the location in use, once one answered
	cur atomic.Pointer[entry]

	mu          sync.Mutex
	inflight    *flight
	lastErr     error     // the current failure streak's last error
	failures    int       // length of the current failure streak
	failClass   string    // class of the last logged failure
	nextAttempt time.Time // no new fetch before this after a failure

	onWait func() // test hook: a caller starts waiting for a flight
}

func newDocCache(f *Forwarder, name string, candidates []string, validate func([]byte) (*Metadata, error)) *docCache {
	c := &docCache{f: f, name: name, candidates: candidates, validate: validate}
	if len(candidates) == 1 {
		c.url.Store(&candidates[0])
	}
	return c
}

// currentURL is the location in use, or the first to try.
func (c *docCache) currentURL() string {
	if u := c.url.Load(); u != nil {
		return *u
	}
	return c.candidates[0]
}

// get returns the document to serve now: the cached entry when fresh; the
// cached entry when stale, starting one background refresh; otherwise it
// waits for the (single) fetch of a cold cache.
func (c *docCache) get(ctx context.Context, now time.Time) (*entry, error) {
	if e := c.cur.Load(); e != nil && e.fresh(now) {
		return e, nil
	}
	c.mu.Lock()
	e := c.cur.Load()
	if e != nil {
		if !e.fresh(now) && c.inflight == nil && !now.Before(c.nextAttempt) {
			c.startLocked(ctx)
		}
		c.mu.Unlock()
		return e, nil
	}
	fl := c.inflight
	if fl == nil {
		if now.Before(c.nextAttempt) {
			err := c.lastErr
			c.mu.Unlock()
			return nil, err
		}
		if fl = c.startLocked(ctx); fl == nil {
			c.mu.Unlock()
			return nil, errClosed
		}
	}
	c.mu.Unlock()
	return c.wait(ctx, fl)
}

// prime makes sure a fresh document is cached, fetching it now (ignoring the
// error retry interval) unless it is fresh, and reports the fetch's error.
func (c *docCache) prime(ctx context.Context) error {
	c.mu.Lock()
	if e := c.cur.Load(); e != nil && e.fresh(c.f.cfg.Now()) {
		c.mu.Unlock()
		return nil
	}
	fl := c.inflight
	if fl == nil {
		if fl = c.startLocked(ctx); fl == nil {
			c.mu.Unlock()
			return errClosed
		}
	}
	c.mu.Unlock()
	_, err := c.wait(ctx, fl)
	return err
}

func (c *docCache) wait(ctx context.Context, fl *flight) (*entry, error) {
	if c.onWait != nil {
		c.onWait()
	}
	select {
	case <-fl.done:
	case <-ctx.Done():
		return nil, fmt.Errorf("%w: %w", ErrMetadataUnavailable, ctx.Err())
	}
	if fl.err != nil {
		return nil, fl.err
	}
	return c.cur.Load(), nil
}

var errClosed = fmt.Errorf("%w: forwarder closed", ErrMetadataUnavailable)

// startLocked starts a fetch in its own goroutine, detached from the
// caller's cancellation (values kept) so the shared fetch does not die with
// the request that started it. It returns nil after Close. c.mu is held.
func (c *docCache) startLocked(ctx context.Context) *flight {
	f := c.f
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return nil
	}
	fctx, cancel := httpx.DetachedContext(ctx, f.cfg.FetchTimeout)
	fl := &flight{done: make(chan struct{}), cancel: cancel}
	c.inflight = fl
	f.wg.Add(1)
	go c.run(fctx, fl)
	return fl
}

func (c *docCache) run(ctx context.Context, fl *flight) {
	defer c.f.wg.Done()
	defer fl.cancel()
	start := c.f.cfg.Now()
	e, err := c.fetch(ctx)
	ev := c.finish(fl, e, err)
	if hook := c.f.cfg.OnMetadataFetch; hook != nil {
		ev.Duration = c.f.cfg.Now().Sub(start)
		ev.NotModified = err == nil && e.revalidated
		hook(ev) // before the flight ends: a caller who waited (Prime) returns after it
	}
	close(fl.done)
}

// finish records a fetch's outcome (run then ends the flight): a good
// document replaces the cached one; a failure keeps it, postpones the next
// attempt and is logged once per streak (again when its class changes).
func (c *docCache) finish(fl *flight, e *entry, err error) remote.MetadataFetch {
	log := c.f.cfg.Logger
	c.mu.Lock()
	now := c.f.cfg.Now()
	ev := remote.MetadataFetch{Document: c.name, URL: c.currentURL(), Err: err}
	if err == nil {
		c.cur.Store(e)
		if c.failures > 0 {
			log.Info("forward: upstream metadata recovered", "document", c.name, "url", c.currentURL(), "failures", c.failures)
		}
		c.failures, c.lastErr, c.failClass, c.nextAttempt = 0, nil, "", time.Time{}
	} else {
		c.failures++
		c.lastErr = err
		c.nextAttempt = now.Add(c.f.cfg.ErrorRetryInterval)
		if class := failureClass(err); class != c.failClass && !c.f.isClosed() {
			c.failClass = class
			c.logFailure(log, now, class, err)
		}
		ev.Failures = c.failures
		if cur := c.cur.Load(); cur != nil {
			ev.StaleAge = time.Duration(cur.age(now)) * time.Second
		}
	}
	fl.err = err
	c.inflight = nil
	c.mu.Unlock()
	return ev
}

func (c *docCache) logFailure(log *slog.Logger, now time.Time, class string, err error) {
	attrs := []any{"document", c.name, "url", c.currentURL(), "class", class, "error", err}
	if e := c.cur.Load(); e != nil {
		attrs = append(attrs, "serving", "last good copy", "age", time.Duration(e.age(now))*time.Second)
	} else {
		attrs = append(attrs, "serving", "503")
	}
	var mm *IssuerMismatchError
	if errors.As(err, &mm) {
		log.Error("forward: the authorization server's issuer does not match Config.Issuer; strict MCP clients reject such metadata, so it is not served",
			append(attrs, "configured", mm.Configured, "upstream", mm.Upstream, "fix", "set Config.Issuer to exactly "+strconv.Quote(mm.Upstream))...)
		return
	}
	log.Warn("forward: fetching authorization server metadata failed; logged once until it recovers", attrs...)
}

func failureClass(err error) string {
	var mm *IssuerMismatchError
	switch {
	case errors.As(err, &mm):
		return "issuer_mismatch"
	case errors.Is(err, ErrInvalidMetadata):
		return "invalid_document"
	default:
		return "unavailable"
	}
}

// fetch GETs the upstream document from the location in use or, while none
// answered yet, from each candidate in turn until one answers a valid
// document. On failure it returns the most telling error: an issuer
// mismatch, then an invalid document, then the first failure.
func (c *docCache) fetch(ctx context.Context) (*entry, error) {
	if u := c.url.Load(); u != nil {
		return c.fetchURL(ctx, *u)
	}
	var first, invalid, mismatch error
	for i := range c.candidates {
		e, err := c.fetchURL(ctx, c.candidates[i])
		if err == nil {
			c.url.Store(&c.candidates[i])
			return e, nil
		}
		var mm *IssuerMismatchError
		switch {
		case errors.As(err, &mm) && mismatch == nil:
			mismatch = err
		case errors.Is(err, ErrInvalidMetadata) && invalid == nil:
			invalid = err
		case first == nil:
			first = err
		}
		if ctx.Err() != nil {
			break
		}
	}
	err := cmp.Or(mismatch, invalid, first)
	return nil, fmt.Errorf("%w (tried %s)", err, strings.Join(c.candidates, ", "))
}

// fetchURL GETs the document at url, revalidating with If-None-Match when
// the cached copy has an upstream ETag, and validates what comes back.
func (c *docCache) fetchURL(ctx context.Context, url string) (*entry, error) {
	prev := c.cur.Load()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMetadataUnavailable, err)
	}
	req.Header.Set("Accept", "application/json")
	conditional := prev != nil && prev.upstreamETag != ""
	if conditional {
		req.Header.Set("If-None-Match", prev.upstreamETag)
	}
	resp, err := c.f.cfg.HTTPClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%w: GET %s: %w", ErrMetadataUnavailable, url, err)
	}
	defer resp.Body.Close()
	if err := httpx.CheckRedirectStatus(resp); err != nil {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4096))
		return nil, fmt.Errorf("%w: %w", ErrMetadataUnavailable, err)
	}
	now := c.f.cfg.Now()
	limit := c.f.cfg.MaxBodyBytes
	switch {
	case resp.StatusCode == http.StatusNotModified && conditional:
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, limit))
		etag := prev.upstreamETag
		if v := resp.Header.Get("ETag"); v != "" {
			etag = v
		}
		e := newEntry(prev.body, prev.meta, etag, now, c.ttl(resp.Header, now))
		e.revalidated = true
		return e, nil
	case resp.StatusCode != http.StatusOK:
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, limit))
		return nil, fmt.Errorf("%w: GET %s: status %d", ErrMetadataUnavailable, url, resp.StatusCode)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, fmt.Errorf("%w: GET %s: reading body: %w", ErrMetadataUnavailable, url, err)
	}
	if int64(len(body)) > limit {
		return nil, fmt.Errorf("%w: larger than %d bytes", ErrInvalidMetadata, limit)
	}
	meta, err := c.validate(body)
	if err != nil {
		return nil, err
	}
	return newEntry(body, meta, resp.Header.Get("ETag"), now, c.ttl(resp.Header, now)), nil
}

// ttl derives the freshness lifetime from the upstream's caching headers,
// within [MinCacheTTL, MaxCacheTTL] (httpx.Freshness).
func (c *docCache) ttl(h http.Header, now time.Time) time.Duration {
	cfg := &c.f.cfg
	return httpx.Freshness(h, now, cfg.DefaultCacheTTL, cfg.MinCacheTTL, cfg.MaxCacheTTL)
}

// retryAfter is the Retry-After to send with a 503: until the next fetch
// attempt, at least one second.
func (c *docCache) retryAfter(now time.Time) int64 {
	c.mu.Lock()
	next := c.nextAttempt
	c.mu.Unlock()
	return max(int64((next.Sub(now)+time.Second-1)/time.Second), 1)
}

// failure returns the current failure streak's length and last error.
func (c *docCache) failure() (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.failures, c.lastErr
}

// cancelInflight stops a running fetch (on Close).
func (c *docCache) cancelInflight() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.inflight != nil {
		c.inflight.cancel()
	}
}
