package hardening

import (
	"bufio"
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mcpauth/mcpauth/authkit/authkittest"
	"github.com/mcpauth/mcpauth/internal/jwttest"
	"github.com/mcpauth/mcpauth/internal/testutil"
	"github.com/mcpauth/mcpauth/remote"
)

// mcpURL is the public URL of the protected MCP endpoint in every
// suite: the expected audience. The request's Host is never used for it, so
// the loopback test server can answer for it.
const mcpURL = "https://mcp.example.com/mcp"

// requiredScope is the scope every accepted token must carry.
const requiredScope = "mcp:tools"

// rig is the system under attack: a fake AuthKit, the JWT verifier on its
// JWKS, the provider's handler with a counting MCP handler, served over
// loopback HTTP, all on one fake clock.
type rig struct {
	as      *authkittest.Server
	clock   *testutil.Clock
	logs    *testutil.LogBuffer
	v       *remote.JWTVerifier
	p       *remote.Provider
	srv     *httptest.Server
	reached atomic.Int64 // requests that got through to the MCP handler
	rec     *collector
}

type rigOptions struct {
	verifier func(*remote.JWTConfig)
	provider func(*remote.Config)
	logs     *testutil.LogBuffer // shared sink; default a new one
	rec      *collector          // records what was sent and seen, for the secrets test
}

// collector records every credential a suite sent and every body a client
// saw, so the secrets test can search logs and bodies for them.
type collector struct {
	mu      sync.Mutex
	secrets map[string]bool
	bodies  [][]byte
}

func newCollector() *collector { return &collector{secrets: map[string]bool{}} }

// sent records Authorization values: the whole value, the credentials
// after the scheme, and for JWT-shaped credentials the signature part.
func (c *collector) sent(values ...string) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, v := range values {
		c.secret(v)
		if _, cred, ok := strings.Cut(v, " "); ok {
			cred = strings.TrimLeft(cred, " ")
			c.secret(cred)
			if i := strings.LastIndexByte(cred, '.'); i >= 0 {
				c.secret(cred[i+1:])
			}
		}
	}
}

// secretValue records one secret (a client secret, a code).
func (c *collector) secretValue(s string) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.secret(s)
}

// secret keeps s when it is long enough to be a meaningful needle.
func (c *collector) secret(s string) {
	if len(s) >= 16 {
		c.secrets[s] = true
	}
}

func (c *collector) saw(body []byte) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.bodies = append(c.bodies, body)
}

func newRig(tb testing.TB, opts rigOptions) *rig {
	tb.Helper()
	as := authkittest.Start(tb)
	clk := jwttest.NewClock()
	as.SetClock(clk.Now)
	r := &rig{as: as, clock: clk, logs: opts.logs, rec: opts.rec}
	if r.logs == nil {
		r.logs = &testutil.LogBuffer{}
	}
	vcfg := remote.JWTConfig{
		JWKSURL:    as.JWKSURL(),
		Issuer:     as.Issuer(),
		Audiences:  []string{mcpURL},
		HTTPClient: as.Client(),
		Now:        clk.Now,
		Logger:     r.logs.Logger(),
	}
	if opts.verifier != nil {
		opts.verifier(&vcfg)
	}
	v, err := remote.NewJWTVerifier(vcfg)
	if err != nil {
		tb.Fatalf("NewJWTVerifier: %v", err)
	}
	tb.Cleanup(func() { _ = v.Close() })
	r.v = v
	pcfg := remote.Config{
		MCPURL:               mcpURL,
		AuthorizationServers: []string{as.Issuer()},
		Verifier:             v,
		RequiredScopes:       []string{requiredScope},
		Logger:               r.logs.Logger(),
	}
	if opts.provider != nil {
		opts.provider(&pcfg)
	}
	p, err := remote.New(pcfg)
	if err != nil {
		tb.Fatalf("remote.New: %v", err)
	}
	r.p = p
	r.srv = httptest.NewServer(p.Handler(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.reached.Add(1)
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"jsonrpc":"2.0","id":1,"result":{}}`)
	})))
	tb.Cleanup(r.srv.Close)
	tb.Cleanup(func() {
		if tb.Failed() {
			tb.Logf("logs:\n%s", r.logs.String())
		}
	})
	return r
}

// mint signs a token AuthKit would issue for this resource with the
// required scope, changed by opts.
func (r *rig) mint(tb testing.TB, opts authkittest.TokenOptions) string {
	tb.Helper()
	if opts.Audience == nil {
		opts.Audience = []string{mcpURL}
	}
	if opts.Scopes == nil {
		opts.Scopes = []string{requiredScope}
	}
	return r.as.MustMint(tb, opts)
}

// claims returns the claims of a valid token at the rig's clock, with
// overrides applied (a nil value deletes).
func (r *rig) claims(overrides map[string]any) map[string]any {
	now := r.clock.Now()
	return jwttest.With(map[string]any{
		"iss":   r.as.Issuer(),
		"sub":   "user_01HARDENING",
		"aud":   mcpURL,
		"sid":   "consent_01",
		"jti":   "jti_01",
		"iat":   now.Unix(),
		"exp":   now.Add(5 * time.Minute).Unix(),
		"scope": requiredScope,
	}, overrides)
}

// response is what a client saw.
type response struct {
	status  int
	header  http.Header
	body    []byte
	errCode string // the RFC 6750 error parameter of WWW-Authenticate
}

func readResponse(tb testing.TB, resp *http.Response) response {
	tb.Helper()
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		tb.Fatalf("read body: %v", err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: body, errCode: challengeParam(resp.Header.Get("WWW-Authenticate"), "error")}
}

// challengeParam extracts param="value" from a Bearer challenge.
func challengeParam(challenge, param string) string {
	i := strings.Index(challenge, " "+param+`="`)
	if i < 0 {
		i = strings.Index(challenge, ","+param+`="`)
	}
	if i < 0 {
		return ""
	}
	rest := challenge[i+len(param)+3:]
	j := strings.IndexByte(rest, '"')
	if j < 0 {
		return ""
	}
	return rest[:j]
}

// bodyError is the "error" member of a JSON error body.
func bodyError(body []byte) string {
	var v struct {
		Error string `json:"error"`
	}
	_ = json.Unmarshal(body, &v)
	return v.Error
}

// send sends one request to the rig's MCP endpoint. auth lists the
// Authorization header values (none when empty).
func (r *rig) send(tb testing.TB, method, query string, auth []string, body io.Reader, hdr http.Header) response {
	tb.Helper()
	u := r.srv.URL + "/mcp"
	if query != "" {
		u += "?" + query
	}
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		tb.Fatal(err)
	}
	for k, vs := range hdr {
		req.Header[k] = vs
	}
	if len(auth) > 0 {
		req.Header["Authorization"] = auth
	}
	if req.Header.Get("Content-Type") == "" && body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	r.rec.sent(auth...)
	resp, err := r.srv.Client().Do(req)
	if err != nil {
		tb.Fatalf("%s %s: %v", method, u, err)
	}
	out := readResponse(tb, resp)
	r.rec.saw(out.body)
	return out
}

