package remote

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/mcpauth/mcpauth/internal/httpx"
)

// Defaults for the size caps and the retry hint of [Config].
const (
	// DefaultMaxBodyBytes is the default [Config.MaxBodyBytes]: 4 MiB, the
	// go-sdk streamable handler's own default request body limit.
	DefaultMaxBodyBytes = 4 << 20
	// DefaultRetryAfter is the default [Config.RetryAfter].
	DefaultRetryAfter = 10 * time.Second
)

// Config configures a [Provider]. MCPURL, AuthorizationServers and
// Verifier are required; every other field is optional.
type Config struct {
	// MCPURL is the public URL of the MCP endpoint, as clients use it,
	// e.g. "https://mcp.example.com/mcp". Required.
	//
	// It is the one value that drives the protected resource metadata
	// "resource", the path-inserted metadata path, the resource_metadata URL
	// of every challenge and the default expected audience. The request's Host
	// header is never used, so the provider works behind reverse proxies.
	//
	// New canonicalises it: lowercase scheme and host, no default port, no
	// trailing slash. It must be absolute, with a host that is a DNS name or
	// an IP address, must not carry userinfo, a query, a fragment or dot
	// segments, and must use https unless the host is a loopback host
	// ("localhost", 127.0.0.0/8 or ::1), which may use http for development.
	MCPURL string

	// AuthorizationServers lists the issuer URLs of the authorization servers
	// whose tokens the server accepts. Required, at least one. Each must be an
	// absolute https URL (http on a loopback host) without userinfo, query or
	// fragment and is published
	// byte-for-byte as given: it must be identical to the "issuer" of the
	// server's metadata (a trailing slash counts), or strict clients abort.
	// Clients use the first one.
	AuthorizationServers []string

	// Verifier checks bearer tokens. Required.
	Verifier TokenVerifier

	// VerifierName names the verifier in [Decision.Verifier]. Default: for a
	// [*MultiIssuer], the issuer the token was routed to; otherwise the Go
	// type of Verifier (e.g. "remote.TokenVerifierFunc").
	VerifierName string

	// ScopesSupported is published as the metadata's "scopes_supported": the
	// minimal set of scopes a client should request for basic use. Default:
	// RequiredScopes; the field is omitted when both are empty. Published as
	// given, so "offline_access" appears only if you list it here.
	ScopesSupported []string

	// RequiredScopes must all be granted to every token (checked with
	// ScopeSatisfied) and are named in every challenge's "scope". Default:
	// none. "offline_access" is rejected: it is not a resource scope.
	RequiredScopes []string

	// ToolScopes maps an MCP tool name to the scopes a tools/call request
	// for it needs, on top of RequiredScopes. The middleware reads the
	// JSON-RPC body of POST requests (bounded by MaxBodyBytes and
	// restored for the next handler) only when ToolScopes, PromptScopes,
	// ToolCheck or CallCheck is set, and answers 403 insufficient_scope
	// naming every needed scope before the MCP handler runs, so clients can
	// step up. Default: none.
	//
	// When it reads the body, the middleware also checks the MCP request
	// headers against it: Mcp-Method and Mcp-Name, when present (required
	// for 2026-07-28 requests), must agree with the body's method and name
	// (Base64-sentinel values decoded), and MCP-Protocol-Version with the
	// body's params._meta version. A mismatch is answered 400 with a
	// JSON-RPC HeaderMismatch error (code -32020, no id) before any rule or
	// tool runs, so a component that trusts the headers can never act on
	// another tool than the one whose rules were applied.
	ToolScopes map[string][]string

	// ToolCheck, when set, is called for every tools/call request after the
	// scope checks, with the tool name and the verified identity. A nil error
	// lets the call through. A returned *Error is written as is (use Status
	// 403 and Code "insufficient_scope" for a step-up); any other error is
	// answered with a generic 403 insufficient_scope naming the tool's
	// scopes. Its text never reaches the client. Default: nil.
	ToolCheck func(ctx context.Context, tool string, id *Identity) error

	// PromptScopes maps an MCP prompt name to the scopes a prompts/get
	// request for it needs, on top of RequiredScopes, exactly like
	// ToolScopes for tools. Default: none.
	PromptScopes map[string][]string

	// RequestCheck, when set, is called for every request the middleware
	// lets through (and by [Provider.CheckCall]) after the RequiredScopes
	// check and before any per-call rule, with the verified identity: a
	// rule for the whole endpoint (an organization, a membership) rather
	// than for one tool. Its errors are answered like ToolCheck's (an
	// *Error as is, so a 503 for a rule that cannot decide now; anything
	// else a generic 403 insufficient_scope). Default: nil.
	RequestCheck func(ctx context.Context, id *Identity) error

	// CallCheck, when set, is called for every tools/call, prompts/get and
	// resources/read request after the scope checks (and after ToolCheck
	// for a tools/call), with what the request names and the verified
	// identity; its errors are answered like ToolCheck's. It is the one rule
	// for all three methods, and the only one for resources: a resource URI
	// reaches the server in many spellings and through URI templates, so
	// match it in code (parse, normalise, compare prefixes), never with an
	// exact-string table. Default: nil.
	CallCheck func(ctx context.Context, call Call, id *Identity) error

	// ScopesUpFront advertises, before any call, every scope a call through
	// the middleware can need: RequiredScopes followed by every scope of
	// ToolScopes and PromptScopes (by tool, then prompt name). They are
	// added to the metadata's "scopes_supported" and named in the "scope"
	// of every 401 and 400 challenge, so a client that asks for what the
	// first challenge names (go-sdk's and the TypeScript clients do) holds
	// every tool's scopes from its first sign-in and never needs a step-up.
	// That is for clients that cannot step up: the TypeScript SDK 1.x,
	// holding a refresh token, answers a 403 insufficient_scope with a
	// refresh, which cannot widen a grant, and gives up. 403 challenges
	// still name exactly what the call lacks, for clients that step up
	// (go-sdk's client, the TypeScript client 2.x) and for users who
	// declined a scope at consent.
	//
	// The trade-off is least privilege: every token asks for, and (unless
	// the user or the authorization server narrows it) carries, the
	// scopes of the most powerful tool, also for a session that never
	// calls it, so a leaked token can do more. Keep it off when your
	// clients step up. Scopes a ToolCheck or CallCheck names in its own
	// *Error, and those of RequireScopes routes, are not known up front.
	// Default false: the first challenge names RequiredScopes only.
	ScopesUpFront bool

	// InBandRuleDenials answers a rule's refusal of a call (ToolCheck or
	// CallCheck answered 403: errors.Is ErrRuleDenied, a permission or a
	// role) inside MCP instead of with HTTP 403: status 200 and, for a
	// tools/call, a tool result with isError true, or, for a prompts/get
	// or a resources/read (which have no error results), a JSON-RPC error
	// with code -32602. The text is the refusal's client-safe
	// description, or one saying that signing in again does not help.
	// A 403 insufficient_scope makes clients re-run OAuth (go-sdk's and the
	// TypeScript clients do), which cannot change a permission, and hides
	// the refusal from the model; an error result tells the model, which
	// can tell the user. A missing scope is still a 403, so clients can
	// step up. A request this cannot answer for one id (a 2025-03-26
	// batch, or a message without a string or number id) still gets the
	// 403. With it on, a check cannot ask for a step-up with its own 403
	// *Error: name such scopes in ToolScopes or PromptScopes. The decision
	// reports Status 200. Default false: a 403.
	InBandRuleDenials bool

	// ScopeSatisfied reports whether the granted scopes satisfy one required
	// scope. Use it for scope hierarchies, where a broad scope implies
	// narrower ones (e.g. "files" implies "files:read"). It must be fast and
	// safe for concurrent use. Default (nil): exact match.
	ScopeSatisfied func(granted []string, required string) bool

	// Audiences are the audiences a token must carry at least one of
	// (RFC 8707, MCP authorization: tokens must be issued for this server).
	// A single trailing slash difference is tolerated. Default: the
	// canonical MCPURL.
	Audiences []string

	// InsecureSkipAudienceCheck disables the provider's audience check on
	// TokenInfo.Audiences. The provider checks the audience even when the
	// verifier already did (defense in depth). Set it only when the
	// verifier enforces the audience itself in a way TokenInfo cannot show;
	// a server that accepts tokens issued for other resources MUST NOT be
	// exposed to clients. Default: false.
	InsecureSkipAudienceCheck bool

	// ResourceName is the optional human-readable "resource_name".
	ResourceName string
	// ResourceDocumentation is the optional "resource_documentation" URL
	// (absolute http(s)).
	ResourceDocumentation string

	// RetryAfter is sent in the Retry-After header of 503 responses when the
	// verifier is unavailable and does not say itself when to retry (an
	// [*UnavailableError] does: the JWT verifier's backoff and unknown-kid
	// budget), rounded up to whole seconds. Default: [DefaultRetryAfter]
	// (10 s).
	RetryAfter time.Duration

	// MaxTokenBytes caps the length of a bearer token in bytes; a longer
	// token is answered 401 invalid_token without reaching the verifier.
	// Default: [DefaultMaxTokenBytes] (16 KiB).
	MaxTokenBytes int

	// MaxBodyBytes caps the request body the middleware reads to find what
	// tools/call, prompts/get and resources/read requests name (only when
	// ToolScopes, PromptScopes, ToolCheck, CallCheck or AuditLog is set).
	// A larger body is answered 413, since what it calls cannot be checked.
	// Default: [DefaultMaxBodyBytes] (4 MiB).
	MaxBodyBytes int64

	// OnDecision, when set, is called once for every request the middleware
	// decides on (not for CORS preflights), after the decision and before
	// the next handler runs, with the request's context (for a trace span
	// already on it). Use it to feed metrics or traces (package otelauth
	// does both); it must be fast and safe for concurrent use. Default:
	// nil.
	OnDecision func(ctx context.Context, d Decision)

	// AuditLog, when set, receives one line ("mcp tools/call", level info)
	// per tools/call request the middleware decides on, allowed or not:
	// the tool, the outcome, status and reason, and who called it (issuer,
	// subject, organization, client id), never a token. It makes the
	// middleware read tools/call bodies (and check the MCP request headers
	// against them) even without per-call rules. Of a batch, the first
	// tools/call is named. Default: nil.
	AuditLog *slog.Logger

	// Logger receives one line per rejected request, with the failure class
	// and non-secret token metadata only: at debug for what every client
	// meets in a normal flow (no token yet, an expired token, a missing
	// scope before a step-up), at info for other refusals, at warn when
	// the verifier could not decide (503). Default: nil, silent.
	Logger *slog.Logger

	// Now is the clock used to measure [Decision.Latency]. Default: time.Now.
	Now func() time.Time
}

