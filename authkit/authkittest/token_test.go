package authkittest_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/mcpauth/mcpauth/authkit/authkittest"
)

func TestMint(t *testing.T) {
	s := authkittest.Start(t)
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	s.SetClock(func() time.Time { return now })
	s.SetUser(authkittest.User{ID: "user_01ALICE", OrganizationID: "org_01ACME", Role: "admin", Permissions: []string{"a:read"}})
	s.AddUser(authkittest.User{ID: "user_01BOB", OrganizationID: "org_01BOBCO"})
	other := authkittest.MustNewKey("other-key")

	tests := []struct {
		name       string
		opts       authkittest.TokenOptions
		verifies   bool // against the JWKS, independently
		verifyErr  error
		wantHeader map[string]any
		want       map[string]any // claim → value; nil value = absent
	}{
		{
			name: "defaults", opts: authkittest.TokenOptions{}, verifies: true,
			wantHeader: map[string]any{"alg": "RS256", "typ": "JWT"},
			want: map[string]any{
				"iss": s.Issuer(), "sub": "user_01ALICE", "aud": s.ClientID(), "client_id": s.ClientID(), "org_id": "org_01ACME",
				"role": "admin", "iat": float64(now.Unix()), "exp": float64(now.Add(5 * time.Minute).Unix()), "scope": nil, "roles": nil,
			},
		},
		{
			name: "audience and scopes", opts: authkittest.TokenOptions{Audience: []string{"https://mcp.example.com/mcp"}, Scopes: []string{"a", "b"}}, verifies: true,
			want: map[string]any{"aud": "https://mcp.example.com/mcp", "scope": "a b"},
		},
		{
			name: "client id", opts: authkittest.TokenOptions{ClientID: "client_01OTHER"}, verifies: true,
			want: map[string]any{"client_id": "client_01OTHER", "aud": s.ClientID()},
		},
		{
			name: "client id omitted", opts: authkittest.TokenOptions{Omit: []string{"client_id"}}, verifies: true,
			want: map[string]any{"client_id": nil},
		},
		{
			name: "two audiences", opts: authkittest.TokenOptions{Audience: []string{"x", "y"}}, verifies: true,
			want: map[string]any{"aud": []any{"x", "y"}},
		},
		{
			name: "expired", opts: authkittest.TokenOptions{ExpiresIn: -time.Second}, verifies: true, verifyErr: authkittest.ErrExpiredToken,
			want: map[string]any{"exp": float64(now.Add(-time.Second).Unix())},
		},
		{
			name: "issued in the past", opts: authkittest.TokenOptions{IssuedAt: now.Add(-time.Hour), ExpiresIn: time.Minute}, verifies: true, verifyErr: authkittest.ErrExpiredToken,
			want: map[string]any{"iat": float64(now.Add(-time.Hour).Unix()), "exp": float64(now.Add(-59 * time.Minute).Unix())},
		},
		{
			name: "other key", opts: authkittest.TokenOptions{SignWith: other}, verifies: false, verifyErr: authkittest.ErrInvalidToken,
			wantHeader: map[string]any{"kid": "other-key"},
		},
		{
			name: "kid override", opts: authkittest.TokenOptions{KeyID: "unknown"}, verifies: false, verifyErr: authkittest.ErrInvalidToken,
			wantHeader: map[string]any{"kid": "unknown"},
		},
		{
			name: "no kid", opts: authkittest.TokenOptions{Header: map[string]any{"kid": nil, "typ": "at+jwt"}}, verifies: false, verifyErr: authkittest.ErrInvalidToken,
			wantHeader: map[string]any{"kid": nil, "typ": "at+jwt"},
		},
		{
			name: "session family", opts: authkittest.TokenOptions{Issuer: s.SessionIssuer(), Omit: []string{"aud"}}, verifies: true, verifyErr: authkittest.ErrInvalidToken,
			want: map[string]any{"iss": s.SessionIssuer(), "aud": nil},
		},
		{
			name: "omit and override", opts: authkittest.TokenOptions{Omit: []string{"exp", "org_id"}, Claims: map[string]any{"sub": "user_01X", "extra": true}}, verifies: true, verifyErr: authkittest.ErrInvalidToken,
			want: map[string]any{"exp": nil, "org_id": nil, "sub": "user_01X", "extra": true},
		},
		{
			name: "known subject", opts: authkittest.TokenOptions{Subject: "user_01BOB"}, verifies: true,
			want: map[string]any{"sub": "user_01BOB", "org_id": "org_01BOBCO", "role": nil, "permissions": nil},
		},
		{
			name: "unknown subject", opts: authkittest.TokenOptions{Subject: "user_01NEW", OrgID: "org_01Z", SessionID: "sid-1", TokenID: "jti-1"}, verifies: true,
			want: map[string]any{"sub": "user_01NEW", "org_id": "org_01Z", "role": nil, "sid": "sid-1", "jti": "jti-1"},
		},
		{
			name: "alg none", opts: authkittest.TokenOptions{Algorithm: authkittest.AlgNone}, verifies: false, verifyErr: authkittest.ErrInvalidToken,
			wantHeader: map[string]any{"alg": "none"},
		},
		{
			name: "RS512", opts: authkittest.TokenOptions{Algorithm: authkittest.AlgRS512}, verifies: false, verifyErr: authkittest.ErrInvalidToken,
			wantHeader: map[string]any{"alg": "RS512"},
		},
		{
			name: "PS256", opts: authkittest.TokenOptions{Algorithm: authkittest.AlgPS256}, verifies: false, verifyErr: authkittest.ErrInvalidToken,
			wantHeader: map[string]any{"alg": "PS256"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok, err := s.Mint(tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			if got := verifyWithJWKS(t, s, tok); got != tt.verifies {
				t.Errorf("verifies against JWKS = %v, want %v", got, tt.verifies)
			}
			if _, err := s.Verify(tok); !errors.Is(err, tt.verifyErr) || (err == nil) != (tt.verifyErr == nil) {
				t.Errorf("Verify error = %v, want %v", err, tt.verifyErr)
			}
			header, claims := jwtParts(t, tok)
			for k, v := range tt.wantHeader {
				if got, ok := header[k]; (v == nil && ok) || (v != nil && got != v) {
					t.Errorf("header %s = %v, want %v", k, got, v)
				}
			}
			for k, v := range tt.want {
				got, ok := claims[k]
				switch {
				case v == nil && ok:
					t.Errorf("claim %s = %v, want absent", k, got)
				case v != nil && !equalJSON(got, v):
					t.Errorf("claim %s = %v, want %v", k, got, v)
				}
			}
		})
	}
}

func equalJSON(a, b any) bool {
	as, aok := a.([]any)
	bs, bok := b.([]any)
	if aok && bok {
		if len(as) != len(bs) {
			return false
		}
		for i := range as {
			if as[i] != bs[i] {
				return false
			}
		}
		return true
	}
	return !aok && !bok && a == b
}

func TestMintHS256Confusion(t *testing.T) {
	s := authkittest.Start(t)
	tok := s.MustMint(t, authkittest.TokenOptions{Algorithm: authkittest.AlgHS256})
	der, err := x509.MarshalPKIXPublicKey(s.SigningKey().Public())
	if err != nil {
		t.Fatal(err)
	}
	secret := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
	i := strings.LastIndex(tok, ".")
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(tok[:i]))
	if got := base64.RawURLEncoding.EncodeToString(m.Sum(nil)); got != tok[i+1:] {
		t.Error("HS256 token is not keyed with the public key PEM")
	}
	if _, err := s.Verify(tok); err == nil {
		t.Error("Verify accepts an HS256 token")
	}
	custom := s.MustMint(t, authkittest.TokenOptions{Algorithm: authkittest.AlgHS256, HMACSecret: []byte("k")})
	m = hmac.New(sha256.New, []byte("k"))
	i = strings.LastIndex(custom, ".")
	m.Write([]byte(custom[:i]))
	if base64.RawURLEncoding.EncodeToString(m.Sum(nil)) != custom[i+1:] {
		t.Error("HMACSecret not used")
	}
}

