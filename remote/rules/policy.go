package rules

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"slices"
	"strconv"

	"github.com/mcpauth/mcpauth/remote"
)

// Config configures [New]. Every field is optional; a rule that needs a
// claim or the Directory is a configuration error without it.
type Config struct {
	// Claims says where the tokens carry permissions, roles and the
	// organization. Default: nowhere (only scope rules and custom rules
	// can be used).
	Claims ClaimNames

	// Rule, when set, must allow every request: the rule for the whole
	// endpoint (e.g. OrganizationIn("org_acme") for a resource that
	// serves one organization). [Policy.RequestCheck] applies it.
	Rule Rule

	// ToolRules maps an MCP tool name to the rule a tools/call for it
	// must pass. [Policy.ToolCheck] applies it; a tool without an entry
	// needs no rule.
	ToolRules map[string]Rule

	// Directory answers [ActiveMembership]. Default none.
	Directory Directory

	// ChallengeScopes are named in the scope parameter of every 403 a
	// rule causes, next to what the rule names: set it to the provider's
	// RequiredScopes, so a client that re-authorizes keeps them.
	ChallengeScopes []string

	// ScopeSatisfied implements scope hierarchies for scope rules (see
	// remote.Config.ScopeSatisfied; give both the same function). Default
	// exact match.
	ScopeSatisfied func(granted []string, required string) bool

	// Logger receives, at debug level, each claim ignored for its type
	// (its name and JSON type, never its value), and the cause of each
	// refusal by a custom rule. Default nil: silent.
	Logger *slog.Logger
}

// Policy applies rules to verified identities the way a provider answers
// them: a refusal is a *remote.Error with status 403 insufficient_scope
// (naming what is missing), a rule that cannot decide now a 503. Build it
// with [New]; it is immutable and safe for concurrent use.
//
// Packages idp and authkit build one from their own Config; with a plain
// remote.Provider, pass its methods as the provider's hooks:
//
//	pol, err := rules.New(rules.Config{
//		Claims: rules.ClaimNames{Roles: []rules.Claim{rules.StringsClaim("roles")}},
//		ToolRules: map[string]rules.Rule{"delete_repo": rules.AnyRole("admin")},
//	})
//	p, err := remote.New(remote.Config{ /* ... */ ToolCheck: pol.ToolCheck, RequestCheck: pol.RequestCheck})
type Policy struct {
	claims    ClaimNames
	request   Rule
	tools     map[string]Rule
	dir       Directory
	scopes    []string
	satisfied func([]string, string) bool
	log       *slog.Logger
}

// New checks every rule of cfg against its claims and directory and
// returns the policy. An error names the rule and says what to fix.
func New(cfg Config) (*Policy, error) {
	if err := cfg.Claims.check(); err != nil {
		return nil, fmt.Errorf("rules: %w", err)
	}
	p := &Policy{
		claims: ClaimNames{
			Permissions:  slices.Clone(cfg.Claims.Permissions),
			Roles:        slices.Clone(cfg.Claims.Roles),
			Organization: slices.Clone(cfg.Claims.Organization),
		},
		request:   cfg.Rule,
		tools:     maps.Clone(cfg.ToolRules),
		dir:       cfg.Directory,
		scopes:    slices.Clone(cfg.ChallengeScopes),
		satisfied: cfg.ScopeSatisfied,
		log:       cfg.Logger,
	}
	if cfg.Rule != nil {
		if err := p.Validate(cfg.Rule); err != nil {
			return nil, fmt.Errorf("rules: the rule for every request (Rule): %w", err)
		}
	}
	names := slices.Sorted(maps.Keys(cfg.ToolRules))
	for _, name := range names {
		if name == "" {
			return nil, errors.New("rules: a tool rule has an empty tool name")
		}
		if err := p.Validate(cfg.ToolRules[name]); err != nil {
			return nil, fmt.Errorf("rules: the rule for tool %s: %w", strconv.Quote(name), err)
		}
	}
	return p, nil
}

// Validate reports why r could never be satisfied under this policy: a
// nil rule, a list naming nothing, a rule needing claims the policy's
// ClaimNames do not name or a Directory it does not have. Custom rules
// ([Func]) are not inspected.
func (p *Policy) Validate(r Rule) error {
	return validate(r, &p.claims, p.dir != nil)
}

// Principal reads id's permissions, roles and organization as the
// policy's ClaimNames say; nil for a nil id.
func (p *Policy) Principal(ctx context.Context, id *remote.Identity) *Principal {
	if id == nil {
		return nil
	}
	r := reader{ctx: ctx, id: id, log: p.log}
	return &Principal{
		id:          id,
		permissions: r.strings(p.claims.Permissions),
		roles:       r.strings(p.claims.Roles),
		org:         r.first(p.claims.Organization),
		satisfied:   p.satisfied,
		dir:         p.dir,
	}
}

