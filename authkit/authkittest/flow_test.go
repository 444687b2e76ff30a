package authkittest_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/mcpauth/mcpauth/authkit/authkittest"
)

const (
	testRedirect = "http://127.0.0.1:33333/callback"
	testResource = "https://mcp.example.com/mcp"
	testVerifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk-extra-chars"
)

func challenge(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// register performs DCR and returns the response.
func register(t testing.TB, s *authkittest.Server, body any) (int, map[string]any) {
	t.Helper()
	b, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := s.Client().Post(s.URL()+"/oauth2/register", "application/json", bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	return resp.StatusCode, decode(t, resp.Body)
}

// authorize GETs /oauth2/authorize and returns the status and the
// redirect's query (nil when there is no Location).
func authorize(t testing.TB, s *authkittest.Server, q url.Values) (int, url.Values) {
	t.Helper()
	resp, err := s.Client().Get(s.URL() + "/oauth2/authorize?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	loc := resp.Header.Get("Location")
	if loc == "" {
		return resp.StatusCode, nil
	}
	u, err := url.Parse(loc)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, u.Query()
}

func authzQuery(clientID string) url.Values {
	return url.Values{
		"response_type":         {"code"},
		"client_id":             {clientID},
		"redirect_uri":          {testRedirect},
		"state":                 {"st-123"},
		"scope":                 {"openid email profile"},
		"code_challenge":        {challenge(testVerifier)},
		"code_challenge_method": {"S256"},
		"resource":              {testResource},
	}
}

func TestAuthorizationCodeFlow(t *testing.T) {
	s := authkittest.Start(t)
	s.SetUser(authkittest.User{
		ID: "user_01ALICE", Email: "alice@example.com", EmailVerified: true, FirstName: "Alice", LastName: "Liddell",
		OrganizationID: "org_01ACME", Role: "admin", Roles: []string{"admin"},
		Permissions: []string{"widgets:read", "widgets:write"}, Entitlements: []string{"gold"}, FeatureFlags: []string{"beta"},
	})

	// 1. Register a public client.
	code, reg := register(t, s, map[string]any{
		"redirect_uris":              []string{testRedirect},
		"token_endpoint_auth_method": "none",
		"client_name":                "flow test",
	})
	if code != http.StatusCreated {
		t.Fatalf("register: %d %v", code, reg)
	}
	clientID, _ := reg["client_id"].(string)
	if _, hasSecret := reg["client_secret"]; hasSecret || reg["token_endpoint_auth_method"] != "none" {
		t.Fatalf("public client got %v", reg)
	}

	// 2. Authorize.
	status, cb := authorize(t, s, authzQuery(clientID))
	if status != http.StatusFound || cb.Get("code") == "" || cb.Get("state") != "st-123" {
		t.Fatalf("authorize: %d %v", status, cb)
	}
	if got := s.Requests(); got[len(got)-1].Query.Get("resource") != testResource {
		t.Errorf("request log lacks resource: %+v", got[len(got)-1])
	}

	// 3. Exchange the code.
	form := url.Values{
		"grant_type":    {"authorization_code"},
		"code":          {cb.Get("code")},
		"redirect_uri":  {testRedirect},
		"client_id":     {clientID},
		"code_verifier": {testVerifier},
		"resource":      {testResource},
	}
	status, tok := postForm(t, s, "/oauth2/token", form, "", "")
	if status != http.StatusOK {
		t.Fatalf("token: %d %v", status, tok)
	}
	access, _ := tok["access_token"].(string)
	refresh, _ := tok["refresh_token"].(string)
	if tok["token_type"] != "Bearer" || tok["expires_in"] != float64(300) || refresh == "" || tok["id_token"] == nil || tok["scope"] != "openid email profile" {
		t.Errorf("token response = %v", tok)
	}
	if !verifyWithJWKS(t, s, access) {
		t.Fatal("access token does not verify")
	}
	_, claims := jwtParts(t, access)
	want := map[string]any{
		"iss": s.Issuer(), "sub": "user_01ALICE", "aud": testResource, "org_id": "org_01ACME",
		"role": "admin", "scope": "openid email profile", "client_id": clientID,
	}
	for k, v := range want {
		if claims[k] != v {
			t.Errorf("claim %s = %v, want %v", k, claims[k], v)
		}
	}
	for _, k := range []string{"sid", "jti", "iat", "exp", "roles", "permissions", "entitlements", "feature_flags"} {
		if claims[k] == nil {
			t.Errorf("claim %s missing", k)
		}
	}
	if exp, iat := claims["exp"].(float64), claims["iat"].(float64); exp-iat != 300 {
		t.Errorf("lifetime = %v s, want 300", exp-iat)
	}

	// 4. Userinfo with the access token.
	req, _ := http.NewRequest(http.MethodGet, s.URL()+"/oauth2/userinfo", nil)
	req.Header.Set("Authorization", "Bearer "+access)
	resp, err := s.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	ui := decode(t, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || ui["sub"] != "user_01ALICE" || ui["email"] != "alice@example.com" || ui["name"] != "Alice Liddell" {
		t.Errorf("userinfo: %d %v", resp.StatusCode, ui)
	}

	// 5. Refresh, with rotation; sid stays.
	rform := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refresh}, "client_id": {clientID}}
	status, tok2 := postForm(t, s, "/oauth2/token", rform, "", "")
	if status != http.StatusOK {
		t.Fatalf("refresh: %d %v", status, tok2)
	}
	refresh2, _ := tok2["refresh_token"].(string)
	if refresh2 == "" || refresh2 == refresh {
		t.Errorf("refresh token not rotated")
	}
	_, claims2 := jwtParts(t, tok2["access_token"].(string))
	if claims2["sid"] != claims["sid"] || claims2["aud"] != testResource || claims2["jti"] == claims["jti"] {
		t.Errorf("refreshed claims = %v", claims2)
	}
	// The old refresh token is dead, and replaying it revokes the new one.
	if status, body := postForm(t, s, "/oauth2/token", rform, "", ""); status != http.StatusBadRequest || body["error"] != "invalid_grant" {
		t.Errorf("refresh replay: %d %v", status, body)
	}
	rform.Set("refresh_token", refresh2)
	if status, body := postForm(t, s, "/oauth2/token", rform, "", ""); status != http.StatusBadRequest || body["error"] != "invalid_grant" {
		t.Errorf("refresh after replay: %d %v", status, body)
	}

	// The log never holds secrets.
	for _, r := range s.Requests() {
		for _, k := range []string{"code", "code_verifier", "refresh_token"} {
			if v := r.Form.Get(k); v != "" && v != "[redacted]" {
				t.Errorf("log %s %s keeps %s", r.Method, r.Path, k)
			}
		}
		if strings.Contains(r.Form.Encode(), refresh) {
			t.Errorf("log holds a refresh token")
		}
	}
}

// flowTokens runs authorize + code exchange for a new public client and
// returns the client id, the token form used and the token response.
func flowTokens(t testing.TB, s *authkittest.Server) (string, url.Values, map[string]any) {
	t.Helper()
	_, reg := register(t, s, map[string]any{"redirect_uris": []string{testRedirect}, "token_endpoint_auth_method": "none"})
	clientID, _ := reg["client_id"].(string)
	form, tok := codeTokens(t, s, clientID)
	return clientID, form, tok
}

// codeTokens authorizes the public client clientID and redeems the code,
// returning the token form used and the token response.
func codeTokens(t testing.TB, s *authkittest.Server, clientID string) (url.Values, map[string]any) {
	t.Helper()
	status, cb := authorize(t, s, authzQuery(clientID))
	if status != http.StatusFound || cb.Get("code") == "" {
		t.Fatalf("authorize: %d %v", status, cb)
	}
	form := url.Values{
		"grant_type":    {"authorization_code"},
		"code":          {cb.Get("code")},
		"redirect_uri":  {testRedirect},
		"client_id":     {clientID},
		"code_verifier": {testVerifier},
	}
	status, tok := postForm(t, s, "/oauth2/token", form, "", "")
	if status != http.StatusOK {
		t.Fatalf("token: %d %v", status, tok)
	}
	return form, tok
}

func TestCodeReplayRevokesGrant(t *testing.T) {
	s := authkittest.Start(t)
	clientID, form, tok := flowTokens(t, s)
	if status, body := postForm(t, s, "/oauth2/token", form, "", ""); status != http.StatusBadRequest || body["error"] != "invalid_grant" {
		t.Fatalf("code replay: %d %v", status, body)
	}
	rform := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok["refresh_token"].(string)}, "client_id": {clientID}}
	if status, body := postForm(t, s, "/oauth2/token", rform, "", ""); status != http.StatusBadRequest || body["error"] != "invalid_grant" {
		t.Errorf("refresh after code replay: %d %v", status, body)
	}
}
