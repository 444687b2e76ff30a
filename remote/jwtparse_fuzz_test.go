package remote

import (
	"context"
	"encoding/json"
	"reflect"
	"testing"
)

// FuzzJWTParseCompact feeds arbitrary strings through the whole verifier:
// no input may panic, and anything accepted must be signed by the key.
func FuzzJWTParseCompact(f *testing.F) {
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
		p, err := jwtParseCompact(token)
		if err == nil {
			_, _ = p.claims()
		}
		info, err := v.VerifyToken(context.Background(), token)
		if err == nil && token != good {
			t.Fatalf("accepted a token that was not issued: %q (%+v)", token, info)
		}
	})
}

// FuzzJWTDecodeJSON checks the strict decoder against encoding/json: what
// it accepts, encoding/json accepts with the same value.
func FuzzJWTDecodeJSON(f *testing.F) {
	for _, s := range []string{
		`{}`, `{"a":1}`, `{"a":1,"a":2}`, `{"a":"\u0061\ud83d\ude00"}`, `{"a":[1,2.5e3,-0,true,null,{"b":"c"}]}`,
		`{"a":"\ud800"}`, `{"a":1e400}`, "{\"a\":\"\xff\"}", `{"exp":1700000000}`, ` {"a" : [ ] } `,
		`{"a":123456789012345678}`, `[1]`, `{"a":01}`, `{"a":"\x01"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := jwtDecodeJSONObject(data)
		if err != nil {
			return
		}
		var want map[string]any
		if err := json.Unmarshal(data, &want); err != nil {
			t.Fatalf("strict decoder accepted %q, encoding/json: %v", data, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("decode(%q) = %#v, encoding/json %#v", data, got, want)
		}
	})
}