// Check decides rule for id: nil when it allows (or rule is nil); else
// a *remote.Error for the provider to write: 403 insufficient_scope whose
// description is the [DeniedError]'s (or a generic one for another error,
// whose text stays in Err) and whose scopes are ChallengeScopes plus the
// rule's, wrapping remote.ErrRuleDenied; 503 when the rule could not
// decide (an error wrapping remote.ErrUnavailable); a *remote.Error a
// custom rule returned, as is.
func (p *Policy) Check(ctx context.Context, rule Rule, id *remote.Identity) error {
	if rule == nil {
		return nil
	}
	if id == nil {
		return &remote.Error{Status: http.StatusUnauthorized, Scopes: p.scopes, Err: remote.ErrNoIdentity}
	}
	err := rule.Check(ctx, p.Principal(ctx, id))
	if err == nil {
		return nil
	}
	var re *remote.Error
	var d *DeniedError
	switch {
	case errors.As(err, &re):
		return err
	case errors.As(err, &d):
		scopes := slices.Clone(p.scopes)
		if d != nil {
			scopes = appendNew(scopes, d.Scopes...)
		}
		return &remote.Error{Status: http.StatusForbidden, Code: remote.CodeInsufficientScope,
			Description: d.Description(), Scopes: scopes, Err: err}
	case errors.Is(err, remote.ErrUnavailable):
		return &remote.Error{Status: http.StatusServiceUnavailable, Description: "Authorization data is temporarily unavailable; retry later", Err: err}
	}
	if p.log != nil {
		p.log.LogAttrs(ctx, slog.LevelDebug, "rules: a custom rule refused", slog.String("sub", id.Subject()),
			slog.String("iss", id.Issuer()), slog.String("err", err.Error()))
	}
	return &remote.Error{Status: http.StatusForbidden, Code: remote.CodeInsufficientScope,
		Description: "insufficient permissions", Scopes: p.scopes, Err: errors.Join(remote.ErrRuleDenied, err)}
}

// RequestCheck applies Config.Rule to id; it has the type of
// remote.Config.RequestCheck.
func (p *Policy) RequestCheck(ctx context.Context, id *remote.Identity) error {
	return p.Check(ctx, p.request, id)
}

// ToolCheck applies the rule Config.ToolRules names for tool to id (nil when
// none); it has the type of remote.Config.ToolCheck. Set it as a
// provider's ToolCheck only when ToolRules names a rule: with a ToolCheck the
// middleware reads every POST body.
func (p *Policy) ToolCheck(ctx context.Context, tool string, id *remote.Identity) error {
	return p.Check(ctx, p.tools[tool], id)
}

// Provider is the provider a policy's Allow and Require work with: a
// *remote.Provider, *idp.Provider or *authkit.Provider.
type Provider interface {
	// Identity returns the identity the provider verified for ctx.
	Identity(ctx context.Context) (*remote.Identity, error)
	// Middleware authenticates a request and calls next with its identity.
	Middleware(next http.Handler) http.Handler
	// WriteError writes the RFC 6750 answer for an error.
	WriteError(w http.ResponseWriter, r *http.Request, err error)
}

// Allow decides rule for the identity prov verified for ctx's request (or
// call): a *remote.Error with status 401 when there is none (no token, a
// token another provider verified, a request that has ended), else as
// [Policy.Check]. A rule that fails [Policy.Validate] (a membership rule
// without a Directory, say) refuses with 403, its reason in Err and,
// at error level, in the log. Use it in a handler or tool for decisions
// the configured rules cannot express; prov.WriteError writes its error.
func (p *Policy) Allow(ctx context.Context, prov Provider, rule Rule) error {
	id, err := prov.Identity(ctx)
	if err != nil {
		return &remote.Error{Status: http.StatusUnauthorized, Scopes: p.scopes, Err: err}
	}
	if rule != nil {
		if err := p.Validate(rule); err != nil {
			err = fmt.Errorf("rules: Allow: %w", err)
			if p.log != nil {
				p.log.ErrorContext(ctx, "rules: a rule that can never pass was checked", "err", err)
			}
			return &remote.Error{Status: http.StatusForbidden, Code: remote.CodeInsufficientScope,
				Description: "insufficient permissions", Scopes: p.scopes, Err: errors.Join(remote.ErrRuleDenied, err)}
		}
	}
	return p.Check(ctx, rule, id)
}

// Require returns a middleware that lets a request through only when it
// passes every one of rules, and writes the refusal (403 naming what is
// missing, or 503) otherwise. Behind prov's middleware it reads the
// identity prov verified; used alone (or behind another provider) it
// authenticates the request through prov first. It panics, at set-up, when
// rules is empty or a rule fails [Policy.Validate], as http.ServeMux.Handle
// does for a bad pattern.
func (p *Policy) Require(prov Provider, rules ...Rule) func(http.Handler) http.Handler {
	if len(rules) == 0 {
		panic("rules: Require needs at least one rule")
	}
	rule := rules[0]
	if len(rules) > 1 {
		rule = AllOf(rules...)
	}
	if err := p.Validate(rule); err != nil {
		panic("rules: Require: " + err.Error())
	}
	return func(next http.Handler) http.Handler {
		check := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if err := p.Allow(r.Context(), prov, rule); err != nil {
				prov.WriteError(w, r, err)
				return
			}
			next.ServeHTTP(w, r)
		})
		authed := prov.Middleware(check)
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if _, err := prov.Identity(r.Context()); err == nil && r.Method != http.MethodOptions {
				check.ServeHTTP(w, r)
				return
			}
			authed.ServeHTTP(w, r)
		})
	}
}
