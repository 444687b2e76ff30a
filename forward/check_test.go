package forward

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mcpauth/mcpauth/internal/jwttest"
	"github.com/mcpauth/mcpauth/remote"
)

func TestCheck(t *testing.T) {
	for _, tc := range []struct {
		name    string
		handler func(u *upstream) http.HandlerFunc
		legacy  bool
		want    []string // finding IDs, most severe first
	}{
		{"all good", func(u *upstream) http.HandlerFunc { return u.serve(u.doc(), nil) }, false, nil},
		{"no way to register", func(u *upstream) http.HandlerFunc {
			return u.serve(docWith(u.issuer(), map[string]any{"registration_endpoint": nil}), nil)
		}, false, []string{remote.FindingNoRegistration}},
		{"CIMD only", func(u *upstream) http.HandlerFunc {
			return u.serve(docWith(u.issuer(), map[string]any{"registration_endpoint": nil, "client_id_metadata_document_supported": true}), nil)
		}, true, []string{remote.FindingNoDCR, remote.FindingLegacyRegisterUnavailable}},
		{"no S256", func(u *upstream) http.HandlerFunc {
			return u.serve(docWith(u.issuer(), map[string]any{"code_challenge_methods_supported": []string{"plain"}}), nil)
		}, false, []string{remote.FindingNoS256}},
		{"no PKCE methods at all", func(u *upstream) http.HandlerFunc {
			return u.serve(docWith(u.issuer(), map[string]any{"code_challenge_methods_supported": nil}), nil)
		}, false, []string{remote.FindingNoS256}},
		{"issuer mismatch", func(u *upstream) http.HandlerFunc {
			return u.serve(docWith(u.issuer()+"/", nil), nil)
		}, false, []string{remote.FindingIssuerMismatch}},
		{"invalid document", func(u *upstream) http.HandlerFunc {
			return u.serve([]byte("<html>"), nil)
		}, false, []string{remote.FindingMetadataInvalid}},
		{"unavailable", func(u *upstream) http.HandlerFunc { return status(http.StatusInternalServerError, nil) }, false, []string{remote.FindingMetadataUnavailable}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u := newUpstream(t)
			u.set(tc.handler(u))
			cfg := testConfig(u, jwttest.NewClock(), nil)
			cfg.LegacyEndpoints = tc.legacy
			f := mustNew(t, cfg)
			findings := f.Check(context.Background())
			var ids []string
			for _, fd := range findings {
				ids = append(ids, fd.ID)
				if fd.Message == "" || !strings.HasSuffix(fd.Message, ".") {
					t.Errorf("finding %s: message %q is not a sentence", fd.ID, fd.Message)
				}
			}
			if !slices.Equal(ids, tc.want) {
				t.Errorf("findings = %v, want %v", findings, tc.want)
			}
			if tc.name == "issuer mismatch" && !strings.Contains(findings[0].Message, `exactly "`+u.issuer()+`/"`) {
				t.Errorf("mismatch finding does not say what to set: %s", findings[0])
			}
		})
	}
}

func TestCheckReportsFailingRefreshAndOIDC(t *testing.T) {
	u := newUpstream(t)
	clk := jwttest.NewClock()
	cfg := testConfig(u, clk, nil)
	cfg.OpenIDConfiguration = true
	cfg.OpenIDConfigurationURL = u.issuer() + pathOpenIDConfiguration
	f := mustNew(t, cfg)
	if err := f.Prime(context.Background()); err != nil {
		t.Fatal(err)
	}
	u.set(status(http.StatusBadGateway, nil))
	clk.Advance(2 * time.Hour)
	_, _ = f.Metadata(context.Background()) // stale: starts a refresh that fails
	waitIdle(t, f.as)
	findings := f.Check(context.Background())
	waitIdle(t, f.oidc)
	var ids []string
	for _, fd := range findings {
		ids = append(ids, fd.ID)
	}
	if !slices.Equal(ids, []string{remote.FindingMetadataRefreshFailing}) {
		t.Errorf("findings = %v, want the failing refresh (the OIDC copy is stale but served)", findings)
	}

	// A cold OIDC cache with the upstream down is reported.
	f2 := mustNew(t, cfg)
	good := f.as.cur.Load()
	f2.as.cur.Store(newEntry(good.body, good.meta, "", clk.Now(), time.Hour)) // a fresh RFC 8414 copy
	ids = ids[:0]
	for _, fd := range f2.Check(context.Background()) {
		ids = append(ids, fd.ID)
	}
	if !slices.Equal(ids, []string{remote.FindingOIDCUnavailable}) {
		t.Errorf("findings = %v, want %s", ids, remote.FindingOIDCUnavailable)
	}
}

func TestSeverityString(t *testing.T) {
	for s, want := range map[remote.Severity]string{remote.SeverityInfo: "info", remote.SeverityWarning: "warning", remote.SeverityError: "error", 0: "Severity(0)"} {
		if s.String() != want {
			t.Errorf("%d.String() = %q, want %q", int(s), s, want)
		}
	}
	if got := (remote.Finding{Severity: remote.SeverityError, Message: "x."}).String(); got != "error: x." {
		t.Errorf("Finding.String = %q", got)
	}
}
