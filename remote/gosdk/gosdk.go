package gosdk

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/modelcontextprotocol/go-sdk/auth"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/mcpauth/mcpauth/remote"
)

// Provider is what [Handler] mounts a server behind: a *remote.Provider,
// *idp.Provider or *authkit.Provider.
type Provider interface {
	// Handler serves the provider's metadata routes, extra, and h behind
	// its bearer middleware at the MCP path.
	Handler(h http.Handler, extra ...remote.Route) http.Handler
	// Identity returns the identity this provider verified for the
	// request in ctx.
	Identity(ctx context.Context) (*remote.Identity, error)
	// CheckCall decides a call for the identity in ctx as the provider's
	// middleware does (nil when allowed; see remote.Provider.CheckCall).
	CheckCall(ctx context.Context, call remote.Call) error
}

// Options configures [Handler]. A nil *Options is the zero value: go-sdk's
// default streamable handler (stateful sessions), every tool, prompt and
// resource listed.
type Options struct {
	// HTTP configures go-sdk's streamable HTTP handler. Set
	// HTTP.Stateless to serve the MCP 2026-07-28 protocol: go-sdk's
	// stateful handler answers every 2026-07-28 request with -32022
	// (unsupported protocol version), so its clients fall back to the 2025
	// protocols, while its stateless handler serves 2026-07-28 clients and
	// 2025 clients alike, each request on its own, without server-initiated
	// requests (sampling, elicitation, roots) on 2025 sessions. Default nil:
	// go-sdk's defaults, stateful sessions.
	HTTP *mcp.StreamableHTTPOptions

	// HideDenied leaves out of tools/list, prompts/list and resources/list
	// what the caller can never use: the tools, prompts and resources a
	// rule refuses (the provider's ToolCheck or CallCheck, authkit's
	// ToolRules: a permission, a role; see remote.Provider.CheckCall and
	// remote.Reachable). What only needs a scope the token lacks stays
	// listed, so a client can step up (re-authorize for the scope a 403
	// names), even when a rule would refuse it once the scope is granted:
	// rules are decided only for tokens that hold the scopes. Lists are
	// decided per call, for the caller of that call, and
	// marked "private" with no cache lifetime (2026-07-28 cache hints, as a
	// list that differs per caller must be). Resource templates are listed
	// as they are: a template names no one resource to decide on. Calls
	// through this handler never reach what a list hides anyway: the
	// middleware refuses them first. The filter is added to the server, so
	// over any other transport (stdio, an in-memory client) the server
	// lists no tool, prompt or resource at all: such a caller has no
	// verified token. Default off: every tool, prompt and resource listed.
	HideDenied bool
}

// expirySkew is the clock skew given to go-sdk's own expiry re-check of
// the token info we hand it. The provider has already checked expiry (with
// its own leeway); the go-sdk check must not reject what it accepted.
const expirySkew = 5 * time.Minute

// Handler serves server behind p: p's metadata routes, and at p's MCP path
// a go-sdk streamable HTTP handler (configured by opts.HTTP; opts may be
// nil) behind p's bearer middleware. It is the one way to mount a go-sdk server
// behind a provider, and it cannot be half-assembled:
//
//   - every tool, prompt and resource handler of server, stateful or
//     stateless, sees the current call's verified token, and only it:
//     remote.IdentityFromContext(ctx), authkit.ClaimsFromContext(ctx), a
//     provider's Allow(ctx, rule), go-sdk's auth.TokenInfoFromContext(ctx)
//     and req.Extra.TokenInfo all describe the token of the HTTP request
//     that carried the call, never the one that opened the session;
//   - req.Extra.TokenInfo is never nil for a call through it: UserID is the
//     session owner (remote.Identity.Owner: issuer and subject), Scopes
//     and Expiration the token's, and Extra a copy of its claims, all
//     the handler's own to read or change;
//   - go-sdk binds each session to its owner: a token of another user, or
//     of the same subject at another issuer, gets 403 on that session;
//   - the token is verified once, by p.
//
// Handler adds a receiving middleware to server (see
// mcp.Server.AddReceivingMiddleware) and, with opts.HideDenied, a list
// filter inside it: mount each server once per provider. It panics if p or
// server is nil. Read the user id in tools from
// authkit.ClaimsFromContext(ctx).UserID or remote.IdentityFromContext(ctx),
// not from UserID, which names issuer and subject.
func Handler(p Provider, server *mcp.Server, opts *Options) http.Handler {
	if p == nil || server == nil {
		panic("gosdk: Handler needs a provider and an *mcp.Server")
	}
	var o Options
	if opts != nil {
		o = *opts
	}
	m := &mount{p: p, sdk: newSDKContext()}
	if o.HideDenied {
		// Inside perCall, which installs the identity the filter decides for.
		server.AddReceivingMiddleware(m.perCall, m.hideDenied)
	} else {
		server.AddReceivingMiddleware(m.perCall)
	}
	streamable := mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return server }, o.HTTP)
	return p.Handler(m.carry(streamable))
}

// mount is one server behind one provider.
type mount struct {
	p   Provider
	sdk *sdkContext
	// live maps the go-sdk token info of each request in flight (what
	// go-sdk puts in the calls' req.Extra.TokenInfo) to the identity the
	// provider verified for that request.
	live sync.Map // *auth.TokenInfo → *remote.Identity
}

