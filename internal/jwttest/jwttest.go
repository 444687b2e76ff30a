// Package jwttest is the module's one fixture for signed tokens: shared
// test keys, a JWS signer for every algorithm the verifier knows (and for
// the ones it must refuse), JWK and JWKS encoding, and a valid claim set
// with overrides. Every package's tests, the benchmark fixture
// (internal/perf) and the fake AuthKit (authkit/authkittest) sign with it.
// Test support; not part of the API.
//
//	k := jwttest.Shared()
//	tok := jwttest.MustSignJSON(t, "RS256", k.RSA,
//		map[string]any{"alg": "RS256", "kid": "k1"},
//		jwttest.Claims(map[string]any{"scope": "mcp:tools", "jti": nil})) // nil deletes
//	jwks := jwttest.JWKS(jwttest.JWK(&k.RSA.PublicKey, "k1", "RS256", "sig"))
//	clock := jwttest.NewClock() // at Epoch, when tok is valid
package jwttest

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/big"
	"sync"
	"testing"
	"time"

	"github.com/mcpauth/mcpauth/internal/testutil"
)

// Issuer and Audience are the issuer and the audience (an MCP endpoint)
// of the tokens [Claims] describes.
const (
	Issuer   = "https://example.authkit.app"
	Audience = "https://mcp.example.com/mcp"
)

// Epoch is the tests' fake "now": tokens of [Claims] are valid at Epoch.
var Epoch = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// NewClock returns a fake clock standing at Epoch.
func NewClock() *testutil.Clock { return testutil.NewClock(Epoch) }

// Keys are signing keys generated once per test binary (RSA generation is
// slow), never stored in the repository. Treat them as read-only.
type Keys struct {
	RSA, RSA2, RSA3 *rsa.PrivateKey // 2048 bits
	RSASmall        *rsa.PrivateKey // 1024 bits: refused by the verifier
	EC256           *ecdsa.PrivateKey
	Ed25519         ed25519.PrivateKey
}

var shared = sync.OnceValue(func() *Keys {
	gen := func(bits int) *rsa.PrivateKey {
		k, err := rsa.GenerateKey(rand.Reader, bits)
		if err != nil {
			panic(err)
		}
		return k
	}
	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		panic(err)
	}
	_, ed, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		panic(err)
	}
	return &Keys{RSA: gen(2048), RSA2: gen(2048), RSA3: gen(2048), RSASmall: gen(1024), EC256: ec, Ed25519: ed}
})

// Shared returns the keys of this test binary.
func Shared() *Keys { return shared() }

// B64 is unpadded base64url, the encoding of every JWS segment.
func B64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// Sign returns the compact JWS over exactly the header and payload JSON
// texts given (not checked: tests build broken ones on purpose), signed
// with key under alg:
//
//   - RS256, RS384, RS512, PS256, PS384, PS512: an *rsa.PrivateKey (PSS
//     with the salt as long as the hash, RFC 7518 §3.5);
//   - ES256, ES384, ES512: an *ecdsa.PrivateKey (R and S as fixed-size
//     octets, RFC 7518 §3.4);
//   - EdDSA: an ed25519.PrivateKey;
//   - HS256, HS384, HS512: a []byte secret;
//   - none: no key (an empty signature) or a []byte sent as the
//     signature.
func Sign(alg string, key any, header, payload string) (string, error) {
	input := B64([]byte(header)) + "." + B64([]byte(payload))
	sig, err := signature(alg, key, []byte(input))
	if err != nil {
		return "", fmt.Errorf("jwttest: sign %s: %w", alg, err)
	}
	return input + "." + B64(sig), nil
}

// MustSign is [Sign] failing tb on error.
func MustSign(tb testing.TB, alg string, key any, header, payload string) string {
	tb.Helper()
	tok, err := Sign(alg, key, header, payload)
	if err != nil {
		tb.Fatal(err)
	}
	return tok
}

// SignJSON encodes header and claims with encoding/json and signs them
// with [Sign].
func SignJSON(alg string, key any, header, claims any) (string, error) {
	h, err := json.Marshal(header)
	if err != nil {
		return "", fmt.Errorf("jwttest: encode header: %w", err)
	}
	c, err := json.Marshal(claims)
	if err != nil {
		return "", fmt.Errorf("jwttest: encode claims: %w", err)
	}
	return Sign(alg, key, string(h), string(c))
}

// MustSignJSON is [SignJSON] failing tb on error.
func MustSignJSON(tb testing.TB, alg string, key any, header, claims any) string {
	tb.Helper()
	tok, err := SignJSON(alg, key, header, claims)
	if err != nil {
		tb.Fatal(err)
	}
	return tok
}

