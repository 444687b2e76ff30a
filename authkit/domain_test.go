package authkit

import (
	"strings"
	"testing"
)

func TestDomainEndpointsAccepted(t *testing.T) {
	const want = "https://my-app.authkit.app"
	for _, in := range []string{
		"my-app.authkit.app",
		"https://my-app.authkit.app",
		"https://my-app.authkit.app/",
		"my-app.authkit.app/",
		"  my-app.authkit.app\n",
		"HTTPS://My-App.AuthKit.App",
		"https://my-app.authkit.app:443",
		"https://my-app.authkit.app:443/",
	} {
		t.Run(in, func(t *testing.T) {
			e, err := DomainEndpoints(in)
			if err != nil {
				t.Fatalf("DomainEndpoints(%q): %v", in, err)
			}
			if e.Issuer != want {
				t.Errorf("Issuer = %q, want %q", e.Issuer, want)
			}
			if e.JWKS != want+"/oauth2/jwks" {
				t.Errorf("JWKS = %q", e.JWKS)
			}
			if e.Metadata != want+"/.well-known/oauth-authorization-server" {
				t.Errorf("Metadata = %q", e.Metadata)
			}
		})
	}
}

func TestDomainEndpointsOtherHosts(t *testing.T) {
	for in, want := range map[string]string{
		"auth.example.com":          "https://auth.example.com",
		"https://auth.example.com/": "https://auth.example.com",
		"auth.example.com:8443":     "https://auth.example.com:8443",
		"http://127.0.0.1:8080":     "http://127.0.0.1:8080",
		"http://localhost:9000/":    "http://localhost:9000",
		"http://[::1]:9000":         "http://[::1]:9000",
		"http://LOCALHOST":          "http://localhost",
	} {
		t.Run(in, func(t *testing.T) {
			e, err := DomainEndpoints(in)
			if err != nil {
				t.Fatalf("DomainEndpoints(%q): %v", in, err)
			}
			if e.Issuer != want {
				t.Errorf("Issuer = %q, want %q", e.Issuer, want)
			}
			if strings.HasSuffix(e.Issuer, "/") {
				t.Errorf("Issuer %q ends with a slash", e.Issuer)
			}
		})
	}
}

func TestDomainEndpointsRejected(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string // substrings of the message
	}{
		{"", []string{"empty", "my-app.authkit.app"}},
		{"   ", []string{"empty"}},
		{"https://my-app.authkit.app/oauth2", []string{"has a path (/oauth2)", `write "my-app.authkit.app"`}},
		{"https://my-app.authkit.app/.well-known/oauth-authorization-server", []string{"has a path", `write "my-app.authkit.app"`}},
		{"my-app.authkit.app/x/", []string{"has a path"}},
		{"https://my-app.authkit.app?x=1", []string{"has a query", `write "my-app.authkit.app"`}},
		{"https://my-app.authkit.app/?", []string{"has a query"}},
		{"https://my-app.authkit.app#frag", []string{"has a fragment", `write "my-app.authkit.app"`}},
		{"https://my-app.authkit.app#", []string{"has a fragment"}},
		{"https://user:pw@my-app.authkit.app", []string{"user information", `write "my-app.authkit.app"`}},
		{"http://my-app.authkit.app", []string{"uses http", `write "my-app.authkit.app"`, "loopback"}},
		{"ftp://my-app.authkit.app", []string{`scheme "ftp"`, `"https://my-app.authkit.app"`}},
		{"https://", []string{"no host"}},
		{"https://my app.authkit.app", []string{"not"}},
		{"https://my-app..authkit.app", []string{"not a valid host"}},
		{"https://my-app.authkit.app:0", []string{"invalid port"}},
		{"https://api.workos.com", []string{"WorkOS API", "Domains"}},
		{"https://api.workos.com/user_management/client_123", []string{"WorkOS API"}},
	} {
		t.Run(tc.in, func(t *testing.T) {
			_, err := DomainEndpoints(tc.in)
			if err == nil {
				t.Fatalf("DomainEndpoints(%q) accepted", tc.in)
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, "authkit: ") {
				t.Errorf("message %q lacks the package prefix", msg)
			}
			for _, w := range tc.want {
				if !strings.Contains(msg, w) {
					t.Errorf("message %q does not contain %q", msg, w)
				}
			}
		})
	}
}

