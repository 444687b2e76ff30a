package jose

// This is the only file of the module that imports jwx, and jwx does one
// thing here: turn the key parameters of one JWK into a Go crypto public
// key. The JWK's other members are read by this package under the
// module's JSON rule, and jwx is given only the members it needs for the
// key (kty and the key parameters), so a certificate chain, a URL or
// anything else a JWK carries never reaches it. A move to
// another jwx major version touches this file alone.

import (
	"crypto"
	"errors"

	"github.com/lestrrat-go/jwx/v3/jwk"

	"github.com/mcpauth/mcpauth/internal/strictjson"
)

// JWK is what one JSON Web Key (RFC 7517) says about a verification key.
type JWK struct {
	KeyID     string   // "kid"; empty when absent
	Algorithm string   // "alg"; empty when absent
	Use       string   // "use"; empty when absent
	Ops       []string // "key_ops"
	HasOps    bool     // whether "key_ops" is present
	// Public is an *rsa.PublicKey, *ecdsa.PublicKey or ed25519.PublicKey
	// (or another type jwx returns, which [CheckPublicKey] refuses). A
	// JWK that carries private parameters yields its public half.
	Public crypto.PublicKey
}

// keyParams lists, per "kty", the key's parameters (RFC 7518 §6, RFC 8037
// §2): what jwx reads the key from. The private ones are passed too, so a
// JWK whose private half is inconsistent is refused as it always was.
var keyParams = map[string][]string{
	"RSA": {"n", "e", "d", "p", "q", "dp", "dq", "qi", "oth"},
	"EC":  {"crv", "x", "y", "d"},
	"OKP": {"crv", "x", "d"},
}

// ParseJWK reads one JWK from its members (split by
// [strictjson.Members]). "kid", "alg" (not empty) and "use" must be strings, "key_ops"
// an array of strings; "kty" must be RSA, EC or OKP (symmetric keys are
// never usable for verification here).
func ParseJWK(members []strictjson.Member) (JWK, error) {
	var k JWK
	var kty string
	for _, m := range members {
		var err error
		switch m.Name {
		case "kty":
			kty, err = strictjson.String(m.Value)
		case "kid":
			k.KeyID, err = strictjson.String(m.Value)
		case "alg":
			if k.Algorithm, err = strictjson.String(m.Value); err == nil && k.Algorithm == "" {
				err = errors.New("empty") // present, it names an algorithm
			}
		case "use":
			k.Use, err = strictjson.String(m.Value)
		case "key_ops":
			k.HasOps = true
			k.Ops, err = strictjson.Strings(m.Value)
		}
		if err != nil {
			return JWK{}, errors.New(m.Name + ": " + err.Error())
		}
	}
	params, ok := keyParams[kty]
	if !ok {
		return JWK{}, errors.New("unsupported key type")
	}
	// The members jwx needs, as they stand in the document: already
	// validated, copied byte for byte, nothing decoded and encoded again.
	doc := append(make([]byte, 0, 512), `{"kty":"`...)
	doc = append(doc, kty...)
	doc = append(doc, '"')
	for _, name := range params {
		if v, ok := strictjson.Lookup(members, name); ok {
			doc = append(doc, `,"`...)
			doc = append(doc, name...)
			doc = append(doc, `":`...)
			doc = append(doc, v...)
		}
	}
	doc = append(doc, '}')
	key, err := jwk.ParseKey(doc)
	if err != nil {
		return JWK{}, err
	}
	var exported any
	if err := jwk.Export(key, &exported); err != nil {
		return JWK{}, err
	}
	if signer, ok := exported.(crypto.Signer); ok {
		exported = signer.Public()
	}
	if exported == nil {
		return JWK{}, errors.New("no public key")
	}
	k.Public = exported
	return k, nil
}