// Provider is an OAuth 2.0 protected resource in front of an MCP endpoint.
// Create it with [New]; it is safe for concurrent use.
type Provider struct {
	mcpURL      string // canonical
	origin      string // scheme://host[:port] of mcpURL
	mcpPath     string // escaped path of mcpURL, "" at the root
	metadataURL string // path-inserted PRM URL
	metaPath    string // path of metadataURL
	verifier    TokenVerifier
	multi       *MultiIssuer
	verName     string

	required       []string
	toolScopes     map[string][]string
	promptScopes   map[string][]string
	toolCheck      func(context.Context, string, *Identity) error
	requestCheck   func(context.Context, *Identity) error
	callCheck      func(context.Context, Call, *Identity) error
	scopeSatisfied func([]string, string) bool
	upFront        []string // the scopes of 401 and 400 challenges: RequiredScopes, or all of them (ScopesUpFront)
	inBand         bool     // Config.InBandRuleDenials
	audiences      []string
	skipAudience   bool
	readBody       bool
	maxToken       int
	maxBody        int64

	onDecision func(context.Context, Decision)
	auditLog   *slog.Logger
	logger     *slog.Logger
	now        func() time.Time

	endedWarned atomic.Bool // see warnEnded

	// Precomputed responses.
	challenges  *challengeSet // for RequiredScopes
	chTooLarge  challengeResponse
	chBadBody   challengeResponse
	chHeaders   [headerProblems]challengeResponse
	unavailable challengeResponse
	retryAfter  []string

	prmPath []byte // PRM document served at the path-inserted URL
	prmRoot []byte // PRM document served at the root
}

