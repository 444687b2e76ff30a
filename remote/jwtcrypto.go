package remote

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"errors"
	"math/big"
)

// JWS signature algorithms (RFC 7518 §3, RFC 8037) the JWT verifier can
// check. Symmetric (HS*) algorithms and "none" are deliberately absent.
const (
	AlgRS256 = "RS256"
	AlgRS384 = "RS384"
	AlgRS512 = "RS512"
	AlgPS256 = "PS256"
	AlgPS384 = "PS384"
	AlgPS512 = "PS512"
	AlgES256 = "ES256"
	AlgES384 = "ES384"
	AlgES512 = "ES512"
	AlgEdDSA = "EdDSA"
)

// jwtAlg is a supported algorithm as a small integer (a bit in jwtAlgSet).
type jwtAlg uint8

const (
	jwtAlgInvalid jwtAlg = iota
	jwtRS256
	jwtRS384
	jwtRS512
	jwtPS256
	jwtPS384
	jwtPS512
	jwtES256
	jwtES384
	jwtES512
	jwtEdDSA
)

type jwtAlgKind uint8

const (
	jwtKindPKCS1 jwtAlgKind = iota + 1
	jwtKindPSS
	jwtKindECDSA
	jwtKindEd25519
)

type jwtAlgInfo struct {
	name  string
	kind  jwtAlgKind
	hash  crypto.Hash
	curve elliptic.Curve // ECDSA only
}

var jwtAlgInfos = [...]jwtAlgInfo{
	jwtRS256: {AlgRS256, jwtKindPKCS1, crypto.SHA256, nil},
	jwtRS384: {AlgRS384, jwtKindPKCS1, crypto.SHA384, nil},
	jwtRS512: {AlgRS512, jwtKindPKCS1, crypto.SHA512, nil},
	jwtPS256: {AlgPS256, jwtKindPSS, crypto.SHA256, nil},
	jwtPS384: {AlgPS384, jwtKindPSS, crypto.SHA384, nil},
	jwtPS512: {AlgPS512, jwtKindPSS, crypto.SHA512, nil},
	jwtES256: {AlgES256, jwtKindECDSA, crypto.SHA256, elliptic.P256()},
	jwtES384: {AlgES384, jwtKindECDSA, crypto.SHA384, elliptic.P384()},
	jwtES512: {AlgES512, jwtKindECDSA, crypto.SHA512, elliptic.P521()},
	jwtEdDSA: {AlgEdDSA, jwtKindEd25519, 0, nil},
}

// jwtAlgByName maps a JOSE "alg" value to a supported algorithm.
func jwtAlgByName(name string) jwtAlg {
	switch name {
	case AlgRS256:
		return jwtRS256
	case AlgRS384:
		return jwtRS384
	case AlgRS512:
		return jwtRS512
	case AlgPS256:
		return jwtPS256
	case AlgPS384:
		return jwtPS384
	case AlgPS512:
		return jwtPS512
	case AlgES256:
		return jwtES256
	case AlgES384:
		return jwtES384
	case AlgES512:
		return jwtES512
	case AlgEdDSA:
		return jwtEdDSA
	}
	return jwtAlgInvalid
}

func (a jwtAlg) String() string {
	if a == jwtAlgInvalid || int(a) >= len(jwtAlgInfos) {
		return "invalid"
	}
	return jwtAlgInfos[a].name
}

// jwtAlgSet is a set of algorithms, one bit each.
type jwtAlgSet uint32

func (s jwtAlgSet) has(a jwtAlg) bool { return a != jwtAlgInvalid && s&(1<<a) != 0 }

func (s *jwtAlgSet) add(a jwtAlg) { *s |= 1 << a }

// Key size limits: RSA keys below 2048 bits are refused (NIST SP 800-131A),
// above 8192 bits too (verification cost grows with the modulus, an easy
// denial of service if an attacker could ever plant such a key).
const (
	jwtMinRSABits = 2048
	jwtMaxRSABits = 8192
)

var errJWTKeyType = errors.New("remote: key type does not fit the algorithm")

