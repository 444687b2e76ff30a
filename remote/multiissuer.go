package remote

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/mcpauth/mcpauth/internal/jose"
	"github.com/mcpauth/mcpauth/internal/strictjson"
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
	verifiers map[string]multiEntry
	opaque    TokenVerifier
}

type multiEntry struct {
	issuer   string
	verifier TokenVerifier
}

// NewMultiIssuer validates cfg and returns a MultiIssuer.
func NewMultiIssuer(cfg MultiIssuerConfig) (*MultiIssuer, error) {
	if len(cfg.Verifiers) == 0 {
		return nil, errors.New("remote: MultiIssuerConfig.Verifiers is required: map each accepted issuer to its verifier")
	}
	m := &MultiIssuer{verifiers: make(map[string]multiEntry, len(cfg.Verifiers)), opaque: cfg.Opaque}
	for iss, v := range cfg.Verifiers {
		if iss == "" {
			return nil, errors.New("remote: MultiIssuerConfig.Verifiers has an empty issuer")
		}
		if v == nil {
			return nil, fmt.Errorf("remote: MultiIssuerConfig.Verifiers[%q] is nil", iss)
		}
		m.verifiers[iss] = multiEntry{issuer: iss, verifier: v}
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

// route chooses the verifier for token and returns it with its name. It
// does not allocate for ordinary tokens.
func (m *MultiIssuer) route(token string) (TokenVerifier, string, error) {
	if strings.Count(token, ".") != 2 {
		if m.opaque != nil {
			return m.opaque, "opaque", nil
		}
		return nil, "", ErrMalformedToken
	}
	var buf [2048]byte
	iss, err := multiIssuer(token, buf[:])
	if err != nil {
		return nil, "", err
	}
	var (
		e  multiEntry
		ok bool
	)
	if iss.Escaped() {
		s, err := iss.Decode()
		if err != nil {
			return nil, "", errMultiMalformed
		}
		e, ok = m.verifiers[s]
	} else {
		e, ok = m.verifiers[string(iss.Bytes())]
	}
	if !ok {
		return nil, "", errMultiUnknownIssuer
	}
	return e.verifier, e.issuer, nil
}

var errMultiMalformed = fmt.Errorf("%w: unreadable JWT payload", ErrMalformedToken)

// multiIssuer returns the raw "iss" claim of a compact JWS without
// verifying it, decoding the payload into buf when it fits. The payload
// must be strict unpadded base64url holding exactly one JSON object with
// at most one "iss" member, a string.
func multiIssuer(token string, buf []byte) (strictjson.RawString, error) {
	_, seg, _, ok := jose.Split(token)
	if !ok {
		return strictjson.RawString{}, errMultiMalformed
	}
	payload, err := jose.DecodeSegment(seg, buf)
	if err != nil {
		return strictjson.RawString{}, errMultiMalformed
	}
	iss, found, err := strictjson.StringMember(payload, "iss")
	if err != nil {
		return strictjson.RawString{}, errMultiMalformed
	}
	if !found {
		return strictjson.RawString{}, fmt.Errorf("%w: no iss claim", ErrMissingClaim)
	}
	return iss, nil
}

// multiPeekIssuer returns the "iss" claim of a compact JWS without verifying
// it, under the rules of multiIssuer.
func multiPeekIssuer(token string) (string, error) {
	var buf [2048]byte
	iss, err := multiIssuer(token, buf[:])
	if err != nil {
		return "", err
	}
	s, err := iss.Decode()
	if err != nil {
		return "", errMultiMalformed
	}
	return s, nil
}
