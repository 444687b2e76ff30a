package remote

import (
	"strings"
	"testing"
)

func TestCanonicalResourceURL(t *testing.T) {
	for _, tt := range []struct {
		in, want, metadata string
	}{
		{"https://mcp.example.com/mcp", "https://mcp.example.com/mcp", "https://mcp.example.com/.well-known/oauth-protected-resource/mcp"},
		{"HTTPS://MCP.Example.COM/mcp", "https://mcp.example.com/mcp", "https://mcp.example.com/.well-known/oauth-protected-resource/mcp"},
		{"https://mcp.example.com:443/mcp/", "https://mcp.example.com/mcp", "https://mcp.example.com/.well-known/oauth-protected-resource/mcp"},
		{"https://mcp.example.com:8443/api/v1/mcp", "https://mcp.example.com:8443/api/v1/mcp", "https://mcp.example.com:8443/.well-known/oauth-protected-resource/api/v1/mcp"},
		{"https://mcp.example.com", "https://mcp.example.com", "https://mcp.example.com/.well-known/oauth-protected-resource"},
		{"https://mcp.example.com/", "https://mcp.example.com", "https://mcp.example.com/.well-known/oauth-protected-resource"},
		{"https://mcp.example.com/MCP", "https://mcp.example.com/MCP", "https://mcp.example.com/.well-known/oauth-protected-resource/MCP"},
		{"http://localhost:3000/mcp", "http://localhost:3000/mcp", "http://localhost:3000/.well-known/oauth-protected-resource/mcp"},
		{"http://127.0.0.1:80/mcp", "http://127.0.0.1/mcp", "http://127.0.0.1/.well-known/oauth-protected-resource/mcp"},
		{"http://127.9.9.9/mcp", "http://127.9.9.9/mcp", "http://127.9.9.9/.well-known/oauth-protected-resource/mcp"},
		{"http://[::1]:8080/mcp", "http://[::1]:8080/mcp", "http://[::1]:8080/.well-known/oauth-protected-resource/mcp"},
		{"https://[2001:DB8::1]/mcp", "https://[2001:db8::1]/mcp", "https://[2001:db8::1]/.well-known/oauth-protected-resource/mcp"},
		{"https://mcp.example.com/a%20b/mcp", "https://mcp.example.com/a%20b/mcp", "https://mcp.example.com/.well-known/oauth-protected-resource/a%20b/mcp"},
	} {
		t.Run(tt.in, func(t *testing.T) {
			p := newTestProvider(t, func(c *Config) { c.MCPURL = tt.in })
			if p.MCPURL() != tt.want {
				t.Errorf("MCPURL() = %q, want %q", p.MCPURL(), tt.want)
			}
			if p.ResourceMetadataURL() != tt.metadata {
				t.Errorf("ResourceMetadataURL() = %q, want %q", p.ResourceMetadataURL(), tt.metadata)
			}
			if p.audiences[0] != tt.want {
				t.Errorf("default audience %q", p.audiences[0])
			}
		})
	}
}

