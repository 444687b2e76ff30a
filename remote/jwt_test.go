package remote

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mcpauth/mcpauth/internal/jwttest"
)

func staticVerifier(tb testing.TB, mod func(*JWTConfig)) *JWTVerifier {
	tb.Helper()
	k := jwtKeys(tb)
	clock := jwttest.NewClock()
	cfg := JWTConfig{
		StaticKeys: []JWTKey{
			{KeyID: "rsa-a", Algorithm: AlgRS256, Key: &k.rsaA.PublicKey},
			{KeyID: "rsa-noalg", Key: &k.rsaB.PublicKey},
		},
		Issuer:            jwtTestIssuer,
		Audiences:         []string{jwtTestAudience},
		Now:               clock.Now,
		DisableTokenCache: true,
	}
	if mod != nil {
		mod(&cfg)
	}
	return newTestJWTVerifier(tb, cfg)
}

func TestJWTVerifyValidTokenFillsTokenInfo(t *testing.T) {
	k := jwtKeys(t)
	v := staticVerifier(t, nil)
	tok := jwtToken(t, k.rsaA, "rsa-a", jwtClaims(map[string]any{
		"aud": []string{"other", jwtTestAudience}, "scp": []string{"mcp:tools", "openid"},
	}))
	info := mustVerify(t, v, tok)
	want := &TokenInfo{
		Subject:   "user_01HXYZ",
		ClientID:  "client_01ABC",
		Scopes:    []string{"openid", "profile", "mcp:tools"},
		Audiences: []string{"other", jwtTestAudience},
		Issuer:    jwtTestIssuer,
		Expiry:    jwtTestEpoch.Add(time.Hour),
		IssuedAt:  jwtTestEpoch.Add(-time.Minute),
		TokenID:   "jti-1",
		KeyID:     "rsa-a",
	}
	claims := info.Claims
	info.Claims = nil
	if !reflect.DeepEqual(info, want) {
		t.Errorf("TokenInfo = %+v\nwant %+v", info, want)
	}
	if claims["sid"] != "consent_01" || claims["sub"] != "user_01HXYZ" {
		t.Errorf("Claims = %v, want every claim", claims)
	}
}

