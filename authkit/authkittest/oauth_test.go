package authkittest_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/mcpauth/mcpauth/authkit/authkittest"
)

func TestRegisterValidation(t *testing.T) {
	s := authkittest.Start(t)
	tests := []struct {
		name     string
		body     any
		wantCode int
		wantErr  string
		check    func(t *testing.T, m map[string]any)
	}{
		{"public client", map[string]any{"redirect_uris": []string{"http://127.0.0.1:9/cb"}, "token_endpoint_auth_method": "none"}, 201, "",
			func(t *testing.T, m map[string]any) {
				if m["client_secret"] != nil || m["token_endpoint_auth_method"] != "none" {
					t.Errorf("public client: %v", m)
				}
			}},
		{"confidential by default", map[string]any{"redirect_uris": []string{"https://app.example.com/cb"}, "client_name": "App"}, 201, "",
			func(t *testing.T, m map[string]any) {
				if m["client_secret"] == nil || m["token_endpoint_auth_method"] != "client_secret_basic" || m["client_name"] != "App" || m["client_secret_expires_at"] != float64(0) {
					t.Errorf("confidential client: %v", m)
				}
				if strs(m["grant_types"])[0] != "authorization_code" || strs(m["response_types"])[0] != "code" {
					t.Errorf("defaults: %v", m)
				}
			}},
		{"client_secret_post", map[string]any{"redirect_uris": []string{"https://app.example.com/cb"}, "token_endpoint_auth_method": "client_secret_post"}, 201, "", nil},
		{"localhost http", map[string]any{"redirect_uris": []string{"http://localhost:8080/cb"}}, 201, "", nil},
		{"ipv6 loopback", map[string]any{"redirect_uris": []string{"http://[::1]:8080/cb"}}, 201, "", nil},
		{"no redirect URIs", map[string]any{"client_name": "x"}, 400, "invalid_redirect_uri", nil},
		{"http non-loopback", map[string]any{"redirect_uris": []string{"http://app.example.com/cb"}}, 400, "invalid_redirect_uri", nil},
		{"fragment", map[string]any{"redirect_uris": []string{"https://app.example.com/cb#x"}}, 400, "invalid_redirect_uri", nil},
		{"relative", map[string]any{"redirect_uris": []string{"/cb"}}, 400, "invalid_redirect_uri", nil},
		{"custom scheme", map[string]any{"redirect_uris": []string{"myapp://cb"}}, 400, "invalid_redirect_uri", nil},
		{"javascript", map[string]any{"redirect_uris": []string{"javascript:alert(1)"}}, 400, "invalid_redirect_uri", nil},
		{"one bad among good", map[string]any{"redirect_uris": []string{"https://ok.example.com/cb", "http://evil.example.com/cb"}}, 400, "invalid_redirect_uri", nil},
		{"bad auth method", map[string]any{"redirect_uris": []string{"https://a.example.com/cb"}, "token_endpoint_auth_method": "private_key_jwt"}, 400, "invalid_client_metadata", nil},
		{"bad grant type", map[string]any{"redirect_uris": []string{"https://a.example.com/cb"}, "grant_types": []string{"password"}}, 400, "invalid_client_metadata", nil},
		{"bad response type", map[string]any{"redirect_uris": []string{"https://a.example.com/cb"}, "response_types": []string{"token"}}, 400, "invalid_client_metadata", nil},
		{"not JSON", "redirect_uris", 400, "invalid_client_metadata", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, m := register(t, s, tt.body)
			if code != tt.wantCode || (tt.wantErr != "" && m["error"] != tt.wantErr) {
				t.Fatalf("got %d %v, want %d %s", code, m, tt.wantCode, tt.wantErr)
			}
			if code == 201 {
				id, _ := m["client_id"].(string)
				if _, ok := s.LookupClient(id); !ok || !strings.HasPrefix(id, "client_") {
					t.Errorf("client %q not stored", id)
				}
			}
			if tt.check != nil {
				tt.check(t, m)
			}
		})
	}
}

