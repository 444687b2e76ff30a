package remote

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"reflect"
	"slices"
	"time"
	"unicode/utf8"
)

// Middleware returns the bearer-token middleware for the MCP endpoint.
//
// For each request it: answers an OPTIONS preflight with CORS headers before
// any authentication; refuses a token in the URL (400 invalid_request);
// reads the token from the one Authorization header (missing → 401
// challenge without error code; malformed → 400 invalid_request); verifies
// it and checks its audience (rejected → 401 invalid_token; verifier
// unavailable → 503 with Retry-After); checks RequiredScopes (403
// insufficient_scope), then RequestCheck; for a POST with ToolScopes, PromptScopes, ToolCheck
// or CallCheck configured, reads what the body's tools/call, prompts/get
// and resources/read requests name, checks the MCP request headers against
// it (400 JSON-RPC HeaderMismatch, see Config.ToolScopes), then the calls'
// scopes, ToolCheck and CallCheck (403 insufficient_scope naming every
// needed scope). On success it calls next with the verified [Identity] in
// the request context ([IdentityFromContext]), valid until next returns.
// Every rejection (400/401/403/413/503), and every response to a request
// carrying an Origin header (all browser cross-origin requests), carries
// Access-Control-Allow-Origin: * and exposes WWW-Authenticate and
// Mcp-Session-Id.
func (p *Provider) Middleware(next http.Handler) http.Handler {
	mustNotBeSDKHandler(next)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.serve(w, r, next, p.challenges, true)
	})
}

// RequireScopes returns a middleware that requires scopes on top of
// RequiredScopes, for a sub-route. Behind this provider's middleware (the
// request context holds an identity p verified) it only checks the extra
// scopes; otherwise, used alone or behind another provider, it
// authenticates the request first, exactly like Middleware but without
// tool checks. A missing scope is answered 403 insufficient_scope
// naming RequiredScopes and scopes. Scopes that are not valid RFC 6749 scope
// tokens can never be satisfied, so such a route always answers 403.
func (p *Provider) RequireScopes(scopes ...string) func(http.Handler) http.Handler {
	extra := slices.Clone(scopes)
	set := p.newChallengeSet(bearerUnion(p.required, extra))
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if id, err := p.Identity(r.Context()); err == nil && r.Method != http.MethodOptions {
				info := id.info
				if p.satisfied(info.Scopes, extra) {
					next.ServeHTTP(w, r)
					return
				}
				var start time.Time
				if p.onDecision != nil {
					start = p.now()
				}
				p.rejectScope(w, r, start, info, "", "", set.need, &set.scope)
				return
			}
			p.serve(w, r, next, set, false)
		})
	}
}

