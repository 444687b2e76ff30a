package authkittest_test

import (
	"testing"

	"github.com/mcpauth/mcpauth/authkit/authkittest"
)

func BenchmarkMint(b *testing.B) {
	s := authkittest.Start(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Mint(authkittest.TokenOptions{Audience: []string{"https://mcp.example.com/mcp"}}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkJWKS(b *testing.B) {
	s := authkittest.Start(b)
	c := s.Client()
	b.ReportAllocs()
	for b.Loop() {
		resp, err := c.Get(s.JWKSURL())
		if err != nil {
			b.Fatal(err)
		}
		resp.Body.Close()
	}
}
