package authkittest

// This file implements the authorization code grant with PKCE (RFC 6749
// §4.1, RFC 7636), resource indicators (RFC 8707), refresh token rotation,
// token introspection (RFC 7662) and the OpenID Connect userinfo endpoint.

import (
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// codeGrant is an authorization code waiting to be redeemed.
type codeGrant struct {
	grant
	redirectURI   string
	redirectGiven bool
	challenge     string
	expires       time.Time
}

// grant is what the user consented to: one sid, shared by every token of
// the authorization, across refreshes.
type grant struct {
	id        string // the sid claim
	clientID  string
	userID    string
	scopes    []string
	resources []string
}

type refreshGrant struct {
	grant
}

// oauthError is an RFC 6749 error code with a description.
type oauthError struct{ code, desc string }

func (s *Server) handleAuthorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	for _, p := range []string{"client_id", "redirect_uri", "response_type", "state", "scope", "code_challenge", "code_challenge_method"} {
		if len(q[p]) > 1 {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_request", "error_description": "parameter " + p + " repeated"})
			return
		}
	}
	client, err := s.client(r.Context(), q.Get("client_id"))
	if err != nil {
		code := "invalid_request"
		if !errors.Is(err, errUnknownClient) {
			code = "invalid_client" // a URL client_id whose document failed
		}
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": code, "error_description": err.Error()})
		return
	}
	redirectURI, redirectGiven := q.Get("redirect_uri"), q.Has("redirect_uri")
	if !redirectGiven && len(client.RedirectURIs) == 1 {
		redirectURI = client.RedirectURIs[0]
	}
	if !redirectMatches(client.RedirectURIs, redirectURI) {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_request", "error_description": "missing or unregistered redirect_uri"})
		return
	}
	g, oerr := s.authorize(client, q)
	if oerr != nil {
		s.redirect(w, r, redirectURI, url.Values{"error": {oerr.code}, "error_description": {oerr.desc}}, q)
		return
	}
	code := newSecret()
	s.mu.Lock()
	s.codes[code] = &codeGrant{
		grant:         g,
		redirectURI:   redirectURI,
		redirectGiven: redirectGiven,
		challenge:     q.Get("code_challenge"),
		expires:       s.clock().Add(codeLifetime),
	}
	s.mu.Unlock()
	s.redirect(w, r, redirectURI, url.Values{"code": {code}}, q)
}

// authorize validates an authorization request from a known client with a
// valid redirect URI and returns the consented grant.
func (s *Server) authorize(client Client, q url.Values) (grant, *oauthError) {
	switch rt := q.Get("response_type"); {
	case rt == "":
		return grant{}, &oauthError{"invalid_request", "response_type is required"}
	case rt != responseTypeCode:
		return grant{}, &oauthError{"unsupported_response_type", "only response_type=code is supported"}
	}
	if !slices.Contains(client.GrantTypes, grantAuthCode) {
		return grant{}, &oauthError{"unauthorized_client", "client may not use the authorization code grant"}
	}
	if q.Get("code_challenge") == "" {
		return grant{}, &oauthError{"invalid_request", "PKCE code_challenge is required"}
	}
	if q.Get("code_challenge_method") != "S256" {
		return grant{}, &oauthError{"invalid_request", "code_challenge_method must be S256"}
	}
	if !validChallenge(q.Get("code_challenge")) {
		return grant{}, &oauthError{"invalid_request", "code_challenge must be 43 base64url characters"}
	}
	scopes, ok := parseScope(q.Get("scope"))
	if !ok {
		return grant{}, &oauthError{"invalid_scope", "malformed scope"}
	}
	resources := q["resource"]
	if !validResources(resources) {
		return grant{}, &oauthError{"invalid_target", "resource must be an absolute URI without a fragment"}
	}
	s.mu.Lock()
	deny, userID := s.denyConsent, s.user.ID
	s.mu.Unlock()
	if deny {
		return grant{}, &oauthError{"access_denied", "the user denied the request"}
	}
	return grant{
		id:        newID("authorization_grant"),
		clientID:  client.ID,
		userID:    userID,
		scopes:    scopes,
		resources: slices.Clone(resources),
	}, nil
}

// redirect sends the authorization response: a 302 to redirectURI with
// params, the request's state and the issuer (RFC 9207 iss, which lets the
// client tell this server's answers from another's).
func (s *Server) redirect(w http.ResponseWriter, r *http.Request, redirectURI string, params, q url.Values) {
	u, err := url.Parse(redirectURI)
	if err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_request", "error_description": "invalid redirect_uri"})
		return
	}
	v := u.Query()
	for k, vs := range params {
		v[k] = vs
	}
	if q.Has("state") {
		v.Set("state", q.Get("state"))
	}
	v.Set("iss", s.url)
	u.RawQuery = v.Encode()
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, u.String(), http.StatusFound)
}