func TestMintErrors(t *testing.T) {
	s := authkittest.Start(t)
	if _, err := s.Mint(authkittest.TokenOptions{Algorithm: "ES256"}); err == nil {
		t.Error("unsupported algorithm accepted")
	}
	if _, err := s.Mint(authkittest.TokenOptions{Claims: map[string]any{"bad": func() {}}}); err == nil {
		t.Error("unencodable claim accepted")
	}
}

func TestTokenLifetimeAndClock(t *testing.T) {
	s := authkittest.Start(t)
	now := time.Unix(1_800_000_000, 0)
	s.SetClock(func() time.Time { return now })
	s.SetTokenLifetime(time.Hour)
	_, c := jwtParts(t, s.MustMint(t, authkittest.TokenOptions{}))
	if c["iat"] != float64(now.Unix()) || c["exp"] != float64(now.Add(time.Hour).Unix()) {
		t.Errorf("iat/exp = %v/%v", c["iat"], c["exp"])
	}
	tok := s.MustMint(t, authkittest.TokenOptions{})
	now = now.Add(2 * time.Hour) // the clock func reads now; no data race: single goroutine
	if _, err := s.Verify(tok); !errors.Is(err, authkittest.ErrExpiredToken) {
		t.Errorf("Verify after clock moved = %v", err)
	}
	s.SetTokenLifetime(0)
	s.SetClock(nil)
	_, c = jwtParts(t, s.MustMint(t, authkittest.TokenOptions{}))
	if d := c["exp"].(float64) - c["iat"].(float64); d != 300 {
		t.Errorf("default lifetime = %v", d)
	}
}
