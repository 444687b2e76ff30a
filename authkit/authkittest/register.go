package authkittest

// This file implements dynamic client registration (RFC 7591) at
// /oauth2/register.

import (
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"

	"github.com/mcpauth/mcpauth/internal/httpx"
)

// Token endpoint authentication methods.
const (
	AuthMethodNone   = "none"
	AuthMethodBasic  = "client_secret_basic"
	AuthMethodPost   = "client_secret_post"
	grantAuthCode    = "authorization_code"
	grantRefresh     = "refresh_token"
	responseTypeCode = "code"
)

// Client is an OAuth client registered with the fake, through
// /oauth2/register or [Server.AddClient].
type Client struct {
	// ID is the client id; generated (client_...) when empty.
	ID string
	// Secret is the client secret; empty for a public client.
	Secret string
	// RedirectURIs are the exact redirect URIs the client may use. A
	// loopback http URI matches any port (RFC 8252 §7.3).
	RedirectURIs []string
	// Name is client_name.
	Name string
	// TokenEndpointAuthMethod is "none" for public clients, else
	// client_secret_basic (the default) or client_secret_post. The token
	// endpoint accepts either secret method from a confidential client.
	TokenEndpointAuthMethod string
	// GrantTypes default to authorization_code and refresh_token.
	GrantTypes []string
}

func (c Client) clone() Client {
	c.RedirectURIs = slices.Clone(c.RedirectURIs)
	c.GrantTypes = slices.Clone(c.GrantTypes)
	return c
}

func (c Client) public() bool { return c.Secret == "" }

// AddClient registers a client directly, whether or not DCR is on. An
// empty ID is generated; a confidential client (TokenEndpointAuthMethod
// other than "none") without a Secret gets a generated one. It returns
// the stored client.
func (s *Server) AddClient(c Client) Client {
	c = c.clone()
	if c.ID == "" {
		c.ID = newID("client")
	}
	switch {
	case c.TokenEndpointAuthMethod == "" && c.Secret == "":
		c.TokenEndpointAuthMethod = AuthMethodNone
	case c.TokenEndpointAuthMethod == "":
		c.TokenEndpointAuthMethod = AuthMethodBasic
	case c.TokenEndpointAuthMethod == AuthMethodNone:
		c.Secret = ""
	case c.Secret == "":
		c.Secret = newSecret()
	}
	if len(c.GrantTypes) == 0 {
		c.GrantTypes = []string{grantAuthCode, grantRefresh}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.clients[c.ID] = &c
	return c.clone()
}

// LookupClient returns the registered client id.
func (s *Server) LookupClient(id string) (Client, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.clients[id]
	if !ok {
		return Client{}, false
	}
	return c.clone(), true
}

// registrationRequest is the RFC 7591 client metadata the fake reads.
type registrationRequest struct {
	RedirectURIs            []string `json:"redirect_uris"`
	TokenEndpointAuthMethod string   `json:"token_endpoint_auth_method"`
	GrantTypes              []string `json:"grant_types"`
	ResponseTypes           []string `json:"response_types"`
	ClientName              string   `json:"client_name"`
	ClientURI               string   `json:"client_uri,omitempty"`
	LogoURI                 string   `json:"logo_uri,omitempty"`
	Scope                   string   `json:"scope,omitempty"`
}

type registrationResponse struct {
	ClientID                string   `json:"client_id"`
	ClientSecret            string   `json:"client_secret,omitempty"`
	ClientIDIssuedAt        int64    `json:"client_id_issued_at"`
	ClientSecretExpiresAt   *int64   `json:"client_secret_expires_at,omitempty"`
	RedirectURIs            []string `json:"redirect_uris"`
	TokenEndpointAuthMethod string   `json:"token_endpoint_auth_method"`
	GrantTypes              []string `json:"grant_types"`
	ResponseTypes           []string `json:"response_types"`
	ClientName              string   `json:"client_name,omitempty"`
	ClientURI               string   `json:"client_uri,omitempty"`
	LogoURI                 string   `json:"logo_uri,omitempty"`
	Scope                   string   `json:"scope,omitempty"`
}

func registrationError(w http.ResponseWriter, code, desc string) {
	writeJSON(w, http.StatusBadRequest, map[string]string{"error": code, "error_description": desc})
}

func (s *Server) handleRegister(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	enabled := s.dcr
	s.mu.Unlock()
	if !enabled {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "not_found", "error_description": "dynamic client registration is disabled"})
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil || len(body) > maxBody {
		registrationError(w, "invalid_client_metadata", "request body too large or unreadable")
		return
	}
	req, code, desc := parseRegistration(body)
	if code != "" {
		registrationError(w, code, desc)
		return
	}
	c := s.AddClient(Client{
		RedirectURIs:            req.RedirectURIs,
		Name:                    req.ClientName,
		TokenEndpointAuthMethod: req.TokenEndpointAuthMethod,
		GrantTypes:              req.GrantTypes,
	})
	resp := registrationResponse{
		ClientID:                c.ID,
		ClientSecret:            c.Secret,
		ClientIDIssuedAt:        s.now().Unix(),
		RedirectURIs:            c.RedirectURIs,
		TokenEndpointAuthMethod: c.TokenEndpointAuthMethod,
		GrantTypes:              c.GrantTypes,
		ResponseTypes:           req.ResponseTypes,
		ClientName:              c.Name,
		ClientURI:               req.ClientURI,
		LogoURI:                 req.LogoURI,
		Scope:                   req.Scope,
	}
	if !c.public() {
		var never int64
		resp.ClientSecretExpiresAt = &never
	}
	writeJSON(w, http.StatusCreated, resp)
}

