package authkittest

import (
	"errors"
	"maps"
	"strings"
	"testing"
	"time"
)

// TokenOptions describes a token for [Server.Mint]. The zero value mints
// the token AuthKit would issue to the configured user without a resource
// indicator: RS256, signed by the current key, iss = the issuer, sub = the
// user's id, aud = the environment client id, sid, jti, iat, exp (now +
// the token lifetime), org_id and the user's template claims.
type TokenOptions struct {
	// Subject is "sub". Default: the configured user's id. The claims
	// org_id, role, roles, permissions, entitlements and feature_flags
	// come from the configured user when Subject is empty, from the user
	// added with that id when there is one, and are absent otherwise.
	Subject string
	// Audience is "aud": one value is a string, several an array.
	// Default: [Server.ClientID]. Omit "aud" to mint a token without one.
	Audience []string
	// Scopes become "scope", space-separated; no claim when empty.
	Scopes []string
	// ClientID is "client_id", the OAuth client the token was issued to,
	// as AuthKit puts it in every access token. Default: [Server.ClientID]
	// (the environment's client). Omit "client_id" to mint a token
	// without one.
	ClientID string
	// OrgID overrides "org_id".
	OrgID string
	// SessionID is "sid" (AuthKit: the consent grant id). Default: a
	// generated id.
	SessionID string
	// TokenID is "jti". Default: a generated id.
	TokenID string
	// Claims are set last, over every other claim: extra claims or
	// overrides (for example "exp": "soon" to mint a malformed claim).
	Claims map[string]any
	// Omit lists claims to remove after everything else (for example
	// "exp", "aud", "sub").
	Omit []string
	// ExpiresIn sets exp = iat + ExpiresIn. Zero means the server's token
	// lifetime (see [Server.SetTokenLifetime]); negative mints an expired
	// token.
	ExpiresIn time.Duration
	// IssuedAt is "iat". Default: the server's clock.
	IssuedAt time.Time
	// Issuer overrides "iss" (see [Server.SessionIssuer]).
	Issuer string
	// KeyID overrides the header's "kid" (the signature stays that of the
	// signing key).
	KeyID string
	// SignWith signs with this key instead of the server's signing key;
	// the header's kid is its id unless KeyID is set. The key need not be
	// published.
	SignWith *Key
	// Header entries override or add header parameters; a nil value
	// removes one (for example "kid").
	Header map[string]any
	// Algorithm is the signing algorithm: [AlgRS256] (default), [AlgRS384],
	// [AlgRS512], [AlgPS256], [AlgHS256] or [AlgNone].
	Algorithm string
	// HMACSecret is the HS256 secret. Default: the PEM encoding of the
	// signing key's public key (the algorithm-confusion attack).
	HMACSecret []byte
}

// Mint returns a signed AuthKit-shaped access token described by opts. It
// does not record the token as issued to a client: introspection reports
// its client_id claim (by default the environment client id).
func (s *Server) Mint(opts TokenOptions) (string, error) {
	s.mu.Lock()
	now := s.clock()
	base := s.user
	if opts.Subject != "" {
		if u, ok := s.users[opts.Subject]; ok {
			base = u
		} else {
			base = User{ID: opts.Subject}
		}
	}
	base = base.clone()
	ttl := s.accessTTL
	key := s.signing
	s.mu.Unlock()

	if opts.SignWith != nil {
		key = opts.SignWith
	}
	iat := now
	if !opts.IssuedAt.IsZero() {
		iat = opts.IssuedAt
	}
	if opts.ExpiresIn != 0 {
		ttl = opts.ExpiresIn
	}
	aud := opts.Audience
	if aud == nil {
		aud = []string{s.clientID}
	}
	client := opts.ClientID
	if client == "" {
		client = s.clientID
	}
	claims := s.accessClaims(base, aud, opts.Scopes, client, opts.SessionID, iat, ttl)
	if opts.TokenID != "" {
		claims["jti"] = opts.TokenID
	}
	if opts.OrgID != "" {
		claims["org_id"] = opts.OrgID
	}
	if opts.Issuer != "" {
		claims["iss"] = opts.Issuer
	}
	maps.Copy(claims, opts.Claims)
	for _, name := range opts.Omit {
		delete(claims, name)
	}

	alg := opts.Algorithm
	if alg == "" {
		alg = AlgRS256
	}
	header := map[string]any{"alg": alg, "typ": "JWT", "kid": key.ID()}
	if opts.KeyID != "" {
		header["kid"] = opts.KeyID
	}
	for k, v := range opts.Header {
		if v == nil {
			delete(header, k)
		} else {
			header[k] = v
		}
	}
	return signJWT(header, claims, alg, key, opts.HMACSecret)
}

// MustMint is like [Server.Mint] but fails the test on error.
func (s *Server) MustMint(t testing.TB, opts TokenOptions) string {
	t.Helper()
	tok, err := s.Mint(opts)
	if err != nil {
		t.Fatalf("authkittest: Mint: %v", err)
	}
	return tok
}

// accessClaims builds the claims of an access token for u, issued to the
// client clientID.
func (s *Server) accessClaims(u User, aud, scopes []string, clientID, sid string, iat time.Time, ttl time.Duration) map[string]any {
	if sid == "" {
		sid = newID("authorization_grant")
	}
	claims := map[string]any{
		"iss":       s.url,
		"sub":       u.ID,
		"client_id": clientID,
		"sid":       sid,
		"jti":       newID("token"),
		"iat":       iat.Unix(),
		"exp":       iat.Add(ttl).Unix(),
	}
	switch len(aud) {
	case 0:
	case 1:
		claims["aud"] = aud[0]
	default:
		claims["aud"] = append([]string(nil), aud...)
	}
	if u.OrganizationID != "" {
		claims["org_id"] = u.OrganizationID
	}
	if len(scopes) > 0 {
		claims["scope"] = strings.Join(scopes, " ")
	}
	u.templateClaims(claims)
	return claims
}

// Verification failures of [Server.verify].
var (
	errInvalidToken = errors.New("authkittest: invalid token")
	errExpiredToken = errors.New("authkittest: token expired")
)

// verify checks a token the way this fake's own endpoints do
// (introspection, userinfo): RS256, signed by a published key, iss = the
// issuer, exp after the server's clock. It returns the token's claims
// (numbers as json.Number).
func (s *Server) verify(token string) (map[string]any, error) {
	p, err := parseJWT(token)
	if err != nil {
		return nil, errInvalidToken
	}
	kid, _ := p.header["kid"].(string)
	key, ok := s.publishedKey(kid)
	if !ok || !p.verifyRS256(key) {
		return nil, errInvalidToken
	}
	if p.str("iss") != s.url {
		return nil, errInvalidToken
	}
	exp, ok := p.num("exp")
	if !ok {
		return nil, errInvalidToken
	}
	if !s.now().Before(time.Unix(exp, 0)) {
		return nil, errExpiredToken
	}
	return p.claims, nil
}
