package hardening

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mcpauth/mcpauth/authkit/authkittest"
	"github.com/mcpauth/mcpauth/remote"
)

// attack is one hostile request against the protected MCP endpoint.
type attack struct {
	name string
	// The request: Authorization header values (none when nil), a raw
	// query, a body (POST; form-encoded when form is set), or raw request
	// bytes for what net/http's client refuses to send.
	method string // default POST
	auth   []string
	query  string
	form   string
	body   string      // default a JSON-RPC ping
	ctype  string      // default application/json
	hideCL bool        // send the body chunked, without Content-Length
	header http.Header // extra headers, keys sent exactly as written
	raw    string
	// Expected outcome: the status and the RFC 6750 error code of the
	// challenge ("" for none). status 200 means accepted: the MCP handler
	// must have been reached exactly once; any other status means it must
	// not have been reached. byHTTP marks requests net/http itself rejects
	// before any handler runs (no challenge). rpcCode, for a 400, is the
	// JSON-RPC error code of a body without a challenge (MCP's
	// HeaderMismatch).
	status  int
	code    string
	byHTTP  bool
	rpcCode int
}

const (
	invalidToken   = "invalid_token"
	invalidRequest = "invalid_request"
	insufficient   = "insufficient_scope"
)

func bearer(tok string) []string { return []string{"Bearer " + tok} }

