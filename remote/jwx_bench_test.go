package remote

// Benchmarks of the JWT verifier against the baselines it is measured by:
// plain jwx jwt.Parse with a key set (validation included), and
// crypto/rsa verification alone (SHA-256 of the signing input plus
// rsa.VerifyPKCS1v15), all over the same RS256 token and RSA-2048 key.
// Run them together:
//
//	go test -run '^$' -bench BenchmarkJWTVerify -benchmem -count 6 ./remote/

import (
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jwk"
	"github.com/lestrrat-go/jwx/v3/jwt"
)

func BenchmarkJWTVerify(b *testing.B) {
	k := jwtKeys(b)
	// An AuthKit-shaped access token (see shared/reference/authkit.md).
	claims := jwtClaims(map[string]any{
		"sub": "user_01HJT8Y2P3F4Q5R6S7T8V9W0XY", "sid": "consent_01HJT8Y2P3F4Q5R6S7T8V9W0XZ",
		"jti": "01HJT8Y2P3F4Q5R6S7T8V9W0XA", "org_id": "org_01HJT8Y2P3F4Q5R6S7T8V9W0XB",
		"exp": jwtTestEpoch.Add(time.Hour).Unix(),
	})
	const kid = "sso_oidc_key_pair_01HJT8Y2P3F4Q5R6S7T8V9W0XC"
	tok := jwtToken(b, k.rsaA, kid, claims)
	clock := func() time.Time { return jwtTestEpoch }
	newV := func(b *testing.B, disableCache bool, size int) *JWTVerifier {
		return newTestJWTVerifier(b, JWTConfig{
			StaticKeys:        []JWTKey{{KeyID: kid, Algorithm: AlgRS256, Key: &k.rsaA.PublicKey}},
			Issuer:            jwtTestIssuer,
			Audiences:         []string{jwtTestAudience},
			Now:               clock,
			DisableTokenCache: disableCache,
			TokenCacheSize:    size,
		})
	}
	ctx := context.Background()

	b.Run("rsa-verify-only", func(b *testing.B) {
		input := []byte(tok[:strings.LastIndexByte(tok, '.')])
		sig, err := base64.RawURLEncoding.DecodeString(tok[strings.LastIndexByte(tok, '.')+1:])
		if err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			d := sha256.Sum256(input)
			if err := rsa.VerifyPKCS1v15(&k.rsaA.PublicKey, crypto.SHA256, d[:], sig); err != nil {
				b.Fatal(err)
			}
		}
	})

	b.Run("jwx-parse-keyset", func(b *testing.B) {
		key, err := jwk.Import(&k.rsaA.PublicKey)
		if err != nil {
			b.Fatal(err)
		}
		if err := key.Set(jwk.KeyIDKey, kid); err != nil {
			b.Fatal(err)
		}
		if err := key.Set(jwk.AlgorithmKey, jwa.RS256()); err != nil {
			b.Fatal(err)
		}
		set := jwk.NewSet()
		if err := set.AddKey(key); err != nil {
			b.Fatal(err)
		}
		raw := []byte(tok)
		b.ReportAllocs()
		for b.Loop() {
			if _, err := jwt.Parse(raw,
				jwt.WithKeySet(set),
				jwt.WithValidate(true),
				jwt.WithIssuer(jwtTestIssuer),
				jwt.WithAudience(jwtTestAudience),
				jwt.WithRequiredClaim("exp"),
				jwt.WithAcceptableSkew(DefaultJWTLeeway),
				jwt.WithClock(jwt.ClockFunc(clock)),
			); err != nil {
				b.Fatal(err)
			}
		}
	})

	b.Run("fresh", func(b *testing.B) {
		v := newV(b, true, 0)
		b.ReportAllocs()
		for b.Loop() {
			if _, err := v.VerifyToken(ctx, tok); err != nil {
				b.Fatal(err)
			}
		}
	})

	b.Run("fresh-cache-miss", func(b *testing.B) {
		// Distinct tokens cycling through a cache too small to hold them:
		// every call is a miss plus an insertion (hash, verify, evict).
		toks := make([]string, 64)
		for i := range toks {
			toks[i] = jwtToken(b, k.rsaA, kid, jwtClaims(map[string]any{"jti": fmt.Sprint(i)}))
		}
		v := newV(b, false, 1)
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			if _, err := v.VerifyToken(ctx, toks[i%len(toks)]); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})

	b.Run("cached", func(b *testing.B) {
		v := newV(b, false, 0)
		if _, err := v.VerifyToken(ctx, tok); err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			if _, err := v.VerifyToken(ctx, tok); err != nil {
				b.Fatal(err)
			}
		}
	})

	b.Run("cached-parallel", func(b *testing.B) {
		v := newV(b, false, 0)
		if _, err := v.VerifyToken(ctx, tok); err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := v.VerifyToken(ctx, tok); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
}
