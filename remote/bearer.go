package remote

// This file implements the RFC 6750 bearer-token side: reading the token from
// the Authorization header and writing WWW-Authenticate challenges.

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/mcpauth/mcpauth/internal/httpx"
)

// bearerStatus is the outcome of parsing the Authorization header.
type bearerStatus uint8

const (
	bearerOK        bearerStatus = iota
	bearerMissing                // no credentials, or credentials of another scheme
	bearerMalformed              // 400 invalid_request
	bearerTooLarge               // token longer than the cap
)

// bearerParse extracts the token from the Authorization header values of a
// request. Exactly one header is allowed; the scheme is matched
// case-insensitively; one or more spaces separate it from a token68
// (RFC 7235 §2.1) of at most max bytes. Credentials of another scheme
// (e.g. Basic) count as missing: the client is told how to authenticate.
func bearerParse(values []string, max int) (string, bearerStatus) {
	switch len(values) {
	case 0:
		return "", bearerMissing
	case 1:
	default:
		return "", bearerMalformed
	}
	v := values[0]
	if strings.TrimLeft(v, " \t") == "" {
		return "", bearerMissing
	}
	sp := strings.IndexByte(v, ' ')
	scheme := v
	if sp >= 0 {
		scheme = v[:sp]
	}
	if !strings.EqualFold(scheme, "Bearer") {
		if !bearerIsToken(scheme) {
			return "", bearerMalformed
		}
		return "", bearerMissing
	}
	if sp < 0 {
		return "", bearerMalformed
	}
	tok := strings.TrimLeft(v[sp:], " ")
	if tok == "" {
		return "", bearerMalformed
	}
	if len(tok) > max {
		return "", bearerTooLarge
	}
	if !bearerIsToken68(tok) {
		return "", bearerMalformed
	}
	return tok, bearerOK
}

// bearerIsToken68 reports whether s matches
// token68 = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"=".
func bearerIsToken68(s string) bool {
	n := len(s)
	for n > 0 && s[n-1] == '=' {
		n--
	}
	if n == 0 {
		return false
	}
	return bearerToken68Chars.All(s[:n])
}

// bearerToken68Chars marks every token68 character other than the trailing
// "=" padding: ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/".
var bearerToken68Chars = httpx.NewByteSet("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~+/")

// bearerTokenChars marks the RFC 9110 tchar set.
var bearerTokenChars = httpx.NewByteSet("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!#$%&'*+-.^_`|~")

// bearerIsToken reports whether s is an RFC 9110 token (an auth-scheme).
func bearerIsToken(s string) bool {
	return s != "" && bearerTokenChars.All(s)
}

// bearerHasQueryToken reports whether the raw query carries an access_token
// parameter (RFC 6750 §2.3), which this resource refuses. Percent-encoded
// parameter names are decoded as url.ParseQuery would.
func bearerHasQueryToken(rawQuery string) bool {
	for part := range strings.SplitSeq(rawQuery, "&") {
		k, _, _ := strings.Cut(part, "=")
		if strings.ContainsAny(k, "%+") {
			if u, err := url.QueryUnescape(k); err == nil {
				k = u
			}
		}
		if k == "access_token" {
			return true
		}
	}
	return false
}

// Client-safe descriptions, one per failure class.
const (
	descMissing     = "An OAuth bearer token is required in the Authorization header"
	descMalformed   = "The Authorization header is malformed"
	descQueryToken  = "Send the access token in the Authorization header, not in the URL"
	descInvalid     = "The access token is invalid or expired"
	descScope       = "The access token lacks a required scope"
	descDenied      = "The access token does not allow this tool"
	descDeniedCall  = "The access token does not allow this request"
	descUnavailable = "Token verification is temporarily unavailable; retry later"
	descBodyTooBig  = "The request body is too large"
	descBadBody     = "The request body is not a valid JSON-RPC message"
)

// challengeResponse is a fully prepared error response.
type challengeResponse struct {
	status     int
	wwwAuth    []string // nil for 503, 413 and a JSON-RPC HeaderMismatch 400
	retryAfter []string // a 503's Retry-After; nil means Config.RetryAfter
	body       []byte
}

// CORS headers of the MCP endpoint (shared read-only slices, len == cap).
var (
	corsAllowOrigin   = []string{"*"}
	corsExposeHeaders = []string{"WWW-Authenticate, Mcp-Session-Id"}
	corsAllowMethods  = []string{"GET, POST, DELETE, OPTIONS"}
	corsAllowHeaders  = []string{corsAllowHeadersFixed}
	corsVaryPreflight = []string{"Access-Control-Request-Headers"}
	corsMaxAge        = []string{"86400"}
	hdrJSON           = []string{"application/json"}
	hdrNoStore        = []string{"no-store"}
)