// serve authenticates r and calls next or writes the rejection. set holds
// the scopes the route needs (RequiredScopes plus a sub-route's) and the
// challenges naming them.
func (p *Provider) serve(w http.ResponseWriter, r *http.Request, next http.Handler, set *challengeSet, tools bool) {
	if r.Method == http.MethodOptions {
		p.preflight(w, r)
		return
	}
	var start time.Time
	if p.onDecision != nil {
		start = p.now()
	}
	// Browsers send Origin on every cross-origin request; only they read
	// CORS headers. Rejections always carry them (see write), whatever the
	// request, so a browser client can read every challenge.
	if _, browser := r.Header["Origin"]; browser {
		h := w.Header()
		h["Access-Control-Allow-Origin"] = corsAllowOrigin
		h["Access-Control-Expose-Headers"] = corsExposeHeaders
	}

	if r.URL.RawQuery != "" && bearerHasQueryToken(r.URL.RawQuery) {
		p.reject(w, r, start, Decision{Outcome: OutcomeInvalidRequest, Reason: "token_in_query", Err: ErrInvalidRequest}, set.query, "")
		return
	}
	tok, st := bearerParse(r.Header["Authorization"], p.maxToken)
	switch st {
	case bearerMissing:
		p.reject(w, r, start, Decision{Outcome: OutcomeMissingToken, Reason: "missing_token", Err: ErrMissingToken}, set.missing, "")
		return
	case bearerMalformed:
		p.reject(w, r, start, Decision{Outcome: OutcomeInvalidRequest, Reason: "malformed_header", Err: ErrInvalidRequest}, set.badRequest, "")
		return
	case bearerTooLarge:
		p.reject(w, r, start, Decision{Outcome: OutcomeInvalidToken, Reason: "token_too_large", Err: ErrMalformedToken}, set.invalid, "")
		return
	}

	info, verName, err := p.verify(r.Context(), tok)
	if err != nil {
		d := Decision{Err: err, Verifier: verName, Reason: decisionReason(err)}
		if errors.Is(err, ErrInvalidToken) {
			d.Outcome = OutcomeInvalidToken
			p.reject(w, r, start, d, set.invalid, tok)
		} else {
			d.Outcome = OutcomeUnavailable
			cr := p.unavailable
			cr.retryAfter = retryAfterHeader(err)
			p.reject(w, r, start, d, cr, tok)
		}
		return
	}

	need := set.need
	if !p.satisfied(info.Scopes, need) {
		p.rejectScope(w, r, start, info, verName, "", need, &set.scope)
		return
	}

	scope := p.newScope(info, verName, tok)
	if p.requestCheck != nil {
		if err := p.requestCheck(r.Context(), &scope.id); err != nil {
			p.rejectCall(w, r, start, info, verName, p.denial(err, Call{}, need, descDeniedCall), "request_denied", Call{})
			return
		}
	}
	var tool string
	if tools && p.readBody && r.Method == http.MethodPost && r.Body != nil && r.Body != http.NoBody {
		var body rpcBody
		buf, cr, reason := p.readRPC(r, &body)
		if cr != nil {
			d := Decision{Outcome: OutcomeInvalidRequest, Reason: reason, Err: ErrInvalidRequest, Verifier: verName}
			decisionFill(&d, info)
			p.reject(w, r, start, d, *cr, "")
			return
		}
		tool = firstTool(&body)
		if hp := checkMCPHeaders(r.Header, &body); hp != headersOK {
			d := Decision{Outcome: OutcomeInvalidRequest, Reason: "header_mismatch", Err: ErrHeaderMismatch, Verifier: verName, Tool: tool}
			decisionFill(&d, info)
			p.reject(w, r, start, d, p.chHeaders[hp], "")
			return
		}
		if e, reason, call := p.authorizeCalls(r.Context(), &scope.id, &body, need); e != nil {
			if p.inBand && reason != "scope" && e.Status == http.StatusForbidden {
				if cr := inBandDenial(e, call, &body, buf); cr != nil {
					p.rejectCallWith(w, r, start, info, verName, e, reason, call, *cr)
					return
				}
			}
			p.rejectCall(w, r, start, info, verName, e, reason, call)
			return
		}
	}

	if p.onDecision != nil || (p.auditLog != nil && tool != "") {
		d := Decision{Outcome: OutcomeAllowed, Verifier: verName, Tool: tool, Latency: p.now().Sub(start)}
		decisionFill(&d, info)
		p.audit(r.Context(), &d)
		if p.onDecision != nil {
			p.onDecision(r.Context(), d)
		}
	}
	serveScoped(w, r, next, scope)
}

// audit writes Config.AuditLog's line for a decision about a tools/call:
// who (issuer, subject, organization, client) called which tool, and the
// outcome. Never a token: the Decision holds none.
func (p *Provider) audit(ctx context.Context, d *Decision) {
	if p.auditLog == nil || d.Tool == "" {
		return
	}
	p.auditLog.LogAttrs(ctx, slog.LevelInfo, "mcp tools/call",
		slog.String("tool", logClip(d.Tool)),
		slog.String("outcome", string(d.Outcome)),
		slog.Int("status", d.Status),
		slog.String("reason", d.Reason),
		slog.String("iss", d.Issuer),
		slog.String("sub", d.Subject),
		slog.String("org", d.Organization),
		slog.String("client", d.ClientID),
	)
}

