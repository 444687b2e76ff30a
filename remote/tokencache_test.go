package remote

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/mcpauth/mcpauth/internal/jwttest"
)

func TestTokenCacheServesRepeatedToken(t *testing.T) {
	k := jwtKeys(t)
	tok := jwtToken(t, k.rsaA, "rsa-a", jwtClaims(nil))
	t.Run("enabled", func(t *testing.T) {
		v := staticVerifier(t, func(c *JWTConfig) { c.DisableTokenCache = false })
		if a, b := mustVerify(t, v, tok), mustVerify(t, v, tok); a != b {
			t.Error("second verification did not come from the cache")
		}
	})
	t.Run("disabled", func(t *testing.T) {
		v := staticVerifier(t, nil) // DisableTokenCache: true
		if v.cache != nil {
			t.Fatal("cache allocated although disabled")
		}
		if a, b := mustVerify(t, v, tok), mustVerify(t, v, tok); a == b {
			t.Error("verification cached although disabled")
		}
	})
}

// TestTokenCacheEntryLifetime: an entry lives until min(exp, TTL); a hit
// re-checks the clock.
func TestTokenCacheEntryLifetime(t *testing.T) {
	k := jwtKeys(t)
	for _, tc := range []struct {
		name     string
		exp, ttl time.Duration
		hitUntil time.Duration
	}{
		{"exp first", 2 * time.Minute, 5 * time.Minute, 2 * time.Minute},
		{"ttl first", time.Hour, time.Minute, time.Minute},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clock := jwttest.NewClock()
			v := staticVerifier(t, func(c *JWTConfig) {
				c.DisableTokenCache = false
				c.TokenCacheTTL = tc.ttl
				c.Now = clock.Now
			})
			tok := jwtToken(t, k.rsaA, "rsa-a", jwtClaims(map[string]any{"exp": jwtTestEpoch.Add(tc.exp).Unix()}))
			first := mustVerify(t, v, tok)
			clock.Advance(tc.hitUntil - time.Second)
			if mustVerify(t, v, tok) != first {
				t.Fatal("entry not served before its end")
			}
			clock.Advance(time.Second)
			if mustVerify(t, v, tok) == first { // within leeway: verified again
				t.Fatal("entry served at its end")
			}
		})
	}
	t.Run("expired token never served", func(t *testing.T) {
		clock := jwttest.NewClock()
		v := staticVerifier(t, func(c *JWTConfig) { c.DisableTokenCache = false; c.Now = clock.Now })
		tok := jwtToken(t, k.rsaA, "rsa-a", jwtClaims(map[string]any{"exp": jwtTestEpoch.Add(time.Minute).Unix()}))
		mustVerify(t, v, tok)
		clock.Advance(time.Minute + DefaultJWTLeeway)
		if _, err := v.VerifyToken(context.Background(), tok); !errors.Is(err, ErrTokenExpired) {
			t.Errorf("err = %v, want ErrTokenExpired", err)
		}
	})
}

func tcTestKey(shard byte, n int) tcKey {
	var k tcKey
	k[0] = shard
	copy(k[1:], fmt.Sprint(n))
	return k
}

func TestTokenCacheLRU(t *testing.T) {
	now := jwtTestEpoch
	c := tcNew(2, time.Hour) // full at two entries
	info := func(n int) *TokenInfo { return &TokenInfo{Subject: fmt.Sprint(n)} }
	c.put(tcTestKey(0, 1), info(1), nil, now)
	c.put(tcTestKey(0, 2), info(2), nil, now)
	if _, _, ok := c.get(tcTestKey(0, 1), now); !ok { // 1 is now the most recent
		t.Fatal("miss on 1")
	}
	c.put(tcTestKey(0, 3), info(3), nil, now) // evicts 2, the least recent
	for n, want := range map[int]bool{1: true, 2: false, 3: true} {
		if _, _, ok := c.get(tcTestKey(0, n), now); ok != want {
			t.Errorf("entry %d present = %v, want %v", n, ok, want)
		}
	}
	// Another, empty shard is unaffected: it inserts beyond the bound
	// rather than evicting elsewhere.
	c.put(tcTestKey(1, 9), info(9), nil, now)
	if _, _, ok := c.get(tcTestKey(1, 9), now); !ok {
		t.Error("miss in another shard")
	}
	if _, _, ok := c.get(tcTestKey(0, 1), now); !ok {
		t.Error("insertion into another shard evicted from shard 0")
	}
	// Re-putting updates in place.
	c.put(tcTestKey(0, 3), info(33), nil, now)
	if got, _, _ := c.get(tcTestKey(0, 3), now); got.Subject != "33" {
		t.Errorf("updated entry = %q", got.Subject)
	}
}

