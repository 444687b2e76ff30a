package perf

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/auth"
)

// TestFixtureTokens: both sizes verify with our verifier and with baseline
// A over a JWKS of each size, and the large token has the advertised size.
func TestFixtureTokens(t *testing.T) {
	fx := fixture(t)
	for _, size := range []Size{Small, Large} {
		for _, alg := range []string{"RS256", "EdDSA"} {
			tok := tokens(t, alg, 1, size)[0]
			for _, n := range []int{1, 10, 100} {
				if alg == "EdDSA" && n == 1 {
					continue // the one-key set holds the RSA key only
				}
				mustVerify(t, ourVerifier(t, n, -1), tok)
				if _, err := NewJWXVerifier(jwxSet(t, n), fx.Issuer, fx.Audience)(context.Background(), tok, nil); err != nil {
					t.Errorf("%s size %d keys %d: jwx: %v", alg, size, n, err)
				}
			}
		}
	}
	if n := len(tokens(t, "RS256", 1, Large)[0]); n < LargeBytes-200 || n > LargeBytes {
		t.Errorf("large token is %d bytes, want about %d", n, LargeBytes)
	}
	input, sig, err := SigningInput(tokens(t, "RS256", 1, Small)[0])
	if err != nil {
		t.Fatal(err)
	}
	if err := VerifyRSAFloor(fx.RSAPublic(), input, sig); err != nil {
		t.Errorf("floor: %v", err)
	}
	sig[0] ^= 1
	if VerifyRSAFloor(fx.RSAPublic(), input, sig) == nil {
		t.Error("floor accepted a bad signature")
	}
}

// TestRunE2E: the harness counts good answers, and a run whose answers are
// refusals is an error, never a throughput figure.
func TestRunE2E(t *testing.T) {
	fx := fixture(t)
	tok := tokens(t, "RS256", 1, Small)
	ours := mcpHandler(ourProvider(t, ourVerifier(t, 1, 0), demoToolScopes))
	url, stop, err := Serve(ours)
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	res, err := RunE2E(ctx, E2EConfig{URL: url + "/mcp", Tokens: tok, Requests: 50, Concurrency: 4, HeapSample: LiveHeapBytes})
	if err != nil {
		t.Fatal(err)
	}
	if res.Requests != 50 || res.PeakHeap == 0 || res.P99 < res.P50 {
		t.Errorf("result %+v", res)
	}

	for name, toks := range map[string][]string{
		"bad token":    {tok[0][:len(tok[0])-4] + "AAAA"},
		"wrong issuer": {mustSign(t, fx, map[string]any{"iss": "https://other.example"})},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := RunE2E(ctx, E2EConfig{URL: url + "/mcp", Tokens: toks, Requests: 8, Concurrency: 2})
			if err == nil || !strings.Contains(err.Error(), "wrong answers") {
				t.Errorf("err = %v, want wrong answers", err)
			}
		})
	}
	if _, err := RunE2E(ctx, E2EConfig{URL: url + "/mcp"}); err == nil {
		t.Error("empty config accepted")
	}
}

func mustSign(tb testing.TB, fx *Fixture, override map[string]any) string {
	tb.Helper()
	c := fx.Claims("override", Small)
	for k, v := range override {
		c[k] = v
	}
	tok, err := fx.sign("RS256", fx.RSAKeyID, c)
	if err != nil {
		tb.Fatal(err)
	}
	return tok
}

// TestHarnessHandlers: every hot-path variant answers 204 for a good token
// (what the benchmarks check each op) and refuses a bad one.
func TestHarnessHandlers(t *testing.T) {
	fx := fixture(t)
	tok := tokens(t, "RS256", 1, Small)
	bad := []string{tok[0][:len(tok[0])-4] + "AAAA"}
	for name, h := range map[string]http.Handler{
		"ours":     ourProvider(t, ourVerifier(t, 1, 0), nil).Middleware(okHandler),
		"baseline": auth.RequireBearerToken(NewJWXVerifier(jwxSet(t, 1), fx.Issuer, fx.Audience), nil)(okHandler),
	} {
		t.Run(name, func(t *testing.T) {
			newHotClient(tok, "", nil).do(t, h, "")
			c := newHotClient(bad, "", nil)
			c.req.Header["Authorization"] = c.auths[0]
			w := httptest.NewRecorder()
			h.ServeHTTP(w, c.req)
			if w.Code != http.StatusUnauthorized {
				t.Errorf("bad token: status %d", w.Code)
			}
		})
	}
}
