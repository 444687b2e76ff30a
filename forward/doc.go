// Package forward serves an OAuth authorization server's RFC 8414 metadata
// from the MCP server's own origin, for clients written to the 2025-03-26
// MCP revision (and some current ones) that look for
// /.well-known/oauth-authorization-server there instead of on the
// authorization server.
//
// The upstream document is forwarded byte for byte (the issuer must stay
// byte-identical for strict clients), validated before it replaces the
// cached copy, cached within configured bounds from the upstream's
// Cache-Control or Expires, revalidated with If-None-Match, and kept through
// upstream outages (stale-if-error). Any number of concurrent requests on a
// cold or expired cache cause one upstream fetch; requests that find a stale
// copy are served it without waiting while one refresh runs in the
// background. Fetches go through a retrying client with a small budget,
// clamped Retry-After, a per-attempt timeout and an overall deadline.
//
// Use:
//
//	fwd, err := forward.New(forward.Config{
//		Issuer: "https://example.authkit.app", // exactly as in authorization_servers
//		Logger: slog.Default(),
//	})
//	if err != nil {
//		return err
//	}
//	defer fwd.Close() // stops a background refresh in flight
//
//	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
//	defer cancel()
//	if err := fwd.Prime(ctx); err != nil {
//		log.Printf("metadata not cached yet: %v", err) // requests will retry
//	}
//	for _, f := range fwd.Check(ctx) {
//		log.Print(f) // e.g. "error: The authorization server offers neither registration_endpoint ..."
//	}
//
//	mux := http.NewServeMux()
//	for _, r := range fwd.Routes() { // never behind the bearer middleware
//		mux.Handle(r.Pattern, r.Handler)
//	}
//
// Responses to clients: 200 with the upstream bytes, Content-Type
// application/json, CORS "*", our own strong ETag (304 on If-None-Match),
// Cache-Control max-age set to the freshness lifetime and Age to the time
// since the upstream last confirmed the document (so a stale copy shows an
// Age above its max-age); OPTIONS preflights get 204; other methods 405.
// With no good copy at all the answer is 503 with Retry-After and a generic
// JSON error; internal error text never reaches clients.
//
// Config.OpenIDConfiguration (off by default) adds
// /.well-known/openid-configuration from the upstream OIDC discovery
// document. Config.LegacyEndpoints (off by default) adds /authorize (a 302
// to the upstream authorization endpoint with the same query) and /token and
// /register (POST reverse proxies, never retried, bodies never logged); see
// its documentation for the trade-off.
package forward
