package main

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/mcpauth/mcpauth/authkit/authkittest"
)

// devTokenLifetime is the lifetime of the tokens the embedded fake AuthKit
// issues in --dev mode, including the one printed at start-up.
const devTokenLifetime = time.Hour

// devAuthKit is the embedded fake AuthKit of --dev mode.
type devAuthKit struct {
	*authkittest.Server
	user authkittest.User
}

// startDevAuthKit starts the fake AuthKit on a loopback port, approving a
// demo user with an organization, a role and permissions so that whoami has
// something to show.
func startDevAuthKit() *devAuthKit {
	s := authkittest.NewServer()
	s.SetTokenLifetime(devTokenLifetime)
	u := authkittest.DefaultUser()
	u.Email = "ada@example.com"
	u.FirstName, u.LastName = "Ada", "Lovelace"
	u.Role = "admin"
	u.Permissions = []string{"widgets:read", "widgets:write"}
	s.SetUser(u)
	return &devAuthKit{Server: s, user: s.User()}
}

// mintToken returns a ready-to-use access token for the demo user, bound
// to the MCP URL, with the required scopes (but not demo:admin: calling
// admin_echo with it shows the step-up challenge).
func (d *devAuthKit) mintToken(mcpURL string, scopes []string) (string, error) {
	return d.Mint(authkittest.TokenOptions{Audience: []string{mcpURL}, Scopes: scopes, ExpiresIn: devTokenLifetime})
}

// readyInfo is what the program prints on stdout once it serves, as
// "key: value" lines ending with "status: ready" (tests parse them).
type readyInfo struct {
	mcpURL, healthURL string
	// Dev mode only.
	authkitURL, userID, token string
}

func (ri readyInfo) write(w io.Writer) error {
	var b strings.Builder
	line := func(k, v string) { fmt.Fprintf(&b, "%s: %s\n", k, v) }
	line("mcp_url", ri.mcpURL)
	line("health_url", ri.healthURL)
	if ri.authkitURL != "" {
		line("mode", "dev (embedded fake AuthKit; not for production)")
		line("authkit_url", ri.authkitURL)
		line("user_id", ri.userID)
		line("access_token", ri.token)
		line("token_expires_in", devTokenLifetime.String())
		line("curl", fmt.Sprintf(`curl -sS %s -H 'Authorization: Bearer %s' -H 'Content-Type: application/json' -H 'Accept: application/json, text/event-stream' -d '%s'`,
			ri.mcpURL, ri.token, initializeRequest))
		line("inspector", "npx @modelcontextprotocol/inspector  then Transport Type: Streamable HTTP, URL: "+ri.mcpURL+", Authentication -> Bearer Token: the access_token above (or leave it empty and use Open Auth Settings -> Quick OAuth Flow)")
	}
	line("status", "ready")
	_, err := io.WriteString(w, b.String())
	return err
}

// initializeRequest is the MCP request the printed curl line sends.
const initializeRequest = `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"curl","version":"1"}}}`
