package authkittest

import (
	"bytes"
	"io"
	"maps"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// Default values of a new [Server].
const (
	// DefaultTokenLifetime is the lifetime of the access tokens the fake
	// issues and mints, unless changed with [Server.SetTokenLifetime] or
	// [TokenOptions.ExpiresIn]. AuthKit's access tokens live five minutes.
	DefaultTokenLifetime = 5 * time.Minute

	// codeLifetime is how long an authorization code can be redeemed.
	codeLifetime = 10 * time.Minute

	// maxBody bounds request bodies the fake reads.
	maxBody = 1 << 20
)

// DefaultUser returns the user a new [Server] auto-approves: it has an
// organization but no role, permissions, entitlements or feature flags, so
// the tokens it gets look like those of an AuthKit environment without a
// JWT template.
func DefaultUser() User {
	return User{
		ID:             "user_01TESTUSER0000000000000000",
		Email:          "test.user@example.com",
		EmailVerified:  true,
		FirstName:      "Test",
		LastName:       "User",
		OrganizationID: "org_01TESTORG00000000000000000",
	}
}

// Server is a fake WorkOS AuthKit authorization server listening on a
// loopback address. All methods are safe for concurrent use, also while the
// server is answering requests.
type Server struct {
	ts        *httptest.Server
	router    *http.ServeMux
	url       string
	done      chan struct{}
	closeOnce sync.Once
	clientID  string

	mu            sync.Mutex
	clientSecret  string
	apiKey        string
	clock         func() time.Time
	user          User
	users         map[string]User
	keys          []*Key // published, in publication order
	signing       *Key
	dcr, cimd     bool
	cimdOpts      CIMDOptions
	cimdCache     map[string]cimdEntry
	cimdFetches   int
	docServers    []*httptest.Server // from ServeClientMetadata
	accessTTL     time.Duration
	denyConsent   bool
	faults        map[string]*Fault
	requests      []Request
	clients       map[string]*Client
	codes         map[string]*codeGrant
	usedCodes     map[string]string // code -> grant id, to revoke on replay
	refresh       map[string]*refreshGrant
	usedRefresh   map[string]string // rotated refresh token -> grant id
	issued        map[string]string // access token jti -> client id
	metaOverrides map[string]any
}

// NewServer starts and returns a new fake AuthKit on 127.0.0.1 (or [::1]
// when IPv4 is unavailable). The caller should call Close when finished.
// Like [httptest.NewServer], it panics when it cannot listen.
func NewServer() *Server {
	s := NewUnstartedServer()
	s.Start()
	return s
}

// Start is [NewServer] followed by t.Cleanup(s.Close).
func Start(t testing.TB) *Server {
	t.Helper()
	s := NewServer()
	t.Cleanup(s.Close)
	return s
}

// NewUnstartedServer returns a fake AuthKit that listens but does not
// serve yet: configure it, then call [Server.Start]. Its URL is known
// already. The caller should call Close when finished.
func NewUnstartedServer() *Server {
	key := MustNewKey("")
	s := &Server{
		done:         make(chan struct{}),
		clientID:     newID("client"),
		clientSecret: "sk_client_" + newSecret(),
		apiKey:       "sk_test_" + newSecret(),
		clock:        time.Now,
		users:        map[string]User{},
		keys:         []*Key{key},
		signing:      key,
		dcr:          true,
		accessTTL:    DefaultTokenLifetime,
		faults:       map[string]*Fault{},
		clients:      map[string]*Client{},
		codes:        map[string]*codeGrant{},
		usedCodes:    map[string]string{},
		refresh:      map[string]*refreshGrant{},
		usedRefresh:  map[string]string{},
		issued:       map[string]string{},
		cimdOpts:     CIMDOptions{Timeout: DefaultCIMDTimeout, MaxBytes: DefaultCIMDMaxBytes, CacheTTL: DefaultCIMDCacheTTL},
		cimdCache:    map[string]cimdEntry{},
	}
	s.setUserLocked(DefaultUser())
	s.router = s.routes()
	s.ts = httptest.NewUnstartedServer(http.HandlerFunc(s.serveHTTP))
	s.url = "http://" + s.ts.Listener.Addr().String()
	s.clients[s.clientID] = &Client{
		ID:                      s.clientID,
		Secret:                  s.clientSecret,
		Name:                    "AuthKit environment",
		TokenEndpointAuthMethod: AuthMethodBasic,
		GrantTypes:              []string{grantAuthCode, grantRefresh},
	}
	return s
}

// Start starts a server from [NewUnstartedServer]. It panics when the
// server was started already, like [httptest.Server.Start].
func (s *Server) Start() {
	s.ts.Start()
	s.ts.Client().CheckRedirect = func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}
}

