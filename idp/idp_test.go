package idp_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mcpauth/mcpauth/authkit/authkittest"
	"github.com/mcpauth/mcpauth/idp"
	"github.com/mcpauth/mcpauth/remote"
	"github.com/mcpauth/mcpauth/remote/rules"
)

const mcpURL = "http://127.0.0.1:8932/mcp"

func newIDP(tb testing.TB, ak *authkittest.Server, mutate func(*idp.Config)) *idp.Provider {
	tb.Helper()
	cfg := idp.Config{Issuer: ak.Issuer(), MCPURL: mcpURL, HTTPClient: ak.Client()}
	if mutate != nil {
		mutate(&cfg)
	}
	p, err := idp.New(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = p.Close() })
	return p
}

func post(tb testing.TB, h http.Handler, token string) *httptest.ResponseRecorder {
	tb.Helper()
	r := httptest.NewRequest(http.MethodPost, mcpURL, strings.NewReader(`{}`))
	if token != "" {
		r.Header.Set("Authorization", "Bearer "+token)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

var subjectEcho = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	id, _ := remote.IdentityFromContext(r.Context())
	_, _ = w.Write([]byte(id.Subject()))
})

func TestNewValidation(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  idp.Config
		want string
	}{
		{"no issuer", idp.Config{MCPURL: mcpURL}, "Config.Issuer is empty"},
		{"no resource", idp.Config{Issuer: "https://issuer.example.com"}, "Config.MCPURL is empty"},
		{"bad issuer", idp.Config{Issuer: "ftp://issuer.example.com", MCPURL: mcpURL}, "idp: "},
		{"bad JWKS URL", idp.Config{Issuer: "https://issuer.example.com", MCPURL: mcpURL, JWKSURL: "http://keys.example.com/jwks"}, "Config.JWKSURL"},
		{"HS256 allowed", idp.Config{Issuer: "https://issuer.example.com", MCPURL: mcpURL, JWKSURL: "https://issuer.example.com/jwks", Algorithms: []string{"HS256"}}, "idp: "},
		{"role rule without a roles claim", idp.Config{Issuer: "https://issuer.example.com", MCPURL: mcpURL, ToolRules: map[string]rules.Rule{"x": rules.AnyRole("admin")}}, `tool "x": AnyRole needs roles, but Claims.Roles names no claim`},
		{"membership rule without a directory", idp.Config{Issuer: "https://issuer.example.com", MCPURL: mcpURL, Claims: rules.ClaimNames{Organization: []rules.Claim{rules.StringClaim("org")}}, Rule: rules.ActiveMembership()}, "needs a Directory"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := idp.New(tc.cfg)
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "idp: ") {
				t.Fatalf("err = %v, want one containing %q", err, tc.want)
			}
		})
	}
}

