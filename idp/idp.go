package idp

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/mcpauth/mcpauth/forward"
	"github.com/mcpauth/mcpauth/internal/httpx"
	"github.com/mcpauth/mcpauth/remote"
	"github.com/mcpauth/mcpauth/remote/rules"
)

// Config configures [New]. Issuer and MCPURL are required; every other
// field has a working default.
type Config struct {
	// Issuer is the authorization server's issuer identifier, exactly as its
	// metadata's "issuer" spells it (a trailing slash counts: Auth0's ends
	// with one, AuthKit's and Okta's do not). It is published as the only
	// entry of authorization_servers and tokens' "iss" must equal it.
	// Required.
	Issuer string

	// MCPURL is the public URL of the MCP endpoint, e.g.
	// "https://mcp.example.com/mcp": the protected resource's identifier and,
	// canonicalised (see remote.Config.MCPURL), the audience tokens must
	// carry by default. Required.
	MCPURL string

	// MetadataURL is where the authorization server's metadata is fetched:
	// it is served verbatim on this server's
	// /.well-known/oauth-authorization-server and its jwks_uri is where
	// signing keys come from. Default: discovered from Issuer, trying the
	// RFC 8414 and OpenID Connect Discovery locations in the order
	// forward.Config.MetadataURL documents (path-inserted RFC 8414, then
	// path-inserted and appended OpenID), and keeping the first that
	// answers a document whose issuer equals Issuer byte for byte. Set it
	// only for a provider that publishes its metadata elsewhere.
	MetadataURL string

	// JWKSURL skips discovery: keys are fetched from this URL instead of the
	// metadata's jwks_uri. Default: discovered, on the first token (or at
	// [Provider.Prime]), so New never blocks on the network.
	JWKSURL string

	// OpenIDConfiguration also serves /.well-known/openid-configuration on
	// this server's origin, forwarded from Issuer +
	// "/.well-known/openid-configuration". Default false.
	OpenIDConfiguration bool

	// LegacyEndpoints also serves /authorize, /token and /register shims on
	// this server's origin for clients that predate protected resource
	// metadata. See forward.Config.LegacyEndpoints for the trade-off.
	// Default false.
	LegacyEndpoints bool

	// Audiences are the "aud" values accepted (at least one must be in the
	// token). Default: the canonical MCPURL alone. Accepting anything
	// else accepts tokens not issued for this server.
	Audiences []string

	// RequiredScopes must all be granted to every token. Default none.
	RequiredScopes []string
	// ScopesSupported is published in the protected resource metadata.
	// Default RequiredScopes.
	ScopesSupported []string
	// ToolScopes lists scopes per MCP tool name. Default none.
	ToolScopes map[string][]string

	// Claims says where this issuer's tokens carry permissions, roles and
	// the organization, for the rules below, [Provider.Allow] and
	// [Provider.Require]. The presets fill it in; default nowhere (a rule
	// that needs one of them is then a configuration error).
	Claims rules.ClaimNames
	// Rule, when set, must allow every request to the MCP endpoint (after
	// RequiredScopes): e.g. rules.OrganizationIn("org_acme") for a
	// resource serving one organization. A refusal is a 403
	// insufficient_scope naming what is missing; a rule that cannot decide
	// (rules.ActiveMembership with its directory down) a 503. Default
	// none.
	Rule rules.Rule
	// ToolRules maps an MCP tool name to the rule a tools/call for it
	// must pass, checked before the MCP handler runs; a refusal is a 403
	// insufficient_scope naming what is missing (remote.ErrRuleDenied for
	// Go callers). Default none.
	ToolRules map[string]rules.Rule
	// Directory answers rules.ActiveMembership. Default none.
	Directory rules.Directory

	// ScopesUpFront advertises every scope of RequiredScopes and
	// ToolScopes in the metadata and the first 401, for clients that
	// cannot step up; see remote.Config.ScopesUpFront for the
	// least-privilege trade-off. Default false.
	ScopesUpFront bool
	// InBandRuleDenials answers a rule's refusal of a tools/call
	// (ToolRules) as a tool error result instead of a 403; see
	// remote.Config.InBandRuleDenials. Default false.
	InBandRuleDenials bool
	// ScopeSatisfied implements scope hierarchies; default exact match.
	ScopeSatisfied func(granted []string, required string) bool

	// ResourceName and ResourceDocumentation are published in the protected
	// resource metadata. Optional.
	ResourceName          string
	ResourceDocumentation string

	// Algorithms is the JWS allow-list. Default ["RS256"].
	Algorithms []string
	// ScopeClaims names the token claims that carry scopes. Default
	// ["scope", "scp"].
	ScopeClaims []string
	// Leeway is the clock skew tolerated on exp, nbf and iat. Default 30 s.
	Leeway time.Duration
	// TokenCacheSize bounds the verified-token cache in entries (about
	// 1.6 KiB each for an AuthKit-sized token). Default 10,000.
	TokenCacheSize int
	// TokenCacheTTL is the longest a verification is reused, never past the
	// token's exp. Default 5 min.
	TokenCacheTTL time.Duration
	// DisableTokenCache verifies every request's token in full.
	DisableTokenCache bool

	// HTTPClient fetches metadata and keys. Default: a retrying client with
	// short timeouts. Whatever the client, redirects are never followed (see
	// remote.JWTConfig.HTTPClient): a metadata or JWKS URL answering 3xx is
	// a failed fetch, and no other host's keys or document are used.
	HTTPClient *http.Client
	// MaxStale bounds how long a key set that cannot be refreshed stays in
	// use past its refresh time; see remote.JWTConfig.MaxStale. Default
	// 24 h.
	MaxStale time.Duration
	// OnKeyFetch is called after every JWKS fetch; see
	// remote.JWTConfig.OnKeyFetch. Default nil.
	OnKeyFetch func(remote.KeyFetch)
	// OnMetadataFetch is called after every fetch of the authorization
	// server's metadata; see forward.Config.OnMetadataFetch. Default nil.
	OnMetadataFetch func(remote.MetadataFetch)
	// AuditLog receives one line per tools/call decision; see
	// remote.Config.AuditLog. Default nil.
	AuditLog *slog.Logger
	// OnDecision is called once per request the middleware decides on.
	// Default nil.
	OnDecision func(context.Context, remote.Decision)
	// Logger receives failures by class with token metadata only. Default
	// nil: silent.
	Logger *slog.Logger
	// Now is the clock. Default time.Now.
	Now func() time.Time
}

