package authkit

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/mcpauth/mcpauth/remote"
)

// A Rule decides whether the caller's claims allow an operation: nil allows,
// an error denies. Build rules with [Permissions], [Role] and [All], or write
// your own; the provider answers a denial with 403 insufficient_scope. A
// [*DeniedError] names what is missing in the response's error_description;
// the text of any other error stays in the logs and the client sees a generic
// description.
//
// Rules apply per route ([Provider.Require], [Provider.RequirePermissions],
// [Provider.RequireRole]) and per MCP tool (Config.ToolRules).
type Rule func(*Claims) error

// DeniedError is the error the rules of this package return. Its fields are
// names from the WorkOS dashboard (permission and role slugs), safe to show
// to the client.
type DeniedError struct {
	// MissingPermissions are the required permissions the token lacks.
	MissingPermissions []string
	// Roles are the roles of which the token has none but needs one.
	Roles []string
}

// Description is the client-facing error_description.
func (e *DeniedError) Description() string {
	var parts []string
	if len(e.MissingPermissions) == 1 {
		parts = append(parts, "missing permission: "+e.MissingPermissions[0])
	} else if len(e.MissingPermissions) > 1 {
		parts = append(parts, "missing permissions: "+strings.Join(e.MissingPermissions, ", "))
	}
	if len(e.Roles) == 1 {
		parts = append(parts, "requires role: "+e.Roles[0])
	} else if len(e.Roles) > 1 {
		parts = append(parts, "requires one of the roles: "+strings.Join(e.Roles, ", "))
	}
	if len(parts) == 0 {
		return "insufficient permissions"
	}
	return strings.Join(parts, "; ")
}

func (e *DeniedError) Error() string { return "authkit: " + e.Description() }

// Unwrap makes a denial match remote.ErrInsufficientScope.
func (e *DeniedError) Unwrap() error { return remote.ErrInsufficientScope }

// Permissions is a rule requiring every one of perms in the token's
// "permissions" claim.
func Permissions(perms ...string) Rule {
	perms = cleanList(perms)
	return func(c *Claims) error {
		var missing []string
		for _, p := range perms {
			if !c.HasPermission(p) {
				missing = append(missing, p)
			}
		}
		if len(missing) > 0 {
			return &DeniedError{MissingPermissions: missing}
		}
		return nil
	}
}

// Role is a rule requiring at least one of roles, as the token's "role" or
// among its "roles".
func Role(roles ...string) Rule {
	roles = cleanList(roles)
	return func(c *Claims) error {
		if len(roles) == 0 {
			return nil
		}
		for _, r := range roles {
			if c.HasRole(r) {
				return nil
			}
		}
		return &DeniedError{Roles: roles}
	}
}

// All is a rule requiring every one of rules. Denials of [Permissions] and
// [Role] rules are merged, so the description names everything missing at
// once.
func All(rules ...Rule) Rule {
	return func(c *Claims) error {
		var merged DeniedError
		for _, r := range rules {
			if r == nil {
				continue
			}
			err := r(c)
			if err == nil {
				continue
			}
			var d *DeniedError
			if !errors.As(err, &d) {
				return err
			}
			merged.MissingPermissions = append(merged.MissingPermissions, d.MissingPermissions...)
			merged.Roles = append(merged.Roles, d.Roles...)
		}
		if len(merged.MissingPermissions) > 0 || len(merged.Roles) > 0 {
			return &merged
		}
		return nil
	}
}

// Allow evaluates rule against the claims of the token in ctx. It returns
// a *remote.Error: 401 when ctx carries no verified token, 403
// insufficient_scope when the rule denies; nil when allowed. Use it inside
// a handler or a tool for decisions the static rules cannot express.
func Allow(ctx context.Context, rule Rule) error {
	c, ok := ClaimsFromContext(ctx)
	if !ok {
		return &remote.Error{Status: http.StatusUnauthorized, Err: remote.ErrMissingToken}
	}
	return evaluate(rule, c, nil)
}

// evaluate runs rule on c and turns a denial into the 403 the provider
// writes; scopes are the scopes the challenge names.
func evaluate(rule Rule, c *Claims, scopes []string) error {
	if rule == nil {
		return nil
	}
	err := rule(c)
	if err == nil {
		return nil
	}
	desc := "insufficient permissions"
	var d *DeniedError
	if errors.As(err, &d) {
		desc = d.Description()
	}
	return &remote.Error{
		Status:      http.StatusForbidden,
		Code:        remote.CodeInsufficientScope,
		Description: desc,
		Scopes:      scopes,
		Err:         errors.Join(remote.ErrInsufficientScope, err),
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
