package authkit

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/mcpauth/mcpauth/forward"
	"github.com/mcpauth/mcpauth/idp"
	"github.com/mcpauth/mcpauth/remote"
	"github.com/mcpauth/mcpauth/remote/rules"
)

// Provider is an MCP server's protection by WorkOS AuthKit: every URL
// derived from the domain, tokens bound to the MCP URL, typed claims,
// rules on AuthKit's permission, role and organization claims, optional
// WorkOS profile enrichment and AuthKit-specific checks. It is built on
// the generic [idp.Provider] and offers all of it through its own methods
// below. It is safe for concurrent use; Close it when done.
type Provider struct {
	ip        *idp.Provider
	endpoints Endpoints
	mcpURL    string
	extraAud  []string
	enricher  *enricher
}

// DefaultClaims are where AuthKit's access tokens carry what rules read,
// the default of Config.Claims: permissions in "permissions" (an array),
// roles in "role" (a string) and "roles" (an array), both added by a JWT
// template, and the organization picked at consent in "org_id".
func DefaultClaims() rules.ClaimNames {
	return rules.ClaimNames{
		Permissions:  []rules.Claim{rules.StringsClaim("permissions")},
		Roles:        []rules.Claim{rules.StringClaim("role"), rules.StringsClaim("roles")},
		Organization: []rules.Claim{rules.StringClaim("org_id")},
	}
}

// New validates cfg and returns a Provider. It does not contact AuthKit:
// metadata and keys are fetched on first use or by [Provider.Prime].
func New(cfg Config) (*Provider, error) {
	if cfg.Domain == "" {
		return nil, errors.New("authkit: Config.Domain is empty: set it to the AuthKit domain the WorkOS dashboard shows under Domains, e.g. \"my-app.authkit.app\" (or set AUTHKIT_DOMAIN with ConfigFromEnv)")
	}
	if cfg.BaseURL == "" {
		return nil, errors.New("authkit: Config.BaseURL is empty: set it to the public URL clients reach this server at, e.g. \"https://mcp.example.com\" (or set BASE_URL with ConfigFromEnv)")
	}
	ep, err := DomainEndpoints(cfg.Domain)
	if err != nil {
		return nil, err
	}
	mcpURL, err := MCPURL(cfg.BaseURL, cfg.MCPPath)
	if err != nil {
		return nil, err
	}
	extra := cleanList(cfg.ExtraAudiences)
	audiences := append([]string{mcpURL}, extra...)

	var enr *enricher
	var dir rules.Directory
	if cfg.WorkOS != nil {
		if enr, err = newEnricher(enricherConfig{Client: cfg.WorkOS, ProfileOptions: cfg.Profiles, Now: cfg.Now, Logger: cfg.Logger}); err != nil {
			return nil, err
		}
		dir = enr
	}
	claims := DefaultClaims()
	if cfg.Claims.Permissions != nil {
		claims.Permissions = cfg.Claims.Permissions
	}
	if cfg.Claims.Roles != nil {
		claims.Roles = cfg.Claims.Roles
	}
	if cfg.Claims.Organization != nil {
		claims.Organization = cfg.Claims.Organization
	}
	ip, err := idp.New(idp.Config{
		Issuer:                ep.Issuer,
		MCPURL:                mcpURL,
		MetadataURL:           ep.Metadata,
		JWKSURL:               ep.JWKS,
		OpenIDConfiguration:   true,
		LegacyEndpoints:       cfg.LegacyEndpoints,
		Audiences:             audiences,
		RequiredScopes:        cfg.RequiredScopes,
		ScopesSupported:       cfg.ScopesSupported,
		ToolScopes:            cfg.ToolScopes,
		Claims:                claims,
		Rule:                  cfg.Rule,
		ToolRules:             cfg.ToolRules,
		Directory:             dir,
		ScopesUpFront:         cfg.ScopesUpFront,
		InBandRuleDenials:     cfg.InBandRuleDenials,
		ResourceName:          cfg.ResourceName,
		ResourceDocumentation: cfg.ResourceDocumentation,
		Algorithms:            []string{"RS256"}, // AuthKit signs with RS256 only
		ScopeSatisfied:        cfg.ScopeSatisfied,
		OnDecision:            cfg.OnDecision,
		OnKeyFetch:            cfg.OnKeyFetch,
		AuditLog:              cfg.AuditLog,
		OnMetadataFetch:       cfg.OnMetadataFetch,
		TokenCacheSize:        cfg.TokenCacheSize,
		DisableTokenCache:     cfg.DisableTokenCache,
		HTTPClient:            cfg.HTTPClient,
		MaxStale:              cfg.MaxStale,
		Logger:                cfg.Logger,
		Now:                   cfg.Now,
	})
	if err != nil {
		return nil, fmt.Errorf("authkit: %w", err)
	}
	return &Provider{
		ip:        ip,
		endpoints: ep,
		mcpURL:    ip.MCPURL(),
		extraAud:  extra,
		enricher:  enr,
	}, nil
}

