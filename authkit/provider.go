package authkit

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"slices"

	"github.com/mcpauth/mcpauth/remote"
	"github.com/mcpauth/mcpauth/remote/idp"
)

// Provider is an MCP server's protection by WorkOS AuthKit. It is an
// [idp.Provider] specialised for AuthKit: every URL derived from the
// domain, tokens bound to the MCP URL, typed claims, permission and role
// rules, optional WorkOS profile enrichment and AuthKit-specific checks.
// It is safe for concurrent use; Close it when done.
type Provider struct {
	*idp.Provider

	endpoints Endpoints
	mcpURL    string
	required  []string
	extraAud  []string
	enricher  *Enricher
	logger    *slog.Logger
}

// New validates cfg and returns a Provider. It does not contact AuthKit:
// metadata and keys are fetched on first use or by [Provider.Prime].
func New(cfg Config) (*Provider, error) {
	if cfg.Domain == "" {
		return nil, errors.New("authkit: Config.Domain is empty: set it to the AuthKit domain the WorkOS dashboard shows under Domains, e.g. \"my-app.authkit.app\" (or set AUTHKIT_DOMAIN with FromEnv)")
	}
	if cfg.BaseURL == "" {
		return nil, errors.New("authkit: Config.BaseURL is empty: set it to the public URL clients reach this server at, e.g. \"https://mcp.example.com\" (or set BASE_URL with FromEnv)")
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

	toolCheck := toolRulesCheck(cfg.ToolRules, cfg.RequiredScopes, cfg.Logger)
	ip, err := idp.New(idp.Config{
		Issuer:                ep.Issuer,
		ResourceURL:           mcpURL,
		MetadataURL:           ep.Metadata,
		JWKSURL:               ep.JWKS,
		OpenIDConfiguration:   true,
		LegacyEndpoints:       cfg.LegacyEndpoints,
		Audiences:             audiences,
		RequiredScopes:        cfg.RequiredScopes,
		ScopesSupported:       cfg.ScopesSupported,
		ToolScopes:            cfg.ToolScopes,
		ToolCheck:             toolCheck,
		ScopesUpFront:         cfg.ScopesUpFront,
		InBandRuleDenials:     cfg.InBandRuleDenials,
		ResourceName:          cfg.ResourceName,
		ResourceDocumentation: cfg.ResourceDocumentation,
		Algorithms:            []string{"RS256"}, // AuthKit signs with RS256 only
		ScopeSatisfied:        cfg.ScopeSatisfied,
		OnDecision:            cfg.OnDecision,
		OnKeyFetch:            cfg.OnKeyFetch,
		AuditLog:              cfg.AuditLog,
		OnRefresh:             cfg.OnRefresh,
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
	p := &Provider{
		Provider:  ip,
		endpoints: ep,
		mcpURL:    ip.ResourceURL(),
		required:  slices.Clone(cfg.RequiredScopes),
		extraAud:  extra,
		logger:    cfg.Logger,
	}
	if cfg.WorkOS != nil {
		ec := cfg.Profiles
		ec.Client = cfg.WorkOS
		ec.Now = cfg.Now
		if ec.Logger == nil {
			ec.Logger = cfg.Logger
		}
		p.enricher, err = NewEnricher(ec)
		if err != nil {
			_ = ip.Close()
			return nil, err
		}
	}
	return p, nil
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

// FromEnv is New(ConfigFromEnv(getenv)): the twelve-factor constructor.
// getenv nil means os.Getenv.
func FromEnv(getenv func(string) string) (*Provider, error) {
	return New(ConfigFromEnv(getenv))
}

// Endpoints returns the AuthKit endpoints derived from Config.Domain.
func (p *Provider) Endpoints() Endpoints { return p.endpoints }

// MCPURL returns the canonical URL of the MCP endpoint: the resource
// identifier, the audience tokens must carry, and the string to register
// under "MCP resource indicators" in the WorkOS dashboard.
func (p *Provider) MCPURL() string { return p.mcpURL }

// Enricher returns the WorkOS profile enricher, nil unless Config.WorkOS
// was set.
func (p *Provider) Enricher() *Enricher { return p.enricher }

// ErrNoEnricher is returned by [Provider.Profile] when Config.WorkOS is
// not set.
var ErrNoEnricher = errors.New("authkit: profile enrichment is off: set Config.WorkOS (or WORKOS_API_KEY)")

// Profile returns the WorkOS profile (email, name, organization memberships)
// of userID, a token's subject ([Claims.UserID]), from the cache or WorkOS.
// It is called with the WorkOS API key, never with the user's token. A
// failure never invalidates the token: errors wrap [ErrNoProfile],
// [ErrProfileUnavailable] or [ErrNoEnricher], and the claims still stand.
func (p *Provider) Profile(ctx context.Context, userID string) (*Profile, error) {
	if p.enricher == nil {
		return nil, ErrNoEnricher
	}
	return p.enricher.Profile(ctx, userID)
}

// Require returns a middleware that lets a request through only when the
// token satisfies every rule, and answers 403 insufficient_scope naming
// what is missing otherwise. Behind this provider's middleware (or inside
// [Provider.Handler]'s MCP handler) it reads the identity the provider
// verified; otherwise, used alone or behind another provider, it
// authenticates the request first.
func (p *Provider) Require(rules ...Rule) func(http.Handler) http.Handler {
	rule := AllOf(rules...)
	return func(next http.Handler) http.Handler {
		check := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if err := p.Allow(r.Context(), rule); err != nil {
				p.WriteError(w, r, err)
				return
			}
			next.ServeHTTP(w, r)
		})
		authed := p.Middleware(check)
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if _, err := p.Identity(r.Context()); err == nil && r.Method != http.MethodOptions {
				check.ServeHTTP(w, r)
				return
			}
			authed.ServeHTTP(w, r)
		})
	}
}

// RequireAllPermissions is Require(AllPermissions(perms...)): every
// permission must be in the token's "permissions" claim.
func (p *Provider) RequireAllPermissions(perms ...string) func(http.Handler) http.Handler {
	return p.Require(AllPermissions(perms...))
}

// RequireAnyRole is Require(AnyRole(roles...)): the token's "role" or
// "roles" must include at least one of roles.
func (p *Provider) RequireAnyRole(roles ...string) func(http.Handler) http.Handler {
	return p.Require(AnyRole(roles...))
}

// Allow evaluates rule against the claims of the token this provider
// verified for ctx's request (or, in a go-sdk tool served by
// gosdk.Handler, for the current call). It returns a *remote.Error: 401
// when ctx carries no token this provider verified (none, one of another
// provider, or one whose request has ended), 403 insufficient_scope when
// the rule denies; nil when allowed. Use it inside a handler or a tool for
// decisions the static rules cannot express; p.WriteError writes its error.
func (p *Provider) Allow(ctx context.Context, rule Rule) error {
	id, err := p.Identity(ctx)
	if err != nil {
		return &remote.Error{Status: http.StatusUnauthorized, Scopes: p.required, Err: err}
	}
	return evaluate(rule, claimsOf(ctx, id, p.logger), p.required)
}

// toolRulesCheck turns per-tool rules into the remote provider's ToolCheck.
func toolRulesCheck(rules map[string]Rule, required []string, log *slog.Logger) func(context.Context, string, *remote.Identity) error {
	if len(rules) == 0 {
		return nil
	}
	rules = maps.Clone(rules)
	required = slices.Clone(required)
	return func(ctx context.Context, tool string, id *remote.Identity) error {
		rule, ok := rules[tool]
		if !ok {
			return nil
		}
		return evaluate(rule, claimsOf(ctx, id, log), required)
	}
}