// Close shuts the server down (and the servers of [Server.ServeClientMetadata])
// and blocks until all outstanding requests have completed. Requests held
// by a [Fault.Delay] are released at once.
// Close may be called more than once.
func (s *Server) Close() {
	s.closeOnce.Do(func() { close(s.done) })
	s.ts.Close()
	s.mu.Lock()
	docs := s.docServers
	s.docServers = nil
	s.mu.Unlock()
	for _, d := range docs {
		d.Close()
	}
}

// URL returns the base URL, http://127.0.0.1:port, without a trailing
// slash. It is known before Start.
func (s *Server) URL() string { return s.url }

// Issuer returns the issuer: byte-identical to URL and to the "issuer" of
// both metadata documents, as with AuthKit.
func (s *Server) Issuer() string { return s.url }

// JWKSURL returns the URL of the JSON Web Key Set, <issuer>/oauth2/jwks.
func (s *Server) JWKSURL() string { return s.url + pathJWKS }

// MetadataURL returns the RFC 8414 metadata URL,
// <issuer>/.well-known/oauth-authorization-server.
func (s *Server) MetadataURL() string { return s.url + pathAuthServerMetadata }

// OpenIDConfigurationURL returns <issuer>/.well-known/openid-configuration.
func (s *Server) OpenIDConfigurationURL() string { return s.url + pathOpenIDConfiguration }

// SessionIssuer returns the issuer of the other AuthKit token family,
// user-management session tokens: https://api.workos.com/user_management/<client id>.
// Mint with it (and Omit "aud") to check that a verifier rejects them.
func (s *Server) SessionIssuer() string {
	return "https://api.workos.com/user_management/" + s.clientID
}

// Client returns an HTTP client configured for the server. It does not
// follow redirects, so a test can read the Location of an /oauth2/authorize
// answer. It is nil before Start; every call returns the same client, whose
// idle connections Close closes.
func (s *Server) Client() *http.Client { return s.ts.Client() }

// ClientID returns the environment's client id (client_...): the audience
// of tokens issued without a resource indicator, as AuthKit does, and the
// credentials, with [Server.ClientSecret], of a confidential client that
// may call /oauth2/introspection.
func (s *Server) ClientID() string { return s.clientID }

// SetClientID sets the environment's client id (AuthKit's client_...), for
// a test or a demo that must know it before the server starts, as a
// configuration value that names it would. Call it on a server from
// [NewUnstartedServer], before [Server.Start]; it panics on a started
// server or an empty id.
func (s *Server) SetClientID(id string) {
	if id == "" {
		panic("authkittest: SetClientID with an empty id")
	}
	if s.ts.URL != "" {
		panic("authkittest: SetClientID after Start")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	env := s.clients[s.clientID]
	delete(s.clients, s.clientID)
	env.ID = id
	s.clients[id] = env
	s.clientID = id
}

// ClientSecret returns the secret of the environment client.
func (s *Server) ClientSecret() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.clientSecret
}

// APIKey returns the WorkOS API key the fake's WorkOS API routes require
// as "Authorization: Bearer <key>" (sk_test_... by default).
func (s *Server) APIKey() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.apiKey
}

// SetAPIKey changes the API key the WorkOS API routes accept.
func (s *Server) SetAPIKey(key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.apiKey = key
}

// SetClock sets the clock used for iat/exp of minted and issued tokens,
// code expiry, token validation and the request log. nil restores
// time.Now.
func (s *Server) SetClock(now func() time.Time) {
	if now == nil {
		now = time.Now
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.clock = now
}

func (s *Server) now() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.clock()
}