// challengeHeader builds a WWW-Authenticate value. Every challenge names the
// metadata URL; code and description are omitted for a request without
// credentials (RFC 6750 §3.1). Scopes that are not valid scope-tokens and
// descriptions with characters outside RFC 6750's set are dropped or
// cleaned, so the header stays parseable.
func (p *Provider) challengeHeader(code, desc string, scopes []string) string {
	var b strings.Builder
	b.Grow(64 + len(p.metadataURL) + len(desc))
	b.WriteString(`Bearer resource_metadata="`)
	b.WriteString(p.metadataURL)
	b.WriteByte('"')
	first := true
	for _, s := range scopes {
		if !bearerValidScope(s) {
			continue
		}
		if first {
			b.WriteString(`, scope="`)
			first = false
		} else {
			b.WriteByte(' ')
		}
		b.WriteString(s)
	}
	if !first {
		b.WriteByte('"')
	}
	if code != "" {
		b.WriteString(`, error="`)
		b.WriteString(challengeClean(code))
		b.WriteByte('"')
		if desc != "" {
			b.WriteString(`, error_description="`)
			b.WriteString(challengeClean(desc))
			b.WriteByte('"')
		}
	}
	return b.String()
}

// challengeClean keeps the characters RFC 6750 allows in error and
// error_description values (%x20-21 / %x23-5B / %x5D-7E).
func challengeClean(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e || r == '"' || r == '\\' {
			return -1
		}
		return r
	}, s)
}

// challengeBody is the JSON body of an error response.
func challengeBody(code, desc string) []byte {
	b, err := json.Marshal(struct {
		Error       string `json:"error"`
		Description string `json:"error_description"`
	}{code, desc})
	if err != nil { // cannot happen for two strings
		return []byte("{}\n")
	}
	return append(b, '\n')
}

// bodyCode is the "error" member of the JSON body for e: its RFC 6750 code,
// or a descriptive one where the challenge carries none.
func bodyCode(e *Error) string {
	switch {
	case e.Code != "":
		return e.Code
	case e.Status == http.StatusServiceUnavailable:
		return "temporarily_unavailable"
	case e.Status == http.StatusUnauthorized:
		return "unauthorized"
	default:
		return "access_denied"
	}
}

func (p *Provider) prepare(e *Error) challengeResponse {
	cr := challengeResponse{status: e.Status, body: challengeBody(bodyCode(e), e.Description)}
	switch e.Status {
	case http.StatusUnauthorized, http.StatusForbidden, http.StatusBadRequest:
		cr.wwwAuth = []string{p.challengeHeader(e.Code, e.Description, e.Scopes)}
	}
	return cr
}

// challengeSet holds the prepared responses for one set of needed scopes
// (the required scopes, or those plus a route's).
type challengeSet struct {
	need       []string
	missing    challengeResponse
	badRequest challengeResponse
	query      challengeResponse
	invalid    challengeResponse
	scope      challengeResponse // 403 insufficient_scope naming need
}

// newChallengeSet prepares the responses for need. The 401 and 400
// challenges also name the scopes advertised up front (Config.ScopesUpFront).
func (p *Provider) newChallengeSet(need []string) *challengeSet {
	ask := bearerUnion(need, p.upFront)
	return &challengeSet{
		need:       need,
		missing:    p.prepare(&Error{Status: http.StatusUnauthorized, Description: descMissing, Scopes: ask}),
		badRequest: p.prepare(&Error{Status: http.StatusBadRequest, Code: CodeInvalidRequest, Description: descMalformed, Scopes: ask}),
		query:      p.prepare(&Error{Status: http.StatusBadRequest, Code: CodeInvalidRequest, Description: descQueryToken, Scopes: ask}),
		invalid:    p.prepare(&Error{Status: http.StatusUnauthorized, Code: CodeInvalidToken, Description: descInvalid, Scopes: ask}),
		scope:      p.prepare(&Error{Status: http.StatusForbidden, Code: CodeInsufficientScope, Description: descScope, Scopes: need, Err: ErrInsufficientScope}),
	}
}

// precompute prepares the responses that do not depend on the request.
func (p *Provider) precompute() {
	p.challenges = p.newChallengeSet(p.required)
	p.chTooLarge = p.prepare(&Error{Status: http.StatusRequestEntityTooLarge, Code: CodeInvalidRequest, Description: descBodyTooBig})
	p.chBadBody = p.prepare(&Error{Status: http.StatusBadRequest, Code: CodeInvalidRequest, Description: descBadBody})
	for hp := headerVersionMismatch; hp < headerProblems; hp++ {
		p.chHeaders[hp] = challengeResponse{status: http.StatusBadRequest, body: headerMismatchBody(headerMessages[hp])}
	}
	p.unavailable = p.prepare(&Error{Status: http.StatusServiceUnavailable, Description: descUnavailable})
}