// jwtKeyFits reports whether pub can be used with alg at all, independently
// of the key's declared "alg".
func jwtKeyFits(alg jwtAlg, pub crypto.PublicKey) bool {
	if alg == jwtAlgInvalid || int(alg) >= len(jwtAlgInfos) {
		return false
	}
	info := jwtAlgInfos[alg]
	switch k := pub.(type) {
	case *rsa.PublicKey:
		return (info.kind == jwtKindPKCS1 || info.kind == jwtKindPSS) && k.N != nil
	case *ecdsa.PublicKey:
		return info.kind == jwtKindECDSA && k.Curve == info.curve
	case ed25519.PublicKey:
		return info.kind == jwtKindEd25519 && len(k) == ed25519.PublicKeySize
	}
	return false
}

// jwtCheckPublicKey refuses keys that are not usable at all (unsupported
// type, RSA modulus out of bounds, unsupported curve).
func jwtCheckPublicKey(pub crypto.PublicKey) error {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		if k.N == nil || k.N.BitLen() < jwtMinRSABits || k.N.BitLen() > jwtMaxRSABits {
			return errors.New("remote: RSA key size out of bounds (2048 to 8192 bits)")
		}
		return nil
	case *ecdsa.PublicKey:
		switch k.Curve {
		case elliptic.P256(), elliptic.P384(), elliptic.P521():
			return nil
		}
		return errors.New("remote: unsupported elliptic curve")
	case ed25519.PublicKey:
		if len(k) != ed25519.PublicKeySize {
			return errors.New("remote: bad Ed25519 key size")
		}
		return nil
	}
	return errors.New("remote: unsupported key type")
}

// jwtVerifySignature checks sig over signingInput with pub under alg. The
// caller has already checked jwtKeyFits.
func jwtVerifySignature(alg jwtAlg, pub crypto.PublicKey, signingInput, sig []byte) error {
	info := jwtAlgInfos[alg]
	switch info.kind {
	case jwtKindPKCS1, jwtKindPSS:
		k, ok := pub.(*rsa.PublicKey)
		if !ok {
			return errJWTKeyType
		}
		digest, n := jwtDigest(info.hash, signingInput)
		if info.kind == jwtKindPKCS1 {
			return rsa.VerifyPKCS1v15(k, info.hash, digest[:n], sig)
		}
		// RFC 7518 §3.5: the salt is as long as the hash output.
		return rsa.VerifyPSS(k, info.hash, digest[:n], sig, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash})
	case jwtKindECDSA:
		k, ok := pub.(*ecdsa.PublicKey)
		if !ok || k.Curve != info.curve {
			return errJWTKeyType
		}
		size := (info.curve.Params().BitSize + 7) / 8
		// RFC 7518 §3.4: R and S as fixed-size big-endian octets; no DER.
		if len(sig) != 2*size {
			return errors.New("remote: bad ECDSA signature length")
		}
		digest, n := jwtDigest(info.hash, signingInput)
		r := new(big.Int).SetBytes(sig[:size])
		s := new(big.Int).SetBytes(sig[size:])
		if !ecdsa.Verify(k, digest[:n], r, s) {
			return errors.New("remote: ECDSA verification failed")
		}
		return nil
	case jwtKindEd25519:
		k, ok := pub.(ed25519.PublicKey)
		if !ok {
			return errJWTKeyType
		}
		if !ed25519.Verify(k, signingInput, sig) {
			return errors.New("remote: Ed25519 verification failed")
		}
		return nil
	}
	return errJWTKeyType
}

// jwtDigest hashes data with h into a fixed buffer (no allocation).
func jwtDigest(h crypto.Hash, data []byte) ([64]byte, int) {
	var out [64]byte
	switch h {
	case crypto.SHA256:
		d := sha256.Sum256(data)
		copy(out[:], d[:])
		return out, sha256.Size
	case crypto.SHA384:
		d := sha512.Sum384(data)
		copy(out[:], d[:])
		return out, sha512.Size384
	default:
		d := sha512.Sum512(data)
		copy(out[:], d[:])
		return out, sha512.Size
	}
}
