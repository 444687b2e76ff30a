package idp

import (
	"strings"

	"github.com/mcpauth/mcpauth/remote/rules"
)

// Presets: a ready Config for the identity providers MCP server authors use
// most, from the one or two values their users know, in the spirit of
// golang.org/x/oauth2/endpoints. Each returns a Config to adjust (scopes,
// tool rules, a logger) before [New]; New validates it. mcpURL is the
// public URL of the MCP endpoint, e.g. "https://mcp.example.com/mcp".
//
// Every preset states what the provider must be told in its own console,
// and whether MCP clients can register themselves there (client ID
// metadata documents, or dynamic client registration): where they cannot,
// clients need a client id registered by hand, or an OAuth proxy in front
// of the provider.

// Auth0 is an Auth0 tenant, domain being its domain ("dev-abc.us.auth0.com"
// or a custom domain; a scheme is accepted and dropped).
//
// Quirks handled: the issuer ends with a slash ("https://<domain>/"),
// byte for byte as Auth0 publishes it. Tokens must carry the MCP URL as
// audience: create an API (Applications → APIs) whose Identifier is
// mcpURL, and turn on the Resource Parameter Compatibility Profile
// (Settings → Advanced) so Auth0 honours the resource parameter MCP
// clients send (RFC 8707); without it Auth0 only issues tokens for the API
// named in its own audience parameter, which MCP clients do not send, and
// their tokens are refused with 401. Scopes are in "scope", RBAC
// permissions (when the API's "Add Permissions in the Access Token" is on)
// in "permissions", and the organization of a login through Auth0
// Organizations in "org_id": Claims names both, so rules.AllPermissions and
// the organization rules work as they are. Auth0 puts no roles in access
// tokens (an Action can add them, under a namespaced claim such as
// "https://example.com/roles": add rules.StringsClaim of that name to
// Claims.Roles). Registration: dynamic client registration when enabled in
// the tenant's advanced settings; Auth0's MCP support also approves client
// ID metadata documents. RS256.
func Auth0(domain, mcpURL string) Config {
	host := presetHost(domain)
	return Config{
		Issuer:      "https://" + host + "/",
		MetadataURL: "https://" + host + "/.well-known/openid-configuration",
		MCPURL:      mcpURL,
		Claims: rules.ClaimNames{
			Permissions:  []rules.Claim{rules.StringsClaim("permissions")},
			Organization: []rules.Claim{rules.StringClaim("org_id")},
		},
	}
}

// Okta is an Okta custom authorization server, domain being the Okta org
// ("example.okta.com", a scheme is accepted and dropped) and serverID the
// authorization server's id ("default" when empty).
//
// Quirks handled: the issuer is "https://<domain>/oauth2/<serverID>", and
// its metadata is published below it. Only custom authorization servers
// issue access tokens a resource server can verify: tokens of the org
// authorization server ("https://<domain>", no /oauth2/...) are refused by
// the issuer check. Okta sets the audience per authorization server, not
// from the resource parameter: set the server's Audience (Security → API →
// Authorization Servers → Settings) to mcpURL. Scopes are in "scp"
// (an array), the client id in "cid". Okta adds group names only through
// a claim defined on the authorization server (Claims → Add Claim, value
// type Groups, included in access tokens); Claims.Roles reads one named
// "groups", Okta's usual name, so rules.AnyRole matches group names once
// that claim exists (change the name if yours differs). Registration: Okta's dynamic client
// registration needs an API token, so MCP clients cannot register
// themselves and have no client ID metadata documents: register a client
// by hand and give MCP clients its id, or put an OAuth proxy in front.
// RS256.
func Okta(domain, serverID, mcpURL string) Config {
	if serverID = strings.Trim(strings.TrimSpace(serverID), "/"); serverID == "" {
		serverID = "default"
	}
	issuer := "https://" + presetHost(domain) + "/oauth2/" + serverID
	return Config{
		Issuer:      issuer,
		MetadataURL: issuer + "/.well-known/oauth-authorization-server",
		MCPURL:      mcpURL,
		ScopeClaims: []string{"scp", "scope"},
		Claims:      rules.ClaimNames{Roles: []rules.Claim{rules.StringsClaim("groups")}},
	}
}

