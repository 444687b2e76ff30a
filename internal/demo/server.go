package demo

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/mcpauth/mcpauth/authkit"
	"github.com/mcpauth/mcpauth/remote/handle"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// Tool names and the scope the step-up tool needs.
const (
	ToolWhoami    = "whoami"
	ToolEcho      = "echo"
	ToolAdminEcho = "admin_echo"

	// AdminScope is the extra scope admin_echo needs. The provider in front
	// of the server enforces it (see [ToolScopes]); the tool checks it
	// again so that it never runs for a caller without it.
	AdminScope = "demo:admin"
)

// ToolScopes returns the per-tool scope requirements the provider in front
// of the server must enforce: admin_echo needs [AdminScope].
func ToolScopes() map[string][]string {
	return map[string][]string{ToolAdminEcho: {AdminScope}}
}

// Options configures [NewServer]. The zero value is a working server.
type Options struct {
	// Logger receives the go-sdk's logs. Nil means silent.
	Logger *slog.Logger
	// Profile, when non-nil, is called by whoami to add the caller's profile
	// (for example fetched from the WorkOS API). An error or a nil profile
	// leaves the profile out of the answer; whoami never fails because of
	// it. Default nil: no profile.
	Profile func(ctx context.Context, userID string) (*Profile, error)
	// Version is reported to clients as the server's version. Default "dev".
	Version string
	// Handles seals the handles of remember and recall (handles.go). Default nil: a random key, valid in this process only.
	Handles *handle.Sealer
}

// Profile is the part of a user's profile whoami shows.
type Profile struct {
	Email     string `json:"email,omitempty"`
	FirstName string `json:"first_name,omitempty"`
	LastName  string `json:"last_name,omitempty"`
	// Organizations are the ids of the organizations the user is a member
	// of.
	Organizations []string `json:"organizations,omitempty"`
}

// Caller is whoami's structured answer.
type Caller struct {
	UserID         string    `json:"user_id"`
	OrganizationID string    `json:"organization_id,omitempty"`
	ClientID       string    `json:"client_id,omitempty"`
	Scopes         []string  `json:"scopes"`
	Permissions    []string  `json:"permissions,omitempty"`
	Roles          []string  `json:"roles,omitempty"`
	ExpiresAt      time.Time `json:"expires_at,omitzero"`
	Profile        *Profile  `json:"profile,omitempty"`
}

// EchoInput is the input of echo and admin_echo.
type EchoInput struct {
	Text string `json:"text" jsonschema:"the text to send back"`
}

// EchoOutput is the structured answer of echo and admin_echo.
type EchoOutput struct {
	Text   string `json:"text"`
	UserID string `json:"user_id"`
}

// errNoCaller is returned by tools reached without a verified token, which
// only happens when the server is served without gosdk.Handler.
var errNoCaller = errors.New("demo: no authenticated caller (serve the server with gosdk.Handler behind the auth provider)")

// NewServer returns the demo's MCP server with its tools.
func NewServer(opts Options) *mcp.Server {
	version := opts.Version
	if version == "" {
		version = "dev"
	}
	s := mcp.NewServer(&mcp.Implementation{
		Name:    "authkit-demo",
		Title:   "mcpauth AuthKit demo",
		Version: version,
	}, &mcp.ServerOptions{
		Instructions: "Tools that show what an AuthKit-verified token tells a handler. admin_echo needs the " + AdminScope + " scope.",
		Logger:       opts.Logger,
	})

	mcp.AddTool(s, &mcp.Tool{
		Name:        ToolWhoami,
		Description: "Who is calling: user id, organization, scopes, permissions, roles, token expiry and, when configured, the WorkOS profile.",
		Annotations: &mcp.ToolAnnotations{ReadOnlyHint: true},
	}, func(ctx context.Context, _ *mcp.CallToolRequest, _ struct{}) (*mcp.CallToolResult, Caller, error) {
		c, ok := callerFrom(ctx)
		if !ok {
			return nil, Caller{}, errNoCaller
		}
		if opts.Profile != nil {
			if p, err := opts.Profile(ctx, c.UserID); err == nil && p != nil {
				c.Profile = p
			}
		}
		return nil, c, nil
	})

	mcp.AddTool(s, &mcp.Tool{
		Name:        ToolEcho,
		Description: "Sends the text back. Any authenticated caller may use it.",
		Annotations: &mcp.ToolAnnotations{ReadOnlyHint: true},
	}, func(ctx context.Context, _ *mcp.CallToolRequest, in EchoInput) (*mcp.CallToolResult, EchoOutput, error) {
		c, ok := callerFrom(ctx)
		if !ok {
			return nil, EchoOutput{}, errNoCaller
		}
		return nil, EchoOutput{Text: in.Text, UserID: c.UserID}, nil
	})

	mcp.AddTool(s, &mcp.Tool{
		Name:        ToolAdminEcho,
		Description: "Sends the text back in upper case. Needs the " + AdminScope + " scope: a client without it is asked to step up.",
		Annotations: &mcp.ToolAnnotations{ReadOnlyHint: true},
	}, func(ctx context.Context, _ *mcp.CallToolRequest, in EchoInput) (*mcp.CallToolResult, EchoOutput, error) {
		c, ok := callerFrom(ctx)
		if !ok {
			return nil, EchoOutput{}, errNoCaller
		}
		if !slices.Contains(c.Scopes, AdminScope) {
			// The provider answers 403 insufficient_scope before the call
			// gets here; this is defence in depth.
			return nil, EchoOutput{}, errors.New("demo: the " + AdminScope + " scope is required")
		}
		return nil, EchoOutput{Text: strings.ToUpper(in.Text), UserID: c.UserID}, nil
	})
	addHandleTools(s, opts.Handles)
	return s
}

// callerFrom describes the caller of the current call, from the claims the
// provider verified for it, the way any go-sdk tool of an AuthKit-protected
// server reads them (authkit.ClaimsFromContext).
func callerFrom(ctx context.Context) (Caller, bool) {
	claims, err := authkit.ClaimsFromContext(ctx)
	if err != nil {
		return Caller{}, false
	}
	return callerFromClaims(claims), true
}

func callerFromClaims(claims *authkit.Claims) Caller {
	c := Caller{
		UserID:         claims.UserID,
		OrganizationID: claims.OrganizationID,
		ClientID:       claims.ClientID,
		Scopes:         claims.Scopes,
		Permissions:    claims.Permissions,
		Roles:          claims.Roles,
		ExpiresAt:      claims.Expiry,
	}
	if c.Scopes == nil {
		c.Scopes = []string{}
	}
	if claims.Role != "" && !slices.Contains(c.Roles, claims.Role) {
		c.Roles = append(c.Roles, claims.Role)
	}
	return c
}