func TestNewRejects(t *testing.T) {
	for _, tt := range []struct {
		name   string
		mutate func(*Config)
		want   string // substring of the error
	}{
		{"no resource", func(c *Config) { c.MCPURL = "" }, "Config.MCPURL is required"},
		{"relative", func(c *Config) { c.MCPURL = "/mcp" }, "absolute https URL"},
		{"no host", func(c *Config) { c.MCPURL = "https:///mcp" }, "with a host"},
		{"ftp", func(c *Config) { c.MCPURL = "ftp://mcp.example.com/mcp" }, "absolute https URL"},
		{"http public", func(c *Config) { c.MCPURL = "http://mcp.example.com/mcp" }, "must use https"},
		{"http lookalike", func(c *Config) { c.MCPURL = "http://localhost.example.com/mcp" }, "must use https"},
		{"userinfo", func(c *Config) { c.MCPURL = "https://u:p@mcp.example.com/mcp" }, "userinfo"},
		{"query", func(c *Config) { c.MCPURL = "https://mcp.example.com/mcp?x=1" }, "query"},
		{"empty query", func(c *Config) { c.MCPURL = "https://mcp.example.com/mcp?" }, "query"},
		{"fragment", func(c *Config) { c.MCPURL = "https://mcp.example.com/mcp#x" }, "fragment"},
		{"empty fragment", func(c *Config) { c.MCPURL = "https://mcp.example.com/mcp#" }, "fragment"},
		{"dot segment", func(c *Config) { c.MCPURL = "https://mcp.example.com/a/../mcp" }, "dot segments"},
		{"bad host", func(c *Config) { c.MCPURL = "https://mcp..example.com/mcp" }, "invalid host name"},
		{"port 0", func(c *Config) { c.MCPURL = "https://mcp.example.com:0/mcp" }, "invalid port"},
		{"http with the fix", func(c *Config) { c.MCPURL = "http://mcp.example.com/mcp" }, `write "https://mcp.example.com/mcp"`},
		{"JWKS-style userinfo in an AS", func(c *Config) { c.AuthorizationServers = []string{"https://u:p@auth.example.com"} }, `"https://REDACTED@auth.example.com" must not contain userinfo`},
		{"no AS", func(c *Config) { c.AuthorizationServers = nil }, "Config.AuthorizationServers is required"},
		{"relative AS", func(c *Config) { c.AuthorizationServers = []string{"auth.example.com"} }, "AuthorizationServers[0]"},
		{"http AS", func(c *Config) { c.AuthorizationServers = []string{"http://auth.example.com"} }, "must use https"},
		{"AS with query", func(c *Config) { c.AuthorizationServers = []string{"https://auth.example.com?x"} }, "query"},
		{"no verifier", func(c *Config) { c.Verifier = nil }, "Config.Verifier is required"},
		{"bad scope", func(c *Config) { c.RequiredScopes = []string{"a b"} }, "not a valid scope"},
		{"empty scope", func(c *Config) { c.ScopesSupported = []string{""} }, "not a valid scope"},
		{"quote in scope", func(c *Config) { c.ToolScopes = map[string][]string{"t": {`a"b`}} }, "not a valid scope"},
		{"empty tool", func(c *Config) { c.ToolScopes = map[string][]string{"": {"a"}} }, "empty tool name"},
		{"offline_access required", func(c *Config) { c.RequiredScopes = []string{"offline_access"} }, "offline_access"},
		{"empty audience", func(c *Config) { c.Audiences = []string{""} }, "Audiences[0]"},
		{"bad docs URL", func(c *Config) { c.ResourceDocumentation = "docs" }, "ResourceDocumentation"},
		{"negative cap", func(c *Config) { c.MaxTokenBytes = -1 }, "must not be negative"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cfg := testConfig()
			tt.mutate(&cfg)
			p, err := New(cfg)
			if err == nil || p != nil {
				t.Fatalf("New accepted the config")
			}
			if !strings.HasPrefix(err.Error(), "remote: ") || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestAuthorizationServersKeptByteForByte(t *testing.T) {
	as := []string{"https://Tenant.AuthKit.app/", "https://auth.example.com:443/realms/x"}
	p := newTestProvider(t, func(c *Config) { c.AuthorizationServers = as })
	for _, want := range []string{`"https://Tenant.AuthKit.app/"`, `"https://auth.example.com:443/realms/x"`} {
		if !strings.Contains(string(p.prmPath), want) || !strings.Contains(string(p.prmRoot), want) {
			t.Errorf("metadata lacks %s:\n%s", want, p.prmPath)
		}
	}
	as[0] = "https://changed.example.com" // the caller's slice is not aliased for validation; the document is already built
	if strings.Contains(string(p.prmPath), "changed") {
		t.Error("metadata follows later changes to the caller's slice")
	}
}

func TestMustNewPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("MustNew did not panic")
		}
	}()
	MustNew(Config{})
}
