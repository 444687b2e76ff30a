package remote

// This is the only file of the package that imports jwx. jwx parses one JWK
// (one member of a JWKS "keys" array) into a Go crypto public key; token
// parsing and signature verification are our own (see jwt.go), so a move to
// another jwx major version touches this file alone.

import (
	"crypto"
	"encoding/json"
	"errors"

	"github.com/lestrrat-go/jwx/v3/jwk"
)

// jwxKeyMeta is the metadata of a parsed JWK.
type jwxKeyMeta struct {
	kid    string
	alg    string // empty when the JWK has no "alg"
	use    string // empty when the JWK has no "use"
	ops    []string
	hasOps bool
}

var errJWXNotPublic = errors.New("remote: JWK has no public key")

// jwxParseJWK parses one JWK and returns its public key (*rsa.PublicKey,
// *ecdsa.PublicKey or ed25519.PublicKey) and its metadata. A JWK that carries
// private material yields its public half. Symmetric ("oct") keys are an
// error: they are never usable for verification here.
func jwxParseJWK(raw []byte) (crypto.PublicKey, jwxKeyMeta, error) {
	var meta jwxKeyMeta
	raw, err := jwxStripX509(raw)
	if err != nil {
		return nil, meta, err
	}
	key, err := jwk.ParseKey(raw)
	if err != nil {
		return nil, meta, err
	}
	if kid, ok := key.KeyID(); ok {
		meta.kid = kid
	}
	if alg, ok := key.Algorithm(); ok {
		meta.alg = alg.String()
	}
	if use, ok := key.KeyUsage(); ok {
		meta.use = use
	}
	if ops, ok := key.KeyOps(); ok {
		meta.hasOps = true
		for _, op := range ops {
			meta.ops = append(meta.ops, string(op))
		}
	}
	var exported any
	if err := jwk.Export(key, &exported); err != nil {
		return nil, meta, err
	}
	if signer, ok := exported.(crypto.Signer); ok {
		exported = signer.Public()
	}
	pub, ok := exported.(crypto.PublicKey)
	if !ok || pub == nil {
		return nil, meta, errJWXNotPublic
	}
	return pub, meta, nil
}

// jwxStripX509 removes the X.509 members of a JWK. They are never used to
// find or trust keys (the key is its own parameters), and a certificate
// chain that does not parse must not make the key itself unusable.
func jwxStripX509(raw []byte) ([]byte, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, err
	}
	found := false
	for _, name := range []string{"x5c", "x5u", "x5t", "x5t#S256"} {
		if _, ok := m[name]; ok {
			delete(m, name)
			found = true
		}
	}
	if !found {
		return raw, nil
	}
	return json.Marshal(m)
}
