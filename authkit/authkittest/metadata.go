package authkittest

import (
	"encoding/json"
	"net/http"
	"slices"
)

// Paths of the endpoints, as on an AuthKit domain and the WorkOS API.
const (
	pathAuthServerMetadata  = "/.well-known/oauth-authorization-server"
	pathOpenIDConfiguration = "/.well-known/openid-configuration"
	pathJWKS                = "/oauth2/jwks"
	pathRegister            = "/oauth2/register"
	pathAuthorize           = "/oauth2/authorize"
	pathToken               = "/oauth2/token"
	pathIntrospection       = "/oauth2/introspection"
	pathUserinfo            = "/oauth2/userinfo"
	pathUsers               = "/user_management/users/"
	pathMemberships         = "/user_management/organization_memberships"
)

// ScopesSupported returns AuthKit's documented scopes_supported, as the
// metadata advertises it.
func ScopesSupported() []string {
	return []string{"email", "offline_access", "openid", "profile"}
}

func (s *Server) routes() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+pathAuthServerMetadata, s.handleMetadata(false))
	mux.HandleFunc("GET "+pathOpenIDConfiguration, s.handleMetadata(true))
	mux.HandleFunc("GET "+pathJWKS, s.handleJWKS)
	mux.HandleFunc("POST "+pathRegister, s.handleRegister)
	mux.HandleFunc("GET "+pathAuthorize, s.handleAuthorize)
	mux.HandleFunc("POST "+pathToken, s.handleToken)
	mux.HandleFunc("POST "+pathIntrospection, s.handleIntrospection)
	mux.HandleFunc("GET "+pathUserinfo, s.handleUserinfo)
	mux.HandleFunc("POST "+pathUserinfo, s.handleUserinfo)
	mux.HandleFunc("GET "+pathUsers+"{id}", s.handleGetUser)
	mux.HandleFunc("GET "+pathMemberships, s.handleListMemberships)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "not_found", "error_description": "no such endpoint"})
	})
	return mux
}

// Metadata returns the RFC 8414 metadata document as the server serves it
// now (DCR and CIMD switches and overrides applied).
func (s *Server) Metadata() map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.metadataLocked(false)
}

func (s *Server) metadataLocked(oidc bool) map[string]any {
	m := map[string]any{
		"issuer":                                         s.url,
		"authorization_endpoint":                         s.url + pathAuthorize,
		"token_endpoint":                                 s.url + pathToken,
		"jwks_uri":                                       s.url + pathJWKS,
		"introspection_endpoint":                         s.url + pathIntrospection,
		"userinfo_endpoint":                              s.url + pathUserinfo,
		"response_types_supported":                       []string{"code"},
		"response_modes_supported":                       []string{"query"},
		"grant_types_supported":                          []string{"authorization_code", "refresh_token"},
		"code_challenge_methods_supported":               []string{"S256"},
		"scopes_supported":                               ScopesSupported(),
		"token_endpoint_auth_methods_supported":          []string{"none", "client_secret_post", "client_secret_basic"},
		"introspection_endpoint_auth_methods_supported":  []string{"client_secret_post", "client_secret_basic"},
		"authorization_response_iss_parameter_supported": true,
	}
	if oidc {
		m["subject_types_supported"] = []string{"public"}
		m["id_token_signing_alg_values_supported"] = []string{"RS256"}
	}
	if s.dcr {
		m["registration_endpoint"] = s.url + pathRegister
	}
	if s.cimd {
		m["client_id_metadata_document_supported"] = true
	}
	for k, v := range s.metaOverrides {
		if v == nil {
			delete(m, k)
		} else {
			m[k] = v
		}
	}
	return m
}

func (s *Server) handleMetadata(oidc bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		m := s.metadataLocked(oidc)
		s.mu.Unlock()
		w.Header().Set("Access-Control-Allow-Origin", "*")
		writeJSON(w, http.StatusOK, m)
	}
}

// RotateKey publishes a new signing key and signs new tokens with it. The
// previous keys stay published until [Server.RemoveKey]. It returns the
// new key's id.
func (s *Server) RotateKey() (kid string) {
	k := MustNewKey("")
	s.mu.Lock()
	defer s.mu.Unlock()
	s.keys = append(s.keys, k)
	s.signing = k
	return k.ID()
}

// PublishKey adds k to the JWKS without signing with it; publishing a key
// id that is published already replaces that key.
func (s *Server) PublishKey(k *Key) {
	if k == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.keys = slices.DeleteFunc(s.keys, func(o *Key) bool { return o.ID() == k.ID() })
	s.keys = append(s.keys, k)
}

// SetSigningKey publishes k (see [Server.PublishKey]) and signs new tokens
// with it.
func (s *Server) SetSigningKey(k *Key) {
	if k == nil {
		return
	}
	s.PublishKey(k)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.signing = k
}

// RemoveKey stops publishing the key kid. Tokens signed with it no longer
// verify against the JWKS. Removing the signing key is allowed: the server
// keeps signing with it, which makes tokens with an unknown kid.
func (s *Server) RemoveKey(kid string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.keys = slices.DeleteFunc(s.keys, func(k *Key) bool { return k.ID() == kid })
}

// SigningKey returns the key new tokens are signed with.
func (s *Server) SigningKey() *Key {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.signing
}

// KeyIDs returns the ids of the published keys, in publication order.
func (s *Server) KeyIDs() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	ids := make([]string, len(s.keys))
	for i, k := range s.keys {
		ids[i] = k.ID()
	}
	return ids
}

// JWKS returns the key set as served at /oauth2/jwks.
func (s *Server) JWKS() JWKS {
	s.mu.Lock()
	defer s.mu.Unlock()
	set := JWKS{Keys: make([]JWK, len(s.keys))}
	for i, k := range s.keys {
		set.Keys[i] = k.JWK()
	}
	return set
}

func (s *Server) handleJWKS(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Access-Control-Allow-Origin", "*")
	writeJSON(w, http.StatusOK, s.JWKS())
}

// publishedKey returns the published key kid.
func (s *Server) publishedKey(kid string) (*Key, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, k := range s.keys {
		if k.ID() == kid {
			return k, true
		}
	}
	return nil, false
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, `{"error":"server_error"}`, http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}
