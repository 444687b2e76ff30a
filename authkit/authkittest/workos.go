package authkittest

// This file serves the WorkOS API routes workos-go's usermanagement client
// calls for enrichment: GetUser and ListOrganizationMemberships.

import (
	"net/http"
	"slices"
	"sort"
	"strings"
)

// workosTime is the creation time the fake reports for users and
// memberships.
const workosTime = "2025-01-01T00:00:00Z"

type workosUser struct {
	Object            string            `json:"object"`
	ID                string            `json:"id"`
	Email             string            `json:"email"`
	EmailVerified     bool              `json:"email_verified"`
	FirstName         string            `json:"first_name"`
	LastName          string            `json:"last_name"`
	ProfilePictureURL *string           `json:"profile_picture_url"`
	LastSignInAt      *string           `json:"last_sign_in_at"`
	ExternalID        *string           `json:"external_id"`
	Metadata          map[string]string `json:"metadata"`
	CreatedAt         string            `json:"created_at"`
	UpdatedAt         string            `json:"updated_at"`
}

type workosRole struct {
	Slug string `json:"slug"`
}

type workosMembership struct {
	Object         string     `json:"object"`
	ID             string     `json:"id"`
	UserID         string     `json:"user_id"`
	OrganizationID string     `json:"organization_id"`
	Role           workosRole `json:"role"`
	Status         string     `json:"status"`
	CreatedAt      string     `json:"created_at"`
	UpdatedAt      string     `json:"updated_at"`
}

type workosList struct {
	Object       string             `json:"object"`
	Data         []workosMembership `json:"data"`
	ListMetadata struct {
		Before *string `json:"before"`
		After  *string `json:"after"`
	} `json:"list_metadata"`
}

// checkAPIKey answers 401 unless the request carries the API key.
func (s *Server) checkAPIKey(w http.ResponseWriter, r *http.Request) bool {
	scheme, key, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	s.mu.Lock()
	want := s.apiKey
	s.mu.Unlock()
	if strings.EqualFold(scheme, "Bearer") && want != "" && constantTimeEqual(key, want) {
		return true
	}
	writeJSON(w, http.StatusUnauthorized, map[string]string{"message": "Unauthorized", "code": "unauthorized"})
	return false
}

func (s *Server) handleGetUser(w http.ResponseWriter, r *http.Request) {
	if !s.checkAPIKey(w, r) {
		return
	}
	id := r.PathValue("id")
	s.mu.Lock()
	u, ok := s.users[id]
	s.mu.Unlock()
	if !ok {
		writeJSON(w, http.StatusNotFound, map[string]string{"message": "User not found.", "code": "entity_not_found", "entity_id": id})
		return
	}
	writeJSON(w, http.StatusOK, workosUser{
		Object:        "user",
		ID:            u.ID,
		Email:         u.Email,
		EmailVerified: u.EmailVerified,
		FirstName:     u.FirstName,
		LastName:      u.LastName,
		Metadata:      map[string]string{},
		CreatedAt:     workosTime,
		UpdatedAt:     workosTime,
	})
}

// handleListMemberships serves GET /user_management/organization_memberships,
// filtered by user_id, organization_id and statuses. Everything fits on one
// page: the pagination parameters are ignored.
func (s *Server) handleListMemberships(w http.ResponseWriter, r *http.Request) {
	if !s.checkAPIKey(w, r) {
		return
	}
	q := r.URL.Query()
	userID, orgID := q.Get("user_id"), q.Get("organization_id")
	if userID == "" && orgID == "" {
		writeJSON(w, http.StatusUnprocessableEntity, map[string]string{"message": "Either user_id or organization_id is required.", "code": "invalid_request_parameters"})
		return
	}
	var statuses []string
	for _, v := range q["statuses"] {
		statuses = append(statuses, strings.Split(v, ",")...)
	}
	list := workosList{Object: "list", Data: []workosMembership{}}
	s.mu.Lock()
	for _, u := range s.users {
		if userID != "" && u.ID != userID {
			continue
		}
		for _, m := range u.Memberships {
			if orgID != "" && m.OrganizationID != orgID {
				continue
			}
			if len(statuses) > 0 && !slices.Contains(statuses, m.Status) {
				continue
			}
			list.Data = append(list.Data, workosMembership{
				Object:         "organization_membership",
				ID:             m.ID,
				UserID:         u.ID,
				OrganizationID: m.OrganizationID,
				Role:           workosRole{Slug: m.Role},
				Status:         m.Status,
				CreatedAt:      workosTime,
				UpdatedAt:      workosTime,
			})
		}
	}
	s.mu.Unlock()
	sort.Slice(list.Data, func(i, j int) bool { return list.Data[i].ID < list.Data[j].ID })
	if q.Get("order") != "asc" {
		slices.Reverse(list.Data)
	}
	writeJSON(w, http.StatusOK, list)
}
