// Package handle seals values to the verified caller of an MCP request.
//
// The stateless MCP protocol (2026-07-28) has no sessions: state that spans
// calls travels through the client, as server-minted handles in tool
// arguments and as MRTR requestState. A handle that is not bound to its
// caller is a confused-deputy hole: prompt injection can smuggle another
// user's handle into a call. A [Sealer] binds each handle to the caller's
// issuer, subject and client id, with an expiry, and opens it for that
// caller only; the integrity of what it carries is protected (AES-256-GCM
// from the standard library, a fresh key per handle derived with HKDF). No
// server-side storage: a handle minted on one replica opens on every other
// replica configured with the same keys.
//
// Keys come from configuration, newest first, so they can be rotated (see
// [Config.Keys]):
//
//	keys, err := handle.ParseKeys(os.Getenv("MCP_HANDLE_KEYS")) // "k2:<base64>,k1:<base64>"
//	if err != nil {
//		log.Fatal(err)
//	}
//	cursors := handle.MustNew(handle.Config{Keys: keys, Purpose: "search-cursor", TTL: 15 * time.Minute})
//
// In a handler behind the provider's middleware, seal for the verified
// caller and open what the client sends back:
//
//	caller, _ := handle.CallerFromContext(r.Context()) // or handle.CallerOf(identity)
//	h, err := cursors.Seal(caller, []byte(cursor))
//	// ... a later call, maybe on another replica:
//	cursor, err := cursors.Open(caller, h)
//	switch {
//	case errors.Is(err, handle.ErrOtherCaller): // another user's or client's handle
//	case errors.Is(err, handle.ErrExpired): // mint a new one
//	case errors.Is(err, handle.ErrTampered), errors.Is(err, handle.ErrKeyRetired):
//	}
//
// A Sealer never logs, and its errors never contain a value, a handle or a
// key.
package handle
