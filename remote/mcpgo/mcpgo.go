package mcpgo

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"sync"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

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

// DefaultMaxBodyBytes is the default [Options.MaxBodyBytes]: 4 MiB, the
// request body limit go-sdk's streamable handler applies by default.
const DefaultMaxBodyBytes = 4 << 20

// Options configures [Handler]. A nil *Options is the zero value: mcp-go's
// default streamable server, every tool listed, 4 MiB bodies, silent.
type Options struct {
	// HTTP configures mcp-go's streamable HTTP server, e.g.
	// server.WithStateLess(true), server.WithSessionIdleTTL(time.Hour) or
	// server.WithHeartbeatInterval(30*time.Second). Options for mcp-go's
	// own Start (WithEndpointPath, WithStreamableHTTPServer, WithTLSCert)
	// have no effect here. Do not pass WithProtectedResourceMetadata: the
	// provider serves the metadata, outside the bearer check. Default:
	// none.
	HTTP []server.StreamableHTTPOption

	// HideDeniedTools leaves out of tools/list the tools the caller can
	// never use: those a rule refuses (the provider's ToolCheck or
	// CallCheck, authkit's ToolRules: a permission, a role; see
	// remote.Provider.CheckCall and remote.ErrRuleDenied). A tool that
	// only needs a scope the token lacks stays listed, so a client can
	// step up (re-authorize for the scope a 403 names). It marks tools/list
	// results "private" with no cache lifetime (2026-07-28 cache hints, as
	// a list that differs per caller must be), and answers a call of a
	// hidden tool as unknown. Calls through this handler never reach a
	// hidden tool anyway: the middleware refuses them with 403 first. The
	// filter is added to the server, so over any other transport (stdio, a
	// second mount without a provider) the server lists no tool at all for
	// a caller without a verified token. Default off: every tool listed.
	HideDeniedTools bool

	// MaxBodyBytes caps the body of a POST; a larger one is answered 413
	// before mcp-go reads it (mcp-go itself reads bodies without a limit).
	// Default: [DefaultMaxBodyBytes]. Negative is a configuration error.
	MaxBodyBytes int64

	// Logger receives one line per request refused for its session (the
	// caller's issuer and subject, the method and the reason; never a
	// token or a session id). Default: nil, silent.
	Logger *slog.Logger
}

// Handler serves s behind p: p's metadata routes and, at p's MCP path, an
// mcp-go streamable HTTP server for s (configured by opts, which may be
// nil) behind p's bearer middleware. It is the one way to mount an mcp-go
// server behind a provider, and it cannot be half-assembled:
//
//   - every tool, prompt and resource handler of s sees the current call's
//     verified token, and only it: remote.IdentityFromContext(ctx),
//     authkit.ClaimsFromContext(ctx) and a provider's Allow(ctx, rule)
//     describe the token of the HTTP request that carried the call (mcp-go
//     derives each message's context from that request's), on sessions
//     and on stateless 2026-07-28 requests alike; a context kept past its
//     request (a goroutine, a task) yields no identity, never an old one;
//   - each 2025-era session belongs to the verified caller who opened it
//     (remote.Identity.Owner: issuer and subject): a request carrying the
//     session's Mcp-Session-Id with a token of another user, or of the same
//     subject at another issuer, is refused with 403 (POST, GET stream and
//     DELETE alike) and never reaches the session; a session id this mount
//     did not hand out is answered 404, so the client opens a new session;
//     a stream is resumed (Last-Event-ID) only within its own session;
//   - the metadata is p's, served outside the bearer check; the token is
//     verified once, by p.
//
// Handler adds a hook to s (an OnUnregisterSession hook, to forget a
// session's owner when mcp-go ends the session) and, with
// opts.HideDeniedTools, a tool filter: mount each server once per
// provider, before it serves. It panics if p or s is nil or opts is
// invalid.
func Handler(p Provider, s *server.MCPServer, opts *Options) *Mount {
	if p == nil || s == nil {
		panic("mcpgo: Handler needs a provider and a *server.MCPServer")
	}
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.MaxBodyBytes < 0 {
		panic("mcpgo: Options.MaxBodyBytes is negative: leave it 0 for the default (4 MiB) or set a positive limit")
	}
	if o.MaxBodyBytes == 0 {
		o.MaxBodyBytes = DefaultMaxBodyBytes
	}
	m := &Mount{p: p, maxBody: o.MaxBodyBytes, logger: o.Logger, owners: map[string]string{}}

	hooks := s.GetHooks()
	if hooks == nil {
		hooks = &server.Hooks{}
		server.WithHooks(hooks)(s)
	}
	hooks.AddOnUnregisterSession(func(_ context.Context, cs server.ClientSession) {
		m.forget(cs.SessionID())
	})
	if o.HideDeniedTools {
		server.WithToolFilter(m.allowedTools)(s)
		server.WithMethodCacheHints(mcp.MethodToolsList, 0, mcp.CacheScopePrivate)(s)
	}

	m.streamable = server.NewStreamableHTTPServer(s, o.HTTP...)
	m.handler = p.Handler(http.HandlerFunc(m.serve))
	return m
}