func validChallenge(c string) bool {
	if len(c) != 43 {
		return false
	}
	_, err := base64.RawURLEncoding.DecodeString(c)
	return err == nil
}

// validVerifier checks RFC 7636 §4.1: 43–128 unreserved characters.
func validVerifier(v string) bool {
	if len(v) < 43 || len(v) > 128 {
		return false
	}
	for _, c := range []byte(v) {
		switch {
		case 'A' <= c && c <= 'Z', 'a' <= c && c <= 'z', '0' <= c && c <= '9',
			c == '-', c == '.', c == '_', c == '~':
		default:
			return false
		}
	}
	return true
}

// parseScope splits a space-separated scope (RFC 6749 §3.3).
func parseScope(s string) ([]string, bool) {
	if s == "" {
		return nil, true
	}
	var out []string
	for _, tok := range strings.Split(s, " ") {
		if tok == "" {
			continue
		}
		for _, c := range []byte(tok) {
			if c < 0x21 || c == 0x22 || c == 0x5c || c > 0x7e {
				return nil, false
			}
		}
		if !slices.Contains(out, tok) {
			out = append(out, tok)
		}
	}
	return out, true
}

func validResources(rs []string) bool {
	for _, raw := range rs {
		u, err := url.Parse(raw)
		if err != nil || !u.IsAbs() || u.Fragment != "" || strings.Contains(raw, "#") {
			return false
		}
	}
	return true
}

func subset(sub, of []string) bool {
	for _, v := range sub {
		if !slices.Contains(of, v) {
			return false
		}
	}
	return true
}

// tokenError writes an RFC 6749 §5.2 error.
func tokenError(w http.ResponseWriter, status int, code, desc string) {
	w.Header().Set("Pragma", "no-cache")
	writeJSON(w, status, map[string]string{"error": code, "error_description": desc})
}

// authenticateClient authenticates the client of a token or introspection
// request: HTTP Basic (client_secret_basic), client_id + client_secret in
// the form (client_secret_post), or client_id alone for a public client.
func (s *Server) authenticateClient(w http.ResponseWriter, r *http.Request) (Client, bool) {
	id, secret, basic := r.BasicAuth()
	if basic {
		var err1, err2 error
		id, err1 = url.QueryUnescape(id)
		secret, err2 = url.QueryUnescape(secret)
		if err1 != nil || err2 != nil || r.PostForm.Has("client_secret") {
			tokenError(w, http.StatusBadRequest, "invalid_request", "malformed client authentication")
			return Client{}, false
		}
	} else {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	c, err := s.client(r.Context(), id)
	ok := err == nil
	if ok && !c.public() && !constantTimeEqual(secret, c.Secret) {
		ok = false
	}
	if !ok {
		if basic {
			w.Header().Set("WWW-Authenticate", `Basic realm="authkittest"`)
		}
		tokenError(w, http.StatusUnauthorized, "invalid_client", "client authentication failed")
		return Client{}, false
	}
	if basic && r.PostForm.Has("client_id") && r.PostForm.Get("client_id") != id {
		tokenError(w, http.StatusBadRequest, "invalid_request", "client_id does not match the authenticated client")
		return Client{}, false
	}
	return c, true
}

func (s *Server) handleToken(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxBody)
	if err := r.ParseForm(); err != nil {
		tokenError(w, http.StatusBadRequest, "invalid_request", "body must be application/x-www-form-urlencoded")
		return
	}
	client, ok := s.authenticateClient(w, r)
	if !ok {
		return
	}
	gt := r.PostForm.Get("grant_type")
	switch {
	case gt == "":
		tokenError(w, http.StatusBadRequest, "invalid_request", "grant_type is required")
	case gt != grantAuthCode && gt != grantRefresh:
		tokenError(w, http.StatusBadRequest, "unsupported_grant_type", "unsupported grant_type")
	case !slices.Contains(client.GrantTypes, gt):
		tokenError(w, http.StatusBadRequest, "unauthorized_client", "client may not use this grant type")
	case gt == grantAuthCode:
		s.redeemCode(w, r, client)
	default:
		s.redeemRefresh(w, r, client)
	}
}

