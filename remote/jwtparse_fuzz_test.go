package remote

import (
	"context"
	"testing"
)

// FuzzJWTVerifyToken feeds arbitrary strings through the whole verifier:
// no input may panic, and anything accepted must be signed by the key.
// (The compact-JWS parser itself is fuzzed in internal/jose.)
func FuzzJWTVerifyToken(f *testing.F) {
	k := jwtKeys(f)
	good := jwtToken(f, k.rsaA, "rsa-a", jwtClaims(nil))
	for _, s := range []string{
		good, "", ".", "..", "a.b.c", "a.b.c.d.e", "eyJhbGciOiJub25lIn0.e30.",
		jwtB64URL([]byte(`{"alg":"RS256","kid":"rsa-a","alg":"none"}`)) + ".e30.AA",
		jwtB64URL([]byte(`{"alg":"RS256","kid":"rsa-a","crit":["b64"],"b64":false}`)) + ".e30.AA",
		jwtB64URL([]byte(`{"alg":"RS256","kid":"\ud800"}`)) + ".e30.AA",
		`{"payload":"e30","signatures":[]}`,
	} {
		f.Add(s)
	}
	v := staticVerifier(f, func(c *JWTConfig) { c.DisableTokenCache = false })
	f.Fuzz(func(t *testing.T, token string) {
		if p, err := parseToken(token); err == nil {
			_, _ = p.claims()
		}
		info, err := v.VerifyToken(context.Background(), token)
		if err == nil && token != good {
			t.Fatalf("accepted a token that was not issued: %q (%+v)", token, info)
		}
	})
}
