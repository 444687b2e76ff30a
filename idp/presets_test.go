package idp

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/mcpauth/mcpauth/internal/jwttest"
	"github.com/mcpauth/mcpauth/remote/rules"
)

// fakeIssuer is an authorization server shaped like one identity provider:
// its issuer string, where it publishes its metadata and keys, its key type
// and the claims its tokens carry. It answers only the paths it publishes.
type fakeIssuer struct {
	srv     *httptest.Server
	issuer  string
	rsaKey  *rsa.PrivateKey
	ecKey   *ecdsa.PrivateKey
	kid     string
	withAlg bool // whether its JWKS entries name their algorithm (Entra's do not)
}

// newFakeIssuer starts it over TLS (the presets build https issuers from a
// domain) or plain http (for a base URL), calls shape with the server's
// URL to learn the issuer and the metadata and JWKS paths, and serves
// them.
func newFakeIssuer(t *testing.T, tls bool, ec bool, shape func(base string) (issuer, metaPath, jwksPath string)) *fakeIssuer {
	t.Helper()
	f := &fakeIssuer{kid: "kid-1", withAlg: true}
	var err error
	if ec {
		f.ecKey, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	} else {
		f.rsaKey, err = rsa.GenerateKey(rand.Reader, 2048)
	}
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	h := http.Handler(mux)
	if tls {
		f.srv = httptest.NewTLSServer(h)
	} else {
		f.srv = httptest.NewServer(h)
	}
	t.Cleanup(f.srv.Close)
	var metaPath, jwksPath string
	f.issuer, metaPath, jwksPath = shape(f.srv.URL)
	mux.HandleFunc("GET "+metaPath, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{
			"issuer":                   f.issuer,
			"authorization_endpoint":   f.srv.URL + "/authorize",
			"token_endpoint":           f.srv.URL + "/token",
			"jwks_uri":                 f.srv.URL + jwksPath,
			"response_types_supported": []string{"code"},
		})
	})
	mux.HandleFunc("GET "+jwksPath, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"keys": []any{f.jwk()}})
	})
	return f
}

func (f *fakeIssuer) jwk() map[string]any {
	var alg string
	var pub crypto.PublicKey
	if f.ecKey != nil {
		alg, pub = "ES256", &f.ecKey.PublicKey
	} else {
		alg, pub = "RS256", &f.rsaKey.PublicKey
	}
	if !f.withAlg {
		alg = ""
	}
	return jwttest.JWK(pub, f.kid, alg, "sig")
}

// mint signs claims (iss, iat and exp filled in when absent; a nil value
// removes a claim) with the issuer's key.
func (f *fakeIssuer) mint(t *testing.T, claims map[string]any) string {
	t.Helper()
	now := time.Now()
	c := jwttest.With(map[string]any{"iss": f.issuer, "iat": now.Unix(), "exp": now.Add(time.Hour).Unix()}, claims)
	alg, key := "RS256", any(f.rsaKey)
	if f.ecKey != nil {
		alg, key = "ES256", f.ecKey
	}
	return jwttest.MustSignJSON(t, alg, key, map[string]any{"alg": alg, "kid": f.kid, "typ": "JWT"}, c)
}

const presetMCP = "https://mcp.example.com/mcp"

// presetCase is a token a provider's users send, and whether it must be
// accepted.
type presetCase struct {
	name   string
	claims map[string]any
	status int
	tool   string // when set, the request calls this tool
}

func runPreset(t *testing.T, f *fakeIssuer, cfg Config, cases []presetCase) {
	t.Helper()
	cfg.HTTPClient = f.srv.Client()
	p, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { _ = p.Close() })
	if err := p.Prime(t.Context()); err != nil {
		t.Fatalf("Prime: %v", err)
	}
	h := p.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			body := "{}"
			if tc.tool != "" {
				body = `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"` + tc.tool + `"}}`
			}
			r := httptest.NewRequest(http.MethodPost, presetMCP, strings.NewReader(body))
			r.Header.Set("Authorization", "Bearer "+f.mint(t, tc.claims))
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != tc.status {
				t.Errorf("status = %d, want %d (%s)", w.Code, tc.status, w.Header().Get("WWW-Authenticate"))
			}
		})
	}
}

