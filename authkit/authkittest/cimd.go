package authkittest

// This file implements OAuth Client ID Metadata Documents
// (draft-ietf-oauth-client-id-metadata-document): a client_id that is an
// https URL names a JSON document of client metadata, which the
// authorization server fetches instead of a registration.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"time"

	"github.com/mcpauth/mcpauth/internal/httpx"
)

// Defaults of [CIMDOptions].
const (
	// DefaultCIMDTimeout bounds one fetch of a client metadata document.
	DefaultCIMDTimeout = 5 * time.Second
	// DefaultCIMDMaxBytes bounds a client metadata document: 5 KiB, the
	// limit the draft suggests.
	DefaultCIMDMaxBytes = 5 << 10
	// DefaultCIMDCacheTTL is how long a fetched document is used before it
	// is fetched again.
	DefaultCIMDCacheTTL = 5 * time.Minute
)

// CIMDOptions configures how the fake resolves a URL client_id while CIMD is
// on ([Server.SetCIMD]). The zero value uses the defaults.
type CIMDOptions struct {
	// Client fetches the documents. Default: http.DefaultTransport. A test
	// that serves its document from httptest.NewTLSServer passes that
	// server's Client(), which trusts its certificate. Redirects are never
	// followed, whatever the client, and only https URLs on a loopback host
	// (localhost, 127.0.0.0/8, ::1) are fetched: the fake never sends a
	// request off the machine.
	Client *http.Client
	// Timeout bounds one fetch. Default DefaultCIMDTimeout.
	Timeout time.Duration
	// MaxBytes bounds a document. Default DefaultCIMDMaxBytes.
	MaxBytes int64
	// CacheTTL is how long a fetched document is used, on the server's
	// clock ([Server.SetClock]); failures are not cached. Default
	// DefaultCIMDCacheTTL.
	CacheTTL time.Duration
}

// SetCIMDOptions changes how URL client ids are resolved and empties the
// document cache.
func (s *Server) SetCIMDOptions(o CIMDOptions) {
	if o.Timeout <= 0 {
		o.Timeout = DefaultCIMDTimeout
	}
	if o.MaxBytes <= 0 {
		o.MaxBytes = DefaultCIMDMaxBytes
	}
	if o.CacheTTL <= 0 {
		o.CacheTTL = DefaultCIMDCacheTTL
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cimdOpts = o
	s.cimdCache = map[string]cimdEntry{}
}

// ServeClientMetadata publishes the client metadata document of a public
// client, as a client hosts its own: from a new TLS server on loopback,
// which [Server.Close] closes. The document names c's RedirectURIs, Name and
// GrantTypes (c's ID, Secret and TokenEndpointAuthMethod are ignored:
// the id is the document's URL, the method "none"). It turns CIMD on and
// points the fake's fetches at that server, keeping the other
// [CIMDOptions]. It returns the document's URL: the client_id to give
// the client under test.
func (s *Server) ServeClientMetadata(c Client) (clientID string) {
	path := "/client-metadata.json"
	c = c.clone()
	ts := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != path {
			http.NotFound(w, r)
			return
		}
		doc := map[string]any{
			"client_id":                  "https://" + r.Host + path,
			"redirect_uris":              c.RedirectURIs,
			"token_endpoint_auth_method": AuthMethodNone,
			"response_types":             []string{responseTypeCode},
		}
		if c.Name != "" {
			doc["client_name"] = c.Name
		}
		if len(c.GrantTypes) > 0 {
			doc["grant_types"] = c.GrantTypes
		}
		writeJSON(w, http.StatusOK, doc)
	}))
	s.mu.Lock()
	defer s.mu.Unlock()
	s.docServers = append(s.docServers, ts)
	s.cimd = true
	s.cimdOpts.Client = ts.Client()
	s.cimdCache = map[string]cimdEntry{}
	return ts.URL + path
}

// CIMDFetches returns how many client metadata documents the fake has
// fetched (successfully or not); a document served from the cache is not
// counted.
func (s *Server) CIMDFetches() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cimdFetches
}

// cimdEntry is a resolved document in the cache.
type cimdEntry struct {
	client  Client
	expires time.Time
}

// errUnknownClient: the client_id is neither registered nor a resolvable
// URL client id.
var errUnknownClient = errors.New("unknown or missing client_id")