// Mount is an mcp-go server mounted behind a provider by [Handler]: an
// http.Handler for the whole origin (metadata routes and MCP endpoint).
type Mount struct {
	p          Provider
	handler    http.Handler
	streamable *server.StreamableHTTPServer
	maxBody    int64
	logger     *slog.Logger

	mu     sync.Mutex
	owners map[string]string // session id → remote.Identity.Owner of the caller who opened it
}

// ServeHTTP serves the provider's routes and the protected MCP endpoint.
func (m *Mount) ServeHTTP(w http.ResponseWriter, r *http.Request) { m.handler.ServeHTTP(w, r) }

// Resource returns the mount's routes as the provider built them, for
// remote.Join (several MCP resources on one origin); nil for a provider
// whose Handler is not a remote.ResourceHandler.
func (m *Mount) Resource() *remote.ResourceHandler {
	rh, _ := m.handler.(*remote.ResourceHandler)
	return rh
}

// Shutdown closes every mcp-go session (ending their GET streams, which
// http.Server.Shutdown would otherwise wait for) and stops mcp-go's idle
// session sweeper (server.WithSessionIdleTTL). Call it before, or with,
// the http.Server's Shutdown.
func (m *Mount) Shutdown(ctx context.Context) error { return m.streamable.Shutdown(ctx) }

// serve runs behind the provider's middleware: the request carries the
// identity the provider verified.
func (m *Mount) serve(w http.ResponseWriter, r *http.Request) {
	id, err := m.p.Identity(r.Context())
	if err != nil { // unreachable: serve is mounted behind the provider's middleware
		http.Error(w, "no verified token", http.StatusInternalServerError)
		return
	}
	var body []byte
	if r.Method == http.MethodPost && r.Body != nil {
		body, err = readBody(r.Body, m.maxBody)
		if errors.Is(err, errTooLarge) {
			http.Error(w, "Request body too large", http.StatusRequestEntityTooLarge)
			return
		}
		if err != nil {
			http.Error(w, "Could not read the request body", http.StatusBadRequest)
			return
		}
		r.Body = replayBody{Reader: bytes.NewReader(body), Closer: r.Body}
	}

	// mcp-go decides a request's protocol era by this header (a POST
	// whose body's _meta names 2026-07-28 must carry it too, or mcp-go
	// refuses it). In that era it ignores Mcp-Session-Id on POST and
	// answers GET and DELETE 405: there is no session to bind.
	if mcp.IsModernProtocol(r.Header.Get(mcp.HeaderProtocolVersion)) {
		m.streamable.ServeHTTP(w, r)
		return
	}

	owner := id.Owner()
	if r.Method == http.MethodPost && isInitialize(body) {
		// mcp-go ignores any Mcp-Session-Id on initialize and mints a new
		// session; its id goes out in the response header, bound to the
		// caller before the client can read it.
		m.streamable.ServeHTTP(&headerHook{ResponseWriter: w, before: func(status int, h http.Header) {
			if sid := h.Get(server.HeaderKeySessionID); sid != "" && !m.bind(sid, owner) {
				h.Del(server.HeaderKeySessionID) // another caller's id: never hand it out
			}
		}}, r)
		return
	}

	sid := r.Header.Get(server.HeaderKeySessionID)
	if sid == "" && r.Method == http.MethodGet && r.Header.Get(mcp.HeaderLastEventID) != "" {
		// With an event store, mcp-go files the streams of session-less
		// requests (stateless mode) under one empty session id and numbers
		// events store-wide: resuming one would replay a stream of any
		// caller. Only a session's own streams can be resumed.
		m.refuse(w, r, id, "resume_without_session", http.StatusBadRequest, "Last-Event-ID needs the Mcp-Session-Id of its session")
		return
	}
	if sid == "" {
		// No session to bind: mcp-go refuses it (stateful), serves it on a
		// throwaway session (stateless), or opens a GET stream on a session
		// nobody else can name.
		m.streamable.ServeHTTP(w, r)
		return
	}
	switch bound, ok := m.owner(sid); {
	case !ok:
		m.refuse(w, r, id, "unknown_session", http.StatusNotFound, "Session not found")
		return
	case bound != owner:
		m.refuse(w, r, id, "other_owner", http.StatusForbidden, "Forbidden: this session belongs to another user")
		return
	}
	m.streamable.ServeHTTP(w, r)
}

