package main

import (
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
)

// TestBehindATunnel: with a public --base-url, the demo answers the public
// Host a tunnel or a reverse proxy on this machine forwards over loopback
// (go-sdk's DNS-rebinding guard alone answers 403 "invalid Host header"),
// and still refuses any other host on a loopback connection.
func TestBehindATunnel(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	p := startDemo(t, []string{"--dev", "--addr", addr, "--base-url", "https://mcp.example.test"})
	if p.ready["mcp_url"] != "https://mcp.example.test/mcp" {
		t.Fatalf("mcp_url = %q", p.ready["mcp_url"])
	}
	token := p.ready["access_token"]
	for _, tt := range []struct {
		name, host, path string
		auth             bool
		want             int
	}{
		{"MCP through the tunnel", "mcp.example.test", "/mcp", true, http.StatusOK},
		{"the public host in another case", "MCP.Example.Test", "/mcp", true, http.StatusOK},
		{"metadata through the tunnel", "mcp.example.test", "/.well-known/oauth-protected-resource/mcp", false, http.StatusOK},
		{"MCP on the loopback address", addr, "/mcp", true, http.StatusOK},
		{"MCP as localhost", "localhost", "/mcp", true, http.StatusOK},
		{"a rebinding host", "attacker.example", "/mcp", true, http.StatusForbidden},
		{"a rebinding host on metadata", "attacker.example", "/.well-known/oauth-protected-resource/mcp", false, http.StatusForbidden},
	} {
		t.Run(tt.name, func(t *testing.T) {
			method, body := http.MethodGet, ""
			if tt.path == "/mcp" {
				method, body = http.MethodPost, `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"tunnel","version":"1"}}}`
			}
			req, err := http.NewRequest(method, "http://"+addr+tt.path, strings.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			req.Host = tt.host
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Accept", "application/json, text/event-stream")
			if tt.auth {
				req.Header.Set("Authorization", "Bearer "+token)
			}
			resp, err := noRedirectClient().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tt.want {
				t.Errorf("%s %s with Host %s = %d %s, want %d", method, tt.path, tt.host, resp.StatusCode, b, tt.want)
			}
		})
	}
}

func TestPublicHost(t *testing.T) {
	for in, want := range map[string]string{
		"https://mcp.example.com/mcp":  "mcp.example.com",
		"https://mcp.example.com:8443": "mcp.example.com",
		"http://127.0.0.1:8080/mcp":    "",
		"http://localhost:8080/mcp":    "",
		"http://[::1]:8080/mcp":        "",
	} {
		if got := publicHost(in); got != want {
			t.Errorf("publicHost(%q) = %q, want %q", in, got, want)
		}
	}
}
