package authkittest

import (
	"bytes"
	"crypto/subtle"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"

	"github.com/mcpauth/mcpauth/internal/jose"
	"github.com/mcpauth/mcpauth/internal/jwttest"
)

// Signing algorithms [TokenOptions.Algorithm] accepts.
const (
	AlgRS256 = "RS256" // the default, and the only one AuthKit uses
	AlgRS384 = "RS384"
	AlgRS512 = "RS512"
	AlgPS256 = "PS256"
	AlgHS256 = "HS256" // HMAC; see TokenOptions.HMACSecret
	AlgNone  = "none"  // unsigned: empty signature
)

// maxTokenLen bounds the size of a token the fake parses.
const maxTokenLen = 16 << 10

// signJWT encodes header and claims and signs them with alg (the HS256
// secret defaults to the PEM text of key's public key).
func signJWT(header, claims map[string]any, alg string, key *Key, hmacSecret []byte) (string, error) {
	var signer any = key.priv
	switch alg {
	case AlgRS256, AlgRS384, AlgRS512, AlgPS256:
	case AlgHS256:
		if hmacSecret == nil {
			var err error
			if hmacSecret, err = publicKeyPEM(key); err != nil {
				return "", err
			}
		}
		signer = hmacSecret
	case AlgNone:
		signer = nil // empty signature
	default:
		return "", fmt.Errorf("authkittest: unsupported signing algorithm %q", alg)
	}
	tok, err := jwttest.SignJSON(alg, signer, header, claims)
	if err != nil {
		return "", fmt.Errorf("authkittest: %w", err)
	}
	return tok, nil
}

// publicKeyPEM is the PEM text of key's public key: the HMAC secret of
// the classic RS256→HS256 algorithm-confusion attack.
func publicKeyPEM(key *Key) ([]byte, error) {
	der, err := x509.MarshalPKIXPublicKey(key.Public())
	if err != nil {
		return nil, fmt.Errorf("authkittest: encode public key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), nil
}

// parsedJWT is a compact JWS split into its parts. Nothing is verified.
type parsedJWT struct {
	header map[string]any
	claims map[string]any
	input  string // header.payload, the signed bytes
	sig    []byte
}

var errMalformed = errors.New("authkittest: malformed JWT")

// parseJWT splits and decodes a compact JWS without verifying it.
func parseJWT(token string) (*parsedJWT, error) {
	h, p, s, ok := jose.Split(token)
	if len(token) > maxTokenLen || !ok {
		return nil, errMalformed
	}
	hb, err := b64.DecodeString(h)
	if err != nil {
		return nil, errMalformed
	}
	pb, err := b64.DecodeString(p)
	if err != nil {
		return nil, errMalformed
	}
	sig, err := b64.DecodeString(s)
	if err != nil {
		return nil, errMalformed
	}
	out := &parsedJWT{input: token[:len(h)+1+len(p)], sig: sig}
	if err := decodeObject(hb, &out.header); err != nil {
		return nil, errMalformed
	}
	if err := decodeObject(pb, &out.claims); err != nil {
		return nil, errMalformed
	}
	return out, nil
}

func decodeObject(b []byte, v *map[string]any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if *v == nil {
		return errMalformed
	}
	if dec.More() {
		return errMalformed
	}
	return nil
}

// verifyRS256 checks that the token is RS256-signed by key.
func (p *parsedJWT) verifyRS256(key *Key) bool {
	if alg, _ := p.header["alg"].(string); alg != AlgRS256 {
		return false
	}
	return jose.Verify(jose.RS256, key.Public(), []byte(p.input), p.sig) == nil
}

// str returns a string claim or "".
func (p *parsedJWT) str(name string) string {
	s, _ := p.claims[name].(string)
	return s
}

// num returns a numeric claim truncated to int64, and whether it was one.
func (p *parsedJWT) num(name string) (int64, bool) {
	n, ok := p.claims[name].(json.Number)
	if !ok {
		return 0, false
	}
	if i, err := n.Int64(); err == nil {
		return i, true
	}
	f, err := n.Float64()
	if err != nil {
		return 0, false
	}
	return int64(f), true
}

// constantTimeEqual compares two secrets.
func constantTimeEqual(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// b64 decodes JWT segments strictly: no padding, no stray trailing bits,
// so one token has exactly one encoding.
var b64 = base64.RawURLEncoding.Strict()