// firstTool returns the tool name of the first tools/call in body, or "".
func firstTool(body *rpcBody) string {
	for i := range body.n {
		if c := body.at(i).call; c.Method == MethodToolsCall {
			return c.Name
		}
	}
	return ""
}

// callScopes returns the scopes Config.ToolScopes or PromptScopes names for
// c (nil for none, and for resources).
func (p *Provider) callScopes(c Call) []string {
	switch c.Method {
	case MethodToolsCall:
		return p.toolScopes[c.Name]
	case MethodPromptsGet:
		return p.promptScopes[c.Name]
	}
	return nil
}

// authorizeCalls applies the per-call rules to the calls in body, on top
// of need (the route's scopes): first the scopes of every call (one 403
// naming every needed scope), then ToolCheck and CallCheck call by call.
// It returns nil when all are allowed; else the error to answer (Err is
// ErrInsufficientScope for missing scopes, the check's error for a
// denial), the decision reason ("scope", "tool_denied" or "call_denied")
// and the call concerned (the first call for a scope failure).
func (p *Provider) authorizeCalls(ctx context.Context, id *Identity, body *rpcBody, need []string) (*Error, string, Call) {
	info := id.info
	all, ok := need, true
	var first Call
	for i := range body.n {
		c := body.at(i).call
		if c.Method == "" {
			continue
		}
		if first.Method == "" {
			first = c
		}
		if cs := p.callScopes(c); len(cs) > 0 {
			all = bearerUnion(all, cs)
			ok = ok && p.satisfied(info.Scopes, cs)
		}
	}
	if first.Method == "" {
		return nil, "", Call{}
	}
	if !ok {
		return &Error{Status: http.StatusForbidden, Code: CodeInsufficientScope, Description: descScope, Scopes: all, Err: ErrInsufficientScope}, "scope", first
	}
	if p.toolCheck == nil && p.callCheck == nil {
		return nil, "", Call{}
	}
	for i := range body.n {
		c := body.at(i).call
		if c.Method == "" {
			continue
		}
		if c.Method == MethodToolsCall && p.toolCheck != nil {
			if err := p.toolCheck(ctx, c.Name, id); err != nil {
				return p.denial(err, c, need, descDenied), "tool_denied", c
			}
		}
		if p.callCheck != nil {
			if err := p.callCheck(ctx, c, id); err != nil {
				reason, desc := "call_denied", descDeniedCall
				if c.Method == MethodToolsCall {
					reason, desc = "tool_denied", descDenied
				}
				return p.denial(err, c, need, desc), reason, c
			}
		}
	}
	return nil, "", Call{}
}

// denial is the error answered for a ToolCheck or CallCheck error err on
// c: a returned *Error as is (defaults filled in), anything else as a 403
// insufficient_scope with desc, naming need and c's scopes. Err is err,
// joined with ErrRuleDenied when the answer is a 403.
func (p *Provider) denial(err error, c Call, need []string, desc string) *Error {
	var out *Error
	var e *Error
	if errors.As(err, &e) && e != nil {
		out = p.toError(e)
	} else {
		out = &Error{Status: http.StatusForbidden, Code: CodeInsufficientScope, Description: desc, Scopes: bearerUnion(need, p.callScopes(c))}
	}
	out.Err = err
	if out.Status == http.StatusForbidden {
		out.Err = errors.Join(ErrRuleDenied, err)
	}
	return out
}

