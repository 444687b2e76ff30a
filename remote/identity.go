package remote

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"time"
)

// This file holds what handlers see of a verified token: the read-only
// [Identity], the context value that carries it for exactly one request (or
// one call of an MCP session, see package gosdk), and the accessors that say
// why there is none.
//
// A verifier's *TokenInfo may be shared by every request with the same token
// (the verified-token cache hands out one pointer). Nothing here hands that
// pointer, or a slice or map reachable from it, to a handler: an Identity
// keeps it unexported and its methods return strings, values and copies. So
// no handler can change what another request sees or decides, and
// concurrent handlers cannot race on it.

// ErrNoIdentity: a context carries no verified token. Every accessor of
// this package (and of packages built on it) reports the reason with an
// error wrapping it. It wraps [ErrMissingToken], so [Provider.WriteError]
// answers it with a 401 challenge.
var ErrNoIdentity error = &noIdentityError{}

type noIdentityError struct{}

func (*noIdentityError) Error() string { return "remote: no verified token in this context" }
func (*noIdentityError) Unwrap() error { return ErrMissingToken }

// The reasons, each wrapping ErrNoIdentity.
var (
	errIdentityNever = &identityReason{"no provider middleware verified a token for this request (serve the handler behind Provider.Middleware or Provider.Handler; mount go-sdk servers with gosdk.Handler)"}
	errIdentityEnded = &identityReason{"the request that carried the token has ended: this context outlived its request, as a go-sdk session's context does (mount go-sdk servers with gosdk.Handler, which gives every call its own)"}
	errIdentityNone  = &identityReason{"the current call carries no verified token"}
	errIdentityOther = &identityReason{"the token in this context was verified by another provider"}
)

type identityReason struct{ why string }

func (e *identityReason) Error() string { return ErrNoIdentity.Error() + ": " + e.why }
func (e *identityReason) Unwrap() error { return ErrNoIdentity }

// Identity is a verified token as handlers see it: read-only. The provider's
// middleware creates one per request ([IdentityFromContext] returns it);
// every method is safe on a nil *Identity (zero values) and for concurrent
// use, and every slice or map a method returns is the caller's own copy.
type Identity struct {
	info      *TokenInfo // the verifier's; may be shared with other requests: never handed out
	by        *Provider  // the provider that verified it; nil for ContextWithTokenInfo
	issuer    string     // the issuer the session owner names (see Issuer)
	tokenHash string     // hex SHA-256 of the token, only for a token without subject
}

// identityScope is the context value: an identity (or, with ok false, the
// explicit absence of one) valid until ended.
type identityScope struct {
	id    Identity
	ok    bool
	ended atomic.Bool
}

type identityKey struct{}

// IdentityFromContext returns the identity the provider's middleware
// verified for the request (or, in a go-sdk tool behind gosdk.Handler, for
// the current call). Without one it returns an error wrapping
// [ErrNoIdentity] that says why: no middleware ran, the request that
// carried the token has ended (a context kept past its request, such as the
// one go-sdk keeps for a session), the current call carries none, or ctx is
// nil. It never returns an earlier request's identity.
//
// The identity may come from any provider; a provider's own checks accept
// only what that provider verified ([Provider.Identity]).
func IdentityFromContext(ctx context.Context) (*Identity, error) {
	if ctx == nil {
		return nil, errIdentityNever
	}
	s, _ := ctx.Value(identityKey{}).(*identityScope)
	switch {
	case s == nil:
		return nil, errIdentityNever
	case !s.ok:
		return nil, errIdentityNone
	case s.ended.Load():
		s.id.by.warnEnded(ctx)
		return nil, errIdentityEnded
	}
	return &s.id, nil
}

// Identity is [IdentityFromContext] restricted to what p verified: an
// identity another provider (or [ContextWithTokenInfo]) put in ctx is
// refused with an error wrapping [ErrNoIdentity]. p's own checks
// (RequireScopes; authkit's Require and Allow) use it.
func (p *Provider) Identity(ctx context.Context) (*Identity, error) {
	id, err := IdentityFromContext(ctx)
	if err != nil {
		return nil, err
	}
	if id.by != p {
		return nil, errIdentityOther
	}
	return id, nil
}

// ContextWithIdentity returns a copy of ctx carrying id for as long as ctx
// lives. With a nil id it carries none: accessors then report
// [ErrNoIdentity] even where an outer context held an identity. Adapters use
// it to give each call of an MCP session its own identity and to keep a
// request's identity out of contexts a session keeps (package gosdk).
func ContextWithIdentity(ctx context.Context, id *Identity) context.Context {
	s := &identityScope{}
	if id != nil {
		s.id, s.ok = *id, true
	}
	return context.WithValue(ctx, identityKey{}, s)
}

