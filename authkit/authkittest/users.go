package authkittest

import (
	"slices"
)

// User is a WorkOS user: the one /oauth2/authorize approves (see
// [Server.SetUser]) or one the WorkOS API routes know ([Server.AddUser]).
type User struct {
	// ID is the user id, user_...; it becomes the tokens' "sub".
	ID            string
	Email         string
	EmailVerified bool
	FirstName     string
	LastName      string
	// OrganizationID is the organization picked at consent: the tokens'
	// "org_id" (omitted when empty) and, with Role, the user's membership.
	OrganizationID string
	// Role, Roles, Permissions, Entitlements and FeatureFlags become the
	// claims role, roles, permissions, entitlements and feature_flags when
	// non-empty, as an AuthKit JWT template would add them.
	Role         string
	Roles        []string
	Permissions  []string
	Entitlements []string
	FeatureFlags []string
	// Memberships are the user's organization memberships for the WorkOS
	// API. When nil, the user has one active membership in OrganizationID
	// (if set) with role slug Role (default "member").
	Memberships []Membership
}

// Membership is an organization membership served by the WorkOS API route
// /user_management/organization_memberships.
type Membership struct {
	// ID is om_...; generated when empty.
	ID             string
	OrganizationID string
	// Role is the role slug; default "member".
	Role string
	// Status is "active" (the default), "inactive" or "pending".
	Status string
}

func (u User) clone() User {
	u.Roles = slices.Clone(u.Roles)
	u.Permissions = slices.Clone(u.Permissions)
	u.Entitlements = slices.Clone(u.Entitlements)
	u.FeatureFlags = slices.Clone(u.FeatureFlags)
	u.Memberships = slices.Clone(u.Memberships)
	return u
}

// templateClaims adds the JWT-template claims the user has.
func (u User) templateClaims(claims map[string]any) {
	if u.Role != "" {
		claims["role"] = u.Role
	}
	for name, v := range map[string][]string{
		"roles":         u.Roles,
		"permissions":   u.Permissions,
		"entitlements":  u.Entitlements,
		"feature_flags": u.FeatureFlags,
	} {
		if len(v) > 0 {
			claims[name] = slices.Clone(v)
		}
	}
}

// SetUser sets the user /oauth2/authorize approves and [Server.Mint] uses
// by default, and adds it to the users the WorkOS API routes know. An
// empty ID gets a generated one; [Server.User] returns the stored user.
func (s *Server) SetUser(u User) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.setUserLocked(u)
}

func (s *Server) setUserLocked(u User) {
	s.user = s.addUserLocked(u)
}

// AddUser adds a user the WorkOS API routes know, without making it the
// approved user. An empty ID gets a generated one; a known ID is
// replaced. It returns the stored user.
func (s *Server) AddUser(u User) User {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addUserLocked(u).clone()
}

func (s *Server) addUserLocked(u User) User {
	u = u.clone()
	if u.ID == "" {
		u.ID = newID("user")
	}
	if u.Memberships == nil && u.OrganizationID != "" {
		u.Memberships = []Membership{{OrganizationID: u.OrganizationID, Role: u.Role}}
	}
	for i := range u.Memberships {
		m := &u.Memberships[i]
		if m.ID == "" {
			m.ID = newID("om")
		}
		if m.Role == "" {
			m.Role = "member"
		}
		if m.Status == "" {
			m.Status = "active"
		}
	}
	s.users[u.ID] = u
	return u
}

// User returns the user /oauth2/authorize approves.
func (s *Server) User() User {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.user.clone()
}
