package remote

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mcpauth/mcpauth/internal/jwttest"
	"github.com/mcpauth/mcpauth/internal/testutil"
)

// Test fixtures: the module's shared keys (internal/jwttest), under the
// names these tests give them.
type jwtTestKeys struct {
	rsaA, rsaB, rsaC *rsa.PrivateKey
	rsaSmall         *rsa.PrivateKey // 1024 bits: refused by the verifier
	ec256            *ecdsa.PrivateKey
	ed               ed25519.PrivateKey
}

func jwtKeys(tb testing.TB) *jwtTestKeys {
	tb.Helper()
	k := jwttest.Shared()
	return &jwtTestKeys{rsaA: k.RSA, rsaB: k.RSA2, rsaC: k.RSA3, rsaSmall: k.RSASmall, ec256: k.EC256, ed: k.Ed25519}
}

const (
	jwtTestIssuer   = jwttest.Issuer
	jwtTestAudience = jwttest.Audience
)

// jwtTestEpoch is the fake "now" of the tests.
var jwtTestEpoch = jwttest.Epoch

func jwtB64URL(b []byte) string { return jwttest.B64(b) }

// jwtSignRaw builds a compact JWS over the exact header and payload JSON
// given, signed with key under alg (see [jwttest.Sign]; for "none" a fake
// non-empty signature, so that the alg rule, not the shape, refuses it).
func jwtSignRaw(tb testing.TB, alg string, key any, header, payload string) string {
	tb.Helper()
	if alg == "none" {
		key = []byte("not a signature")
	}
	return jwttest.MustSign(tb, alg, key, header, payload)
}

// jwtClaims returns a valid claim set for the test issuer and audience
// around jwtTestEpoch, with overrides applied (a nil value deletes).
func jwtClaims(overrides map[string]any) map[string]any { return jwttest.Claims(overrides) }

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

func jwtJWKS(tb testing.TB, entries ...jwkEntry) []byte {
	tb.Helper()
	keys := make([]map[string]any, 0, len(entries))
	for _, e := range entries {
		keys = append(keys, jwttest.With(jwttest.JWK(e.key, e.kid, e.alg, e.use), e.extra))
	}
	return jwttest.JWKS(keys...)
}

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
func jwtTestConfig(srv *jwksServer, clock *testutil.Clock) JWTConfig {
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

func mustVerify(tb testing.TB, v *JWTVerifier, token string) *TokenInfo {
	tb.Helper()
	info, err := v.VerifyToken(context.Background(), token)
	if err != nil {
		tb.Fatalf("VerifyToken: %v", err)
	}
	return info
}
