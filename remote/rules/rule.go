package rules

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/mcpauth/mcpauth/remote"
)

// A Rule decides whether a principal may go on: nil allows. A denial is a
// [*DeniedError], which names what is missing in the 403's
// error_description; an error wrapping remote.ErrUnavailable (a directory
// that cannot be asked) is answered 503, so the client retries with the
// same token; the text of any other error stays in the logs and the client
// sees a generic 403.
//
// Build rules from this package's vocabulary ([AllPermissions],
// [AnyRole], [OrganizationIn], [AllOf], [AnyOf], ...) or write your own with
// [Func]. The built-in rules are checked when a provider is built (a list
// with no value, a rule needing roles where the tokens carry none), so a
// typo fails at start-up rather than allowing or refusing everyone.
type Rule interface {
	Check(ctx context.Context, p *Principal) error
}

// Func adapts a function to a [Rule], like http.HandlerFunc:
//
//	rules.Func(func(ctx context.Context, p *rules.Principal) error {
//		var c struct{ Plan string `json:"plan"` }
//		if err := p.Identity().DecodeClaims(&c); err != nil || c.Plan != "pro" {
//			return &rules.DeniedError{Needs: []string{"a pro plan"}}
//		}
//		return nil
//	})
type Func func(ctx context.Context, p *Principal) error

// Check calls f(ctx, p).
func (f Func) Check(ctx context.Context, p *Principal) error { return f(ctx, p) }

// DeniedError is a rule's refusal. Its fields name configured values only
// (permission, role, scope and organization names from the server's own
// rules, never a token's content), so they are safe to show to the
// client. It wraps remote.ErrRuleDenied (and so remote.ErrInsufficientScope).
type DeniedError struct {
	// Needs lists what the principal lacks, one clause each, e.g.
	// "missing permission: repos:delete" or "requires one of the roles:
	// admin, owner".
	Needs []string
	// Scopes are scopes a grant of which would satisfy the rule (those of
	// a scope rule); the challenge names them next to the provider's
	// required scopes.
	Scopes []string
}

// Description is the client-facing error_description: the clauses joined
// with "; ".
func (e *DeniedError) Description() string {
	if e == nil || len(e.Needs) == 0 {
		return "insufficient permissions"
	}
	return strings.Join(e.Needs, "; ")
}

func (e *DeniedError) Error() string { return "rules: denied: " + e.Description() }

// Unwrap makes a denial match remote.ErrRuleDenied.
func (e *DeniedError) Unwrap() error { return remote.ErrRuleDenied }

// ErrDirectoryUnavailable: a rule needed the [Directory] and it could not
// answer (an outage, a rate limit, a timeout). It wraps
// remote.ErrUnavailable: the request is answered 503 with Retry-After,
// never 401 or 403, so the client keeps its token and retries.
var ErrDirectoryUnavailable = fmt.Errorf("%w: directory unavailable", remote.ErrUnavailable)

// validator is implemented by the built-in rules: it reports a rule that
// could never be satisfied as configured.
type validator interface {
	validate(n *ClaimNames, dir bool) error
}

// validate checks r as [New] does: nil rules, empty lists, rules that need
// claims n does not name or a directory that is missing.
func validate(r Rule, n *ClaimNames, dir bool) error {
	switch v := r.(type) {
	case nil:
		return errors.New("the rule is nil")
	case Func:
		if v == nil {
			return errors.New("the rule is a nil Func")
		}
		return nil
	case validator:
		return v.validate(n, dir)
	}
	return nil
}

// what a list rule reads.
type listKind int

const (
	kindPermission listKind = iota
	kindRole
	kindScope
)

var kindNames = [...]struct{ one, many, ctor, field string }{
	kindPermission: {"permission", "permissions", "Permission", "Permissions"},
	kindRole:       {"role", "roles", "Role", "Roles"},
	kindScope:      {"scope", "scopes", "Scope", "scopes"},
}

// listRule requires all (or any) of values of one kind.
type listRule struct {
	kind   listKind
	all    bool
	values []string
}

func newList(kind listKind, all bool, values []string) listRule {
	return listRule{kind: kind, all: all, values: cleanValues(values)}
}

