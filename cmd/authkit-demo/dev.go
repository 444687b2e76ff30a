package main

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/mcpauth/mcpauth/authkit/authkittest"
	"github.com/mcpauth/mcpauth/internal/demo"
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
// something to show. clientID, when not empty, is its environment's client
// id (the audience of tokens issued without a resource indicator), so that
// --client-id, AuthKit's legacy fallback, can be tried with it.
func startDevAuthKit(clientID string) *devAuthKit {
	s := authkittest.NewUnstartedServer()
	if clientID != "" {
		s.SetClientID(clientID)
	}
	s.Start()
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
	authkitURL, clientID, userID, token string
}

func (ri readyInfo) write(w io.Writer) error {
	var b strings.Builder
	line := func(k, v string) { fmt.Fprintf(&b, "%s: %s\n", k, v) }
	line("mcp_url", ri.mcpURL)
	line("health_url", ri.healthURL)
	if ri.authkitURL != "" {
		line("mode", "dev (embedded fake AuthKit; not for production)")
		line("authkit_url", ri.authkitURL)
		line("client_id", ri.clientID)
		line("user_id", ri.userID)
		line("access_token", ri.token)
		line("token_expires_in", devTokenLifetime.String())
		line("curl", toolCallCommand(ri.mcpURL, ri.token, demo.ToolWhoami))
		line("inspector", "npx @modelcontextprotocol/inspector --web --transport http --server-url "+ri.mcpURL+
			"  (Inspector 2.x, Node >= 22.19) then switch the server on: it signs in through OAuth by itself; to use the access_token above instead, add --header 'Authorization: Bearer <access_token>'")
	}
	line("status", "ready")
	_, err := io.WriteString(w, b.String())
	return err
}

// toolCallCommand returns a POSIX shell command line that calls tool (with
// no arguments) at mcpURL with token: one POST, since the demo's stateless
// handler answers a 2025-protocol tools/call on its own, without a session.
func toolCallCommand(mcpURL, token, tool string) string {
	call := `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"` + tool + `","arguments":{}}}`
	return `curl -sS '` + mcpURL + `' -H 'Authorization: Bearer ` + token + `' -H 'Accept: application/json, text/event-stream' -H 'Content-Type: application/json' -H 'MCP-Protocol-Version: 2025-06-18' -d '` + call + `'`
}