func TestAuthorizeErrors(t *testing.T) {
	s := authkittest.Start(t)
	c := s.AddClient(authkittest.Client{RedirectURIs: []string{testRedirect}})
	base := authzQuery(c.ID)
	with := func(mut func(q url.Values)) url.Values {
		q := url.Values{}
		for k, v := range base {
			q[k] = append([]string(nil), v...)
		}
		mut(q)
		return q
	}
	tests := []struct {
		name       string
		q          url.Values
		deny       bool
		wantStatus int
		wantErr    string // in the redirect ("" = success)
	}{
		{"ok", base, false, 302, ""},
		{"unknown client", with(func(q url.Values) { q.Set("client_id", "client_nope") }), false, 400, ""},
		{"missing client", with(func(q url.Values) { q.Del("client_id") }), false, 400, ""},
		{"unregistered redirect", with(func(q url.Values) { q.Set("redirect_uri", "https://evil.example.com/cb") }), false, 400, ""},
		{"loopback other port", with(func(q url.Values) { q.Set("redirect_uri", "http://127.0.0.1:44444/callback") }), false, 302, ""},
		{"loopback other path", with(func(q url.Values) { q.Set("redirect_uri", "http://127.0.0.1:33333/other") }), false, 400, ""},
		{"omitted redirect with one registered", with(func(q url.Values) { q.Del("redirect_uri") }), false, 302, ""},
		{"repeated parameter", with(func(q url.Values) { q.Add("state", "two") }), false, 400, ""},
		{"no response_type", with(func(q url.Values) { q.Del("response_type") }), false, 302, "invalid_request"},
		{"token response_type", with(func(q url.Values) { q.Set("response_type", "token") }), false, 302, "unsupported_response_type"},
		{"no PKCE", with(func(q url.Values) { q.Del("code_challenge"); q.Del("code_challenge_method") }), false, 302, "invalid_request"},
		{"plain PKCE", with(func(q url.Values) { q.Set("code_challenge_method", "plain") }), false, 302, "invalid_request"},
		{"PKCE method omitted", with(func(q url.Values) { q.Del("code_challenge_method") }), false, 302, "invalid_request"},
		{"short challenge", with(func(q url.Values) { q.Set("code_challenge", "abc") }), false, 302, "invalid_request"},
		{"bad scope", with(func(q url.Values) { q.Set("scope", "a\"b") }), false, 302, "invalid_scope"},
		{"relative resource", with(func(q url.Values) { q.Set("resource", "/mcp") }), false, 302, "invalid_target"},
		{"resource with fragment", with(func(q url.Values) { q.Set("resource", "https://mcp.example.com/mcp#x") }), false, 302, "invalid_target"},
		{"consent denied", base, true, 302, "access_denied"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s.SetDenyConsent(tt.deny)
			status, cb := authorize(t, s, tt.q)
			if status != tt.wantStatus {
				t.Fatalf("status %d, want %d (%v)", status, tt.wantStatus, cb)
			}
			if status != 302 {
				if cb != nil {
					t.Fatalf("error redirected to an unvalidated URI: %v", cb)
				}
				return
			}
			if cb.Get("error") != tt.wantErr {
				t.Errorf("error = %q, want %q (%v)", cb.Get("error"), tt.wantErr, cb)
			}
			if (tt.wantErr == "") == (cb.Get("code") == "") {
				t.Errorf("code presence wrong: %v", cb)
			}
			if cb.Get("state") != "st-123" {
				t.Errorf("state not echoed: %v", cb)
			}
			if cb.Get("iss") != s.Issuer() {
				t.Errorf("RFC 9207 iss = %q in %v, want %q", cb.Get("iss"), cb, s.Issuer())
			}
		})
	}
}

// authCode authorizes client c and returns a fresh code.
func authCode(t testing.TB, s *authkittest.Server, clientID string, mut func(url.Values)) string {
	t.Helper()
	q := authzQuery(clientID)
	if mut != nil {
		mut(q)
	}
	status, cb := authorize(t, s, q)
	if status != http.StatusFound || cb.Get("code") == "" {
		t.Fatalf("authorize: %d %v", status, cb)
	}
	return cb.Get("code")
}

func TestAuthorizeKeepsRedirectQuery(t *testing.T) {
	s := authkittest.Start(t)
	c := s.AddClient(authkittest.Client{RedirectURIs: []string{"https://app.example.com/cb?tenant=7"}})
	q := authzQuery(c.ID)
	q.Set("redirect_uri", "https://app.example.com/cb?tenant=7")
	status, cb := authorize(t, s, q)
	if status != http.StatusFound || cb.Get("tenant") != "7" || cb.Get("code") == "" || cb.Get("state") != "st-123" {
		t.Fatalf("got %d %v", status, cb)
	}
	if cb.Get("iss") != s.Issuer() {
		t.Errorf("RFC 9207 iss = %q, want the issuer %q", cb.Get("iss"), s.Issuer())
	}
}