func TestTokenCacheBounded(t *testing.T) {
	c := tcNew(100, time.Hour)
	for i := range 10_000 {
		c.put(sha256.Sum256(fmt.Append(nil, i)), &TokenInfo{}, nil, jwtTestEpoch)
	}
	if n := c.len(); n > 100+tcShards-1 {
		t.Errorf("entries = %d, want at most 100 (+%d)", n, tcShards-1)
	}
	if n := c.count.Load(); n != int64(c.len()) {
		t.Errorf("count = %d, entries = %d", n, c.len())
	}
}

// TestTokenCacheHoldsItsBound: a working set of exactly the configured size
// stays cached in full, however unevenly it spreads over the shards. With a
// fixed share per shard (the old design) about half the shards overflowed
// and, under a rotation, missed on every request.
func TestTokenCacheHoldsItsBound(t *testing.T) {
	for _, size := range []int{16, 1_000, 10_000} {
		t.Run(fmt.Sprint(size), func(t *testing.T) {
			c := tcNew(size, time.Hour)
			keys := make([]tcKey, size)
			for i := range keys {
				keys[i] = sha256.Sum256(fmt.Append(nil, "token", i))
				c.put(keys[i], &TokenInfo{}, nil, jwtTestEpoch)
			}
			for round := range 2 {
				misses := 0
				for _, k := range keys {
					if _, _, ok := c.get(k, jwtTestEpoch); !ok {
						misses++
						c.put(k, &TokenInfo{}, nil, jwtTestEpoch)
					}
				}
				if misses != 0 {
					t.Errorf("round %d: %d of %d misses", round, misses, size)
				}
			}
			// One more distinct token evicts exactly one entry.
			c.put(sha256.Sum256([]byte("one more")), &TokenInfo{}, nil, jwtTestEpoch)
			if n := c.len(); n != size {
				t.Errorf("entries after one insert beyond the bound = %d, want %d", n, size)
			}
		})
	}
}

// TestTokenCacheCountTracksRemovals: expiry on get and dropSigners keep the
// global count right, so freed room is reused instead of evicting.
func TestTokenCacheCountTracksRemovals(t *testing.T) {
	c := tcNew(4, time.Hour)
	old, cur := &jwtKey{kid: "old"}, &jwtKey{kid: "cur"}
	c.put(tcTestKey(0, 1), &TokenInfo{Expiry: jwtTestEpoch.Add(time.Minute)}, cur, jwtTestEpoch)
	c.put(tcTestKey(1, 2), &TokenInfo{}, old, jwtTestEpoch)
	c.put(tcTestKey(2, 3), &TokenInfo{}, cur, jwtTestEpoch)
	if _, _, ok := c.get(tcTestKey(0, 1), jwtTestEpoch.Add(time.Minute)); ok {
		t.Fatal("expired entry served")
	}
	c.dropSigners(func(k *jwtKey) bool { return k == cur })
	if n := c.count.Load(); n != 1 {
		t.Fatalf("count = %d, want 1", n)
	}
	for i := range 3 {
		c.put(tcTestKey(2, 10+i), &TokenInfo{}, cur, jwtTestEpoch)
	}
	if _, _, ok := c.get(tcTestKey(2, 3), jwtTestEpoch); !ok {
		t.Error("entry evicted although the freed room sufficed")
	}
}

func TestTokenCacheSkipsDeadEntries(t *testing.T) {
	c := tcNew(10, time.Hour)
	k := tcTestKey(0, 1)
	c.put(k, &TokenInfo{Expiry: jwtTestEpoch}, nil, jwtTestEpoch)
	if c.len() != 0 {
		t.Error("stored a token already at its exp")
	}
}

func TestTokenCacheKeyIsSHA256(t *testing.T) {
	if tcHash("abc") != sha256.Sum256([]byte("abc")) {
		t.Error("tcHash is not SHA-256 of the token")
	}
}