// sendRaw writes raw request bytes on a new connection: for requests that
// net/http's client refuses to send (control bytes in a header).
func (r *rig) sendRaw(tb testing.TB, raw string) response {
	tb.Helper()
	conn, err := net.Dial("tcp", r.srv.Listener.Addr().String())
	if err != nil {
		tb.Fatal(err)
	}
	defer conn.Close()
	if _, err := io.WriteString(conn, raw); err != nil {
		tb.Fatal(err)
	}
	for _, line := range strings.Split(raw, "\r\n") {
		if v, ok := strings.CutPrefix(line, "Authorization: "); ok {
			r.rec.sent(v)
		}
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		tb.Fatalf("raw request: %v", err)
	}
	out := readResponse(tb, resp)
	r.rec.saw(out.body)
	return out
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func mustJSON(tb testing.TB, v any) string {
	tb.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		tb.Fatal(err)
	}
	return string(b)
}

// signRaw builds a compact JWS over exactly the header and payload JSON
// given (see [jwttest.Sign]).
func signRaw(tb testing.TB, alg string, key crypto.Signer, header, payload string) string {
	tb.Helper()
	return jwttest.MustSign(tb, alg, key, header, payload)
}

// selfSigned returns a DER certificate for key, for x5c headers.
func selfSigned(tb testing.TB, key *rsa.PrivateKey) []byte {
	tb.Helper()
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "attacker"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		tb.Fatal(err)
	}
	return der
}

func newECKey(tb testing.TB) *ecdsa.PrivateKey {
	tb.Helper()
	return jwttest.Shared().EC256
}

// keyURLServer stands for an attacker's server named in jku/x5u headers. It
// serves the attacker's key set and counts every request it receives.
type keyURLServer struct {
	*httptest.Server
	hits atomic.Int64
}

func newKeyURLServer(tb testing.TB, jwks []byte) *keyURLServer {
	tb.Helper()
	s := &keyURLServer{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		s.hits.Add(1)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(jwks)
	}))
	tb.Cleanup(s.Close)
	return s
}

// withKid re-encodes token's header with another kid, keeping payload and
// signature: the key lookup, which comes before the signature check, sees
// the new kid. It costs no signing, so floods stay cheap.
func withKid(tb testing.TB, token, kid string) string {
	tb.Helper()
	parts := strings.SplitN(token, ".", 3)
	raw, err := base64.RawURLEncoding.DecodeString(parts[0])
	if err != nil {
		tb.Fatal(err)
	}
	hdr := map[string]any{}
	if err := json.Unmarshal(raw, &hdr); err != nil {
		tb.Fatal(err)
	}
	hdr["kid"] = kid
	return b64([]byte(mustJSON(tb, hdr))) + "." + parts[1] + "." + parts[2]
}