// TestJWTClaimRules has a passing and a failing case for each claim rule.
func TestJWTClaimRules(t *testing.T) {
	k := jwtKeys(t)
	epoch := jwtTestEpoch.Unix()
	for _, tc := range []struct {
		name      string
		overrides map[string]any
		payload   string // raw payload JSON, instead of overrides
		want      error  // nil: accepted
		check     func(*testing.T, *TokenInfo)
	}{
		{name: "valid", overrides: nil},
		// exp
		{name: "exp missing", overrides: map[string]any{"exp": nil}, want: ErrMissingClaim},
		{name: "exp passed", overrides: map[string]any{"exp": epoch - 31}, want: ErrTokenExpired},
		{name: "exp passed within leeway", overrides: map[string]any{"exp": epoch - 29}},
		{name: "exp exactly at leeway edge", overrides: map[string]any{"exp": epoch - 30}, want: ErrTokenExpired},
		{name: "exp as string", overrides: map[string]any{"exp": "4102444800"}, want: ErrMalformedToken},
		{name: "exp as bool", overrides: map[string]any{"exp": true}, want: ErrMalformedToken},
		{name: "exp fractional", overrides: map[string]any{"exp": float64(epoch) + 100.5}, check: func(t *testing.T, ti *TokenInfo) {
			if want := jwtTestEpoch.Add(100*time.Second + 500*time.Millisecond); !ti.Expiry.Equal(want) {
				t.Errorf("Expiry = %v, want %v", ti.Expiry, want)
			}
		}},
		{name: "exp huge is clamped", overrides: map[string]any{"exp": 1e300}, check: func(t *testing.T, ti *TokenInfo) {
			if ti.Expiry.Year() != 9999 {
				t.Errorf("Expiry = %v, want clamped to year 9999", ti.Expiry)
			}
		}},
		{name: "exp negative", overrides: map[string]any{"exp": -1e300}, want: ErrTokenExpired},
		{name: "exp out of float range", payload: `{"iss":"` + jwtTestIssuer + `","sub":"u","aud":"` + jwtTestAudience + `","exp":1e400}`, want: ErrMalformedToken},
		// nbf
		{name: "nbf past", overrides: map[string]any{"nbf": epoch - 10}},
		{name: "nbf future within leeway", overrides: map[string]any{"nbf": epoch + 29}},
		{name: "nbf future", overrides: map[string]any{"nbf": epoch + 31}, want: ErrTokenNotYetValid},
		{name: "nbf as string", overrides: map[string]any{"nbf": "0"}, want: ErrMalformedToken},
		// iat
		{name: "iat future within leeway", overrides: map[string]any{"iat": epoch + 29}},
		{name: "iat far future", overrides: map[string]any{"iat": epoch + 3600}, want: ErrTokenNotYetValid},
		{name: "iat absent", overrides: map[string]any{"iat": nil}},
		// iss
		{name: "iss missing", overrides: map[string]any{"iss": nil}, want: ErrMissingClaim},
		{name: "iss other", overrides: map[string]any{"iss": "https://evil.authkit.app"}, want: ErrInvalidIssuer},
		{name: "iss trailing slash", overrides: map[string]any{"iss": jwtTestIssuer + "/"}, want: ErrInvalidIssuer},
		{name: "iss session-token family", overrides: map[string]any{"iss": "https://api.workos.com/user_management/client_01ABC"}, want: ErrInvalidIssuer},
		{name: "iss as array", overrides: map[string]any{"iss": []string{jwtTestIssuer}}, want: ErrInvalidIssuer},
		// aud
		{name: "aud string", overrides: map[string]any{"aud": jwtTestAudience}},
		{name: "aud array", overrides: map[string]any{"aud": []string{"x", jwtTestAudience}}},
		{name: "aud with trailing slash", overrides: map[string]any{"aud": jwtTestAudience + "/"}},
		{name: "aud with two trailing slashes", overrides: map[string]any{"aud": jwtTestAudience + "//"}, want: ErrInvalidAudience},
		{name: "aud other", overrides: map[string]any{"aud": "client_01ABC"}, want: ErrInvalidAudience},
		{name: "aud prefix", overrides: map[string]any{"aud": "https://mcp.example.com/mc"}, want: ErrInvalidAudience},
		{name: "aud missing", overrides: map[string]any{"aud": nil}, want: ErrInvalidAudience},
		{name: "aud empty array", overrides: map[string]any{"aud": []string{}}, want: ErrInvalidAudience},
		{name: "aud number", overrides: map[string]any{"aud": 1}, want: ErrMalformedToken},
		{name: "aud array with number", overrides: map[string]any{"aud": []any{jwtTestAudience, 1}}, want: ErrMalformedToken},
		// sub
		{name: "sub missing", overrides: map[string]any{"sub": nil}, want: ErrMissingClaim},
		{name: "sub empty", overrides: map[string]any{"sub": ""}, want: ErrMissingClaim},
		{name: "sub number", overrides: map[string]any{"sub": 42}, want: ErrMalformedToken},
		{name: "bound to a DPoP key (cnf.jkt)", overrides: map[string]any{"cnf": map[string]any{"jkt": "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I"}}, want: ErrBoundToken},
		{name: "bound to a certificate (cnf.x5t#S256)", overrides: map[string]any{"cnf": map[string]any{"x5t#S256": "bwcK0esc3ACC3DB2Y5_lESsXE8o9ltc05O89jdN-dg2"}}, want: ErrBoundToken},
		{name: "cnf of any shape", overrides: map[string]any{"cnf": "x"}, want: ErrBoundToken},
		// client id, scopes
		{name: "azp when no client_id", overrides: map[string]any{"client_id": nil, "azp": "client_azp"}, check: func(t *testing.T, ti *TokenInfo) {
			if ti.ClientID != "client_azp" {
				t.Errorf("ClientID = %q", ti.ClientID)
			}
		}},
		{name: "scp string", overrides: map[string]any{"scope": nil, "scp": "a b"}, check: func(t *testing.T, ti *TokenInfo) {
			if !reflect.DeepEqual(ti.Scopes, []string{"a", "b"}) {
				t.Errorf("Scopes = %q", ti.Scopes)
			}
		}},
		{name: "no scopes", overrides: map[string]any{"scope": nil}, check: func(t *testing.T, ti *TokenInfo) {
			if len(ti.Scopes) != 0 {
				t.Errorf("Scopes = %q", ti.Scopes)
			}
		}},
		{name: "scope wrong type", overrides: map[string]any{"scope": 7}, want: ErrMalformedToken},
		// RFC 6749 §3.3: scope tokens are separated by U+0020 alone.
		{name: "scope split at spaces only", overrides: map[string]any{"scope": " openid  mcp:read "}, check: func(t *testing.T, ti *TokenInfo) {
			if !reflect.DeepEqual(ti.Scopes, []string{"openid", "mcp:read"}) {
				t.Errorf("Scopes = %q", ti.Scopes)
			}
		}},
		{name: "scope not split at other white space", overrides: map[string]any{"scope": "openid\u00a0demo:admin\tmcp:write\nmcp:read\u2003x"}, check: func(t *testing.T, ti *TokenInfo) {
			if want := []string{"openid\u00a0demo:admin\tmcp:write\nmcp:read\u2003x"}; !reflect.DeepEqual(ti.Scopes, want) || ti.HasScope("demo:admin") {
				t.Errorf("Scopes = %q, want %q", ti.Scopes, want)
			}
		}},
		// duplicates
		{name: "duplicate sub", payload: `{"iss":"` + jwtTestIssuer + `","sub":"user_a","aud":"` + jwtTestAudience + `","exp":4102444800,"sub":"user_admin"}`, want: ErrMalformedToken},
		{name: "duplicate sub via escape", payload: `{"iss":"` + jwtTestIssuer + `","sub":"user_a","aud":"` + jwtTestAudience + `","exp":4102444800,"s\u0075b":"user_admin"}`, want: ErrMalformedToken},
		{name: "duplicate nested member", payload: `{"iss":"` + jwtTestIssuer + `","sub":"u","aud":"` + jwtTestAudience + `","exp":4102444800,"x":{"a":1,"a":2}}`, want: ErrMalformedToken},
		{name: "payload not an object", payload: `["iss"]`, want: ErrMalformedToken},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := staticVerifier(t, nil)
			payload := tc.payload
			if payload == "" {
				payload = jwtJSON(t, jwtClaims(tc.overrides))
			}
			tok := jwtSignRaw(t, "RS256", k.rsaA, `{"alg":"RS256","kid":"rsa-a"}`, payload)
			info, err := v.VerifyToken(context.Background(), tok)
			if tc.want == nil {
				if err != nil {
					t.Fatalf("VerifyToken: %v, want success", err)
				}
				if tc.check != nil {
					tc.check(t, info)
				}
				return
			}
			if !errors.Is(err, tc.want) || !errors.Is(err, ErrInvalidToken) {
				t.Fatalf("VerifyToken err = %v, want %v", err, tc.want)
			}
			if info != nil {
				t.Errorf("info = %+v with error", info)
			}
			if strings.Contains(err.Error(), tok) || strings.Contains(err.Error(), tok[:20]) {
				t.Errorf("error text contains the token: %v", err)
			}
		})
	}
}