// MustNew is New for main functions and examples: it panics on a
// configuration error.
func MustNew(cfg Config) *Provider {
	p, err := New(cfg)
	if err != nil {
		panic(err)
	}
	return p
}

// Issuer returns AuthKit's issuer, "https://<domain>": the only entry of
// the protected resource metadata's authorization_servers and the "iss"
// tokens must carry.
func (p *Provider) Issuer() string { return p.ip.Issuer() }

// MCPURL returns the canonical URL of the MCP endpoint: the resource
// identifier, the audience tokens must carry, and the string to register
// under "MCP resource indicators" in the WorkOS dashboard.
func (p *Provider) MCPURL() string { return p.mcpURL }

// ResourceMetadataURL returns the URL of the path-inserted protected resource
// metadata, e.g. https://mcp.example.com/.well-known/oauth-protected-resource/mcp,
// named in every challenge.
func (p *Provider) ResourceMetadataURL() string { return p.ip.ResourceMetadataURL() }

// Handler returns the handler of the whole origin: Routes(), then extra,
// then mcp behind the bearer middleware at the MCP path (exactly). An extra
// route for a standard path (a forwarded document, the metadata) replaces
// the standard one. Serve a go-sdk server with gosdk.Handler(p, server,
// opts) and an mcp-go server with mcpgo.Handler(p, s, opts), which call it;
// several resources of one origin are combined with remote.Join.
func (p *Provider) Handler(mcp http.Handler, extra ...remote.Route) http.Handler {
	return p.ip.Handler(mcp, extra...)
}

// Routes returns every route to mount outside the bearer check, for a
// router of your own: the protected resource metadata (path-inserted and
// root) and AuthKit's metadata documents forwarded verbatim
// (/.well-known/oauth-authorization-server and
// /.well-known/openid-configuration; the legacy /authorize, /token and
// /register shims with Config.LegacyEndpoints).
func (p *Provider) Routes() []remote.Route { return p.ip.Routes() }

// Middleware protects next with the bearer check (see
// remote.Provider.Middleware): a verified token for this MCP URL,
// RequiredScopes, Config.Rule, and for tools/call ToolScopes and
// ToolRules; next sees the identity ([ClaimsFromContext]).
func (p *Provider) Middleware(next http.Handler) http.Handler { return p.ip.Middleware(next) }

// Require returns a middleware for a route of your own that lets a
// request through only when its token passes every one of rs (read with
// Config.Claims, AuthKit's claims by default), and answers 403
// insufficient_scope naming what is missing otherwise, or 503 when a rule
// cannot decide (rules.ActiveMembership with WorkOS down):
//
//	mux.Handle("/admin", p.Require(rules.AnyRole("admin"))(adminHandler))
//	mux.Handle("/reports", p.Require(rules.AllScopes("reports:read"))(reportsHandler))
//
// Behind this provider's middleware (or inside [Provider.Handler]'s MCP
// handler) it reads the identity already verified; used alone, or behind
// another provider, it authenticates the request first. It panics at
// set-up when rs is empty or a rule names nothing.
func (p *Provider) Require(rs ...rules.Rule) func(http.Handler) http.Handler {
	return p.ip.Require(rs...)
}

