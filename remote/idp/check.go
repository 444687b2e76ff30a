package idp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"slices"
	"strings"

	"github.com/mcpauth/mcpauth/forward"
	"github.com/mcpauth/mcpauth/internal/httpx"
)

// Finding identifiers [Provider.Check] adds to forward's.
const (
	FindingNoJWKSURI       = "no_jwks_uri"
	FindingJWKSUnavailable = "jwks_unavailable"
	FindingNoSigningKey    = "no_signing_key"
	FindingJWKSURIMismatch = "jwks_uri_mismatch"
)

// maxJWKSBytes caps the key set Check reads.
const maxJWKSBytes = 256 << 10

// Check fetches the authorization server's metadata and key set the way
// clients and the verifier will, and reports in plain sentences what would
// go wrong: everything [forward.Forwarder.Check] reports (metadata
// unreachable or invalid, issuer not byte-identical, no way for clients to
// register, no S256 PKCE), plus no jwks_uri, a key set that cannot be
// fetched, no signing key for the allowed algorithms, and a configured
// JWKSURL that differs from the metadata's jwks_uri. Findings are ordered
// most severe first; none means clients and tokens have what they need.
func (p *Provider) Check(ctx context.Context) []forward.Finding {
	out := p.fwd.Check(ctx)
	out = append(out, p.checkKeys(ctx)...)
	slices.SortStableFunc(out, func(a, b forward.Finding) int { return int(b.Severity) - int(a.Severity) })
	return out
}

func (p *Provider) checkKeys(ctx context.Context) []forward.Finding {
	var out []forward.Finding
	add := func(s forward.Severity, id, format string, args ...any) {
		out = append(out, forward.Finding{Severity: s, ID: id, Message: fmt.Sprintf(format, args...)})
	}
	jwksURL := p.keys.jwksURL
	m, merr := p.fwd.Metadata(ctx)
	switch {
	case jwksURL != "":
		if merr == nil && m.JWKSURI != "" && m.JWKSURI != jwksURL {
			add(forward.SeverityWarning, FindingJWKSURIMismatch,
				"The authorization server's metadata names jwks_uri %q but tokens are verified with keys from %q; if the server signs with keys published only at its jwks_uri, every token will be rejected.",
				m.JWKSURI, jwksURL)
		}
	case merr != nil:
		return nil // forward's findings already say why the metadata is missing
	case m.JWKSURI == "":
		add(forward.SeverityError, FindingNoJWKSURI,
			"The authorization server's metadata has no jwks_uri, so its signing keys cannot be discovered and every token is answered 503; set Config.JWKSURL to its key set URL.")
		return out
	default:
		jwksURL = m.JWKSURI
	}
	keys, err := fetchKeySet(ctx, p.client(), jwksURL)
	if err != nil {
		add(forward.SeverityError, FindingJWKSUnavailable,
			"The signing keys at %s could not be fetched (%v), so tokens are answered 503 until they can; check the URL and the network.", jwksURL, err)
		return out
	}
	var usable []string
	for _, k := range keys {
		if k.usableFor(p.algs) {
			usable = append(usable, k.Kid)
		}
	}
	if len(usable) == 0 {
		add(forward.SeverityError, FindingNoSigningKey,
			"The key set at %s has no %s signing key with a kid (it has %d key(s)), so every token will be rejected; make the authorization server sign access tokens with %s or set Config.Algorithms to what it uses.",
			jwksURL, strings.Join(p.algs, " or "), len(keys), strings.Join(p.algs, " or "))
	}
	return out
}

func (p *Provider) client() *http.Client {
	if p.hc != nil {
		return p.hc
	}
	return httpx.NewClient(httpx.Options{})
}

// jwkSummary is what Check needs to know about one key of a JWKS.
type jwkSummary struct {
	Kid string `json:"kid"`
	Kty string `json:"kty"`
	Alg string `json:"alg"`
	Use string `json:"use"`
	Crv string `json:"crv"`
}

// usableFor reports whether the key can verify tokens signed with one of
// algs: a signature key (use "sig" or unset) with a kid whose alg is one
// of algs, or has no alg and a key type that fits one.
func (k jwkSummary) usableFor(algs []string) bool {
	if k.Kid == "" || (k.Use != "" && k.Use != "sig") {
		return false
	}
	for _, a := range algs {
		if k.Alg != "" {
			if k.Alg == a {
				return true
			}
			continue
		}
		switch {
		case (strings.HasPrefix(a, "RS") || strings.HasPrefix(a, "PS")) && k.Kty == "RSA":
			return true
		case a == "ES256" && k.Kty == "EC" && k.Crv == "P-256",
			a == "ES384" && k.Kty == "EC" && k.Crv == "P-384",
			a == "ES512" && k.Kty == "EC" && k.Crv == "P-521":
			return true
		case a == "EdDSA" && k.Kty == "OKP":
			return true
		}
	}
	return false
}

// parseKeySet reads the key summaries of a JWKS document.
func parseKeySet(body []byte) ([]jwkSummary, error) {
	var doc struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		return nil, errors.New("not a JSON key set")
	}
	if doc.Keys == nil {
		return nil, errors.New(`no "keys" array`)
	}
	out := make([]jwkSummary, 0, len(doc.Keys))
	for _, raw := range doc.Keys {
		var k jwkSummary
		if json.Unmarshal(raw, &k) == nil { // a malformed key is skipped, like the verifier does
			out = append(out, k)
		}
	}
	return out, nil
}

func fetchKeySet(ctx context.Context, hc *http.Client, url string) ([]jwkSummary, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, errors.New("invalid URL")
	}
	req.Header.Set("Accept", "application/json")
	resp, err := hc.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, errors.New("unreachable")
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("HTTP %d", resp.StatusCode)
	}
	if mt, _, err := mime.ParseMediaType(resp.Header.Get("Content-Type")); err == nil && !strings.Contains(mt, "json") {
		return nil, fmt.Errorf("content type %s", mt)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxJWKSBytes+1))
	if err != nil {
		return nil, errors.New("read failed")
	}
	if len(body) > maxJWKSBytes {
		return nil, errors.New("larger than 256 KiB")
	}
	return parseKeySet(body)
}
