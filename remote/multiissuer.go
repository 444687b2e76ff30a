package remote

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
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
	payload, err := multiPayload(token, buf[:])
	if err != nil {
		return nil, "", err
	}
	raw, esc, err := multiIssuerRaw(payload)
	if err != nil {
		return nil, "", err
	}
	var (
		e  multiEntry
		ok bool
	)
	if esc {
		iss, err := strictUnquote(raw, true)
		if err != nil {
			return nil, "", errMultiMalformed
		}
		e, ok = m.verifiers[iss]
	} else {
		e, ok = m.verifiers[string(raw)]
	}
	if !ok {
		return nil, "", errMultiUnknownIssuer
	}
	return e.verifier, e.issuer, nil
}

var errMultiMalformed = fmt.Errorf("%w: unreadable JWT payload", ErrMalformedToken)

// multiPayload decodes the payload segment of a compact JWS (unpadded
// base64url, RFC 7515) into buf when it fits.
func multiPayload(token string, buf []byte) ([]byte, error) {
	first := strings.IndexByte(token, '.')
	if first < 0 {
		return nil, errMultiMalformed
	}
	rest := token[first+1:]
	second := strings.IndexByte(rest, '.')
	if second <= 0 || strings.IndexByte(rest[second+1:], '.') >= 0 {
		return nil, errMultiMalformed
	}
	seg := rest[:second]
	enc := base64.RawURLEncoding.Strict()
	if n := enc.DecodedLen(len(seg)); n > len(buf) {
		buf = make([]byte, n)
	}
	n, err := enc.Decode(buf, []byte(seg))
	if err != nil {
		return nil, errMultiMalformed
	}
	return buf[:n], nil
}

// multiPeekIssuer returns the "iss" claim of a compact JWS without verifying
// it. The payload must be unpadded base64url holding exactly one JSON
// object with at most one "iss" member, a string.
func multiPeekIssuer(token string) (string, error) {
	var buf [2048]byte
	payload, err := multiPayload(token, buf[:])
	if err != nil {
		return "", err
	}
	return multiIssuerFromJSON(payload)
}

func multiIssuerFromJSON(payload []byte) (string, error) {
	raw, esc, err := multiIssuerRaw(payload)
	if err != nil {
		return "", err
	}
	iss, err := strictUnquote(raw, esc)
	if err != nil {
		return "", errMultiMalformed
	}
	return iss, nil
}

// multiIssuerRaw returns the raw "iss" string of a JSON object payload:
// valid UTF-8, exactly one object, at most one "iss", a string.
func multiIssuerRaw(payload []byte) (raw []byte, escaped bool, err error) {
	if !utf8.Valid(payload) {
		return nil, false, errMultiMalformed
	}
	s := strictJSON{b: payload}
	seen := false
	if s.peek() != '{' || s.beginObject() != nil {
		return nil, false, errMultiMalformed
	}
	for first := true; ; first = false {
		k, kesc, more, err := s.member(first)
		if err != nil {
			return nil, false, errMultiMalformed
		}
		if !more {
			break
		}
		exact, _, err := strictKeyIs(k, kesc, "iss")
		if err != nil {
			return nil, false, errMultiMalformed
		}
		if !exact {
			if s.value() != nil {
				return nil, false, errMultiMalformed
			}
			continue
		}
		if seen || s.peek() != '"' {
			return nil, false, errMultiMalformed
		}
		seen = true
		if raw, escaped, err = s.str(); err != nil {
			return nil, false, errMultiMalformed
		}
	}
	if !s.atEnd() {
		return nil, false, errMultiMalformed
	}
	if !seen {
		return nil, false, fmt.Errorf("%w: no iss claim", ErrMissingClaim)
	}
	return raw, escaped, nil
}