func TestAuth0Preset(t *testing.T) {
	f := newFakeIssuer(t, true, false, func(base string) (string, string, string) {
		return base + "/", "/.well-known/openid-configuration", "/.well-known/jwks.json"
	})
	cfg := Auth0("  "+f.srv.URL+"/  ", presetMCP)
	if cfg.Issuer != f.srv.URL+"/" {
		t.Fatalf("issuer = %q, want the domain with a trailing slash", cfg.Issuer)
	}
	cfg.ToolRules = map[string]rules.Rule{"deploy": rules.AllPermissions("deploy:prod")}
	cfg.Rule = rules.OrganizationIn("org_acme")
	acme := func(extra map[string]any) map[string]any {
		c := map[string]any{"sub": "auth0|u1", "aud": presetMCP, "org_id": "org_acme"}
		for k, v := range extra {
			c[k] = v
		}
		return c
	}
	runPreset(t, f, cfg, []presetCase{
		{"RBAC permission in permissions", acme(map[string]any{"permissions": []string{"deploy:prod"}}), 200, "deploy"},
		{"permission missing", acme(map[string]any{"permissions": []string{"deploy:staging"}}), 403, "deploy"},
		{"permission as a scope only", acme(map[string]any{"scope": "deploy:prod"}), 403, "deploy"},
		{"login through another organization", acme(map[string]any{"org_id": "org_globex", "permissions": []string{"deploy:prod"}}), 403, "deploy"},
		{"login without an organization", acme(map[string]any{"org_id": nil}), 403, ""},
	})
	cfg.ToolRules, cfg.Rule = nil, nil
	runPreset(t, f, cfg, []presetCase{
		{"API token for the MCP URL (with Auth0's userinfo audience)", map[string]any{"sub": "auth0|u1", "aud": []string{presetMCP, f.srv.URL + "/userinfo"}, "scope": "openid mcp:tools", "azp": "client1"}, 200, ""},
		{"token for the userinfo audience only (resource not honoured)", map[string]any{"sub": "auth0|u1", "aud": f.srv.URL + "/userinfo"}, 401, ""},
		{"token of another API", map[string]any{"sub": "auth0|u1", "aud": "https://api.example.com"}, 401, ""},
		{"issuer without the trailing slash", map[string]any{"iss": strings.TrimSuffix(f.issuer, "/"), "sub": "auth0|u1", "aud": presetMCP}, 401, ""},
	})
}

func TestOktaPreset(t *testing.T) {
	f := newFakeIssuer(t, true, false, func(base string) (string, string, string) {
		return base + "/oauth2/aus123", "/oauth2/aus123/.well-known/oauth-authorization-server", "/oauth2/aus123/v1/keys"
	})
	cfg := Okta(f.srv.URL, "aus123", presetMCP)
	if def := Okta("example.okta.com", "", presetMCP); def.Issuer != "https://example.okta.com/oauth2/default" {
		t.Errorf("default server issuer = %q", def.Issuer)
	}
	cfg.ToolRules = map[string]rules.Rule{"admin": rules.AnyRole("mcp-admins")}
	runPreset(t, f, cfg, []presetCase{
		{"in the group (groups claim)", map[string]any{"sub": "00u1", "aud": presetMCP, "groups": []string{"Everyone", "mcp-admins"}}, 200, "admin"},
		{"not in the group", map[string]any{"sub": "00u1", "aud": presetMCP, "groups": []string{"Everyone"}}, 403, "admin"},
		{"no groups claim defined", map[string]any{"sub": "00u1", "aud": presetMCP}, 403, "admin"},
		{"custom authorization server token, audience set to the MCP URL", map[string]any{"sub": "00u1", "aud": presetMCP, "scp": []string{"mcp:tools"}, "cid": "0oa1"}, 200, ""},
		{"the server's default audience (api://default)", map[string]any{"sub": "00u1", "aud": "api://default"}, 401, ""},
		{"org authorization server token", map[string]any{"iss": f.srv.URL, "sub": "00u1", "aud": presetMCP}, 401, ""},
	})
}

