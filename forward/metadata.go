package forward

// This file implements the validation of RFC 8414 authorization server
// metadata (and of the OpenID Connect discovery document, which shares its
// fields) before a fetched document may replace the cached one.

import (
	"errors"
	"fmt"
	"slices"

	"github.com/mcpauth/mcpauth/internal/httpx"
	"github.com/mcpauth/mcpauth/internal/strictjson"
)

// Metadata is a parsed view of the upstream authorization server metadata
// (RFC 8414 §2, plus the fields MCP clients read). Fields absent from the
// document are zero. Clients always receive the upstream bytes, not this.
type Metadata struct {
	Issuer                                     string
	AuthorizationEndpoint                      string
	TokenEndpoint                              string
	JWKSURI                                    string
	RegistrationEndpoint                       string
	RevocationEndpoint                         string
	IntrospectionEndpoint                      string
	UserinfoEndpoint                           string
	DeviceAuthorizationEndpoint                string
	ScopesSupported                            []string
	ResponseTypesSupported                     []string
	ResponseModesSupported                     []string
	GrantTypesSupported                        []string
	TokenEndpointAuthMethodsSupported          []string
	CodeChallengeMethodsSupported              []string
	ClientIDMetadataDocumentSupported          bool
	AuthorizationResponseIssParameterSupported bool
}

func (m *Metadata) clone() *Metadata {
	c := *m
	for _, s := range []*[]string{
		&c.ScopesSupported, &c.ResponseTypesSupported, &c.ResponseModesSupported,
		&c.GrantTypesSupported, &c.TokenEndpointAuthMethodsSupported, &c.CodeChallengeMethodsSupported,
	} {
		*s = slices.Clone(*s)
	}
	return &c
}

// ErrInvalidMetadata: a fetched document was rejected (not a JSON object,
// too large, required field missing, wrong type, issuer mismatch). The last
// good document, if any, stays in use.
var ErrInvalidMetadata = errors.New("forward: invalid authorization server metadata")

// ErrMetadataUnavailable: the upstream document could not be fetched
// (transport error, timeout, non-200 status) and no good copy is cached.
var ErrMetadataUnavailable = errors.New("forward: authorization server metadata unavailable")

// IssuerMismatchError reports a fetched document whose issuer is not
// byte-identical to Config.Issuer. It wraps [ErrInvalidMetadata].
type IssuerMismatchError struct {
	Configured string // Config.Issuer
	Upstream   string // the document's "issuer"
}

func (e *IssuerMismatchError) Error() string {
	return fmt.Sprintf("forward: upstream issuer %q differs from Config.Issuer %q; set Config.Issuer to exactly %q", e.Upstream, e.Configured, e.Upstream)
}

// Unwrap returns [ErrInvalidMetadata].
func (e *IssuerMismatchError) Unwrap() error { return ErrInvalidMetadata }

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrInvalidMetadata}, args...)...)
}

// parseMetadata validates an upstream document and returns its parsed view.
// The document must be a single JSON object without duplicate members (so
// every client reads the same issuer), its issuer must equal issuer byte for
// byte, authorization_endpoint, token_endpoint and response_types_supported
// must be present, known members must have their RFC types, and endpoint
// URLs must be absolute http(s) URLs without fragment.
func parseMetadata(body []byte, issuer string) (*Metadata, error) {
	members, err := metadataMembers(body)
	if err != nil {
		return nil, err
	}
	var m Metadata
	for _, f := range []struct {
		name string
		dst  *string
		url  bool
	}{
		{"issuer", &m.Issuer, false},
		{"authorization_endpoint", &m.AuthorizationEndpoint, true},
		{"token_endpoint", &m.TokenEndpoint, true},
		{"jwks_uri", &m.JWKSURI, true},
		{"registration_endpoint", &m.RegistrationEndpoint, true},
		{"revocation_endpoint", &m.RevocationEndpoint, true},
		{"introspection_endpoint", &m.IntrospectionEndpoint, true},
		{"userinfo_endpoint", &m.UserinfoEndpoint, true},
		{"device_authorization_endpoint", &m.DeviceAuthorizationEndpoint, true},
	} {
		raw, ok := members[f.name]
		if !ok {
			continue
		}
		if *f.dst, err = strictjson.String(raw); err != nil {
			return nil, invalid("%s is not a string", f.name)
		}
		if f.url {
			if _, err := httpx.CheckURL(*f.dst, httpx.ListedURL); err != nil {
				return nil, invalid("%s %q %v", f.name, httpx.RedactUserinfo(*f.dst), err)
			}
		}
	}
	for _, f := range []struct {
		name string
		dst  *[]string
	}{
		{"scopes_supported", &m.ScopesSupported},
		{"response_types_supported", &m.ResponseTypesSupported},
		{"response_modes_supported", &m.ResponseModesSupported},
		{"grant_types_supported", &m.GrantTypesSupported},
		{"token_endpoint_auth_methods_supported", &m.TokenEndpointAuthMethodsSupported},
		{"code_challenge_methods_supported", &m.CodeChallengeMethodsSupported},
	} {
		if raw, ok := members[f.name]; ok {
			if *f.dst, err = strictjson.Strings(raw); err != nil {
				return nil, invalid("%s is not an array of strings", f.name)
			}
		}
	}
	for _, f := range []struct {
		name string
		dst  *bool
	}{
		{"client_id_metadata_document_supported", &m.ClientIDMetadataDocumentSupported},
		{"authorization_response_iss_parameter_supported", &m.AuthorizationResponseIssParameterSupported},
	} {
		if raw, ok := members[f.name]; ok {
			if *f.dst, err = strictjson.Bool(raw); err != nil {
				return nil, invalid("%s is not a boolean", f.name)
			}
		}
	}

	if m.Issuer == "" {
		return nil, invalid("issuer is missing")
	}
	if m.Issuer != issuer {
		return nil, &IssuerMismatchError{Configured: issuer, Upstream: m.Issuer}
	}
	if m.AuthorizationEndpoint == "" {
		return nil, invalid("authorization_endpoint is missing")
	}
	if m.TokenEndpoint == "" {
		return nil, invalid("token_endpoint is missing")
	}
	if len(m.ResponseTypesSupported) == 0 {
		return nil, invalid("response_types_supported is missing or empty")
	}
	return &m, nil
}

// metadataMembers splits the document into its members under the module's
// JSON rule (internal/strictjson: one object, valid UTF-8, no member named
// twice, names matched exactly where encoding/json's struct decoding would
// fold case). An explicit null counts as absent.
func metadataMembers(body []byte) (map[string][]byte, error) {
	members, err := strictjson.Members(body)
	switch {
	case errors.Is(err, strictjson.ErrNotObject):
		return nil, invalid("not a JSON object")
	case errors.Is(err, strictjson.ErrDuplicate):
		return nil, invalid("duplicate member name")
	case err != nil:
		return nil, invalid("malformed JSON")
	}
	out := make(map[string][]byte, len(members))
	for _, m := range members {
		if !strictjson.IsNull(m.Value) {
			out[m.Name] = m.Value
		}
	}
	return out, nil
}
