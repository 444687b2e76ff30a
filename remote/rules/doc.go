// Package rules is the authorization vocabulary of every provider: who may
// call which tool, route or endpoint, decided on the claims of a verified
// token, whatever the issuer. Packages idp and authkit build on it (their
// Config.Rule, Config.ToolRules, Allow and Require); a plain
// remote.Provider takes a [Policy]'s methods as its hooks.
//
// The vocabulary says how lists combine in its names: [AllPermissions],
// [AllRoles] and [AllScopes] need every value listed, [AnyPermission],
// [AnyRole] and [AnyScope] one of them; [HasOrganization] needs the token
// to name an organization, [OrganizationIn] one of a set, and
// [ActiveMembership] an active membership in it, confirmed by a
// [Directory] (WorkOS, for package authkit); [AllOf] and [AnyOf] combine
// rules, and [Func] is any rule of your own.
//
// Where an issuer puts permissions, roles and the organization is said
// once, in [ClaimNames], with each claim's JSON type: a single string is
// never read as a list. The presets of package idp fill it in (Keycloak's
// realm_access.roles, Entra ID's roles, Auth0's permissions and org_id,
// Okta's groups), and package authkit uses AuthKit's names. A rule that
// cannot work as configured (an empty list, roles where the tokens carry
// none, a membership rule without a directory) is an error when the
// provider is built.
//
// A refusal is a 403 insufficient_scope whose error_description names
// what is missing, and wraps remote.ErrRuleDenied for Go callers (such as
// lists that hide what a caller can never use); a rule that cannot decide
// now (its directory is down) is a 503 with Retry-After, never a 401, so
// the client keeps its token and retries.
//
// A provider for Keycloak, with rules per tool and one for the endpoint:
//
//	cfg := idp.Keycloak("https://sso.example.com", "mcp", "https://mcp.example.com/mcp")
//	cfg.Rule = rules.AnyRole("mcp-user")
//	cfg.ToolRules = map[string]rules.Rule{
//		"delete_repo": rules.AllOf(rules.AnyRole("admin"), rules.AllScopes("repos:write")),
//		"billing":     rules.AnyOf(rules.AnyRole("finance"), rules.AnyRole("admin")),
//	}
//	p, err := idp.New(cfg)
//
// and, in a tool, a decision of its own and a claim the vocabulary does
// not know, decoded with its type:
//
//	if err := p.Allow(ctx, rules.AnyRole("admin")); err != nil {
//		return nil, err
//	}
//	id, _ := p.Identity(ctx)
//	var c struct {
//		Groups []string `json:"groups"`
//	}
//	if err := id.DecodeClaims(&c); err != nil {
//		return nil, err // "groups" was not an array of strings
//	}
package rules
