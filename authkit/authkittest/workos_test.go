package authkittest_test

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/workos/workos-go/v4/pkg/usermanagement"
	"github.com/workos/workos-go/v4/pkg/workos_errors"

	"github.com/mcpauth/mcpauth/authkit/authkittest"
)

func workosClient(s *authkittest.Server, key string) *usermanagement.Client {
	c := usermanagement.NewClient(key)
	c.Endpoint = s.URL()
	c.HTTPClient = s.Client()
	return c
}

func TestWorkOSUserManagement(t *testing.T) {
	s := authkittest.Start(t)
	s.SetUser(authkittest.User{
		ID: "user_01ALICE", Email: "alice@example.com", EmailVerified: true, FirstName: "Alice", LastName: "Liddell",
		OrganizationID: "org_01ACME", Role: "admin",
	})
	s.AddUser(authkittest.User{
		ID: "user_01BOB", Email: "bob@example.com",
		Memberships: []authkittest.Membership{
			{ID: "om_01A", OrganizationID: "org_01ACME"},
			{ID: "om_01B", OrganizationID: "org_01OTHER", Role: "viewer", Status: "inactive"},
		},
	})
	ctx := context.Background()
	c := workosClient(s, s.APIKey())

	u, err := c.GetUser(ctx, usermanagement.GetUserOpts{User: "user_01ALICE"})
	if err != nil {
		t.Fatalf("GetUser: %v", err)
	}
	if u.ID != "user_01ALICE" || u.Email != "alice@example.com" || !u.EmailVerified || u.FirstName != "Alice" || u.LastName != "Liddell" {
		t.Errorf("GetUser = %+v", u)
	}

	list, err := c.ListOrganizationMemberships(ctx, usermanagement.ListOrganizationMembershipsOpts{UserID: "user_01ALICE"})
	if err != nil {
		t.Fatalf("ListOrganizationMemberships: %v", err)
	}
	if len(list.Data) != 1 || list.Data[0].OrganizationID != "org_01ACME" || list.Data[0].Role.Slug != "admin" ||
		list.Data[0].Status != usermanagement.Active || list.Data[0].UserID != "user_01ALICE" {
		t.Errorf("memberships = %+v", list.Data)
	}

	t.Run("filters", func(t *testing.T) {
		tests := []struct {
			name string
			opts usermanagement.ListOrganizationMembershipsOpts
			want []string
		}{
			{"by user", usermanagement.ListOrganizationMembershipsOpts{UserID: "user_01BOB", Order: usermanagement.Asc}, []string{"om_01A", "om_01B"}},
			{"by status", usermanagement.ListOrganizationMembershipsOpts{UserID: "user_01BOB", Statuses: []usermanagement.OrganizationMembershipStatus{usermanagement.Inactive}}, []string{"om_01B"}},
			{"by org", usermanagement.ListOrganizationMembershipsOpts{OrganizationID: "org_01OTHER"}, []string{"om_01B"}},
			{"user and org", usermanagement.ListOrganizationMembershipsOpts{UserID: "user_01BOB", OrganizationID: "org_01ACME"}, []string{"om_01A"}},
			{"unknown user", usermanagement.ListOrganizationMembershipsOpts{UserID: "user_01NOBODY"}, nil},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				list, err := c.ListOrganizationMemberships(ctx, tt.opts)
				if err != nil {
					t.Fatal(err)
				}
				var got []string
				for _, m := range list.Data {
					got = append(got, m.ID)
				}
				if len(got) != len(tt.want) {
					t.Fatalf("got %v, want %v", got, tt.want)
				}
				for i := range got {
					if got[i] != tt.want[i] {
						t.Fatalf("got %v, want %v", got, tt.want)
					}
				}
			})
		}
	})

	t.Run("unknown user is 404", func(t *testing.T) {
		_, err := c.GetUser(ctx, usermanagement.GetUserOpts{User: "user_01NOBODY"})
		var he workos_errors.HTTPError
		if !errors.As(err, &he) || he.Code != http.StatusNotFound {
			t.Fatalf("err = %#v, want HTTPError 404", err)
		}
	})

	t.Run("wrong API key is 401", func(t *testing.T) {
		_, err := workosClient(s, "sk_test_wrong").GetUser(ctx, usermanagement.GetUserOpts{User: "user_01ALICE"})
		var he workos_errors.HTTPError
		if !errors.As(err, &he) || he.Code != http.StatusUnauthorized {
			t.Fatalf("err = %#v, want HTTPError 401", err)
		}
		s.SetAPIKey("sk_test_rotated")
		if _, err := workosClient(s, "sk_test_rotated").GetUser(ctx, usermanagement.GetUserOpts{User: "user_01ALICE"}); err != nil {
			t.Fatalf("after SetAPIKey: %v", err)
		}
	})

	t.Run("WorkOS down", func(t *testing.T) {
		s.SetFault("/user_management/users/user_01ALICE", authkittest.Fault{Status: http.StatusServiceUnavailable, Body: []byte(`{"message":"down"}`), Times: 1})
		_, err := workosClient(s, s.APIKey()).GetUser(ctx, usermanagement.GetUserOpts{User: "user_01ALICE"})
		var he workos_errors.HTTPError
		if !errors.As(err, &he) || he.Code != http.StatusServiceUnavailable {
			t.Fatalf("err = %#v, want HTTPError 503", err)
		}
	})

	// The API key is never logged.
	for _, r := range s.Requests() {
		if r.AuthScheme != "Bearer" {
			t.Errorf("%s %s: AuthScheme = %q", r.Method, r.Path, r.AuthScheme)
		}
	}
}
