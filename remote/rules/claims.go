package rules

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"strings"

	"github.com/mcpauth/mcpauth/remote"
)

// A Claim locates a value in a token: its path from the top of the claims
// (one name for a top-level claim, several for a member of nested objects)
// and its JSON type. Build it with [StringClaim] or [StringsClaim]; the
// zero Claim names nothing and is a configuration error.
type Claim struct {
	path []string
	list bool
}

// StringClaim is a claim that must be a string, such as AuthKit's "role"
// or "org_id". A value of any other type is ignored (and logged at debug
// level), never converted.
func StringClaim(path ...string) Claim { return Claim{path: slices.Clone(path)} }

// StringsClaim is a claim that must be an array of strings, such as
// Keycloak's StringsClaim("realm_access", "roles") or Entra ID's "roles".
// A single string is not a list: it grants nothing (and is logged at debug
// level), as does an array holding anything but strings.
func StringsClaim(path ...string) Claim { return Claim{path: slices.Clone(path), list: true} }

// String names the claim's path, its members joined with ".", for logs
// and messages.
func (c Claim) String() string { return strings.Join(c.path, ".") }

func (c Claim) check() error {
	if len(c.path) == 0 {
		return fmt.Errorf("a claim names no path: build it with StringClaim or StringsClaim")
	}
	for _, name := range c.path {
		if name == "" {
			return fmt.Errorf("claim %q has an empty member name", c.String())
		}
	}
	return nil
}

// ClaimNames says where an issuer's tokens carry what rules look at. Each
// list is read in order and its values are merged (AuthKit's role is in
// "role", a string, and in "roles", an array); the first Organization
// claim present is the organization. A field left empty means the tokens
// carry no such thing: a rule that needs it is a configuration error in
// [New]. The presets of package idp, and package authkit, fill it in.
type ClaimNames struct {
	// Permissions: e.g. []Claim{StringsClaim("permissions")} (Auth0,
	// AuthKit).
	Permissions []Claim
	// Roles: e.g. []Claim{StringsClaim("realm_access", "roles")}
	// (Keycloak), []Claim{StringsClaim("roles")} (Entra ID).
	Roles []Claim
	// Organization holds string claims only: e.g.
	// []Claim{StringClaim("org_id")} (AuthKit, Auth0).
	Organization []Claim
}

func (n ClaimNames) check() error {
	for _, f := range []struct {
		field  string
		claims []Claim
	}{{"Permissions", n.Permissions}, {"Roles", n.Roles}, {"Organization", n.Organization}} {
		field := f.field
		for _, c := range f.claims {
			if err := c.check(); err != nil {
				return fmt.Errorf("in Claims.%s: %w", field, err)
			}
			if field == "Organization" && c.list {
				return fmt.Errorf("in Claims.Organization: claim %q is an array of strings; an organization is one string: use StringClaim", c.String())
			}
		}
	}
	return nil
}

// Principal is the caller a rule decides about: the verified identity and
// what [ClaimNames] found in it, typed. It is read-only; its methods
// return copies.
type Principal struct {
	id          *remote.Identity
	permissions []string
	roles       []string
	org         string
	satisfied   func(granted []string, required string) bool
	dir         Directory
}

// Identity is the verified token the principal comes from, for rules that
// read a claim of their own (see remote.Identity.DecodeClaims).
func (p *Principal) Identity() *remote.Identity {
	if p == nil {
		return nil
	}
	return p.id
}

// Permissions returns a copy of the permissions found.
func (p *Principal) Permissions() []string {
	if p == nil {
		return nil
	}
	return slices.Clone(p.permissions)
}

// Roles returns a copy of the roles found.
func (p *Principal) Roles() []string {
	if p == nil {
		return nil
	}
	return slices.Clone(p.roles)
}

// Organization is the organization the token was issued for, "" when none.
func (p *Principal) Organization() string {
	if p == nil {
		return ""
	}
	return p.org
}

// HasPermission reports whether perm is among the permissions.
func (p *Principal) HasPermission(perm string) bool {
	return p != nil && slices.Contains(p.permissions, perm)
}

// HasRole reports whether role is among the roles.
func (p *Principal) HasRole(role string) bool {
	return p != nil && slices.Contains(p.roles, role)
}

// HasScope reports whether the token was granted scope, through the
// provider's scope hierarchy when it has one (Config.ScopeSatisfied),
// else by exact match.
func (p *Principal) HasScope(scope string) bool {
	if p == nil {
		return false
	}
	granted := p.id.Scopes()
	if p.satisfied != nil {
		return p.satisfied(granted, scope)
	}
	return slices.Contains(granted, scope)
}

// reader reads ClaimNames from an identity and logs, at debug level, each
// claim it ignores for its type.
type reader struct {
	ctx context.Context
	id  *remote.Identity
	log *slog.Logger
}

func (r reader) strings(claims []Claim) []string {
	var out []string
	for _, c := range claims {
		if c.list {
			if v, ok := r.id.StringsClaim(c.path...); ok {
				out = append(out, v...)
				continue
			}
		} else if v, ok := r.id.StringClaim(c.path...); ok {
			if v != "" {
				out = append(out, v)
			}
			continue
		}
		r.ignored(c)
	}
	return out
}

func (r reader) first(claims []Claim) string {
	for _, c := range claims {
		if v, ok := r.id.StringClaim(c.path...); ok && v != "" {
			return v
		}
		r.ignored(c)
	}
	return ""
}

// ignored logs a claim that is present but not of its type: its path and
// JSON class, never its value.
func (r reader) ignored(c Claim) {
	if r.log == nil || !r.log.Enabled(r.ctx, slog.LevelDebug) {
		return
	}
	v, present := r.id.Claim(c.path[0])
	for _, name := range c.path[1:] {
		obj, ok := v.(map[string]any)
		if !present || !ok {
			return // absent below an object: nothing to report
		}
		v, present = obj[name]
	}
	if !present {
		return
	}
	want := "a string"
	if c.list {
		want = "an array of strings"
	}
	r.log.LogAttrs(r.ctx, slog.LevelDebug, "rules: claim ignored: unexpected type",
		slog.String("claim", c.String()), slog.String("type", jsonClass(v)), slog.String("want", want),
		slog.String("sub", r.id.Subject()), slog.String("iss", r.id.Issuer()))
}

// jsonClass names the JSON type of a decoded value.
func jsonClass(v any) string {
	switch t := v.(type) {
	case nil:
		return "null"
	case string:
		return "string"
	case bool:
		return "boolean"
	case float64, json.Number:
		return "number"
	case map[string]any:
		return "object"
	case []any:
		for _, e := range t {
			if _, ok := e.(string); !ok {
				return "array with a " + jsonClass(e) + " element"
			}
		}
		return "array"
	}
	return fmt.Sprintf("%T", v)
}