// New validates cfg and returns a Provider.
func New(cfg Config) (*Provider, error) {
	if cfg.MCPURL == "" {
		return nil, errors.New("remote: Config.MCPURL is required: set it to the public URL of the MCP endpoint, e.g. https://mcp.example.com/mcp")
	}
	canon, origin, path, err := httpx.CanonicalResourceURL(cfg.MCPURL)
	if err != nil {
		return nil, fmt.Errorf("remote: Config.MCPURL %q %w", httpx.RedactUserinfo(cfg.MCPURL), err)
	}
	if len(cfg.AuthorizationServers) == 0 {
		return nil, errors.New("remote: Config.AuthorizationServers is required: set it to the issuer URL of your authorization server, exactly as its metadata's \"issuer\"")
	}
	for i, as := range cfg.AuthorizationServers {
		if _, err := httpx.CheckURL(as, httpx.IdentifierURL); err != nil {
			return nil, fmt.Errorf("remote: Config.AuthorizationServers[%d] %q %w", i, httpx.RedactUserinfo(as), err)
		}
	}
	if cfg.Verifier == nil {
		return nil, errors.New("remote: Config.Verifier is required: set it to a token verifier (a JWT or introspection verifier, or a TokenVerifierFunc)")
	}
	if cfg.ResourceDocumentation != "" {
		if _, err := httpx.CheckURL(cfg.ResourceDocumentation, httpx.PageURL); err != nil {
			return nil, fmt.Errorf("remote: Config.ResourceDocumentation %q %w", httpx.RedactUserinfo(cfg.ResourceDocumentation), err)
		}
	}
	if err := prmCheckScopes("RequiredScopes", cfg.RequiredScopes); err != nil {
		return nil, err
	}
	if slices.Contains(cfg.RequiredScopes, "offline_access") {
		return nil, errors.New("remote: Config.RequiredScopes must not contain offline_access: it asks for a refresh token, not access to this resource")
	}
	if err := prmCheckScopes("ScopesSupported", cfg.ScopesSupported); err != nil {
		return nil, err
	}
	toolScopes, err := checkNameScopes("ToolScopes", "tool", cfg.ToolScopes)
	if err != nil {
		return nil, err
	}
	promptScopes, err := checkNameScopes("PromptScopes", "prompt", cfg.PromptScopes)
	if err != nil {
		return nil, err
	}
	for i, a := range cfg.Audiences {
		if a == "" {
			return nil, fmt.Errorf("remote: Config.Audiences[%d] is empty", i)
		}
	}
	if cfg.MaxTokenBytes < 0 || cfg.MaxBodyBytes < 0 || cfg.RetryAfter < 0 {
		return nil, errors.New("remote: Config.MaxTokenBytes, MaxBodyBytes and RetryAfter must not be negative")
	}

	p := &Provider{
		mcpURL:         canon,
		origin:         origin,
		mcpPath:        path,
		metaPath:       wellKnownPRM + path,
		verifier:       cfg.Verifier,
		verName:        cfg.VerifierName,
		required:       slices.Clone(cfg.RequiredScopes),
		toolScopes:     toolScopes,
		promptScopes:   promptScopes,
		toolCheck:      cfg.ToolCheck,
		requestCheck:   cfg.RequestCheck,
		callCheck:      cfg.CallCheck,
		scopeSatisfied: cfg.ScopeSatisfied,
		inBand:         cfg.InBandRuleDenials,
		audiences:      slices.Clone(cfg.Audiences),
		skipAudience:   cfg.InsecureSkipAudienceCheck,
		maxToken:       cfg.MaxTokenBytes,
		maxBody:        cfg.MaxBodyBytes,
		onDecision:     cfg.OnDecision,
		auditLog:       cfg.AuditLog,
		logger:         cfg.Logger,
		now:            cfg.Now,
	}
	p.metadataURL = origin + p.metaPath
	p.readBody = len(toolScopes) > 0 || len(promptScopes) > 0 || cfg.ToolCheck != nil || cfg.CallCheck != nil || cfg.AuditLog != nil
	if m, ok := cfg.Verifier.(*MultiIssuer); ok {
		p.multi = m
	}
	if p.verName == "" {
		p.verName = strings.TrimPrefix(fmt.Sprintf("%T", cfg.Verifier), "*")
	}
	if len(p.audiences) == 0 {
		p.audiences = []string{canon}
	}
	if p.maxToken == 0 {
		p.maxToken = DefaultMaxTokenBytes
	}
	if p.maxBody == 0 {
		p.maxBody = DefaultMaxBodyBytes
	}
	if p.now == nil {
		p.now = time.Now
	}
	ra := cfg.RetryAfter
	if ra == 0 {
		ra = DefaultRetryAfter
	}
	p.retryAfter = []string{strconv.FormatInt(int64((ra+time.Second-1)/time.Second), 10)}

	supported := cfg.ScopesSupported
	if supported == nil {
		supported = cfg.RequiredScopes
	}
	p.upFront = p.required
	if cfg.ScopesUpFront {
		p.upFront = allCallScopes(p.required, toolScopes, promptScopes)
		supported = bearerUnion(supported, p.upFront)
	}
	p.prmPath, err = prmDocument(canon, cfg, supported)
	if err != nil {
		return nil, err
	}
	p.prmRoot = p.prmPath
	if path != "" {
		if p.prmRoot, err = prmDocument(origin, cfg, supported); err != nil {
			return nil, err
		}
	}
	p.precompute()
	return p, nil
}

