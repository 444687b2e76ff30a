package jose

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"testing"

	"github.com/mcpauth/mcpauth/internal/jwttest"
)

func TestAlgTable(t *testing.T) {
	var n int
	for a := RS256; a < numAlgs; a++ {
		if AlgByName(a.String()) != a || !AllAlgs.Has(a) {
			t.Errorf("%v does not round-trip", a)
		}
		n++
	}
	if n != 10 {
		t.Errorf("%d algorithms", n)
	}
	for _, name := range []string{"none", "HS256", "rs256", "", "invalid"} {
		if AlgByName(name) != AlgInvalid {
			t.Errorf("AlgByName(%q) is an algorithm", name)
		}
	}
	if AllAlgs.Has(AlgInvalid) || AlgInvalid.String() != "invalid" {
		t.Error("AlgInvalid in the table")
	}
}

// TestVerify: every algorithm verifies its own signature, and refuses the
// same token under a key of another type or curve.
func TestVerify(t *testing.T) {
	k := jwttest.Shared()
	p384, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	keys := map[Alg]any{RS256: k.RSA, RS384: k.RSA, RS512: k.RSA, PS256: k.RSA, PS384: k.RSA, PS512: k.RSA, ES256: k.EC256, ES384: p384, EdDSA: k.Ed25519}
	for alg, key := range keys {
		tok := jwttest.MustSign(t, alg.String(), key, `{"alg":"`+alg.String()+`","kid":"k"}`, `{}`)
		j, err := ParseCompact(tok)
		if err != nil {
			t.Fatal(err)
		}
		pub := key.(interface{ Public() crypto.PublicKey }).Public()
		if !KeyFits(alg, pub) || CheckPublicKey(pub) != nil {
			t.Errorf("%v: key does not fit", alg)
		}
		if err := Verify(alg, pub, []byte(j.SigningInput), j.Signature); err != nil {
			t.Errorf("%v: %v", alg, err)
		}
		for _, other := range []crypto.PublicKey{&k.RSA2.PublicKey, &k.EC256.PublicKey, &p384.PublicKey, k.Ed25519.Public()} {
			if other.(interface{ Equal(crypto.PublicKey) bool }).Equal(pub) {
				continue
			}
			if err := Verify(alg, other, []byte(j.SigningInput), j.Signature); err == nil {
				t.Errorf("%v verified under a %T", alg, other)
			}
		}
	}
	if err := CheckPublicKey(&k.RSASmall.PublicKey); err == nil {
		t.Error("1024-bit RSA key accepted")
	}
}
