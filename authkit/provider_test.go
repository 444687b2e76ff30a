package authkit_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/workos/workos-go/v4/pkg/usermanagement"

	"github.com/mcpauth/mcpauth/authkit"
	"github.com/mcpauth/mcpauth/authkit/authkittest"
	"github.com/mcpauth/mcpauth/remote"
	"github.com/mcpauth/mcpauth/remote/rules"
)

// baseURL is the public URL the protected server claims; the tests call its
// handler directly, so nothing listens there.
const baseURL = "http://127.0.0.1:8931"

const mcpURL = baseURL + "/mcp"

func newProvider(tb testing.TB, ak *authkittest.Server, mutate func(*authkit.Config)) *authkit.Provider {
	tb.Helper()
	cfg := authkit.Config{Domain: ak.URL(), BaseURL: baseURL, HTTPClient: ak.Client()}
	if mutate != nil {
		mutate(&cfg)
	}
	p, err := authkit.New(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = p.Close() })
	return p
}

// claimsEcho answers with the claims the provider put in the context.
var claimsEcho = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	c, err := authkit.ClaimsFromContext(r.Context())
	if err != nil {
		http.Error(w, "no claims", http.StatusInternalServerError)
		return
	}
	_ = json.NewEncoder(w).Encode(c)
})

// newWorkOSClient is a workos-go client of authkittest's WorkOS API routes.
func newWorkOSClient(ak *authkittest.Server) *usermanagement.Client {
	wc := usermanagement.NewClient(ak.APIKey())
	wc.Endpoint = ak.URL()
	wc.HTTPClient = ak.Client()
	return wc
}

func do(tb testing.TB, h http.Handler, method, path, token, body string) *httptest.ResponseRecorder {
	tb.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	r := httptest.NewRequest(method, baseURL+path, rd)
	if token != "" {
		r.Header.Set("Authorization", "Bearer "+token)
	}
	if body != "" {
		r.Header.Set("Content-Type", "application/json")
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func TestNewValidation(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  authkit.Config
		want string
	}{
		{"no domain", authkit.Config{BaseURL: "https://mcp.example.com"}, "Config.Domain is empty"},
		{"no base URL", authkit.Config{Domain: "my-app.authkit.app"}, "Config.BaseURL is empty"},
		{"domain with path", authkit.Config{Domain: "https://my-app.authkit.app/oauth2", BaseURL: "https://mcp.example.com"}, `write "my-app.authkit.app"`},
		{"http base URL", authkit.Config{Domain: "my-app.authkit.app", BaseURL: "http://mcp.example.com"}, "uses http"},
		{"offline_access required", authkit.Config{Domain: "my-app.authkit.app", BaseURL: "https://mcp.example.com", RequiredScopes: []string{"offline_access"}}, "offline_access"},
		{"zero workos client", authkit.Config{Domain: "my-app.authkit.app", BaseURL: "https://mcp.example.com", WorkOS: &usermanagement.Client{APIKey: "k"}}, "usermanagement.NewClient"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := authkit.New(tc.cfg)
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "authkit: ") {
				t.Fatalf("err = %v, want one starting with %q containing %q", err, "authkit: ", tc.want)
			}
		})
	}
}

func TestProviderDerivedValues(t *testing.T) {
	p, err := authkit.New(authkit.Config{Domain: "https://My-App.authkit.app/", BaseURL: "https://MCP.example.com/", MCPPath: "/api/mcp/"})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if got := p.Issuer(); got != "https://my-app.authkit.app" {
		t.Errorf("Issuer() = %q", got)
	}
	if ep, _ := authkit.DomainEndpoints("https://My-App.authkit.app/"); ep.JWKS != "https://my-app.authkit.app/oauth2/jwks" || ep.Issuer != p.Issuer() {
		t.Errorf("DomainEndpoints = %+v", ep)
	}
	if got := p.MCPURL(); got != "https://mcp.example.com/api/mcp" {
		t.Errorf("MCPURL() = %q", got)
	}
	if got := p.ResourceMetadataURL(); got != "https://mcp.example.com/.well-known/oauth-protected-resource/api/mcp" {
		t.Errorf("ResourceMetadataURL() = %q", got)
	}
}

