package idp

import "testing"

func TestUsableFor(t *testing.T) {
	for _, tc := range []struct {
		name string
		k    jwkSummary
		algs []string
		want bool
	}{
		{"RS256 key", jwkSummary{Kid: "a", Kty: "RSA", Alg: "RS256", Use: "sig"}, []string{"RS256"}, true},
		{"RSA key without alg", jwkSummary{Kid: "a", Kty: "RSA"}, []string{"RS256"}, true},
		{"no kid", jwkSummary{Kty: "RSA", Alg: "RS256"}, []string{"RS256"}, false},
		{"encryption key", jwkSummary{Kid: "a", Kty: "RSA", Alg: "RS256", Use: "enc"}, []string{"RS256"}, false},
		{"other alg", jwkSummary{Kid: "a", Kty: "RSA", Alg: "RS512"}, []string{"RS256"}, false},
		{"EC for RS256", jwkSummary{Kid: "a", Kty: "EC", Crv: "P-256"}, []string{"RS256"}, false},
		{"EC P-256 for ES256", jwkSummary{Kid: "a", Kty: "EC", Crv: "P-256"}, []string{"ES256"}, true},
		{"EC P-384 for ES256", jwkSummary{Kid: "a", Kty: "EC", Crv: "P-384"}, []string{"ES256"}, false},
		{"OKP for EdDSA", jwkSummary{Kid: "a", Kty: "OKP", Crv: "Ed25519"}, []string{"EdDSA"}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.k.usableFor(tc.algs); got != tc.want {
				t.Errorf("usableFor(%v) = %v, want %v", tc.algs, got, tc.want)
			}
		})
	}
}

func TestParseKeySet(t *testing.T) {
	for _, tc := range []struct {
		name, body string
		n          int
		ok         bool
	}{
		{"two keys", `{"keys":[{"kid":"a","kty":"RSA"},{"kid":"b","kty":"EC"}]}`, 2, true},
		{"bad key skipped", `{"keys":[{"kid":1},{"kid":"b"}]}`, 1, true},
		{"empty set", `{"keys":[]}`, 0, true},
		{"no keys member", `{}`, 0, false},
		{"HTML", `<html>`, 0, false},
		{"array", `[]`, 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ks, err := parseKeySet([]byte(tc.body))
			if (err == nil) != tc.ok || len(ks) != tc.n {
				t.Errorf("parseKeySet = %d keys, %v", len(ks), err)
			}
		})
	}
}

func FuzzParseKeySet(f *testing.F) {
	f.Add([]byte(`{"keys":[{"kid":"a","kty":"RSA","alg":"RS256","use":"sig"}]}`))
	f.Add([]byte(`{"keys":[{"kid":1},null,"x"]}`))
	f.Add([]byte(`{"keys":null}`))
	f.Add([]byte(`not json`))
	f.Fuzz(func(t *testing.T, body []byte) {
		ks, err := parseKeySet(body)
		if err != nil && ks != nil {
			t.Fatal("keys returned with an error")
		}
		for _, k := range ks {
			_ = k.usableFor([]string{"RS256", "ES256", "EdDSA"})
		}
	})
}
