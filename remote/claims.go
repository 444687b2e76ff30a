package remote

import "time"

// audiencesMatch reports whether one of the token's audiences got equals one
// of the expected audiences want, tolerating one trailing slash on either
// side (RFC 8707 resource URLs round-trip with or without it). The JWT
// verifier, the introspection verifier and the provider all use it.
func audiencesMatch(got, want []string) bool {
	for _, g := range got {
		for _, w := range want {
			if audienceMatch(g, w) {
				return true
			}
		}
	}
	return false
}

func audienceMatch(got, want string) bool {
	switch {
	case got == want:
		return true
	case len(got) == len(want)+1:
		return got[len(got)-1] == '/' && got[:len(want)] == want
	case len(want) == len(got)+1:
		return want[len(want)-1] == '/' && want[:len(got)] == got
	}
	return false
}

// checkTimeClaims applies the exp, nbf and iat rules with leeway and records
// exp and iat in info. A missing exp is an error only when requireExp is set
// (JWTs); introspection responses may omit it.
func checkTimeClaims(claims map[string]any, now time.Time, leeway time.Duration, requireExp bool, info *TokenInfo) error {
	exp, ok, err := jwtNumericDate(claims, "exp")
	if err != nil {
		return err
	}
	if !ok && requireExp {
		return jwtErr(ErrMissingClaim, "exp")
	}
	if ok {
		if !now.Before(exp.Add(leeway)) {
			return jwtErr(ErrTokenExpired, "exp passed")
		}
		info.Expiry = exp
	}
	nbf, ok, err := jwtNumericDate(claims, "nbf")
	if err != nil {
		return err
	}
	if ok && now.Add(leeway).Before(nbf) {
		return jwtErr(ErrTokenNotYetValid, "nbf in the future")
	}
	iat, ok, err := jwtNumericDate(claims, "iat")
	if err != nil {
		return err
	}
	if ok {
		if now.Add(leeway).Before(iat) {
			return jwtErr(ErrTokenNotYetValid, "iat in the future")
		}
		info.IssuedAt = iat
	}
	return nil
}