func (m *Mount) refuse(w http.ResponseWriter, r *http.Request, id *remote.Identity, reason string, status int, text string) {
	if m.logger != nil {
		m.logger.LogAttrs(r.Context(), slog.LevelInfo, "mcpgo: session request refused",
			slog.String("reason", reason), slog.String("method", r.Method),
			slog.String("iss", id.Issuer()), slog.String("sub", id.Subject()))
	}
	http.Error(w, text, status)
}

// bind records owner as the owner of session sid, unless sid belongs to
// another owner already; it reports whether sid is owner's.
func (m *Mount) bind(sid, owner string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	if cur, ok := m.owners[sid]; ok {
		return cur == owner
	}
	m.owners[sid] = owner
	return true
}

func (m *Mount) owner(sid string) (string, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	o, ok := m.owners[sid]
	return o, ok
}

func (m *Mount) forget(sid string) {
	m.mu.Lock()
	delete(m.owners, sid)
	m.mu.Unlock()
}

// allowedTools is the tool filter of Options.HideDeniedTools.
func (m *Mount) allowedTools(ctx context.Context, tools []mcp.Tool) []mcp.Tool {
	out := make([]mcp.Tool, 0, len(tools))
	for _, t := range tools {
		if remote.Reachable(m.p.CheckCall(ctx, remote.Call{Method: remote.MethodToolsCall, Name: t.Name})) {
			out = append(out, t)
		}
	}
	return out
}

// isInitialize reports whether body is an initialize request, decoded as
// mcp-go decodes it (encoding/json, "method" only), so both agree.
func isInitialize(body []byte) bool {
	var msg struct {
		Method mcp.MCPMethod `json:"method,omitempty"`
	}
	return json.Unmarshal(body, &msg) == nil && msg.Method == mcp.MethodInitialize
}

var errTooLarge = errors.New("mcpgo: request body too large")

// readBody reads all of body, or fails with errTooLarge past limit bytes.
func readBody(body io.Reader, limit int64) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(body, limit+1))
	if int64(len(b)) > limit {
		return nil, errTooLarge
	}
	return b, err
}

// replayBody is a request body replayed from memory; Close closes the
// original.
type replayBody struct {
	io.Reader
	io.Closer
}

// headerHook calls before once, with the status and the header about to
// be sent, before the response's header goes out. mcp-go writes a
// response from more than one goroutine (one at a time), hence the Once.
type headerHook struct {
	http.ResponseWriter
	before func(status int, h http.Header)
	once   sync.Once
}

func (h *headerHook) fire(status int) {
	h.once.Do(func() { h.before(status, h.ResponseWriter.Header()) })
}

func (h *headerHook) WriteHeader(status int) {
	h.fire(status)
	h.ResponseWriter.WriteHeader(status)
}

func (h *headerHook) Write(b []byte) (int, error) {
	h.fire(http.StatusOK)
	return h.ResponseWriter.Write(b)
}

// Flush keeps SSE streaming (mcp-go streams only to an http.Flusher).
func (h *headerHook) Flush() {
	h.fire(http.StatusOK)
	if f, ok := h.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap lets http.ResponseController (mcp-go's write deadlines) reach the
// connection.
func (h *headerHook) Unwrap() http.ResponseWriter { return h.ResponseWriter }