// TestConfigFromEnvComposes: the environment gives the deployment's
// values and code adds rules, a logger and a hook to the same Config; all
// of them apply.
func TestConfigFromEnvComposes(t *testing.T) {
	ak := authkittest.Start(t)
	ak.SetUser(authkittest.User{ID: "user_01ENV", Permissions: []string{"repos:read"}})
	env := map[string]string{
		"AUTHKIT_DOMAIN":          ak.URL(),
		"BASE_URL":                baseURL,
		"AUTHKIT_REQUIRED_SCOPES": "mcp",
	}
	cfg := authkit.ConfigFromEnv(func(k string) string { return env[k] })
	cfg.HTTPClient = ak.Client()
	cfg.ToolRules = map[string]rules.Rule{"delete_repo": rules.AllPermissions("repos:delete")}
	var logs strings.Builder
	cfg.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	var decisions []remote.Decision
	cfg.OnDecision = func(_ context.Context, d remote.Decision) { decisions = append(decisions, d) }
	p, err := authkit.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if p.Issuer() != ak.Issuer() || p.MCPURL() != mcpURL {
		t.Errorf("Issuer, MCPURL = %q, %q", p.Issuer(), p.MCPURL())
	}
	h := p.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	tok := ak.MustMintFor(t, mcpURL, authkittest.TokenOptions{Scopes: []string{"mcp"}})
	if w := do(t, h, http.MethodPost, "/mcp", tok, toolCall("list_repos")); w.Code != http.StatusOK {
		t.Fatalf("allowed call: %d", w.Code)
	}
	w := do(t, h, http.MethodPost, "/mcp", tok, toolCall("delete_repo"))
	if w.Code != http.StatusForbidden || !strings.Contains(w.Header().Get("WWW-Authenticate"), "missing permission: repos:delete") {
		t.Errorf("ToolRules from code: %d %s", w.Code, w.Header().Get("WWW-Authenticate"))
	}
	if len(decisions) != 2 || decisions[1].Reason != "tool_denied" {
		t.Errorf("OnDecision saw %+v", decisions)
	}
	if !strings.Contains(logs.String(), "reason=tool_denied") {
		t.Errorf("Logger got %q", logs.String())
	}
	if w := do(t, h, http.MethodPost, "/mcp", ak.MustMintFor(t, mcpURL, authkittest.TokenOptions{}), toolCall("list_repos")); w.Code != http.StatusForbidden {
		t.Errorf("AUTHKIT_REQUIRED_SCOPES not applied: %d", w.Code)
	}
	if _, err := authkit.New(authkit.ConfigFromEnv(func(string) string { return "" })); err == nil || !strings.Contains(err.Error(), "AUTHKIT_DOMAIN") {
		t.Errorf("empty environment: err = %v", err)
	}
}

func TestProviderTokens(t *testing.T) {
	ak := authkittest.Start(t)
	ak.SetUser(authkittest.User{
		ID: "user_01ADA", Email: "ada@example.com", OrganizationID: "org_01ACME",
		Role: "admin", Permissions: []string{"repos:read", "repos:write"},
	})
	p := newProvider(t, ak, nil)
	legacy := newProvider(t, ak, func(c *authkit.Config) { c.ExtraAudiences = []string{ak.ClientID()} })
	h := p.Handler(claimsEcho)

	for _, tc := range []struct {
		name   string
		h      http.Handler
		opts   authkittest.TokenOptions
		status int
	}{
		{"bound to the MCP URL", h, authkittest.TokenOptions{Audience: []string{mcpURL}}, 200},
		{"trailing slash tolerated", h, authkittest.TokenOptions{Audience: []string{mcpURL + "/"}}, 200},
		{"client id audience rejected by default", h, authkittest.TokenOptions{}, 401},
		{"client id audience with the legacy fallback", legacy.Handler(claimsEcho), authkittest.TokenOptions{}, 200},
		{"other resource", h, authkittest.TokenOptions{Audience: []string{"https://other.example.com/mcp"}}, 401},
		{"expired", h, authkittest.TokenOptions{Audience: []string{mcpURL}, ExpiresIn: -1e12}, 401},
		{"session token family", h, authkittest.TokenOptions{Audience: []string{mcpURL}, Issuer: ak.SessionIssuer()}, 401},
		{"unpublished key", h, authkittest.TokenOptions{Audience: []string{mcpURL}, SignWith: authkittest.MustNewKey("rogue")}, 401},
		{"HS256 confusion", h, authkittest.TokenOptions{Audience: []string{mcpURL}, Algorithm: authkittest.AlgHS256}, 401},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tok := ak.MustMint(t, tc.opts)
			w := do(t, tc.h, http.MethodPost, "/mcp", tok, `{}`)
			if w.Code != tc.status {
				t.Fatalf("status = %d, want %d; WWW-Authenticate: %q; body %s", w.Code, tc.status, w.Header().Get("WWW-Authenticate"), w.Body)
			}
			if w.Code == 401 {
				if ch := w.Header().Get("WWW-Authenticate"); !strings.Contains(ch, `error="invalid_token"`) || !strings.Contains(ch, "resource_metadata=") {
					t.Errorf("challenge = %q", ch)
				}
				return
			}
			var c authkit.Claims
			if err := json.Unmarshal(w.Body.Bytes(), &c); err != nil {
				t.Fatal(err)
			}
			if c.UserID != "user_01ADA" || c.OrganizationID != "org_01ACME" || c.Role != "admin" || !c.HasPermission("repos:write") || c.GrantID == "" {
				t.Errorf("claims = %+v", c)
			}
		})
	}

	// Without a token: 401 without an error code, naming the metadata.
	w := do(t, h, http.MethodPost, "/mcp", "", `{}`)
	if ch := w.Header().Get("WWW-Authenticate"); w.Code != 401 || strings.Contains(ch, "error=") || !strings.Contains(ch, `resource_metadata="`+baseURL+`/.well-known/oauth-protected-resource/mcp"`) {
		t.Errorf("no token: %d %q", w.Code, ch)
	}
}