func TestJWTInsecureSkipAudienceCheck(t *testing.T) {
	k := jwtKeys(t)
	v := staticVerifier(t, func(c *JWTConfig) { c.Audiences = nil; c.InsecureSkipAudienceCheck = true })
	mustVerify(t, v, jwtToken(t, k.rsaA, "rsa-a", jwtClaims(map[string]any{"aud": nil})))
	mustVerify(t, v, jwtToken(t, k.rsaA, "rsa-a", jwtClaims(map[string]any{"aud": "anything"})))
}

func TestJWTCustomScopeClaims(t *testing.T) {
	k := jwtKeys(t)
	v := staticVerifier(t, func(c *JWTConfig) { c.ScopeClaims = []string{"permissions"} })
	info := mustVerify(t, v, jwtToken(t, k.rsaA, "rsa-a", jwtClaims(map[string]any{"permissions": []string{"widgets:read"}})))
	if !reflect.DeepEqual(info.Scopes, []string{"widgets:read"}) {
		t.Errorf("Scopes = %q, want only the configured claim", info.Scopes)
	}
}

// TestJWTHeaderRules covers the JOSE header and algorithm rules, including
// algorithm confusion.
func TestJWTHeaderRules(t *testing.T) {
	k := jwtKeys(t)
	claims := jwtJSON(t, jwtClaims(nil))
	pubDER, err := x509.MarshalPKIXPublicKey(&k.rsaA.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	pubPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER})
	good := jwtSignRaw(t, "RS256", k.rsaA, `{"alg":"RS256","kid":"rsa-a"}`, claims)
	parts := strings.Split(good, ".")
	for _, tc := range []struct {
		name  string
		token string
		algs  []string
		want  error
	}{
		{name: "valid", token: good},
		{name: "typ JWT accepted", token: jwtSignRaw(t, "RS256", k.rsaA, `{"alg":"RS256","kid":"rsa-a","typ":"JWT"}`, claims)},
		{name: "alg none", token: jwtSignRaw(t, "none", nil, `{"alg":"none","kid":"rsa-a"}`, claims), want: ErrInvalidSignature},
		{name: "alg none empty signature", token: parts[0] + "." + parts[1] + ".", want: ErrMalformedToken},
		{name: "HS256 with RSA public key PEM as secret", token: jwtSignRaw(t, "HS256", pubPEM, `{"alg":"HS256","kid":"rsa-a"}`, claims), want: ErrInvalidSignature},
		{name: "HS256 with RSA public key DER as secret", token: jwtSignRaw(t, "HS256", pubDER, `{"alg":"HS256","kid":"rsa-a"}`, claims), want: ErrInvalidSignature},
		{name: "RS384 when only RS256 allowed", token: jwtSignRaw(t, "RS384", k.rsaA, `{"alg":"RS384","kid":"rsa-noalg"}`, claims), want: ErrInvalidSignature},
		{name: "RS384 allowed but key declares RS256", token: jwtSignRaw(t, "RS384", k.rsaA, `{"alg":"RS384","kid":"rsa-a"}`, claims), algs: []string{"RS256", "RS384"}, want: ErrInvalidSignature},
		{name: "RS384 allowed, key without alg", token: jwtSignRaw(t, "RS384", k.rsaB, `{"alg":"RS384","kid":"rsa-noalg"}`, claims), algs: []string{"RS256", "RS384"}},
		{name: "ES256 allowed, RSA key without alg", token: jwtSignRaw(t, "ES256", k.ec256, `{"alg":"ES256","kid":"rsa-noalg"}`, claims), algs: []string{"RS256", "ES256"}, want: ErrInvalidSignature},
		{name: "alg missing", token: jwtSignRaw(t, "RS256", k.rsaA, `{"kid":"rsa-a"}`, claims), want: ErrMalformedToken},
		{name: "alg not a string", token: jwtSignRaw(t, "RS256", k.rsaA, `{"alg":["RS256"],"kid":"rsa-a"}`, claims), want: ErrMalformedToken},
		{name: "kid missing", token: jwtSignRaw(t, "RS256", k.rsaA, `{"alg":"RS256"}`, claims), want: ErrMalformedToken},
		{name: "kid empty", token: jwtSignRaw(t, "RS256", k.rsaA, `{"alg":"RS256","kid":""}`, claims), want: ErrMalformedToken},
		{name: "kid unknown", token: jwtSignRaw(t, "RS256", k.rsaA, `{"alg":"RS256","kid":"nope"}`, claims), want: ErrUnknownKey},
		{name: "wrong key for kid", token: jwtSignRaw(t, "RS256", k.rsaC, `{"alg":"RS256","kid":"rsa-a"}`, claims), want: ErrInvalidSignature},
		{name: "duplicate alg", token: jwtSignRaw(t, "RS256", k.rsaA, `{"alg":"RS256","kid":"rsa-a","alg":"none"}`, claims), want: ErrMalformedToken},
		{name: "duplicate kid", token: jwtSignRaw(t, "RS256", k.rsaA, `{"alg":"RS256","kid":"rsa-a","kid":"rsa-noalg"}`, claims), want: ErrMalformedToken},
		{name: "crit", token: jwtSignRaw(t, "RS256", k.rsaA, `{"alg":"RS256","kid":"rsa-a","crit":["exp"],"exp":1}`, claims), want: ErrMalformedToken},
		{name: "crit empty", token: jwtSignRaw(t, "RS256", k.rsaA, `{"alg":"RS256","kid":"rsa-a","crit":[]}`, claims), want: ErrMalformedToken},
		{name: "zip", token: jwtSignRaw(t, "RS256", k.rsaA, `{"alg":"RS256","kid":"rsa-a","zip":"DEF"}`, claims), want: ErrMalformedToken},
		{name: "b64 false", token: jwtSignRaw(t, "RS256", k.rsaA, `{"alg":"RS256","kid":"rsa-a","b64":false}`, claims), want: ErrMalformedToken},
		{name: "cty JWT (nested)", token: jwtSignRaw(t, "RS256", k.rsaA, `{"alg":"RS256","kid":"rsa-a","cty":"JWT"}`, claims), want: ErrMalformedToken},
		{name: "cty jwt lower case", token: jwtSignRaw(t, "RS256", k.rsaA, `{"alg":"RS256","kid":"rsa-a","cty":"jwt"}`, claims), want: ErrMalformedToken},
		{name: "enc (JWE header)", token: jwtSignRaw(t, "RS256", k.rsaA, `{"alg":"RS256","kid":"rsa-a","enc":"A128GCM"}`, claims), want: ErrMalformedToken},
		{name: "tampered payload", token: parts[0] + "." + jwtB64URL([]byte(jwtJSON(t, jwtClaims(map[string]any{"sub": "admin"})))) + "." + parts[2], want: ErrInvalidSignature},
		{name: "JWS JSON serialization", token: `{"payload":"` + parts[1] + `","signatures":[{"protected":"` + parts[0] + `","signature":"` + parts[2] + `"}]}`, want: ErrMalformedToken},
		{name: "four parts", token: good + ".x", want: ErrMalformedToken},
		{name: "two parts", token: parts[0] + "." + parts[1], want: ErrMalformedToken},
		{name: "JWE five parts", token: "a.b.c.d.e", want: ErrMalformedToken},
		{name: "padding", token: good + "=", want: ErrMalformedToken},
		{name: "standard base64 alphabet", token: strings.ReplaceAll(good, "-", "+"), want: ErrMalformedToken},
		{name: "embedded newline", token: parts[0] + ".\n" + parts[1] + "." + parts[2], want: ErrMalformedToken},
		{name: "empty", token: "", want: ErrMalformedToken},
		{name: "too long", token: good + strings.Repeat("A", DefaultMaxTokenBytes), want: ErrMalformedToken},
		{name: "header not JSON", token: jwtB64URL([]byte("not json")) + "." + parts[1] + "." + parts[2], want: ErrMalformedToken},
		{name: "non-canonical base64 trailing bits", token: parts[0] + "." + parts[1] + "." + jwtFlipTrailingBits(parts[2]), want: ErrMalformedToken},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := staticVerifier(t, func(c *JWTConfig) { c.Algorithms = tc.algs })
			_, err := v.VerifyToken(context.Background(), tc.token)
			if tc.want == nil {
				if err != nil {
					t.Fatalf("VerifyToken: %v, want success", err)
				}
				return
			}
			if !errors.Is(err, tc.want) {
				t.Fatalf("VerifyToken err = %v, want %v", err, tc.want)
			}
		})
	}
}