// TestDiscovery uses authkittest as a plain issuer: no JWKS URL is
// configured, so keys come from the metadata's jwks_uri.
func TestDiscovery(t *testing.T) {
	ak := authkittest.Start(t)
	ak.SetUser(authkittest.User{ID: "user_01GENERIC"})
	var mu sync.Mutex
	now := time.Now()
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	p := newIDP(t, ak, func(c *idp.Config) { c.Now = clock })
	h := p.Handler(subjectEcho)

	ak.ResetRequests()
	tok := ak.MustMint(t, authkittest.TokenOptions{Audience: []string{mcpURL}})
	w := post(t, h, tok)
	if w.Code != 200 || w.Body.String() != "user_01GENERIC" {
		t.Fatalf("status %d, body %q", w.Code, w.Body)
	}
	var paths []string
	for _, r := range ak.Requests() {
		paths = append(paths, r.Path)
	}
	if len(paths) < 2 || paths[0] != "/.well-known/oauth-authorization-server" || paths[1] != "/oauth2/jwks" {
		t.Errorf("requests = %v, want metadata then JWKS", paths)
	}

	// Wrong audience, wrong issuer: 401.
	for name, opts := range map[string]authkittest.TokenOptions{
		"audience": {Audience: []string{"https://elsewhere.example.com/mcp"}},
		"issuer":   {Audience: []string{mcpURL}, Issuer: "https://evil.example.com"},
	} {
		if w := post(t, h, ak.MustMint(t, opts)); w.Code != 401 {
			t.Errorf("%s: status %d", name, w.Code)
		}
	}
	// Key rotation is followed (after the unknown-key cooldown).
	ak.RotateKey()
	mu.Lock()
	now = now.Add(time.Minute)
	mu.Unlock()
	if w := post(t, h, ak.MustMint(t, authkittest.TokenOptions{Audience: []string{mcpURL}})); w.Code != 200 {
		t.Errorf("after rotation: status %d", w.Code)
	}
	// The forwarded metadata and PRM are served outside the bearer check.
	for _, path := range []string{"/.well-known/oauth-authorization-server", "/.well-known/oauth-protected-resource/mcp", "/.well-known/oauth-protected-resource"} {
		r := httptest.NewRequest(http.MethodGet, "http://127.0.0.1:8932"+path, nil)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != 200 {
			t.Errorf("%s: %d", path, w.Code)
		}
	}
	if got := len(p.Routes()); got != 3 {
		t.Errorf("Routes() has %d routes, want 3 (two PRM, AS metadata)", got)
	}
}