// SetTokenLifetime sets the lifetime of issued and (by default) minted
// access tokens. Zero or negative restores [DefaultTokenLifetime].
func (s *Server) SetTokenLifetime(d time.Duration) {
	if d <= 0 {
		d = DefaultTokenLifetime
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.accessTTL = d
}

// SetDCR turns dynamic client registration on or off (on by default). Off
// removes registration_endpoint from the metadata and /oauth2/register
// answers 404.
func (s *Server) SetDCR(enabled bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dcr = enabled
}

// SetCIMD turns client ID metadata document support on or off (off by
// default, as in AuthKit). While it is on, the metadata carries
// "client_id_metadata_document_supported": true and a client_id that is an
// https URL is resolved by fetching its client metadata document (bounded
// in size and time, cached; see [CIMDOptions]): redirect_uri is checked
// against the document's redirect_uris and the client is public, as a
// registered one with token_endpoint_auth_method "none".
func (s *Server) SetCIMD(enabled bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cimd = enabled
}

// SetDenyConsent makes /oauth2/authorize answer every valid request with
// error=access_denied, as when the user declines consent.
func (s *Server) SetDenyConsent(deny bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.denyConsent = deny
}

// SetMetadataOverrides changes both metadata documents: each key replaces
// (or adds) that field; a nil value removes it. It replaces earlier
// overrides; nil clears them. Use it to test clients against issuer
// mismatches or missing fields.
func (s *Server) SetMetadataOverrides(fields map[string]any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.metaOverrides = maps.Clone(fields)
}

// Request is one request the server received. It never holds credentials:
// no Authorization value, and secrets in forms and queries are redacted.
type Request struct {
	Method string
	Path   string
	// Query is the parsed query string, with secret parameters redacted.
	Query url.Values
	// Form holds the parameters of an application/x-www-form-urlencoded
	// body, with client_secret, code, code_verifier, refresh_token, token
	// and other secrets replaced by "[redacted]". Nil for other bodies.
	Form url.Values
	// AuthScheme is the scheme of the Authorization header ("Bearer",
	// "Basic") or "" without one. The credentials are not kept.
	AuthScheme string
	// Time is the server clock's time when the request arrived.
	Time time.Time
}

// redacted is the value that replaces secrets in [Request.Query] and
// [Request.Form].
const redacted = "[redacted]"

var secretParams = []string{
	"client_secret", "code", "code_verifier", "refresh_token", "token",
	"access_token", "id_token", "assertion", "client_assertion", "password",
}

func redact(v url.Values) url.Values {
	for _, k := range secretParams {
		if vs, ok := v[k]; ok {
			for i := range vs {
				vs[i] = redacted
			}
		}
	}
	return v
}

// Requests returns a copy of the request log, oldest first.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Request, len(s.requests))
	for i, r := range s.requests {
		r.Query = cloneValues(r.Query)
		r.Form = cloneValues(r.Form)
		out[i] = r
	}
	return out
}

// ResetRequests empties the request log.
func (s *Server) ResetRequests() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = nil
}

func cloneValues(v url.Values) url.Values {
	if v == nil {
		return nil
	}
	out := make(url.Values, len(v))
	for k, vs := range v {
		out[k] = slices.Clone(vs)
	}
	return out
}

// Fault makes the server misbehave on one path; see [Server.SetFault].
type Fault struct {
	// Status, when non-zero, is the status code answered instead of the
	// real handler's, with Body, ContentType and Headers. When zero, the
	// real handler answers (after Delay, with Headers added).
	Status int
	// Body is the response body sent with Status: JSON, HTML, garbage.
	Body []byte
	// ContentType is sent with Status; default application/json.
	ContentType string
	// Headers are added to the response (for example Retry-After).
	Headers http.Header
	// Delay holds the request this long before answering, or until the
	// request's context ends or the server closes, whichever is first. A
	// request whose context ended gets no answer.
	Delay time.Duration
	// Drop closes the connection without any answer (after Delay): the
	// client sees a transport error.
	Drop bool
	// Times limits the fault to the next Times matching requests; zero
	// means until ClearFault.
	Times int
}

// faultAll is the path that makes a fault apply to every path without a
// fault of its own.
const faultAll = "*"

