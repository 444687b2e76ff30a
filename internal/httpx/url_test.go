package httpx

import (
	"errors"
	"net/url"
	"strings"
	"testing"
)

func TestCheckURL(t *testing.T) {
	for _, tc := range []struct {
		raw  string
		kind URLKind
		want URLProblem // 0: accepted
		fix  string
	}{
		{"https://mcp.example.com/mcp", IdentifierURL, 0, ""},
		{"HTTPS://MCP.Example.COM:443/mcp", IdentifierURL, 0, ""},
		{"http://localhost:8080/mcp", IdentifierURL, 0, ""},
		{"http://127.9.9.9/mcp", IdentifierURL, 0, ""},
		{"http://[::1]:8080/mcp", IdentifierURL, 0, ""},
		{"https://[2001:db8::1]/mcp", IdentifierURL, 0, ""},
		{"https://my_service.internal/mcp", IdentifierURL, 0, ""},

		{"https://a.example/%zz", IdentifierURL, NotAURL, ""},
		{"/mcp", IdentifierURL, NotHTTP, ""},
		{"mcp.example.com", IdentifierURL, NotHTTP, ""},
		{"ftp://mcp.example.com/mcp", IdentifierURL, NotHTTP, "https://mcp.example.com/mcp"},
		{"localhost:8080", IdentifierURL, NoHost, ""},
		{"https:///mcp", IdentifierURL, NoHost, ""},
		{"https://my-app..authkit.app", IdentifierURL, BadHost, ""},
		{"https://bücher.example/mcp", IdentifierURL, BadHost, ""},
		{"https://a!b.example/mcp", IdentifierURL, BadHost, ""},
		{"https://" + strings.Repeat("a", 64) + ".example", IdentifierURL, BadHost, ""},
		{"https://mcp.example.com:0/mcp", IdentifierURL, BadPort, "https://mcp.example.com/mcp"},
		{"https://mcp.example.com:99999/mcp", IdentifierURL, BadPort, "https://mcp.example.com/mcp"},
		{"http://mcp.example.com/mcp", IdentifierURL, PlainHTTP, "https://mcp.example.com/mcp"},
		{"http://mcp.example.com:80/", IdentifierURL, PlainHTTP, "https://mcp.example.com/"},
		{"http://localhost.example.com/mcp", IdentifierURL, PlainHTTP, "https://localhost.example.com/mcp"},
		{"https://u:p@mcp.example.com/mcp", IdentifierURL, HasUserinfo, "https://mcp.example.com/mcp"},
		{"https://mcp.example.com/mcp?x=1", IdentifierURL, HasQuery, "https://mcp.example.com/mcp"},
		{"https://mcp.example.com/mcp?", IdentifierURL, HasQuery, "https://mcp.example.com/mcp"},
		{"https://mcp.example.com/mcp#x", IdentifierURL, HasFragment, "https://mcp.example.com/mcp"},
		{"https://mcp.example.com/mcp#", IdentifierURL, HasFragment, "https://mcp.example.com/mcp"},

		{"https://my-app.authkit.app", OriginURL, 0, ""},
		{"https://my-app.authkit.app/", OriginURL, 0, ""},
		{"https://my-app.authkit.app/oauth2", OriginURL, HasPath, "https://my-app.authkit.app"},

		{"https://docs.example.com/mcp?lang=en", PageURL, 0, ""},
		{"http://docs.example.com/?lang=en", PageURL, PlainHTTP, "https://docs.example.com/?lang=en"},
		{"https://u@docs.example.com/", PageURL, HasUserinfo, "https://docs.example.com/"},

		{"https://u:p@idp.example.com/jwks?x", EndpointURL, 0, ""},
		{"http://u:p@idp.example.com/jwks", EndpointURL, PlainHTTP, ""}, // no fix: it would repeat the credentials
		{"https://idp.example.com/jwks#k", EndpointURL, HasFragment, "https://idp.example.com/jwks"},

		{"http://idp.example.com/token", ListedURL, 0, ""},
		{"https://u@idp.example.com/token?x", ListedURL, 0, ""},
		{"https://idp.example.com/token#x", ListedURL, HasFragment, "https://idp.example.com/token"},
		{"urn:x", ListedURL, NoHost, ""},
	} {
		t.Run(tc.raw, func(t *testing.T) {
			u, err := CheckURL(tc.raw, tc.kind)
			if tc.want == 0 {
				if err != nil || u == nil {
					t.Fatalf("CheckURL(%q, %d) = %v", tc.raw, tc.kind, err)
				}
				return
			}
			var ue *URLError
			if !errors.As(err, &ue) || u != nil {
				t.Fatalf("CheckURL(%q, %d) = %v, %v; want a *URLError", tc.raw, tc.kind, u, err)
			}
			if ue.Problem != tc.want || ue.Fix != tc.fix {
				t.Errorf("problem %d fix %q, want %d %q (%v)", ue.Problem, ue.Fix, tc.want, tc.fix, err)
			}
			if strings.Contains(err.Error(), "u:p") || strings.Contains(err.Error(), "p@") {
				t.Errorf("error repeats userinfo: %v", err)
			}
		})
	}
}

