package forward

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mcpauth/mcpauth/internal/jwttest"
	"github.com/mcpauth/mcpauth/remote"
)

func TestDiscoveryOrder(t *testing.T) {
	for _, tc := range []struct{ issuer, want string }{
		{"https://x.authkit.app", "https://x.authkit.app/.well-known/oauth-authorization-server https://x.authkit.app/.well-known/openid-configuration"},
		{"https://dev-abc.us.auth0.com/", "https://dev-abc.us.auth0.com/.well-known/oauth-authorization-server https://dev-abc.us.auth0.com/.well-known/openid-configuration"},
		{"https://sso.example.com/realms/mcp", "https://sso.example.com/.well-known/oauth-authorization-server/realms/mcp https://sso.example.com/.well-known/openid-configuration/realms/mcp https://sso.example.com/realms/mcp/.well-known/openid-configuration"},
	} {
		f := mustNew(t, Config{Issuer: tc.issuer})
		if got := strings.Join(f.as.candidates, " "); got != tc.want {
			t.Errorf("%s: candidates\n %s\nwant\n %s", tc.issuer, got, tc.want)
		}
	}
	f := mustNew(t, Config{Issuer: "https://x.authkit.app", MetadataURL: "https://x.authkit.app/meta"})
	if !slices.Equal(f.as.candidates, []string{"https://x.authkit.app/meta"}) {
		t.Errorf("explicit MetadataURL: candidates %v", f.as.candidates)
	}
}

// discoveryIssuer is an issuer with a path that publishes its metadata at
// the locations given, and records the paths asked for.
type discoveryIssuer struct {
	srv *httptest.Server
	mu  sync.Mutex
	got []string
}

func newDiscoveryIssuer(t *testing.T, realm string, serve map[string]func(issuer string) []byte) *discoveryIssuer {
	t.Helper()
	d := &discoveryIssuer{}
	d.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		d.mu.Lock()
		d.got = append(d.got, r.URL.Path)
		d.mu.Unlock()
		doc := serve[r.URL.Path]
		if doc == nil {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(doc(d.srv.URL + realm))
	}))
	t.Cleanup(d.srv.Close)
	return d
}

func (d *discoveryIssuer) paths() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return slices.Clone(d.got)
}

func TestDiscoveryFindsTheOpenIDDocument(t *testing.T) {
	const realm = "/realms/mcp"
	valid := func(iss string) []byte { return docWith(iss, nil) }
	// A Keycloak-shaped issuer: only the appended OpenID document.
	d := newDiscoveryIssuer(t, realm, map[string]func(string) []byte{realm + "/.well-known/openid-configuration": valid})
	clk := jwttest.NewClock()
	f := mustNew(t, Config{Issuer: d.srv.URL + realm, Now: clk.Now})
	m, err := f.Metadata(t.Context())
	if err != nil {
		t.Fatalf("Metadata: %v", err)
	}
	if m.Issuer != d.srv.URL+realm {
		t.Errorf("issuer = %q", m.Issuer)
	}
	want := []string{"/.well-known/oauth-authorization-server" + realm, "/.well-known/openid-configuration" + realm, realm + "/.well-known/openid-configuration"}
	if got := d.paths(); !slices.Equal(got, want) {
		t.Errorf("asked for %v, want %v (the documented order)", got, want)
	}
	if got := f.MetadataURL(); got != d.srv.URL+realm+"/.well-known/openid-configuration" {
		t.Errorf("MetadataURL = %q, want the location that answered", got)
	}
	// Later fetches go straight to the location found.
	clk.Advance(DefaultMaxCacheTTL)
	if _, err := f.Metadata(t.Context()); err != nil {
		t.Fatal(err)
	}
	waitIdle(t, f.as)
	if got := d.paths(); len(got) != 4 || got[3] != realm+"/.well-known/openid-configuration" {
		t.Errorf("refresh asked for %v, want only the found location again", got)
	}
	// The forwarded route serves that document.
	if w := do(t, f.Handler(), http.MethodGet, pathAuthorizationServer, nil); w.Code != http.StatusOK {
		t.Errorf("route: %d", w.Code)
	}
}

func TestDiscoveryRequiresTheExactIssuer(t *testing.T) {
	const realm = "/realms/mcp"
	// The RFC 8414 location answers with another issuer's document (a
	// trailing slash): never used; the appended OpenID one is right.
	d := newDiscoveryIssuer(t, realm, map[string]func(string) []byte{
		"/.well-known/oauth-authorization-server" + realm: func(iss string) []byte { return docWith(iss+"/", nil) },
		realm + "/.well-known/openid-configuration":       func(iss string) []byte { return docWith(iss, nil) },
	})
	f := mustNew(t, Config{Issuer: d.srv.URL + realm, Now: jwttest.NewClock().Now})
	m, err := f.Metadata(t.Context())
	if err != nil || m.Issuer != d.srv.URL+realm {
		t.Fatalf("Metadata = %+v, %v; want the document with the exact issuer", m, err)
	}

	// Only mismatching documents: the mismatch is the error reported.
	d2 := newDiscoveryIssuer(t, realm, map[string]func(string) []byte{
		"/.well-known/oauth-authorization-server" + realm: func(iss string) []byte { return docWith(iss+"/", nil) },
	})
	f2 := mustNew(t, Config{Issuer: d2.srv.URL + realm, Now: jwttest.NewClock().Now})
	_, err = f2.Metadata(t.Context())
	var mm *IssuerMismatchError
	if !errors.As(err, &mm) || !strings.Contains(err.Error(), "tried ") {
		t.Fatalf("err = %v, want an IssuerMismatchError naming the locations tried", err)
	}
	if assertGeneric503(t, do(t, f2.Handler(), http.MethodGet, pathAuthorizationServer, nil)); t.Failed() {
		return
	}
}

// Every upstream fetch is reported to OnMetadataFetch: a first fetch, a 304
// revalidation, and a failure with the age of the copy still served.
func TestOnMetadataFetch(t *testing.T) {
	u := newUpstream(t)
	clk := jwttest.NewClock()
	var mu sync.Mutex
	var got []remote.MetadataFetch
	cfg := testConfig(u, clk, nil)
	cfg.OnMetadataFetch = func(r remote.MetadataFetch) { mu.Lock(); got = append(got, r); mu.Unlock() }
	f := mustNew(t, cfg)
	u.set(u.serve(u.doc(), map[string]string{"ETag": `"v1"`, "Cache-Control": "max-age=60"}))
	if err := f.Prime(t.Context()); err != nil {
		t.Fatal(err)
	}
	u.set(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "max-age=60")
		w.WriteHeader(http.StatusNotModified)
	})
	clk.Advance(2 * time.Minute)
	if err := f.Prime(t.Context()); err != nil {
		t.Fatal(err)
	}
	u.set(status(http.StatusBadGateway, nil))
	clk.Advance(2 * time.Minute)
	_ = f.Prime(t.Context())
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 3 {
		t.Fatalf("events = %+v", got)
	}
	if got[0].Err != nil || got[0].NotModified || got[0].Document != "oauth-authorization-server" || got[0].URL != cfg.MetadataURL {
		t.Errorf("first fetch: %+v", got[0])
	}
	if got[1].Err != nil || !got[1].NotModified {
		t.Errorf("revalidation: %+v", got[1])
	}
	if got[2].Err == nil || got[2].Failures != 1 || got[2].StaleAge != 2*time.Minute {
		t.Errorf("failure: %+v", got[2])
	}
}