// Provider is a protected MCP resource whose tokens come from one OAuth 2.0
// / OpenID Connect authorization server. It is safe for concurrent use;
// Close it when done.
type Provider struct {
	issuer string
	rp     *remote.Provider
	fwd    *forward.Forwarder
	keys   *keySource
	policy *rules.Policy
	algs   []string // the JWS allow-list, for Check's messages
}

// New validates cfg and composes the provider. It does not contact the
// authorization server: keys and metadata are fetched on first use, or at
// [Provider.Prime].
func New(cfg Config) (*Provider, error) {
	if strings.TrimSpace(cfg.Issuer) == "" {
		return nil, errors.New("idp: Config.Issuer is empty: set it to the authorization server's issuer exactly as its metadata spells it, e.g. \"https://dev-abc.us.auth0.com/\"")
	}
	if _, err := httpx.CheckURL(cfg.Issuer, httpx.IdentifierURL); err != nil {
		return nil, fmt.Errorf("idp: Config.Issuer %q %w", httpx.RedactUserinfo(cfg.Issuer), err)
	}
	if strings.TrimSpace(cfg.MCPURL) == "" {
		return nil, errors.New("idp: Config.MCPURL is empty: set it to the public URL of the MCP endpoint, e.g. \"https://mcp.example.com/mcp\"")
	}
	algs := cfg.Algorithms
	if len(algs) == 0 {
		algs = []string{"RS256"}
	}
	policy, err := rules.New(rules.Config{
		Claims:          cfg.Claims,
		Rule:            cfg.Rule,
		ToolRules:       cfg.ToolRules,
		Directory:       cfg.Directory,
		ChallengeScopes: cfg.RequiredScopes,
		ScopeSatisfied:  cfg.ScopeSatisfied,
		Logger:          cfg.Logger,
	})
	if err != nil {
		return nil, fmt.Errorf("idp: %w", err)
	}
	var toolCheck func(context.Context, string, *remote.Identity) error
	if len(cfg.ToolRules) > 0 {
		toolCheck = policy.ToolCheck // only then: a ToolCheck makes the middleware read bodies
	}
	var requestCheck func(context.Context, *remote.Identity) error
	if cfg.Rule != nil {
		requestCheck = policy.RequestCheck
	}
	if cfg.HTTPClient == nil {
		// One retrying client (one connection pool) for the metadata and
		// the keys, which live on the same host.
		cfg.HTTPClient = httpx.NewClient(httpx.Options{})
	}
	keys := &keySource{jwksURL: cfg.JWKSURL, log: cfg.Logger}
	rp, err := remote.New(remote.Config{
		MCPURL:                cfg.MCPURL,
		AuthorizationServers:  []string{cfg.Issuer},
		Verifier:              keys,
		VerifierName:          cfg.Issuer,
		ScopesSupported:       cfg.ScopesSupported,
		RequiredScopes:        cfg.RequiredScopes,
		ToolScopes:            cfg.ToolScopes,
		ToolCheck:             toolCheck,
		RequestCheck:          requestCheck,
		ScopesUpFront:         cfg.ScopesUpFront,
		InBandRuleDenials:     cfg.InBandRuleDenials,
		ScopeSatisfied:        cfg.ScopeSatisfied,
		Audiences:             cfg.Audiences,
		ResourceName:          cfg.ResourceName,
		ResourceDocumentation: cfg.ResourceDocumentation,
		OnDecision:            cfg.OnDecision,
		AuditLog:              cfg.AuditLog,
		Logger:                cfg.Logger,
		Now:                   cfg.Now,
	})
	if err != nil {
		return nil, fmt.Errorf("idp: %w", err)
	}
	fwd, err := forward.New(forward.Config{
		Issuer:              cfg.Issuer,
		MetadataURL:         cfg.MetadataURL,
		OpenIDConfiguration: cfg.OpenIDConfiguration,
		LegacyEndpoints:     cfg.LegacyEndpoints,
		MCPURL:              rp.MCPURL(), // canonical: the legacy /authorize shim adds it as resource
		HTTPClient:          cfg.HTTPClient,
		Now:                 cfg.Now,
		Logger:              cfg.Logger,
		OnMetadataFetch:     cfg.OnMetadataFetch,
	})
	if err != nil {
		return nil, fmt.Errorf("idp: %w", err)
	}
	keys.fwd = fwd
	audiences := cfg.Audiences
	if len(audiences) == 0 {
		audiences = []string{rp.MCPURL()}
	}
	keys.newVerifier = func(jwksURL string) (*remote.JWTVerifier, error) {
		return remote.NewJWTVerifier(remote.JWTConfig{
			JWKSURL:           jwksURL,
			Issuer:            cfg.Issuer,
			Audiences:         audiences,
			Algorithms:        algs,
			ScopeClaims:       cfg.ScopeClaims,
			Leeway:            cfg.Leeway,
			TokenCacheSize:    cfg.TokenCacheSize,
			TokenCacheTTL:     cfg.TokenCacheTTL,
			DisableTokenCache: cfg.DisableTokenCache,
			MaxStale:          cfg.MaxStale,
			OnKeyFetch:        cfg.OnKeyFetch,
			HTTPClient:        cfg.HTTPClient,
			Now:               cfg.Now,
			Logger:            cfg.Logger,
		})
	}
	if cfg.JWKSURL != "" {
		// Build it now so that a bad JWKSURL is a configuration error.
		v, err := keys.newVerifier(cfg.JWKSURL)
		if err != nil {
			_ = fwd.Close()
			return nil, fmt.Errorf("idp: Config.JWKSURL: %w", err)
		}
		keys.v = v
	}
	return &Provider{issuer: cfg.Issuer, rp: rp, fwd: fwd, keys: keys, policy: policy, algs: algs}, nil
}