func TestDiscoveryOutage(t *testing.T) {
	ak := authkittest.Start(t)
	p := newIDP(t, ak, nil)
	h := p.Handler(subjectEcho)
	tok := ak.MustMint(t, authkittest.TokenOptions{Audience: []string{mcpURL}})

	// Metadata down before discovery (at every location): 503, not 401.
	ak.SetFault("/.well-known/oauth-authorization-server", authkittest.Fault{Status: http.StatusServiceUnavailable})
	ak.SetFault("/.well-known/openid-configuration", authkittest.Fault{Status: http.StatusServiceUnavailable})
	if w := post(t, h, tok); w.Code != http.StatusServiceUnavailable {
		t.Fatalf("metadata down: status %d, want 503", w.Code)
	}
	if err := p.Prime(context.Background()); err == nil {
		t.Error("Prime succeeded with the metadata down")
	}
	_, err := p.VerifyToken(context.Background(), tok)
	if !errors.Is(err, remote.ErrUnavailable) {
		t.Errorf("VerifyToken: %v, want ErrUnavailable", err)
	}

	// Metadata without jwks_uri: unavailable, and Check says so.
	ak.ClearFault("/.well-known/oauth-authorization-server")
	ak.ClearFault("/.well-known/openid-configuration")
	ak2 := authkittest.Start(t)
	ak2.SetMetadataOverrides(map[string]any{"jwks_uri": nil})
	p2 := newIDP(t, ak2, nil)
	tok2 := ak2.MustMint(t, authkittest.TokenOptions{Audience: []string{mcpURL}})
	if _, err := p2.VerifyToken(context.Background(), tok2); !errors.Is(err, remote.ErrKeysUnavailable) {
		t.Errorf("no jwks_uri: %v", err)
	}
	if !hasFinding(p2.Check(context.Background()), remote.FindingNoJWKSURI) {
		t.Error("Check does not report the missing jwks_uri")
	}

	// A jwks_uri the verifier refuses (plain http off loopback): unavailable,
	// every time, without fetching anything there.
	ak3 := authkittest.Start(t)
	ak3.SetMetadataOverrides(map[string]any{"jwks_uri": "http://keys.example.com/jwks"})
	var elsewhere atomic.Int32 // requests to any host but the fake AuthKit
	base := ak3.Client().Transport
	hc := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		if r.URL.Host != strings.TrimPrefix(ak3.URL(), "http://") {
			elsewhere.Add(1)
		}
		return base.RoundTrip(r)
	})}
	p3 := newIDP(t, ak3, func(c *idp.Config) { c.HTTPClient = hc })
	tok3 := ak3.MustMint(t, authkittest.TokenOptions{Audience: []string{mcpURL}})
	for range 2 {
		if _, err := p3.VerifyToken(context.Background(), tok3); !errors.Is(err, remote.ErrKeysUnavailable) {
			t.Errorf("unusable jwks_uri: %v", err)
		}
	}
	if n := elsewhere.Load(); n != 0 {
		t.Errorf("%d request(s) sent to the unusable jwks_uri's host", n)
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestExplicitJWKSURL(t *testing.T) {
	ak := authkittest.Start(t)
	p := newIDP(t, ak, func(c *idp.Config) { c.JWKSURL = ak.JWKSURL() })
	// Metadata down: keys are still found, tokens still verified.
	ak.SetFault("/.well-known/oauth-authorization-server", authkittest.Fault{Status: http.StatusServiceUnavailable})
	tok := ak.MustMint(t, authkittest.TokenOptions{Audience: []string{mcpURL}})
	if w := post(t, p.Handler(subjectEcho), tok); w.Code != 200 {
		t.Fatalf("status %d", w.Code)
	}
	ak.ClearFault("/.well-known/oauth-authorization-server")

	// A JWKS URL that differs from the metadata's is reported.
	p2 := newIDP(t, ak, func(c *idp.Config) { c.JWKSURL = ak.URL() + "/other/jwks" })
	fs := p2.Check(context.Background())
	if !hasFinding(fs, remote.FindingJWKSURIMismatch) || !hasFinding(fs, remote.FindingJWKSUnavailable) {
		t.Errorf("findings = %v", fs)
	}
}

func TestCheckHealthy(t *testing.T) {
	ak := authkittest.Start(t)
	p := newIDP(t, ak, nil)
	if fs := p.Check(context.Background()); len(fs) != 0 {
		t.Errorf("findings on a healthy issuer: %v", fs)
	}
	// Forward's findings come through, most severe first.
	ak.SetDCR(false)
	ak.SetCIMD(false)
	ak.SetFault("/oauth2/jwks", authkittest.Fault{Status: 200, Body: []byte(`{"keys":[{"kty":"RSA","kid":"k","use":"enc","n":"AQAB","e":"AQAB"}]}`)})
	p2 := newIDP(t, ak, nil)
	fs := p2.Check(context.Background())
	if !hasFinding(fs, remote.FindingNoRegistration) || !hasFinding(fs, remote.FindingNoSigningKey) {
		t.Errorf("findings = %v", fs)
	}
	if !slices.IsSortedFunc(fs, func(a, b remote.Finding) int { return int(b.Severity) - int(a.Severity) }) {
		t.Errorf("findings not ordered most severe first: %v", fs)
	}
}

// Check judges the keys with the verifier the server uses: after Prime it
// fetches nothing again, and it agrees with the verifier on what is usable
// (a key set served as text/plain verifies tokens, so Check is silent).
func TestCheckUsesTheVerifiersKeys(t *testing.T) {
	ak := authkittest.Start(t)
	p := newIDP(t, ak, nil)
	if err := p.Prime(context.Background()); err != nil {
		t.Fatal(err)
	}
	jwks := func() (n int) {
		for _, r := range ak.Requests() {
			if r.Path == "/oauth2/jwks" {
				n++
			}
		}
		return n
	}
	before := jwks()
	if fs := p.Check(context.Background()); len(fs) != 0 {
		t.Errorf("findings after Prime: %v", fs)
	}
	if n := jwks() - before; n != 0 {
		t.Errorf("Check fetched the JWKS %d more time(s) after Prime", n)
	}

	body, _ := json.Marshal(ak.JWKS())
	ak.SetFault("/oauth2/jwks", authkittest.Fault{Status: 200, ContentType: "text/plain", Body: body})
	p2 := newIDP(t, ak, nil)
	if fs := p2.Check(context.Background()); len(fs) != 0 {
		t.Errorf("findings for a text/plain key set the verifier accepts: %v", fs)
	}
	tok := ak.MustMint(t, authkittest.TokenOptions{Audience: []string{p2.MCPURL()}})
	if w := post(t, p2.Handler(subjectEcho), tok); w.Code != http.StatusOK {
		t.Errorf("token against the text/plain key set: %d", w.Code)
	}
}

func TestClose(t *testing.T) {
	ak := authkittest.Start(t)
	p := newIDP(t, ak, nil)
	tok := ak.MustMint(t, authkittest.TokenOptions{Audience: []string{mcpURL}})
	if _, err := p.VerifyToken(context.Background(), tok); err != nil {
		t.Fatal(err)
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	// Closed before discovery: nothing is fetched any more.
	p2 := newIDP(t, ak, nil)
	_ = p2.Close()
	ak.ResetRequests()
	if _, err := p2.VerifyToken(context.Background(), tok); !errors.Is(err, remote.ErrKeysUnavailable) {
		t.Errorf("after Close: %v", err)
	}
	if n := len(ak.Requests()); n != 0 {
		t.Errorf("%d requests after Close", n)
	}
}

func hasFinding(fs []remote.Finding, id string) bool {
	for _, f := range fs {
		if f.ID == id {
			return true
		}
	}
	return false
}

// TestAllowRequirePrincipal: a tool's own decisions and a route's rules
// read the claims where Config.Claims says, for this provider's tokens
// only.
func TestAllowRequirePrincipal(t *testing.T) {
	ak := authkittest.Start(t)
	p := newIDP(t, ak, func(c *idp.Config) {
		c.Claims = rules.ClaimNames{Roles: []rules.Claim{rules.StringsClaim("realm_access", "roles")}}
	})
	other := newIDP(t, ak, nil)
	var allow, allowOther error
	var roles []string
	h := p.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		allow = p.Allow(r.Context(), rules.AnyRole("admin"))
		allowOther = other.Allow(r.Context(), rules.AnyRole("admin"))
		if pr, err := p.Principal(r.Context()); err == nil {
			roles = pr.Roles()
		}
	}))
	tok := func(roles any) string {
		return ak.MustMintFor(t, mcpURL, authkittest.TokenOptions{Claims: map[string]any{"realm_access": map[string]any{"roles": roles}}})
	}
	if w := post(t, h, tok([]any{"admin", "user"})); w.Code != http.StatusOK || allow != nil || !slices.Equal(roles, []string{"admin", "user"}) {
		t.Errorf("admin: %d, Allow %v, roles %v", w.Code, allow, roles)
	}
	var re *remote.Error
	if !errors.As(allowOther, &re) || re.Status != http.StatusUnauthorized {
		t.Errorf("another provider's Allow = %v, want 401", allowOther)
	}
	if post(t, h, tok([]any{"user"})); !errors.As(allow, &re) || re.Status != http.StatusForbidden || re.Description != "requires role: admin" {
		t.Errorf("user: Allow = %v", allow)
	}
	if _, err := p.Principal(context.Background()); !errors.Is(err, remote.ErrNoIdentity) {
		t.Errorf("Principal without a token: %v", err)
	}

	admin := p.Require(rules.AnyRole("admin"))(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	for _, c := range []struct {
		roles any
		want  int
	}{{[]any{"admin"}, 200}, {[]any{"user"}, 403}, {"admin", 403}} {
		if w := post(t, admin, tok(c.roles)); w.Code != c.want {
			t.Errorf("Require with roles %v: %d, want %d", c.roles, w.Code, c.want)
		}
	}
	if w := post(t, admin, ""); w.Code != http.StatusUnauthorized {
		t.Errorf("Require without a token: %d", w.Code)
	}
}
