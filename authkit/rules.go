package authkit

import (
	"errors"
	"net/http"
	"strings"

	"github.com/mcpauth/mcpauth/remote"
)

// A Rule decides whether the caller's claims allow an operation: nil allows,
// an error denies. Build rules with [AllPermissions] (every one of),
// [AnyRole] (at least one of) and [AllOf] (every rule), or write your own;
// the provider answers a denial with 403 insufficient_scope. A
// [*DeniedError] names what is missing in the response's error_description;
// the text of any other error stays in the logs and the client sees a generic
// description.
//
// Rules apply per route ([Provider.Require], [Provider.RequireAllPermissions],
// [Provider.RequireAnyRole]), per MCP tool (Config.ToolRules) and inside a
// handler or tool ([Provider.Allow]). A rule sees only claims of a token the
// provider verified.
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

// AllPermissions is a rule requiring every one of perms in the token's
// "permissions" claim (an array of strings). With no perms it allows.
func AllPermissions(perms ...string) Rule {
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

// AnyRole is a rule requiring at least one of roles, as the token's "role"
// (a string) or among its "roles" (an array of strings). With no roles it
// allows.
func AnyRole(roles ...string) Rule {
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

// AllOf is a rule requiring every one of rules. Denials of [AllPermissions]
// and [AnyRole] rules are merged, so the description names everything
// missing at once.
func AllOf(rules ...Rule) Rule {
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
