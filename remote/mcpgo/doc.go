// Package mcpgo serves an mcp-go server (github.com/mark3labs/mcp-go)
// behind a provider of this module (remote, idp or authkit), in one call
// that cannot be assembled wrongly:
//
//	s := server.NewMCPServer("files", "1.0.0")
//	s.AddTool(mcp.NewTool("whoami"), func(ctx context.Context, _ mcp.CallToolRequest) (*mcp.CallToolResult, error) {
//		id, err := remote.IdentityFromContext(ctx) // this call's token, or an error saying why there is none
//		if err != nil {
//			return nil, err
//		}
//		return mcp.NewToolResultText(id.Subject()), nil
//	})
//
//	p, err := authkit.New(authkit.Config{
//		Domain:     "my-app.authkit.app",
//		BaseURL:    "https://mcp.example.com",
//		ToolScopes: map[string][]string{"delete_file": {"files:write"}},
//	})
//	if err != nil {
//		log.Fatal(err)
//	}
//	mount := mcpgo.Handler(p, s, nil) // metadata routes + the protected MCP endpoint
//	srv := &http.Server{Addr: ":8080", Handler: mount, ReadHeaderTimeout: 10 * time.Second}
//	srv.RegisterOnShutdown(func() { _ = mount.Shutdown(context.Background()) }) // ends open GET streams
//	log.Fatal(srv.ListenAndServe())
//
// # Identity per call
//
// mcp-go derives the context of every message it handles from the HTTP
// request that carried it (a POST, or the GET stream for what arrives
// there), on 2025-era sessions and on stateless 2026-07-28 requests alike.
// The provider's middleware puts the identity it verified in that request's
// context, valid until the request ends, so remote.IdentityFromContext(ctx),
// authkit.ClaimsFromContext(ctx) and a provider's Allow(ctx, rule) in a
// tool, prompt or resource handler describe the current call's token: after
// a client refreshes its token mid-session, the next call sees the new one.
// A context kept past its request (a goroutine, an mcp-go task running
// after its POST returned) yields remote.ErrNoIdentity, never an old
// identity.
//
// # Sessions belong to their callers
//
// mcp-go does not tie a session to anyone: by default it accepts any
// well-formed Mcp-Session-Id, and a GET stream joins whatever session it
// names. [Handler] binds each session it hands out (the Mcp-Session-Id of
// an initialize response) to the caller's remote.Identity.Owner: issuer and
// subject together, so behind a remote.MultiIssuer the same subject from
// another issuer is another user, and a token without subject owns its
// session by its own hash. A request naming the session with another
// owner's token is refused with 403 before mcp-go sees it, so it never
// reads the session's stream, answers its elicitations or ends it; a
// session id the mount never handed out is answered 404 (the 2025-era
// answer for an unknown session: the client opens a new one). A GET that
// resumes a stream (Last-Event-ID) without naming its session is answered
// 400: with an event store, mcp-go keeps the streams of session-less
// requests under one empty session id with event ids counted store-wide,
// so such a resume could replay another caller's stream. A session is
// forgotten when it is deleted or when mcp-go ends it (for example with
// server.WithSessionIdleTTL); the binding lives in this process, so
// several replicas need sticky routing, as mcp-go's own sessions do.
//
// # Per-caller tool lists
//
// Options.HideDeniedTools leaves out of tools/list the tools a rule refuses
// the caller, keeping those a step-up could open; see [Options].
//
// For handlers that are not mcp-go servers, mount them with the provider's
// own Handler or Middleware and read remote.IdentityFromContext(r.Context()).
package mcpgo