// SetFault makes requests whose URL path is exactly path fail as f
// describes; path "*" makes every path without a fault of its own fail. It
// replaces any fault on path.
func (s *Server) SetFault(path string, f Fault) {
	f.Body = slices.Clone(f.Body)
	f.Headers = f.Headers.Clone()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults[path] = &f
}

// ClearFault removes the fault on path.
func (s *Server) ClearFault(path string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.faults, path)
}

// takeFault returns the fault for path, counting it against Times.
func (s *Server) takeFault(path string) (Fault, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	key := path
	f, ok := s.faults[key]
	if !ok {
		key = faultAll
		if f, ok = s.faults[key]; !ok {
			return Fault{}, false
		}
	}
	if f.Times > 0 {
		f.Times--
		if f.Times == 0 {
			delete(s.faults, key)
		}
	}
	return *f, true
}

// corsPaths are the endpoints a browser-based client calls from its page:
// discovery, keys, registration, token and userinfo. Their answers, faults
// included, carry Access-Control-Allow-Origin: *, and their CORS preflights
// are answered before any fault applies.
var corsPaths = map[string]bool{
	pathAuthServerMetadata: true, pathOpenIDConfiguration: true, pathJWKS: true,
	pathRegister: true, pathToken: true, pathUserinfo: true,
}

// CORS headers of corsPaths' preflights.
const (
	corsAllowMethods = "GET, POST, OPTIONS"
	corsAllowHeaders = "Authorization, Content-Type, Accept, MCP-Protocol-Version"
	corsMaxAge       = "86400"
)

// serveHTTP logs the request, answers CORS, applies faults and routes it.
func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	s.record(r)
	if corsPaths[r.URL.Path] {
		h := w.Header()
		h.Set("Access-Control-Allow-Origin", "*")
		if r.Method == http.MethodOptions {
			h.Set("Access-Control-Allow-Methods", corsAllowMethods)
			h.Set("Access-Control-Allow-Headers", corsAllowHeaders)
			h.Set("Access-Control-Max-Age", corsMaxAge)
			w.WriteHeader(http.StatusNoContent)
			return
		}
	}
	if f, ok := s.takeFault(r.URL.Path); ok {
		if !s.applyFault(w, r, f) {
			return
		}
	}
	s.router.ServeHTTP(w, r)
}

// record appends r to the log. For form posts it reads the body (bounded)
// and puts it back for the handler.
func (s *Server) record(r *http.Request) {
	rec := Request{
		Method: r.Method,
		Path:   r.URL.Path,
		Query:  redact(r.URL.Query()),
	}
	if scheme, _, ok := strings.Cut(r.Header.Get("Authorization"), " "); ok {
		rec.AuthScheme = scheme
	}
	if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct == "application/x-www-form-urlencoded" && r.Body != nil {
		body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
		r.Body = io.NopCloser(bytes.NewReader(body))
		if err == nil && len(body) <= maxBody {
			if form, err := url.ParseQuery(string(body)); err == nil {
				rec.Form = redact(form)
			}
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	rec.Time = s.clock()
	s.requests = append(s.requests, rec)
}

// applyFault carries out f and reports whether the real handler should
// still answer.
func (s *Server) applyFault(w http.ResponseWriter, r *http.Request, f Fault) bool {
	if f.Delay > 0 {
		t := time.NewTimer(f.Delay)
		defer t.Stop()
		select {
		case <-t.C:
		case <-r.Context().Done():
			return false
		case <-s.done:
		}
	}
	if f.Drop {
		dropConnection(w)
		return false
	}
	for k, vs := range f.Headers {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	if f.Status == 0 {
		return true
	}
	ct := f.ContentType
	if ct == "" {
		ct = "application/json"
	}
	w.Header().Set("Content-Type", ct)
	w.WriteHeader(f.Status)
	_, _ = w.Write(f.Body)
	return false
}

// dropConnection closes the client's connection without an answer.
func dropConnection(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		// Not hijackable (HTTP/2): abort the handler, which resets the
		// stream without a response.
		panic(http.ErrAbortHandler)
	}
	_ = conn.Close()
}