func TestTokenErrors(t *testing.T) {
	s := authkittest.Start(t)
	now := time.Now()
	s.SetClock(func() time.Time { return now })
	pub := s.AddClient(authkittest.Client{RedirectURIs: []string{testRedirect}})
	other := s.AddClient(authkittest.Client{RedirectURIs: []string{testRedirect}})
	conf := s.AddClient(authkittest.Client{RedirectURIs: []string{testRedirect}, TokenEndpointAuthMethod: authkittest.AuthMethodBasic})
	noRefresh := s.AddClient(authkittest.Client{RedirectURIs: []string{testRedirect}, GrantTypes: []string{"authorization_code"}})
	codeForm := func(clientID, code string) url.Values {
		return url.Values{
			"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {testRedirect},
			"client_id": {clientID}, "code_verifier": {testVerifier},
		}
	}
	tests := []struct {
		name       string
		client     authkittest.Client
		mutAuthz   func(url.Values)
		mutForm    func(f url.Values)
		basic      [2]string
		advance    time.Duration
		wantStatus int
		wantErr    string
		wantAud    any
	}{
		{name: "ok: resource → aud", client: pub, wantStatus: 200, wantAud: testResource},
		{name: "ok: no resource → client id", client: pub, mutAuthz: func(q url.Values) { q.Del("resource") }, wantStatus: 200, wantAud: s.ClientID()},
		{name: "ok: resource only at token", client: pub, mutAuthz: func(q url.Values) { q.Del("resource") }, mutForm: func(f url.Values) { f.Set("resource", "https://b.example.com/mcp") }, wantStatus: 200, wantAud: "https://b.example.com/mcp"},
		{name: "ok: two resources", client: pub, mutAuthz: func(q url.Values) { q.Add("resource", "https://b.example.com/mcp") }, wantStatus: 200, wantAud: []any{testResource, "https://b.example.com/mcp"}},
		{name: "ok: narrowed resource", client: pub, mutAuthz: func(q url.Values) { q.Add("resource", "https://b.example.com/mcp") }, mutForm: func(f url.Values) { f.Set("resource", "https://b.example.com/mcp") }, wantStatus: 200, wantAud: "https://b.example.com/mcp"},
		{name: "resource not granted", client: pub, mutForm: func(f url.Values) { f.Set("resource", "https://other.example.com/mcp") }, wantStatus: 400, wantErr: "invalid_target"},
		{name: "bad resource", client: pub, mutForm: func(f url.Values) { f.Set("resource", "mcp") }, wantStatus: 400, wantErr: "invalid_target"},
		{name: "wrong verifier", client: pub, mutForm: func(f url.Values) { f.Set("code_verifier", strings.Repeat("a", 43)) }, wantStatus: 400, wantErr: "invalid_grant"},
		{name: "missing verifier", client: pub, mutForm: func(f url.Values) { f.Del("code_verifier") }, wantStatus: 400, wantErr: "invalid_request"},
		{name: "wrong redirect_uri", client: pub, mutForm: func(f url.Values) { f.Set("redirect_uri", "http://127.0.0.1:33333/other") }, wantStatus: 400, wantErr: "invalid_grant"},
		{name: "missing redirect_uri", client: pub, mutForm: func(f url.Values) { f.Del("redirect_uri") }, wantStatus: 400, wantErr: "invalid_grant"},
		{name: "code of another client", client: pub, mutForm: func(f url.Values) { f.Set("client_id", other.ID) }, wantStatus: 400, wantErr: "invalid_grant"},
		{name: "unknown code", client: pub, mutForm: func(f url.Values) { f.Set("code", "nope") }, wantStatus: 400, wantErr: "invalid_grant"},
		{name: "expired code", client: pub, advance: authkittest.CodeLifetime, wantStatus: 400, wantErr: "invalid_grant"},
		{name: "unknown client", client: pub, mutForm: func(f url.Values) { f.Set("client_id", "client_nope") }, wantStatus: 401, wantErr: "invalid_client"},
		{name: "missing grant_type", client: pub, mutForm: func(f url.Values) { f.Del("grant_type") }, wantStatus: 400, wantErr: "invalid_request"},
		{name: "unsupported grant_type", client: pub, mutForm: func(f url.Values) { f.Set("grant_type", "password") }, wantStatus: 400, wantErr: "unsupported_grant_type"},
		{name: "grant type not registered", client: noRefresh, mutForm: func(f url.Values) { f.Set("grant_type", "refresh_token") }, wantStatus: 400, wantErr: "unauthorized_client"},
		{name: "confidential: basic", client: conf, mutForm: func(f url.Values) { f.Del("client_id") }, basic: [2]string{conf.ID, conf.Secret}, wantStatus: 200, wantAud: testResource},
		{name: "confidential: post", client: conf, mutForm: func(f url.Values) { f.Set("client_secret", conf.Secret) }, wantStatus: 200, wantAud: testResource},
		{name: "confidential: no secret", client: conf, wantStatus: 401, wantErr: "invalid_client"},
		{name: "confidential: wrong secret", client: conf, basic: [2]string{conf.ID, "wrong"}, wantStatus: 401, wantErr: "invalid_client"},
		{name: "confidential: two methods", client: conf, mutForm: func(f url.Values) { f.Set("client_secret", conf.Secret) }, basic: [2]string{conf.ID, conf.Secret}, wantStatus: 400, wantErr: "invalid_request"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			now = time.Now()
			code := authCode(t, s, tt.client.ID, tt.mutAuthz)
			now = now.Add(tt.advance)
			f := codeForm(tt.client.ID, code)
			if tt.mutForm != nil {
				tt.mutForm(f)
			}
			status, body := postForm(t, s, "/oauth2/token", f, tt.basic[0], tt.basic[1])
			if status != tt.wantStatus || (tt.wantErr != "" && body["error"] != tt.wantErr) {
				t.Fatalf("got %d %v, want %d %s", status, body, tt.wantStatus, tt.wantErr)
			}
			if tt.wantErr != "" && body["error_description"] == nil {
				t.Errorf("no error_description: %v", body)
			}
			if status == 200 {
				_, c := jwtParts(t, body["access_token"].(string))
				if !equalJSON(c["aud"], tt.wantAud) {
					t.Errorf("aud = %v, want %v", c["aud"], tt.wantAud)
				}
			}
		})
	}
}

