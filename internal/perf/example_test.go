package perf_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/modelcontextprotocol/go-sdk/auth"

	"github.com/mcpauth/mcpauth/internal/perf"
)

// go-sdk + jwx — go-sdk's RequireBearerToken fed by a plain jwx verifier —
// accepting a fixture token and refusing a tampered one.
func Example() {
	fx, err := perf.NewFixture()
	if err != nil {
		panic(err)
	}
	jwks, err := fx.JWKS(10)
	if err != nil {
		panic(err)
	}
	set, err := perf.ParseKeySet(jwks)
	if err != nil {
		panic(err)
	}
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Println("user:", auth.TokenInfoFromContext(r.Context()).UserID)
	})
	h := auth.RequireBearerToken(perf.NewJWXVerifier(set, fx.Issuer, fx.Audience), nil)(ok)

	tok, err := fx.RS256("1", perf.Small)
	if err != nil {
		panic(err)
	}
	for _, t := range []string{tok, tok[:len(tok)-4] + "AAAA"} {
		req := httptest.NewRequest(http.MethodPost, "/mcp", nil)
		req.Header.Set("Authorization", "Bearer "+t)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		fmt.Println("status:", w.Code)
	}
	// Output:
	// user: user_01HJT8Y2P3F4Q5R6S7T8V9W0XY
	// status: 200
	// status: 401
}
