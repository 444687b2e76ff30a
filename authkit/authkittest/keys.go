package authkittest

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"errors"
	"fmt"
	"math/big"
)

// keyBits is the size of the RSA keys the fake generates, in bits.
const keyBits = 2048

// Key is an RSA signing key with a key id, as published in a JWKS.
// A Key is immutable and safe for concurrent use.
type Key struct {
	id   string
	priv *rsa.PrivateKey
}

// NewKey generates a fresh 2048-bit RSA key. An empty kid gets an
// AuthKit-style id (sso_oidc_key_pair_01...).
//
// Use it for [TokenOptions.SignWith] to mint tokens signed by a key the
// server does not publish, or publish it later with [Server.PublishKey].
func NewKey(kid string) (*Key, error) {
	priv, err := rsa.GenerateKey(rand.Reader, keyBits)
	if err != nil {
		return nil, fmt.Errorf("authkittest: generate RSA key: %w", err)
	}
	return NewKeyFromRSA(kid, priv)
}

// NewKeyFromRSA wraps an existing RSA private key. An empty kid gets a
// generated one.
func NewKeyFromRSA(kid string, priv *rsa.PrivateKey) (*Key, error) {
	if priv == nil {
		return nil, errors.New("authkittest: NewKeyFromRSA: nil private key")
	}
	if kid == "" {
		kid = newID("sso_oidc_key_pair")
	}
	return &Key{id: kid, priv: priv}, nil
}

// MustNewKey is like [NewKey] but panics on error. For tests and examples.
func MustNewKey(kid string) *Key {
	k, err := NewKey(kid)
	if err != nil {
		panic(err)
	}
	return k
}

// ID returns the key id (the JWT header "kid" and the JWK "kid").
func (k *Key) ID() string { return k.id }

// Public returns the RSA public key.
func (k *Key) Public() *rsa.PublicKey { return &k.priv.PublicKey }

// Private returns the RSA private key.
func (k *Key) Private() *rsa.PrivateKey { return k.priv }

// JWK returns the public key as a JSON Web Key: kty RSA, kid, alg RS256,
// use sig, n and e.
func (k *Key) JWK() JWK {
	pub := k.Public()
	return JWK{
		KeyType:   "RSA",
		KeyID:     k.id,
		Algorithm: "RS256",
		Use:       "sig",
		N:         base64.RawURLEncoding.EncodeToString(pub.N.Bytes()),
		E:         base64.RawURLEncoding.EncodeToString(big.NewInt(int64(pub.E)).Bytes()),
	}
}

// JWK is one public key of the server's JWKS document.
type JWK struct {
	KeyType   string `json:"kty"`
	KeyID     string `json:"kid"`
	Algorithm string `json:"alg"`
	Use       string `json:"use"`
	N         string `json:"n"`
	E         string `json:"e"`
}

// JWKS is the document served at /oauth2/jwks.
type JWKS struct {
	Keys []JWK `json:"keys"`
}
