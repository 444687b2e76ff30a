// Package jose is the JOSE machinery of the module's JWT verification: the
// compact JWS serialization (RFC 7515 §7.1; [Split] is the module's one
// splitter), the table of asymmetric algorithms (RFC 7518 §3, RFC 8037),
// key/algorithm fit and signature verification, and the reading of one JWK
// (RFC 7517) into a public key, the one task left to jwx.
//
// It holds no rules of trust: which algorithms are allowed, where keys
// come from, when they are refreshed and which claims a token must carry
// are remote's. A verification, as remote does it:
//
//	jws, err := jose.ParseCompact(token) // strict header, base64url only
//	if err != nil {
//		return err
//	}
//	if !allowed.Has(jws.Alg) {
//		return errAlgNotAllowed
//	}
//	key := lookup(jws.KeyID) // from a JWKS: jose.ParseJWK per entry
//	if !jose.KeyFits(jws.Alg, key) {
//		return errKeyMismatch
//	}
//	if err := jose.Verify(jws.Alg, key, []byte(jws.SigningInput), jws.Signature); err != nil {
//		return err
//	}
//	payload, err := jws.DecodePayload() // then strictjson.DecodeObject
//
// Errors are short phrases without a package prefix, never text of a
// token: callers classify them and lead with their own prefix.
package jose
