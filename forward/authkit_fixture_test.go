package forward

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"

	"github.com/mcpauth/mcpauth/remote"
)

// A live-shaped AuthKit document (../testdata/authkit) is forwarded byte for
// byte, escapes and spacing included, and parsed into the fields the authkit
// package relies on.
func TestForwardsAuthKitShapedDocument(t *testing.T) {
	doc, err := os.ReadFile("../testdata/authkit/oauth-authorization-server.json")
	if err != nil {
		t.Fatal(err)
	}
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(doc)
	}))
	defer upstream.Close()

	f, err := New(Config{Issuer: "https://example-app.authkit.app", MetadataURL: upstream.URL + "/.well-known/oauth-authorization-server"})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	srv := httptest.NewServer(f.Handler())
	defer srv.Close()

	resp, err := http.Get(srv.URL + pathAuthorizationServer)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !bytes.Equal(got, doc) {
		t.Fatalf("status %d; body equal to the upstream bytes: %v", resp.StatusCode, bytes.Equal(got, doc))
	}
	m, err := f.Metadata(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if m.Issuer != "https://example-app.authkit.app" || m.JWKSURI != "https://example-app.authkit.app/oauth2/jwks" ||
		m.RegistrationEndpoint == "" || !m.ClientIDMetadataDocumentSupported {
		t.Errorf("parsed metadata = %+v", m)
	}
	for _, finding := range f.Check(context.Background()) {
		if finding.Severity >= remote.SeverityWarning {
			t.Errorf("unexpected finding on a healthy AuthKit document: %v", finding)
		}
	}
}
