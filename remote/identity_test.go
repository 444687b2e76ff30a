package remote

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/mcpauth/mcpauth/internal/testutil"
)

// serveOnce runs h for one request with token and returns the recorder.
func serveOnce(h http.Handler, token, body string) *httptest.ResponseRecorder {
	var r *http.Request
	if body == "" {
		r = httptest.NewRequest(http.MethodPost, "/mcp", nil)
	} else {
		r = httptest.NewRequest(http.MethodPost, "/mcp", strings.NewReader(body))
	}
	if token != "" {
		r.Header.Set("Authorization", "Bearer "+token)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

// TestIdentityFromContextSaysWhy: without an identity every accessor
// returns an error wrapping ErrNoIdentity (and ErrMissingToken, so
// WriteError answers 401) whose text says why; it never panics and never
// returns an earlier request's identity.
func TestIdentityFromContextSaysWhy(t *testing.T) {
	p := newTestProvider(t, nil)
	other := newTestProvider(t, nil)

	var kept context.Context // a context kept past its request, as go-sdk keeps a session's
	var ownErr, otherErr error
	h := p.Middleware(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		kept = r.Context()
		_, ownErr = p.Identity(r.Context())
		_, otherErr = other.Identity(r.Context())
	}))
	if w := serveOnce(h, "good", ""); w.Code != http.StatusOK {
		t.Fatalf("status %d", w.Code)
	}
	if ownErr != nil {
		t.Fatalf("p.Identity inside its own middleware: %v", ownErr)
	}

	var nilCtx context.Context
	for _, tc := range []struct {
		name string
		get  func() (*Identity, error)
		why  string
	}{
		{"nil context", func() (*Identity, error) { return IdentityFromContext(nilCtx) }, "no provider middleware"},
		{"no middleware ran", func() (*Identity, error) { return IdentityFromContext(context.Background()) }, "no provider middleware"},
		{"request ended", func() (*Identity, error) { return IdentityFromContext(kept) }, "has ended"},
		{"explicitly none", func() (*Identity, error) { return IdentityFromContext(ContextWithIdentity(kept, nil)) }, "carries no verified token"},
		{"another provider's", func() (*Identity, error) { return nil, otherErr }, "another provider"},
		{"not verified by a provider", func() (*Identity, error) {
			return p.Identity(ContextWithTokenInfo(context.Background(), &TokenInfo{Subject: "user_1"}))
		}, "another provider"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			id, err := tc.get()
			if id != nil || !errors.Is(err, ErrNoIdentity) || !errors.Is(err, ErrMissingToken) || !strings.Contains(err.Error(), tc.why) {
				t.Fatalf("got %v, %v; want an ErrNoIdentity saying %q", id, err, tc.why)
			}
			w := httptest.NewRecorder()
			p.WriteError(w, httptest.NewRequest(http.MethodGet, "/", nil), err)
			if w.Code != http.StatusUnauthorized || strings.Contains(w.Body.String(), tc.why) {
				t.Errorf("WriteError: %d %q, want a 401 without the reason", w.Code, w.Body)
			}
		})
	}

	// A nil identity answers zero values.
	var id *Identity
	if id.Subject() != "" || id.Issuer() != "" || id.Scopes() != nil || id.HasScope("mcp:read") || id.Claims() != nil ||
		id.Owner() != "" || id.TokenInfo() != nil || !id.Expiry().IsZero() {
		t.Error("a nil identity answered something")
	}
	if _, ok := id.Claim("sub"); ok {
		t.Error("a nil identity has a claim")
	}
	if _, ok := id.StringsClaim("roles"); ok {
		t.Error("a nil identity has a claim")
	}
}

// TestEndedIdentityWarnsOnce: reading an identity after its request ended
// (the sign of a go-sdk server mounted without gosdk.Handler) is logged
// once per provider, with the fix.
func TestEndedIdentityWarnsOnce(t *testing.T) {
	logs := &testutil.LogBuffer{}
	p := newTestProvider(t, func(c *Config) { c.Logger = logs.Logger() })
	var kept context.Context
	h := p.Middleware(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) { kept = r.Context() }))
	serveOnce(h, "good", "")
	for range 3 {
		if _, err := IdentityFromContext(kept); err == nil {
			t.Fatal("an ended request's identity")
		}
	}
	if n := logs.Count("mount go-sdk servers with gosdk.Handler"); n != 1 {
		t.Errorf("%d warnings, want 1:\n%s", n, logs)
	}
	if strings.Contains(logs.String(), "good") {
		t.Error("the warning holds the token")
	}
}

