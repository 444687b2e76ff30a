package main

import "os"

// The start-up summary --dev prints: "key: value" lines that scripts and
// tests parse, ending with "status: ready".
func Example_readyOutput() {
	_ = readyInfo{
		mcpURL:     "http://127.0.0.1:8080/mcp",
		healthURL:  "http://127.0.0.1:8080/healthz",
		authkitURL: "http://127.0.0.1:41234",
		clientID:   "client_01DEVENVIRONMENT000000000",
		userID:     "user_01TESTUSER0000000000000000",
		token:      "eyJ.fake.token",
	}.write(os.Stdout)
	// Output:
	// mcp_url: http://127.0.0.1:8080/mcp
	// health_url: http://127.0.0.1:8080/healthz
	// mode: dev (embedded fake AuthKit; not for production)
	// authkit_url: http://127.0.0.1:41234
	// client_id: client_01DEVENVIRONMENT000000000
	// user_id: user_01TESTUSER0000000000000000
	// access_token: eyJ.fake.token
	// token_expires_in: 1h0m0s
	// curl: curl -sS 'http://127.0.0.1:8080/mcp' -H 'Authorization: Bearer eyJ.fake.token' -H 'Accept: application/json, text/event-stream' -H 'Content-Type: application/json' -H 'MCP-Protocol-Version: 2025-06-18' -d '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"whoami","arguments":{}}}'
	// inspector: npx @modelcontextprotocol/inspector --web --transport http --server-url http://127.0.0.1:8080/mcp  (Inspector 2.x, Node >= 22.19) then switch the server on: it signs in through OAuth by itself; to use the access_token above instead, add --header 'Authorization: Bearer <access_token>'
	// status: ready
}

// Without --dev only the URLs are printed.
func Example_readyOutputProduction() {
	_ = readyInfo{mcpURL: "https://mcp.example.com/mcp", healthURL: "https://mcp.example.com/healthz"}.write(os.Stdout)
	// Output:
	// mcp_url: https://mcp.example.com/mcp
	// health_url: https://mcp.example.com/healthz
	// status: ready
}
