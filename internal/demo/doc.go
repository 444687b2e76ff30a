// Package demo builds the MCP server that cmd/authkit-demo serves: a go-sdk
// server with tools that show what authentication gives a tool
// handler.
//
// It lives in its own package so that tests and benchmarks can drive exactly
// the server the demo program serves, with or without the auth layer in
// front of it.
//
// Tools:
//   - whoami: the caller's user id, organization, client, scopes,
//     permissions, roles and token expiry, plus a profile when
//     [Options.Profile] is set;
//   - echo: returns its input to any authenticated caller;
//   - admin_echo: like echo, but the provider in front of the handler must
//     require [AdminScope] for it (see [ToolScopes]), so a client that lacks
//     the scope is challenged with 403 insufficient_scope and steps up;
//   - remember and recall: remember returns a handle carrying a text,
//     sealed to the caller with package handle ([Options.Handles]); recall
//     opens it for the same user and client only, on any replica with the
//     same keys.
//
// The tools read the caller with authkit.ClaimsFromContext(ctx): the
// claims of the token the provider verified for the current call, which
// gosdk.Handler installs for every call.
//
// Use:
//
//	server := demo.NewServer(demo.Options{})
//	mux := http.NewServeMux()
//	mux.Handle("/", gosdk.Handler(provider, server, nil)) // provider: an mcpauth provider
//	srv := &http.Server{Addr: "127.0.0.1:8080", Handler: mux, ReadHeaderTimeout: 10 * time.Second}
//	log.Fatal(srv.ListenAndServe())
package demo
