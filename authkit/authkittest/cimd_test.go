package authkittest_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mcpauth/mcpauth/authkit/authkittest"
	"github.com/mcpauth/mcpauth/internal/testutil"
)

// docServer serves client metadata documents over TLS on loopback, as a
// client publishes its document, and counts the fetches.
type docServer struct {
	*httptest.Server
	hits atomic.Int64
	// doc answers a request for path; nil serves the default document.
	// Atomic: a subtest sets it while a request of the one before (a fetch
	// the fake abandoned) may still be in its handler.
	doc atomic.Pointer[func(w http.ResponseWriter, r *http.Request)]
}

func newDocServer(t testing.TB) *docServer {
	t.Helper()
	d := &docServer{}
	d.Server = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		d.hits.Add(1)
		if doc := d.doc.Load(); doc != nil && *doc != nil {
			(*doc)(w, r)
			return
		}
		serveDoc(w, cimdDoc(d.URL+r.URL.Path))
	}))
	t.Cleanup(d.Close)
	return d
}

// cimdDoc is a valid client metadata document for the client id URL id.
func cimdDoc(id string) map[string]any {
	return map[string]any{
		"client_id":                  id,
		"client_name":                "CIMD test client",
		"redirect_uris":              []string{testRedirect},
		"grant_types":                []string{"authorization_code", "refresh_token"},
		"response_types":             []string{"code"},
		"token_endpoint_auth_method": "none",
	}
}

func serveDoc(w http.ResponseWriter, doc any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(doc)
}

// cimdServer is a fake AuthKit with CIMD on, fetching from d.
func cimdServer(t testing.TB, d *docServer) *authkittest.Server {
	t.Helper()
	s := authkittest.Start(t)
	s.SetCIMD(true)
	s.SetCIMDOptions(authkittest.CIMDOptions{Client: d.Client()})
	return s
}

// TestCIMDFlow: a client whose client_id is the URL of its metadata
// document, never registered, completes the authorization code flow with
// PKCE and refreshes, as a registered public client does; the document is
// fetched once.
func TestCIMDFlow(t *testing.T) {
	s := authkittest.Start(t)
	s.SetDCR(false)
	clientID := s.ServeClientMetadata(authkittest.Client{Name: "CIMD test client", RedirectURIs: []string{testRedirect}, GrantTypes: []string{"authorization_code", "refresh_token"}})
	if m := s.Metadata(); m["client_id_metadata_document_supported"] != true {
		t.Fatalf("ServeClientMetadata did not turn CIMD on: %v", m)
	}

	_, tok := codeTokens(t, s, clientID)
	if _, claims := jwtParts(t, tok["access_token"].(string)); !equalJSON(claims["aud"], testResource) && !equalJSON(claims["aud"], []any{testResource}) {
		t.Errorf("aud = %v", claims["aud"])
	}
	status, ref := postForm(t, s, "/oauth2/token", url.Values{
		"grant_type": {"refresh_token"}, "refresh_token": {tok["refresh_token"].(string)}, "client_id": {clientID},
	}, "", "")
	if status != http.StatusOK {
		t.Fatalf("refresh: %d %v", status, ref)
	}
	if n := s.CIMDFetches(); n != 1 {
		t.Errorf("document fetched %d times, want 1 (cached)", n)
	}
	if _, ok := s.LookupClient(clientID); ok {
		t.Error("a URL client was stored as a registered client")
	}
}

// TestCIMDCache: the document is fetched again once its cache time has
// passed on the server's clock, and after SetCIMDOptions.
func TestCIMDCache(t *testing.T) {
	d := newDocServer(t)
	s := cimdServer(t, d)
	clock := testutil.NewClock(time.Now())
	s.SetClock(clock.Now)
	clientID := d.URL + "/client.json"
	auth := func() {
		t.Helper()
		if status, cb := authorize(t, s, authzQuery(clientID)); status != http.StatusFound || cb.Get("code") == "" {
			t.Fatalf("authorize: %d %v", status, cb)
		}
	}
	auth()
	clock.Advance(authkittest.DefaultCIMDCacheTTL - time.Second)
	auth()
	if n := d.hits.Load(); n != 1 {
		t.Fatalf("%d fetches within the cache time, want 1", n)
	}
	clock.Advance(time.Second)
	auth()
	if n := d.hits.Load(); n != 2 {
		t.Fatalf("%d fetches after the cache time, want 2", n)
	}
	s.SetCIMDOptions(authkittest.CIMDOptions{Client: d.Client(), CacheTTL: time.Hour})
	auth()
	if n := d.hits.Load(); n != 3 {
		t.Fatalf("%d fetches after SetCIMDOptions, want 3", n)
	}
}