// TestProvidersAcceptOnlyTheirOwnIdentity: two providers with different
// audiences on one mux. Behind A's middleware, B's RequireScopes does not
// take A's identity: it verifies the request itself, so a token issued for
// A's audience is refused, and a token for both audiences is verified by
// both.
func TestProvidersAcceptOnlyTheirOwnIdentity(t *testing.T) {
	const audA, audB = "https://a.example.com/mcp", "https://b.example.com/mcp"
	calls := map[string]int{}
	var mu sync.Mutex
	verifier := func(name string) TokenVerifierFunc {
		return func(_ context.Context, token string) (*TokenInfo, error) {
			mu.Lock()
			calls[name]++
			mu.Unlock()
			info := &TokenInfo{Subject: "user_1", Issuer: testAS, Scopes: []string{"mcp:read", "mcp:admin"}}
			switch token {
			case "for-a":
				info.Audiences = []string{audA}
			case "for-both":
				info.Audiences = []string{audA, audB}
			default:
				return nil, ErrInvalidToken
			}
			return info, nil
		}
	}
	a := MustNew(Config{MCPURL: audA, AuthorizationServers: []string{testAS}, Verifier: verifier("a")})
	b := MustNew(Config{MCPURL: audB, AuthorizationServers: []string{testAS}, Verifier: verifier("b")})
	var sawB *Identity
	inner := http.NewServeMux()
	inner.Handle("/b", b.RequireScopes("mcp:admin")(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sawB, _ = b.Identity(r.Context())
		_, _ = w.Write([]byte("b"))
	})))
	mux := http.NewServeMux()
	mux.Handle("/b", a.Middleware(inner))

	get := func(token string) int {
		r := httptest.NewRequest(http.MethodGet, "/b", nil)
		r.Header.Set("Authorization", "Bearer "+token)
		w := httptest.NewRecorder()
		mux.ServeHTTP(w, r)
		return w.Code
	}
	if code := get("for-a"); code != http.StatusUnauthorized {
		t.Errorf("A's token on B's route = %d, want 401 (B's audience check)", code)
	}
	if code := get("for-both"); code != http.StatusOK || sawB == nil || !sawB.HasScope("mcp:admin") {
		t.Errorf("a token for both = %d (B saw %v), want 200 with B's identity", code, sawB)
	}
	if calls["a"] != 2 || calls["b"] != 2 {
		t.Errorf("verifications a=%d b=%d, want 2 each: B verifies what A let through", calls["a"], calls["b"])
	}
}

