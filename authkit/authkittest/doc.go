// Package authkittest provides a fake WorkOS AuthKit authorization server
// for tests, modelled on [net/http/httptest]. It is NOT for production: it
// approves every authorization request without a login, keeps everything in
// memory and listens on plain HTTP on a loopback address.
//
// A [Server] serves, at AuthKit's paths:
//
//   - /.well-known/oauth-authorization-server and
//     /.well-known/openid-configuration: metadata whose issuer is
//     byte-identical to [Server.Issuer] (the URL, no trailing slash);
//     registration_endpoint only while DCR is on ([Server.SetDCR], on by
//     default), client_id_metadata_document_supported only while CIMD is on
//     ([Server.SetCIMD], off by default), and
//     authorization_response_iss_parameter_supported;
//   - /oauth2/jwks: RS256 keys with kid, alg and use ([Server.RotateKey],
//     [Server.RemoveKey], [Server.PublishKey]);
//   - /oauth2/register: RFC 7591 dynamic client registration;
//   - /oauth2/authorize: auto-approves as the configured [User]
//     ([Server.SetUser]); requires PKCE S256; echoes state; adds iss (RFC
//     9207) to every response; records resource. While CIMD is on, a
//     client_id that is an https URL on loopback is resolved by fetching
//     its client metadata document (bounded in size and time, cached,
//     redirects not followed; [CIMDOptions]), and redirect_uri is checked
//     against it. [Server.ServeClientMetadata] publishes a client's document
//     over TLS on loopback and returns its URL, the client_id;
//   - /oauth2/token: authorization_code (PKCE, redirect_uri, resource → aud,
//     one-time codes valid ten minutes) and refresh_token (rotation, replay
//     revokes the grant);
//   - /oauth2/introspection (RFC 7662, confidential clients only) and
//     /oauth2/userinfo;
//   - CORS as a browser-facing authorization server: the metadata, JWKS,
//     register, token and userinfo endpoints answer preflights and put
//     Access-Control-Allow-Origin: * on every answer;
//   - the WorkOS API routes GET /user_management/users/{id} and
//     GET /user_management/organization_memberships, as called by
//     workos-go's usermanagement client, behind "Authorization: Bearer
//     <[Server.APIKey]>".
//
// [Server.Mint] signs AuthKit-shaped access tokens directly, valid or not
// (expired, wrong audience, unknown key, session-token issuer, other
// algorithms), for table tests. [Server.SetFault] injects errors, garbage,
// latency and dropped connections per path; [Server.Requests] logs what the
// server received, without credentials.
//
// # Tokens
//
// Access tokens are RS256 JWTs with the header's kid set to the signing key,
// and the claims iss (the issuer), sub (the user id), aud, client_id (the
// client the token was issued to: the registered or CIMD client, the
// environment client for [Server.Mint] unless TokenOptions.ClientID says
// otherwise), sid (the consent grant id, stable across refreshes), jti,
// iat, exp (iat + 5 minutes by
// default, [Server.SetTokenLifetime]), org_id when the user has an
// organization, and role, roles, permissions, entitlements and
// feature_flags when the user has them, as an AuthKit JWT template would
// add them. aud is the resource indicator(s) the client sent (RFC 8707);
// without one it is the environment client id ([Server.ClientID]), as
// AuthKit does. Whether AuthKit puts a scope claim in its tokens is not
// documented; this fake adds "scope" (space-separated) when scopes were
// requested, so verifiers that read it can be tested. Refresh tokens are
// always issued, opaque, and do not expire.
//
// # Example
//
//	func TestProtected(t *testing.T) {
//		as := authkittest.Start(t) // closed by t.Cleanup
//		as.SetUser(authkittest.User{
//			ID:             "user_01ALICE",
//			OrganizationID: "org_01ACME",
//			Permissions:    []string{"widgets:read"},
//		})
//		// Point the code under test at as.Issuer() / as.JWKSURL(), its
//		// Logger at authkittest.Logger(t) (a refusal then says why in the
//		// test's output).
//		good := as.MustMintFor(t, "https://mcp.example.com/mcp", authkittest.TokenOptions{})
//		client := authkittest.BearerClient(good) // sends it on every request
//		expired := as.MustMint(t, authkittest.TokenOptions{
//			Audience:  []string{"https://mcp.example.com/mcp"},
//			ExpiresIn: -time.Minute,
//		})
//		otherKey := as.MustMint(t, authkittest.TokenOptions{SignWith: authkittest.MustNewKey("")})
//		// ... send them to the server under test ...
//		_, _, _ = client, expired, otherKey
//
//		as.SetFault("/oauth2/jwks", authkittest.Fault{Status: http.StatusServiceUnavailable, Times: 1})
//		as.RotateKey() // new tokens carry the new kid; old ones still verify
//		for _, r := range as.Requests() {
//			t.Log(r.Method, r.Path)
//		}
//	}
package authkittest