// anyHost is a transport that answers every https request with a valid
// document for its URL: a client whose document would be served from
// anywhere. It counts requests.
type anyHost struct{ n atomic.Int64 }

func (a *anyHost) RoundTrip(r *http.Request) (*http.Response, error) {
	a.n.Add(1)
	rec := httptest.NewRecorder()
	serveDoc(rec, cimdDoc(r.URL.String()))
	return rec.Result(), nil
}

// TestCIMDRefusals: every case differs in one thing from a document that
// resolves (the control), so the check under test is what refuses it.
func TestCIMDRefusals(t *testing.T) {
	d := newDocServer(t)
	plain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		serveDoc(w, cimdDoc("http://"+r.Host+r.URL.Path))
	}))
	t.Cleanup(plain.Close)
	target := d.URL + "/client.json"
	mutated := func(mut func(map[string]any)) func(w http.ResponseWriter, r *http.Request) {
		return func(w http.ResponseWriter, r *http.Request) {
			doc := cimdDoc(d.URL + r.URL.Path)
			mut(doc)
			serveDoc(w, doc)
		}
	}
	// echo serves a valid document naming id, whatever the request.
	echo := func(id string) func(w http.ResponseWriter, r *http.Request) {
		return func(w http.ResponseWriter, r *http.Request) { serveDoc(w, cimdDoc(id)) }
	}
	withUserinfo := strings.Replace(d.URL, "https://", "https://user@", 1) + "/client.json"
	released := make(chan struct{})
	t.Cleanup(func() { close(released) })
	var abandoned atomic.Bool
	for _, tt := range []struct {
		name     string
		clientID string
		redirect string // default testRedirect
		doc      func(w http.ResponseWriter, r *http.Request)
		setup    func(s *authkittest.Server)
		wantErr  string // the JSON error code; "" for the control
		wantDesc string // in error_description
	}{
		{name: "control", clientID: target},
		{name: "CIMD off", clientID: target, setup: func(s *authkittest.Server) { s.SetCIMD(false) }, wantErr: "invalid_request", wantDesc: "unknown or missing client_id"},
		{name: "redirect_uri not in the document", clientID: target, redirect: "http://127.0.0.1:33333/other", wantErr: "invalid_request", wantDesc: "redirect_uri"},
		{name: "client_id in the document differs", clientID: target, doc: mutated(func(m map[string]any) { m["client_id"] = target + "/" }), wantErr: "invalid_client", wantDesc: "client_id differs"},
		{name: "document with a client_secret", clientID: target, doc: mutated(func(m map[string]any) { m["client_secret"] = "s3cret" }), wantErr: "invalid_client", wantDesc: "client_secret"},
		{name: "secret-based auth method", clientID: target, doc: mutated(func(m map[string]any) { m["token_endpoint_auth_method"] = "client_secret_basic" }), wantErr: "invalid_client", wantDesc: "none"},
		{name: "no redirect_uris", clientID: target, doc: mutated(func(m map[string]any) { delete(m, "redirect_uris") }), wantErr: "invalid_client", wantDesc: "redirect_uris"},
		{name: "unsupported grant type", clientID: target, doc: mutated(func(m map[string]any) { m["grant_types"] = []string{"implicit"} }), wantErr: "invalid_client", wantDesc: "grant_types"},
		{name: "token response type", clientID: target, doc: mutated(func(m map[string]any) { m["response_types"] = []string{"token"} }), wantErr: "invalid_client", wantDesc: "response_types"},
		{name: "document over the size limit", clientID: target, doc: mutated(func(m map[string]any) {
			m["client_name"] = strings.Repeat("x", authkittest.DefaultCIMDMaxBytes)
		}), wantErr: "invalid_client", wantDesc: "larger than"},
		{name: "not JSON", clientID: target, doc: func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("<html>")) }, wantErr: "invalid_client", wantDesc: "not a JSON object"},
		{name: "HTTP 404", clientID: target, doc: func(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) }, wantErr: "invalid_client", wantDesc: "HTTP 404"},
		{name: "redirect to a valid document not followed", clientID: target, doc: func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/client.json" {
				http.Redirect(w, r, "/moved.json", http.StatusFound)
				return
			}
			serveDoc(w, cimdDoc(target))
		}, wantErr: "invalid_client", wantDesc: "HTTP 302"},
		{name: "slower than the timeout", clientID: target, doc: func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-r.Context().Done():
				// The fetch gave up: answer nothing. (A document written
				// now could still win the client's race between the
				// response and its deadline, and be taken.)
				abandoned.Store(true)
				return
			case <-released:
			}
			serveDoc(w, cimdDoc(target))
		}, setup: func(s *authkittest.Server) {
			s.SetCIMDOptions(authkittest.CIMDOptions{Client: d.Client(), Timeout: 50 * time.Millisecond})
		}, wantErr: "invalid_client", wantDesc: "could not be fetched"},
		{name: "http, not https", clientID: plain.URL + "/client.json", setup: func(s *authkittest.Server) {
			s.SetCIMDOptions(authkittest.CIMDOptions{Client: plain.Client()})
		}, wantErr: "invalid_client", wantDesc: "https"},
		{name: "no path", clientID: d.URL + "/", wantErr: "invalid_client", wantDesc: "path"},
		{name: "dot segments", clientID: d.URL + "/a/../client.json", wantErr: "invalid_client", wantDesc: "dot segments"},
		{name: "userinfo", clientID: withUserinfo, doc: echo(withUserinfo), wantErr: "invalid_client", wantDesc: "userinfo"},
		{name: "fragment", clientID: target + "#x", doc: echo(target + "#x"), wantErr: "invalid_client", wantDesc: "fragment"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			d.doc.Store(&tt.doc)
			s := cimdServer(t, d)
			if tt.setup != nil {
				tt.setup(s)
			}
			q := authzQuery(tt.clientID)
			if tt.redirect != "" {
				q.Set("redirect_uri", tt.redirect)
			}
			resp, err := s.Client().Get(s.URL() + "/oauth2/authorize" + "?" + q.Encode())
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			if tt.wantErr == "" {
				if resp.StatusCode != http.StatusFound {
					t.Fatalf("control: status %d", resp.StatusCode)
				}
				return
			}
			body := decode(t, resp.Body)
			if resp.StatusCode != http.StatusBadRequest || resp.Header.Get("Location") != "" {
				t.Fatalf("status %d, Location %q; want 400 without a redirect", resp.StatusCode, resp.Header.Get("Location"))
			}
			if body["error"] != tt.wantErr || !strings.Contains(body["error_description"].(string), tt.wantDesc) {
				t.Errorf("error %v, want %s with %q", body, tt.wantErr, tt.wantDesc)
			}
		})
	}
	if !abandoned.Load() {
		t.Error("the slow document's fetch was not abandoned")
	}
}