// jwtFlipTrailingBits changes the unused low bits of the last base64url
// character, giving a second encoding of the same bytes.
func jwtFlipTrailingBits(s string) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	last := strings.IndexByte(alphabet, s[len(s)-1])
	return s[:len(s)-1] + string(alphabet[last^1])
}

func TestJWTOtherAlgorithms(t *testing.T) {
	k := jwtKeys(t)
	claims := jwtJSON(t, jwtClaims(nil))
	v := staticVerifier(t, func(c *JWTConfig) {
		c.Algorithms = []string{AlgPS256, AlgES256, AlgEdDSA}
		c.StaticKeys = []JWTKey{
			{KeyID: "ps", Algorithm: AlgPS256, Key: &k.rsaA.PublicKey},
			{KeyID: "ec", Key: &k.ec256.PublicKey},
			{KeyID: "ed", Algorithm: AlgEdDSA, Key: k.ed.Public()},
		}
	})
	for _, tc := range []struct {
		alg, kid string
		key      any
	}{
		{AlgPS256, "ps", k.rsaA}, {AlgES256, "ec", k.ec256}, {AlgEdDSA, "ed", k.ed},
	} {
		t.Run(tc.alg, func(t *testing.T) {
			mustVerify(t, v, jwtSignRaw(t, tc.alg, tc.key, `{"alg":"`+tc.alg+`","kid":"`+tc.kid+`"}`, claims))
			// The same signature under the wrong alg/key pairing fails.
			bad := jwtSignRaw(t, tc.alg, tc.key, `{"alg":"`+tc.alg+`","kid":"`+map[string]string{"ps": "ec", "ec": "ed", "ed": "ps"}[tc.kid]+`"}`, claims)
			if _, err := v.VerifyToken(context.Background(), bad); !errors.Is(err, ErrInvalidSignature) {
				t.Errorf("cross-key err = %v, want ErrInvalidSignature", err)
			}
		})
	}
}

