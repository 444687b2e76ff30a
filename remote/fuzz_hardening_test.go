package remote

import (
	"context"
	"crypto"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"slices"
	"strings"
	"testing"

	"github.com/lestrrat-go/jwx/v3/jwk"
	"github.com/mcpauth/mcpauth/internal/jose"
)

// fuzzMutate applies one mutation to token: part selects the segment
// (header, payload, signature, or the raw string), pos and data say where
// and what. Header and payload are mutated as decoded JSON bytes and
// re-encoded (so the mutation is in the signed content, not only in its
// encoding); the signature as decoded bytes.
func fuzzMutate(token string, part uint8, pos uint16, data []byte, xor bool) string {
	segs := strings.SplitN(token, ".", 3)
	if len(segs) != 3 {
		return token
	}
	splice := func(b []byte) []byte {
		if len(b) == 0 {
			return append(b, data...)
		}
		at := int(pos) % (len(b) + 1)
		if xor {
			b = append([]byte(nil), b...)
			for i, d := range data {
				if at+i < len(b) {
					b[at+i] ^= d
				}
			}
			return b
		}
		out := append([]byte(nil), b[:at]...)
		out = append(out, data...)
		if at+len(data) < len(b) {
			out = append(out, b[at+len(data):]...)
		}
		return out
	}
	enc := base64.RawURLEncoding
	switch part % 4 {
	case 0, 1, 2:
		raw, err := enc.DecodeString(segs[part%4])
		if err != nil {
			return token
		}
		segs[part%4] = enc.EncodeToString(splice(raw))
		return strings.Join(segs, ".")
	default:
		return string(splice([]byte(token)))
	}
}

// FuzzJWTVerifyMutated mutates valid tokens (RS256, PS256, EdDSA) in their
// header, payload, signature or raw text and verifies the result with the
// verified-token cache on: never a panic, and nothing but the unmutated
// token is ever accepted. (ECDSA is left out on purpose: (r, n-s) is a
// second valid signature by design of ECDSA; see TestJWTECDSAMalleability.)
func FuzzJWTVerifyMutated(f *testing.F) {
	k := jwtKeys(f)
	claims := jwtJSON(f, jwtClaims(nil))
	goods := []string{
		jwtToken(f, k.rsaA, "rsa-a", jwtClaims(nil)),
		jwtSignRaw(f, "PS256", k.rsaC, `{"alg":"PS256","kid":"rsa-pss"}`, claims),
		jwtSignRaw(f, "EdDSA", k.ed, `{"alg":"EdDSA","kid":"ed"}`, claims),
	}
	v := staticVerifier(f, func(c *JWTConfig) {
		c.StaticKeys = []JWTKey{
			{KeyID: "rsa-a", Algorithm: AlgRS256, Key: &k.rsaA.PublicKey},
			{KeyID: "rsa-pss", Algorithm: AlgPS256, Key: &k.rsaC.PublicKey},
			{KeyID: "ed", Algorithm: AlgEdDSA, Key: k.ed.Public()},
		}
		c.Algorithms = []string{AlgRS256, AlgPS256, AlgEdDSA}
		c.DisableTokenCache = false
	})
	for _, g := range goods {
		mustVerify(f, v, g) // cached: mutations must not hit the cache
	}
	for _, seed := range []struct {
		which, part uint8
		pos         uint16
		data        string
		xor         bool
	}{
		{0, 2, 0, "\x01", true},                     // first signature bit
		{0, 2, 255, "\x80", true},                   // last signature byte
		{0, 2, 0, "", false},                        // signature unchanged
		{0, 1, 10, `"sub":"admin",`, false},         // claim injected
		{0, 0, 8, `"alg":"none",`, false},           // header member injected
		{1, 1, 0, " ", false},                       // whitespace in payload
		{2, 2, 31, "\xff", true},                    // EdDSA: R/S boundary
		{2, 2, 63, "\x10", true},                    // EdDSA: high bit of S
		{0, 3, 0, "=", false},                       // padding
		{0, 3, 400, "A", false},                     // raw character
		{1, 0, 0, "{\"crit\":[\"exp\"],", false},    // crit
		{0, 1, 0, "{\"exp\":1e400,\"x\":1,", false}, // huge number
	} {
		f.Add(seed.which, seed.part, seed.pos, []byte(seed.data), seed.xor)
	}
	f.Fuzz(func(t *testing.T, which, part uint8, pos uint16, data []byte, xor bool) {
		good := goods[int(which)%len(goods)]
		tok := fuzzMutate(good, part, pos, data, xor)
		info, err := v.VerifyToken(context.Background(), tok)
		if err == nil && tok != good {
			t.Fatalf("accepted a mutated token (part %d):\n got %q\nfrom %q\ninfo %+v", part%4, tok, good, info)
		}
		if tok == good && err != nil {
			t.Fatalf("unmutated token rejected: %v", err)
		}
	})
}

