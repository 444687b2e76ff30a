package remote_test

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/mcpauth/mcpauth/remote"
)

// In production the verifier fetches the issuer's JWKS:
//
//	v, err := remote.NewJWTVerifier(remote.JWTConfig{
//		JWKSURL:   "https://example.authkit.app/oauth2/jwks",
//		Issuer:    "https://example.authkit.app",
//		Audiences: []string{"https://mcp.example.com/mcp"},
//	})
//	defer v.Close()
//	if err := v.Prime(ctx); err != nil { ... } // optional start-up check
//
// This example uses a static key so that it runs offline.
func ExampleNewJWTVerifier() {
	key, _ := rsa.GenerateKey(rand.Reader, 2048)
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

	v, err := remote.NewJWTVerifier(remote.JWTConfig{
		StaticKeys: []remote.JWTKey{{KeyID: "k1", Algorithm: remote.AlgRS256, Key: &key.PublicKey}},
		Issuer:     "https://example.authkit.app",
		Audiences:  []string{"https://mcp.example.com/mcp"},
		Now:        func() time.Time { return now },
	})
	if err != nil {
		panic(err)
	}
	defer v.Close()

	token := exampleSign(key, `{"alg":"RS256","kid":"k1"}`, fmt.Sprintf(
		`{"iss":"https://example.authkit.app","sub":"user_01","aud":"https://mcp.example.com/mcp","exp":%d,"scope":"openid mcp:tools"}`,
		now.Add(time.Hour).Unix()))
	info, err := v.VerifyToken(context.Background(), token)
	if err != nil {
		panic(err)
	}
	fmt.Println(info.Subject, info.Scopes, info.KeyID)

	expired := exampleSign(key, `{"alg":"RS256","kid":"k1"}`, fmt.Sprintf(
		`{"iss":"https://example.authkit.app","sub":"user_01","aud":"https://mcp.example.com/mcp","exp":%d}`,
		now.Add(-time.Hour).Unix()))
	_, err = v.VerifyToken(context.Background(), expired)
	fmt.Println(errors.Is(err, remote.ErrTokenExpired), errors.Is(err, remote.ErrInvalidToken))
	// Output:
	// user_01 [openid mcp:tools] k1
	// true true
}

func exampleSign(key *rsa.PrivateKey, header, payload string) string {
	enc := base64.RawURLEncoding
	input := enc.EncodeToString([]byte(header)) + "." + enc.EncodeToString([]byte(payload))
	digest := sha256.Sum256([]byte(input))
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, digest[:])
	if err != nil {
		panic(err)
	}
	return input + "." + enc.EncodeToString(sig)
}

func ExampleNewIntrospectionVerifier() {
	// A stand-in for the authorization server's introspection endpoint.
	as := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if id, secret, _ := r.BasicAuth(); id != "client_rs" || secret != "secret" || r.PostFormValue("token") != "opaque-1" {
			fmt.Fprint(w, `{"active":false}`)
			return
		}
		fmt.Fprint(w, `{"active":true,"sub":"user_01","client_id":"client_app","iss":"https://example.authkit.app","aud":"https://mcp.example.com/mcp","scope":"mcp:tools"}`)
	}))
	defer as.Close()

	v, err := remote.NewIntrospectionVerifier(remote.IntrospectionConfig{
		Endpoint:     as.URL + "/oauth2/introspection",
		ClientID:     "client_rs",
		ClientSecret: "secret",
		Issuer:       "https://example.authkit.app",
		Audiences:    []string{"https://mcp.example.com/mcp"},
	})
	if err != nil {
		panic(err)
	}
	info, err := v.VerifyToken(context.Background(), "opaque-1")
	if err != nil {
		panic(err)
	}
	fmt.Println(info.Subject, info.ClientID, info.Scopes)
	_, err = v.VerifyToken(context.Background(), "revoked")
	fmt.Println(errors.Is(err, remote.ErrInactiveToken))
	// Output:
	// user_01 client_app [mcp:tools]
	// true
}