func TestKeycloakPreset(t *testing.T) {
	for _, ec := range []bool{false, true} {
		name := map[bool]string{false: "RS256 realm", true: "ES256 realm"}[ec]
		t.Run(name, func(t *testing.T) {
			f := newFakeIssuer(t, false, ec, func(base string) (string, string, string) {
				return base + "/realms/mcp", "/realms/mcp/.well-known/openid-configuration", "/realms/mcp/protocol/openid-connect/certs"
			})
			cfg := Keycloak(f.srv.URL+"/", "mcp", presetMCP)
			cfg.ToolRules = map[string]rules.Rule{"purge": rules.AnyRole("admin")}
			runPreset(t, f, cfg, []presetCase{
				{"realm role", map[string]any{"sub": "f3a1", "aud": presetMCP, "realm_access": map[string]any{"roles": []string{"offline_access", "admin"}}}, 200, "purge"},
				{"realm role missing", map[string]any{"sub": "f3a1", "aud": presetMCP, "realm_access": map[string]any{"roles": []string{"user"}}}, 403, "purge"},
				{"realm role as a string, not a list", map[string]any{"sub": "f3a1", "aud": presetMCP, "realm_access": map[string]any{"roles": "admin"}}, 403, "purge"},
				{"client role only", map[string]any{"sub": "f3a1", "aud": presetMCP, "resource_access": map[string]any{"mcp-client": map[string]any{"roles": []string{"admin"}}}}, 403, "purge"},
				{"token with the audience mapper's aud", map[string]any{"sub": "f3a1", "aud": []string{presetMCP, "account"}, "azp": "mcp-client", "scope": "profile email", "realm_access": map[string]any{"roles": []string{"admin"}}}, 200, ""},
				{"token without an audience mapper (aud account)", map[string]any{"sub": "f3a1", "aud": "account", "azp": "mcp-client"}, 401, ""},
				{"token of another realm", map[string]any{"iss": f.srv.URL + "/realms/other", "sub": "f3a1", "aud": presetMCP}, 401, ""},
			})
		})
	}
}

func TestEntraIDPreset(t *testing.T) {
	const tenant, client = "8eaef023-2b34-4da1-9baa-8bc8c9d6a490", "6e74172b-be56-4843-9ff4-e66a39bb12e3"
	f := newFakeIssuer(t, true, false, func(base string) (string, string, string) {
		return base + "/" + tenant + "/v2.0", "/" + tenant + "/v2.0/.well-known/openid-configuration", "/" + tenant + "/discovery/v2.0/keys"
	})
	f.withAlg = false // Entra's JWKS entries name no algorithm
	if got := EntraID(tenant, client, presetMCP).Issuer; got != "https://login.microsoftonline.com/"+tenant+"/v2.0" {
		t.Errorf("issuer = %q", got)
	}
	cfg := entraID(f.srv.URL, tenant, client, presetMCP)
	cfg.RequiredScopes = []string{"mcp.tools"}
	cfg.ToolRules = map[string]rules.Rule{"approve": rules.AnyRole("Approver")}
	runPreset(t, f, cfg, []presetCase{
		{"app role in roles", map[string]any{"sub": "AAAAA", "aud": client, "scp": "mcp.tools", "roles": []string{"Approver"}, "ver": "2.0"}, 200, "approve"},
		{"app role missing", map[string]any{"sub": "AAAAA", "aud": client, "scp": "mcp.tools", "roles": []string{"Reader"}, "ver": "2.0"}, 403, "approve"},
		{"v2.0 access token", map[string]any{"sub": "AAAAA", "aud": client, "azp": "client-app", "scp": "mcp.tools User.Read", "roles": []string{"Admin"}, "ver": "2.0", "tid": tenant}, 200, ""},
		{"v1.0 token (sts.windows.net issuer)", map[string]any{"iss": "https://sts.windows.net/" + tenant + "/", "sub": "AAAAA", "aud": client, "scp": "mcp.tools", "ver": "1.0"}, 401, ""},
		{"token for another application", map[string]any{"sub": "AAAAA", "aud": "00000003-0000-0000-c000-000000000000", "scp": "mcp.tools"}, 401, ""},
		{"token of another tenant", map[string]any{"iss": f.srv.URL + "/72f988bf-86f1-41af-91ab-2d7cd011db47/v2.0", "sub": "AAAAA", "aud": client, "scp": "mcp.tools"}, 401, ""},
		{"ID token of the same app registration (no scp): refused by RequiredScopes", map[string]any{"sub": "AAAAA", "aud": client, "nonce": "n", "ver": "2.0"}, 403, ""},
	})
}
