package remote

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mcpauth/mcpauth/internal/testutil"
)

// Test fixtures: keys are generated once per test binary (RSA generation
// is slow), never stored in the repository.
type jwtTestKeys struct {
	rsaA, rsaB, rsaC *rsa.PrivateKey
	rsaSmall         *rsa.PrivateKey // 1024 bits: refused by the verifier
	ec256            *ecdsa.PrivateKey
	ed               ed25519.PrivateKey
}

var jwtTestKeysOnce = sync.OnceValue(func() *jwtTestKeys {
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
	return &jwtTestKeys{rsaA: gen(2048), rsaB: gen(2048), rsaC: gen(2048), rsaSmall: gen(1024), ec256: ec, ed: ed}
})

func jwtKeys(tb testing.TB) *jwtTestKeys {
	tb.Helper()
	return jwtTestKeysOnce()
}

const (
	jwtTestIssuer   = "https://example.authkit.app"
	jwtTestAudience = "https://mcp.example.com/mcp"
)

// jwtTestEpoch is the fake "now" of the tests.
var jwtTestEpoch = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func jwtB64URL(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// jwtSignRaw builds a compact JWS over the exact header and payload JSON
// given, signed with key under alg (key may be nil for "none", or a []byte
// secret for HS256).
func jwtSignRaw(tb testing.TB, alg string, key any, header, payload string) string {
	tb.Helper()
	input := jwtB64URL([]byte(header)) + "." + jwtB64URL([]byte(payload))
	var sig []byte
	var err error
	hashed := func(h crypto.Hash) []byte {
		hh := h.New()
		hh.Write([]byte(input))
		return hh.Sum(nil)
	}
	switch alg {
	case "none":
		sig = []byte("not a signature") // non-empty, so the alg rule (not the shape) rejects it
	case "HS256":
		m := hmac.New(sha256.New, key.([]byte))
		m.Write([]byte(input))
		sig = m.Sum(nil)
	case "RS256", "RS384", "RS512":
		h := map[string]crypto.Hash{"RS256": crypto.SHA256, "RS384": crypto.SHA384, "RS512": crypto.SHA512}[alg]
		sig, err = rsa.SignPKCS1v15(rand.Reader, key.(*rsa.PrivateKey), h, hashed(h))
	case "PS256":
		sig, err = rsa.SignPSS(rand.Reader, key.(*rsa.PrivateKey), crypto.SHA256, hashed(crypto.SHA256), &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash})
	case "ES256":
		var r, s *big.Int
		r, s, err = ecdsa.Sign(rand.Reader, key.(*ecdsa.PrivateKey), hashed(crypto.SHA256))
		if err == nil {
			sig = make([]byte, 64)
			r.FillBytes(sig[:32])
			s.FillBytes(sig[32:])
		}
	case "EdDSA":
		sig = ed25519.Sign(key.(ed25519.PrivateKey), []byte(input))
	default:
		tb.Fatalf("jwtSignRaw: unsupported alg %s", alg)
	}
	if err != nil {
		tb.Fatalf("sign: %v", err)
	}
	return input + "." + jwtB64URL(sig)
}

// jwtClaims returns a valid claim set for the test issuer and audience
// around jwtTestEpoch, with overrides applied (a nil value deletes).
func jwtClaims(overrides map[string]any) map[string]any {
	c := map[string]any{
		"iss":       jwtTestIssuer,
		"sub":       "user_01HXYZ",
		"aud":       jwtTestAudience,
		"exp":       jwtTestEpoch.Add(time.Hour).Unix(),
		"iat":       jwtTestEpoch.Add(-time.Minute).Unix(),
		"jti":       "jti-1",
		"client_id": "client_01ABC",
		"sid":       "consent_01",
		"scope":     "openid profile",
	}
	for k, v := range overrides {
		if v == nil {
			delete(c, k)
		} else {
			c[k] = v
		}
	}
	return c
}

func jwtJSON(tb testing.TB, v any) string {
	tb.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		tb.Fatal(err)
	}
	return string(b)
}

// jwtToken signs claims with an RS256 header naming kid.
func jwtToken(tb testing.TB, key *rsa.PrivateKey, kid string, claims map[string]any) string {
	tb.Helper()
	return jwtSignRaw(tb, "RS256", key, `{"alg":"RS256","kid":"`+kid+`","typ":"at+jwt"}`, jwtJSON(tb, claims))
}

// jwkEntry describes one JWKS member for jwtJWKS.
type jwkEntry struct {
	kid   string
	alg   string
	use   string
	key   crypto.PublicKey
	extra map[string]any
}