var hashes = map[string]crypto.Hash{
	"RS256": crypto.SHA256, "RS384": crypto.SHA384, "RS512": crypto.SHA512,
	"PS256": crypto.SHA256, "PS384": crypto.SHA384, "PS512": crypto.SHA512,
	"ES256": crypto.SHA256, "ES384": crypto.SHA384, "ES512": crypto.SHA512,
	"HS256": crypto.SHA256, "HS384": crypto.SHA384, "HS512": crypto.SHA512,
}

func signature(alg string, key any, input []byte) ([]byte, error) {
	if alg == "none" {
		b, _ := key.([]byte)
		return b, nil
	}
	if alg == "EdDSA" {
		k, ok := key.(ed25519.PrivateKey)
		if !ok {
			return nil, fmt.Errorf("key is a %T, want an ed25519.PrivateKey", key)
		}
		return ed25519.Sign(k, input), nil
	}
	h, ok := hashes[alg]
	if !ok {
		return nil, fmt.Errorf("unsupported algorithm")
	}
	if alg[0] == 'H' {
		secret, ok := key.([]byte)
		if !ok {
			return nil, fmt.Errorf("key is a %T, want a []byte secret", key)
		}
		m := hmac.New(h.New, secret)
		m.Write(input)
		return m.Sum(nil), nil
	}
	d := h.New()
	d.Write(input)
	digest := d.Sum(nil)
	switch alg[0] {
	case 'R', 'P':
		k, ok := key.(*rsa.PrivateKey)
		if !ok {
			return nil, fmt.Errorf("key is a %T, want an *rsa.PrivateKey", key)
		}
		if alg[0] == 'R' {
			return rsa.SignPKCS1v15(rand.Reader, k, h, digest)
		}
		return rsa.SignPSS(rand.Reader, k, h, digest, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash})
	default: // 'E'
		k, ok := key.(*ecdsa.PrivateKey)
		if !ok {
			return nil, fmt.Errorf("key is a %T, want an *ecdsa.PrivateKey", key)
		}
		r, s, err := ecdsa.Sign(rand.Reader, k, digest)
		if err != nil {
			return nil, err
		}
		size := (k.Curve.Params().BitSize + 7) / 8
		sig := make([]byte, 2*size)
		r.FillBytes(sig[:size])
		s.FillBytes(sig[size:])
		return sig, nil
	}
}

// JWK returns the public JWK (RFC 7517) of pub, an *rsa.PublicKey,
// *ecdsa.PublicKey or ed25519.PublicKey (nil: no key members), with kid,
// alg and use when they are not empty. It is a map so that tests can add
// or break members before [JWKS] encodes it.
func JWK(pub crypto.PublicKey, kid, alg, use string) map[string]any {
	m := map[string]any{}
	switch k := pub.(type) {
	case *rsa.PublicKey:
		m["kty"] = "RSA"
		m["n"] = B64(k.N.Bytes())
		m["e"] = B64(big.NewInt(int64(k.E)).Bytes())
	case *ecdsa.PublicKey:
		b, err := k.Bytes() // 0x04 || X || Y
		if err != nil {
			panic(fmt.Sprintf("jwttest: JWK: %v", err))
		}
		size := (len(b) - 1) / 2
		m["kty"], m["crv"], m["x"], m["y"] = "EC", k.Curve.Params().Name, B64(b[1:1+size]), B64(b[1+size:])
	case ed25519.PublicKey:
		m["kty"], m["crv"], m["x"] = "OKP", "Ed25519", B64(k)
	case nil:
	default:
		panic(fmt.Sprintf("jwttest: JWK of a %T", pub))
	}
	for name, v := range map[string]string{"kid": kid, "alg": alg, "use": use} {
		if v != "" {
			m[name] = v
		}
	}
	return m
}

// JWKS encodes keys as a JWKS document: {"keys":[...]}.
func JWKS(keys ...map[string]any) []byte {
	if keys == nil {
		keys = []map[string]any{}
	}
	b, err := json.Marshal(map[string]any{"keys": keys})
	if err != nil {
		panic(fmt.Sprintf("jwttest: encode JWKS: %v", err))
	}
	return b
}

// Claims returns a valid access-token claim set for Issuer and Audience,
// issued a minute before Epoch and expiring an hour after it, with
// overrides applied (see [With]).
func Claims(overrides map[string]any) map[string]any {
	return With(map[string]any{
		"iss":       Issuer,
		"sub":       "user_01HXYZ",
		"aud":       Audience,
		"exp":       Epoch.Add(time.Hour).Unix(),
		"iat":       Epoch.Add(-time.Minute).Unix(),
		"jti":       "jti-1",
		"client_id": "client_01ABC",
		"sid":       "consent_01",
		"scope":     "openid profile",
	}, overrides)
}

// With sets every override in base, where a nil value deletes the claim,
// and returns base.
func With(base, overrides map[string]any) map[string]any {
	for k, v := range overrides {
		if v == nil {
			delete(base, k)
		} else {
			base[k] = v
		}
	}
	return base
}
