// Package perf holds the performance comparison of mcpauth's auth layer:
// shared fixtures (keys, AuthKit-shaped tokens of two sizes, JWKS of any
// size), go-sdk + jwx (go-sdk auth.RequireBearerToken fed by a plain jwx
// verifier), the TypeScript SDK + jose server (tspeer/) and the
// crypto/rsa floor. The benchmarks live in this package's
// tests and run only with -bench, so a plain `go test ./...` stays fast:
//
//	go test -run '^$' -bench . -benchmem -count 5 ./internal/perf/
//
// Use from code (what the benchmarks do):
//
//	fx, err := perf.NewFixture()
//	if err != nil { ... }
//	jwks, _ := fx.JWKS(2)
//	set, _ := perf.ParseKeySet(jwks)
//	baseline := auth.RequireBearerToken(perf.NewJWXVerifier(set, fx.Issuer, fx.Audience), nil)
//	tok, _ := fx.RS256("1", perf.Small)
//	// send "Authorization: Bearer "+tok through baseline(handler)
//
// BENCHMARKS.md at the repository root has the results and how to read them.
package perf