func (s *Server) redeemCode(w http.ResponseWriter, r *http.Request, client Client) {
	f := r.PostForm
	code := f.Get("code")
	s.mu.Lock()
	cg, ok := s.codes[code]
	if ok {
		// One attempt per code, successful or not.
		delete(s.codes, code)
		s.usedCodes[code] = cg.id
	} else if gid, used := s.usedCodes[code]; used {
		s.revokeGrantLocked(gid) // replay: revoke what the code produced (RFC 6749 §4.1.2)
	}
	now := s.clock()
	s.mu.Unlock()
	switch {
	case !ok:
		tokenError(w, http.StatusBadRequest, "invalid_grant", "invalid, expired or used authorization code")
		return
	case cg.clientID != client.ID:
		tokenError(w, http.StatusBadRequest, "invalid_grant", "authorization code was issued to another client")
		return
	case !now.Before(cg.expires):
		tokenError(w, http.StatusBadRequest, "invalid_grant", "invalid, expired or used authorization code")
		return
	case cg.redirectGiven && f.Get("redirect_uri") != cg.redirectURI:
		tokenError(w, http.StatusBadRequest, "invalid_grant", "redirect_uri does not match the authorization request")
		return
	}
	verifier := f.Get("code_verifier")
	if verifier == "" {
		tokenError(w, http.StatusBadRequest, "invalid_request", "code_verifier is required")
		return
	}
	sum := sha256.Sum256([]byte(verifier))
	if !validVerifier(verifier) || !constantTimeEqual(base64.RawURLEncoding.EncodeToString(sum[:]), cg.challenge) {
		tokenError(w, http.StatusBadRequest, "invalid_grant", "PKCE verification failed")
		return
	}
	aud, oerr := s.audience(f["resource"], cg.resources)
	if oerr != nil {
		tokenError(w, http.StatusBadRequest, oerr.code, oerr.desc)
		return
	}
	s.issue(w, cg.grant, aud, cg.scopes)
}

// audience decides the access token's aud from the token request's
// resources and the granted ones (RFC 8707): the requested subset, else
// the granted resources, else the environment client id.
func (s *Server) audience(requested, granted []string) ([]string, *oauthError) {
	if !validResources(requested) {
		return nil, &oauthError{"invalid_target", "resource must be an absolute URI without a fragment"}
	}
	if len(requested) > 0 {
		if len(granted) > 0 && !subset(requested, granted) {
			return nil, &oauthError{"invalid_target", "resource was not part of the authorization"}
		}
		return slices.Compact(slices.Clone(requested)), nil
	}
	if len(granted) > 0 {
		return slices.Clone(granted), nil
	}
	return []string{s.clientID}, nil
}

func (s *Server) redeemRefresh(w http.ResponseWriter, r *http.Request, client Client) {
	f := r.PostForm
	old := f.Get("refresh_token")
	s.mu.Lock()
	rg, ok := s.refresh[old]
	if !ok {
		if gid, used := s.usedRefresh[old]; used {
			s.revokeGrantLocked(gid) // replay of a rotated token
		}
	}
	s.mu.Unlock()
	if !ok || rg.clientID != client.ID {
		tokenError(w, http.StatusBadRequest, "invalid_grant", "invalid refresh token")
		return
	}
	scopes := rg.scopes
	if f.Has("scope") {
		req, valid := parseScope(f.Get("scope"))
		if !valid || !subset(req, rg.scopes) {
			tokenError(w, http.StatusBadRequest, "invalid_scope", "scope exceeds the original grant")
			return
		}
		scopes = req
	}
	aud, oerr := s.audience(f["resource"], rg.resources)
	if oerr != nil {
		tokenError(w, http.StatusBadRequest, oerr.code, oerr.desc)
		return
	}
	s.mu.Lock()
	if _, still := s.refresh[old]; !still {
		// A concurrent refresh rotated it first.
		s.mu.Unlock()
		tokenError(w, http.StatusBadRequest, "invalid_grant", "invalid refresh token")
		return
	}
	delete(s.refresh, old)
	s.usedRefresh[old] = rg.id
	s.mu.Unlock()
	s.issue(w, rg.grant, aud, scopes)
}

// revokeGrantLocked deletes every refresh token of grant gid.
func (s *Server) revokeGrantLocked(gid string) {
	for tok, rg := range s.refresh {
		if rg.id == gid {
			delete(s.refresh, tok)
		}
	}
}