// keysSeeds adds the JWKS fuzzers' seed documents to f.
func keysSeeds(f *testing.F) {
	k := jwtKeys(f)
	good := jwtJWKS(f,
		jwkEntry{kid: "a", alg: "RS256", use: "sig", key: &k.rsaA.PublicKey},
		jwkEntry{kid: "ec", alg: "ES256", key: &k.ec256.PublicKey},
		jwkEntry{kid: "ed", alg: "EdDSA", key: k.ed.Public()},
	)
	for _, s := range []string{
		string(good), `{"keys":[]}`, `{"keys":null}`, `{}`, `[]`, `{"keys":[{}]}`,
		`{"keys":[{"kty":"RSA","kid":"x","n":"AQAB","e":"AQAB"}]}`,
		`{"keys":[{"kty":"RSA","kid":"x","n":"` + strings.Repeat("A", 2000) + `","e":"AQAB"}]}`,
		`{"keys":[{"kty":"EC","kid":"e","crv":"P-256","x":"AA","y":"AA"}]}`,
		`{"keys":[{"kty":"OKP","kid":"o","crv":"X25519","x":"AA"}]}`,
		`{"keys":[{"kty":"oct","kid":"h","k":"c2VjcmV0"}]}`,
		`{"keys":[{"kty":"RSA","kid":"x","x5c":["%%%"],"x5u":"http://127.0.0.1:1/"}]}`,
		`{"keys":[{"kty":"RSA","kid":"a","kid":"b"}]}`,
		`{"keys":[{"kty":"RSA","kid":"d","e":"AQAB","n":"` + jwtB64URL(k.rsaA.N.Bytes()) + `","d":"AQAB"}]}`,
		`{"keys":[1,"x",null,true,[]]}`,
		`{"keys":[],"keys":` + string(good[len(`{"keys":`):]),
		`{"KEYS":[],` + string(good[1:]),
	} {
		f.Add([]byte(s))
	}
}

// FuzzKeysParseSet feeds arbitrary documents to the JWKS parser: never a
// panic, and every key it returns is usable as the verifier requires (a
// kid, an allowed algorithm that fits, an acceptable key size).
func FuzzKeysParseSet(f *testing.F) {
	keysSeeds(f)
	allowed := jose.AllAlgs
	f.Fuzz(func(t *testing.T, body []byte) {
		keys, err := keysParseSet(body, allowed, nil)
		if err != nil {
			if keys != nil {
				t.Fatal("error with keys")
			}
			return
		}
		if len(keys) == 0 {
			t.Fatal("no error and no keys")
		}
		for kid, key := range keys {
			if kid == "" || key.kid != kid {
				t.Fatalf("key under %q has kid %q", kid, key.kid)
			}
			if err := jose.CheckPublicKey(key.pub); err != nil {
				t.Fatalf("kid %q: unacceptable key returned: %v", kid, err)
			}
			if key.alg != jose.AlgInvalid && (!allowed.Has(key.alg) || !jose.KeyFits(key.alg, key.pub)) {
				t.Fatalf("kid %q: alg %v does not fit", kid, key.alg)
			}
			if rk, ok := key.pub.(*rsa.PublicKey); ok && rk.N.BitLen() < jose.MinRSABits {
				t.Fatalf("kid %q: %d-bit RSA key accepted", kid, rk.N.BitLen())
			}
		}
	})
}

