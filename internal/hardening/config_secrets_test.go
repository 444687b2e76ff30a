package hardening

import (
	"strings"
	"testing"

	"github.com/mcpauth/mcpauth/authkit"
	"github.com/mcpauth/mcpauth/forward"
	"github.com/mcpauth/mcpauth/remote"
)

// A URL pasted into configuration with credentials in it is refused, and the
// error that says so (printed by the demo, logged by users) never repeats
// the credentials.
func TestConfigErrorsNeverEchoCredentials(t *testing.T) {
	const secret = "s3cret-pw"
	errs := map[string]error{}
	_, errs["authkit Domain"] = authkit.New(authkit.Config{Domain: "https://user:" + secret + "@x.authkit.app", BaseURL: "https://mcp.example.com"})
	_, errs["authkit Domain, no scheme"] = authkit.New(authkit.Config{Domain: "user:" + secret + "@x.authkit.app", BaseURL: "https://mcp.example.com"})
	_, errs["authkit BaseURL"] = authkit.New(authkit.Config{Domain: "x.authkit.app", BaseURL: "https://user:" + secret + "@mcp.example.com"})
	_, errs["remote MCPURL"] = remote.New(remote.Config{MCPURL: "https://user:" + secret + "@mcp.example.com/mcp",
		AuthorizationServers: []string{"https://x.authkit.app"}, Verifier: remote.TokenVerifierFunc(nil)})
	_, errs["remote JWKSURL"] = remote.NewJWTVerifier(remote.JWTConfig{JWKSURL: "http://user:" + secret + "@jwks.example.com/keys",
		Issuer: "https://x.authkit.app", Audiences: []string{"https://mcp.example.com/mcp"}})
	_, errs["forward Issuer"] = forward.New(forward.Config{Issuer: "https://user:" + secret + "@x.authkit.app"})
	_, errs["forward MetadataURL, unparsable"] = forward.New(forward.Config{Issuer: "https://x.authkit.app", MetadataURL: "https://user:" + secret + "@x.authkit.app:99999999999/%zz"})
	for name, err := range errs {
		if err == nil {
			t.Errorf("%s: accepted a URL with credentials", name)
			continue
		}
		if strings.Contains(err.Error(), secret) {
			t.Errorf("%s: error repeats the credentials: %v", name, err)
		}
	}
}
