package jose

import (
	"crypto"
	"encoding/json"
	"testing"

	"github.com/mcpauth/mcpauth/internal/jwttest"
	"github.com/mcpauth/mcpauth/internal/strictjson"
)

func TestParseJWK(t *testing.T) {
	k := jwttest.Shared()
	rsaJWK := jwttest.JWK(&k.RSA.PublicKey, "a", "RS256", "sig")
	with := func(extra map[string]any) []byte {
		m := jwttest.With(jwttest.JWK(&k.RSA.PublicKey, "a", "RS256", "sig"), extra)
		b, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	for _, tt := range []struct {
		name string
		doc  []byte
		pub  crypto.PublicKey // nil: refused
	}{
		{"RSA", with(nil), &k.RSA.PublicKey},
		{"EC", must(t, jwttest.JWK(&k.EC256.PublicKey, "e", "ES256", "")), &k.EC256.PublicKey},
		{"Ed25519", must(t, jwttest.JWK(k.Ed25519.Public(), "o", "EdDSA", "")), k.Ed25519.Public()},
		// jwx never sees these: a certificate chain that does not parse
		// leaves the key usable, a URL is never fetched.
		{"x5c that does not parse", with(map[string]any{"x5c": []string{"%%%"}, "x5t": 1, "x5u": "http://127.0.0.1:1/"}), &k.RSA.PublicKey},
		{"private key: the public half", must(t, jwkPrivate(k)), &k.RSA.PublicKey},
		{"private half inconsistent", with(map[string]any{"d": "AQAB"}), nil},
		{"unknown members", with(map[string]any{"ext": true, "x-vendor": map[string]any{"a": []any{1}}}), &k.RSA.PublicKey},
		{"symmetric key", []byte(`{"kty":"oct","kid":"h","k":"c2VjcmV0"}`), nil},
		{"unknown kty", []byte(`{"kty":"XYZ","kid":"x"}`), nil},
		{"kty missing", with(map[string]any{"kty": nil}), nil},
		{"kid not a string", with(map[string]any{"kid": 1}), nil},
		{"alg not a string", with(map[string]any{"alg": []string{"RS256"}}), nil},
		{"use not a string", with(map[string]any{"use": true}), nil},
		{"key_ops not strings", with(map[string]any{"key_ops": "verify"}), nil},
		{"modulus missing", with(map[string]any{"n": nil}), nil},
		{"modulus not base64url", with(map[string]any{"n": "!!"}), nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			members, err := strictjson.Members(tt.doc)
			if err != nil {
				t.Fatal(err)
			}
			jwk, err := ParseJWK(members)
			if tt.pub == nil {
				if err == nil {
					t.Fatalf("accepted: %+v", jwk)
				}
				return
			}
			if err != nil {
				t.Fatalf("refused: %v", err)
			}
			if !jwk.Public.(interface{ Equal(crypto.PublicKey) bool }).Equal(tt.pub) {
				t.Errorf("public key %T differs", jwk.Public)
			}
		})
	}
	members, err := strictjson.Members(must(t, jwttest.With(rsaJWK, map[string]any{"key_ops": []string{"verify", "x"}})))
	if err != nil {
		t.Fatal(err)
	}
	jwk, err := ParseJWK(members)
	if err != nil || jwk.KeyID != "a" || jwk.Algorithm != "RS256" || jwk.Use != "sig" || !jwk.HasOps || len(jwk.Ops) != 2 {
		t.Errorf("ParseJWK = %+v, %v", jwk, err)
	}
}

func must(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// jwkPrivate is the RSA test key with its private parameters.
func jwkPrivate(k *jwttest.Keys) map[string]any {
	p := k.RSA.Primes
	return jwttest.With(jwttest.JWK(&k.RSA.PublicKey, "a", "RS256", ""), map[string]any{
		"d": jwttest.B64(k.RSA.D.Bytes()), "p": jwttest.B64(p[0].Bytes()), "q": jwttest.B64(p[1].Bytes()),
		"dp": jwttest.B64(k.RSA.Precomputed.Dp.Bytes()), "dq": jwttest.B64(k.RSA.Precomputed.Dq.Bytes()),
		"qi": jwttest.B64(k.RSA.Precomputed.Qinv.Bytes()),
	})
}
