package authkittest_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/mcpauth/mcpauth/authkit/authkittest"
)

func TestServerURLs(t *testing.T) {
	s := authkittest.Start(t)
	if !strings.HasPrefix(s.URL(), "http://127.0.0.1:") && !strings.HasPrefix(s.URL(), "http://[::1]:") {
		t.Errorf("URL = %q, want loopback", s.URL())
	}
	if strings.HasSuffix(s.Issuer(), "/") || s.Issuer() != s.URL() {
		t.Errorf("Issuer = %q, URL = %q", s.Issuer(), s.URL())
	}
	if got, want := s.JWKSURL(), s.URL()+"/oauth2/jwks"; got != want {
		t.Errorf("JWKSURL = %q, want %q", got, want)
	}
	if got, want := s.MetadataURL(), s.URL()+"/.well-known/oauth-authorization-server"; got != want {
		t.Errorf("MetadataURL = %q, want %q", got, want)
	}
	if !strings.HasPrefix(s.ClientID(), "client_") {
		t.Errorf("ClientID = %q", s.ClientID())
	}
	if got, want := s.SessionIssuer(), "https://api.workos.com/user_management/"+s.ClientID(); got != want {
		t.Errorf("SessionIssuer = %q, want %q", got, want)
	}
}

func TestMintVerifiesAgainstJWKS(t *testing.T) {
	s := authkittest.Start(t)
	tok := s.MustMint(t, authkittest.TokenOptions{})
	if !verifyWithJWKS(t, s, tok) {
		t.Fatal("minted token does not verify against the served JWKS")
	}
	header, claims := jwtParts(t, tok)
	if header["alg"] != "RS256" || header["kid"] != s.SigningKey().ID() {
		t.Errorf("header = %v", header)
	}
	u := s.User()
	if claims["iss"] != s.Issuer() || claims["sub"] != u.ID || claims["aud"] != s.ClientID() || claims["org_id"] != u.OrganizationID {
		t.Errorf("claims = %v", claims)
	}
	if _, err := s.Verify(tok); err != nil {
		t.Errorf("Verify: %v", err)
	}
	if code, _ := getJSON(t, s, s.MetadataURL()); code != http.StatusOK {
		t.Errorf("metadata status %d", code)
	}
}