// CheckCall applies the rules of the configuration to call for the caller
// this provider verified for ctx's request (or, behind an MCP adapter, for
// the current call), as the middleware does for a request that names it:
// RequiredScopes, RequestCheck, the call's ToolScopes or PromptScopes,
// then ToolCheck (tools/call) and CallCheck. It returns nil when the call
// is allowed, else a *Error: 401 when ctx carries no identity this
// provider verified; 403 insufficient_scope naming every scope needed when
// a scope is missing (errors.Is ErrInsufficientScope, not ErrRuleDenied);
// or a check's answer when RequestCheck, ToolCheck or CallCheck refuses
// (errors.Is the check's error, and
// ErrRuleDenied when the answer is a 403). Use it where a server decides
// about a call outside the middleware, for example to leave out of a list
// what the caller can never use: a missing scope can be granted by
// re-authorizing, a rule's refusal cannot. A call.Method other than the
// three of [Call] is an error wrapping ErrInvalidRequest.
func (p *Provider) CheckCall(ctx context.Context, call Call) error {
	switch call.Method {
	case MethodToolsCall, MethodPromptsGet, MethodResourcesRead:
	default:
		return fmt.Errorf("%w: CheckCall: method %q is not tools/call, prompts/get or resources/read", ErrInvalidRequest, call.Method)
	}
	id, err := p.Identity(ctx)
	if err != nil {
		return &Error{Status: http.StatusUnauthorized, Description: descMissing, Scopes: p.upFront, Err: err}
	}
	if !p.satisfied(id.info.Scopes, p.required) {
		return &Error{Status: http.StatusForbidden, Code: CodeInsufficientScope, Description: descScope, Scopes: bearerUnion(p.required, p.callScopes(call)), Err: ErrInsufficientScope}
	}
	if p.requestCheck != nil {
		if err := p.requestCheck(ctx, id); err != nil {
			return p.denial(err, Call{}, p.required, descDeniedCall)
		}
	}
	if e, _, _ := p.authorizeCalls(ctx, id, &rpcBody{n: 1, first: rpcMessage{call: call}}, p.required); e != nil {
		return e
	}
	return nil
}

// Reachable reports whether a call that [Provider.CheckCall] answered err
// for is one the caller can make, now or after re-authorizing: err is nil,
// or a missing scope (errors.Is ErrInsufficientScope) that no rule refused
// (not ErrRuleDenied). A list that leaves out what is not reachable hides
// only what the caller can never use and keeps what a step-up opens.
func Reachable(err error) bool {
	return err == nil || (errors.Is(err, ErrInsufficientScope) && !errors.Is(err, ErrRuleDenied))
}

// rejectCall writes the rejection e of authorizeCalls.
func (p *Provider) rejectCall(w http.ResponseWriter, r *http.Request, start time.Time, info *TokenInfo, verName string, e *Error, reason string, c Call) {
	cr := p.prepare(e)
	cr.retryAfter = retryAfterHeader(e.Err) // a rule that cannot decide now says when to ask again
	p.rejectCallWith(w, r, start, info, verName, e, reason, c, cr)
}

// rejectCallWith reports the rejection e of authorizeCalls and writes cr.
func (p *Provider) rejectCallWith(w http.ResponseWriter, r *http.Request, start time.Time, info *TokenInfo, verName string, e *Error, reason string, c Call, cr challengeResponse) {
	d := Decision{Outcome: decisionOutcomeFor(e), Reason: reason, Err: e.Err, Verifier: verName, Scopes: e.Scopes}
	if c.Method == MethodToolsCall {
		d.Tool = c.Name
	}
	decisionFill(&d, info)
	p.reject(w, r, start, d, cr, "")
}

func decisionOutcomeFor(e *Error) Outcome {
	switch {
	case e.Status == http.StatusServiceUnavailable:
		return OutcomeUnavailable
	case e.Status == http.StatusBadRequest:
		return OutcomeInvalidRequest
	case e.Status == http.StatusUnauthorized && e.Code == "":
		return OutcomeMissingToken
	case e.Status == http.StatusUnauthorized:
		return OutcomeInvalidToken
	}
	return OutcomeInsufficientScope
}

