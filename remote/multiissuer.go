package remote

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// MultiIssuerConfig configures a [MultiIssuer].
type MultiIssuerConfig struct {
	// Verifiers maps an issuer (the exact "iss" claim value) to the verifier
	// for its tokens. Required, at least one. Each verifier must itself check
	// the signature and the "iss" claim: the unverified "iss" only chooses
	// the verifier.
	Verifiers map[string]TokenVerifier
	// Opaque, when set, verifies tokens that are not JWTs (three base64url
	// segments), e.g. through RFC 7662 introspection. Default: nil, such
	// tokens are rejected with ErrMalformedToken.
	Opaque TokenVerifier
}

// MultiIssuer is a [TokenVerifier] that accepts tokens from several
// authorization servers (several identity providers or environments). It
// reads the "iss" claim from the token's unverified payload and hands the
// token to exactly one verifier, so no signature is checked twice; a token
// whose issuer is not configured is rejected with [ErrInvalidIssuer] without
// any verification.
//
// Given to [Config.Verifier], the provider reports the chosen issuer as
// [Decision.Verifier] ("opaque" for the Opaque verifier).
type MultiIssuer struct {
	verifiers map[string]TokenVerifier
	opaque    TokenVerifier
}

// NewMultiIssuer validates cfg and returns a MultiIssuer.
func NewMultiIssuer(cfg MultiIssuerConfig) (*MultiIssuer, error) {
	if len(cfg.Verifiers) == 0 {
		return nil, errors.New("remote: MultiIssuerConfig.Verifiers is required: map each accepted issuer to its verifier")
	}
	m := &MultiIssuer{verifiers: make(map[string]TokenVerifier, len(cfg.Verifiers)), opaque: cfg.Opaque}
	for iss, v := range cfg.Verifiers {
		if iss == "" {
			return nil, errors.New("remote: MultiIssuerConfig.Verifiers has an empty issuer")
		}
		if v == nil {
			return nil, fmt.Errorf("remote: MultiIssuerConfig.Verifiers[%q] is nil", iss)
		}
		m.verifiers[iss] = v
	}
	return m, nil
}

// VerifyToken verifies token with the verifier of its issuer.
func (m *MultiIssuer) VerifyToken(ctx context.Context, token string) (*TokenInfo, error) {
	v, _, err := m.route(token)
	if err != nil {
		return nil, err
	}
	return v.VerifyToken(ctx, token)
}

var errMultiUnknownIssuer = fmt.Errorf("%w: issuer not accepted", ErrInvalidIssuer)

// route chooses the verifier for token and returns it with its name.
func (m *MultiIssuer) route(token string) (TokenVerifier, string, error) {
	if strings.Count(token, ".") != 2 {
		if m.opaque != nil {
			return m.opaque, "opaque", nil
		}
		return nil, "", ErrMalformedToken
	}
	iss, err := multiPeekIssuer(token)
	if err != nil {
		return nil, "", err
	}
	v, ok := m.verifiers[iss]
	if !ok {
		return nil, "", errMultiUnknownIssuer
	}
	return v, iss, nil
}

var errMultiMalformed = fmt.Errorf("%w: unreadable JWT payload", ErrMalformedToken)

// multiPeekIssuer returns the "iss" claim of a compact JWS without verifying
// it. The payload must be unpadded base64url (RFC 7515) holding exactly one
// JSON object with at most one "iss" member, a string.
func multiPeekIssuer(token string) (string, error) {
	first := strings.IndexByte(token, '.')
	if first < 0 {
		return "", errMultiMalformed
	}
	rest := token[first+1:]
	second := strings.IndexByte(rest, '.')
	if second < 0 || strings.IndexByte(rest[second+1:], '.') >= 0 {
		return "", errMultiMalformed
	}
	seg := rest[:second]
	if seg == "" {
		return "", errMultiMalformed
	}
	payload, err := base64.RawURLEncoding.Strict().DecodeString(seg)
	if err != nil {
		return "", errMultiMalformed
	}
	return multiIssuerFromJSON(payload)
}

func multiIssuerFromJSON(payload []byte) (string, error) {
	if !utf8.Valid(payload) {
		return "", errMultiMalformed
	}
	dec := json.NewDecoder(bytes.NewReader(payload))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return "", errMultiMalformed
	}
	var iss string
	seen := false
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return "", errMultiMalformed
		}
		key, _ := t.(string)
		if key != "iss" {
			var raw json.RawMessage
			if err := dec.Decode(&raw); err != nil {
				return "", errMultiMalformed
			}
			continue
		}
		if seen {
			return "", errMultiMalformed
		}
		seen = true
		t, err = dec.Token()
		if err != nil {
			return "", errMultiMalformed
		}
		s, ok := t.(string)
		if !ok {
			return "", errMultiMalformed
		}
		iss = s
	}
	if t, err := dec.Token(); err != nil || t != json.Delim('}') {
		return "", errMultiMalformed
	}
	if _, err := dec.Token(); err != io.EOF {
		return "", errMultiMalformed
	}
	if !seen {
		return "", fmt.Errorf("%w: no iss claim", ErrMissingClaim)
	}
	return iss, nil
}
