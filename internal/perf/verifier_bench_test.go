package perf

// Verifier-level scaling: JWKS size, number of distinct tokens in rotation
// against the cache bound, token size, and the memory each cached
// verification keeps.

import (
	"context"
	"fmt"
	"runtime"
	"testing"
)

// BenchmarkVerifierKeys: one RS256 token against key sets of 1, 10 and 100
// keys (the signing key listed last). Our key lookup is a map; jwx scans.
func BenchmarkVerifierKeys(b *testing.B) {
	fx := fixture(b)
	tok := tokens(b, "RS256", 1, Small)[0]
	ctx := context.Background()
	for _, n := range []int{1, 10, 100} {
		b.Run(fmt.Sprintf("keys=%d/ours-cached", n), func(b *testing.B) {
			v := ourVerifier(b, n, 0)
			mustVerify(b, v, tok)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := v.VerifyToken(ctx, tok); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("keys=%d/ours-fresh", n), func(b *testing.B) {
			v := ourVerifier(b, n, -1)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := v.VerifyToken(ctx, tok); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("keys=%d/jwx", n), func(b *testing.B) {
			verify := NewJWXVerifier(jwxSet(b, n), fx.Issuer, fx.Audience)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := verify(ctx, tok, nil); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkVerifierTokens: distinct tokens verified in rotation. With a
// bound of 100,000 every token stays cached (hits; the cost should not grow
// with the count); with the default bound of 10,000 a rotation of 100,000
// misses every time (full verification plus insertion and eviction), which
// "nocache" isolates. EdDSA tokens: minting 100,000 RS256 tokens would take
// over two minutes of CPU; a hit never touches the signature, and a miss's
// extra cost over "nocache" is the cache's, whatever the algorithm.
func BenchmarkVerifierTokens(b *testing.B) {
	ctx := context.Background()
	cases := []struct {
		name   string
		n      int
		bound  int // -1: no cache
		warmed bool
	}{
		{"tokens=1/bound=100000", 1, 100_000, true},
		{"tokens=1000/bound=100000", 1_000, 100_000, true},
		{"tokens=100000/bound=100000", 100_000, 100_000, true},
		{"tokens=100000/bound=10000", 100_000, 10_000, true},
		{"tokens=100000/nocache", 100_000, -1, false},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			toks := tokens(b, "EdDSA", c.n, Small)
			v := ourVerifier(b, 2, c.bound)
			if c.warmed {
				for _, t := range toks {
					mustVerify(b, v, t)
				}
			}
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				if _, err := v.VerifyToken(ctx, toks[i]); err != nil {
					b.Fatal(err)
				}
				if i++; i == len(toks) {
					i = 0
				}
			}
		})
	}
}

// BenchmarkVerifierSize: the small AuthKit-shaped token against a 4 KiB one
// carrying JWT-template claims, for our verifier (cache hit and fresh), jwx
// and the crypto/rsa floor.
func BenchmarkVerifierSize(b *testing.B) {
	fx := fixture(b)
	ctx := context.Background()
	for _, sz := range []struct {
		name string
		size Size
	}{{"small", Small}, {"4KiB", Large}} {
		tok := tokens(b, "RS256", 1, sz.size)[0]
		b.Run(fmt.Sprintf("size=%s/ours-cached", sz.name), func(b *testing.B) {
			v := ourVerifier(b, 1, 0)
			mustVerify(b, v, tok)
			b.ReportAllocs()
			b.ReportMetric(float64(len(tok)), "token-bytes")
			for b.Loop() {
				if _, err := v.VerifyToken(ctx, tok); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("size=%s/ours-fresh", sz.name), func(b *testing.B) {
			v := ourVerifier(b, 1, -1)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := v.VerifyToken(ctx, tok); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("size=%s/jwx", sz.name), func(b *testing.B) {
			verify := NewJWXVerifier(jwxSet(b, 1), fx.Issuer, fx.Audience)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := verify(ctx, tok, nil); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("size=%s/rsa-floor", sz.name), func(b *testing.B) {
			input, sig, err := SigningInput(tok)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if err := VerifyRSAFloor(fx.RSAPublic(), input, sig); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkCacheMemory fills a fresh verifier's cache with distinct tokens
// and reports the heap it retains afterwards (after GC; the tokens
// themselves were allocated before the first reading and are not counted):
// B/entry is that divided by the entries the cache can hold. Inserting
// 100,000 tokens under the default bound of 10,000 shows that memory stays
// at the bound. One op is one whole fill.
func BenchmarkCacheMemory(b *testing.B) {
	ctx := context.Background()
	cases := []struct {
		name    string
		size    Size
		inserts int
		bound   int
	}{
		{"size=small/inserts=10000/bound=10000", Small, 10_000, 10_000},
		{"size=small/inserts=100000/bound=10000", Small, 100_000, 10_000},
		{"size=4KiB/inserts=10000/bound=10000", Large, 10_000, 10_000},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			toks := tokens(b, "EdDSA", c.inserts, c.size)
			var retained uint64
			for b.Loop() {
				var before, after runtime.MemStats
				runtime.GC()
				runtime.ReadMemStats(&before)
				v := ourVerifier(b, 2, c.bound)
				for _, t := range toks {
					if _, err := v.VerifyToken(ctx, t); err != nil {
						b.Fatal(err)
					}
				}
				runtime.GC()
				runtime.ReadMemStats(&after)
				retained += after.HeapAlloc - before.HeapAlloc
				runtime.KeepAlive(v)
				_ = v.Close()
			}
			per := float64(retained) / float64(b.N)
			b.ReportMetric(per/float64(min(c.inserts, c.bound)), "B/entry")
			b.ReportMetric(per/(1<<20), "retained-MiB")
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(c.inserts), "ns/insert")
		})
	}
}
