package authkittest_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/workos/workos-go/v4/pkg/usermanagement"

	"github.com/mcpauth/mcpauth/authkit"
	"github.com/mcpauth/mcpauth/authkit/authkittest"
	"github.com/mcpauth/mcpauth/remote"
)

func Example() {
	as := authkittest.NewServer()
	defer as.Close()
	as.SetUser(authkittest.User{
		ID:             "user_01ALICE",
		OrganizationID: "org_01ACME",
		Permissions:    []string{"widgets:read"},
	})

	// The metadata's issuer is the server's URL, byte for byte.
	resp, err := as.Client().Get(as.MetadataURL())
	if err != nil {
		panic(err)
	}
	var meta map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&meta)
	resp.Body.Close()
	fmt.Println("issuer matches:", meta["issuer"] == as.Issuer())

	// A token for the MCP server under test, checked as the server's
	// verifier checks it: against the fake's keys, issuer and the MCP URL.
	v, err := remote.NewJWTVerifier(remote.JWTConfig{
		JWKSURL:    as.JWKSURL(),
		Issuer:     as.Issuer(),
		Audiences:  []string{"https://mcp.example.com/mcp"},
		HTTPClient: as.Client(),
	})
	if err != nil {
		panic(err)
	}
	defer v.Close()
	tok, err := as.MintFor("https://mcp.example.com/mcp", authkittest.TokenOptions{})
	if err != nil {
		panic(err)
	}
	info, err := v.VerifyToken(context.Background(), tok)
	if err != nil {
		panic(err)
	}
	fmt.Println(info.Subject, info.Claims["org_id"], info.Audiences, info.Claims["permissions"])

	// An expired one.
	expired, _ := as.Mint(authkittest.TokenOptions{Audience: []string{"https://mcp.example.com/mcp"}, ExpiresIn: -time.Minute})
	_, err = v.VerifyToken(context.Background(), expired)
	fmt.Println(errors.Is(err, remote.ErrTokenExpired))
	// Output:
	// issuer matches: true
	// user_01ALICE org_01ACME [https://mcp.example.com/mcp] [widgets:read]
	// true
}

func ExampleServer_SetFault() {
	as := authkittest.NewServer()
	defer as.Close()
	as.SetFault("/oauth2/jwks", authkittest.Fault{Status: http.StatusServiceUnavailable, Times: 1})
	for range 2 {
		resp, err := as.Client().Get(as.JWKSURL())
		if err != nil {
			panic(err)
		}
		resp.Body.Close()
		fmt.Println(resp.StatusCode)
	}
	// Output:
	// 503
	// 200
}

func ExampleServer_RotateKey() {
	as := authkittest.NewServer()
	defer as.Close()
	old := as.SigningKey().ID()
	kid := as.RotateKey()
	fmt.Println(len(as.KeyIDs()), as.SigningKey().ID() == kid)
	as.RemoveKey(old)
	fmt.Println(len(as.KeyIDs()))
	// Output:
	// 2 true
	// 1
}

func ExampleServer_APIKey() {
	as := authkittest.NewServer()
	defer as.Close()
	as.SetUser(authkittest.User{ID: "user_01ALICE", Email: "alice@example.com", OrganizationID: "org_01ACME", Role: "admin"})

	um := usermanagement.NewClient(as.APIKey())
	um.Endpoint = as.URL()
	u, err := um.GetUser(context.Background(), usermanagement.GetUserOpts{User: "user_01ALICE"})
	if err != nil {
		panic(err)
	}
	list, err := um.ListOrganizationMemberships(context.Background(), usermanagement.ListOrganizationMembershipsOpts{UserID: u.ID})
	if err != nil {
		panic(err)
	}
	fmt.Println(u.Email, list.Data[0].OrganizationID, list.Data[0].Role.Slug)
	// Output:
	// alice@example.com org_01ACME admin
}

// A test of an MCP server protected by package authkit: a token minted for
// the server's MCP URL is accepted, one minted with the defaults (whose aud
// is the environment client id, as AuthKit issues without a resource
// indicator) is refused. In a test, set the provider's Logger to
// authkittest.Logger(t): the refusal's reason (wrong_audience) is then in
// the test's output.
func ExampleServer_MintFor() {
	as := authkittest.NewServer()
	defer as.Close()
	p, err := authkit.New(authkit.Config{Domain: as.URL(), BaseURL: "http://127.0.0.1:8080"})
	if err != nil {
		panic(err)
	}
	defer p.Close()
	srv := httptest.NewServer(p.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, _ := authkit.ClaimsFromContext(r.Context())
		fmt.Fprint(w, c.UserID)
	})))
	defer srv.Close()

	for _, opts := range []func() (string, error){
		func() (string, error) { return as.MintFor(p.MCPURL(), authkittest.TokenOptions{}) },
		func() (string, error) { return as.Mint(authkittest.TokenOptions{}) },
	} {
		tok, err := opts()
		if err != nil {
			panic(err)
		}
		resp, err := authkittest.BearerClient(tok).Post(srv.URL+"/mcp", "application/json", strings.NewReader(`{}`))
		if err != nil {
			panic(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		fmt.Println(resp.StatusCode, strings.TrimSpace(string(body)))
	}
	// Output:
	// 200 user_01TESTUSER0000000000000000
	// 401 {"error":"invalid_token","error_description":"The access token is invalid or expired"}
}

// A client identified by its Client ID Metadata Document: the fake fetches
// the document from its URL instead of a registration.
func ExampleServer_ServeClientMetadata() {
	s := authkittest.NewServer()
	defer s.Close() // closes the document's server too
	s.SetDCR(false) // CIMD only
	clientID := s.ServeClientMetadata(authkittest.Client{RedirectURIs: []string{"http://127.0.0.1:33333/callback"}})
	// Give clientID to the OAuth client under test (go-sdk:
	// auth.ClientIDMetadataDocumentConfig{URL: clientID}; TypeScript SDK:
	// the provider's clientMetadataUrl).
	fmt.Println(strings.HasPrefix(clientID, "https://127.0.0.1:"), s.Metadata()["client_id_metadata_document_supported"])
	// Output:
	// true true
}