func TestEndpointsString(t *testing.T) {
	e, err := DomainEndpoints("my-app.authkit.app")
	if err != nil {
		t.Fatal(err)
	}
	s := e.String()
	for _, v := range []string{e.Issuer, e.JWKS, e.Metadata, e.Registration, e.Token} {
		if !strings.Contains(s, v) {
			t.Errorf("String() lacks %q:\n%s", v, s)
		}
	}
}

func TestMCPURL(t *testing.T) {
	for _, tc := range []struct{ base, path, want string }{
		{"https://mcp.example.com", "", "https://mcp.example.com/mcp"},
		{"https://mcp.example.com/", "", "https://mcp.example.com/mcp"},
		{"HTTPS://MCP.Example.COM:443", "/mcp/", "https://mcp.example.com/mcp"},
		{"https://example.com/tools", "mcp", "https://example.com/tools/mcp"},
		{"https://example.com", "/api/v1/mcp", "https://example.com/api/v1/mcp"},
		{"https://example.com", "/", "https://example.com"},
		{"http://localhost:8080", "", "http://localhost:8080/mcp"},
		{"http://127.0.0.1:8080/", "/mcp", "http://127.0.0.1:8080/mcp"},
	} {
		t.Run(tc.base+" "+tc.path, func(t *testing.T) {
			got, err := MCPURL(tc.base, tc.path)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("MCPURL(%q, %q) = %q, want %q", tc.base, tc.path, got, tc.want)
			}
		})
	}
}

func TestMCPURLRejected(t *testing.T) {
	for _, tc := range []struct{ base, path, want string }{
		{"", "", "base URL is empty"},
		{"mcp.example.com", "", "not an absolute URL"},
		{"http://mcp.example.com", "", `write "https://mcp.example.com"`},
		{"ftp://mcp.example.com", "", `scheme "ftp"`},
		{"https://u@mcp.example.com", "", "user information"},
		{"https://mcp.example.com?a=b", "", "query or fragment"},
		{"https://mcp.example.com#x", "", "query or fragment"},
		{"https://mcp.example.com", "/a/../b", "not a clean URL path"},
		{"https://mcp.example.com/a/..", "", "dot segments"},
		{"https://mcp.example.com:99999", "", "invalid port"},
		{"https://mcp.example.com", "/mcp?x", "not a clean URL path"},
		{"https://mcp.example.com", "//mcp", "not a clean URL path"},
	} {
		t.Run(tc.base+" "+tc.path, func(t *testing.T) {
			_, err := MCPURL(tc.base, tc.path)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("MCPURL(%q, %q) error = %v, want one containing %q", tc.base, tc.path, err, tc.want)
			}
		})
	}
}

func FuzzDomainEndpoints(f *testing.F) {
	for _, s := range []string{"my-app.authkit.app", "https://a.b/", "http://127.0.0.1:1", "https://u@h/p?q#f", "", "[::1]", "https://[::1]:99999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		e, err := DomainEndpoints(in)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "authkit: ") {
				t.Fatalf("unprefixed error %q", err)
			}
			return
		}
		if strings.HasSuffix(e.Issuer, "/") || strings.ContainsAny(e.Issuer, "?#@ ") {
			t.Fatalf("DomainEndpoints(%q).Issuer = %q", in, e.Issuer)
		}
		// Normalisation is idempotent: the issuer is itself an accepted form.
		again, err := DomainEndpoints(e.Issuer)
		if err != nil || again.Issuer != e.Issuer {
			t.Fatalf("re-normalising %q: %q, %v", e.Issuer, again.Issuer, err)
		}
	})
}

func FuzzMCPURL(f *testing.F) {
	f.Add("https://mcp.example.com", "/mcp")
	f.Add("http://localhost:1/", "")
	f.Add("https://a/b/", "c/")
	f.Fuzz(func(t *testing.T, base, path string) {
		u, err := MCPURL(base, path)
		if err != nil {
			return
		}
		if strings.HasSuffix(u, "/") || strings.ContainsAny(u, "?# ") {
			t.Fatalf("MCPURL(%q, %q) = %q", base, path, u)
		}
	})
}
