package perf

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/lestrrat-go/jwx/v3/jwk"

	"github.com/mcpauth/mcpauth/remote"
)

// The fixture is generated once per test binary: RSA key generation and
// minting thousands of tokens are too slow to repeat per benchmark.
var fixtureOnce = sync.OnceValues(NewFixture)

func fixture(tb testing.TB) *Fixture {
	tb.Helper()
	fx, err := fixtureOnce()
	if err != nil {
		tb.Fatal(err)
	}
	return fx
}

// tokenSet mints n distinct tokens; the result is memoised per (alg, n, size).
type tokenSetKey struct {
	alg  string
	n    int
	size Size
}

var (
	tokenSetsMu sync.Mutex
	tokenSets   = map[tokenSetKey][]string{}
)

func tokens(tb testing.TB, alg string, n int, size Size) []string {
	tb.Helper()
	fx := fixture(tb)
	k := tokenSetKey{alg, n, size}
	tokenSetsMu.Lock()
	defer tokenSetsMu.Unlock()
	if got, ok := tokenSets[k]; ok {
		return got
	}
	out := make([]string, n)
	// Two minting goroutines: the machine has two cores.
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for w := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < n; i += 2 {
				var err error
				id := fmt.Sprintf("%s-%d-%d-%d", alg, size, n, i)
				if alg == "RS256" {
					out[i], err = fx.RS256(id, size)
				} else {
					out[i], err = fx.EdDSA(id, size)
				}
				if err != nil {
					errs[w] = err
					return
				}
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			tb.Fatal(err)
		}
	}
	tokenSets[k] = out
	return out
}

func jwksDoc(tb testing.TB, n int) []byte {
	tb.Helper()
	doc, err := fixture(tb).JWKS(n)
	if err != nil {
		tb.Fatal(err)
	}
	return doc
}

// ourVerifier is the module's JWT verifier over a static JWKS of nKeys keys.
// cacheSize 0 keeps the default bound (10,000); a negative one disables the
// cache.
func ourVerifier(tb testing.TB, nKeys, cacheSize int) *remote.JWTVerifier {
	tb.Helper()
	fx := fixture(tb)
	cfg := remote.JWTConfig{
		StaticJWKS: jwksDoc(tb, nKeys),
		Issuer:     fx.Issuer,
		Audiences:  []string{fx.Audience},
		Algorithms: []string{remote.AlgRS256, remote.AlgEdDSA},
	}
	switch {
	case cacheSize < 0:
		cfg.DisableTokenCache = true
	case cacheSize > 0:
		cfg.TokenCacheSize = cacheSize
	}
	v, err := remote.NewJWTVerifier(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = v.Close() })
	return v
}

func jwxSet(tb testing.TB, nKeys int) jwk.Set {
	tb.Helper()
	set, err := ParseKeySet(jwksDoc(tb, nKeys))
	if err != nil {
		tb.Fatal(err)
	}
	return set
}

func mustVerify(tb testing.TB, v remote.TokenVerifier, tok string) {
	tb.Helper()
	if _, err := v.VerifyToken(context.Background(), tok); err != nil {
		tb.Fatalf("VerifyToken: %v", err)
	}
}

// ourProvider is the module's provider (remote.New) over ourVerifier.
func ourProvider(tb testing.TB, v remote.TokenVerifier, toolScopes map[string][]string) *remote.Provider {
	tb.Helper()
	fx := fixture(tb)
	p, err := remote.New(remote.Config{
		MCPURL:               fx.Audience,
		AuthorizationServers: []string{fx.Issuer},
		Verifier:             v,
		ToolScopes:           toolScopes,
	})
	if err != nil {
		tb.Fatal(err)
	}
	return p
}