type tokenResponse struct {
	AccessToken  string `json:"access_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int64  `json:"expires_in"`
	RefreshToken string `json:"refresh_token,omitempty"`
	Scope        string `json:"scope,omitempty"`
	IDToken      string `json:"id_token,omitempty"`
}

// issue signs an access token (and an ID token when openid was granted),
// stores a new refresh token and writes the token response.
func (s *Server) issue(w http.ResponseWriter, g grant, aud, scopes []string) {
	s.mu.Lock()
	now, ttl, key := s.clock(), s.accessTTL, s.signing
	u, ok := s.users[g.userID]
	if !ok {
		u = User{ID: g.userID}
	}
	u = u.clone()
	s.mu.Unlock()

	claims := s.accessClaims(u, aud, scopes, g.clientID, g.id, now, ttl)
	header := map[string]any{"alg": AlgRS256, "typ": "JWT", "kid": key.ID()}
	access, err := signJWT(header, claims, AlgRS256, key, nil)
	if err != nil {
		tokenError(w, http.StatusInternalServerError, "server_error", "could not issue a token")
		return
	}
	resp := tokenResponse{
		AccessToken:  access,
		TokenType:    "Bearer",
		ExpiresIn:    int64(ttl / time.Second),
		RefreshToken: newSecret(),
		Scope:        strings.Join(scopes, " "),
	}
	if slices.Contains(scopes, "openid") {
		idc := map[string]any{
			"iss": s.url, "sub": u.ID, "aud": g.clientID, "sid": g.id,
			"iat": now.Unix(), "exp": now.Add(ttl).Unix(),
		}
		if slices.Contains(scopes, "email") && u.Email != "" {
			idc["email"], idc["email_verified"] = u.Email, u.EmailVerified
		}
		if slices.Contains(scopes, "profile") {
			profileClaims(u, idc)
		}
		if resp.IDToken, err = signJWT(header, idc, AlgRS256, key, nil); err != nil {
			tokenError(w, http.StatusInternalServerError, "server_error", "could not issue a token")
			return
		}
	}
	g.scopes = slices.Clone(g.scopes) // refresh keeps the original grant's scopes
	s.mu.Lock()
	s.refresh[resp.RefreshToken] = &refreshGrant{grant: g}
	s.issued[claims["jti"].(string)] = g.clientID
	s.mu.Unlock()
	w.Header().Set("Pragma", "no-cache")
	writeJSON(w, http.StatusOK, resp)
}

func profileClaims(u User, m map[string]any) {
	if u.FirstName != "" {
		m["given_name"] = u.FirstName
	}
	if u.LastName != "" {
		m["family_name"] = u.LastName
	}
	if name := strings.TrimSpace(u.FirstName + " " + u.LastName); name != "" {
		m["name"] = name
	}
}

func (s *Server) handleIntrospection(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxBody)
	if err := r.ParseForm(); err != nil {
		tokenError(w, http.StatusBadRequest, "invalid_request", "body must be application/x-www-form-urlencoded")
		return
	}
	client, ok := s.authenticateClient(w, r)
	if !ok {
		return
	}
	if client.public() {
		tokenError(w, http.StatusUnauthorized, "invalid_client", "introspection needs a confidential client")
		return
	}
	token := r.PostForm.Get("token")
	if token == "" {
		tokenError(w, http.StatusBadRequest, "invalid_request", "token is required")
		return
	}
	claims, err := s.verify(token)
	if err != nil {
		writeJSON(w, http.StatusOK, map[string]any{"active": false})
		return
	}
	out := map[string]any{"active": true}
	for _, k := range []string{"iss", "sub", "aud", "iat", "exp", "sid", "jti", "org_id", "scope"} {
		if v, ok := claims[k]; ok {
			out[k] = v
		}
	}
	jti, _ := claims["jti"].(string)
	s.mu.Lock()
	cid, ok := s.issued[jti]
	s.mu.Unlock()
	if !ok {
		cid, _ = claims["client_id"].(string) // a minted token
	}
	if cid == "" {
		cid = s.clientID
	}
	out["client_id"] = cid
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) handleUserinfo(w http.ResponseWriter, r *http.Request) {
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
		w.Header().Set("WWW-Authenticate", `Bearer realm="authkittest"`)
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_request", "error_description": "bearer token required"})
		return
	}
	claims, err := s.verify(token)
	if err != nil {
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_token", "error_description": "invalid or expired token"})
		return
	}
	sub, _ := claims["sub"].(string)
	out := map[string]any{"sub": sub}
	s.mu.Lock()
	u, ok := s.users[sub]
	s.mu.Unlock()
	if ok {
		if u.Email != "" {
			out["email"], out["email_verified"] = u.Email, u.EmailVerified
		}
		profileClaims(u, out)
	}
	writeJSON(w, http.StatusOK, out)
}
