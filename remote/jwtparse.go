package remote

import (
	"encoding/base64"
	"math"
	"slices"
	"strings"
	"time"
)

// jwtParsed is a compact JWS whose header passed the structural checks. The
// payload is decoded only after the signature is verified.
type jwtParsed struct {
	alg          jwtAlg // jwtAlgInvalid when the header names an unsupported alg
	kid          string
	signingInput string // header "." payload, as received
	payload      string // base64url payload
	sig          []byte
	decoded      map[string]any // the payload's claims once decoded (before or after verification)
}

// jwtB64 is strict unpadded base64url: non-zero trailing bits are refused so
// a token has exactly one encoding.
var jwtB64 = base64.RawURLEncoding.Strict()

// jwtCompactAlphabet reports whether every byte of s is base64url or ".".
func jwtCompactAlphabet(s string) bool {
	return scanAll(&jwtCompactChars, s)
}

// jwtCompactChars marks every character a compact JWS may contain: the
// base64url alphabet and ".".
var jwtCompactChars = scanTable("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.")

// jwtParseCompact splits and checks a compact JWS (RFC 7515 §7.1). It refuses
// the JSON serialization, JWE, anything but the base64url alphabet, and
// headers with duplicate members, "crit", "zip", "b64" or a nested-JWT "cty".
// "jku", "x5u", "jwk" and "x5c" are ignored: keys come only from the
// configured source.
func jwtParseCompact(token string) (*jwtParsed, error) {
	// Find the two dots with IndexByte (vectorised) and check the alphabet
	// without a branch per byte: a per-character chain of comparisons
	// mispredicts on random base64url and cost about 3 µs per fresh token.
	dot1, dot2 := strings.IndexByte(token, '.'), -1
	if dot1 >= 0 {
		if j := strings.IndexByte(token[dot1+1:], '.'); j >= 0 {
			dot2 = dot1 + 1 + j
			if strings.IndexByte(token[dot2+1:], '.') >= 0 {
				return nil, jwtErr(ErrMalformedToken, "not a compact JWS")
			}
		}
	}
	if !jwtCompactAlphabet(token) {
		return nil, jwtErr(ErrMalformedToken, "not a compact JWS")
	}
	if dot2 < 0 || dot1 == 0 || dot2 == dot1+1 || dot2 == len(token)-1 {
		return nil, jwtErr(ErrMalformedToken, "not a compact JWS")
	}
	hdrJSON, err := jwtB64.DecodeString(token[:dot1])
	if err != nil {
		return nil, jwtErr(ErrMalformedToken, "bad header encoding")
	}
	sig, err := jwtB64.DecodeString(token[dot2+1:])
	if err != nil {
		return nil, jwtErr(ErrMalformedToken, "bad signature encoding")
	}
	hdr, err := jwtDecodeJSONObject(hdrJSON)
	if err != nil {
		return nil, jwtErr(ErrMalformedToken, "bad header JSON")
	}
	p := &jwtParsed{
		signingInput: token[:dot2],
		payload:      token[dot1+1 : dot2],
		sig:          sig,
	}
	for name, val := range hdr {
		switch name {
		case "alg":
			s, ok := val.(string)
			if !ok {
				return nil, jwtErr(ErrMalformedToken, "alg is not a string")
			}
			p.alg = jwtAlgByName(s)
		case "kid":
			s, ok := val.(string)
			if !ok || s == "" {
				return nil, jwtErr(ErrMalformedToken, "kid is not a non-empty string")
			}
			p.kid = s
		case "crit":
			return nil, jwtErr(ErrMalformedToken, "crit header not supported")
		case "zip":
			return nil, jwtErr(ErrMalformedToken, "compressed payload not supported")
		case "b64":
			return nil, jwtErr(ErrMalformedToken, "unencoded payload not supported")
		case "enc":
			return nil, jwtErr(ErrMalformedToken, "JWE not supported")
		case "cty":
			s, ok := val.(string)
			if !ok {
				return nil, jwtErr(ErrMalformedToken, "cty is not a string")
			}
			if strings.EqualFold(s, "JWT") || strings.EqualFold(s, "application/jwt") {
				return nil, jwtErr(ErrMalformedToken, "nested JWT not supported")
			}
		case "typ":
			if _, ok := val.(string); !ok {
				return nil, jwtErr(ErrMalformedToken, "typ is not a string")
			}
		}
	}
	if _, ok := hdr["alg"]; !ok {
		return nil, jwtErr(ErrMalformedToken, "alg missing")
	}
	if p.kid == "" {
		return nil, jwtErr(ErrMalformedToken, "kid missing")
	}
	return p, nil
}

// claims decodes the payload as a JSON object without duplicate members.
func (p *jwtParsed) claims() (map[string]any, error) {
	if p.decoded != nil {
		return p.decoded, nil
	}
	raw, err := jwtB64.DecodeString(p.payload)
	if err != nil {
		return nil, jwtErr(ErrMalformedToken, "bad payload encoding")
	}
	m, err := jwtDecodeJSONObject(raw)
	if err != nil {
		return nil, jwtErr(ErrMalformedToken, "bad payload JSON")
	}
	p.decoded = m
	return m, nil
}