// TestCIMDLoopbackOnly: a document on another host is never fetched, even
// with a client that could reach it.
func TestCIMDLoopbackOnly(t *testing.T) {
	s := authkittest.Start(t)
	s.SetCIMD(true)
	rt := &anyHost{}
	s.SetCIMDOptions(authkittest.CIMDOptions{Client: &http.Client{Transport: rt}})
	// Control: the same transport serves a loopback URL.
	if status, cb := authorize(t, s, authzQuery("https://127.0.0.1:1/client.json")); status != http.StatusFound || cb.Get("code") == "" {
		t.Fatalf("control: %d %v", status, cb)
	}
	status, cb := authorize(t, s, authzQuery("https://client.example.com/client.json"))
	if status != http.StatusBadRequest || cb != nil {
		t.Fatalf("other host: %d %v", status, cb)
	}
	if n := rt.n.Load(); n != 1 {
		t.Errorf("%d fetches, want 1 (the control's)", n)
	}
}

// TestCORS: the endpoints a browser-based client calls answer preflights
// and put Access-Control-Allow-Origin on their answers, errors and faults
// included; the others do not.
func TestCORS(t *testing.T) {
	s := authkittest.Start(t)
	for _, path := range []string{"/oauth2/register", "/oauth2/token", "/.well-known/oauth-authorization-server", "/.well-known/openid-configuration", "/oauth2/jwks", "/oauth2/userinfo"} {
		t.Run("preflight "+path, func(t *testing.T) {
			s.SetFault(path, authkittest.Fault{Status: http.StatusServiceUnavailable, Times: 1})
			req, _ := http.NewRequest(http.MethodOptions, s.URL()+path, nil)
			req.Header.Set("Origin", "https://inspector.example")
			req.Header.Set("Access-Control-Request-Method", "POST")
			req.Header.Set("Access-Control-Request-Headers", "content-type, authorization, mcp-protocol-version")
			resp, err := s.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			h := resp.Header
			if resp.StatusCode != http.StatusNoContent || h.Get("Access-Control-Allow-Origin") != "*" ||
				!strings.Contains(h.Get("Access-Control-Allow-Methods"), "POST") ||
				h.Get("Access-Control-Allow-Headers") != "Authorization, Content-Type, Accept, MCP-Protocol-Version" {
				t.Errorf("preflight: %d %v", resp.StatusCode, h)
			}
			// The preflight did not use up the fault: the request after it
			// meets it, with CORS headers a browser can read.
			resp, err = s.Client().Post(s.URL()+path, "application/json", strings.NewReader("{}"))
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Access-Control-Allow-Origin") != "*" {
				t.Errorf("faulted answer: %d, Access-Control-Allow-Origin %q", resp.StatusCode, resp.Header.Get("Access-Control-Allow-Origin"))
			}
		})
	}
	for _, tt := range []struct {
		name, method, path, ctype, body string
		status                          int
		cors                            bool
	}{
		{"register", http.MethodPost, "/oauth2/register", "application/json", `{"redirect_uris":["` + testRedirect + `"],"token_endpoint_auth_method":"none"}`, http.StatusCreated, true},
		{"register error", http.MethodPost, "/oauth2/register", "application/json", `{}`, http.StatusBadRequest, true},
		{"token error", http.MethodPost, "/oauth2/token", "application/x-www-form-urlencoded", "grant_type=authorization_code&client_id=nope", http.StatusUnauthorized, true},
		{"introspection is not browser-facing", http.MethodPost, "/oauth2/introspection", "application/x-www-form-urlencoded", "token=x", http.StatusUnauthorized, false},
		{"WorkOS API is not browser-facing", http.MethodGet, "/user_management/users/" + "user_1", "", "", http.StatusUnauthorized, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(tt.method, s.URL()+tt.path, strings.NewReader(tt.body))
			if tt.ctype != "" {
				req.Header.Set("Content-Type", tt.ctype)
			}
			req.Header.Set("Origin", "https://inspector.example")
			resp, err := s.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tt.status || (resp.Header.Get("Access-Control-Allow-Origin") == "*") != tt.cors {
				t.Errorf("status %d, Access-Control-Allow-Origin %q; want %d, CORS %v", resp.StatusCode, resp.Header.Get("Access-Control-Allow-Origin"), tt.status, tt.cors)
			}
		})
	}
}

// TestServeClientMetadataClosed: the document's server stops with the fake.
func TestServeClientMetadataClosed(t *testing.T) {
	s := authkittest.NewServer()
	clientID := s.ServeClientMetadata(authkittest.Client{RedirectURIs: []string{testRedirect}})
	trust := httptest.NewTLSServer(http.NotFoundHandler()) // its client trusts every httptest TLS server
	t.Cleanup(trust.Close)
	hc := trust.Client()
	resp, err := hc.Get(clientID)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&doc)
	resp.Body.Close()
	if doc["client_id"] != clientID || doc["token_endpoint_auth_method"] != "none" {
		t.Errorf("document = %v", doc)
	}
	s.Close()
	hc.CloseIdleConnections()
	if resp, err := hc.Get(clientID); err == nil {
		resp.Body.Close()
		t.Error("the document is still served after Close")
	}
}
