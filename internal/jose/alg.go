package jose

// This file is the algorithm table (RFC 7518 §3, RFC 8037), key/algorithm
// fit and signature verification.

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

// Alg is a JWS signature algorithm this package verifies, as a small
// integer (a bit in an [AlgSet]). Symmetric (HS*) algorithms and "none"
// are deliberately absent.
type Alg uint8

// The algorithms, and AlgInvalid for any other "alg".
const (
	AlgInvalid Alg = iota
	RS256
	RS384
	RS512
	PS256
	PS384
	PS512
	ES256
	ES384
	ES512
	EdDSA
	numAlgs
)

type algKind uint8

const (
	kindPKCS1 algKind = iota + 1
	kindPSS
	kindECDSA
	kindEd25519
)

type algInfo struct {
	name  string
	kind  algKind
	hash  crypto.Hash
	curve elliptic.Curve // ECDSA only
}

var algInfos = [numAlgs]algInfo{
	RS256: {"RS256", kindPKCS1, crypto.SHA256, nil},
	RS384: {"RS384", kindPKCS1, crypto.SHA384, nil},
	RS512: {"RS512", kindPKCS1, crypto.SHA512, nil},
	PS256: {"PS256", kindPSS, crypto.SHA256, nil},
	PS384: {"PS384", kindPSS, crypto.SHA384, nil},
	PS512: {"PS512", kindPSS, crypto.SHA512, nil},
	ES256: {"ES256", kindECDSA, crypto.SHA256, elliptic.P256()},
	ES384: {"ES384", kindECDSA, crypto.SHA384, elliptic.P384()},
	ES512: {"ES512", kindECDSA, crypto.SHA512, elliptic.P521()},
	EdDSA: {"EdDSA", kindEd25519, 0, nil},
}

// AlgByName maps a JOSE "alg" value (case-sensitive) to an algorithm;
// AlgInvalid when it is none of them.
func AlgByName(name string) Alg {
	for a := RS256; a < numAlgs; a++ {
		if algInfos[a].name == name {
			return a
		}
	}
	return AlgInvalid
}

// String returns the JOSE name ("RS256"), or "invalid".
func (a Alg) String() string {
	if a == AlgInvalid || a >= numAlgs {
		return "invalid"
	}
	return algInfos[a].name
}

// AlgSet is a set of algorithms, one bit each.
type AlgSet uint32

// AllAlgs holds every algorithm of the table.
const AllAlgs AlgSet = 1<<numAlgs - 2

// Has reports whether a is in s (never for AlgInvalid).
func (s AlgSet) Has(a Alg) bool { return a != AlgInvalid && a < numAlgs && s&(1<<a) != 0 }

// Add puts a in s.
func (s *AlgSet) Add(a Alg) { *s |= 1 << a }

// FitsAny reports whether at least one algorithm of s can be used with pub.
func (s AlgSet) FitsAny(pub crypto.PublicKey) bool {
	for a := RS256; a < numAlgs; a++ {
		if s.Has(a) && KeyFits(a, pub) {
			return true
		}
	}
	return false
}

// Key size limits: RSA keys below 2048 bits are refused (NIST SP 800-131A),
// above 8192 bits too (verification cost grows with the modulus, an easy
// denial of service if an attacker could ever plant such a key).
const (
	MinRSABits = 2048
	MaxRSABits = 8192
)

var errKeyType = errors.New("key type does not fit the algorithm")

// KeyFits reports whether pub can be used with alg at all, independently
// of the key's declared "alg".
func KeyFits(alg Alg, pub crypto.PublicKey) bool {
	if alg == AlgInvalid || alg >= numAlgs {
		return false
	}
	info := algInfos[alg]
	switch k := pub.(type) {
	case *rsa.PublicKey:
		return (info.kind == kindPKCS1 || info.kind == kindPSS) && k.N != nil
	case *ecdsa.PublicKey:
		return info.kind == kindECDSA && k.Curve == info.curve
	case ed25519.PublicKey:
		return info.kind == kindEd25519 && len(k) == ed25519.PublicKeySize
	}
	return false
}

// CheckPublicKey refuses keys that are not usable at all (unsupported
// type, RSA modulus out of bounds, unsupported curve).
func CheckPublicKey(pub crypto.PublicKey) error {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		if k.N == nil || k.N.BitLen() < MinRSABits || k.N.BitLen() > MaxRSABits {
			return errors.New("RSA key size out of bounds (2048 to 8192 bits)")
		}
		return nil
	case *ecdsa.PublicKey:
		switch k.Curve {
		case elliptic.P256(), elliptic.P384(), elliptic.P521():
			return nil
		}
		return errors.New("unsupported elliptic curve")
	case ed25519.PublicKey:
		if len(k) != ed25519.PublicKeySize {
			return errors.New("bad Ed25519 key size")
		}
		return nil
	}
	return errors.New("unsupported key type")
}

// Verify checks sig over signingInput with pub under alg. Callers check
// [KeyFits] first; a key that does not fit is an error here too.
func Verify(alg Alg, pub crypto.PublicKey, signingInput, sig []byte) error {
	if alg == AlgInvalid || alg >= numAlgs {
		return errKeyType
	}
	info := algInfos[alg]
	switch info.kind {
	case kindPKCS1, kindPSS:
		k, ok := pub.(*rsa.PublicKey)
		if !ok {
			return errKeyType
		}
		digest, n := hashOf(info.hash, signingInput)
		if info.kind == kindPKCS1 {
			return rsa.VerifyPKCS1v15(k, info.hash, digest[:n], sig)
		}
		// RFC 7518 §3.5: the salt is as long as the hash output.
		return rsa.VerifyPSS(k, info.hash, digest[:n], sig, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash})
	case kindECDSA:
		k, ok := pub.(*ecdsa.PublicKey)
		if !ok || k.Curve != info.curve {
			return errKeyType
		}
		size := (info.curve.Params().BitSize + 7) / 8
		// RFC 7518 §3.4: R and S as fixed-size big-endian octets; no DER.
		if len(sig) != 2*size {
			return errors.New("bad ECDSA signature length")
		}
		digest, n := hashOf(info.hash, signingInput)
		r := new(big.Int).SetBytes(sig[:size])
		s := new(big.Int).SetBytes(sig[size:])
		if !ecdsa.Verify(k, digest[:n], r, s) {
			return errors.New("ECDSA verification failed")
		}
		return nil
	default: // kindEd25519
		k, ok := pub.(ed25519.PublicKey)
		if !ok {
			return errKeyType
		}
		if !ed25519.Verify(k, signingInput, sig) {
			return errors.New("bad Ed25519 signature")
		}
		return nil
	}
}

// hashOf hashes data with h into a fixed buffer (no allocation).
func hashOf(h crypto.Hash, data []byte) ([64]byte, int) {
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
