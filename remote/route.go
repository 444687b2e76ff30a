package remote

import "net/http"

// Route is one HTTP route a provider serves: a net/http.ServeMux pattern
// (a path, optionally with a method, e.g. "/.well-known/oauth-protected-resource/mcp")
// and its handler. Providers expose their routes as a slice so callers can
// mount them on any router and add their own next to them.
type Route struct {
	Pattern string
	Handler http.Handler
}
