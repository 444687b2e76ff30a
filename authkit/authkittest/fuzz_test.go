package authkittest

import (
	"testing"
)

func FuzzParseJWT(f *testing.F) {
	s := NewServer()
	defer s.Close()
	good, err := s.Mint(TokenOptions{})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add("a.b.c")
	f.Add("eyJhbGciOiJub25lIn0.e30.")
	f.Add("e30.bnVsbA.")
	f.Add("..")
	f.Fuzz(func(t *testing.T, tok string) {
		p, err := parseJWT(tok)
		if err == nil && (p.header == nil || p.claims == nil) {
			t.Fatal("parsed without header or claims")
		}
		// Verify must never panic, and accepts only what it signed.
		if _, err := s.verify(tok); err == nil && tok != good {
			t.Fatalf("Verify accepted a token it did not sign: %q", tok)
		}
	})
}

func FuzzParseRegistration(f *testing.F) {
	f.Add([]byte(`{"redirect_uris":["http://127.0.0.1:1/cb"],"token_endpoint_auth_method":"none"}`))
	f.Add([]byte(`{"redirect_uris":["https://a.example/cb#f"]}`))
	f.Add([]byte(`{"redirect_uris":[],"grant_types":["password"]}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, body []byte) {
		req, code, desc := parseRegistration(body)
		if code != "" {
			if desc == "" {
				t.Fatal("error without description")
			}
			return
		}
		if len(req.RedirectURIs) == 0 || req.TokenEndpointAuthMethod == "" {
			t.Fatalf("accepted incomplete registration: %+v", req)
		}
		for _, u := range req.RedirectURIs {
			if checkRedirectURI(u) != "" {
				t.Fatalf("accepted bad redirect URI %q", u)
			}
		}
	})
}

func FuzzParseScope(f *testing.F) {
	f.Add("openid email")
	f.Add("  a  b ")
	f.Add("a\"b")
	f.Fuzz(func(t *testing.T, s string) {
		toks, ok := parseScope(s)
		if !ok {
			return
		}
		for _, tok := range toks {
			if tok == "" {
				t.Fatal("empty scope token")
			}
		}
	})
}