// client returns the client id names: a registered client, or while CIMD is
// on, the client a client metadata document at the URL id describes. The
// error is a client-facing description.
func (s *Server) client(ctx context.Context, id string) (Client, error) {
	if c, ok := s.LookupClient(id); ok {
		return c, nil
	}
	s.mu.Lock()
	enabled := s.cimd
	e, cached := s.cimdCache[id]
	opts, now := s.cimdOpts, s.clock()
	s.mu.Unlock()
	if !enabled || !(strings.HasPrefix(id, "https://") || strings.HasPrefix(id, "http://")) {
		return Client{}, errUnknownClient
	}
	if cached && now.Before(e.expires) {
		return e.client.clone(), nil
	}
	if checkClientIDURL(id) == "" {
		s.mu.Lock()
		s.cimdFetches++
		s.mu.Unlock()
	}
	c, err := fetchCIMD(ctx, id, opts)
	if err != nil {
		return Client{}, err
	}
	s.mu.Lock()
	s.cimdCache[id] = cimdEntry{client: c, expires: s.clock().Add(opts.CacheTTL)}
	s.mu.Unlock()
	return c.clone(), nil
}

// checkClientIDURL returns why raw is not a client identifier URL the fake
// fetches, or "": the module's rule for pages, https, a host on loopback,
// and a path other than "/" without dot segments.
func checkClientIDURL(raw string) string {
	u, err := httpx.CheckURL(raw, httpx.PageURL)
	var ue *httpx.URLError
	switch {
	case errors.As(err, &ue) && ue.Problem == httpx.HasUserinfo:
		return "a URL client_id must not contain userinfo"
	case errors.As(err, &ue) && ue.Problem == httpx.HasFragment:
		return "a URL client_id must not contain a fragment"
	case err != nil || u.Scheme != "https":
		return "a URL client_id must be an absolute https URL"
	case u.Path == "" || u.Path == "/":
		return "a URL client_id must have a path"
	case !httpx.IsLoopbackHost(u.Hostname()):
		return "this fake fetches client metadata documents from loopback hosts only"
	}
	if httpx.HasDotSegment(u.EscapedPath()) {
		return "a URL client_id must not contain dot segments"
	}
	return ""
}

// cimdDocument is the client metadata the fake reads from a document: a
// registration request's, plus the client's own id and a secret it must
// not have.
type cimdDocument struct {
	registrationRequest
	ClientID     string  `json:"client_id"`
	ClientSecret *string `json:"client_secret"`
}

// fetchCIMD fetches and validates the document at id.
func fetchCIMD(ctx context.Context, id string, opts CIMDOptions) (Client, error) {
	if why := checkClientIDURL(id); why != "" {
		return Client{}, errors.New(why)
	}
	hc := http.Client{Transport: http.DefaultTransport}
	if opts.Client != nil {
		hc = *opts.Client
	}
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	ctx, cancel := context.WithTimeout(ctx, opts.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, id, nil)
	if err != nil {
		return Client{}, errors.New("a URL client_id must be an absolute https URL")
	}
	req.Header.Set("Accept", "application/json")
	resp, err := hc.Do(req)
	if err != nil {
		return Client{}, errors.New("the client metadata document could not be fetched")
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return Client{}, fmt.Errorf("the client metadata document answered HTTP %d, want 200", resp.StatusCode)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, opts.MaxBytes+1))
	if err != nil {
		return Client{}, errors.New("the client metadata document could not be fetched")
	}
	if int64(len(body)) > opts.MaxBytes {
		return Client{}, fmt.Errorf("the client metadata document is larger than %d bytes", opts.MaxBytes)
	}
	var doc cimdDocument
	if err := json.Unmarshal(body, &doc); err != nil {
		return Client{}, errors.New("the client metadata document is not a JSON object of client metadata")
	}
	return doc.client(id)
}

// client validates doc, fetched from id, and returns the client it
// describes: a public client (no shared secret can exist).
func (doc cimdDocument) client(id string) (Client, error) {
	if doc.ClientID != id {
		return Client{}, errors.New("the client metadata document's client_id differs from its URL")
	}
	if doc.ClientSecret != nil {
		return Client{}, errors.New("a client metadata document must not contain a client_secret")
	}
	switch doc.TokenEndpointAuthMethod {
	case "", AuthMethodNone:
	default:
		return Client{}, errors.New("a client metadata document client must use token_endpoint_auth_method none")
	}
	if len(doc.GrantTypes) == 0 {
		doc.GrantTypes = []string{grantAuthCode} // RFC 7591's default
	}
	if _, desc := checkClientMetadata(&doc.registrationRequest); desc != "" {
		return Client{}, errors.New("the client metadata document is not acceptable: " + desc)
	}
	return Client{
		ID:                      id,
		RedirectURIs:            slices.Clone(doc.RedirectURIs),
		Name:                    doc.ClientName,
		TokenEndpointAuthMethod: AuthMethodNone,
		GrantTypes:              slices.Clone(doc.GrantTypes),
	}, nil
}
