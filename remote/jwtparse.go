package remote

import (
	"errors"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/mcpauth/mcpauth/internal/jose"
	"github.com/mcpauth/mcpauth/internal/strictjson"
)

// jwtParsed is a compact JWS whose header passed the structural checks. The
// payload is decoded only after the signature is verified.
type jwtParsed struct {
	jose.JWS
	decoded map[string]any // the payload's claims once decoded (before or after verification)
}

// parseToken splits and checks a compact JWS (see [jose.ParseCompact]): a
// refusal wraps ErrMalformedToken.
func parseToken(token string) (*jwtParsed, error) {
	jws, err := jose.ParseCompact(token)
	if err != nil {
		return nil, jwtMalformed(err)
	}
	return &jwtParsed{JWS: jws}, nil
}

// jwtMalformed classifies a refusal of package jose as ErrMalformedToken,
// keeping its fixed detail.
func jwtMalformed(err error) error {
	var je *jose.Error
	if errors.As(err, &je) {
		return jwtErr(ErrMalformedToken, je.Detail)
	}
	return jwtErr(ErrMalformedToken, "not a compact JWS")
}

// claims decodes the payload as a JSON object without duplicate members.
func (p *jwtParsed) claims() (map[string]any, error) {
	if p.decoded != nil {
		return p.decoded, nil
	}
	raw, err := p.DecodePayload()
	if err != nil {
		return nil, jwtMalformed(err)
	}
	m, err := strictjson.DecodeObject(raw)
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
