package remote

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
)

type jwtRoundTripFunc func(*http.Request) (*http.Response, error)

func (f jwtRoundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func jwtJSONResponse(body []byte) *http.Response {
	return &http.Response{
		StatusCode: http.StatusOK,
		Header:     http.Header{"Content-Type": {"application/json"}},
		Body:       io.NopCloser(bytes.NewReader(body)),
	}
}

// TestJWTCloseStopsBackgroundRefresh runs in a synctest bubble: when the
// test function returns, any goroutine the verifier left behind (blocked
// forever) fails the test. Close must cancel the refresh in flight at once
// (no fake time passes) and wait for it.
func TestJWTCloseStopsBackgroundRefresh(t *testing.T) {
	k := jwtKeys(t)
	set := jwtJWKS(t, jwkEntry{kid: "a", alg: "RS256", key: &k.rsaA.PublicKey})
	synctest.Test(t, func(t *testing.T) {
		var fetches atomic.Int32
		inFlight := make(chan struct{}, 1)
		rt := jwtRoundTripFunc(func(r *http.Request) (*http.Response, error) {
			if fetches.Add(1) == 1 {
				return jwtJSONResponse(set), nil
			}
			inFlight <- struct{}{}
			<-r.Context().Done() // a JWKS server that never answers
			return nil, r.Context().Err()
		})
		v, err := NewJWTVerifier(JWTConfig{
			JWKSURL:    "https://example.authkit.app/oauth2/jwks",
			Issuer:     jwtTestIssuer,
			Audiences:  []string{jwtTestAudience},
			HTTPClient: &http.Client{Transport: rt},
		})
		if err != nil {
			t.Fatal(err)
		}
		tok := jwtToken(t, k.rsaA, "a", jwtClaims(map[string]any{
			"iat": time.Now().Unix(), "exp": time.Now().Add(48 * time.Hour).Unix(),
		}))
		mustVerify(t, v, tok)
		time.Sleep(DefaultRefreshInterval) // fake time: the set is now stale
		mustVerify(t, v, tok)              // served at once; refresh starts in the background
		<-inFlight

		before := time.Now()
		if err := v.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}
		if waited := time.Since(before); waited != 0 {
			t.Errorf("Close waited %v of fake time, want an immediate cancellation", waited)
		}
		if err := v.Close(); err != nil {
			t.Fatalf("second Close: %v", err)
		}
		// After Close a stale set starts no goroutine, and a fetch is refused.
		mustVerify(t, v, tok)
		if _, err := v.VerifyToken(context.Background(), jwtToken(t, k.rsaA, "other", jwtClaims(nil))); !errors.Is(err, ErrKeysUnavailable) {
			t.Errorf("unknown kid after Close err = %v, want ErrKeysUnavailable", err)
		}
		if err := v.Prime(context.Background()); !errors.Is(err, ErrKeysUnavailable) {
			t.Errorf("Prime after Close = %v, want ErrKeysUnavailable", err)
		}
		if n := fetches.Load(); n != 2 {
			t.Errorf("fetches = %d, want 2", n)
		}
	})
}

// TestJWTCloseCancelsSynchronousFetch: a request waiting for a first fetch
// is released by Close with ErrKeysUnavailable.
func TestJWTCloseCancelsSynchronousFetch(t *testing.T) {
	k := jwtKeys(t)
	synctest.Test(t, func(t *testing.T) {
		inFlight := make(chan struct{}, 1)
		rt := jwtRoundTripFunc(func(r *http.Request) (*http.Response, error) {
			inFlight <- struct{}{}
			<-r.Context().Done()
			return nil, r.Context().Err()
		})
		v, err := NewJWTVerifier(JWTConfig{
			JWKSURL:    "https://example.authkit.app/oauth2/jwks",
			Issuer:     jwtTestIssuer,
			Audiences:  []string{jwtTestAudience},
			HTTPClient: &http.Client{Transport: rt},
		})
		if err != nil {
			t.Fatal(err)
		}
		errc := make(chan error, 1)
		go func() {
			_, err := v.VerifyToken(context.Background(), jwtToken(t, k.rsaA, "a", jwtClaims(nil)))
			errc <- err
		}()
		<-inFlight
		_ = v.Close()
		if err := <-errc; !errors.Is(err, ErrKeysUnavailable) {
			t.Errorf("VerifyToken during Close err = %v, want ErrKeysUnavailable", err)
		}
	})
}
