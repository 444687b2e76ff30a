// Command authkit-demo is an MCP server protected by WorkOS AuthKit: the
// go-sdk server of internal/demo (tools whoami, echo and admin_echo) behind
// the mcpauth authkit provider, in one visible line:
//
//	mux.Handle("/", gosdk.Handler(provider, server, opts))
//
// It serves both MCP protocol generations with go-sdk's stateless handler:
// 2026-07-28 clients (server/discover, no sessions) and 2025 clients
// (initialize, each request on its own).
//
// Try it with no WorkOS account (an embedded fake AuthKit on another
// loopback port):
//
//	go run ./cmd/authkit-demo --dev
//
// Once ready it prints "key: value" lines, ending with "status: ready":
// mcp_url, health_url and, with --dev, mode, authkit_url, client_id (the
// fake AuthKit environment's; --client-id sets it), user_id, access_token
// (a fake token valid for an hour), token_expires_in, curl (a shell command
// that calls the whoami tool with that token) and inspector (how to connect
// MCP Inspector 2.x). Logs go to stderr and never contain a token.
//
// With a public --base-url (a tunnel or a reverse proxy in front), requests
// naming that host pass the DNS-rebinding guard on loopback connections;
// other hosts are still refused.
//
// With a real AuthKit, check the configuration, then serve:
//
//	authkit-demo check --authkit-domain my-app.authkit.app --base-url https://mcp.example.com
//	authkit-demo --authkit-domain my-app.authkit.app --base-url https://mcp.example.com
//
// Flags and their environment variables (flags win):
//
//	--authkit-domain   AUTHKIT_DOMAIN           AuthKit domain (required unless --dev)
//	--base-url         BASE_URL                 public base URL (default http://<addr>)
//	--addr             ADDR                     listen address (default 127.0.0.1:8080)
//	--required-scopes  AUTHKIT_REQUIRED_SCOPES  comma-separated scopes every token needs
//	--client-id        AUTHKIT_CLIENT_ID        extra accepted audience (legacy fallback; with --dev, the fake's client id)
//	                   WORKOS_API_KEY           enables profile enrichment in whoami
//	--dev                                       embedded fake AuthKit
//	--scopes-up-front                           every tool's scopes in the first 401 (clients that cannot step up)
//	--log-level        LOG_LEVEL                debug, info, warn, error
//
// "check" prints every finding of the provider's self-check and exits 0
// only when clients will be able to connect. A start-up failure (bad domain,
// bad URL, AuthKit unreachable at start) is one sentence on stderr and exit
// status 1; AuthKit becoming unreachable later does not stop the server.
// SIGINT and SIGTERM shut it down gracefully.
package main