func TestProviderRoutes(t *testing.T) {
	ak := authkittest.Start(t)
	p := newProvider(t, ak, func(c *authkit.Config) { c.ResourceName = "Test MCP" })
	h := p.Handler(claimsEcho)

	w := do(t, h, http.MethodGet, "/.well-known/oauth-protected-resource/mcp", "", "")
	var prm struct {
		Resource             string   `json:"resource"`
		AuthorizationServers []string `json:"authorization_servers"`
		ResourceName         string   `json:"resource_name"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &prm); err != nil || w.Code != 200 {
		t.Fatalf("PRM: %d %s", w.Code, w.Body)
	}
	if prm.Resource != mcpURL || len(prm.AuthorizationServers) != 1 || prm.AuthorizationServers[0] != ak.Issuer() || prm.ResourceName != "Test MCP" {
		t.Errorf("PRM = %+v", prm)
	}
	if w := do(t, h, http.MethodGet, "/.well-known/oauth-protected-resource", "", ""); w.Code != 200 {
		t.Errorf("root PRM: %d", w.Code)
	}
	for _, path := range []string{"/.well-known/oauth-authorization-server", "/.well-known/openid-configuration"} {
		w := do(t, h, http.MethodGet, path, "", "")
		var m map[string]any
		if err := json.Unmarshal(w.Body.Bytes(), &m); err != nil || w.Code != 200 {
			t.Fatalf("%s: %d %s", path, w.Code, w.Body)
		}
		if m["issuer"] != ak.Issuer() {
			t.Errorf("%s issuer = %v, want %q", path, m["issuer"], ak.Issuer())
		}
	}
}

func TestLegacyEndpoints(t *testing.T) {
	ak := authkittest.Start(t)
	off := newProvider(t, ak, nil).Handler(claimsEcho)
	on := newProvider(t, ak, func(c *authkit.Config) { c.LegacyEndpoints = true }).Handler(claimsEcho)
	if w := do(t, off, http.MethodGet, "/authorize?client_id=x", "", ""); w.Code != http.StatusNotFound {
		t.Errorf("legacy /authorize served by default: %d", w.Code)
	}
	w := do(t, on, http.MethodGet, "/authorize?client_id=x", "", "")
	if loc := w.Header().Get("Location"); w.Code != http.StatusFound || loc != ak.URL()+"/oauth2/authorize?client_id=x&resource="+url.QueryEscape(mcpURL) {
		t.Errorf("legacy /authorize: %d %q", w.Code, loc)
	}
}

func TestRequire(t *testing.T) {
	ak := authkittest.Start(t)
	ak.SetUser(authkittest.User{ID: "user_01ADA", Role: "member", Roles: []string{"member"}, Permissions: []string{"repos:read"}})
	p := newProvider(t, ak, func(c *authkit.Config) { c.RequiredScopes = []string{"mcp"} })
	tok := ak.MustMint(t, authkittest.TokenOptions{Audience: []string{mcpURL}, Scopes: []string{"mcp"}})
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "ok") })

	mux := http.NewServeMux()
	mux.Handle("/read", p.Require(rules.AllPermissions("repos:read"))(ok))
	mux.Handle("/write", p.Require(rules.AllPermissions("repos:read", "repos:write", "repos:delete"))(ok))
	mux.Handle("/member", p.Require(rules.AnyRole("member"))(ok))
	mux.Handle("/admin", p.Require(rules.AnyRole("admin", "owner"))(ok))
	mux.Handle("/both", p.Require(rules.AllPermissions("billing:read"), rules.AnyRole("admin"))(ok))
	behind := p.Middleware(mux) // the rules also work behind the middleware

	for _, tc := range []struct {
		path   string
		status int
		desc   string
	}{
		{"/read", 200, ""},
		{"/write", 403, "missing permissions: repos:write, repos:delete"},
		{"/member", 200, ""},
		{"/admin", 403, "requires one of the roles: admin, owner"},
		{"/both", 403, "missing permission: billing:read; requires role: admin"},
	} {
		for name, h := range map[string]http.Handler{"standalone": mux, "behind middleware": behind} {
			t.Run(tc.path+" "+name, func(t *testing.T) {
				w := do(t, h, http.MethodGet, tc.path, tok, "")
				if w.Code != tc.status {
					t.Fatalf("status = %d, want %d (%s)", w.Code, tc.status, w.Body)
				}
				if tc.status != 403 {
					return
				}
				ch := w.Header().Get("WWW-Authenticate")
				for _, want := range []string{`error="insufficient_scope"`, `error_description="` + tc.desc + `"`, `scope="mcp"`, "resource_metadata="} {
					if !strings.Contains(ch, want) {
						t.Errorf("challenge %q lacks %s", ch, want)
					}
				}
				var body map[string]string
				_ = json.Unmarshal(w.Body.Bytes(), &body)
				if body["error"] != "insufficient_scope" || body["error_description"] != tc.desc {
					t.Errorf("body = %v", body)
				}
			})
		}
	}
	// Standalone rules authenticate first.
	if w := do(t, mux, http.MethodGet, "/read", "", ""); w.Code != 401 || !strings.Contains(w.Header().Get("WWW-Authenticate"), "resource_metadata=") {
		t.Errorf("no token: %d %q", w.Code, w.Header().Get("WWW-Authenticate"))
	}
	// Preflights are answered before any check.
	if w := do(t, mux, http.MethodOptions, "/write", "", ""); w.Code >= 400 {
		t.Errorf("OPTIONS: %d", w.Code)
	}
}

func toolCall(name string) string {
	return `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"` + name + `","arguments":{}}}`
}

func TestToolRules(t *testing.T) {
	ak := authkittest.Start(t)
	ak.SetUser(authkittest.User{ID: "user_01ADA", Role: "member", Permissions: []string{"repos:read"}})
	p := newProvider(t, ak, func(c *authkit.Config) {
		c.ToolRules = map[string]rules.Rule{
			"list_repos":  rules.AllPermissions("repos:read"),
			"delete_repo": rules.AllPermissions("repos:delete"),
			"billing":     rules.AnyRole("admin"),
		}
	})
	reached := 0
	h := p.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { reached++ }))
	tok := ak.MustMint(t, authkittest.TokenOptions{Audience: []string{mcpURL}})
	for _, tc := range []struct {
		tool   string
		status int
		desc   string
	}{
		{"list_repos", 200, ""},
		{"unlisted_tool", 200, ""},
		{"delete_repo", 403, "missing permission: repos:delete"},
		{"billing", 403, "requires role: admin"},
	} {
		t.Run(tc.tool, func(t *testing.T) {
			before := reached
			w := do(t, h, http.MethodPost, "/mcp", tok, toolCall(tc.tool))
			if w.Code != tc.status {
				t.Fatalf("status = %d, want %d", w.Code, tc.status)
			}
			if tc.status == 403 {
				if reached != before {
					t.Error("the MCP handler ran for a denied tool")
				}
				ch := w.Header().Get("WWW-Authenticate")
				if !strings.Contains(ch, `error="insufficient_scope"`) || !strings.Contains(ch, tc.desc) {
					t.Errorf("challenge = %q, want insufficient_scope naming %q", ch, tc.desc)
				}
			}
		})
	}
}

func TestProfileEnrichment(t *testing.T) {
	ak := authkittest.Start(t)
	ak.SetUser(authkittest.User{ID: "user_01ADA", Email: "ada@example.com", FirstName: "Ada", OrganizationID: "org_01ACME", Role: "admin"})
	wc := newWorkOSClient(ak)
	p := newProvider(t, ak, func(c *authkit.Config) { c.WorkOS = wc })

	type result struct {
		User  string `json:"user"`
		Email string `json:"email"`
		Role  string `json:"role"`
		Err   string `json:"err"`
	}
	h := p.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, _ := authkit.ClaimsFromContext(r.Context())
		res := result{User: c.UserID}
		prof, err := p.Profile(r.Context(), c.UserID)
		switch {
		case err != nil:
			res.Err = err.Error()
		default:
			res.Email = prof.User.Email
			m, _ := prof.Membership(c.OrganizationID)
			res.Role = m.Role.Slug
		}
		_ = json.NewEncoder(w).Encode(res)
	}))
	tok := ak.MustMint(t, authkittest.TokenOptions{Audience: []string{mcpURL}})

	get := func() (int, result) {
		w := do(t, h, http.MethodPost, "/mcp", tok, `{}`)
		var res result
		_ = json.Unmarshal(w.Body.Bytes(), &res)
		return w.Code, res
	}

	// WorkOS down from the start: the request still succeeds on its claims.
	ak.SetFault("/user_management/users/user_01ADA", authkittest.Fault{Status: http.StatusInternalServerError})
	code, res := get()
	if code != 200 || res.User != "user_01ADA" || res.Email != "" || !strings.Contains(res.Err, "unavailable") {
		t.Fatalf("WorkOS down: %d %+v", code, res)
	}

	// WorkOS up (after the failure is forgotten).
	ak.ClearFault("/user_management/users/user_01ADA")
	p.ForgetProfile("user_01ADA")
	code, res = get()
	if code != 200 || res.Email != "ada@example.com" || res.Role != "admin" || res.Err != "" {
		t.Fatalf("WorkOS up: %d %+v", code, res)
	}

	// Cached: further requests do not reach WorkOS, and WorkOS going down
	// changes nothing until the entry expires.
	ak.ResetRequests()
	ak.SetFault("*", authkittest.Fault{Status: http.StatusServiceUnavailable})
	if code, res = get(); code != 200 || res.Email != "ada@example.com" {
		t.Fatalf("cached: %d %+v", code, res)
	}
	ak.ClearFault("*")
	for _, r := range ak.Requests() {
		if strings.HasPrefix(r.Path, "/user_management/") {
			t.Errorf("cached profile fetched again: %s %s", r.Method, r.Path)
		}
	}

	// Only the API key is sent to WorkOS, never the bearer token: the fake
	// answers 401 to anything but its API key, so a wrong credential would
	// have failed above. Check the scheme it saw as well.
	p.ForgetProfile("user_01ADA")
	ak.ResetRequests()
	get()
	sawAPI := false
	for _, r := range ak.Requests() {
		if strings.HasPrefix(r.Path, "/user_management/") {
			sawAPI = true
			if r.AuthScheme != "Bearer" {
				t.Errorf("WorkOS request %s with scheme %q", r.Path, r.AuthScheme)
			}
		}
	}
	if !sawAPI {
		t.Error("no WorkOS request recorded")
	}

	// Without Config.WorkOS, Profile says how to turn it on.
	plain := newProvider(t, ak, nil)
	if _, err := plain.Profile(context.Background(), "user_01ADA"); !errors.Is(err, authkit.ErrEnrichmentOff) {
		t.Errorf("no enricher: err = %v", err)
	}
}

func TestPrimeAndClose(t *testing.T) {
	ak := authkittest.Start(t)
	p := newProvider(t, ak, nil)
	if err := p.Prime(context.Background()); err != nil {
		t.Fatalf("Prime: %v", err)
	}
	tok := ak.MustMint(t, authkittest.TokenOptions{Audience: []string{mcpURL}})
	if _, err := p.VerifyToken(context.Background(), tok); err != nil {
		t.Fatalf("VerifyToken: %v", err)
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if err := p.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}

	down := authkittest.Start(t)
	pd := newProvider(t, down, nil)
	down.SetFault("*", authkittest.Fault{Status: http.StatusServiceUnavailable})
	if err := pd.Prime(context.Background()); err == nil {
		t.Error("Prime succeeded with AuthKit down")
	}
	// With keys unreachable a token is answered 503, never 401.
	tok = down.MustMint(t, authkittest.TokenOptions{Audience: []string{mcpURL}})
	w := do(t, pd.Handler(claimsEcho), http.MethodPost, "/mcp", tok, `{}`)
	if w.Code != http.StatusServiceUnavailable || w.Header().Get("Retry-After") == "" {
		t.Errorf("keys unreachable: %d, Retry-After %q", w.Code, w.Header().Get("Retry-After"))
	}
}

// The generic provider's knobs reach AuthKit users: the observability hook
// sees each decision with the token's metadata, the scope-hierarchy hook
// decides RequiredScopes, and DisableTokenCache makes every request verify
// in full (so a key withdrawn from the JWKS stops a token at once, instead
// of at the next refresh).
func TestProviderPassesGenericKnobs(t *testing.T) {
	ak := authkittest.Start(t)
	var decisions []remote.Decision
	p := newProvider(t, ak, func(c *authkit.Config) {
		c.RequiredScopes = []string{"mcp:read"}
		c.ScopeSatisfied = func(granted []string, required string) bool {
			return slices.Contains(granted, required) || (required == "mcp:read" && slices.Contains(granted, "mcp:admin"))
		}
		c.OnDecision = func(_ context.Context, d remote.Decision) { decisions = append(decisions, d) }
	})
	h := p.Handler(claimsEcho)
	tok := ak.MustMint(t, authkittest.TokenOptions{Audience: []string{mcpURL}, Scopes: []string{"mcp:admin"}})
	if w := do(t, h, http.MethodPost, "/mcp", tok, `{}`); w.Code != 200 {
		t.Fatalf("broad scope through ScopeSatisfied: status %d", w.Code)
	}
	if w := do(t, h, http.MethodPost, "/mcp", "", `{}`); w.Code != 401 {
		t.Fatalf("no token: status %d", w.Code)
	}
	if len(decisions) != 2 || decisions[0].Outcome != remote.OutcomeAllowed || decisions[0].Subject == "" ||
		decisions[1].Outcome != remote.OutcomeMissingToken {
		t.Fatalf("decisions = %+v", decisions)
	}

	// The token cache is transparent by design, so its switch shows in the
	// work done per request: a repeated token allocates almost nothing with
	// the cache on and a full parse-and-verify (dozens of allocations) with
	// it off.
	allocs := map[bool]float64{}
	for _, disable := range []bool{false, true} {
		ak := authkittest.Start(t)
		p := newProvider(t, ak, func(c *authkit.Config) { c.DisableTokenCache = disable })
		h := p.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
		tok := ak.MustMint(t, authkittest.TokenOptions{Audience: []string{mcpURL}})
		req := httptest.NewRequest(http.MethodPost, "/mcp", nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		h.ServeHTTP(httptest.NewRecorder(), req) // fetch the keys, fill the cache
		allocs[disable] = testing.AllocsPerRun(20, func() { h.ServeHTTP(httptest.NewRecorder(), req) })
	}
	if allocs[true] < allocs[false]+20 {
		t.Errorf("allocations per repeated request: cache on %.0f, off %.0f; want the cache-off path to do a full verification", allocs[false], allocs[true])
	}
}

// AuthKit's JWKS URL answering a redirect to a reachable fake AuthKit: the
// one-line setup never fetches the other host's keys and never accepts a
// token signed with them.
func TestJWKSRedirectNotFollowed(t *testing.T) {
	ak := authkittest.Start(t)
	attacker := authkittest.Start(t)
	ak.SetFault("/oauth2/jwks", authkittest.Fault{Status: http.StatusFound, Headers: http.Header{"Location": {attacker.JWKSURL()}}})
	for _, client := range []struct {
		name string
		c    *http.Client
	}{{"default client", nil}, {"user's plain client", ak.Client()}} {
		t.Run(client.name, func(t *testing.T) {
			p := newProvider(t, ak, func(c *authkit.Config) { c.HTTPClient = client.c })
			forged := attacker.MustMint(t, authkittest.TokenOptions{Issuer: ak.Issuer(), Audience: []string{mcpURL}, Claims: map[string]any{"permissions": []string{"repos:delete"}}})
			if w := do(t, p.Handler(claimsEcho), http.MethodPost, "/mcp", forged, `{}`); w.Code != http.StatusServiceUnavailable {
				t.Fatalf("forged token: %d %s, want 503", w.Code, w.Body.String())
			}
			for _, r := range attacker.Requests() {
				if r.Path == "/oauth2/jwks" {
					t.Fatal("the other host's JWKS was fetched")
				}
			}
		})
	}
}

// Overriding the forwarded authorization-server metadata with a route of
// one's own, as a seed shows, replaces it instead of panicking with
// conflicting patterns.
func TestHandlerReplacesAStandardRoute(t *testing.T) {
	ak := authkittest.Start(t)
	p := newProvider(t, ak, nil)
	custom := remote.Route{Pattern: "/.well-known/oauth-authorization-server", Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, `{"custom":true}`)
	})}
	h := p.Handler(claimsEcho, custom)
	w := do(t, h, http.MethodGet, "/.well-known/oauth-authorization-server", "", "")
	if w.Body.String() != `{"custom":true}` {
		t.Errorf("GET the overridden route = %d %q", w.Code, w.Body.String())
	}
	if w := do(t, h, http.MethodGet, "/.well-known/openid-configuration", "", ""); w.Code != http.StatusOK {
		t.Errorf("the other forwarded document: %d", w.Code)
	}
}

// TestClaimsOverride: AuthKit's claim names are defaults; a JWT template
// that puts roles elsewhere is read there instead, and the other defaults
// stay.
func TestClaimsOverride(t *testing.T) {
	ak := authkittest.Start(t)
	p := newProvider(t, ak, func(c *authkit.Config) {
		c.Claims.Roles = []rules.Claim{rules.StringsClaim("https://example.com/roles")}
		c.ToolRules = map[string]rules.Rule{
			"admin":  rules.AnyRole("admin"),
			"delete": rules.AllPermissions("repos:delete"),
		}
	})
	h := p.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	for _, tc := range []struct {
		name   string
		tool   string
		claims map[string]any
		want   int
	}{
		{"role in the template's claim", "admin", map[string]any{"https://example.com/roles": []any{"admin"}}, 200},
		{"role in AuthKit's claim, no longer read", "admin", map[string]any{"role": "admin", "roles": []any{"admin"}}, 403},
		{"permissions keep their default", "delete", map[string]any{"permissions": []any{"repos:delete"}}, 200},
	} {
		tok := ak.MustMintFor(t, mcpURL, authkittest.TokenOptions{Subject: "user_01OVR", Claims: tc.claims})
		if w := do(t, h, http.MethodPost, "/mcp", tok, toolCall(tc.tool)); w.Code != tc.want {
			t.Errorf("%s: %d, want %d", tc.name, w.Code, tc.want)
		}
	}
}

// TestRuleChecksLogIgnoredClaims: a claim of the wrong JSON type grants
// nothing, and the provider's logger says so at debug level, by name and
// type, never by value.
func TestRuleChecksLogIgnoredClaims(t *testing.T) {
	ak := authkittest.Start(t)
	var logs strings.Builder
	p := newProvider(t, ak, func(c *authkit.Config) {
		c.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
		c.ToolRules = map[string]rules.Rule{"delete_repo": rules.AllPermissions("repos:delete")}
	})
	h := p.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	tok := ak.MustMintFor(t, mcpURL, authkittest.TokenOptions{Subject: "user_01LOG", Claims: map[string]any{"permissions": "repos:delete"}})
	if w := do(t, h, http.MethodPost, "/mcp", tok, toolCall("delete_repo")); w.Code != http.StatusForbidden {
		t.Fatalf("a string permissions claim granted the permission: %d", w.Code)
	}
	if !strings.Contains(logs.String(), "claim=permissions type=string") || !strings.Contains(logs.String(), "sub=user_01LOG") {
		t.Errorf("log lacks the ignored claim: %s", logs.String())
	}
	if strings.Contains(logs.String(), "repos:delete") {
		t.Errorf("log holds a claim value: %s", logs.String())
	}
}
