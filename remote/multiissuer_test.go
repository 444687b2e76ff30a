package remote

import (
	"context"
	"encoding/base64"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
)

func testJWT(payload string) string {
	enc := base64.RawURLEncoding
	return enc.EncodeToString([]byte(`{"alg":"RS256","kid":"k"}`)) + "." + enc.EncodeToString([]byte(payload)) + ".c2ln"
}

// countingVerifier accepts every token and counts its calls.
type countingVerifier struct {
	name  string
	calls int
}

func (c *countingVerifier) VerifyToken(_ context.Context, _ string) (*TokenInfo, error) {
	c.calls++
	return &TokenInfo{Subject: c.name, Issuer: c.name, Audiences: []string{testResource}, Scopes: []string{"mcp:read"}}, nil
}

func TestMultiIssuer(t *testing.T) {
	for _, tt := range []struct {
		name    string
		token   string
		opaque  bool
		wantSub string
		wantErr error
	}{
		{"issuer a", testJWT(`{"iss":"https://a.example.com","sub":"u"}`), false, "a", nil},
		{"issuer b", testJWT(`{"sub":"u","iss":"https://b.example.com/"}`), false, "b", nil},
		{"unknown issuer", testJWT(`{"iss":"https://evil.example.com"}`), false, "", ErrInvalidIssuer},
		{"issuer differs by slash", testJWT(`{"iss":"https://a.example.com/"}`), false, "", ErrInvalidIssuer},
		{"no iss", testJWT(`{"sub":"u"}`), false, "", ErrMissingClaim},
		{"iss not string", testJWT(`{"iss":1}`), false, "", ErrMalformedToken},
		{"duplicate iss", testJWT(`{"iss":"https://a.example.com","iss":"https://b.example.com/"}`), false, "", ErrMalformedToken},
		{"payload not object", testJWT(`["iss"]`), false, "", ErrMalformedToken},
		{"trailing data", testJWT(`{"iss":"https://a.example.com"}{}`), false, "", ErrMalformedToken},
		{"invalid utf8", testJWT("{\"iss\":\"https://a.example.com\xff\"}"), false, "", ErrMalformedToken},
		{"padded base64", "eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJodHRwczovL2EuZXhhbXBsZS5jb20ifQ==.c2ln", false, "", ErrMalformedToken},
		{"std base64 alphabet", "e30.eyJpc3MiOiJodHRwczovL2EuZXhhbXBsZS5jb20/In0.c2ln", false, "", ErrMalformedToken},
		{"empty payload", "e30..c2ln", false, "", ErrMalformedToken},
		{"opaque rejected without fallback", "opaque-token", false, "", ErrMalformedToken},
		{"opaque fallback", "opaque-token", true, "opaque", nil},
		{"four segments", "a.b.c.d", true, "opaque", nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			a, b, o := &countingVerifier{name: "a"}, &countingVerifier{name: "b"}, &countingVerifier{name: "opaque"}
			cfg := MultiIssuerConfig{Verifiers: map[string]TokenVerifier{"https://a.example.com": a, "https://b.example.com/": b}}
			if tt.opaque {
				cfg.Opaque = o
			}
			m, err := NewMultiIssuer(cfg)
			if err != nil {
				t.Fatal(err)
			}
			info, err := m.VerifyToken(context.Background(), tt.token)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) || !errors.Is(err, ErrInvalidToken) || info != nil {
					t.Fatalf("err = %v, want %v", err, tt.wantErr)
				}
				if a.calls+b.calls+o.calls != 0 {
					t.Error("a verifier ran for an unroutable token")
				}
				return
			}
			if err != nil || info.Subject != tt.wantSub {
				t.Fatalf("info %+v err %v", info, err)
			}
			if a.calls+b.calls+o.calls != 1 {
				t.Errorf("%d verifications, want exactly 1", a.calls+b.calls+o.calls)
			}
		})
	}
}

func TestMultiIssuerConfig(t *testing.T) {
	if _, err := NewMultiIssuer(MultiIssuerConfig{}); err == nil {
		t.Error("empty config accepted")
	}
	if _, err := NewMultiIssuer(MultiIssuerConfig{Verifiers: map[string]TokenVerifier{"https://a": nil}}); err == nil {
		t.Error("nil verifier accepted")
	}
	if _, err := NewMultiIssuer(MultiIssuerConfig{Verifiers: map[string]TokenVerifier{"": &countingVerifier{}}}); err == nil {
		t.Error("empty issuer accepted")
	}
}

func TestMultiIssuerDecisionNamesIssuer(t *testing.T) {
	m, err := NewMultiIssuer(MultiIssuerConfig{Verifiers: map[string]TokenVerifier{
		"https://a.example.com": &countingVerifier{name: "a"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	var got []Decision
	p := newTestProvider(t, func(c *Config) {
		c.Verifier = m
		c.OnDecision = func(_ context.Context, d Decision) { got = append(got, d) }
	})
	for _, tok := range []string{testJWT(`{"iss":"https://a.example.com"}`), testJWT(`{"iss":"https://x.example.com"}`)} {
		req := httptest.NewRequest(http.MethodPost, "/mcp", nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		p.Middleware(&nextHandler{}).ServeHTTP(httptest.NewRecorder(), req)
	}
	if len(got) != 2 || got[0].Verifier != "https://a.example.com" || got[0].Outcome != OutcomeAllowed ||
		got[1].Outcome != OutcomeInvalidToken || got[1].Reason != "wrong_issuer" {
		t.Errorf("decisions %+v", got)
	}
}
