package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/mcpauth/mcpauth/authkit"
	"github.com/mcpauth/mcpauth/internal/demo"
	"github.com/mcpauth/mcpauth/remote"
)

// newProvider builds the authkit provider from the configuration. In dev
// mode the domain is the embedded fake AuthKit, which also plays the WorkOS
// API for profile enrichment.
func newProvider(cfg config, baseURL string, logger *slog.Logger, dev *devAuthKit) (*authkit.Provider, error) {
	ac := authkit.Config{
		Domain:         cfg.domain,
		BaseURL:        baseURL,
		MCPPath:        mcpPath,
		RequiredScopes: cfg.requiredScopes,
		ToolScopes:     demo.ToolScopes(),
		ScopesUpFront:  cfg.scopesUpFront,
		ResourceName:   "authkit-demo",
		Logger:         logger.With("component", "authkit"),
	}
	if cfg.clientID != "" {
		ac.ExtraAudiences = []string{cfg.clientID}
	}
	switch {
	case dev != nil:
		wc := authkit.NewWorkOSClient(dev.APIKey())
		wc.Endpoint = dev.URL()
		ac.WorkOS = wc
	case cfg.workosAPIKey != "":
		ac.WorkOS = authkit.NewWorkOSClient(cfg.workosAPIKey)
	}
	p, err := authkit.New(ac)
	if err != nil {
		return nil, fmt.Errorf("authkit-demo: %w", err)
	}
	return p, nil
}

// prime fetches AuthKit's metadata and keys before serving: a server that
// cannot reach AuthKit at start is misconfigured, and says so in one
// sentence. (Once running, an AuthKit outage does not stop it: cached keys
// and metadata keep serving.)
func prime(ctx context.Context, p *authkit.Provider, logger *slog.Logger, names settingNames) error {
	ctx, cancel := context.WithTimeout(ctx, startTimeout)
	defer cancel()
	if err := p.Prime(ctx); err != nil {
		logger.Error("AuthKit unreachable at start", "issuer", p.Issuer(), "err", err)
		return fmt.Errorf("authkit-demo: cannot fetch AuthKit's metadata and signing keys from %s; check %s and the network (details in the log above)", p.Issuer(), names.domain)
	}
	return nil
}

// findings returns the provider's self-check findings in the words of the
// command line: the flag or variable the user set instead of the library
// field. In dev mode only errors remain: the others are about the WorkOS
// dashboard, which the fake AuthKit does not have.
func findings(ctx context.Context, p *authkit.Provider, cfg config) []remote.Finding {
	say := strings.NewReplacer(
		"Config.Domain", cfg.names.domain,
		"Config.BaseURL", cfg.names.baseURL,
		"Config.ExtraAudiences", cfg.names.clientID,
	)
	var out []remote.Finding
	for _, f := range p.Check(ctx) {
		if cfg.dev && f.Severity < remote.SeverityError {
			continue
		}
		f.Message = say.Replace(f.Message)
		out = append(out, f)
	}
	return out
}

// logFindings logs the self-check's findings at start-up.
func logFindings(ctx context.Context, p *authkit.Provider, logger *slog.Logger, cfg config) {
	ctx, cancel := context.WithTimeout(ctx, startTimeout)
	defer cancel()
	for _, f := range findings(ctx, p, cfg) {
		level := slog.LevelInfo
		switch f.Severity {
		case remote.SeverityWarning:
			level = slog.LevelWarn
		case remote.SeverityError:
			level = slog.LevelError
		}
		logger.Log(ctx, level, f.Message, "check", f.ID)
	}
}

// errCheckFailed is returned by "check" when clients will not be able to
// connect. Its result line says so already: main prints nothing more.
var errCheckFailed = errors.New("authkit-demo: check failed: MCP clients will not be able to connect (see the errors above)")

// runCheck is the "check" sub-command: it prints every finding of the
// provider's self-check, one per line, and fails when one is an error.
func runCheck(ctx context.Context, cfg config, baseURL string, logger *slog.Logger, stdout io.Writer, dev *devAuthKit) error {
	p, err := newProvider(cfg, baseURL, logger, dev)
	if err != nil {
		return err
	}
	defer p.Close()
	ctx, cancel := context.WithTimeout(ctx, startTimeout)
	defer cancel()
	var b strings.Builder
	fmt.Fprintf(&b, "issuer: %s\nmcp_url: %s\n", p.Issuer(), p.MCPURL())
	failed := false
	for _, f := range findings(ctx, p, cfg) {
		fmt.Fprintln(&b, f.String())
		failed = failed || f.Severity >= remote.SeverityError
	}
	if failed {
		b.WriteString("result: clients will NOT be able to connect\n")
	} else {
		b.WriteString("result: ok, clients can connect\n")
	}
	if _, err := io.WriteString(stdout, b.String()); err != nil {
		return fmt.Errorf("authkit-demo: %v", err)
	}
	if failed {
		return errCheckFailed
	}
	return nil
}

// profileFunc adapts the provider's WorkOS enrichment to the demo's whoami
// (without it, Profile answers authkit.ErrEnrichmentOff and whoami shows
// no profile).
func profileFunc(p *authkit.Provider) func(context.Context, string) (*demo.Profile, error) {
	return func(ctx context.Context, userID string) (*demo.Profile, error) {
		prof, err := p.Profile(ctx, userID)
		if err != nil {
			return nil, err
		}
		out := &demo.Profile{Email: prof.User.Email, FirstName: prof.User.FirstName, LastName: prof.User.LastName}
		for _, m := range prof.Memberships {
			out.Organizations = append(out.Organizations, m.OrganizationID)
		}
		return out, nil
	}
}