// TestIdentityIsReadOnly: the verified state is shared by every request
// with the same token (as the token cache shares it). Whatever a handler
// does with what it gets changes nothing another request sees or decides,
// and handlers doing it concurrently do not race.
func TestIdentityIsReadOnly(t *testing.T) {
	shared := &TokenInfo{
		Subject: "user_1", Issuer: testAS, Scopes: []string{"mcp:read"}, Audiences: []string{testResource},
		Claims: map[string]any{"sub": "user_1", "permissions": []any{"repos:read"}, "org": map[string]any{"id": "org_1"}, "roles": []string{"member"}},
	}
	p := newTestProvider(t, func(c *Config) {
		c.Verifier = TokenVerifierFunc(func(context.Context, string) (*TokenInfo, error) { return shared, nil })
		c.ToolScopes = map[string][]string{"admin_echo": {"mcp:admin"}}
	})
	tamper := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, err := IdentityFromContext(r.Context())
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		s := id.Scopes()
		s[0] = "mcp:admin"
		_ = append(s, "mcp:admin")
		id.Audiences()[0] = "https://evil.example"
		c := id.Claims()
		c["permissions"].([]any)[0] = "repos:delete"
		c["org"].(map[string]any)["id"] = "org_evil"
		c["sub"] = "user_admin"
		if v, ok := id.Claim("permissions"); ok {
			v.([]any)[0] = "repos:delete"
		}
		if v, ok := id.Claim("org"); ok {
			v.(map[string]any)["id"] = "org_evil"
		}
		if l, ok := id.StringsClaim("roles"); ok {
			l[0] = "admin"
		}
		ti := id.TokenInfo()
		ti.Scopes[0], ti.Subject = "mcp:admin", "user_admin"
		ti.Claims["permissions"].([]any)[0] = "repos:delete"
		w.WriteHeader(http.StatusOK)
	})
	h := p.Middleware(tamper)
	call := `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"admin_echo"}}`

	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 50 {
				if w := serveOnce(h, "tok", ""); w.Code != http.StatusOK {
					t.Errorf("tamper: %d %s", w.Code, w.Body)
					return
				}
			}
		}()
	}
	wg.Wait()

	if w := serveOnce(h, "tok", call); w.Code != http.StatusForbidden {
		t.Errorf("admin_echo after tampering = %d, want 403", w.Code)
	}
	if w := serveOnce(p.RequireScopes("mcp:admin")(tamper), "tok", ""); w.Code != http.StatusForbidden {
		t.Errorf("RequireScopes(mcp:admin) after tampering = %d, want 403", w.Code)
	}
	want := &TokenInfo{
		Subject: "user_1", Issuer: testAS, Scopes: []string{"mcp:read"}, Audiences: []string{testResource},
		Claims: map[string]any{"sub": "user_1", "permissions": []any{"repos:read"}, "org": map[string]any{"id": "org_1"}, "roles": []string{"member"}},
	}
	if !tokenInfoEqual(shared, want) {
		t.Errorf("the shared token info changed: %+v", shared)
	}
	// VerifyToken hands out a copy too.
	got, err := p.VerifyToken(context.Background(), "tok")
	if err != nil {
		t.Fatal(err)
	}
	got.Scopes[0] = "mcp:admin"
	got.Claims["permissions"].([]any)[0] = "repos:delete"
	if !tokenInfoEqual(shared, want) {
		t.Errorf("VerifyToken's result shares state: %+v", shared)
	}
}

func tokenInfoEqual(a, b *TokenInfo) bool {
	return a.Subject == b.Subject && a.Issuer == b.Issuer && slices.Equal(a.Scopes, b.Scopes) && slices.Equal(a.Audiences, b.Audiences) &&
		a.Claims["sub"] == b.Claims["sub"] &&
		slices.Equal(a.Claims["permissions"].([]any), b.Claims["permissions"].([]any)) &&
		a.Claims["org"].(map[string]any)["id"] == b.Claims["org"].(map[string]any)["id"] &&
		slices.Equal(a.Claims["roles"].([]string), b.Claims["roles"].([]string))
}