// write sends a prepared response with CORS headers.
func (p *Provider) write(w http.ResponseWriter, cr *challengeResponse) {
	h := w.Header()
	h["Access-Control-Allow-Origin"] = corsAllowOrigin
	h["Access-Control-Expose-Headers"] = corsExposeHeaders
	if cr.wwwAuth != nil {
		h["Www-Authenticate"] = cr.wwwAuth
	}
	if cr.status == http.StatusServiceUnavailable {
		if cr.retryAfter != nil {
			h["Retry-After"] = cr.retryAfter
		} else {
			h["Retry-After"] = p.retryAfter
		}
	}
	h["Content-Type"] = hdrJSON
	h["Cache-Control"] = hdrNoStore
	w.WriteHeader(cr.status)
	_, _ = w.Write(cr.body)
}

// toError maps any error to the typed error the provider writes for it.
func (p *Provider) toError(err error) *Error {
	var e *Error
	if errors.As(err, &e) && e != nil {
		out := *e
		if out.Status == 0 {
			out.Status = statusFor(&out)
		}
		if out.Description == "" {
			out.Description = defaultDescription(&out)
		}
		return &out
	}
	switch {
	case errors.Is(err, ErrMissingToken):
		return &Error{Status: http.StatusUnauthorized, Description: descMissing, Scopes: p.upFront, Err: err}
	case errors.Is(err, ErrInvalidRequest):
		return &Error{Status: http.StatusBadRequest, Code: CodeInvalidRequest, Description: descMalformed, Scopes: p.upFront, Err: err}
	case errors.Is(err, ErrInvalidToken):
		return &Error{Status: http.StatusUnauthorized, Code: CodeInvalidToken, Description: descInvalid, Scopes: p.upFront, Err: err}
	case errors.Is(err, ErrInsufficientScope):
		return &Error{Status: http.StatusForbidden, Code: CodeInsufficientScope, Description: descScope, Scopes: p.required, Err: err}
	default: // ErrUnavailable and anything unknown: the server cannot decide.
		return &Error{Status: http.StatusServiceUnavailable, Description: descUnavailable, Err: err}
	}
}

func statusFor(e *Error) int {
	switch e.Code {
	case CodeInvalidRequest:
		return http.StatusBadRequest
	case CodeInsufficientScope:
		return http.StatusForbidden
	case CodeInvalidToken:
		return http.StatusUnauthorized
	}
	switch {
	case errors.Is(e.Err, ErrMissingToken), errors.Is(e.Err, ErrInvalidToken):
		return http.StatusUnauthorized
	case errors.Is(e.Err, ErrInvalidRequest):
		return http.StatusBadRequest
	case errors.Is(e.Err, ErrUnavailable):
		return http.StatusServiceUnavailable
	}
	return http.StatusForbidden
}

func defaultDescription(e *Error) string {
	switch e.Status {
	case http.StatusBadRequest:
		return descMalformed
	case http.StatusUnauthorized:
		if e.Code == "" {
			return descMissing
		}
		return descInvalid
	case http.StatusForbidden:
		return descScope
	case http.StatusServiceUnavailable:
		return descUnavailable
	case http.StatusRequestEntityTooLarge:
		return descBodyTooBig
	}
	return http.StatusText(e.Status)
}

// WriteError writes the response for err: status, WWW-Authenticate challenge
// (with resource_metadata, the scopes and, except for a request without
// credentials, the RFC 6750 error code), CORS headers and a JSON body
// {"error", "error_description"}. A *Error is written as is (a zero Status
// or Description is filled in from its Code); the sentinels map to 401
// (ErrMissingToken, no error code), 400 (ErrInvalidRequest), 401
// invalid_token (ErrInvalidToken), 403 insufficient_scope naming the
// required scopes (ErrInsufficientScope); ErrUnavailable and any other error
// give 503 with Retry-After (the error's own, for an [*UnavailableError],
// else Config.RetryAfter). The error's text is never written.
//
// The JSON body's "error" is the RFC 6750 code, or "unauthorized" (401
// without credentials) or "temporarily_unavailable" (503) where the
// challenge has none.
func (p *Provider) WriteError(w http.ResponseWriter, r *http.Request, err error) {
	e := p.toError(err)
	cr := p.prepare(e)
	cr.retryAfter = retryAfterHeader(err)
	p.write(w, &cr)
}

// retryAfterHeader is the Retry-After value err asks for, nil when none.
func retryAfterHeader(err error) []string {
	if d := retryAfterOf(err); d > 0 {
		return []string{retryAfterSeconds(d)}
	}
	return nil
}