// cleanValues returns values trimmed, without empty items and repeats.
func cleanValues(values []string) []string {
	out := make([]string, 0, len(values))
	for _, v := range values {
		if v = strings.TrimSpace(v); v != "" && !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}

// AllPermissions requires every one of perms among the principal's
// permissions (Claims.Permissions).
func AllPermissions(perms ...string) Rule { return newList(kindPermission, true, perms) }

// AnyPermission requires at least one of perms.
func AnyPermission(perms ...string) Rule { return newList(kindPermission, false, perms) }

// AllRoles requires every one of roles among the principal's roles
// (Claims.Roles).
func AllRoles(roles ...string) Rule { return newList(kindRole, true, roles) }

// AnyRole requires at least one of roles.
func AnyRole(roles ...string) Rule { return newList(kindRole, false, roles) }

// AllScopes requires every one of scopes granted to the token (through the
// provider's scope hierarchy, if any). It is a rule like the others: its
// refusal wraps remote.ErrRuleDenied, and the 403 names the missing scopes
// so a client that re-authorizes with them passes. For a tool that only
// needs scopes, prefer the provider's ToolScopes: a client steps up on
// those, and lists hiding refused tools keep the tool.
func AllScopes(scopes ...string) Rule { return newList(kindScope, true, scopes) }

// AnyScope requires at least one of scopes granted.
func AnyScope(scopes ...string) Rule { return newList(kindScope, false, scopes) }

func (r listRule) validate(n *ClaimNames, _ bool) error {
	k := kindNames[r.kind]
	ctor := "Any" + k.ctor
	if r.all {
		ctor = "All" + k.ctor + "s"
	}
	if len(r.values) == 0 {
		return fmt.Errorf("%s lists no %s: name at least one", ctor, k.one)
	}
	switch r.kind {
	case kindPermission:
		if len(n.Permissions) == 0 {
			return fmt.Errorf("%s needs permissions, but Claims.Permissions names no claim: say where the tokens carry them, e.g. StringsClaim(\"permissions\")", ctor)
		}
	case kindRole:
		if len(n.Roles) == 0 {
			return fmt.Errorf("%s needs roles, but Claims.Roles names no claim: say where the tokens carry them, e.g. StringsClaim(\"roles\")", ctor)
		}
	}
	return nil
}

func (r listRule) Check(_ context.Context, p *Principal) error {
	k := kindNames[r.kind]
	has := func(v string) bool {
		switch r.kind {
		case kindPermission:
			return p.HasPermission(v)
		case kindRole:
			return p.HasRole(v)
		}
		return p.HasScope(v)
	}
	if len(r.values) == 0 {
		return errors.New("rules: a rule lists no " + k.one) // fail closed; New reports it
	}
	var d DeniedError
	if r.all {
		var missing []string
		for _, v := range r.values {
			if !has(v) {
				missing = append(missing, v)
			}
		}
		if len(missing) == 0 {
			return nil
		}
		if len(missing) == 1 {
			d.Needs = []string{"missing " + k.one + ": " + missing[0]}
		} else {
			d.Needs = []string{"missing " + k.many + ": " + strings.Join(missing, ", ")}
		}
		if r.kind == kindScope {
			d.Scopes = missing
		}
		return &d
	}
	for _, v := range r.values {
		if has(v) {
			return nil
		}
	}
	if len(r.values) == 1 {
		d.Needs = []string{"requires " + k.one + ": " + r.values[0]}
	} else {
		d.Needs = []string{"requires one of the " + k.many + ": " + strings.Join(r.values, ", ")}
	}
	if r.kind == kindScope {
		d.Scopes = r.values[:1] // one suffices: ask for the first
	}
	return &d
}

// orgRule requires an organization (any, or one of ids).
type orgRule struct {
	ids []string
	any bool
}

// HasOrganization requires the token to name an organization
// (Claims.Organization), whichever it is.
func HasOrganization() Rule { return orgRule{any: true} }

// OrganizationIn requires the token's organization to be one of ids.
func OrganizationIn(ids ...string) Rule {
	return orgRule{ids: cleanValues(ids)}
}

func (r orgRule) validate(n *ClaimNames, _ bool) error {
	if !r.any && len(r.ids) == 0 {
		return errors.New("OrganizationIn lists no organization: name at least one (HasOrganization accepts any)")
	}
	if len(n.Organization) == 0 {
		return errors.New("an organization rule needs Claims.Organization, which names no claim: say where the tokens carry it, e.g. StringClaim(\"org_id\")")
	}
	return nil
}

func (r orgRule) Check(_ context.Context, p *Principal) error {
	org := p.Organization()
	switch {
	case org == "":
		return &DeniedError{Needs: []string{"requires an organization"}}
	case r.any || slices.Contains(r.ids, org):
		return nil
	case len(r.ids) == 1:
		return &DeniedError{Needs: []string{"requires organization: " + r.ids[0]}}
	case len(r.ids) == 0:
		return errors.New("rules: OrganizationIn lists no organization") // fail closed; New reports it
	}
	return &DeniedError{Needs: []string{"requires one of the organizations: " + strings.Join(r.ids, ", ")}}
}

// A Directory answers what a token cannot: whether the principal's
// membership in an organization is active now (a user removed from an
// organization, or whose membership is pending, still holds tokens naming
// it until they expire). Package authkit has one, backed by the WorkOS API,
// behind every provider with Config.WorkOS. It must be safe for concurrent use, and should cache: it is
// asked on every request a membership rule decides.
type Directory interface {
	// ActiveMember reports whether p is an active member of organization.
	// "No such user" or "no membership" is (false, nil); an error means
	// the directory could not answer, and the request is answered 503
	// (see [ErrDirectoryUnavailable]).
	ActiveMember(ctx context.Context, p *Principal, organization string) (bool, error)
}

// membershipRule requires an active membership in the token's organization.
type membershipRule struct{}

// ActiveMembership requires the token to name an organization and the
// provider's [Directory] to confirm that the principal's membership in it
// is active: inactive and pending memberships are refused (403). When the
// directory cannot answer (an outage, a rate limit), the request is
// refused with 503 and Retry-After (fail closed; never 401, so the client
// keeps its token), unless a cached answer exists. A provider without a
// Directory rejects the rule at start-up.
func ActiveMembership() Rule { return membershipRule{} }

func (membershipRule) validate(n *ClaimNames, dir bool) error {
	if len(n.Organization) == 0 {
		return errors.New("ActiveMembership needs Claims.Organization, which names no claim")
	}
	if !dir {
		return errors.New("ActiveMembership needs a Directory to ask (with package authkit: set Config.WorkOS)")
	}
	return nil
}

func (membershipRule) Check(ctx context.Context, p *Principal) error {
	org := p.Organization()
	if org == "" {
		return &DeniedError{Needs: []string{"requires an organization"}}
	}
	if p.dir == nil {
		return fmt.Errorf("%w: no directory configured", ErrDirectoryUnavailable)
	}
	active, err := p.dir.ActiveMember(ctx, p, org)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrDirectoryUnavailable, err)
	}
	if !active {
		return &DeniedError{Needs: []string{"requires an active membership in the organization"}}
	}
	return nil
}