// TestJWTNeverFetchesHeaderURLs: jku, x5u, jwk and x5c name keys the
// attacker controls; none of them is ever used or contacted.
func TestJWTNeverFetchesHeaderURLs(t *testing.T) {
	k := jwtKeys(t)
	var hits atomic.Int32
	attacker := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(jwtJWKS(t, jwkEntry{kid: "evil", alg: "RS256", key: &k.rsaC.PublicKey}))
	}))
	defer attacker.Close()
	jwks := newJWKSServer(t, jwtJWKS(t, jwkEntry{kid: "rsa-a", alg: "RS256", use: "sig", key: &k.rsaA.PublicKey}))
	clock := jwttest.NewClock()
	v := newTestJWTVerifier(t, jwtTestConfig(jwks, clock))
	claims := jwtJSON(t, jwtClaims(nil))
	evilJWK := jwtJSON(t, jwttest.JWK(&k.rsaC.PublicKey, "evil", "RS256", ""))
	for _, tc := range []struct {
		name, header string
		key          any
		want         error
	}{
		{"jku to attacker, attacker key", `{"alg":"RS256","kid":"evil","jku":"` + attacker.URL + `"}`, k.rsaC, ErrUnknownKey},
		{"x5u to attacker, attacker key", `{"alg":"RS256","kid":"evil","x5u":"` + attacker.URL + `"}`, k.rsaC, ErrUnknownKey},
		{"embedded jwk", `{"alg":"RS256","kid":"evil","jwk":` + evilJWK + `}`, k.rsaC, ErrUnknownKey},
		{"embedded jwk under a known kid", `{"alg":"RS256","kid":"rsa-a","jwk":` + evilJWK + `}`, k.rsaC, ErrInvalidSignature},
		{"jku on a genuine token is ignored", `{"alg":"RS256","kid":"rsa-a","jku":"` + attacker.URL + `","x5u":"` + attacker.URL + `"}`, k.rsaA, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clock.Advance(time.Minute) // past the unknown-kid cooldown
			_, err := v.VerifyToken(context.Background(), jwtSignRaw(t, "RS256", tc.key, tc.header, claims))
			if (tc.want == nil) != (err == nil) || (tc.want != nil && !errors.Is(err, tc.want)) {
				t.Fatalf("VerifyToken err = %v, want %v", err, tc.want)
			}
		})
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("attacker server got %d requests, want 0", n)
	}
	if jwks.sawAuthz {
		t.Error("JWKS request carried an Authorization header")
	}
}

