package authkit_test

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/mcpauth/mcpauth/authkit"
	"github.com/mcpauth/mcpauth/authkit/authkittest"
	"github.com/mcpauth/mcpauth/remote"
)

func findingIDs(fs []remote.Finding) []string {
	var ids []string
	for _, f := range fs {
		ids = append(ids, f.ID)
	}
	return ids
}

func TestCheck(t *testing.T) {
	ecKeySet := `{"keys":[{"kty":"EC","kid":"ec1","alg":"ES256","use":"sig","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}]}`
	for _, tc := range []struct {
		name     string
		setup    func(ak *authkittest.Server)
		cfg      func(c *authkit.Config)
		id       string // the finding expected besides resource_indicator ("" for none)
		severity remote.Severity
		contains []string // substrings of its message
		also     []string // other findings allowed
	}{
		{name: "healthy: CIMD and DCR"},
		{
			name:  "DCR only, AuthKit's default",
			setup: func(ak *authkittest.Server) { ak.SetCIMD(false) },
			id:    remote.FindingNoCIMD, severity: remote.SeverityWarning,
			contains: []string{"client ID metadata documents", "MCP recommends", "MCP deprecates", "Connect → Configuration", "enable Client ID Metadata Document"},
		},
		{
			name:  "issuer mismatch",
			setup: func(ak *authkittest.Server) { ak.SetMetadataOverrides(map[string]any{"issuer": ak.URL() + "/"}) },
			id:    remote.FindingIssuerMismatch, severity: remote.SeverityError,
			contains: []string{"names issuer", "Config.Domain", "strict MCP clients", "package idp"},
			also:     []string{remote.FindingOIDCUnavailable}, // the OIDC document carries the same issuer
		},
		{
			name: "issuer on another domain",
			setup: func(ak *authkittest.Server) {
				ak.SetMetadataOverrides(map[string]any{"issuer": "https://auth.example.com"})
			},
			id: remote.FindingIssuerMismatch, severity: remote.SeverityError,
			contains: []string{`names issuer "https://auth.example.com"`, `set Config.Domain to "https://auth.example.com"`},
			also:     []string{remote.FindingOIDCUnavailable},
		},
		{
			name:  "DCR and CIMD off",
			setup: func(ak *authkittest.Server) { ak.SetDCR(false); ak.SetCIMD(false) },
			id:    remote.FindingNoRegistration, severity: remote.SeverityError,
			contains: []string{"cannot register", "Connect → Configuration", "Dynamic Client Registration (the deprecated fallback", "Client ID Metadata Document (the registration MCP recommends)"},
		},
		{
			name:  "CIMD only",
			setup: func(ak *authkittest.Server) { ak.SetDCR(false); ak.SetCIMD(true) },
			id:    remote.FindingNoDCR, severity: remote.SeverityInfo,
			contains: []string{"register the recommended way", "deprecated fallback", "Claude.ai", "Connect → Configuration", "Dynamic Client Registration"},
		},
		{
			name: "no RS256 key",
			setup: func(ak *authkittest.Server) {
				ak.SetFault("/oauth2/jwks", authkittest.Fault{Status: 200, Body: []byte(ecKeySet)})
			},
			id: remote.FindingNoSigningKey, severity: remote.SeverityError,
			contains: []string{"no RS256 signing key", "/oauth2/jwks"},
		},
		{
			name: "keys unreachable",
			setup: func(ak *authkittest.Server) {
				ak.SetFault("/oauth2/jwks", authkittest.Fault{Status: http.StatusBadGateway})
			},
			id: remote.FindingJWKSUnavailable, severity: remote.SeverityError,
			contains: []string{"could not be fetched", "HTTP 502"},
		},
		{
			name: "metadata unreachable",
			setup: func(ak *authkittest.Server) {
				ak.SetFault("/.well-known/oauth-authorization-server", authkittest.Fault{Status: http.StatusServiceUnavailable})
			},
			id: remote.FindingMetadataUnavailable, severity: remote.SeverityError,
		},
		{
			name: "legacy client id audience",
			cfg:  func(c *authkit.Config) { c.ExtraAudiences = []string{"client_01LEGACY"} },
			id:   remote.FindingLegacyAudience, severity: remote.SeverityWarning,
			contains: []string{"client_01LEGACY", "not bound to this server", `register "` + mcpURL + `"`},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ak := authkittest.Start(t)
			ak.SetCIMD(true) // both registrations on: nothing to report about them
			if tc.setup != nil {
				tc.setup(ak)
			}
			p := newProvider(t, ak, tc.cfg)
			fs := p.Check(context.Background())

			var found *remote.Finding
			var indicator *remote.Finding
			for i, f := range fs {
				switch {
				case tc.id != "" && f.ID == tc.id:
					found = &fs[i]
				case f.ID == remote.FindingResourceIndicator:
					indicator = &fs[i]
				default:
					if slices.Contains(tc.also, f.ID) {
						continue
					}
					t.Errorf("unexpected finding %s: %s", f.ID, f.Message)
				}
			}
			for i := 1; i < len(fs); i++ {
				if fs[i-1].Severity < fs[i].Severity {
					t.Errorf("findings not ordered most severe first: %v", fs)
				}
			}
			if indicator == nil || indicator.Severity != remote.SeverityInfo || !strings.Contains(indicator.Message, `"`+mcpURL+`"`) || !strings.Contains(indicator.Message, "MCP resource indicators") {
				t.Errorf("resource indicator finding = %+v", indicator)
			}
			if tc.id == "" {
				return
			}
			if found == nil {
				t.Fatalf("no %s finding in %v", tc.id, findingIDs(fs))
			}
			if found.Severity != tc.severity {
				t.Errorf("severity = %v, want %v", found.Severity, tc.severity)
			}
			for _, s := range tc.contains {
				if !strings.Contains(found.Message, s) {
					t.Errorf("message %q lacks %q", found.Message, s)
				}
			}
		})
	}
}