// rejectScope writes the 403 insufficient_scope naming scopes: cr when it is
// prepared already (a route's fixed scopes), else built for these scopes (a
// tools/call's, which vary with the tools called).
func (p *Provider) rejectScope(w http.ResponseWriter, r *http.Request, start time.Time, info *TokenInfo, verName, tool string, scopes []string, cr *challengeResponse) {
	d := Decision{Outcome: OutcomeInsufficientScope, Reason: "scope", Err: ErrInsufficientScope, Verifier: verName, Tool: tool, Scopes: scopes}
	decisionFill(&d, info)
	if cr == nil {
		built := p.prepare(&Error{Status: http.StatusForbidden, Code: CodeInsufficientScope, Description: descScope, Scopes: scopes, Err: ErrInsufficientScope})
		cr = &built
	}
	p.reject(w, r, start, d, *cr, "")
}

// readRPC reads the (bounded) body, restores it for the next handler and
// reads its messages into body. It returns the body's bytes or, on
// failure, the response to write and a reason.
func (p *Provider) readRPC(r *http.Request, body *rpcBody) ([]byte, *challengeResponse, string) {
	orig := r.Body
	buf, err := bearerReadBody(orig, p.maxBody+1, r.ContentLength)
	if int64(len(buf)) > p.maxBody {
		return nil, &p.chTooLarge, "body_too_large"
	}
	if err != nil {
		return nil, &p.chBadBody, "bad_body"
	}
	r.Body = bearerBody{Reader: bytes.NewReader(buf), Closer: orig}
	if err := readRPCBody(buf, body); err != nil {
		return nil, &p.chBadBody, "bad_body"
	}
	return buf, nil, ""
}