// parseRegistration decodes and validates an RFC 7591 registration
// request, filling defaults. A non-empty code is the RFC 7591 error.
func parseRegistration(body []byte) (req registrationRequest, code, desc string) {
	if err := json.Unmarshal(body, &req); err != nil {
		return req, "invalid_client_metadata", "body must be a JSON object of client metadata"
	}
	if len(req.RedirectURIs) == 0 {
		return req, "invalid_redirect_uri", "redirect_uris is required"
	}
	switch req.TokenEndpointAuthMethod {
	case "":
		req.TokenEndpointAuthMethod = AuthMethodBasic
	case AuthMethodNone, AuthMethodBasic, AuthMethodPost:
	default:
		return req, "invalid_client_metadata", "unsupported token_endpoint_auth_method"
	}
	if len(req.GrantTypes) == 0 {
		req.GrantTypes = []string{grantAuthCode, grantRefresh}
	}
	code, desc = checkClientMetadata(&req)
	return req, code, desc
}

// checkClientMetadata validates what a registration request and a client
// metadata document both carry, once their own defaults are filled in:
// redirect_uris (required), grant_types and response_types (default
// code). A non-empty code is the RFC 7591 error.
func checkClientMetadata(m *registrationRequest) (code, desc string) {
	if len(m.RedirectURIs) == 0 {
		return "invalid_redirect_uri", "redirect_uris is required"
	}
	for _, u := range m.RedirectURIs {
		if d := checkRedirectURI(u); d != "" {
			return "invalid_redirect_uri", d
		}
	}
	for _, g := range m.GrantTypes {
		if g != grantAuthCode && g != grantRefresh {
			return "invalid_client_metadata", "unsupported grant_types value"
		}
	}
	if len(m.ResponseTypes) == 0 {
		m.ResponseTypes = []string{responseTypeCode}
	}
	for _, rt := range m.ResponseTypes {
		if rt != responseTypeCode {
			return "invalid_client_metadata", "unsupported response_types value"
		}
	}
	return "", ""
}

// checkRedirectURI returns why u is not an acceptable redirect URI, or "".
// Accepted: absolute https URIs, and http URIs on a loopback host; never a
// fragment.
func checkRedirectURI(raw string) string {
	_, err := httpx.CheckURL(raw, httpx.PageURL)
	var ue *httpx.URLError
	if !errors.As(err, &ue) {
		return ""
	}
	switch ue.Problem {
	case httpx.HasFragment:
		return "redirect URIs must not contain a fragment"
	case httpx.PlainHTTP:
		return "http redirect URIs must use a loopback host (127.0.0.1, [::1] or localhost)"
	case httpx.NotHTTP:
		return "redirect URIs must use https, or http on a loopback host"
	case httpx.HasUserinfo:
		return "redirect URIs must not contain userinfo"
	}
	return "redirect URIs must be absolute URLs with a valid host"
}

// redirectMatches reports whether the requested redirect URI is one of
// the registered ones. For loopback http URIs the port may differ (RFC
// 8252 §7.3).
func redirectMatches(registered []string, requested string) bool {
	if slices.Contains(registered, requested) {
		return true
	}
	ru, err := url.Parse(requested)
	if err != nil || ru.Scheme != "http" || net.ParseIP(ru.Hostname()) == nil || !httpx.IsLoopbackHost(ru.Hostname()) {
		return false
	}
	for _, reg := range registered {
		gu, err := url.Parse(reg)
		if err != nil || gu.Scheme != "http" || gu.Hostname() != ru.Hostname() {
			continue
		}
		if gu.Path == ru.Path && gu.RawQuery == ru.RawQuery {
			return true
		}
	}
	return false
}
