package authkit

import (
	"context"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/mcpauth/mcpauth/remote"
	"github.com/mcpauth/mcpauth/remote/rules"
	"github.com/workos/workos-go/v4/pkg/usermanagement"
)

// Environment variables read by [ConfigFromEnv].
const (
	envDomain         = "AUTHKIT_DOMAIN"          // required: the AuthKit domain
	envBaseURL        = "BASE_URL"                // required: the server's public base URL
	envRequiredScopes = "AUTHKIT_REQUIRED_SCOPES" // optional: comma-separated scopes every request needs
	envClientID       = "AUTHKIT_CLIENT_ID"       // optional: accept tokens whose aud is this client id (legacy fallback)
	envWorkOSAPIKey   = "WORKOS_API_KEY"          // optional: enables profile enrichment
)

// Config configures [New]. Domain and BaseURL are required; every other
// field has a working default.
type Config struct {
	// Domain is the AuthKit domain from the WorkOS dashboard (Domains):
	// "my-app.authkit.app", "https://my-app.authkit.app" or a custom domain.
	// See [DomainEndpoints] for the accepted forms. Required.
	Domain string

	// BaseURL is the public URL clients reach this server at
	// ("https://mcp.example.com"), as seen from outside any reverse proxy.
	// Required.
	BaseURL string

	// MCPPath is the path of the MCP endpoint below BaseURL. Default
	// DefaultMCPPath ("/mcp"). BaseURL + MCPPath is the resource identifier
	// (see [MCPURL]) and the audience tokens must carry.
	MCPPath string

	// RequiredScopes must all be granted to every token. Default none:
	// AuthKit's MCP tokens carry no scope unless the client asked for one.
	RequiredScopes []string

	// ScopesSupported is published in the protected resource metadata.
	// Default RequiredScopes. Do not list offline_access.
	ScopesSupported []string

	// ExtraAudiences are accepted in addition to the MCP URL. Set it to the
	// environment's client id ("client_…") only as AuthKit's documented
	// legacy fallback, for dashboards where the MCP URL is not registered
	// as a resource indicator: such tokens were not issued for this server
	// in particular. Default none.
	ExtraAudiences []string

	// ResourceName and ResourceDocumentation are published in the protected
	// resource metadata (resource_name, resource_documentation). Optional.
	ResourceName          string
	ResourceDocumentation string

	// ToolScopes lists OAuth scopes per MCP tool name, checked on tools/call
	// before the MCP handler runs. Optional.
	ToolScopes map[string][]string

	// ToolRules maps an MCP tool name to the rule (package remote/rules:
	// permissions, roles, organization, membership, combinators) a
	// tools/call for it must pass, checked before the MCP handler runs; a
	// refusal is a 403 insufficient_scope naming what is missing
	// (remote.ErrRuleDenied for Go callers). Optional.
	ToolRules map[string]rules.Rule

	// ScopesUpFront advertises every scope of RequiredScopes and ToolScopes
	// in the protected resource metadata and the first 401 challenge, so
	// clients that cannot step up (the TypeScript SDK 1.x holding a refresh
	// token) ask for them at their first sign-in; 403 challenges stay
	// precise. It costs least privilege: every token carries the scopes of
	// the most powerful tool. See remote.Config.ScopesUpFront. Default
	// false.
	ScopesUpFront bool

	// InBandRuleDenials answers a ToolRules refusal (a permission or role,
	// which signing in again cannot change) as the tool's error result
	// instead of a 403 that sends clients through OAuth again; missing
	// scopes stay 403. See remote.Config.InBandRuleDenials. Default false.
	InBandRuleDenials bool

	// Rule, when set, must allow every request to the MCP endpoint, after
	// RequiredScopes: e.g. rules.HasOrganization(), or
	// rules.OrganizationIn("org_01ACME") for a resource serving one
	// organization, or rules.ActiveMembership() (needs WorkOS). Optional.
	Rule rules.Rule

	// Claims says where tokens carry what rules read. Default
	// [DefaultClaims]: "permissions", "role" and "roles", "org_id". A nil
	// field keeps its default; set one only when a JWT template puts that
	// value under another name.
	Claims rules.ClaimNames

	// WorkOS enables profile enrichment ([Provider.Profile]) and the
	// membership rule rules.ActiveMembership, with a workos-go client
	// built by [NewWorkOSClient] (or usermanagement.NewClient(apiKey)).
	// Optional.
	WorkOS *usermanagement.Client

	// Profiles tunes the cache of WorkOS profiles (with WorkOS only).
	// Optional.
	Profiles ProfileOptions

	// LegacyEndpoints also serves /authorize, /token and /register on this
	// server's origin for clients written before protected resource
	// metadata existed (see package forward). Default off.
	LegacyEndpoints bool

	// HTTPClient fetches AuthKit's metadata and keys. Default: a retrying
	// client with short timeouts. Whatever the client, redirects are never
	// followed (see remote.JWTConfig.HTTPClient): a metadata or JWKS URL
	// answering 3xx is a failed fetch, and no other host's keys are used.
	HTTPClient *http.Client

	// MaxStale bounds how long AuthKit's key set is used past its refresh
	// time when it cannot be refreshed (an outage): longer rides out longer
	// outages, shorter stops trusting a key AuthKit may have revoked
	// sooner. Past it, requests get 503 until AuthKit answers. Default 24 h.
	MaxStale time.Duration

	// ScopeSatisfied implements scope hierarchies (a broad scope implying
	// narrow ones) for RequiredScopes and ToolScopes. Default exact match.
	ScopeSatisfied func(granted []string, required string) bool

	// AuditLog receives one line per tools/call the bearer middleware
	// decides on: the tool, the outcome, and the caller's issuer, user id,
	// organization and client id (never a token); see
	// remote.Config.AuditLog. Default nil.
	AuditLog *slog.Logger

	// OnKeyFetch is called after every fetch of AuthKit's JWKS (start-up,
	// first, scheduled, unknown-kid; with outcome and duration); see
	// remote.JWTConfig.OnKeyFetch. Default nil.
	OnKeyFetch func(remote.KeyFetch)

	// OnMetadataFetch is called after every fetch of AuthKit's metadata
	// documents; see forward.Config.OnMetadataFetch. Default nil.
	OnMetadataFetch func(remote.MetadataFetch)

	// OnDecision is called once for every request the bearer middleware
	// decides on (allowed, or which failure class), with its latency and the
	// token's non-secret metadata: the hook for Prometheus, OpenTelemetry or
	// expvar. Default nil.
	OnDecision func(context.Context, remote.Decision)

	// TokenCacheSize bounds the verified-token cache in entries (about
	// 1.6 KiB each for an AuthKit token). Default 10,000.
	TokenCacheSize int

	// DisableTokenCache verifies every request's token in full (one RSA
	// signature check each). Default off.
	DisableTokenCache bool

	// Logger receives failures by class with token metadata only (never a
	// token) and, at debug level, each claim a rule check ignored for its
	// type (name and JSON type, never the value). Default nil: silent.
	Logger *slog.Logger

	// Now is the clock for token validation and caches. Default time.Now.
	Now func() time.Time
}

