package idp_test

import (
	"fmt"
	"log"

	"github.com/mcpauth/mcpauth/idp"
)

// An Auth0 tenant: the issuer ends with a slash, and Auth0 signs access
// tokens for an API whose identifier is the MCP URL.
func ExampleNew() {
	p, err := idp.New(idp.Config{
		Issuer:      "https://dev-abc123.us.auth0.com/",
		MetadataURL: "https://dev-abc123.us.auth0.com/.well-known/openid-configuration",
		MCPURL:      "https://mcp.example.com/mcp",
	})
	if err != nil {
		log.Fatal(err)
	}
	defer p.Close() // New fetched nothing; keys are discovered on the first token
	fmt.Println(p.Issuer())
	fmt.Println(p.MCPURL())
	for _, r := range p.Routes() {
		fmt.Println(r.Pattern)
	}
	// Output:
	// https://dev-abc123.us.auth0.com/
	// https://mcp.example.com/mcp
	// /.well-known/oauth-protected-resource/mcp
	// /.well-known/oauth-protected-resource
	// /.well-known/oauth-authorization-server
}