// TestOwner: the session owner names issuer and subject; behind a
// MultiIssuer the issuer is the one the token was routed to, whatever the
// verifier reported; a token without subject owns by its own hash.
func TestOwner(t *testing.T) {
	const issA, issB = "https://a.example.com", "https://b.example.com"
	tokA, tokB := testJWT(`{"iss":"`+issA+`"}`), testJWT(`{"iss":"`+issB+`"}`)
	reported := map[string]string{tokA: "", tokB: issA} // B's verifier wrongly claims A's issuer
	v := TokenVerifierFunc(func(_ context.Context, tok string) (*TokenInfo, error) {
		return &TokenInfo{Subject: "user_1", Issuer: reported[tok], Audiences: []string{testResource}}, nil
	})
	multi, err := NewMultiIssuer(MultiIssuerConfig{Verifiers: map[string]TokenVerifier{issA: v, issB: v}})
	if err != nil {
		t.Fatal(err)
	}
	p := newTestProvider(t, func(c *Config) { c.Verifier = multi; c.RequiredScopes = nil })
	owner := func(tok string) (string, string) {
		var o, iss string
		serveOnce(p.Middleware(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
			id, _ := IdentityFromContext(r.Context())
			o, iss = id.Owner(), id.Issuer()
		})), tok, "")
		return o, iss
	}
	if o, iss := owner(tokA); o != `["https://a.example.com","user_1"]` || iss != issA {
		t.Errorf("A's owner %s issuer %s", o, iss)
	}
	if o, iss := owner(tokB); o != `["https://b.example.com","user_1"]` || iss != issB {
		t.Errorf("B's owner %s issuer %s, want B's whatever its verifier reported", o, iss)
	}

	// Without subject: bound to the token itself.
	s1 := p.newScope(&TokenInfo{Issuer: issA}, "", "opaque-1")
	s1again := p.newScope(&TokenInfo{Issuer: issA}, "", "opaque-1")
	s2 := p.newScope(&TokenInfo{Issuer: issA}, "", "opaque-2")
	o1, o2 := s1.id.Owner(), s2.id.Owner()
	if o1 == o2 || o1 != s1again.id.Owner() || !strings.HasPrefix(o1, `["https://a.example.com","","token-sha256:`) || len(o1) < 64 {
		t.Errorf("owners without subject: %s, %s", o1, o2)
	}
	if strings.Contains(o1, "opaque-1") {
		t.Error("the owner holds the token")
	}
}

// TestTokenInfoClone: a clone shares no slice or map with its original.
func TestTokenInfoClone(t *testing.T) {
	orig := &TokenInfo{Subject: "u", Scopes: []string{"a"}, Audiences: []string{"x"},
		Claims: map[string]any{"l": []any{"p", map[string]any{"k": "v"}}, "s": []string{"r"}, "n": 1.0}}
	c := orig.Clone()
	c.Scopes[0], c.Audiences[0] = "b", "y"
	l := c.Claims["l"].([]any)
	l[0] = "q"
	l[1].(map[string]any)["k"] = "w"
	c.Claims["s"].([]string)[0] = "t"
	c.Claims["n"] = 2.0
	if orig.Scopes[0] != "a" || orig.Audiences[0] != "x" || orig.Claims["l"].([]any)[0] != "p" ||
		orig.Claims["l"].([]any)[1].(map[string]any)["k"] != "v" || orig.Claims["s"].([]string)[0] != "r" || orig.Claims["n"] != 1.0 {
		t.Errorf("the original changed: %+v", orig)
	}
	if (*TokenInfo)(nil).Clone() != nil {
		t.Error("a nil clone")
	}
}

// TestStringsClaim: only an array of strings is one; nothing is converted.
func TestStringsClaim(t *testing.T) {
	id, _ := IdentityFromContext(ContextWithTokenInfo(context.Background(), &TokenInfo{Claims: map[string]any{
		"list": []any{"a", "b"}, "typed": []string{"c"}, "str": "a", "mixed": []any{"a", 1.0}, "empty": []any{},
	}}))
	for name, want := range map[string][]string{"list": {"a", "b"}, "typed": {"c"}, "empty": {}} {
		if got, ok := id.StringsClaim(name); !ok || !slices.Equal(got, want) {
			t.Errorf("%s = %v, %v", name, got, ok)
		}
	}
	for _, name := range []string{"str", "mixed", "absent"} {
		if got, ok := id.StringsClaim(name); ok {
			t.Errorf("%s = %v, want not an array of strings", name, got)
		}
	}
	if s, ok := id.StringClaim("str"); !ok || s != "a" {
		t.Errorf("StringClaim = %q %v", s, ok)
	}
	if _, ok := id.StringClaim("list"); ok {
		t.Error("an array read as a string")
	}
}