// Allow decides rule for the token this provider verified for ctx's
// request (or, in a tool served by gosdk.Handler or mcpgo.Handler, for the
// current call). It returns a *remote.Error: 401 when ctx carries no token
// this provider verified (none, one of another provider, or one whose
// request has ended), 403 insufficient_scope when the rule refuses, 503
// when it cannot decide; nil when allowed. Use it inside a handler or a
// tool for decisions the static rules cannot express; p.WriteError writes
// its error.
func (p *Provider) Allow(ctx context.Context, rule rules.Rule) error { return p.ip.Allow(ctx, rule) }

// CheckCall decides a tools/call, prompts/get or resources/read for the
// token this provider verified for ctx, as the middleware does; a rule's
// refusal wraps remote.ErrRuleDenied, a missing scope only
// remote.ErrInsufficientScope (see remote.Provider.CheckCall).
func (p *Provider) CheckCall(ctx context.Context, call remote.Call) error {
	return p.ip.CheckCall(ctx, call)
}

// Identity returns the identity this provider verified for ctx's request
// (or call); an identity another provider verified is refused with an
// error wrapping remote.ErrNoIdentity. [ClaimsFromContext] types it.
func (p *Provider) Identity(ctx context.Context) (*remote.Identity, error) {
	return p.ip.Identity(ctx)
}

// VerifyToken verifies a bearer token as the middleware does (signature,
// issuer, audience, expiry; scopes and rules aside) and returns the
// caller's own copy of what it learned.
func (p *Provider) VerifyToken(ctx context.Context, token string) (*remote.TokenInfo, error) {
	return p.ip.VerifyToken(ctx, token)
}

// WriteError writes the RFC 6750 answer for err (an error of Allow,
// CheckCall or VerifyToken); see remote.Provider.WriteError.
func (p *Provider) WriteError(w http.ResponseWriter, r *http.Request, err error) {
	p.ip.WriteError(w, r, err)
}

// Metadata returns AuthKit's parsed authorization server metadata, from
// the forwarder's cache.
func (p *Provider) Metadata(ctx context.Context) (*forward.Metadata, error) {
	return p.ip.Metadata(ctx)
}

// Stats returns the JWT verifier's counters and key-set state (see
// remote.JWTVerifier.Stats); ok is always true for AuthKit, whose JWKS
// URL is derived from the domain.
func (p *Provider) Stats() (remote.VerifierStats, bool) { return p.ip.Stats() }

// Prime fetches AuthKit's metadata and signing keys now, so a start-up can
// fail fast or log what is wrong. Serving does not need it: without Prime,
// the first request fetches both.
func (p *Provider) Prime(ctx context.Context) error { return p.ip.Prime(ctx) }

// Close stops background refreshes of AuthKit's metadata and keys and
// waits for them. It is idempotent.
func (p *Provider) Close() error { return p.ip.Close() }

// ErrEnrichmentOff is returned by [Provider.Profile] when Config.WorkOS is
// not set.
var ErrEnrichmentOff = errors.New("authkit: profile enrichment is off: set Config.WorkOS (or WORKOS_API_KEY)")

// Profile returns the WorkOS profile (email, name, organization memberships)
// of userID, a token's subject ([Claims.UserID]), from the cache or WorkOS.
// It is called with the WorkOS API key, never with the user's token. A
// failure never invalidates the token: errors wrap [ErrNoProfile],
// [ErrProfileUnavailable] or [ErrEnrichmentOff], and the claims still stand.
func (p *Provider) Profile(ctx context.Context, userID string) (*Profile, error) {
	if p.enricher == nil {
		return nil, ErrEnrichmentOff
	}
	return p.enricher.Profile(ctx, userID)
}

// ForgetProfile drops the cached profile of userID, so that the next
// [Provider.Profile] and rules.ActiveMembership ask WorkOS again: call it
// when a webhook says the user or a membership changed. Without
// Config.WorkOS it does nothing.
func (p *Provider) ForgetProfile(userID string) {
	if p.enricher != nil {
		p.enricher.Forget(userID)
	}
}

func cleanList(in []string) []string {
	out := make([]string, 0, len(in))
	for _, s := range in {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}