// ContextWithTokenInfo returns a copy of ctx carrying a copy of info as an
// identity no provider verified: the package accessors return it, a
// provider's checks ([Provider.Identity]) refuse it. Use it in tests of your
// own handlers to fake an authenticated caller.
func ContextWithTokenInfo(ctx context.Context, info *TokenInfo) context.Context {
	if info == nil {
		return ContextWithIdentity(ctx, nil)
	}
	return ContextWithIdentity(ctx, &Identity{info: info.Clone(), issuer: info.Issuer})
}

// newScope makes the identity of a request p verified. tok is the token,
// verName what verify returned: under a MultiIssuer, the issuer a JWT was
// routed to, which is then the identity's issuer (the verifier configured
// for that issuer vouched for the token, so its users cannot collide with
// another issuer's, whatever the verifier put in TokenInfo.Issuer).
func (p *Provider) newScope(info *TokenInfo, verName, tok string) *identityScope {
	s := &identityScope{ok: true}
	s.id = Identity{info: info, by: p, issuer: info.Issuer}
	if p.multi != nil && strings.Count(tok, ".") == 2 {
		s.id.issuer = verName
	}
	if info.Subject == "" {
		h := tcHash(tok)
		s.id.tokenHash = hex.EncodeToString(h[:])
	}
	return s
}

// serveScoped calls next with s in the request context and ends s when next
// returns, so a context kept past the request (a go-sdk session's) no
// longer yields the identity.
func serveScoped(w http.ResponseWriter, r *http.Request, next http.Handler, s *identityScope) {
	defer s.ended.Store(true)
	next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), identityKey{}, s)))
}

// warnEnded logs, once per provider, that a handler read an identity after
// its request ended: the sign of a go-sdk server mounted without
// gosdk.Handler.
func (p *Provider) warnEnded(ctx context.Context) {
	if p == nil || p.logger == nil || !p.endedWarned.CompareAndSwap(false, true) {
		return
	}
	p.logger.WarnContext(ctx, "remote: a handler read the verified token after its request ended and was refused; "+
		"go-sdk keeps the first request's context for a whole session: mount go-sdk servers with gosdk.Handler")
}

// Subject is the "sub" claim: the user (or, for machine-to-machine tokens,
// the client) the token was issued for. It is empty only for a token
// without subject (an introspection response may omit it).
func (id *Identity) Subject() string {
	if id == nil {
		return ""
	}
	return id.info.Subject
}

// Issuer is the authorization server that issued the token: the "iss" the
// verifier checked or, behind a [MultiIssuer], the issuer whose verifier the
// token was routed to.
func (id *Identity) Issuer() string {
	if id == nil {
		return ""
	}
	return id.issuer
}

// ClientID is the OAuth client the token was issued to, when known.
func (id *Identity) ClientID() string {
	if id == nil {
		return ""
	}
	return id.info.ClientID
}

// Scopes returns a copy of the token's scopes.
func (id *Identity) Scopes() []string {
	if id == nil {
		return nil
	}
	return slices.Clone(id.info.Scopes)
}

// HasScope reports whether the token was granted scope (exact match).
func (id *Identity) HasScope(scope string) bool {
	return id != nil && slices.Contains(id.info.Scopes, scope)
}

// Audiences returns a copy of the token's audiences.
func (id *Identity) Audiences() []string {
	if id == nil {
		return nil
	}
	return slices.Clone(id.info.Audiences)
}

// Expiry is the "exp" claim; zero when the token has none.
func (id *Identity) Expiry() time.Time {
	if id == nil {
		return time.Time{}
	}
	return id.info.Expiry
}

// IssuedAt is the "iat" claim; zero when absent.
func (id *Identity) IssuedAt() time.Time {
	if id == nil {
		return time.Time{}
	}
	return id.info.IssuedAt
}

// TokenID is the "jti" claim, when present.
func (id *Identity) TokenID() string {
	if id == nil {
		return ""
	}
	return id.info.TokenID
}

// KeyID is the "kid" of the key that verified a JWT; safe to log.
func (id *Identity) KeyID() string {
	if id == nil {
		return ""
	}
	return id.info.KeyID
}

// Claim returns a copy of the named claim (for JWTs) or introspection
// member, as decoded from JSON, and whether it is present.
func (id *Identity) Claim(name string) (any, bool) {
	if id == nil {
		return nil, false
	}
	v, ok := id.info.Claims[name]
	if !ok {
		return nil, false
	}
	return cloneClaim(v), true
}

