package remote

import (
	"crypto/sha256"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"
)

// Verified-token cache.
//
// MCP clients send the same access token with every request; re-verifying
// its signature each time costs tens of microseconds. The cache maps
// SHA-256(token) — never the token itself — to the TokenInfo it produced.
// It is split into tcShards independently locked shards, each an LRU list
// with O(1) lookup, insertion, promotion and eviction. The bound is global
// (an atomic count over all shards), not a fixed share per shard: tokens
// spread unevenly over the shards, and with a per-shard share a working set
// of exactly the configured size overflowed about half of the shards, which
// then missed on every request of a rotation (LRU under cyclic access).
// When the cache is full, an insertion evicts its own shard's least recently
// used entry (an approximation of global LRU); only when that shard is empty
// does it insert beyond the bound, so the count never exceeds the bound by
// more than tcShards-1 entries. An entry lives until
// min(token exp, insertion + TTL); a hit re-checks that deadline against the
// clock. Failures are never cached: a bad token costs a full verification
// every time (key fetches it provokes are rate-limited by the key store).

const tcShards = 16

type tcKey [sha256.Size]byte

// tcHash hashes a token without copying it.
func tcHash(token string) tcKey {
	return sha256.Sum256(jwtStringBytes(token))
}

// jwtStringBytes views s as a byte slice without copying. The slice must
// only be read.
func jwtStringBytes(s string) []byte {
	return unsafe.Slice(unsafe.StringData(s), len(s))
}

type tcEntry struct {
	key        tcKey
	info       *TokenInfo
	rejected   error   // a cached refusal (introspection's short negative cache); info is nil then
	signer     *jwtKey // the key that verified the token; nil for introspection
	until      int64   // unix nanoseconds; the entry is dead from then on
	prev, next *tcEntry
}

type tcShard struct {
	mu   sync.Mutex
	m    map[tcKey]*tcEntry
	root tcEntry  // sentinel: root.next is the most recently used entry
	_    [48]byte // keep shards on separate cache lines
}

type tcCache struct {
	shards [tcShards]tcShard
	ttl    time.Duration
	size   int64        // the bound on count
	count  atomic.Int64 // entries over all shards
}

// tcConfigured builds a verifier's cache from its configuration: nil when
// disabled, otherwise bounded by size (def when not positive) with entries
// living at most ttl (defTTL when not positive).
func tcConfigured(disable bool, size, def int, ttl, defTTL time.Duration) *tcCache {
	if disable {
		return nil
	}
	if size <= 0 {
		size = def
	}
	return tcNew(size, jwtDuration(ttl, defTTL))
}

// tcNew returns a cache bounded to size entries (at least 1; see the
// package comment for the at most tcShards-1 overshoot) whose entries live
// at most ttl.
func tcNew(size int, ttl time.Duration) *tcCache {
	c := &tcCache{ttl: ttl, size: int64(max(size, 1))}
	for i := range c.shards {
		sh := &c.shards[i]
		sh.m = make(map[tcKey]*tcEntry)
		sh.root.next = &sh.root
		sh.root.prev = &sh.root
	}
	return c
}

func (c *tcCache) shard(k *tcKey) *tcShard { return &c.shards[k[0]%tcShards] }

// get returns the live entry's TokenInfo and signer, promoting it.
func (c *tcCache) get(k tcKey, now time.Time) (*TokenInfo, *jwtKey, bool) {
	info, signer, ok, _ := c.load(k, now)
	return info, signer, ok && info != nil
}

// getRejected returns the cached refusal of a token, nil when there is none.
func (c *tcCache) getRejected(k tcKey, now time.Time) error {
	_, _, ok, rejected := c.load(k, now)
	if !ok {
		return nil
	}
	return rejected
}

// putRejected caches the refusal err of a token for the cache's TTL.
func (c *tcCache) putRejected(k tcKey, err error, now time.Time) {
	c.store(k, nil, nil, err, now.Add(c.ttl), now)
}

func (c *tcCache) load(k tcKey, now time.Time) (*TokenInfo, *jwtKey, bool, error) {
	sh := c.shard(&k)
	n := now.UnixNano()
	sh.mu.Lock()
	e := sh.m[k]
	if e == nil {
		sh.mu.Unlock()
		return nil, nil, false, nil
	}
	if n >= e.until {
		sh.unlink(e)
		delete(sh.m, k)
		c.count.Add(-1)
		sh.mu.Unlock()
		return nil, nil, false, nil
	}
	if sh.root.next != e {
		sh.unlink(e)
		sh.pushFront(e)
	}
	info, signer, rejected := e.info, e.signer, e.rejected
	sh.mu.Unlock()
	return info, signer, true, rejected
}

// put stores info until min(expiry, now+ttl). An already expired token or a
// non-positive lifetime is not stored.
func (c *tcCache) put(k tcKey, info *TokenInfo, signer *jwtKey, now time.Time) {
	until := now.Add(c.ttl)
	if !info.Expiry.IsZero() && info.Expiry.Before(until) {
		until = info.Expiry
	}
	c.store(k, info, signer, nil, until, now)
}

func (c *tcCache) store(k tcKey, info *TokenInfo, signer *jwtKey, rejected error, until, now time.Time) {
	if !until.After(now) {
		return
	}
	sh := c.shard(&k)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if e := sh.m[k]; e != nil {
		e.info, e.signer, e.rejected, e.until = info, signer, rejected, until.UnixNano()
		sh.unlink(e)
		sh.pushFront(e)
		return
	}
	var e *tcEntry
	if sh.root.prev != &sh.root && c.count.Load() >= c.size {
		// Full: reuse this shard's least recently used entry.
		e = sh.root.prev
		sh.unlink(e)
		delete(sh.m, e.key)
	} else {
		e = new(tcEntry)
		c.count.Add(1)
	}
	*e = tcEntry{key: k, info: info, signer: signer, rejected: rejected, until: until.UnixNano()}
	sh.m[k] = e
	sh.pushFront(e)
}

// dropSigners removes every entry whose signer is not current.
func (c *tcCache) dropSigners(current func(*jwtKey) bool) {
	for i := range c.shards {
		sh := &c.shards[i]
		sh.mu.Lock()
		for k, e := range sh.m {
			if e.signer != nil && !current(e.signer) {
				sh.unlink(e)
				delete(sh.m, k)
				c.count.Add(-1)
			}
		}
		sh.mu.Unlock()
	}
}

// len returns the number of entries (dead ones included until touched).
func (c *tcCache) len() int {
	n := 0
	for i := range c.shards {
		sh := &c.shards[i]
		sh.mu.Lock()
		n += len(sh.m)
		sh.mu.Unlock()
	}
	return n
}

func (sh *tcShard) unlink(e *tcEntry) {
	e.prev.next = e.next
	e.next.prev = e.prev
	e.prev, e.next = nil, nil
}

func (sh *tcShard) pushFront(e *tcEntry) {
	e.prev = &sh.root
	e.next = sh.root.next
	sh.root.next.prev = e
	sh.root.next = e
}