// carry hands the verified identity to go-sdk and keeps it out of the
// context go-sdk keeps. go-sdk derives a stateful session's context from
// the request that opened it and runs every later call of the session with
// it, so an identity left there would describe the first request. Instead
// the request goes on with no identity in its context, and go-sdk's own
// token info, the one value go-sdk copies into each call, leads perCall to
// the identity of the request that carried the call.
func (m *mount) carry(streamable http.Handler) http.Handler {
	// go-sdk's context key is unexported: auth.RequireBearerToken is the
	// one way to hand it token info. The verifier only reads what the
	// provider verified for this request.
	toSDK := auth.RequireBearerToken(func(ctx context.Context, _ string, _ *http.Request) (*auth.TokenInfo, error) {
		id, err := m.p.Identity(ctx)
		if err != nil {
			return nil, errNotVerified
		}
		return &auth.TokenInfo{
			UserID:     id.Owner(),
			Scopes:     id.Scopes(),
			Expiration: id.Expiry(),
			Extra:      id.Claims(),
		}, nil
	}, &auth.RequireBearerTokenOptions{
		AllowMissingExpiration: true, // the verifier decided whether a token without exp is acceptable
		ClockSkew:              expirySkew,
	})
	return toSDK(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		id, err := m.p.Identity(ctx)
		ti := auth.TokenInfoFromContext(ctx)
		if err != nil || ti == nil { // unreachable: toSDK let the request through
			http.Error(w, "no verified token", http.StatusInternalServerError)
			return
		}
		m.live.Store(ti, id)
		defer m.live.Delete(ti)
		streamable.ServeHTTP(w, r.WithContext(remote.ContextWithIdentity(ctx, nil)))
	}))
}

// perCall is the server's receiving middleware: it runs every incoming
// call with the identity of the request that carried it, and with go-sdk's
// own token info set to that request's, both in place of what the
// session's context holds.
func (m *mount) perCall(next mcp.MethodHandler) mcp.MethodHandler {
	return func(ctx context.Context, method string, req mcp.Request) (mcp.Result, error) {
		var ti *auth.TokenInfo
		if extra := req.GetExtra(); extra != nil {
			ti = extra.TokenInfo
		}
		if ti == nil {
			// Not carried by a mount (another transport): its context
			// holds no identity of ours.
			return next(ctx, method, req)
		}
		if v, ok := m.live.Load(ti); ok {
			ctx = remote.ContextWithIdentity(ctx, v.(*remote.Identity))
		}
		// Otherwise the request has ended (or another mount of this server
		// carried it and installs its identity): ctx carries none, as
		// carry arranged.
		return next(m.sdk.with(ctx, ti), method, req)
	}
}

// sdkContext sets go-sdk's token info (auth.TokenInfoFromContext) in a
// context. Its key is unexported and auth.RequireBearerToken is the only
// code that sets it, so sdkContext runs that middleware on a request that
// exists only to carry the context.
type sdkContext struct {
	set    http.Handler
	header http.Header // read-only: a bearer header for RequireBearerToken to find
}

type sdkCarry struct {
	ti  *auth.TokenInfo
	out context.Context
}

type sdkCarryKey struct{}

func newSDKContext() *sdkContext {
	verify := func(ctx context.Context, _ string, _ *http.Request) (*auth.TokenInfo, error) {
		return ctx.Value(sdkCarryKey{}).(*sdkCarry).ti, nil
	}
	capture := http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		r.Context().Value(sdkCarryKey{}).(*sdkCarry).out = r.Context()
	})
	return &sdkContext{
		// Never rejects: the token info is the current request's, already
		// checked.
		set:    auth.RequireBearerToken(verify, &auth.RequireBearerTokenOptions{AllowMissingExpiration: true, ClockSkew: 100 * 365 * 24 * time.Hour})(capture),
		header: http.Header{"Authorization": {"Bearer call"}},
	}
}

// with returns ctx with go-sdk's token info set to ti (not nil).
func (s *sdkContext) with(ctx context.Context, ti *auth.TokenInfo) context.Context {
	c := &sdkCarry{ti: ti}
	r := (&http.Request{Method: http.MethodPost, Header: s.header}).WithContext(context.WithValue(ctx, sdkCarryKey{}, c))
	s.set.ServeHTTP(discard{}, r)
	if c.out == nil {
		return ctx // unreachable: verify never fails for a non-nil ti
	}
	return c.out
}

// discard is a ResponseWriter for sdkContext's request, which has no
// client.
type discard struct{}

func (discard) Header() http.Header         { return http.Header{} }
func (discard) Write(b []byte) (int, error) { return len(b), nil }
func (discard) WriteHeader(int)             {}

// verifyError carries a client-safe text and the classes go-sdk tests with
// errors.Is.
type verifyError struct {
	text   string
	causes []error
}

func (e *verifyError) Error() string   { return e.text }
func (e *verifyError) Unwrap() []error { return e.causes }

var errNotVerified = &verifyError{text: "invalid token", causes: []error{auth.ErrInvalidToken, remote.ErrMissingToken}}
