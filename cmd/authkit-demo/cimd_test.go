package main

import (
	"slices"
	"strings"
	"testing"

	"github.com/mcpauth/mcpauth/authkit/authkittest"
	"github.com/mcpauth/mcpauth/internal/demo"
)

// tsRedirect is the redirect URI client.mjs uses.
const tsRedirect = "http://127.0.0.1:33418/callback"

// TestE2ETypeScriptClientCIMD: the TypeScript SDK client, given a client
// metadata URL, meets an AuthKit that offers Client ID Metadata Documents
// and no dynamic client registration; it uses the URL as its client_id and
// completes the flow, step-up included, against the demo. The fake AuthKit
// fetches the document (served over TLS on loopback, as a client publishes
// it: ServeClientMetadata) once.
func TestE2ETypeScriptClientCIMD(t *testing.T) {
	requireNode(t)
	npmInstall(t)
	ak := authkittest.Start(t)
	ak.SetDCR(false)
	clientID := ak.ServeClientMetadata(authkittest.Client{
		Name:         "authkit-demo e2e (TypeScript SDK, CIMD)",
		RedirectURIs: []string{tsRedirect},
		GrantTypes:   []string{"authorization_code", "refresh_token"},
	})

	p := startDemo(t, []string{"--authkit-domain", ak.URL(), "--addr", "127.0.0.1:0"})
	mcpURL := p.ready["mcp_url"]
	res := runTSClient(t, mcpURL, clientID)

	if res.ClientID != clientID {
		t.Errorf("client_id = %q, want the metadata document URL %q", res.ClientID, clientID)
	}
	if len(res.Authorizations) != 2 || !slices.Contains(strings.Fields(res.Authorizations[1].Scope), demo.AdminScope) {
		t.Errorf("authorizations = %+v, want the first and a step-up with %s", res.Authorizations, demo.AdminScope)
	}
	if got := res.AdminEcho["text"]; got != "STEP UP" {
		t.Errorf("admin_echo = %v, want STEP UP", res.AdminEcho)
	}
	var authorizes, tokens int
	for _, r := range ak.Requests() {
		switch r.Path {
		case "/oauth2/register":
			t.Errorf("the client registered (%s %s) although it has a client metadata document", r.Method, r.Path)
		case "/oauth2/authorize":
			authorizes++
			if r.Query.Get("client_id") != clientID {
				t.Errorf("authorize client_id = %q", r.Query.Get("client_id"))
			}
		case "/oauth2/token":
			tokens++
			if r.Form.Get("client_id") != clientID {
				t.Errorf("token client_id = %q", r.Form.Get("client_id"))
			}
		}
	}
	if authorizes != 2 || tokens != 2 {
		t.Errorf("%d authorize and %d token requests, want 2 and 2", authorizes, tokens)
	}
	if n := ak.CIMDFetches(); n != 1 {
		t.Errorf("the document was fetched %d times, want once (cached)", n)
	}
}
