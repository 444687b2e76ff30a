package authkittest

import (
	"bytes"
	"crypto"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
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

// signJWT encodes header and claims and signs them with alg.
func signJWT(header, claims map[string]any, alg string, key *Key, hmacSecret []byte) (string, error) {
	hb, err := json.Marshal(header)
	if err != nil {
		return "", fmt.Errorf("authkittest: encode JWT header: %w", err)
	}
	cb, err := json.Marshal(claims)
	if err != nil {
		return "", fmt.Errorf("authkittest: encode JWT claims: %w", err)
	}
	input := base64.RawURLEncoding.EncodeToString(hb) + "." + base64.RawURLEncoding.EncodeToString(cb)
	var sig []byte
	switch alg {
	case AlgRS256:
		sig, err = signRSA(key, crypto.SHA256, input, false)
	case AlgRS384:
		sig, err = signRSA(key, crypto.SHA384, input, false)
	case AlgRS512:
		sig, err = signRSA(key, crypto.SHA512, input, false)
	case AlgPS256:
		sig, err = signRSA(key, crypto.SHA256, input, true)
	case AlgHS256:
		if hmacSecret == nil {
			hmacSecret, err = publicKeyPEM(key)
			if err != nil {
				return "", err
			}
		}
		m := hmac.New(sha256.New, hmacSecret)
		m.Write([]byte(input))
		sig = m.Sum(nil)
	case AlgNone:
	default:
		return "", fmt.Errorf("authkittest: unsupported signing algorithm %q", alg)
	}
	if err != nil {
		return "", err
	}
	return input + "." + base64.RawURLEncoding.EncodeToString(sig), nil
}

func signRSA(key *Key, h crypto.Hash, input string, pss bool) ([]byte, error) {
	var digest []byte
	switch h {
	case crypto.SHA256:
		d := sha256.Sum256([]byte(input))
		digest = d[:]
	case crypto.SHA384:
		d := sha512.Sum384([]byte(input))
		digest = d[:]
	default:
		d := sha512.Sum512([]byte(input))
		digest = d[:]
	}
	var (
		sig []byte
		err error
	)
	if pss {
		sig, err = rsa.SignPSS(rand.Reader, key.priv, h, digest, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash})
	} else {
		sig, err = rsa.SignPKCS1v15(rand.Reader, key.priv, h, digest)
	}
	if err != nil {
		return nil, fmt.Errorf("authkittest: sign JWT: %w", err)
	}
	return sig, nil
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
	if len(token) > maxTokenLen || strings.Count(token, ".") != 2 {
		return nil, errMalformed
	}
	h, rest, _ := strings.Cut(token, ".")
	p, s, _ := strings.Cut(rest, ".")
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
	d := sha256.Sum256([]byte(p.input))
	return rsa.VerifyPKCS1v15(key.Public(), crypto.SHA256, d[:], p.sig) == nil
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
