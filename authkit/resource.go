package authkit

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/mcpauth/mcpauth/internal/httpx"
)

// DefaultMCPPath is the path of the MCP endpoint when Config.MCPPath is empty.
const DefaultMCPPath = "/mcp"

// MCPURL joins a public base URL and the MCP endpoint's path into the
// canonical URL of the MCP endpoint: lowercase scheme and host, no default
// port, no trailing slash, no query or fragment. That URL is the protected
// resource's identifier: the "resource" clients send to AuthKit, the "aud"
// AuthKit puts in the tokens, and the string to register under "MCP resource
// indicators" in the WorkOS dashboard.
//
// baseURL is the origin clients reach the server at ("https://mcp.example.com"),
// optionally with a path prefix when a proxy mounts the server below one
// ("https://example.com/tools"). mcpPath defaults to [DefaultMCPPath]; "/"
// puts the endpoint at the base URL itself. https is required except for
// loopback hosts.
func MCPURL(baseURL, mcpPath string) (string, error) {
	raw := strings.TrimSpace(baseURL)
	shown := httpx.RedactUserinfo(raw) // never echo credentials
	if raw == "" {
		return "", fmt.Errorf("authkit: the base URL is empty: set it to the public URL clients reach this server at, e.g. %q", "https://mcp.example.com")
	}
	u, err := url.Parse(raw)
	if err != nil || u.Opaque != "" || u.Host == "" || !strings.Contains(raw, "://") {
		return "", fmt.Errorf("authkit: base URL %q is not an absolute URL: write the public URL clients reach this server at, e.g. %q", shown, "https://mcp.example.com")
	}
	scheme := strings.ToLower(u.Scheme)
	host := strings.ToLower(u.Hostname())
	port := u.Port()
	switch {
	case scheme == "https":
	case scheme == "http" && httpx.IsLoopbackHost(host):
	case scheme == "http":
		return "", fmt.Errorf("authkit: base URL %q uses http: MCP clients require https outside development; write %q (http is accepted only for localhost and loopback addresses)", shown, "https://"+hostPort(host, port)+strings.TrimRight(u.EscapedPath(), "/"))
	default:
		return "", fmt.Errorf("authkit: base URL %q has scheme %q: write an https URL, e.g. %q", shown, u.Scheme, "https://mcp.example.com")
	}
	if u.User != nil {
		return "", fmt.Errorf("authkit: base URL %q contains user information: remove everything up to %q", shown, "@")
	}
	if !validHost(host) {
		return "", fmt.Errorf("authkit: base URL %q has an invalid host", shown)
	}
	if u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || strings.ContainsAny(raw, "?#") {
		return "", fmt.Errorf("authkit: base URL %q has a query or fragment: resource identifiers must not; write %q", shown, scheme+"://"+hostPort(host, port)+strings.TrimRight(u.EscapedPath(), "/"))
	}
	if port != "" {
		if !validPort(port) {
			return "", fmt.Errorf("authkit: base URL %q has an invalid port", shown)
		}
		if (scheme == "https" && port == "443") || (scheme == "http" && port == "80") {
			port = ""
		}
	}
	prefix := strings.TrimRight(u.EscapedPath(), "/")

	p := strings.TrimSpace(mcpPath)
	if p == "" {
		p = DefaultMCPPath
	}
	if !strings.HasPrefix(p, "/") {
		p = "/" + p
	}
	if strings.ContainsAny(p, "?# ") || strings.Contains(p, "//") || strings.Contains(p, "/../") || strings.HasSuffix(p, "/..") || strings.Contains(p, "/./") {
		return "", fmt.Errorf("authkit: MCP path %q is not a clean URL path: write a path such as %q", mcpPath, DefaultMCPPath)
	}
	p = strings.TrimRight(p, "/")
	out := scheme + "://" + hostPort(host, port) + prefix + p
	if _, err := url.Parse(out); err != nil {
		return "", fmt.Errorf("authkit: MCP path %q does not form a valid URL: write a path such as %q", mcpPath, DefaultMCPPath)
	}
	return out, nil
}
