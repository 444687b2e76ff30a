package perf

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/mcpauth/mcpauth/internal/demo"
	"github.com/mcpauth/mcpauth/remote"
	"github.com/mcpauth/mcpauth/remote/gosdk"
)

// demoToolScopes is the demo's per-tool scope rule (admin_echo needs
// demo:admin), so our provider reads tools/call bodies as in the demo.
var demoToolScopes = demo.ToolScopes()

// streamable is how every end-to-end variant serves MCP: stateless, JSON
// responses.
var streamable = &mcp.StreamableHTTPOptions{Stateless: true, JSONResponse: true}

// mcpHandler is the demo's MCP server behind p, mounted as the demo mounts
// it (gosdk.Handler).
func mcpHandler(p *remote.Provider) http.Handler {
	return gosdk.Handler(p, demo.NewServer(demo.Options{}), &gosdk.Options{HTTP: streamable})
}

// fixedProvider is a provider whose verifier answers info for any token,
// without verifying anything: the "noauth" variant's.
func fixedProvider(tb testing.TB, info *remote.TokenInfo) *remote.Provider {
	tb.Helper()
	fx := fixture(tb)
	p, err := remote.New(remote.Config{
		MCPURL:               fx.Audience,
		AuthorizationServers: []string{fx.Issuer},
		Verifier:             remote.TokenVerifierFunc(func(context.Context, string) (*remote.TokenInfo, error) { return info, nil }),
	})
	if err != nil {
		tb.Fatal(err)
	}
	return p
}

// baselineMCPHandler is the demo's echo tool as a go-sdk user writes it
// behind go-sdk's own auth.RequireBearerToken (go-sdk + jwx): it reads the
// caller from req.Extra.TokenInfo.
func baselineMCPHandler() http.Handler {
	s := mcp.NewServer(&mcp.Implementation{Name: "authkit-demo", Version: "dev"}, nil)
	mcp.AddTool(s, &mcp.Tool{Name: demo.ToolEcho}, func(_ context.Context, req *mcp.CallToolRequest, in demo.EchoInput) (*mcp.CallToolResult, demo.EchoOutput, error) {
		if req.Extra == nil || req.Extra.TokenInfo == nil {
			return nil, demo.EchoOutput{}, errors.New("no caller")
		}
		return nil, demo.EchoOutput{Text: in.Text, UserID: req.Extra.TokenInfo.UserID}, nil
	})
	mcp.AddTool(s, &mcp.Tool{Name: demo.ToolAdminEcho}, func(_ context.Context, req *mcp.CallToolRequest, in demo.EchoInput) (*mcp.CallToolResult, demo.EchoOutput, error) {
		return nil, demo.EchoOutput{Text: strings.ToUpper(in.Text)}, nil
	})
	return mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return s }, streamable)
}

// fixedIdentity is the identity of the "noauth" variant.
func fixedIdentity(tb testing.TB) *remote.TokenInfo {
	fx := fixture(tb)
	return &remote.TokenInfo{Subject: "user_01HJT8Y2P3F4Q5R6S7T8V9W0XY", Audiences: []string{fx.Audience}, Expiry: time.Now().Add(time.Hour)}
}