func TestRefreshScopeAndResource(t *testing.T) {
	s := authkittest.Start(t)
	clientID, _, tok := flowTokens(t, s)
	refresh := tok["refresh_token"].(string)
	try := func(extra url.Values) (int, map[string]any) {
		f := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refresh}, "client_id": {clientID}}
		for k, v := range extra {
			f[k] = v
		}
		return postForm(t, s, "/oauth2/token", f, "", "")
	}
	if status, body := try(url.Values{"scope": {"openid admin"}}); status != 400 || body["error"] != "invalid_scope" {
		t.Errorf("widened scope: %d %v", status, body)
	}
	if status, body := try(url.Values{"resource": {"https://other.example.com"}}); status != 400 || body["error"] != "invalid_target" {
		t.Errorf("other resource: %d %v", status, body)
	}
	if status, body := try(url.Values{"client_id": {s.AddClient(authkittest.Client{RedirectURIs: []string{testRedirect}}).ID}}); status != 400 || body["error"] != "invalid_grant" {
		t.Errorf("other client: %d %v", status, body)
	}
	status, body := try(url.Values{"scope": {"openid"}})
	if status != 200 || body["scope"] != "openid" {
		t.Fatalf("narrowed scope: %d %v", status, body)
	}
	_, c := jwtParts(t, body["access_token"].(string))
	if c["scope"] != "openid" {
		t.Errorf("scope claim = %v", c["scope"])
	}
}