// MustNew is like [New] but panics on an invalid configuration. Use it only
// in main functions and examples.
func MustNew(cfg Config) *Provider {
	p, err := New(cfg)
	if err != nil {
		panic(err)
	}
	return p
}

// MCPURL returns the canonical public URL of the MCP endpoint: the
// metadata "resource" and the default expected audience.
func (p *Provider) MCPURL() string { return p.mcpURL }

// ResourceMetadataURL returns the path-inserted protected resource
// metadata URL (e.g.
// https://mcp.example.com/.well-known/oauth-protected-resource/mcp) named
// in every challenge's resource_metadata parameter.
func (p *Provider) ResourceMetadataURL() string { return p.metadataURL }

// MCPPath returns the path of the MCP endpoint ("/mcp"), or "/" when the
// endpoint is the origin itself.
func (p *Provider) MCPPath() string {
	if p.mcpPath == "" {
		return "/"
	}
	return p.mcpPath
}

// VerifyToken verifies token with the configured verifier and then applies
// the provider's own audience check, so the result is safe to trust for this
// resource. The middleware uses the same steps. It does not check scopes.
// The result is the caller's own copy.
func (p *Provider) VerifyToken(ctx context.Context, token string) (*TokenInfo, error) {
	info, _, err := p.verify(ctx, token)
	return info.Clone(), err
}