func jwkJSON(tb testing.TB, e jwkEntry) map[string]any {
	tb.Helper()
	m := map[string]any{}
	switch k := e.key.(type) {
	case *rsa.PublicKey:
		m["kty"] = "RSA"
		m["n"] = jwtB64URL(k.N.Bytes())
		m["e"] = jwtB64URL(big.NewInt(int64(k.E)).Bytes())
	case *ecdsa.PublicKey:
		m["kty"] = "EC"
		m["crv"] = k.Curve.Params().Name
		b, err := k.Bytes()
		if err != nil {
			tb.Fatal(err)
		}
		size := (len(b) - 1) / 2
		m["x"] = jwtB64URL(b[1 : 1+size])
		m["y"] = jwtB64URL(b[1+size:])
	case ed25519.PublicKey:
		m["kty"] = "OKP"
		m["crv"] = "Ed25519"
		m["x"] = jwtB64URL(k)
	case nil:
	default:
		tb.Fatalf("jwkJSON: %T", k)
	}
	if e.kid != "" {
		m["kid"] = e.kid
	}
	if e.alg != "" {
		m["alg"] = e.alg
	}
	if e.use != "" {
		m["use"] = e.use
	}
	for k, v := range e.extra {
		m[k] = v
	}
	return m
}

func jwtJWKS(tb testing.TB, entries ...jwkEntry) []byte {
	tb.Helper()
	keys := make([]any, 0, len(entries))
	for _, e := range entries {
		keys = append(keys, jwkJSON(tb, e))
	}
	return []byte(jwtJSON(tb, map[string]any{"keys": keys}))
}

// jwtClock is the shared fake clock.
type jwtClock = testutil.Clock

func newJWTClock() *jwtClock { return testutil.NewClock(jwtTestEpoch) }

// jwksServer is an httptest JWKS endpoint that counts requests and whose
// answer the test changes at will.
type jwksServer struct {
	*httptest.Server
	requests atomic.Int32

	mu           sync.Mutex
	status       int
	body         []byte
	contentType  string
	cacheControl string
	hold         chan struct{} // when non-nil, requests wait for it to close
	lastHeader   http.Header
	sawAuthz     bool
}

func newJWKSServer(tb testing.TB, body []byte) *jwksServer {
	tb.Helper()
	s := &jwksServer{status: http.StatusOK, body: body, contentType: "application/json"}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.requests.Add(1)
		s.mu.Lock()
		hold := s.hold
		s.lastHeader = r.Header.Clone()
		if r.Header.Get("Authorization") != "" {
			s.sawAuthz = true
		}
		s.mu.Unlock()
		if hold != nil {
			select {
			case <-hold:
			case <-r.Context().Done():
				return
			}
		}
		s.mu.Lock()
		status, body, ct, cc := s.status, s.body, s.contentType, s.cacheControl
		s.mu.Unlock()
		if ct != "" {
			w.Header().Set("Content-Type", ct)
		}
		if cc != "" {
			w.Header().Set("Cache-Control", cc)
		}
		w.WriteHeader(status)
		_, _ = w.Write(body)
	}))
	tb.Cleanup(s.Close)
	return s
}

func (s *jwksServer) set(status int, body []byte) {
	s.mu.Lock()
	s.status, s.body = status, body
	s.mu.Unlock()
}

// with changes the server's answer under its lock.
func (s *jwksServer) with(f func(*jwksServer)) {
	s.mu.Lock()
	f(s)
	s.mu.Unlock()
}

func (s *jwksServer) header() http.Header {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lastHeader
}

// jwtTestConfig is a config against srv with a fake clock and fast,
// non-retrying HTTP.
func jwtTestConfig(srv *jwksServer, clock *jwtClock) JWTConfig {
	return JWTConfig{
		JWKSURL:    srv.URL + "/oauth2/jwks",
		Issuer:     jwtTestIssuer,
		Audiences:  []string{jwtTestAudience},
		Now:        clock.Now,
		HTTPClient: &http.Client{Timeout: 5 * time.Second},
	}
}

func newTestJWTVerifier(tb testing.TB, cfg JWTConfig) *JWTVerifier {
	tb.Helper()
	v, err := NewJWTVerifier(cfg)
	if err != nil {
		tb.Fatalf("NewJWTVerifier: %v", err)
	}
	tb.Cleanup(func() { _ = v.Close() })
	return v
}

// waitRefresh waits for background refreshes in flight. Tests call it only
// while no other verification runs.
func waitRefresh(v *JWTVerifier) { v.keys.wg.Wait() }

// logBuffer is the shared concurrency-safe slog sink.
type logBuffer = testutil.LogBuffer

func mustVerify(tb testing.TB, v *JWTVerifier, token string) *TokenInfo {
	tb.Helper()
	info, err := v.VerifyToken(context.Background(), token)
	if err != nil {
		tb.Fatalf("VerifyToken: %v", err)
	}
	return info
}