// TestJWTECDSASignatureMalleability records a property of ECDSA, not a
// flaw of the verifier: for a valid ES256 signature (r, s), (r, n-s) is
// valid too, so a second encoding of the same signed token verifies. It
// forges nothing (the claims are those the issuer signed); it only means
// that a token's exact bytes are not an identifier (the verified-token
// cache keys by bytes and so holds two entries). Signers choose s at
// random, so rejecting "high s" would reject half of all honest tokens.
func TestJWTECDSASignatureMalleability(t *testing.T) {
	k := jwtKeys(t)
	tok := jwtSignRaw(t, "ES256", k.ec256, `{"alg":"ES256","kid":"ec"}`, jwtJSON(t, jwtClaims(nil)))
	v := staticVerifier(t, func(c *JWTConfig) {
		c.StaticKeys = []JWTKey{{KeyID: "ec", Algorithm: AlgES256, Key: &k.ec256.PublicKey}}
		c.Algorithms = []string{AlgES256}
	})
	dot := strings.LastIndexByte(tok, '.')
	sig, err := base64.RawURLEncoding.DecodeString(tok[dot+1:])
	if err != nil {
		t.Fatal(err)
	}
	s := new(big.Int).SetBytes(sig[32:])
	s.Sub(k.ec256.Curve.Params().N, s)
	s.FillBytes(sig[32:])
	twin := tok[:dot+1] + base64.RawURLEncoding.EncodeToString(sig)
	a, b := mustVerify(t, v, tok), mustVerify(t, v, twin)
	if a.Subject != b.Subject || !a.Expiry.Equal(b.Expiry) || a.TokenID != b.TokenID {
		t.Errorf("twin verified with other claims: %+v vs %+v", a, b)
	}
}

// FuzzKeysParseSetJSON checks the JWKS path against encoding/json: every
// key of an accepted document comes from an entry of the "keys" array
// that, read by encoding/json, has that kid and the same alg, and whose key
// members, read by encoding/json and given to jwx, make the same public
// key.
func FuzzKeysParseSetJSON(f *testing.F) {
	keysSeeds(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		keys, err := keysParseSet(body, jose.AllAlgs, nil)
		if err != nil {
			return
		}
		var doc map[string]json.RawMessage
		if err := json.Unmarshal(body, &doc); err != nil {
			t.Fatalf("accepted %q, encoding/json: %v", body, err)
		}
		var entries []map[string]json.RawMessage
		if err := json.Unmarshal(doc["keys"], &entries); err != nil && !strings.Contains(err.Error(), "cannot unmarshal") {
			t.Fatalf("accepted keys %s, encoding/json: %v", doc["keys"], err)
		}
		for kid, key := range keys {
			if !slices.ContainsFunc(entries, func(e map[string]json.RawMessage) bool { return jsonReadsKey(e, kid, key) }) {
				t.Fatalf("kid %q: encoding/json reads no such key in %q", kid, body)
			}
		}
	})
}

// jsonReadsKey reports whether the entry e, as encoding/json read it, is
// key with kid.
func jsonReadsKey(e map[string]json.RawMessage, kid string, key *jwtKey) bool {
	var id, alg string
	if json.Unmarshal(e["kid"], &id) != nil || id != kid {
		return false
	}
	if v, ok := e["alg"]; ok && json.Unmarshal(v, &alg) != nil || key.alg != jose.AlgByName(alg) {
		return false
	}
	ref := map[string]json.RawMessage{}
	for _, name := range []string{"kty", "n", "e", "crv", "x", "y"} {
		if v, ok := e[name]; ok {
			ref[name] = v
		}
	}
	raw, err := json.Marshal(ref)
	if err != nil {
		return false
	}
	jk, err := jwk.ParseKey(raw)
	if err != nil {
		return false
	}
	var pub any
	return jwk.Export(jk, &pub) == nil && key.pub.(interface{ Equal(crypto.PublicKey) bool }).Equal(pub)
}