// bearerReadBody reads at most limit bytes of body. The first buffer is
// sized from the declared Content-Length (bounded, so a client cannot make
// the server reserve memory it never sends).
func bearerReadBody(body io.Reader, limit, declared int64) ([]byte, error) {
	size := int64(512)
	if declared >= 0 {
		size = declared + 1 // +1 to see EOF without growing
	}
	size = min(size, limit, 64<<10)
	buf := make([]byte, 0, size)
	for int64(len(buf)) < limit {
		if len(buf) == cap(buf) {
			buf = slices.Grow(buf, int(min(int64(cap(buf)), limit-int64(len(buf)))))
		}
		n, err := body.Read(buf[len(buf):int(min(int64(cap(buf)), limit))])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
	return buf, nil
}

// bearerBody is a request body replayed from memory; Close closes the
// original body.
type bearerBody struct {
	io.Reader
	io.Closer
}

// preflight answers a CORS preflight request for the MCP endpoint: the
// fixed request headers of both protocol generations, plus the
// Mcp-Param-{Name} headers the preflight asks for (see corsAllowHeadersFor).
func (p *Provider) preflight(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h["Access-Control-Allow-Origin"] = corsAllowOrigin
	h["Access-Control-Allow-Methods"] = corsAllowMethods
	h["Access-Control-Allow-Headers"] = corsAllowHeadersFor(r.Header["Access-Control-Request-Headers"])
	h["Access-Control-Expose-Headers"] = corsExposeHeaders
	h["Access-Control-Max-Age"] = corsMaxAge
	h["Vary"] = corsVaryPreflight
	w.WriteHeader(http.StatusNoContent)
}

// reject reports and logs the decision, then writes cr. tok, when not
// empty, is only used to log the unverified issuer of a rejected token.
func (p *Provider) reject(w http.ResponseWriter, r *http.Request, start time.Time, d Decision, cr challengeResponse, tok string) {
	d.Status = cr.status
	p.audit(r.Context(), &d)
	if p.onDecision != nil {
		d.Latency = p.now().Sub(start)
		p.onDecision(r.Context(), d)
	}
	if p.logger != nil {
		level := rejectLevel(&d)
		attrs := []slog.Attr{
			slog.String("outcome", string(d.Outcome)),
			slog.String("reason", d.Reason),
			slog.Int("status", d.Status),
		}
		if d.Verifier != "" {
			attrs = append(attrs, slog.String("verifier", d.Verifier))
		}
		if d.Tool != "" {
			attrs = append(attrs, slog.String("tool", logClip(d.Tool)))
		}
		if d.Subject != "" {
			attrs = append(attrs, slog.String("sub", d.Subject), slog.String("iss", d.Issuer), slog.String("kid", d.KeyID))
		} else if tok != "" {
			if iss, err := multiPeekIssuer(tok); err == nil {
				attrs = append(attrs, slog.String("unverified_iss", logClip(iss)))
			}
		}
		p.logger.LogAttrs(r.Context(), level, "remote: request rejected", attrs...)
	}
	p.write(w, &cr)
}

// rejectLevel is the log level of a rejection. What every client meets in
// a normal flow is logged at debug: the first request without a token
// (discovery), an expired token (the client refreshes) and a missing
// scope (the client steps up). A token or request that should not happen
// (wrong audience, bad signature, unknown key, malformed header, a token in
// the URL, mismatched MCP headers) and a rule's refusal are logged at info,
// and a verifier that could not decide (503) at warn.
func rejectLevel(d *Decision) slog.Level {
	switch {
	case d.Outcome == OutcomeUnavailable:
		return slog.LevelWarn
	case d.Outcome == OutcomeMissingToken,
		d.Outcome == OutcomeInvalidToken && d.Reason == "expired",
		d.Outcome == OutcomeInsufficientScope && d.Reason == "scope":
		return slog.LevelDebug
	}
	return slog.LevelInfo
}

// logMaxAttr bounds client-chosen text (an unverified issuer, a tool name)
// in a log line, so a hostile client cannot inflate logs with 16 KiB values.
const logMaxAttr = 128

// logClip returns s cut to at most logMaxAttr bytes on a UTF-8 boundary,
// marked with "…" when cut.
func logClip(s string) string {
	if len(s) <= logMaxAttr {
		return s
	}
	cut := logMaxAttr
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

func decisionFill(d *Decision, info *TokenInfo) {
	if info == nil {
		return
	}
	d.Subject, d.ClientID, d.Issuer, d.KeyID = info.Subject, info.ClientID, info.Issuer, info.KeyID
	d.Organization, _ = info.Claims["org_id"].(string)
}

// bearerUnion returns a followed by the members of b not in a.
func bearerUnion(a, b []string) []string {
	out := slices.Clone(a)
	for _, s := range b {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// sdkHandlers are the MCP SDK handlers that must not sit directly behind
// the middleware, with the call that mounts each safely: go-sdk's keeps the
// first request's context for a whole session (its tools would see that
// request's identity), and neither binds its sessions to the caller
// without the adapter.
var sdkHandlers = map[string]string{
	"github.com/modelcontextprotocol/go-sdk/mcp.StreamableHTTPHandler": "gosdk.Handler(p, server, opts) (package github.com/mcpauth/mcpauth/remote/gosdk)",
	"github.com/mark3labs/mcp-go/server.StreamableHTTPServer":          "mcpgo.Handler(p, server, opts) (package github.com/mcpauth/mcpauth/remote/mcpgo)",
}

// mustNotBeSDKHandler panics, at setup like http.ServeMux.Handle, when h is
// an MCP SDK's streamable handler mounted directly: the mistake is loud and
// immediate instead of a stale identity in a tool. (A handler wrapping one
// is not recognised; its tools then get ErrNoIdentity once the request
// that opened the session has ended.)
func mustNotBeSDKHandler(h http.Handler) {
	t := reflect.TypeOf(h)
	if t == nil || t.Kind() != reflect.Pointer {
		return
	}
	if fix, ok := sdkHandlers[t.Elem().PkgPath()+"."+t.Elem().Name()]; ok {
		panic("remote: an MCP SDK handler mounted behind the bearer middleware directly loses each call's identity and leaves sessions unbound; mount the server with " + fix)
	}
}
