package jose

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/mcpauth/mcpauth/internal/jwttest"
)

// TestCompactAlphabet: the table-driven check accepts exactly base64url
// and ".", at every position modulo the unrolling.
func TestCompactAlphabet(t *testing.T) {
	const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_."
	for c := 0; c < 256; c++ {
		want := strings.IndexByte(alphabet, byte(c)) >= 0
		for _, pre := range []string{"", "a", "ab", "abc", "abcd", "abcde"} {
			s := pre + string([]byte{byte(c)}) + "xy"
			if got := compactChars.All(s); got != want {
				t.Errorf("compactChars.All(%q) = %v, want %v", s, got, want)
			}
		}
	}
	if !compactChars.All("") {
		t.Error("empty string refused (the dot rules refuse it)")
	}
}

func TestSplit(t *testing.T) {
	for _, tt := range []struct {
		in      string
		h, p, s string
		ok      bool
	}{
		{"a.b.c", "a", "b", "c", true},
		{"..", "", "", "", true},
		{"a.b", "", "", "", false},
		{"a.b.c.d", "", "", "", false},
		{"abc", "", "", "", false},
		{"", "", "", "", false},
	} {
		h, p, s, ok := Split(tt.in)
		if h != tt.h || p != tt.p || s != tt.s || ok != tt.ok {
			t.Errorf("Split(%q) = %q, %q, %q, %v", tt.in, h, p, s, ok)
		}
	}
}

// TestParseCompact: each refusal, next to a header it differs from only in
// the refused thing.
func TestParseCompact(t *testing.T) {
	b64 := jwttest.B64
	tok := func(header string) string { return b64([]byte(header)) + "." + b64([]byte(`{}`)) + ".c2ln" }
	for _, tt := range []struct {
		name, token string
		want        string // the refusal's detail; "" accepted
	}{
		{"control", tok(`{"alg":"RS256","kid":"k"}`), ""},
		{"unsupported alg is not a parse error", tok(`{"alg":"HS256","kid":"k"}`), ""},
		{"typ and cty kept out of the way", tok(`{"alg":"RS256","kid":"k","typ":"at+jwt","cty":"json"}`), ""},
		{"padding", tok(`{"alg":"RS256","kid":"k"}`) + "=", "not a compact JWS"},
		{"line break", tok(`{"alg":"RS256","kid":"k"}`)[:10] + "\n" + tok(`{"alg":"RS256","kid":"k"}`)[10:], "not a compact JWS"},
		{"empty signature", strings.TrimSuffix(tok(`{"alg":"RS256","kid":"k"}`), "c2ln"), "not a compact JWS"},
		{"four segments", tok(`{"alg":"RS256","kid":"k"}`) + ".x", "not a compact JWS"},
		{"JSON serialization", `{"payload":"e30","signatures":[]}`, "not a compact JWS"},
		{"stray trailing bits", strings.TrimSuffix(tok(`{"alg":"RS256","kid":"k"}`), "c2ln") + "c2l", "bad signature encoding"}, // "c2k" is "si"
		{"duplicate alg", tok(`{"alg":"RS256","kid":"k","alg":"none"}`), "bad header JSON"},
		{"header not an object", tok(`["alg"]`), "bad header JSON"},
		{"alg missing", tok(`{"kid":"k"}`), "alg missing"},
		{"alg not a string", tok(`{"alg":["RS256"],"kid":"k"}`), "alg is not a string"},
		{"kid missing", tok(`{"alg":"RS256"}`), "kid missing"},
		{"kid empty", tok(`{"alg":"RS256","kid":""}`), "kid is not a non-empty string"},
		{"crit", tok(`{"alg":"RS256","kid":"k","crit":["exp"]}`), "crit header not supported"},
		{"zip", tok(`{"alg":"RS256","kid":"k","zip":"DEF"}`), "compressed payload not supported"},
		{"b64", tok(`{"alg":"RS256","kid":"k","b64":false}`), "unencoded payload not supported"},
		{"JWE", tok(`{"alg":"RS256","kid":"k","enc":"A128GCM"}`), "JWE not supported"},
		{"nested JWT", tok(`{"alg":"RS256","kid":"k","cty":"JWT"}`), "nested JWT not supported"},
		{"typ not a string", tok(`{"alg":"RS256","kid":"k","typ":1}`), "typ is not a string"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			j, err := ParseCompact(tt.token)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				if j.KeyID != "k" || j.SigningInput+".c2ln" != tt.token || string(j.Signature) != "sig" {
					t.Fatalf("parsed %+v", j)
				}
				return
			}
			var e *Error
			if !errors.As(err, &e) || e.Detail != tt.want {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
		})
	}
}

// refusals are every error ParseCompact returns.
var refusals = []error{
	errNotCompact, errHeaderB64, errSigB64, errHeaderJSON, errAlgType, errKidType, errCrit, errZip,
	errB64, errJWE, errCtyType, errNested, errTypType, errAlgMissing, errKidMissing,
}

// FuzzParseCompact: no input panics, and what the parser accepts is three
// strict base64url segments whose header encoding/json reads as an object
// with the same alg and kid.
func FuzzParseCompact(f *testing.F) {
	k := jwttest.Shared()
	good := jwttest.MustSignJSON(f, "RS256", k.RSA, map[string]any{"alg": "RS256", "kid": "rsa-a"}, jwttest.Claims(nil))
	for _, s := range []string{
		good, "", ".", "..", "a.b.c", "a.b.c.d.e", "eyJhbGciOiJub25lIn0.e30.",
		jwttest.B64([]byte(`{"alg":"RS256","kid":"rsa-a","alg":"none"}`)) + ".e30.AA",
		jwttest.B64([]byte(`{"alg":"RS256","kid":"rsa-a","crit":["b64"],"b64":false}`)) + ".e30.AA",
		jwttest.B64([]byte(`{"alg":"RS256","kid":"\ud800"}`)) + ".e30.AA",
		`{"payload":"e30","signatures":[]}`,
	} {
		f.Add(s)
	}
	strict := base64.RawURLEncoding.Strict()
	f.Fuzz(func(t *testing.T, token string) {
		j, err := ParseCompact(token)
		if err != nil {
			if !slices.Contains(refusals, err) { // fixed texts, never the token's
				t.Fatalf("error %#v", err)
			}
			return
		}
		_, _ = j.DecodePayload()
		h, p, s, ok := Split(token)
		if !ok || h+"."+p != j.SigningInput || p != j.Payload || strings.ContainsAny(token, "\r\n=") {
			t.Fatalf("accepted %q as %+v", token, j)
		}
		hdr, err := strict.DecodeString(h)
		if err != nil {
			t.Fatalf("accepted header %q: %v", h, err)
		}
		if sig, err := strict.DecodeString(s); err != nil || string(sig) != string(j.Signature) {
			t.Fatalf("signature %q: %v", s, err)
		}
		var ref map[string]any
		if err := json.Unmarshal(hdr, &ref); err != nil {
			t.Fatalf("accepted header %q, encoding/json: %v", hdr, err)
		}
		alg, _ := ref["alg"].(string)
		if ref["kid"] != j.KeyID || AlgByName(alg) != j.Alg {
			t.Fatalf("header %q read as alg %v kid %q", hdr, j.Alg, j.KeyID)
		}
	})
}
