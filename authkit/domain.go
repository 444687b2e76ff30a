package authkit

import (
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/mcpauth/mcpauth/internal/httpx"
)

// Endpoints are the URLs of one AuthKit domain, all derived from the domain
// the way AuthKit publishes them. Print them to see what a [Provider] talks
// to; they are plain strings so they can be logged or compared directly.
type Endpoints struct {
	// Issuer is the authorization server's issuer: "https://" plus the
	// domain, with no trailing slash, byte-identical to the "issuer" member
	// of AuthKit's metadata. It is the only entry of the protected resource
	// metadata's authorization_servers.
	Issuer string
	// Metadata is the RFC 8414 authorization server metadata document,
	// Issuer + "/.well-known/oauth-authorization-server".
	Metadata string
	// OpenIDConfiguration is the OpenID Connect discovery document,
	// Issuer + "/.well-known/openid-configuration".
	OpenIDConfiguration string
	// JWKS is the key set AuthKit signs access tokens with,
	// Issuer + "/oauth2/jwks".
	JWKS string
	// Authorization is the authorization endpoint, Issuer + "/oauth2/authorize".
	Authorization string
	// Token is the token endpoint, Issuer + "/oauth2/token".
	Token string
	// Registration is the dynamic client registration endpoint,
	// Issuer + "/oauth2/register". AuthKit serves it only when dynamic
	// client registration is enabled in the WorkOS dashboard.
	Registration string
	// Introspection is the RFC 7662 endpoint, Issuer + "/oauth2/introspection".
	Introspection string
	// UserInfo is the OpenID Connect userinfo endpoint, Issuer + "/oauth2/userinfo".
	UserInfo string
}

// String lists the endpoints one per line, for start-up logs.
func (e Endpoints) String() string {
	var b strings.Builder
	for _, kv := range [][2]string{
		{"issuer", e.Issuer},
		{"metadata", e.Metadata},
		{"openid-configuration", e.OpenIDConfiguration},
		{"jwks", e.JWKS},
		{"authorize", e.Authorization},
		{"token", e.Token},
		{"register", e.Registration},
		{"introspection", e.Introspection},
		{"userinfo", e.UserInfo},
	} {
		fmt.Fprintf(&b, "%-21s %s\n", kv[0]+":", kv[1])
	}
	return b.String()
}

// DomainEndpoints derives the endpoints of an AuthKit domain.
//
// domain is what the WorkOS dashboard shows under Domains: "my-app.authkit.app",
// or a custom domain such as "auth.example.com". A scheme ("https://") and
// one trailing slash are accepted and dropped, letter case in the host is
// folded, and ":443" is dropped, so every accepted spelling of one domain
// yields byte-identical endpoints. A path, query, fragment, user
// information or a scheme other than https is rejected with an error that
// says what to write instead. "http://" is accepted only for loopback hosts
// (localhost, 127.0.0.0/8, ::1), for development and tests.
func DomainEndpoints(domain string) (Endpoints, error) {
	issuer, err := normalizeDomain(domain)
	if err != nil {
		return Endpoints{}, err
	}
	return endpointsFor(issuer), nil
}

func endpointsFor(issuer string) Endpoints {
	return Endpoints{
		Issuer:              issuer,
		Metadata:            issuer + "/.well-known/oauth-authorization-server",
		OpenIDConfiguration: issuer + "/.well-known/openid-configuration",
		JWKS:                issuer + "/oauth2/jwks",
		Authorization:       issuer + "/oauth2/authorize",
		Token:               issuer + "/oauth2/token",
		Registration:        issuer + "/oauth2/register",
		Introspection:       issuer + "/oauth2/introspection",
		UserInfo:            issuer + "/oauth2/userinfo",
	}
}

// normalizeDomain turns an AuthKit domain as a user may write it into the
// issuer string AuthKit publishes, by the module's URL rule for origins.
func normalizeDomain(domain string) (string, error) {
	raw := strings.TrimSpace(domain)
	shown := httpx.RedactUserinfo(raw) // never echo credentials
	const example = "my-app.authkit.app"
	if raw == "" {
		return "", fmt.Errorf("authkit: the AuthKit domain is empty: set it to the domain the WorkOS dashboard shows under Domains, e.g. %q", example)
	}
	withScheme := raw
	if !strings.Contains(raw, "://") {
		withScheme = "https://" + raw
	}
	if u, err := url.Parse(withScheme); err == nil && strings.EqualFold(u.Hostname(), "api.workos.com") {
		return "", fmt.Errorf("authkit: %q is the WorkOS API, not an AuthKit domain: use the domain the WorkOS dashboard shows under Domains, e.g. %q", shown, example)
	}
	u, err := httpx.CheckURL(withScheme, httpx.OriginURL)
	var ue *httpx.URLError
	if errors.As(err, &ue) {
		// suggestion is what the user most likely meant: the bare domain.
		suggestion := example
		if ue.Fix != "" {
			suggestion = strings.TrimPrefix(strings.TrimPrefix(ue.Fix, "https://"), "http://")
		}
		switch ue.Problem {
		case httpx.PlainHTTP:
			return "", fmt.Errorf("authkit: AuthKit domain %q uses http: AuthKit is served over https; write %q (http is accepted only for localhost and loopback addresses)", shown, suggestion)
		case httpx.NotHTTP:
			return "", fmt.Errorf("authkit: AuthKit domain %q has scheme %q: write the bare domain %q or %q", shown, ue.Found, suggestion, "https://"+suggestion)
		case httpx.HasUserinfo:
			return "", fmt.Errorf("authkit: AuthKit domain %q contains user information: remove everything up to %q and write %q", shown, "@", suggestion)
		case httpx.NoHost:
			return "", fmt.Errorf("authkit: AuthKit domain %q has no host: write the domain, e.g. %q", shown, example)
		case httpx.BadHost:
			return "", fmt.Errorf("authkit: AuthKit domain %q is not a valid host name: write the domain, e.g. %q", shown, example)
		case httpx.BadPort:
			return "", fmt.Errorf("authkit: AuthKit domain %q has an invalid port: write %q", shown, suggestion)
		case httpx.HasQuery:
			return "", fmt.Errorf("authkit: AuthKit domain %q has a query: the issuer is the bare domain; write %q", shown, suggestion)
		case httpx.HasFragment:
			return "", fmt.Errorf("authkit: AuthKit domain %q has a fragment: the issuer is the bare domain; write %q", shown, suggestion)
		case httpx.HasPath:
			return "", fmt.Errorf("authkit: AuthKit domain %q has a path (%s): AuthKit's issuer is the bare domain, every endpoint is derived from it; write %q", shown, ue.Found, suggestion)
		}
	}
	if err != nil {
		return "", fmt.Errorf("authkit: AuthKit domain %q is not a host name: write just the domain, e.g. %q", shown, example)
	}
	return httpx.Origin(u), nil
}
