package jose

// This file implements the compact serialization of a JWS (RFC 7515 §7.1):
// the one splitter of the module, and the header checks of a token to
// verify.

import (
	"encoding/base64"
	"strings"

	"github.com/mcpauth/mcpauth/internal/httpx"
	"github.com/mcpauth/mcpauth/internal/strictjson"
)

// Error is why a compact JWS was refused: a few fixed words, never text of
// the token. Callers classify it (remote: ErrMalformedToken) and may show
// Detail in logs.
type Error struct{ Detail string }

func (e *Error) Error() string { return e.Detail }

func malformed(detail string) error { return &Error{Detail: detail} }

var (
	errNotCompact = malformed("not a compact JWS")
	errHeaderB64  = malformed("bad header encoding")
	errSigB64     = malformed("bad signature encoding")
	errHeaderJSON = malformed("bad header JSON")
	errPayloadB64 = malformed("bad payload encoding")
	errAlgType    = malformed("alg is not a string")
	errKidType    = malformed("kid is not a non-empty string")
	errCrit       = malformed("crit header not supported")
	errZip        = malformed("compressed payload not supported")
	errB64        = malformed("unencoded payload not supported")
	errJWE        = malformed("JWE not supported")
	errCtyType    = malformed("cty is not a string")
	errNested     = malformed("nested JWT not supported")
	errTypType    = malformed("typ is not a string")
	errAlgMissing = malformed("alg missing")
	errKidMissing = malformed("kid missing")
)

// encoding is strict unpadded base64url: non-zero trailing bits are
// refused so a token has exactly one encoding.
var encoding = base64.RawURLEncoding.Strict()

// Split cuts a token at its two dots into the base64url header, payload
// and signature segments; ok is false unless there are exactly two. It
// checks nothing else (segments may be empty or hold any byte): callers
// that read a segment decode it with [DecodeSegment].
func Split(token string) (header, payload, signature string, ok bool) {
	// IndexByte is vectorised: two calls find the dots of a 4 KiB token
	// in a few dozen nanoseconds.
	dot1 := strings.IndexByte(token, '.')
	if dot1 < 0 {
		return "", "", "", false
	}
	j := strings.IndexByte(token[dot1+1:], '.')
	if j < 0 {
		return "", "", "", false
	}
	dot2 := dot1 + 1 + j
	if strings.IndexByte(token[dot2+1:], '.') >= 0 {
		return "", "", "", false
	}
	return token[:dot1], token[dot1+1 : dot2], token[dot2+1:], true
}

// DecodeSegment decodes a segment (strict unpadded base64url) into buf
// when it fits, else into a new buffer.
func DecodeSegment(seg string, buf []byte) ([]byte, error) {
	if n := encoding.DecodedLen(len(seg)); n > len(buf) {
		buf = make([]byte, n)
	}
	n, err := encoding.Decode(buf, []byte(seg))
	if err != nil {
		return nil, err
	}
	return buf[:n], nil
}

// JWS is a compact JWS whose header passed the checks of [ParseCompact].
// Its payload is not decoded: verify the signature first.
type JWS struct {
	// Alg is the header's "alg", AlgInvalid when it names an algorithm
	// this package does not verify.
	Alg Alg
	// KeyID is the header's "kid" (never empty).
	KeyID string
	// SigningInput is header "." payload, as received: what the signature
	// covers.
	SigningInput string
	// Payload is the payload segment (base64url); see [JWS.DecodePayload].
	Payload string
	// Signature is the decoded signature.
	Signature []byte
}

// compactChars marks every byte a compact JWS may hold: the base64url
// alphabet and ".".
var compactChars = httpx.NewByteSet("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.")

// ParseCompact splits and checks a compact JWS to verify. It refuses the
// JSON serialization, JWE, anything but the base64url alphabet (base64
// decoders skip line breaks: they would give one token several spellings),
// empty segments, and headers that are not a strict JSON object, lack
// "alg" or a non-empty string "kid", or carry "crit", "zip", "b64", "enc"
// or a nested-JWT "cty". "jku", "x5u", "jwk" and "x5c" are ignored: keys
// come only from the caller's own source. Errors are *[Error].
func ParseCompact(token string) (JWS, error) {
	h, payload, sig, ok := Split(token)
	// The alphabet check is branch-free: a per-character chain of
	// comparisons mispredicts on random base64url and cost about 3 µs per
	// fresh token.
	if !ok || !compactChars.All(token) || h == "" || payload == "" || sig == "" {
		return JWS{}, errNotCompact
	}
	hdrJSON, err := encoding.DecodeString(h)
	if err != nil {
		return JWS{}, errHeaderB64
	}
	signature, err := encoding.DecodeString(sig)
	if err != nil {
		return JWS{}, errSigB64
	}
	hdr, err := strictjson.DecodeObject(hdrJSON)
	if err != nil {
		return JWS{}, errHeaderJSON
	}
	j := JWS{
		SigningInput: token[:len(h)+1+len(payload)],
		Payload:      payload,
		Signature:    signature,
	}
	for name, val := range hdr {
		switch name {
		case "alg":
			s, ok := val.(string)
			if !ok {
				return JWS{}, errAlgType
			}
			j.Alg = AlgByName(s)
		case "kid":
			s, ok := val.(string)
			if !ok || s == "" {
				return JWS{}, errKidType
			}
			j.KeyID = s
		case "crit":
			return JWS{}, errCrit
		case "zip":
			return JWS{}, errZip
		case "b64":
			return JWS{}, errB64
		case "enc":
			return JWS{}, errJWE
		case "cty":
			s, ok := val.(string)
			if !ok {
				return JWS{}, errCtyType
			}
			if strings.EqualFold(s, "JWT") || strings.EqualFold(s, "application/jwt") {
				return JWS{}, errNested
			}
		case "typ":
			if _, ok := val.(string); !ok {
				return JWS{}, errTypType
			}
		}
	}
	if _, ok := hdr["alg"]; !ok {
		return JWS{}, errAlgMissing
	}
	if j.KeyID == "" {
		return JWS{}, errKidMissing
	}
	return j, nil
}

// DecodePayload decodes the payload segment into a new buffer of the
// caller's.
func (j *JWS) DecodePayload() ([]byte, error) {
	b, err := encoding.DecodeString(j.Payload)
	if err != nil {
		return nil, errPayloadB64
	}
	return b, nil
}
