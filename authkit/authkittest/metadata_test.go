package authkittest_test

import (
	"net/http"
	"slices"
	"testing"

	"github.com/mcpauth/mcpauth/authkit/authkittest"
)

func strs(v any) []string {
	a, _ := v.([]any)
	out := make([]string, 0, len(a))
	for _, x := range a {
		s, _ := x.(string)
		out = append(out, s)
	}
	return out
}

func TestMetadata(t *testing.T) {
	s := authkittest.Start(t)
	for _, path := range []string{"/.well-known/oauth-authorization-server", "/.well-known/openid-configuration"} {
		t.Run(path, func(t *testing.T) {
			code, m := getJSON(t, s, s.URL()+path)
			if code != http.StatusOK {
				t.Fatalf("status %d", code)
			}
			wantStr := map[string]string{
				"issuer":                 s.Issuer(),
				"authorization_endpoint": s.URL() + "/oauth2/authorize",
				"token_endpoint":         s.URL() + "/oauth2/token",
				"registration_endpoint":  s.URL() + "/oauth2/register",
				"jwks_uri":               s.URL() + "/oauth2/jwks",
				"introspection_endpoint": s.URL() + "/oauth2/introspection",
				"userinfo_endpoint":      s.URL() + "/oauth2/userinfo",
			}
			for k, v := range wantStr {
				if m[k] != v {
					t.Errorf("%s = %v, want %q", k, m[k], v)
				}
			}
			wantList := map[string][]string{
				"code_challenge_methods_supported":      {"S256"},
				"response_types_supported":              {"code"},
				"response_modes_supported":              {"query"},
				"grant_types_supported":                 {"authorization_code", "refresh_token"},
				"scopes_supported":                      {"email", "offline_access", "openid", "profile"},
				"token_endpoint_auth_methods_supported": {"none", "client_secret_post", "client_secret_basic"},
			}
			for k, v := range wantList {
				if got := strs(m[k]); !slices.Equal(got, v) {
					t.Errorf("%s = %v, want %v", k, got, v)
				}
			}
			if path == "/.well-known/openid-configuration" {
				if got := strs(m["id_token_signing_alg_values_supported"]); !slices.Equal(got, []string{"RS256"}) {
					t.Errorf("id_token_signing_alg_values_supported = %v", got)
				}
				if got := strs(m["subject_types_supported"]); !slices.Equal(got, []string{"public"}) {
					t.Errorf("subject_types_supported = %v", got)
				}
			}
			resp, err := s.Client().Get(s.URL() + path)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.Header.Get("Access-Control-Allow-Origin") != "*" || resp.Header.Get("Content-Type") != "application/json" {
				t.Errorf("headers = %v", resp.Header)
			}
			if _, ok := m["client_id_metadata_document_supported"]; ok {
				t.Errorf("CIMD advertised by default")
			}
			if m["authorization_response_iss_parameter_supported"] != true {
				t.Errorf("authorization_response_iss_parameter_supported = %v, want true (RFC 9207)", m["authorization_response_iss_parameter_supported"])
			}
		})
	}
}

func TestMetadataSwitches(t *testing.T) {
	s := authkittest.Start(t)
	tests := []struct {
		name         string
		dcr, cimd    bool
		wantRegister bool
		wantCIMD     bool
	}{
		{"defaults", true, false, true, false},
		{"DCR off", false, false, false, false},
		{"CIMD on", true, true, true, true},
		{"only CIMD", false, true, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s.SetDCR(tt.dcr)
			s.SetCIMD(tt.cimd)
			for _, url := range []string{s.MetadataURL(), s.OpenIDConfigurationURL()} {
				_, m := getJSON(t, s, url)
				if _, ok := m["registration_endpoint"]; ok != tt.wantRegister {
					t.Errorf("%s: registration_endpoint present = %v", url, ok)
				}
				if got := m["client_id_metadata_document_supported"] == true; got != tt.wantCIMD {
					t.Errorf("%s: CIMD = %v", url, m["client_id_metadata_document_supported"])
				}
			}
			code, body := register(t, s, map[string]any{"redirect_uris": []string{testRedirect}})
			if wantCode := map[bool]int{true: http.StatusCreated, false: http.StatusNotFound}[tt.dcr]; code != wantCode {
				t.Errorf("register: %d %v, want %d", code, body, wantCode)
			}
		})
	}
}

func TestMetadataOverrides(t *testing.T) {
	s := authkittest.Start(t)
	s.SetMetadataOverrides(map[string]any{"issuer": s.Issuer() + "/", "jwks_uri": nil, "device_authorization_endpoint": s.URL() + "/oauth2/device"})
	_, m := getJSON(t, s, s.MetadataURL())
	if m["issuer"] != s.Issuer()+"/" || m["jwks_uri"] != nil || m["device_authorization_endpoint"] == nil {
		t.Errorf("overridden metadata = %v", m)
	}
	s.SetMetadataOverrides(nil)
	_, m = getJSON(t, s, s.MetadataURL())
	if m["issuer"] != s.Issuer() || m["jwks_uri"] == nil {
		t.Errorf("cleared overrides: %v", m)
	}
}

func TestJWKSAndRotation(t *testing.T) {
	s := authkittest.Start(t)
	kids := func() []string {
		_, m := getJSON(t, s, s.JWKSURL())
		var out []string
		for _, k := range m["keys"].([]any) {
			k := k.(map[string]any)
			if k["kty"] != "RSA" || k["alg"] != "RS256" || k["use"] != "sig" || k["n"] == "" || k["e"] != "AQAB" {
				t.Errorf("key = %v", k)
			}
			out = append(out, k["kid"].(string))
		}
		return out
	}
	first := s.SigningKey().ID()
	if got := kids(); !slices.Equal(got, []string{first}) {
		t.Fatalf("kids = %v, want [%s]", got, first)
	}
	old := s.MustMint(t, authkittest.TokenOptions{})

	second := s.RotateKey()
	if second == first || s.SigningKey().ID() != second {
		t.Fatalf("RotateKey = %q (first %q, signing %q)", second, first, s.SigningKey().ID())
	}
	if got := kids(); !slices.Equal(got, []string{first, second}) {
		t.Fatalf("after rotation kids = %v", got)
	}
	fresh := s.MustMint(t, authkittest.TokenOptions{})
	if h, _ := jwtParts(t, fresh); h["kid"] != second {
		t.Errorf("new token kid = %v, want %s", h["kid"], second)
	}
	if !verifyWithJWKS(t, s, old) || !verifyWithJWKS(t, s, fresh) {
		t.Fatal("old and new tokens must both verify after rotation")
	}

	s.RemoveKey(first)
	if got := kids(); !slices.Equal(got, []string{second}) {
		t.Fatalf("after RemoveKey kids = %v", got)
	}
	if verifyWithJWKS(t, s, old) {
		t.Error("token of a removed key still verifies")
	}
	if _, err := s.Verify(old); err == nil {
		t.Error("Verify accepts a token of a removed key")
	}

	k := authkittest.MustNewKey("my-key")
	s.PublishKey(k)
	if got := kids(); !slices.Equal(got, []string{second, "my-key"}) || s.SigningKey().ID() != second {
		t.Fatalf("PublishKey: kids = %v signing %s", got, s.SigningKey().ID())
	}
	s.SetSigningKey(k)
	if h, _ := jwtParts(t, s.MustMint(t, authkittest.TokenOptions{})); h["kid"] != "my-key" {
		t.Errorf("SetSigningKey: kid = %v", h["kid"])
	}
}