// TestClaimPaths: StringClaim and StringsClaim read nested members by
// path, as Keycloak nests realm roles, with the same strict types; a claim
// name with dots is one name.
func TestClaimPaths(t *testing.T) {
	id, _ := IdentityFromContext(ContextWithTokenInfo(context.Background(), &TokenInfo{Claims: map[string]any{
		"realm_access":                  map[string]any{"roles": []any{"admin", "user"}, "role": "admin", "list": "admin"},
		"https://example.com/roles":     []any{"ns"},
		"flat":                          "x",
		"resource_access":               map[string]any{"app": map[string]any{"roles": []any{"reader"}}},
		"realm_access.roles":            []any{"a name with a dot"},
		"not_an_object":                 []any{map[string]any{"roles": []any{"x"}}},
		"https://example.com/org.claim": "org_dotted",
	}}))
	for _, tc := range []struct {
		path []string
		want []string
	}{
		{[]string{"realm_access", "roles"}, []string{"admin", "user"}},
		{[]string{"resource_access", "app", "roles"}, []string{"reader"}},
		{[]string{"https://example.com/roles"}, []string{"ns"}},
		{[]string{"realm_access.roles"}, []string{"a name with a dot"}},
	} {
		if got, ok := id.StringsClaim(tc.path...); !ok || !slices.Equal(got, tc.want) {
			t.Errorf("StringsClaim(%q) = %v, %v; want %v", tc.path, got, ok, tc.want)
		}
	}
	for _, path := range [][]string{
		{"realm_access", "list"},         // a string is not a list
		{"realm_access", "absent"},       // absent member
		{"flat", "roles"},                // a string is not an object
		{"not_an_object", "roles"},       // an array is not an object
		{"resource_access", "app"},       // an object is not a list
		{"realm_access", "roles", "sub"}, // below an array
		{},                               // no path
	} {
		if got, ok := id.StringsClaim(path...); ok {
			t.Errorf("StringsClaim(%q) = %v, want not an array of strings", path, got)
		}
	}
	if s, ok := id.StringClaim("realm_access", "role"); !ok || s != "admin" {
		t.Errorf("StringClaim(realm_access, role) = %q, %v", s, ok)
	}
	if s, ok := id.StringClaim("https://example.com/org.claim"); !ok || s != "org_dotted" {
		t.Errorf("StringClaim of a dotted name = %q, %v", s, ok)
	}
	if _, ok := id.StringClaim("realm_access", "roles"); ok {
		t.Error("an array read as a string")
	}
	got, _ := id.StringsClaim("realm_access", "roles")
	got[0] = "changed"
	if again, _ := id.StringsClaim("realm_access", "roles"); again[0] != "admin" {
		t.Error("StringsClaim handed out the identity's own slice")
	}
}

// TestDecodeClaims: custom claims decode into the caller's struct with
// strict types: a single string does not become a list.
func TestDecodeClaims(t *testing.T) {
	type keycloak struct {
		RealmAccess struct {
			Roles []string `json:"roles"`
		} `json:"realm_access"`
		Email string `json:"email"`
		Exp   int64  `json:"exp"`
	}
	ident := func(claims map[string]any) *Identity {
		id, _ := IdentityFromContext(ContextWithTokenInfo(context.Background(), &TokenInfo{Claims: claims}))
		return id
	}
	id := ident(map[string]any{"realm_access": map[string]any{"roles": []any{"admin"}}, "email": "a@example.com", "exp": 1.7e9, "other": true})
	var c keycloak
	if err := id.DecodeClaims(&c); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(c.RealmAccess.Roles, []string{"admin"}) || c.Email != "a@example.com" || c.Exp != 1_700_000_000 {
		t.Errorf("decoded %+v", c)
	}
	c.RealmAccess.Roles[0] = "changed"
	if roles, _ := id.StringsClaim("realm_access", "roles"); roles[0] != "admin" {
		t.Error("DecodeClaims shared the identity's values")
	}

	for name, claims := range map[string]map[string]any{
		"string for a list":  {"realm_access": map[string]any{"roles": "admin"}},
		"number for string":  {"email": 5.0},
		"string for number":  {"exp": "soon"},
		"array for a object": {"realm_access": []any{"roles"}},
	} {
		var c keycloak
		if err := ident(claims).DecodeClaims(&c); err == nil || !strings.HasPrefix(err.Error(), "remote: decoding claims") {
			t.Errorf("%s: err = %v, want a decoding error", name, err)
		}
	}
	var nilID *Identity
	if err := nilID.DecodeClaims(&c); err == nil {
		t.Error("a nil identity decoded")
	}
}