// adversarialAttacks builds the table against r. keyURL is the attacker's
// key server that jku/x5u headers name.
func adversarialAttacks(t *testing.T, r *rig, keyURL *keyURLServer, attacker *authkittest.Key) []attack {
	t.Helper()
	now := r.clock.Now()
	// Tokens are issued well before the key set was fetched (the rig primed
	// it), so a kid missing from that set is a plain 401. A token issued
	// after it, with a kid it lacks, may name a key newer than the set: the
	// key store answers 503 while the unknown-kid budget is spent (one row
	// below; the fault suite covers the rest).
	issued := now.Add(-10 * time.Minute)
	mint := func(o authkittest.TokenOptions) string {
		if o.IssuedAt.IsZero() {
			o.IssuedAt = issued
			if o.ExpiresIn == 0 {
				o.ExpiresIn = time.Hour
			}
		}
		return r.mint(t, o)
	}
	good := mint(authkittest.TokenOptions{})
	kid := r.as.SigningKey().ID()
	realKey := r.as.SigningKey().Private()
	hdr := func(extra string) string { return `{"alg":"RS256","typ":"JWT","kid":"` + kid + `"` + extra + `}` }
	claimsJSON := mustJSON(t, r.claims(nil))
	raw := func(header, payload string) string { return signRaw(t, "RS256", realKey, header, payload) }
	parts := strings.Split(good, ".")
	attackerJWK := attacker.JWK()
	certDER := selfSigned(t, attacker.Private())

	// A second published key, not the one tokens are signed with.
	second := authkittest.MustNewKey("kid_second_published")
	r.as.PublishKey(second)
	// Another AuthKit environment: its own issuer and keys.
	other := authkittest.Start(t)
	other.SetClock(r.clock.Now)

	flip := func(tok string) string { // flip one bit in the middle of the signature
		i := strings.LastIndexByte(tok, '.')
		sig, err := base64.RawURLEncoding.DecodeString(tok[i+1:])
		if err != nil {
			t.Fatal(err)
		}
		sig[len(sig)/2] ^= 0x01
		return tok[:i+1] + base64.RawURLEncoding.EncodeToString(sig)
	}

	return []attack{
		// Controls: what must be accepted.
		{name: "control: valid token", auth: bearer(good), status: 200},
		{name: "bearer scheme in lowercase", auth: []string{"bearer " + good}, status: 200},
		{name: "BEARER scheme in uppercase", auth: []string{"BEARER " + good}, status: 200},
		{name: "extra spaces before the token", auth: []string{"Bearer     " + good}, status: 200},
		{name: "aud array with ours", auth: bearer(mint(authkittest.TokenOptions{Audience: []string{"https://other.example.com/mcp", mcpURL}})), status: 200},
		{name: "aud with a trailing slash (tolerated)", auth: bearer(mint(authkittest.TokenOptions{Audience: []string{mcpURL + "/"}})), status: 200},
		{name: "exp as a float (RFC 7519 NumericDate)", auth: bearer(mint(authkittest.TokenOptions{Claims: map[string]any{"exp": float64(now.Add(5*time.Minute).Unix()) + 0.5}})), status: 200},
		{name: "exp huge (clamped to year 9999; cache reuse still capped)", auth: bearer(mint(authkittest.TokenOptions{Claims: map[string]any{"exp": 1e300}})), status: 200},

		// Algorithms.
		{name: "alg none, empty signature", auth: bearer(mint(authkittest.TokenOptions{Algorithm: authkittest.AlgNone})), status: 401, code: invalidToken},
		{name: "alg none with a signature", auth: bearer(b64([]byte(`{"alg":"none","kid":"`+kid+`"}`)) + "." + parts[1] + "." + parts[2]), status: 401, code: invalidToken},
		{name: "alg NONE uppercase, signed", auth: bearer(raw(`{"alg":"NONE","kid":"`+kid+`"}`, claimsJSON)), status: 401, code: invalidToken},
		{name: "HS256 keyed with the RSA public key PEM (key confusion)", auth: bearer(mint(authkittest.TokenOptions{Algorithm: authkittest.AlgHS256})), status: 401, code: invalidToken},
		{name: "HS256 keyed with the JWK modulus", auth: bearer(mint(authkittest.TokenOptions{Algorithm: authkittest.AlgHS256, HMACSecret: []byte(r.as.SigningKey().JWK().N)})), status: 401, code: invalidToken},
		{name: "RS384 by the real key", auth: bearer(mint(authkittest.TokenOptions{Algorithm: authkittest.AlgRS384})), status: 401, code: invalidToken},
		{name: "RS512 by the real key", auth: bearer(mint(authkittest.TokenOptions{Algorithm: authkittest.AlgRS512})), status: 401, code: invalidToken},
		{name: "PS256 by the real key", auth: bearer(mint(authkittest.TokenOptions{Algorithm: authkittest.AlgPS256})), status: 401, code: invalidToken},
		{name: "ES256 naming the real kid", auth: bearer(signRaw(t, "ES256", newECKey(t), `{"alg":"ES256","kid":"`+kid+`"}`, claimsJSON)), status: 401, code: invalidToken},
		{name: "alg missing", auth: bearer(mint(authkittest.TokenOptions{Header: map[string]any{"alg": nil}})), status: 401, code: invalidToken},
		{name: "alg not a string", auth: bearer(raw(`{"alg":["RS256"],"kid":"`+kid+`"}`, claimsJSON)), status: 401, code: invalidToken},

		// kid.
		{name: "kid missing", auth: bearer(mint(authkittest.TokenOptions{Header: map[string]any{"kid": nil}})), status: 401, code: invalidToken},
		{name: "kid empty", auth: bearer(mint(authkittest.TokenOptions{Header: map[string]any{"kid": ""}})), status: 401, code: invalidToken},
		{name: "kid a number", auth: bearer(mint(authkittest.TokenOptions{Header: map[string]any{"kid": 1}})), status: 401, code: invalidToken},
		{name: "kid unknown", auth: bearer(mint(authkittest.TokenOptions{KeyID: "kid_does_not_exist"})), status: 401, code: invalidToken},
		{name: "kid unknown, issued after the key set was fetched (budget spent: 503, not a 401 that would discard a new key's token)", auth: bearer(mint(authkittest.TokenOptions{KeyID: "kid_newer_than_the_set", IssuedAt: now})), status: 503},
		{name: "kid path traversal", auth: bearer(mint(authkittest.TokenOptions{KeyID: "../../../../../../etc/passwd"})), status: 401, code: invalidToken},
		{name: "kid absolute path", auth: bearer(mint(authkittest.TokenOptions{KeyID: "/dev/null"})), status: 401, code: invalidToken},
		{name: "kid SQL-ish", auth: bearer(mint(authkittest.TokenOptions{KeyID: "x' UNION SELECT 'secret' AS k --"})), status: 401, code: invalidToken},
		{name: "kid very long (8 KiB)", auth: bearer(mint(authkittest.TokenOptions{KeyID: strings.Repeat("k", 8<<10)})), status: 401, code: invalidToken},
		{name: "kid with NUL and CRLF", auth: bearer(mint(authkittest.TokenOptions{KeyID: kid + "\x00\r\nX-Injected: 1"})), status: 401, code: invalidToken},
		{name: "kid with a homoglyph", auth: bearer(mint(authkittest.TokenOptions{KeyID: strings.Replace(kid, "e", "\u0435", 1) + "\u0435"})), status: 401, code: invalidToken},

		// Key URLs and embedded keys: never fetched, never trusted.
		{name: "jku to an attacker JWKS, attacker kid", auth: bearer(mint(authkittest.TokenOptions{SignWith: attacker, Header: map[string]any{"jku": keyURL.URL + "/jwks.json"}})), status: 401, code: invalidToken},
		{name: "jku to an attacker JWKS, real kid", auth: bearer(mint(authkittest.TokenOptions{SignWith: attacker, KeyID: kid, Header: map[string]any{"jku": keyURL.URL + "/jwks.json"}})), status: 401, code: invalidToken},
		{name: "x5u to an attacker certificate", auth: bearer(mint(authkittest.TokenOptions{SignWith: attacker, Header: map[string]any{"x5u": keyURL.URL + "/cert.pem"}})), status: 401, code: invalidToken},
		{name: "jwk header with the attacker key", auth: bearer(mint(authkittest.TokenOptions{SignWith: attacker, Header: map[string]any{"jwk": attackerJWK}})), status: 401, code: invalidToken},
		{name: "jwk header with the attacker key, real kid", auth: bearer(mint(authkittest.TokenOptions{SignWith: attacker, KeyID: kid, Header: map[string]any{"jwk": attackerJWK}})), status: 401, code: invalidToken},
		{name: "x5c header with an attacker certificate", auth: bearer(mint(authkittest.TokenOptions{SignWith: attacker, KeyID: kid, Header: map[string]any{"x5c": []string{base64.StdEncoding.EncodeToString(certDER)}}})), status: 401, code: invalidToken},

		// JOSE features that are refused.
		{name: "crit header", auth: bearer(mint(authkittest.TokenOptions{Header: map[string]any{"crit": []string{"exp"}, "exp": 1}})), status: 401, code: invalidToken},
		{name: "crit b64=false (unencoded payload)", auth: bearer(mint(authkittest.TokenOptions{Header: map[string]any{"crit": []string{"b64"}, "b64": false}})), status: 401, code: invalidToken},
		{name: "zip header", auth: bearer(mint(authkittest.TokenOptions{Header: map[string]any{"zip": "DEF"}})), status: 401, code: invalidToken},
		{name: "nested JWT (cty JWT, payload a token)", auth: bearer(raw(hdr(`,"cty":"JWT"`), good)), status: 401, code: invalidToken},
		{name: "cty JWT over plain claims", auth: bearer(raw(hdr(`,"cty":"JWT"`), claimsJSON)), status: 401, code: invalidToken},
		{name: "JWE compact (five parts)", auth: bearer(b64([]byte(`{"alg":"RSA-OAEP","enc":"A256GCM","kid":"`+kid+`"}`)) + ".AAAA.AAAA.AAAA.AAAA"), status: 401, code: invalidToken},
		{name: "JWS JSON serialization in the header", auth: bearer(`{"payload":"` + parts[1] + `","protected":"` + parts[0] + `","signature":"` + parts[2] + `"}`), status: 400, code: invalidRequest},
		{name: "JWS JSON serialization, base64url-wrapped", auth: bearer(b64([]byte(`{"payload":"` + parts[1] + `","protected":"` + parts[0] + `","signature":"` + parts[2] + `"}`))), status: 401, code: invalidToken},

		// Signatures.
		{name: "signature stripped (trailing dot)", auth: bearer(parts[0] + "." + parts[1] + "."), status: 401, code: invalidToken},
		{name: "signature stripped (two parts)", auth: bearer(parts[0] + "." + parts[1]), status: 401, code: invalidToken},
		{name: "signature one bit flipped", auth: bearer(flip(good)), status: 401, code: invalidToken},
		{name: "signature truncated", auth: bearer(good[:len(good)-4]), status: 401, code: invalidToken},
		{name: "signature with base64 padding", auth: bearer(good + "=="), status: 401, code: invalidToken},
		{name: "payload swapped under a valid signature", auth: bearer(parts[0] + "." + b64([]byte(mustJSON(t, r.claims(map[string]any{"sub": "user_admin"})))) + "." + parts[2]), status: 401, code: invalidToken},
		{name: "signed by another published key, kid swapped to the signing key's", auth: bearer(mint(authkittest.TokenOptions{SignWith: second, KeyID: kid})), status: 401, code: invalidToken},
		{name: "signed by the signing key, kid swapped to another published key", auth: bearer(mint(authkittest.TokenOptions{KeyID: second.ID()})), status: 401, code: invalidToken},
		{name: "signed by an unpublished key with the real kid", auth: bearer(mint(authkittest.TokenOptions{SignWith: attacker, KeyID: kid})), status: 401, code: invalidToken},

		// Time claims.
		{name: "expired", auth: bearer(mint(authkittest.TokenOptions{ExpiresIn: -time.Minute})), status: 401, code: invalidToken},
		{name: "expired just beyond the leeway", auth: bearer(mint(authkittest.TokenOptions{Claims: map[string]any{"exp": now.Add(-31 * time.Second).Unix()}})), status: 401, code: invalidToken},
		{name: "nbf in the future", auth: bearer(mint(authkittest.TokenOptions{Claims: map[string]any{"nbf": now.Add(time.Hour).Unix()}})), status: 401, code: invalidToken},
		{name: "iat far in the future", auth: bearer(mint(authkittest.TokenOptions{IssuedAt: now.Add(24 * time.Hour)})), status: 401, code: invalidToken},
		{name: "exp missing", auth: bearer(mint(authkittest.TokenOptions{Omit: []string{"exp"}})), status: 401, code: invalidToken},
		{name: "exp as a string", auth: bearer(mint(authkittest.TokenOptions{Claims: map[string]any{"exp": strconv.FormatInt(now.Add(time.Hour).Unix(), 10)}})), status: 401, code: invalidToken},
		{name: "exp negative", auth: bearer(mint(authkittest.TokenOptions{Claims: map[string]any{"exp": -1}})), status: 401, code: invalidToken},
		{name: "exp null", auth: bearer(mint(authkittest.TokenOptions{Claims: map[string]any{"exp": nil}})), status: 401, code: invalidToken},
		{name: "exp beyond float64 (1e400)", auth: bearer(raw(hdr(""), strings.Replace(claimsJSON, `"exp":`, `"exp":1e400,"x":`, 1))), status: 401, code: invalidToken},

		// Issuer.
		{name: "iss wrong", auth: bearer(mint(authkittest.TokenOptions{Issuer: "https://evil.authkit.app"})), status: 401, code: invalidToken},
		{name: "iss with a trailing slash added", auth: bearer(mint(authkittest.TokenOptions{Issuer: r.as.Issuer() + "/"})), status: 401, code: invalidToken},
		{name: "iss missing", auth: bearer(mint(authkittest.TokenOptions{Omit: []string{"iss"}})), status: 401, code: invalidToken},
		{name: "iss as an array with ours", auth: bearer(mint(authkittest.TokenOptions{Claims: map[string]any{"iss": []string{r.as.Issuer()}}})), status: 401, code: invalidToken},
		{name: "token of another AuthKit environment", auth: bearer(other.MustMint(t, authkittest.TokenOptions{Audience: []string{mcpURL}, Scopes: []string{requiredScope}, IssuedAt: issued, ExpiresIn: time.Hour})), status: 401, code: invalidToken},
		{name: "token of another AuthKit environment naming our kid", auth: bearer(other.MustMint(t, authkittest.TokenOptions{Audience: []string{mcpURL}, Scopes: []string{requiredScope}, KeyID: kid, IssuedAt: issued, ExpiresIn: time.Hour})), status: 401, code: invalidToken},
		{name: "AuthKit session token (user_management issuer, no aud)", auth: bearer(mint(authkittest.TokenOptions{Issuer: r.as.SessionIssuer(), Omit: []string{"aud"}})), status: 401, code: invalidToken},
		{name: "AuthKit session token with our aud", auth: bearer(mint(authkittest.TokenOptions{Issuer: r.as.SessionIssuer()})), status: 401, code: invalidToken},

		// Audience.
		{name: "aud missing", auth: bearer(mint(authkittest.TokenOptions{Omit: []string{"aud"}})), status: 401, code: invalidToken},
		{name: "aud wrong", auth: bearer(mint(authkittest.TokenOptions{Audience: []string{"https://other.example.com/mcp"}})), status: 401, code: invalidToken},
		{name: "aud the environment client id (AuthKit fallback, not opted in)", auth: bearer(mint(authkittest.TokenOptions{Audience: []string{r.as.ClientID()}})), status: 401, code: invalidToken},
		{name: "aud array without ours", auth: bearer(mint(authkittest.TokenOptions{Audience: []string{"https://a.example.com/mcp", "https://b.example.com/mcp"}})), status: 401, code: invalidToken},
		{name: "aud ours as a prefix", auth: bearer(mint(authkittest.TokenOptions{Audience: []string{mcpURL + ".evil.example"}})), status: 401, code: invalidToken},
		{name: "aud our origin only", auth: bearer(mint(authkittest.TokenOptions{Audience: []string{"https://mcp.example.com"}})), status: 401, code: invalidToken},
		{name: "aud a number", auth: bearer(mint(authkittest.TokenOptions{Claims: map[string]any{"aud": 1}})), status: 401, code: invalidToken},

		// Subject and scope.
		{name: "sub missing", auth: bearer(mint(authkittest.TokenOptions{Omit: []string{"sub"}})), status: 401, code: invalidToken},
		{name: "sub empty", auth: bearer(mint(authkittest.TokenOptions{Claims: map[string]any{"sub": ""}})), status: 401, code: invalidToken},
		{name: "sub a number", auth: bearer(mint(authkittest.TokenOptions{Claims: map[string]any{"sub": 42}})), status: 401, code: invalidToken},
		{name: "required scope missing", auth: bearer(mint(authkittest.TokenOptions{Scopes: []string{"openid", "profile"}})), status: 403, code: insufficient},
		{name: "scope claim of the wrong type", auth: bearer(mint(authkittest.TokenOptions{Claims: map[string]any{"scope": 7}})), status: 401, code: invalidToken},

		// JSON the strict decoder refuses.
		{name: "duplicate sub in the payload", auth: bearer(raw(hdr(""), strings.Replace(claimsJSON, "{", `{"sub":"user_admin",`, 1))), status: 401, code: invalidToken},
		{name: "duplicate aud in the payload, ours last", auth: bearer(raw(hdr(""), strings.Replace(mustJSON(t, r.claims(map[string]any{"aud": "https://other.example.com/mcp"})), "{", `{"aud":"`+mcpURL+`",`, 1))), status: 401, code: invalidToken},
		{name: "duplicate key after unescaping", auth: bearer(raw(hdr(""), strings.Replace(claimsJSON, "{", `{"s\u0075b":"user_admin",`, 1))), status: 401, code: invalidToken},
		{name: "duplicate alg in the header", auth: bearer(raw(`{"alg":"RS256","kid":"`+kid+`","alg":"none"}`, claimsJSON)), status: 401, code: invalidToken},
		{name: "payload not an object", auth: bearer(raw(hdr(""), `["sub","user_admin"]`)), status: 401, code: invalidToken},
		{name: "payload with invalid UTF-8", auth: bearer(raw(hdr(""), strings.Replace(claimsJSON, `"user_01HARDENING"`, "\"user_\xff\"", 1))), status: 401, code: invalidToken},
		{name: "payload with trailing data", auth: bearer(raw(hdr(""), claimsJSON+`{"sub":"user_admin"}`)), status: 401, code: invalidToken},

		// Size and bytes.
		{name: "oversize token (17 KiB)", auth: bearer(mint(authkittest.TokenOptions{Claims: map[string]any{"pad": strings.Repeat("x", 17<<10)}})), status: 401, code: invalidToken},
		{name: "oversize header (2 MiB)", auth: bearer(strings.Repeat("A", 2<<20)), status: 431, byHTTP: true},
		{name: "non-ASCII bytes after the token", auth: bearer(good + "é"), status: 400, code: invalidRequest},
		{name: "non-ASCII bytes inside the token", auth: bearer(strings.Replace(good, ".", ".\u00e9", 1)), status: 400, code: invalidRequest},
		{name: "control byte in the token (raw)", raw: "GET /mcp HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + parts[0] + "\x01" + parts[1] + "\r\nConnection: close\r\n\r\n", status: 400, byHTTP: true},
		{name: "NUL byte in the token (raw)", raw: "GET /mcp HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + good[:20] + "\x00" + good[20:] + "\r\nConnection: close\r\n\r\n", status: 400, byHTTP: true},

		// The Authorization header itself.
		{name: "two Authorization headers, both valid", auth: []string{"Bearer " + good, "Bearer " + good}, status: 400, code: invalidRequest},
		{name: "two Authorization headers, Basic and Bearer", auth: []string{"Basic dXNlcjpwYXNz", "Bearer " + good}, status: 400, code: invalidRequest},
		{name: "two tokens in one header", auth: []string{"Bearer " + good + ", Bearer " + good}, status: 400, code: invalidRequest},
		{name: "Basic scheme", auth: []string{"Basic dXNlcjpwYXNz"}, status: 401},
		{name: "Basic scheme carrying the token as password", auth: []string{"Basic " + base64.StdEncoding.EncodeToString([]byte("x:"+good))}, status: 401},
		{name: "token without a scheme", auth: []string{good}, status: 401},
		{name: "tab between scheme and token", auth: []string{"Bearer\t" + good}, status: 400, code: invalidRequest},
		{name: "trailing garbage after a space", auth: []string{"Bearer " + good + " x"}, status: 400, code: invalidRequest},
		{name: "empty token", auth: []string{"Bearer "}, status: 400, code: invalidRequest},
		{name: "scheme only", auth: []string{"Bearer"}, status: 400, code: invalidRequest},
		{name: "empty Authorization header", auth: []string{""}, status: 401},
		{name: "no credentials", status: 401},
		{name: "CORS preflight is answered without reaching the handler", method: http.MethodOptions, auth: []string{"Bearer " + good}, status: 204},
		{name: "no credentials, GET (SSE stream)", method: http.MethodGet, status: 401},
		{name: "no credentials, DELETE (session end)", method: http.MethodDelete, status: 401},
		{name: "expired token, GET (SSE stream)", method: http.MethodGet, auth: bearer(mint(authkittest.TokenOptions{ExpiresIn: -time.Hour})), status: 401, code: invalidToken},

		// Tokens elsewhere than the header.
		{name: "token in ?access_token=", query: "access_token=" + url.QueryEscape(good), status: 400, code: invalidRequest},
		{name: "token in ?access_token= and a valid header", auth: bearer(good), query: "access_token=" + url.QueryEscape(good), status: 400, code: invalidRequest},
		{name: "token in a percent-encoded access_token name", query: "access%5Ftoken=" + url.QueryEscape(good), status: 400, code: invalidRequest},
		{name: "token in a form body", form: "access_token=" + url.QueryEscape(good), status: 401},
	}
}

// TestAdversarialTokens is the published attack table: every case names
// the status and RFC 6750 code the middleware must answer, and the MCP
// handler must not be reached by any rejected request. Servers named in
// jku/x5u headers must receive nothing.
func TestAdversarialTokens(t *testing.T) {
	r := newRig(t, rigOptions{})
	if err := r.v.Prime(t.Context()); err != nil {
		t.Fatal(err)
	}
	attacker := authkittest.MustNewKey("kid_attacker")
	keyURL := newKeyURLServer(t, []byte(mustJSON(t, authkittest.JWKS{Keys: []authkittest.JWK{attacker.JWK()}})))
	attacks := adversarialAttacks(t, r, keyURL, attacker)
	rejected, accepted := runAttacks(t, r, attacks)
	if n := keyURL.hits.Load(); n != 0 {
		t.Errorf("the server named in jku/x5u received %d requests, want 0", n)
	}
	t.Logf("adversarial token table: %d cases (%d must not reach the MCP handler, %d controls accepted)", len(attacks), rejected, accepted)
}

// runAttacks sends every attack as a subtest and checks its outcome. It
// returns how many cases expect a rejection and how many an acceptance.
func runAttacks(t *testing.T, r *rig, attacks []attack) (rejected, accepted int) {
	t.Helper()
	names := map[string]bool{}
	for _, a := range attacks {
		if names[a.name] {
			t.Fatalf("duplicate case name %q", a.name)
		}
		names[a.name] = true
		if a.status == http.StatusOK {
			accepted++
		} else {
			rejected++
		}
		t.Run(a.name, func(t *testing.T) {
			before := r.reached.Load()
			resp := r.do(t, a)
			reached := r.reached.Load() - before
			if resp.status != a.status {
				t.Errorf("status = %d, want %d; body %s", resp.status, a.status, resp.body)
			}
			if a.status == http.StatusOK {
				if reached != 1 {
					t.Errorf("accepted request reached the MCP handler %d times, want 1", reached)
				}
				return
			}
			if reached != 0 {
				t.Errorf("REJECTED REQUEST REACHED THE MCP HANDLER (%d times)", reached)
			}
			if a.byHTTP {
				return
			}
			if a.rpcCode != 0 {
				if got := rpcErrorCode(resp.body); got != a.rpcCode {
					t.Errorf("JSON-RPC error code = %d, want %d; body %s", got, a.rpcCode, resp.body)
				}
				if resp.header.Get("WWW-Authenticate") != "" {
					t.Errorf("a JSON-RPC error carries a challenge: %s", resp.header.Get("WWW-Authenticate"))
				}
				assertNoInternalText(t, resp.body)
				return
			}
			if a.code != "" && bodyError(resp.body) != a.code {
				t.Errorf("body error = %q, want %q", bodyError(resp.body), a.code)
			}
			// 400, 401 and 403 carry a challenge (RFC 6750 §3); 413 and
			// 503 do not.
			if a.status == 400 || a.status == 401 || a.status == 403 {
				if resp.errCode != a.code {
					t.Errorf("challenge error = %q, want %q (WWW-Authenticate: %s)", resp.errCode, a.code, resp.header.Get("WWW-Authenticate"))
				}
				if want := `resource_metadata="` + r.p.ResourceMetadataURL() + `"`; !strings.Contains(resp.header.Get("WWW-Authenticate"), want) {
					t.Errorf("challenge lacks %s: %q", want, resp.header.Get("WWW-Authenticate"))
				}
			}
			assertNoInternalText(t, resp.body)
		})
	}
	return rejected, accepted
}

// do sends a as a request to the rig's MCP endpoint.
func (r *rig) do(t *testing.T, a attack) response {
	t.Helper()
	if a.raw != "" {
		return r.sendRaw(t, a.raw)
	}
	method := a.method
	if method == "" {
		method = http.MethodPost
	}
	hdr := http.Header{}
	var body io.Reader
	switch {
	case a.form != "":
		body = strings.NewReader(a.form)
		hdr.Set("Content-Type", "application/x-www-form-urlencoded")
	case method == http.MethodPost:
		b := a.body
		if b == "" {
			b = `{"jsonrpc":"2.0","id":1,"method":"ping"}`
		}
		body = strings.NewReader(b)
		if a.hideCL {
			body = io.MultiReader(body) // unknown length: sent chunked
		}
		hdr.Set("Content-Type", "application/json")
		if a.ctype != "" {
			hdr.Set("Content-Type", a.ctype)
		}
	}
	for k, vs := range a.header {
		hdr[k] = append(hdr[k], vs...)
	}
	return r.send(t, method, a.query, a.auth, body, hdr)
}

// rpcErrorCode returns the error code of a JSON-RPC error response body, 0
// when there is none.
func rpcErrorCode(body []byte) int {
	var v struct {
		Error struct {
			Code int `json:"code"`
		} `json:"error"`
	}
	_ = json.Unmarshal(body, &v)
	return v.Error.Code
}

// assertNoInternalText fails when a client-facing body carries text that
// only the server should know: package prefixes of errors, Go error
// fragments, verifier details.
func assertNoInternalText(tb testing.TB, body []byte) {
	tb.Helper()
	s := string(body)
	for _, leak := range []string{
		"remote:", "forward:", "authkit:", "jwx", "crypto/", "x509", "goroutine", "panic",
		"signature mismatch", "kid", "exp passed", "iss mismatch", "aud mismatch", "fetch failed",
		"127.0.0.1", "dial tcp", "EOF", "context deadline", "context canceled", "json:",
	} {
		if strings.Contains(s, leak) {
			tb.Errorf("client-facing body leaks internal text %q: %s", leak, s)
		}
	}
}

// toolScopes is the per-tool scope configuration of the tool-call table.
func toolScopes(c *remote.Config) {
	c.ToolScopes = map[string][]string{"delete_file": {"files:write"}}
	c.MaxBodyBytes = toolMaxBody
}

// toolMaxBody is the body limit of the tool-call rig: above the longest
// Mcp-Name the middleware decodes, so an oversized header can be matched by
// its body.
const toolMaxBody = 16 << 10

// toolCallAttacks builds the tool-call table against a rig configured with
// toolScopes.
func toolCallAttacks(t *testing.T, r *rig) []attack {
	t.Helper()
	const maxBody = toolMaxBody
	tok := bearer(r.mint(t, authkittest.TokenOptions{}))
	writer := bearer(r.mint(t, authkittest.TokenOptions{Scopes: []string{requiredScope, "files:write"}}))
	call := func(name string) string {
		return `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"` + name + `","arguments":{}}}`
	}
	return []attack{
		{name: "control: unscoped tool", auth: tok, body: call("read_file"), status: 200},
		{name: "control: scoped tool with its scope", auth: writer, body: call("delete_file"), status: 200},
		{name: "control: not a tools/call", auth: tok, body: `{"jsonrpc":"2.0","id":1,"method":"tools/list"}`, status: 200},
		{name: "scoped tool without its scope", auth: tok, body: call("delete_file"), status: 403, code: insufficient},
		{name: "scoped tool hidden in a batch", auth: tok, body: `[` + call("read_file") + `,` + call("delete_file") + `]`, status: 403, code: insufficient},
		{name: "tool name with a unicode escape", auth: tok, body: call(`delete\u005ffile`), status: 403, code: insufficient},
		{name: "method with an escaped slash", auth: tok, body: `{"jsonrpc":"2.0","id":1,"method":"tools\/call","params":{"name":"delete_file"}}`, status: 403, code: insufficient},
		{name: "params before method", auth: tok, body: `{"params":{"name":"delete_file"},"id":1,"jsonrpc":"2.0","method":"tools/call"}`, status: 403, code: insufficient},
		{name: "name shadowed inside arguments", auth: tok, body: `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"arguments":{"name":"read_file"},"name":"delete_file"}}`, status: 403, code: insufficient},
		{name: "Content-Type text/plain", auth: tok, body: call("delete_file"), ctype: "text/plain", status: 403, code: insufficient},
		{name: "chunked body without Content-Length", auth: tok, body: call("delete_file"), hideCL: true, status: 403, code: insufficient},
		{name: "duplicate name, scoped last", auth: tok, body: `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"read_file","name":"delete_file"}}`, status: 400, code: invalidRequest},
		{name: "duplicate name, scoped first", auth: tok, body: `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"delete_file","name":"read_file"}}`, status: 400, code: invalidRequest},
		{name: "name in another letter case", auth: tok, body: `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"read_file","Name":"delete_file"}}`, status: 400, code: invalidRequest},
		{name: "duplicate method", auth: tok, body: `{"jsonrpc":"2.0","id":1,"method":"ping","method":"tools/call","params":{"name":"delete_file"}}`, status: 400, code: invalidRequest},
		{name: "method in another letter case", auth: tok, body: `{"jsonrpc":"2.0","id":1,"Method":"tools/call","params":{"name":"delete_file"}}`, status: 400, code: invalidRequest},
		{name: "duplicate params", auth: tok, body: `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"read_file"},"params":{"name":"delete_file"}}`, status: 400, code: invalidRequest},
		{name: "lone surrogate in the name", auth: tok, body: call(`delete_file\ud800`), status: 400, code: invalidRequest},
		{name: "name not a string", auth: tok, body: `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":["delete_file"]}}`, status: 400, code: invalidRequest},
		{name: "trailing message after the first", auth: tok, body: call("read_file") + call("delete_file"), status: 400, code: invalidRequest},
		{name: "invalid UTF-8", auth: tok, body: call("delete_file\xff"), status: 400, code: invalidRequest},
		{name: "byte order mark", auth: tok, body: "\ufeff" + call("delete_file"), status: 400, code: invalidRequest},
		{name: "body over the limit", auth: tok, body: call("delete_file") + strings.Repeat(" ", maxBody), status: 413, code: invalidRequest},
		{name: "body over the limit, chunked", auth: tok, body: strings.Repeat(" ", maxBody) + call("delete_file"), hideCL: true, status: 413, code: invalidRequest},
	}
}

// TestAdversarialToolCalls attacks the per-tool scope check: tools/call
// bodies built so that a JSON-RPC decoder downstream could see another
// method or tool name than the one the scopes were checked for, or so that
// the body escapes the check. The token carries the required scope but not
// the tool's.
func TestAdversarialToolCalls(t *testing.T) {
	r := newRig(t, rigOptions{provider: toolScopes})
	attacks := toolCallAttacks(t, r)
	rejected, accepted := runAttacks(t, r, attacks)
	t.Logf("adversarial tool-call table: %d cases (%d must not reach the MCP handler, %d controls accepted)", len(attacks), rejected, accepted)
}

// headerAttacks builds the MCP request-header table (2026-07-28 Mcp-Method,
// Mcp-Name) against a rig configured with toolScopes. Each refused case
// would reach the handler without the header check: the token may call the
// tool the body names.
func headerAttacks(t *testing.T, r *rig) []attack {
	t.Helper()
	const hm = -32020 // MCP HeaderMismatch
	tok := bearer(r.mint(t, authkittest.TokenOptions{}))
	writer := bearer(r.mint(t, authkittest.TokenOptions{Scopes: []string{requiredScope, "files:write"}}))
	meta := `"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28"}`
	call := func(name string) string {
		return `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":` + strconv.Quote(name) + `,"arguments":{},` + meta + `}}`
	}
	legacy := func(name string) string {
		return `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":` + strconv.Quote(name) + `,"arguments":{}}}`
	}
	std := func(method, name string) http.Header {
		h := http.Header{"Mcp-Protocol-Version": {"2026-07-28"}, "Mcp-Method": {method}}
		if name != "" {
			h["Mcp-Name"] = []string{name}
		}
		return h
	}
	with := func(h http.Header, k string, vs ...string) http.Header {
		h = h.Clone()
		h[k] = append(h[k], vs...)
		return h
	}
	enc := func(s string) string { return "=?base64?" + base64.StdEncoding.EncodeToString([]byte(s)) + "?=" }
	long := strings.Repeat("x", 9<<10) // over the 8 KiB Mcp-Name limit
	return []attack{
		{name: "control: 2026-07-28 call with matching headers", auth: writer, body: call("delete_file"), header: std("tools/call", "delete_file"), status: 200},
		{name: "control: header names in lower and upper case", auth: writer, body: call("delete_file"),
			header: http.Header{"mcp-protocol-version": {"2026-07-28"}, "MCP-METHOD": {"tools/call"}, "mcp-name": {"delete_file"}}, status: 200},
		{name: "control: Base64 sentinel of the body's name", auth: writer, body: call("delete_file"), header: std("tools/call", enc("delete_file")), status: 200},
		{name: "control: sentinel of a non-ASCII name", auth: writer, body: call("löschen"), header: std("tools/call", enc("löschen")), status: 200},
		{name: "control: 2025 call without headers", auth: writer, body: legacy("delete_file"), status: 200},
		{name: "Mcp-Name names an unscoped tool, body the scoped one", auth: writer, body: call("delete_file"), header: std("tools/call", "read_file"), status: 400, rpcCode: hm},
		{name: "Mcp-Name names the scoped tool, body an unscoped one", auth: tok, body: call("read_file"), header: std("tools/call", "delete_file"), status: 400, rpcCode: hm},
		{name: "2025 call with a disagreeing Mcp-Name", auth: tok, body: legacy("read_file"), header: http.Header{"Mcp-Name": {"delete_file"}}, status: 400, rpcCode: hm},
		{name: "Mcp-Name in another letter case", auth: writer, body: call("delete_file"), header: std("tools/call", "Delete_File"), status: 400, rpcCode: hm},
		{name: "Mcp-Method in another letter case", auth: writer, body: call("delete_file"), header: std("Tools/Call", "delete_file"), status: 400, rpcCode: hm},
		{name: "Mcp-Method names another method", auth: writer, body: call("delete_file"), header: std("tools/list", "delete_file"), status: 400, rpcCode: hm},
		{name: "sentinel decoding to another tool", auth: writer, body: call("delete_file"), header: std("tools/call", enc("read_file")), status: 400, rpcCode: hm},
		{name: "sentinel compared undecoded", auth: writer, body: call(enc("delete_file")), header: std("tools/call", enc("delete_file")), status: 400, rpcCode: hm},
		{name: "sentinel with invalid Base64", auth: writer, body: call("delete_file"), header: std("tools/call", "=?base64?ZGVsZXRlX2ZpbGU*?="), status: 400, rpcCode: hm},
		{name: "sentinel markers in upper case", auth: writer, body: call("delete_file"), header: std("tools/call", "=?BASE64?"+base64.StdEncoding.EncodeToString([]byte("delete_file"))+"?="), status: 400, rpcCode: hm},
		{name: "Mcp-Name twice, same value", auth: writer, body: call("delete_file"), header: with(std("tools/call", "delete_file"), "Mcp-Name", "delete_file"), status: 400, rpcCode: hm},
		{name: "Mcp-Name twice, two spellings", auth: tok, body: call("read_file"), header: with(std("tools/call", "read_file"), "mcp-name", "delete_file"), status: 400, rpcCode: hm},
		{name: "Mcp-Method twice", auth: writer, body: call("delete_file"), header: with(std("tools/call", "delete_file"), "MCP-Method", "tools/call"), status: 400, rpcCode: hm},
		{name: "MCP-Protocol-Version twice", auth: writer, body: call("delete_file"), header: with(std("tools/call", "delete_file"), "mcp-protocol-version", "2026-07-28"), status: 400, rpcCode: hm},
		{name: "oversized Mcp-Name equal to the body", auth: writer, body: call(long), header: std("tools/call", long), status: 400, rpcCode: hm},
		{name: "raw non-ASCII Mcp-Name equal to the body", auth: writer, body: call("löschen"), header: std("tools/call", "löschen"), status: 400, rpcCode: hm},
		{name: "2026-07-28 call without Mcp-Name", auth: writer, body: call("delete_file"), header: std("tools/call", ""), status: 400, rpcCode: hm},
		{name: "2026-07-28 call without Mcp-Method and Mcp-Name", auth: writer, body: call("delete_file"), header: http.Header{"Mcp-Protocol-Version": {"2026-07-28"}}, status: 400, rpcCode: hm},
		{name: "2026-07-28 body without MCP-Protocol-Version", auth: writer, body: call("delete_file"), header: http.Header{"Mcp-Method": {"tools/call"}, "Mcp-Name": {"delete_file"}}, status: 400, rpcCode: hm},
		{name: "2026-07-28 body under a 2025 version header", auth: writer, body: call("delete_file"), header: http.Header{"Mcp-Protocol-Version": {"2025-11-25"}}, status: 400, rpcCode: hm},
		{name: "2026-07-28 batch", auth: writer, body: "[" + call("delete_file") + "]", header: std("tools/call", "delete_file"), status: 400, rpcCode: hm},
		{name: "headers on a batch of two", auth: tok, body: "[" + legacy("read_file") + "," + legacy("read_file") + "]", header: http.Header{"Mcp-Method": {"tools/call"}, "Mcp-Name": {"read_file"}}, status: 400, rpcCode: hm},
	}
}

// TestAdversarialMCPHeaders attacks the check of the 2026-07-28 request
// headers against the body: a header that disagrees with the body, in any
// spelling, encoding, repetition or size, never reaches the handler.
func TestAdversarialMCPHeaders(t *testing.T) {
	r := newRig(t, rigOptions{provider: toolScopes})
	attacks := headerAttacks(t, r)
	rejected, accepted := runAttacks(t, r, attacks)
	t.Logf("adversarial MCP header table: %d cases (%d must not reach the MCP handler, %d controls accepted)", len(attacks), rejected, accepted)
}