// verify runs the verifier (or the issuer-chosen one) and the audience check.
// It returns the verifier's name for decisions.
func (p *Provider) verify(ctx context.Context, token string) (*TokenInfo, string, error) {
	v, name := p.verifier, p.verName
	if p.multi != nil {
		var err error
		if v, name, err = p.multi.route(token); err != nil {
			return nil, name, err
		}
	}
	info, err := v.VerifyToken(ctx, token)
	if err != nil {
		return nil, name, err
	}
	if info == nil {
		return nil, name, errVerifierNoInfo
	}
	if !p.skipAudience && !audiencesMatch(info.Audiences, p.audiences) {
		return nil, name, ErrInvalidAudience
	}
	return info, name, nil
}

var errVerifierNoInfo = fmt.Errorf("%w: verifier returned neither token info nor an error", ErrUnavailable)

// satisfied reports whether granted covers every scope in need.
func (p *Provider) satisfied(granted, need []string) bool {
	for _, s := range need {
		if p.scopeSatisfied != nil {
			if !p.scopeSatisfied(granted, s) {
				return false
			}
		} else if !slices.Contains(granted, s) {
			return false
		}
	}
	return true
}

const wellKnownPRM = "/.well-known/oauth-protected-resource"

// allCallScopes returns required followed by every scope of tools and
// then prompts, each map in name order, once each.
func allCallScopes(required []string, tools, prompts map[string][]string) []string {
	out := slices.Clone(required)
	for _, m := range []map[string][]string{tools, prompts} {
		for _, name := range slices.Sorted(maps.Keys(m)) {
			out = bearerUnion(out, m[name])
		}
	}
	return out
}

// checkNameScopes validates a ToolScopes or PromptScopes map (field) and
// returns a copy without the entries that need no scope.
func checkNameScopes(field, what string, in map[string][]string) (map[string][]string, error) {
	out := make(map[string][]string, len(in))
	for name, scopes := range in {
		if name == "" {
			return nil, fmt.Errorf("remote: Config.%s has an empty %s name", field, what)
		}
		if err := prmCheckScopes(field+"["+strconv.Quote(name)+"]", scopes); err != nil {
			return nil, err
		}
		if len(scopes) > 0 {
			out[name] = slices.Clone(scopes)
		}
	}
	return out, nil
}

// prmCheckScopes validates scope tokens (RFC 6749 §3.3 scope-token).
func prmCheckScopes(field string, scopes []string) error {
	for i, s := range scopes {
		if !bearerValidScope(s) {
			return fmt.Errorf("remote: Config.%s[%d] %q is not a valid scope (RFC 6749 §3.3: printable ASCII without space, '\"' or '\\')", field, i, s)
		}
	}
	return nil
}

// bearerValidScope reports whether s is an RFC 6749 scope-token.
func bearerValidScope(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x21 || c > 0x7e || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}