// validateEach validates the rules of the combinator named name.
func validateEach(name string, rs []Rule, n *ClaimNames, dir bool) error {
	if len(rs) == 0 {
		return errors.New(name + " lists no rule")
	}
	for i, r := range rs {
		if err := validate(r, n, dir); err != nil {
			return fmt.Errorf("%s rule %d: %w", name, i, err)
		}
	}
	return nil
}

// allOf requires every rule.
type allOf []Rule

// AllOf requires every one of rules. Denials are merged, so the
// description names everything missing at once. When a rule cannot decide
// (its directory is down) and no other refuses, the answer is that rule's
// error (503).
func AllOf(rules ...Rule) Rule { return allOf(rules) }

func (a allOf) validate(n *ClaimNames, dir bool) error { return validateEach("AllOf", a, n, dir) }

func (a allOf) Check(ctx context.Context, p *Principal) error {
	if len(a) == 0 {
		return errors.New("rules: AllOf lists no rule") // fail closed; New reports it
	}
	var merged DeniedError
	denied := false
	var other error
	for _, r := range a {
		if r == nil {
			return errors.New("rules: AllOf holds a nil rule")
		}
		err := r.Check(ctx, p)
		if err == nil {
			continue
		}
		var d *DeniedError
		if errors.As(err, &d) {
			denied = true // even with no clause: a refusal is a refusal
			if d != nil {
				merged.Needs = append(merged.Needs, d.Needs...)
				merged.Scopes = appendNew(merged.Scopes, d.Scopes...)
			}
			continue
		}
		if other == nil {
			other = err
		}
	}
	if denied {
		return &merged // a certain refusal outweighs an undecided rule
	}
	return other
}

// anyOf requires one of the rules.
type anyOf []Rule

// AnyOf requires at least one of rules; they are tried in order and the
// first that allows ends the check. When all refuse, the description names
// each alternative. When none allows and one could not decide (its
// directory is down), the answer is that rule's error (503): it might
// have allowed.
func AnyOf(rules ...Rule) Rule { return anyOf(rules) }

func (a anyOf) validate(n *ClaimNames, dir bool) error { return validateEach("AnyOf", a, n, dir) }

func (a anyOf) Check(ctx context.Context, p *Principal) error {
	if len(a) == 0 {
		return errors.New("rules: AnyOf lists no rule") // fail closed; New reports it
	}
	var alts []string
	var scopes []string
	var undecided, other error
	for _, r := range a {
		if r == nil {
			return errors.New("rules: AnyOf holds a nil rule")
		}
		err := r.Check(ctx, p)
		if err == nil {
			return nil
		}
		var d *DeniedError
		switch {
		case errors.As(err, &d):
			alts = append(alts, "("+d.Description()+")")
			if d != nil {
				scopes = appendNew(scopes, d.Scopes...)
			}
		case errors.Is(err, remote.ErrUnavailable):
			if undecided == nil {
				undecided = err
			}
		case other == nil:
			other = err
		}
	}
	if undecided != nil {
		return undecided
	}
	if other != nil && len(alts) == 0 {
		return other
	}
	return &DeniedError{Needs: []string{strings.Join(alts, " or ")}, Scopes: scopes}
}

// appendNew appends the members of add not already in list.
func appendNew(list []string, add ...string) []string {
	for _, s := range add {
		if !slices.Contains(list, s) {
			list = append(list, s)
		}
	}
	return list
}
