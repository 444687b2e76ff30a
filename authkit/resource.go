package authkit

import (
	"errors"
	"fmt"
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
	const example = "https://mcp.example.com"
	if raw == "" {
		return "", fmt.Errorf("authkit: the base URL is empty: set it to the public URL clients reach this server at, e.g. %q", example)
	}
	base, err := httpx.CheckURL(raw, httpx.IdentifierURL)
	var ue *httpx.URLError
	if errors.As(err, &ue) {
		switch ue.Problem {
		case httpx.PlainHTTP:
			return "", fmt.Errorf("authkit: base URL %q uses http: MCP clients require https outside development; write %q (http is accepted only for localhost and loopback addresses)", shown, strings.TrimRight(ue.Fix, "/"))
		case httpx.NotHTTP:
			if ue.Found != "" {
				return "", fmt.Errorf("authkit: base URL %q has scheme %q: write an https URL, e.g. %q", shown, ue.Found, example)
			}
		case httpx.HasUserinfo:
			return "", fmt.Errorf("authkit: base URL %q contains user information: remove everything up to %q", shown, "@")
		case httpx.BadHost:
			return "", fmt.Errorf("authkit: base URL %q has an invalid host", shown)
		case httpx.BadPort:
			return "", fmt.Errorf("authkit: base URL %q has an invalid port", shown)
		case httpx.HasQuery, httpx.HasFragment:
			return "", fmt.Errorf("authkit: base URL %q has a query or fragment: resource identifiers must not; write %q", shown, strings.TrimRight(ue.Fix, "/"))
		}
	}
	if err != nil {
		return "", fmt.Errorf("authkit: base URL %q is not an absolute URL: write the public URL clients reach this server at, e.g. %q", shown, example)
	}

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
	mcpURL, _, _, err := httpx.CanonicalResourceURL(httpx.Origin(base) + strings.TrimRight(base.EscapedPath(), "/") + strings.TrimRight(p, "/"))
	if err != nil {
		return "", fmt.Errorf("authkit: base URL %q and MCP path %q do not form a valid URL: the MCP URL %w", shown, mcpPath, err)
	}
	return mcpURL, nil
}
