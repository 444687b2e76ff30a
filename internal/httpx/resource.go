package httpx

import (
	"errors"
	"net/url"
	"strings"
)

// CanonicalResourceURL validates the URL of a protected resource (an MCP
// endpoint) and returns its canonical form (lowercase scheme and host, no
// default port, no trailing slash: MCP's canonical resource URI), its
// origin and its escaped path ("" at the root). It must be absolute,
// without userinfo, query, fragment or dot segments, and https unless the
// host is a loopback host. The error says why, to follow the URL in a
// message.
func CanonicalResourceURL(raw string) (canon, origin, path string, err error) {
	bad := func(why string) (string, string, string, error) {
		return "", "", "", errors.New(why)
	}
	u, perr := url.Parse(raw)
	if perr != nil {
		return bad("is not a valid URL")
	}
	scheme := strings.ToLower(u.Scheme)
	if scheme != "https" && scheme != "http" {
		return bad("must be an absolute https URL such as https://mcp.example.com/mcp")
	}
	if u.Opaque != "" || u.Host == "" {
		return bad("must be an absolute URL with a host")
	}
	if u.User != nil {
		return bad("must not contain userinfo")
	}
	if u.RawQuery != "" || u.ForceQuery {
		return bad("must not contain a query")
	}
	if u.Fragment != "" || strings.Contains(raw, "#") {
		return bad("must not contain a fragment")
	}
	host := strings.ToLower(u.Hostname())
	port := u.Port()
	if (scheme == "https" && port == "443") || (scheme == "http" && port == "80") {
		port = ""
	}
	if scheme == "http" && !IsLoopbackHost(host) {
		return bad("must use https (http is allowed only for localhost, 127.0.0.0/8 and ::1)")
	}
	hostport := host
	if strings.Contains(host, ":") {
		hostport = "[" + host + "]"
	}
	if port != "" {
		hostport += ":" + port
	}
	p := strings.TrimRight(u.EscapedPath(), "/")
	for seg := range strings.SplitSeq(p, "/") {
		if seg == "." || seg == ".." {
			return bad("must not contain dot segments")
		}
	}
	if strings.ContainsAny(p, "\"\\ ") {
		return bad("contains characters not allowed in a URL path")
	}
	origin = scheme + "://" + hostport
	return origin + p, origin, p, nil
}
