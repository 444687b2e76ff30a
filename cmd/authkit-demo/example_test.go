package main

import "os"

// The start-up summary --dev prints: "key: value" lines that scripts and
// tests parse, ending with "status: ready".
func Example_readyOutput() {
	_ = readyInfo{
		mcpURL:     "http://127.0.0.1:8080/mcp",
		healthURL:  "http://127.0.0.1:8080/healthz",
		authkitURL: "http://127.0.0.1:41234",
		userID:     "user_01TESTUSER0000000000000000",
		token:      "eyJ.fake.token",
	}.write(os.Stdout)
	// Output:
	// mcp_url: http://127.0.0.1:8080/mcp
	// health_url: http://127.0.0.1:8080/healthz
	// mode: dev (embedded fake AuthKit; not for production)
	// authkit_url: http://127.0.0.1:41234
	// user_id: user_01TESTUSER0000000000000000
	// access_token: eyJ.fake.token
	// token_expires_in: 1h0m0s
	// curl: curl -sS http://127.0.0.1:8080/mcp -H 'Authorization: Bearer eyJ.fake.token' -H 'Content-Type: application/json' -H 'Accept: application/json, text/event-stream' -d '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"curl","version":"1"}}}'
	// inspector: npx @modelcontextprotocol/inspector  then Transport Type: Streamable HTTP, URL: http://127.0.0.1:8080/mcp, Authentication -> Bearer Token: the access_token above (or leave it empty and use Open Auth Settings -> Quick OAuth Flow)
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