// StringClaim returns the claim at path when it is a string: one name for
// a top-level claim ("org_id"), several for a member of nested objects
// ("realm_access", "roles" is realm_access.roles). A claim name may hold
// dots (Auth0's namespaced "https://example.com/role" is one name). A
// claim of another type is not converted: ok is false, as for an absent
// claim or an empty path.
func (id *Identity) StringClaim(path ...string) (string, bool) {
	s, ok := id.claimAt(path).(string)
	return s, ok
}

// StringsClaim returns a copy of the claim at path (see [Identity.StringClaim])
// when it is an array of strings. Anything else (absent, a single string,
// an array holding a non-string) is not converted: ok is false. A string
// is not a list.
func (id *Identity) StringsClaim(path ...string) ([]string, bool) {
	switch v := id.claimAt(path).(type) {
	case []any:
		out := make([]string, len(v))
		for i, e := range v {
			s, ok := e.(string)
			if !ok {
				return nil, false
			}
			out[i] = s
		}
		return out, true
	case []string:
		return slices.Clone(v), true
	}
	return nil, false
}

// claimAt returns the claim at path, not copied (nil when absent): every
// name but the last must lead to a JSON object.
func (id *Identity) claimAt(path []string) any {
	if id == nil || len(path) == 0 {
		return nil
	}
	v, ok := id.info.Claims[path[0]]
	for _, name := range path[1:] {
		if !ok {
			return nil
		}
		obj, isObj := v.(map[string]any)
		if !isObj {
			return nil
		}
		v, ok = obj[name]
	}
	return v
}

// DecodeClaims decodes the token's claims (for JWTs) or the members of the
// introspection response into v, a pointer to a struct or map, as
// encoding/json decodes a JSON object: in the style of go-oidc's
// IDToken.Claims. Use it for an identity provider's own claims:
//
//	var c struct {
//		RealmAccess struct {
//			Roles []string `json:"roles"`
//		} `json:"realm_access"`
//	}
//	err := id.DecodeClaims(&c)
//
// Types are strict, as encoding/json's are: a string does not decode into
// a slice (a single role is not a list of roles), a number not into a
// string; a mismatch is an error (v may then be partly filled: do not use
// it). Claims without a field are ignored; member names match struct tags
// as encoding/json matches them, ignoring letter case. v gets copies: a
// change to it changes no other request's view.
func (id *Identity) DecodeClaims(v any) error {
	if id == nil {
		return errors.New("remote: DecodeClaims on a nil Identity")
	}
	b, err := json.Marshal(id.info.Claims)
	if err != nil {
		return fmt.Errorf("remote: decoding claims: %w", err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("remote: decoding claims: %w", err)
	}
	return nil
}

// Claims returns a copy of every claim of the token (for JWTs) or member of
// the introspection response. Values decoded from JSON are copied deeply; a
// value of another type that a custom verifier stored is returned as
// stored.
func (id *Identity) Claims() map[string]any {
	if id == nil || id.info.Claims == nil {
		return nil
	}
	return cloneClaim(id.info.Claims).(map[string]any)
}

// TokenInfo returns a copy of everything the verifier learned, for code
// that wants the plain struct.
func (id *Identity) TokenInfo() *TokenInfo {
	if id == nil {
		return nil
	}
	info := id.info.Clone()
	info.Issuer = id.issuer
	return info
}

// Owner names who the token speaks for, as a key to bind state to (go-sdk
// binds a session to it): the JSON array [issuer, subject], since several
// issuers can mint the same subject. For a token without subject it is
// [issuer, "", "token-sha256:<hex>"]: what such a token opens belongs to
// that token alone, and a refreshed token does not inherit it. Empty for a
// nil Identity.
func (id *Identity) Owner() string {
	if id == nil {
		return ""
	}
	parts := []string{id.issuer, id.info.Subject}
	if id.info.Subject == "" {
		parts = append(parts, "token-sha256:"+id.tokenHash)
	}
	b, _ := json.Marshal(parts) // strings always encode
	return string(b)
}

// Clone returns a deep copy of info: its slices, and every map and array
// decoded from JSON in Claims, are new. Nil for a nil info.
func (info *TokenInfo) Clone() *TokenInfo {
	if info == nil {
		return nil
	}
	c := *info
	c.Scopes = slices.Clone(info.Scopes)
	c.Audiences = slices.Clone(info.Audiences)
	if info.Claims != nil {
		c.Claims = cloneClaim(info.Claims).(map[string]any)
	}
	return &c
}

// cloneClaim deep-copies the composite values JSON decodes to.
func cloneClaim(v any) any {
	switch t := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, e := range t {
			out[k] = cloneClaim(e)
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = cloneClaim(e)
		}
		return out
	case []string:
		return slices.Clone(t)
	}
	return v
}