// unverifiedIssuedAt returns the token's "iat" before its signature is
// checked, zero when absent, unreadable or p is nil. The key store uses it
// only to choose between two refusals (401 or 503) for a kid it lacks;
// nothing is accepted on its strength.
func (p *jwtParsed) unverifiedIssuedAt() time.Time {
	if p == nil {
		return time.Time{}
	}
	claims, err := p.claims()
	if err != nil {
		return time.Time{}
	}
	iat, ok, err := jwtNumericDate(claims, "iat")
	if !ok || err != nil {
		return time.Time{}
	}
	return iat
}

// jwtMaxNumericDate is 9999-12-31T23:59:59Z; NumericDates are clamped to
// ±this so huge values cannot overflow time arithmetic.
const jwtMaxNumericDate = 253402300799

// jwtNumericDate reads an optional NumericDate claim (RFC 7519 §2): a JSON
// number of seconds, fractions allowed. Strings and other types are
// malformed.
func jwtNumericDate(claims map[string]any, name string) (time.Time, bool, error) {
	v, ok := claims[name]
	if !ok {
		return time.Time{}, false, nil
	}
	f, ok := v.(float64)
	if !ok || math.IsNaN(f) || math.IsInf(f, 0) {
		return time.Time{}, false, jwtErr(ErrMalformedToken, "date claim is not a number")
	}
	f = min(max(f, -jwtMaxNumericDate), jwtMaxNumericDate)
	sec := math.Floor(f)
	nsec := int64((f - sec) * 1e9)
	return time.Unix(int64(sec), nsec).UTC(), true, nil
}

// jwtOptString reads an optional string claim; another type is malformed.
func jwtOptString(claims map[string]any, name string) (string, error) {
	v, ok := claims[name]
	if !ok {
		return "", nil
	}
	s, ok := v.(string)
	if !ok {
		return "", jwtErr(ErrMalformedToken, "claim has the wrong type")
	}
	return s, nil
}

// jwtStrings reads a claim that is a string or an array of strings, as "aud"
// (RFC 7519 §4.1.3). split cuts a string at spaces (for "scope").
func jwtStrings(v any, split bool) ([]string, bool) {
	switch t := v.(type) {
	case string:
		if split {
			return splitScope(t), true
		}
		return []string{t}, true
	case []any:
		out := make([]string, 0, len(t))
		for _, e := range t {
			s, ok := e.(string)
			if !ok {
				return nil, false
			}
			out = append(out, s)
		}
		return out, true
	}
	return nil, false
}

// validate applies the claim rules and builds the TokenInfo.
func (v *JWTVerifier) validate(claims map[string]any, now time.Time) (*TokenInfo, error) {
	info := &TokenInfo{Claims: claims}
	iss, ok := claims["iss"]
	if !ok {
		return nil, jwtErr(ErrMissingClaim, "iss")
	}
	if s, ok := iss.(string); !ok || s != v.issuer {
		return nil, jwtErr(ErrInvalidIssuer, "iss mismatch")
	}
	info.Issuer = v.issuer
	if _, bound := claims["cnf"]; bound {
		return nil, jwtErr(ErrBoundToken, "cnf")
	}

	if err := checkTimeClaims(claims, now, v.leeway, true, info); err != nil {
		return nil, err
	}

	if a, present := claims["aud"]; present {
		auds, ok := jwtStrings(a, false)
		if !ok {
			return nil, jwtErr(ErrMalformedToken, "aud has the wrong type")
		}
		info.Audiences = auds
	}
	if !v.skipAud && !audiencesMatch(info.Audiences, v.audiences) {
		return nil, jwtErr(ErrInvalidAudience, "aud mismatch")
	}

	sub, err := jwtOptString(claims, "sub")
	if err != nil {
		return nil, err
	}
	if sub == "" {
		return nil, jwtErr(ErrMissingClaim, "sub")
	}
	info.Subject = sub
	if info.ClientID, err = jwtOptString(claims, "client_id"); err != nil {
		return nil, err
	}
	if info.ClientID == "" {
		if info.ClientID, err = jwtOptString(claims, "azp"); err != nil {
			return nil, err
		}
	}
	if info.TokenID, err = jwtOptString(claims, "jti"); err != nil {
		return nil, err
	}
	if info.Scopes, err = jwtScopes(claims, v.scopeClaims); err != nil {
		return nil, err
	}
	return info, nil
}

// jwtScopes collects the scopes of the named claims (space-separated strings
// or arrays of strings), without duplicates, in order of appearance.
func jwtScopes(claims map[string]any, names []string) ([]string, error) {
	var out []string
	for _, name := range names {
		v, ok := claims[name]
		if !ok {
			continue
		}
		list, ok := jwtStrings(v, true)
		if !ok {
			return nil, jwtErr(ErrMalformedToken, "scope claim has the wrong type")
		}
		for _, s := range list {
			if s != "" && !slices.Contains(out, s) {
				out = append(out, s)
			}
		}
	}
	return out, nil
}

// splitScope splits a scope string at U+0020 SPACE only (RFC 6749 §3.3:
// scope = scope-token *( SP scope-token )), dropping empty tokens. Other
// white space (tab, NBSP, ...) is part of a token, which then matches no
// configured scope.
func splitScope(s string) []string {
	out := make([]string, 0, strings.Count(s, " ")+1)
	for tok := range strings.SplitSeq(s, " ") {
		if tok != "" {
			out = append(out, tok)
		}
	}
	return out
}