func TestNewJWTVerifierConfig(t *testing.T) {
	k := jwtKeys(t)
	good := func() JWTConfig {
		return JWTConfig{JWKSURL: "https://example.authkit.app/oauth2/jwks", Issuer: jwtTestIssuer, Audiences: []string{jwtTestAudience}}
	}
	for _, tc := range []struct {
		name    string
		mod     func(*JWTConfig)
		wantErr string // substring; empty means success
	}{
		{"valid", func(*JWTConfig) {}, ""},
		{"no key source", func(c *JWTConfig) { c.JWKSURL = "" }, "JWKSURL"},
		{"both sources", func(c *JWTConfig) { c.StaticKeys = []JWTKey{{KeyID: "a", Key: &k.rsaA.PublicKey}} }, "not both"},
		{"http JWKS", func(c *JWTConfig) { c.JWKSURL = "http://example.authkit.app/jwks" }, "https"},
		{"http loopback JWKS", func(c *JWTConfig) { c.JWKSURL = "http://127.0.0.1:8080/jwks" }, ""},
		{"relative JWKS", func(c *JWTConfig) { c.JWKSURL = "/jwks" }, "absolute"},
		{"no issuer", func(c *JWTConfig) { c.Issuer = "" }, "Issuer"},
		{"no audience", func(c *JWTConfig) { c.Audiences = nil }, "Audiences"},
		{"empty audience", func(c *JWTConfig) { c.Audiences = []string{""} }, "empty"},
		{"skip audience", func(c *JWTConfig) { c.Audiences = nil; c.InsecureSkipAudienceCheck = true }, ""},
		{"alg none", func(c *JWTConfig) { c.Algorithms = []string{"none"} }, "asymmetric"},
		{"alg HS256", func(c *JWTConfig) { c.Algorithms = []string{"RS256", "HS256"} }, "asymmetric"},
		{"alg unknown", func(c *JWTConfig) { c.Algorithms = []string{"RS1"} }, "unsupported"},
		{"refresh bounds inverted", func(c *JWTConfig) { c.MinRefreshInterval = time.Hour; c.MaxRefreshInterval = time.Minute }, "MaxRefreshInterval"},
		{"static key", func(c *JWTConfig) { c.JWKSURL = ""; c.StaticKeys = []JWTKey{{KeyID: "a", Key: &k.rsaA.PublicKey}} }, ""},
		{"static key without kid", func(c *JWTConfig) { c.JWKSURL = ""; c.StaticKeys = []JWTKey{{Key: &k.rsaA.PublicKey}} }, "KeyID"},
		{"static key too small", func(c *JWTConfig) { c.JWKSURL = ""; c.StaticKeys = []JWTKey{{KeyID: "a", Key: &k.rsaSmall.PublicKey}} }, "RSA key size"},
		{"static key alg not allowed", func(c *JWTConfig) {
			c.JWKSURL = ""
			c.StaticKeys = []JWTKey{{KeyID: "a", Algorithm: "RS384", Key: &k.rsaA.PublicKey}}
		}, "not allowed"},
		{"static key of another type", func(c *JWTConfig) { c.JWKSURL = ""; c.StaticKeys = []JWTKey{{KeyID: "a", Key: []byte("secret")}} }, "unsupported key type"},
		{"static JWKS", func(c *JWTConfig) {
			c.JWKSURL = ""
			c.StaticJWKS = jwtJWKS(t, jwkEntry{kid: "a", alg: "RS256", key: &k.rsaA.PublicKey})
		}, ""},
		{"static JWKS garbage", func(c *JWTConfig) { c.JWKSURL = ""; c.StaticJWKS = []byte("<html>") }, "StaticJWKS"},
		{"static duplicates", func(c *JWTConfig) {
			c.JWKSURL = ""
			c.StaticJWKS = jwtJWKS(t, jwkEntry{kid: "a", alg: "RS256", key: &k.rsaA.PublicKey})
			c.StaticKeys = []JWTKey{{KeyID: "a", Key: &k.rsaB.PublicKey}}
		}, "twice"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := good()
			tc.mod(&cfg)
			v, err := NewJWTVerifier(cfg)
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("NewJWTVerifier: %v", err)
				}
				_ = v.Close()
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) || !strings.HasPrefix(err.Error(), "remote: ") {
				t.Fatalf("NewJWTVerifier err = %v, want one mentioning %q", err, tc.wantErr)
			}
		})
	}
}
