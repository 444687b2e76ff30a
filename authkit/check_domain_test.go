package authkit_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/mcpauth/mcpauth/authkit/authkittest"
	"github.com/mcpauth/mcpauth/remote"
)

// TestCheckNamesDomain: an AuthKit provider derives every URL from
// Config.Domain, so its findings tell the user to check Domain, never the
// settings of the layers below (forward's Issuer, MetadataURL,
// OpenIDConfiguration, idp's JWKSURL), which an authkit.Config does not
// have; the cause stays in the message.
func TestCheckNamesDomain(t *testing.T) {
	for _, tc := range []struct {
		name  string
		path  string
		fault authkittest.Fault
		id    string
		cause string
	}{
		{"metadata unreachable", "/.well-known/oauth-authorization-server", authkittest.Fault{Status: http.StatusServiceUnavailable}, remote.FindingMetadataUnavailable, "503"},
		{"metadata not JSON", "/.well-known/oauth-authorization-server", authkittest.Fault{Status: http.StatusOK, Body: []byte("<html>a login page</html>")}, remote.FindingMetadataInvalid, "rejected"},
		{"OpenID configuration unreachable", "/.well-known/openid-configuration", authkittest.Fault{Status: http.StatusBadGateway}, remote.FindingOIDCUnavailable, "502"},
		{"keys unreachable", "/oauth2/jwks", authkittest.Fault{Status: http.StatusBadGateway}, remote.FindingJWKSUnavailable, "502"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ak := authkittest.Start(t)
			ak.SetCIMD(true)
			ak.SetFault(tc.path, tc.fault)
			p := newProvider(t, ak, nil)
			var found bool
			for _, f := range p.Check(context.Background()) {
				for _, field := range []string{"Config.Issuer", "Config.MetadataURL", "Config.OpenIDConfiguration", "Config.JWKSURL", "Config.Algorithms"} {
					if strings.Contains(f.Message, field) {
						t.Errorf("%s names %s, which authkit.Config lacks: %s", f.ID, field, f.Message)
					}
				}
				if f.ID != tc.id {
					continue
				}
				found = true
				if !strings.Contains(f.Message, "check that Config.Domain is your AuthKit domain") || !strings.Contains(f.Message, tc.cause) {
					t.Errorf("%s = %q, want the cause (%s) and a fix naming Config.Domain", f.ID, f.Message, tc.cause)
				}
			}
			if !found {
				t.Fatalf("no %s finding", tc.id)
			}
		})
	}
}
