// Package remote puts an OAuth 2.0 protected-resource boundary in front of an
// MCP server, for any identity provider.
//
// A [Provider] composes a [TokenVerifier] (a JWT verifier against a JWKS, an
// RFC 7662 introspection verifier, or a function of your own) with the
// authorization servers the server trusts and the public URL of the MCP
// endpoint. From those it serves RFC 9728 protected resource metadata,
// protects the MCP endpoint with RFC 6750 bearer checks and exact
// WWW-Authenticate challenges, and exposes its routes so callers can add their
// own next to the standard ones.
//
// The verified identity reaches handlers through the request context:
//
//	info, ok := remote.TokenInfoFromContext(r.Context())
//
// Errors follow one pattern: sentinels for errors.Is ([ErrMissingToken],
// [ErrInvalidToken], [ErrInsufficientScope], [ErrUnavailable], ...) plus one
// typed [*Error] carrying the RFC 6750 code, a client-safe description and the
// HTTP status. Clients never see a verifier's internal error text.
package remote