// ConfigFromEnv builds a Config from environment variables:
//
//	AUTHKIT_DOMAIN           required  my-app.authkit.app
//	BASE_URL                 required  https://mcp.example.com
//	AUTHKIT_REQUIRED_SCOPES  optional  comma-separated, e.g. "mcp:read,mcp:write"
//	AUTHKIT_CLIENT_ID        optional  accepted as an extra audience (legacy fallback)
//	WORKOS_API_KEY           optional  enables profile enrichment and rules.ActiveMembership
//
// It is the one environment-driven path: the environment gives what
// differs per deployment, and code sets the rest on the same Config
// (ToolRules, Rule, Logger, OnDecision, ...) before [New]:
//
//	cfg := authkit.ConfigFromEnv(os.Getenv)
//	cfg.ToolRules = map[string]rules.Rule{"delete_repo": rules.AllPermissions("repos:delete")}
//	cfg.Logger = slog.Default()
//	p, err := authkit.New(cfg)
//
// getenv looks a variable up; nil means os.Getenv. Values are trimmed;
// validation happens in New, whose errors name the variable to set.
func ConfigFromEnv(getenv func(string) string) Config {
	if getenv == nil {
		getenv = os.Getenv
	}
	get := func(k string) string { return strings.TrimSpace(getenv(k)) }
	cfg := Config{
		Domain:         get(envDomain),
		BaseURL:        get(envBaseURL),
		RequiredScopes: ParseScopes(get(envRequiredScopes)),
	}
	if id := get(envClientID); id != "" {
		cfg.ExtraAudiences = []string{id}
	}
	if key := get(envWorkOSAPIKey); key != "" {
		cfg.WorkOS = NewWorkOSClient(key)
	}
	return cfg
}

// ParseScopes reads a scope list as AUTHKIT_REQUIRED_SCOPES takes it:
// separated by commas or spaces, empty items dropped; nil for none.
func ParseScopes(s string) []string {
	f := strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' })
	if len(f) == 0 {
		return nil
	}
	return f
}
