package remote

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// benchWriter is a minimal ResponseWriter that reuses its header map, so
// the benchmark measures the middleware, not httptest.
type benchWriter struct{ h http.Header }

func (w *benchWriter) Header() http.Header         { return w.h }
func (w *benchWriter) Write(b []byte) (int, error) { return len(b), nil }
func (w *benchWriter) WriteHeader(int)             {}

func BenchmarkMiddleware(b *testing.B) {
	info := &TokenInfo{Subject: "user_1", Scopes: []string{"mcp:read"}, Audiences: []string{testResource}}
	stub := TokenVerifierFunc(func(context.Context, string) (*TokenInfo, error) { return info, nil })
	ok := http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})
	token := "Bearer eyJhbGciOiJSUzI1NiIsImtpZCI6ImsxIn0.eyJpc3MiOiJodHRwczovL2F1dGguZXhhbXBsZS5jb20iLCJzdWIiOiJ1c2VyXzEifQ.c2lnbmF0dXJl"

	run := func(b *testing.B, p *Provider, body string, header ...string) {
		h := p.Middleware(ok)
		req := httptest.NewRequest(http.MethodPost, "/mcp", nil)
		req.Header.Set("Authorization", token)
		for i := 0; i+1 < len(header); i += 2 {
			req.Header.Set(header[i], header[i+1])
		}
		w := &benchWriter{h: http.Header{}}
		b.ReportAllocs()
		for b.Loop() {
			if body != "" {
				req.Body = readCloser{strings.NewReader(body)}
				req.ContentLength = int64(len(body))
			}
			h.ServeHTTP(w, req)
		}
	}
	b.Run("valid", func(b *testing.B) {
		run(b, newTestProvider(b, func(c *Config) { c.Verifier = stub }), "")
	})
	b.Run("valid+hook", func(b *testing.B) {
		run(b, newTestProvider(b, func(c *Config) { c.Verifier = stub; c.OnDecision = func(context.Context, Decision) {} }), "")
	})
	b.Run("tools/call", func(b *testing.B) {
		p := newTestProvider(b, func(c *Config) {
			c.Verifier = stub
			c.ToolScopes = map[string][]string{"delete": {"mcp:admin"}}
		})
		run(b, p, `{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"echo","arguments":{"text":"hello"}}}`)
	})
	b.Run("tools/call 2026-07-28", func(b *testing.B) {
		p := newTestProvider(b, func(c *Config) {
			c.Verifier = stub
			c.ToolScopes = map[string][]string{"delete": {"mcp:admin"}}
		})
		run(b, p, `{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"echo","arguments":{"text":"hello"},`+
			`"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientInfo":{"name":"bench","version":"1.0.0"},"io.modelcontextprotocol/clientCapabilities":{}}}}`,
			"MCP-Protocol-Version", "2026-07-28", "Mcp-Method", "tools/call", "Mcp-Name", "echo")
	})
	b.Run("missing token", func(b *testing.B) {
		p := newTestProvider(b, func(c *Config) { c.Verifier = stub })
		h := p.Middleware(ok)
		req := httptest.NewRequest(http.MethodPost, "/mcp", nil)
		w := &benchWriter{h: http.Header{}}
		b.ReportAllocs()
		for b.Loop() {
			h.ServeHTTP(w, req)
		}
	})
}

func BenchmarkMultiIssuerRoute(b *testing.B) {
	m, err := NewMultiIssuer(MultiIssuerConfig{Verifiers: map[string]TokenVerifier{"https://auth.example.com": &countingVerifier{}}})
	if err != nil {
		b.Fatal(err)
	}
	tok := testJWT(`{"iss":"https://auth.example.com","sub":"user_1","aud":"https://mcp.example.com/mcp","exp":1900000000,"iat":1800000000,"scope":"mcp:read mcp:write"}`)
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := m.route(tok); err != nil {
			b.Fatal(err)
		}
	}
}

type readCloser struct{ *strings.Reader }

func (readCloser) Close() error { return nil }