// Keycloak is a Keycloak realm, baseURL being the server's URL
// ("https://sso.example.com", with the "/auth" prefix of versions before
// 17 when the server still uses it) and realm the realm's name.
//
// Quirks handled: the issuer is "<baseURL>/realms/<realm>", and Keycloak
// publishes only the OpenID Connect document below it. Keycloak does not
// implement resource indicators (RFC 8707): tokens carry the MCP URL as
// audience only through an audience mapper: add a client scope with an
// "Audience" mapper whose included custom audience is mcpURL, as a
// default scope of the clients (or of the realm). Without it "aud" is
// "account" and tokens are refused with 401. Realm roles are in
// "realm_access.roles", which Claims.Roles reads (rules.AnyRole matches
// realm roles); client roles are in "resource_access.<client>.roles": add
// rules.StringsClaim("resource_access", client, "roles") to Claims.Roles
// to match them too. Scopes are in "scope". Keycloak signs with RS256 by default and with ES256 or
// PS256 when the realm's keys say so: all three are allowed (a key only
// verifies the algorithm it fits). Registration: dynamic client
// registration, anonymous requests subject to the realm's client
// registration policies (trusted hosts); client ID metadata documents are
// an experimental feature of recent versions.
func Keycloak(baseURL, realm, mcpURL string) Config {
	issuer := strings.TrimRight(strings.TrimSpace(baseURL), "/") + "/realms/" + strings.Trim(strings.TrimSpace(realm), "/")
	return Config{
		Issuer:      issuer,
		MetadataURL: issuer + "/.well-known/openid-configuration",
		MCPURL:      mcpURL,
		Algorithms:  []string{"RS256", "ES256", "PS256"},
		Claims:      rules.ClaimNames{Roles: []rules.Claim{rules.StringsClaim("realm_access", "roles")}},
	}
}

// EntraID is a Microsoft Entra ID (Azure AD) tenant, through its v2.0
// endpoints: tenantID is the directory (tenant) id, clientID the
// application (client) id of the app registration that exposes the MCP
// server's API.
//
// Quirks handled: the issuer is
// "https://login.microsoftonline.com/<tenantID>/v2.0" (one tenant: the
// "common" and "organizations" endpoints publish a templated issuer that
// no token carries, so they cannot be verified as one issuer). v2.0 access
// tokens carry the application's client id as audience, not a URL: the
// preset accepts clientID as the audience, and the app registration must
// ask for v2.0 tokens (manifest: "requestedAccessTokenVersion": 2), or
// tokens come from the v1.0 issuer "https://sts.windows.net/<tenantID>/"
// and are refused. Delegated scopes are in "scp" (space-separated), app
// roles in "roles" (an array), which Claims.Roles reads. Entra ID does not implement resource indicators (it
// refuses the resource parameter on v2.0 endpoints; clients ask for
// "api://<clientID>/<scope>" scopes instead), dynamic client registration
// or client ID metadata documents: MCP clients need a client id registered
// by hand (and the scope to ask for), or an OAuth proxy in front. Use a
// separate app registration for the API, or RequiredScopes: an ID token
// issued to the same app registration also carries clientID as audience,
// but no "scp". RS256.
func EntraID(tenantID, clientID, mcpURL string) Config {
	return entraID("https://login.microsoftonline.com", tenantID, clientID, mcpURL)
}

// entraID is EntraID against another authority (a national cloud, or a
// fake in tests).
func entraID(authority, tenantID, clientID, mcpURL string) Config {
	issuer := authority + "/" + strings.TrimSpace(tenantID) + "/v2.0"
	clientID = strings.TrimSpace(clientID)
	return Config{
		Issuer:      issuer,
		MetadataURL: issuer + "/.well-known/openid-configuration",
		MCPURL:      mcpURL,
		Audiences:   []string{clientID},
		ScopeClaims: []string{"scp"},
		Claims:      rules.ClaimNames{Roles: []rules.Claim{rules.StringsClaim("roles")}},
	}
}

// presetHost is a domain as users paste it: without scheme, path or
// surrounding space.
func presetHost(domain string) string {
	d := strings.TrimSpace(domain)
	if i := strings.Index(d, "://"); i >= 0 {
		d = d[i+3:]
	}
	if i := strings.IndexByte(d, '/'); i >= 0 {
		d = d[:i]
	}
	return d
}