func TestCanonicalResourceURL(t *testing.T) {
	for in, want := range map[string][3]string{
		"https://mcp.example.com/mcp":              {"https://mcp.example.com/mcp", "https://mcp.example.com", "/mcp"},
		"HTTPS://MCP.Example.COM:443/mcp/":         {"https://mcp.example.com/mcp", "https://mcp.example.com", "/mcp"},
		"https://mcp.example.com:8443/api/v1/mcp":  {"https://mcp.example.com:8443/api/v1/mcp", "https://mcp.example.com:8443", "/api/v1/mcp"},
		"https://mcp.example.com/":                 {"https://mcp.example.com", "https://mcp.example.com", ""},
		"http://127.0.0.1:80/mcp":                  {"http://127.0.0.1/mcp", "http://127.0.0.1", "/mcp"},
		"https://[2001:DB8::1]/MCP":                {"https://[2001:db8::1]/MCP", "https://[2001:db8::1]", "/MCP"},
		"https://mcp.example.com/a%20b/mcp":        {"https://mcp.example.com/a%20b/mcp", "https://mcp.example.com", "/a%20b/mcp"},
		"https://mcp.example.com/a/../mcp":         {"", "", string(rune(DotSegment))},
		"https://mcp.example.com/mcp?resource=yes": {"", "", string(rune(HasQuery))},
	} {
		canon, origin, path, err := CanonicalResourceURL(in)
		if want[0] == "" {
			var ue *URLError
			if !errors.As(err, &ue) || string(rune(ue.Problem)) != want[2] {
				t.Errorf("CanonicalResourceURL(%q) error = %v, want problem %d", in, err, want[2][0])
			}
			continue
		}
		if err != nil || canon != want[0] || origin != want[1] || path != want[2] {
			t.Errorf("CanonicalResourceURL(%q) = %q, %q, %q, %v; want %q", in, canon, origin, path, err, want)
		}
		if again, _, _, err := CanonicalResourceURL(canon); err != nil || again != canon {
			t.Errorf("not idempotent: %q -> %q, %v", canon, again, err)
		}
	}
}

func TestHostPort(t *testing.T) {
	for _, tc := range [][3]string{
		{"mcp.example.com", "", "mcp.example.com"},
		{"mcp.example.com", "8443", "mcp.example.com:8443"},
		{"::1", "8080", "[::1]:8080"},
		{"2001:db8::1", "", "[2001:db8::1]"},
	} {
		if got := HostPort(tc[0], tc[1]); got != tc[2] {
			t.Errorf("HostPort(%q, %q) = %q, want %q", tc[0], tc[1], got, tc[2])
		}
	}
}

// FuzzCanonicalResourceURL: an accepted URL canonicalises to an accepted
// URL that canonicalises to itself, with no part the rule refuses.
func FuzzCanonicalResourceURL(f *testing.F) {
	for _, s := range []string{"https://mcp.example.com/mcp", "HTTP://LOCALHOST:80/a/", "https://[::1]:1/%41", "https://u@h/p?q#f", "https://a_b.c:65535"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		canon, origin, path, err := CanonicalResourceURL(raw)
		if err != nil {
			var ue *URLError
			if !errors.As(err, &ue) {
				t.Fatalf("error %v is not a *URLError", err)
			}
			return
		}
		u, err := url.Parse(canon)
		if err != nil || canon != origin+path || strings.HasSuffix(canon, "/") || strings.ContainsAny(canon, "?# ") ||
			u.User != nil || u.RawQuery != "" || u.Fragment != "" || HasDotSegment(u.EscapedPath()) {
			t.Fatalf("CanonicalResourceURL(%q) = %q (%q + %q)", raw, canon, origin, path)
		}
		if again, _, _, err := CanonicalResourceURL(canon); err != nil || again != canon {
			t.Fatalf("CanonicalResourceURL(%q) = %q, %v; want it unchanged", canon, again, err)
		}
	})
}
func TestIsLoopbackHost(t *testing.T) {
	for host, want := range map[string]bool{
		"localhost": true, "LocalHost": true, "127.0.0.1": true, "127.0.0.2": true, "::1": true,
		"app.localhost": false, "localhost.example.com": false, "10.0.0.1": false, "": false, "::": false,
		"mcp.example.com": false, "0.0.0.0": false,
	} {
		if got := IsLoopbackHost(host); got != want {
			t.Errorf("IsLoopbackHost(%q) = %v, want %v", host, got, want)
		}
	}
}

func TestRedactUserinfo(t *testing.T) {
	for in, want := range map[string]string{
		"https://user:s3cret@x.authkit.app/p?q#f": "https://REDACTED@x.authkit.app/p?q#f",
		"user:s3cret@x.authkit.app":               "REDACTED@x.authkit.app",
		"https://tok@en@x.example.com":            "https://REDACTED@x.example.com",
		"https://x.example.com/a@b":               "https://x.example.com/a@b",
		"x.authkit.app":                           "x.authkit.app",
		"":                                        "",
	} {
		if got := RedactUserinfo(in); got != want {
			t.Errorf("RedactUserinfo(%q) = %q, want %q", in, got, want)
		}
	}
}
