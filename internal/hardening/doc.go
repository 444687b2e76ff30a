// Package hardening is mcpauth's published attack and fault suite. It has no
// API: everything is in its tests, which drive the real middleware
// ([remote.Provider]), the real JWT verifier and a fake WorkOS AuthKit
// ([authkittest]) over loopback HTTP.
//
//   - adversarial_test.go: one table of hostile tokens and requests, each
//     with the expected status and RFC 6750 error code and the assertion
//     that the MCP handler was not reached; headers that name key URLs
//     (jku, x5u) point at a counting server that must receive nothing; a
//     tool-call table (bodies built so a decoder downstream could see
//     another tool) and an MCP header table (Mcp-Method/Mcp-Name that
//     disagree with the body: other names, letter case, Base64 sentinels,
//     repeats, oversize, non-ASCII), each refused case built to succeed
//     without the check it attacks;
//   - load_test.go: sustained load over the real HTTP server with a mix of
//     valid, expired, forged and scope-lacking tokens, counting wrong
//     decisions, goroutines after shutdown and memory growth;
//   - enrichment_test.go: the WorkOS API down or rate-limiting while
//     requests keep succeeding without enrichment;
//   - secrets_test.go: debug logs of every suite and every client-facing
//     body, searched for tokens, signature parts, Authorization values and
//     internal error text.
//
// Verifier-level fault tests live next to the code they test
// (remote/faults_test.go, forward/faults_test.go).
//
// Run it as part of the module's tests, or alone, longer:
//
//	go test -race ./internal/hardening/
//	go test -race ./internal/hardening/ -run Load -hardening.long -v
package hardening
