package forward_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"

	"github.com/mcpauth/mcpauth/forward"
)

// fakeAuthorizationServer stands in for https://<subdomain>.authkit.app.
// Its metadata lacks a registration endpoint, as when dynamic client
// registration is off in the WorkOS dashboard.
func fakeAuthorizationServer() *httptest.Server {
	srv := httptest.NewUnstartedServer(nil)
	srv.Start()
	doc := `{"issuer":"` + srv.URL + `",` +
		`"authorization_endpoint":"` + srv.URL + `/oauth2/authorize",` +
		`"token_endpoint":"` + srv.URL + `/oauth2/token",` +
		`"response_types_supported":["code"],` +
		`"code_challenge_methods_supported":["S256"]}`
	srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/.well-known/oauth-authorization-server" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "max-age=300")
		_, _ = io.WriteString(w, doc)
	})
	return srv
}

func Example() {
	upstream := fakeAuthorizationServer()
	defer upstream.Close()

	fwd, err := forward.New(forward.Config{
		Issuer:          upstream.URL, // e.g. https://example.authkit.app
		LegacyEndpoints: true,         // also /authorize, /token, /register
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer fwd.Close()

	ctx := context.Background()
	if err := fwd.Prime(ctx); err != nil {
		fmt.Println("prime:", err)
	}
	for _, f := range fwd.Check(ctx) {
		fmt.Println(f.Severity, f.ID)
	}

	mux := http.NewServeMux()
	for _, r := range fwd.Routes() {
		mux.Handle(r.Pattern, r.Handler)
	}
	mcp := httptest.NewServer(mux)
	defer mcp.Close()

	resp, err := http.Get(mcp.URL + "/.well-known/oauth-authorization-server")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	fmt.Println(resp.Status, resp.Header.Get("Content-Type"), resp.Header.Get("Cache-Control"))

	m, _ := fwd.Metadata(ctx)
	fmt.Println(m.TokenEndpoint == upstream.URL+"/oauth2/token")
	// Output:
	// error no_client_registration
	// info legacy_register_unavailable
	// 200 OK application/json public, max-age=300
	// true
}