func TestRefreshSeesUserChanges(t *testing.T) {
	s := authkittest.Start(t)
	clientID, _, tok := flowTokens(t, s)
	u := s.User()
	u.Permissions = []string{"new:perm"}
	s.SetUser(u)
	status, body := postForm(t, s, "/oauth2/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok["refresh_token"].(string)}, "client_id": {clientID}}, "", "")
	if status != 200 {
		t.Fatalf("refresh: %d %v", status, body)
	}
	if _, c := jwtParts(t, body["access_token"].(string)); !equalJSON(c["permissions"], []any{"new:perm"}) {
		t.Errorf("permissions = %v", c["permissions"])
	}
}

func TestIntrospection(t *testing.T) {
	s := authkittest.Start(t)
	clientID, _, tok := flowTokens(t, s)
	access := tok["access_token"].(string)
	conf := s.AddClient(authkittest.Client{TokenEndpointAuthMethod: authkittest.AuthMethodPost})

	tests := []struct {
		name       string
		form       url.Values
		user, pass string
		wantStatus int
		wantActive bool
		wantClient string
	}{
		{"issued token", url.Values{"token": {access}}, s.ClientID(), s.ClientSecret(), 200, true, clientID},
		{"post auth", url.Values{"token": {access}, "client_id": {conf.ID}, "client_secret": {conf.Secret}}, "", "", 200, true, clientID},
		{"minted token", url.Values{"token": {s.MustMint(t, authkittest.TokenOptions{})}}, s.ClientID(), s.ClientSecret(), 200, true, s.ClientID()},
		{"expired", url.Values{"token": {s.MustMint(t, authkittest.TokenOptions{ExpiresIn: -time.Minute})}}, s.ClientID(), s.ClientSecret(), 200, false, ""},
		{"other key", url.Values{"token": {s.MustMint(t, authkittest.TokenOptions{SignWith: authkittest.MustNewKey("")})}}, s.ClientID(), s.ClientSecret(), 200, false, ""},
		{"garbage", url.Values{"token": {"not.a.jwt"}}, s.ClientID(), s.ClientSecret(), 200, false, ""},
		{"no credentials", url.Values{"token": {access}}, "", "", 401, false, ""},
		{"wrong secret", url.Values{"token": {access}}, s.ClientID(), "nope", 401, false, ""},
		{"public client", url.Values{"token": {access}, "client_id": {clientID}}, "", "", 401, false, ""},
		{"no token", url.Values{}, s.ClientID(), s.ClientSecret(), 400, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := postForm(t, s, "/oauth2/introspection", tt.form, tt.user, tt.pass)
			if status != tt.wantStatus {
				t.Fatalf("status %d %v, want %d", status, body, tt.wantStatus)
			}
			if status != 200 {
				return
			}
			if body["active"] != tt.wantActive {
				t.Fatalf("active = %v, want %v (%v)", body["active"], tt.wantActive, body)
			}
			if !tt.wantActive {
				if len(body) != 1 {
					t.Errorf("inactive answer leaks fields: %v", body)
				}
				return
			}
			if body["client_id"] != tt.wantClient {
				t.Errorf("client_id = %v, want %v", body["client_id"], tt.wantClient)
			}
			for _, k := range []string{"iss", "sub", "iat", "exp", "sid", "jti", "org_id"} {
				if body[k] == nil {
					t.Errorf("missing %s in %v", k, body)
				}
			}
		})
	}
}

func TestUserinfo(t *testing.T) {
	s := authkittest.Start(t)
	tests := []struct {
		name       string
		auth       string
		wantStatus int
		wantChall  string
	}{
		{"valid", "Bearer " + s.MustMint(t, authkittest.TokenOptions{}), 200, ""},
		{"no token", "", 401, `Bearer realm="authkittest"`},
		{"basic", "Basic eDp5", 401, `Bearer realm="authkittest"`},
		{"expired", "Bearer " + s.MustMint(t, authkittest.TokenOptions{ExpiresIn: -time.Minute}), 401, `Bearer error="invalid_token"`},
		{"session family", "Bearer " + s.MustMint(t, authkittest.TokenOptions{Issuer: s.SessionIssuer()}), 401, `Bearer error="invalid_token"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodGet, s.URL()+"/oauth2/userinfo", nil)
			if tt.auth != "" {
				req.Header.Set("Authorization", tt.auth)
			}
			resp, err := s.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body := decode(t, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tt.wantStatus || resp.Header.Get("WWW-Authenticate") != tt.wantChall {
				t.Fatalf("got %d %q %v", resp.StatusCode, resp.Header.Get("WWW-Authenticate"), body)
			}
			if tt.wantStatus == 200 && (body["sub"] != s.User().ID || body["email"] != s.User().Email || body["given_name"] != "Test") {
				t.Errorf("userinfo = %v", body)
			}
		})
	}
}