// Issuer returns the authorization server's issuer, as configured.
func (p *Provider) Issuer() string { return p.issuer }

// MCPURL returns the canonical URL of the MCP endpoint: the resource
// identifier and default audience.
func (p *Provider) MCPURL() string { return p.rp.MCPURL() }

// ResourceMetadataURL returns the URL of the protected resource metadata
// named in every challenge.
func (p *Provider) ResourceMetadataURL() string { return p.rp.ResourceMetadataURL() }

// Metadata returns the authorization server's parsed metadata (cached).
func (p *Provider) Metadata(ctx context.Context) (*forward.Metadata, error) {
	return p.fwd.Metadata(ctx)
}

// VerifyToken verifies a bearer token exactly as the middleware does
// (signature, issuer, audience, expiry, required scopes aside) and returns
// the caller's own copy of what it learned.
func (p *Provider) VerifyToken(ctx context.Context, token string) (*remote.TokenInfo, error) {
	return p.rp.VerifyToken(ctx, token)
}

// Identity returns the identity this provider verified for the request in
// ctx; see remote.Provider.Identity.
func (p *Provider) Identity(ctx context.Context) (*remote.Identity, error) {
	return p.rp.Identity(ctx)
}

// Middleware protects next with the bearer check; see remote.Provider.Middleware.
func (p *Provider) Middleware(next http.Handler) http.Handler { return p.rp.Middleware(next) }

// WriteError writes the RFC 6750 response for err; see remote.Provider.WriteError.
func (p *Provider) WriteError(w http.ResponseWriter, r *http.Request, err error) {
	p.rp.WriteError(w, r, err)
}

