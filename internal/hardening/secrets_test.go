package hardening

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/mcpauth/mcpauth/authkit"
	"github.com/mcpauth/mcpauth/authkit/authkittest"
	"github.com/mcpauth/mcpauth/internal/testutil"
)

// TestSecretsNeverLoggedOrEchoed runs the suites above again with one debug
// log sink for every component (verifier, middleware, forwarder, WorkOS
// enrichment) and one recorder of every credential sent and every body a
// client saw. No token, no signature part, no Authorization value, no client
// secret or authorization code may appear in the logs or in any client-facing
// body, and no body may carry internal error text.
func TestSecretsNeverLoggedOrEchoed(t *testing.T) {
	logs := &testutil.LogBuffer{}
	rec := newCollector()

	t.Run("adversarial tokens", func(t *testing.T) {
		r := newRig(t, rigOptions{logs: logs, rec: rec})
		if err := r.v.Prime(t.Context()); err != nil {
			t.Fatal(err)
		}
		attacker := authkittest.MustNewKey("kid_attacker")
		keyURL := newKeyURLServer(t, []byte(mustJSON(t, authkittest.JWKS{Keys: []authkittest.JWK{attacker.JWK()}})))
		runAttacks(t, r, adversarialAttacks(t, r, keyURL, attacker))
	})
	t.Run("adversarial tool calls", func(t *testing.T) {
		r := newRig(t, rigOptions{logs: logs, rec: rec, provider: toolScopes})
		runAttacks(t, r, toolCallAttacks(t, r))
	})
	t.Run("JWKS down at start", func(t *testing.T) {
		jwksDownAtStart(t, newRig(t, rigOptions{logs: logs, rec: rec}))
	})
	t.Run("JWKS outage after priming", func(t *testing.T) {
		jwksOutageAfterPriming(t, newRig(t, rigOptions{logs: logs, rec: rec}))
	})
	t.Run("WorkOS down, metadata down, legacy token proxy", func(t *testing.T) {
		r := newAuthkitRig(t, logs, func(c *authkit.Config) { c.LegacyEndpoints = true })
		r.rec = rec
		tok := r.mint(t, authkittest.TokenOptions{ExpiresIn: time.Hour})
		r.as.SetFault("/user_management/users/user_01ENRICH", authkittest.Fault{Status: 500, Body: []byte(`{"message":"db 10.0.0.7 timeout"}`)})
		if status, _ := r.call(t, tok); status != http.StatusOK {
			t.Fatalf("status %d during the WorkOS outage", status)
		}
		// Rejections logged by the turnkey provider.
		r.call(t, r.mint(t, authkittest.TokenOptions{ExpiresIn: -time.Hour}))
		r.call(t, flipSig(t, tok))

		// The AuthKit metadata, never fetched and down: 503 through the
		// forwarder.
		r.as.SetFault("/.well-known/oauth-authorization-server", authkittest.Fault{Status: 502, ContentType: "text/html", Body: []byte("<h1>502 from 10.0.0.7</h1>")})
		resp := get(t, r, "/.well-known/oauth-authorization-server", nil)
		if resp.status != http.StatusServiceUnavailable {
			t.Errorf("metadata down: status %d, want 503", resp.status)
		}
		rec.saw(resp.body)

		// The legacy /token shim proxies a code exchange carrying a client
		// secret and a code, once upstream fails and once it answers.
		code := "code_" + strings.Repeat("S3cr3t", 4)
		secret := "sk_client_" + strings.Repeat("Pr1v4te", 4)
		rec.secretValue(code)
		rec.secretValue(secret)
		form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "client_id": {"client_x"}, "client_secret": {secret}, "code_verifier": {strings.Repeat("v", 43)}}.Encode()
		r.as.SetFault("/oauth2/token", authkittest.Fault{Status: 502, Body: []byte("upstream said " + secret)})
		rec.saw(post(t, r, "/token", form).body) // a proxy passes the upstream body through: recorded but not asserted below
		r.as.ClearFault("/oauth2/token")
		post(t, r, "/token", form)
	})

	// The assertions, over everything recorded above.
	all := logs.String()
	if len(all) == 0 {
		t.Fatal("no log output captured: the suites did not log at all")
	}
	leaks := 0
	for s := range rec.secrets {
		if strings.Contains(all, s) {
			leaks++
			if leaks <= 5 {
				t.Errorf("log contains a secret (%d bytes)", len(s))
			}
		}
	}
	for _, b := range rec.bodies {
		if strings.Contains(string(b), "upstream said") {
			continue // the proxied upstream body, passed through on purpose
		}
		for s := range rec.secrets {
			if strings.Contains(string(b), s) {
				t.Errorf("client-facing body contains a secret (%d bytes): %.120s", len(s), b)
			}
		}
		assertNoInternalText(t, b)
	}
	for _, leak := range []string{"10.0.0.7", "timeout", "Authorization", "authorization: ", "Bearer ", "Basic "} {
		if strings.Contains(all, leak) {
			t.Errorf("log contains %q", leak)
		}
	}
	t.Logf("%d secrets searched in %d KiB of debug logs and %d client-facing bodies; %d leaks", len(rec.secrets), len(all)>>10, len(rec.bodies), leaks)
}

func get(tb testing.TB, r *authkitRig, path string, hdr http.Header) response {
	tb.Helper()
	req, err := http.NewRequest(http.MethodGet, r.srv.URL+path, nil)
	if err != nil {
		tb.Fatal(err)
	}
	for k, v := range hdr {
		req.Header[k] = v
	}
	resp, err := r.srv.Client().Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	return readResponse(tb, resp)
}

func post(tb testing.TB, r *authkitRig, path, form string) response {
	tb.Helper()
	req, err := http.NewRequest(http.MethodPost, r.srv.URL+path, strings.NewReader(form))
	if err != nil {
		tb.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := r.srv.Client().Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	out := readResponse(tb, resp)
	_, _ = io.Discard.Write(out.body)
	return out
}
