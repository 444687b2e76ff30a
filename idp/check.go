package idp

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/mcpauth/mcpauth/remote"
)

// Check fetches the authorization server's metadata and key set the way
// clients and the verifier will, and reports in plain sentences what would
// go wrong: everything [forward.Forwarder.Check] reports (metadata
// unreachable or invalid, issuer not byte-identical, no way for clients to
// register, no S256 PKCE), plus no jwks_uri, a key set that cannot be
// fetched, no signing key for the allowed algorithms, and a configured
// JWKSURL that differs from the metadata's jwks_uri. Findings are ordered
// most severe first; none means clients and tokens have what they need.
func (p *Provider) Check(ctx context.Context) []remote.Finding {
	out := p.fwd.Check(ctx)
	out = append(out, p.checkKeys(ctx)...)
	slices.SortStableFunc(out, func(a, b remote.Finding) int { return int(b.Severity) - int(a.Severity) })
	return out
}

func (p *Provider) checkKeys(ctx context.Context) []remote.Finding {
	var out []remote.Finding
	add := func(s remote.Severity, id, format string, args ...any) {
		out = append(out, remote.Finding{Severity: s, ID: id, Message: fmt.Sprintf(format, args...)})
	}
	jwksURL := p.keys.jwksURL
	m, merr := p.fwd.Metadata(ctx)
	switch {
	case jwksURL != "":
		if merr == nil && m.JWKSURI != "" && m.JWKSURI != jwksURL {
			add(remote.SeverityWarning, remote.FindingJWKSURIMismatch,
				"The authorization server's metadata names jwks_uri %q but tokens are verified with keys from %q; if the server signs with keys published only at its jwks_uri, every token will be rejected.",
				m.JWKSURI, jwksURL)
		}
	case merr != nil:
		return nil // forward's findings already say why the metadata is missing
	case m.JWKSURI == "":
		add(remote.SeverityError, remote.FindingNoJWKSURI,
			"The authorization server's metadata has no jwks_uri, so its signing keys cannot be discovered and every token is answered 503; set Config.JWKSURL to its key set URL.")
		return out
	default:
		jwksURL = m.JWKSURI
	}
	// Ask the verifier itself, so Check judges the keys by the rules tokens
	// meet, and reuses (or fills) the key set the server serves from.
	v, err := p.keys.verifier(ctx)
	if err == nil {
		_, err = v.KeyIDs(ctx)
	}
	switch {
	case errors.Is(err, remote.ErrNoUsableKey):
		add(remote.SeverityError, remote.FindingNoSigningKey,
			"The key set at %s has no %s signing key with a kid, so every token will be rejected; make the authorization server sign access tokens with %s or set Config.Algorithms to what it uses.",
			jwksURL, strings.Join(p.algs, " or "), strings.Join(p.algs, " or "))
	case err != nil:
		add(remote.SeverityError, remote.FindingJWKSUnavailable,
			"The signing keys at %s could not be fetched (%v), so tokens are answered 503 until they can; check the URL and the network.", jwksURL, err)
	}
	return out
}