// Routes returns every route to mount outside the bearer check: the
// protected resource metadata (path-inserted and root) and the forwarded
// authorization server metadata (plus the OpenID Connect document and the
// legacy shims when configured).
func (p *Provider) Routes() []remote.Route {
	return append(p.rp.Routes(), p.fwd.Routes()...)
}

// Handler returns a handler serving Routes(), then extra, then mcp behind
// the bearer middleware at the MCP path. An extra route with the pattern of
// a standard one replaces it.
func (p *Provider) Handler(mcp http.Handler, extra ...remote.Route) http.Handler {
	routes := append(p.fwd.Routes(), extra...)
	return p.rp.Handler(mcp, routes...)
}

// Stats returns the JWT verifier's counters and key-set state (see
// remote.JWTVerifier.Stats), and false before the verifier exists (keys
// are discovered on first use unless Config.JWKSURL is set).
func (p *Provider) Stats() (remote.VerifierStats, bool) {
	p.keys.mu.Lock()
	v := p.keys.v
	p.keys.mu.Unlock()
	if v == nil {
		return remote.VerifierStats{}, false
	}
	return v.Stats(), true
}

// Prime fetches the authorization server's metadata and signing keys now,
// so a start-up can fail fast or log what is wrong. Serving does not need
// it: without Prime, the first request fetches both.
func (p *Provider) Prime(ctx context.Context) error {
	if err := p.fwd.Prime(ctx); err != nil {
		return fmt.Errorf("idp: authorization server metadata: %w", err)
	}
	v, err := p.keys.verifier(ctx)
	if err != nil {
		return fmt.Errorf("idp: %w", err)
	}
	if err := v.Prime(ctx); err != nil {
		return fmt.Errorf("idp: signing keys: %w", err)
	}
	return nil
}

// Close stops background refreshes of metadata and keys and waits for them.
// Afterwards tokens needing a key fetch are answered 503. It is idempotent.
func (p *Provider) Close() error {
	return errors.Join(p.keys.close(), p.fwd.Close())
}

// keySource is the provider's token verifier: a JWT verifier against the
// configured JWKS URL or, when there is none, against the jwks_uri of the
// authorization server's metadata, built on first use.
type keySource struct {
	fwd         *forward.Forwarder
	jwksURL     string
	log         *slog.Logger
	newVerifier func(jwksURL string) (*remote.JWTVerifier, error)

	mu       sync.Mutex
	v        *remote.JWTVerifier
	closed   bool
	badURL   string // a discovered jwks_uri the verifier refused
	badError error
}

func (k *keySource) VerifyToken(ctx context.Context, token string) (*remote.TokenInfo, error) {
	v, err := k.verifier(ctx)
	if err != nil {
		return nil, err
	}
	return v.VerifyToken(ctx, token)
}

// verifier returns the JWT verifier, discovering the JWKS URL first if
// needed. Errors wrap remote.ErrKeysUnavailable.
func (k *keySource) verifier(ctx context.Context) (*remote.JWTVerifier, error) {
	k.mu.Lock()
	v, closed, jwksURL := k.v, k.closed, k.jwksURL
	k.mu.Unlock()
	switch {
	case closed:
		return nil, fmt.Errorf("%w: provider closed", remote.ErrKeysUnavailable)
	case v != nil:
		return v, nil
	}
	if jwksURL == "" {
		// The forwarder caches the document and collapses concurrent
		// fetches; a failure is retried after its error interval.
		m, err := k.fwd.Metadata(ctx)
		if err != nil {
			return nil, fmt.Errorf("%w: discovering jwks_uri: %w", remote.ErrKeysUnavailable, err)
		}
		if m.JWKSURI == "" {
			return nil, fmt.Errorf("%w: the authorization server metadata has no jwks_uri", remote.ErrKeysUnavailable)
		}
		jwksURL = m.JWKSURI
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.closed {
		return nil, fmt.Errorf("%w: provider closed", remote.ErrKeysUnavailable)
	}
	if k.v != nil {
		return k.v, nil
	}
	if jwksURL == k.badURL {
		return nil, k.badError // logged once already
	}
	nv, err := k.newVerifier(jwksURL)
	if err != nil {
		if k.log != nil {
			k.log.Error("idp: the metadata's jwks_uri is unusable", "jwks_uri", jwksURL, "err", err)
		}
		k.badURL, k.badError = jwksURL, fmt.Errorf("%w: %w", remote.ErrKeysUnavailable, err)
		return nil, k.badError
	}
	k.v = nv
	return nv, nil
}

func (k *keySource) close() error {
	k.mu.Lock()
	v := k.v
	k.closed = true
	k.mu.Unlock()
	if v != nil {
		return v.Close()
	}
	return nil
}
