package remote

import (
	"errors"
	"fmt"
	"net/http"
)

// ResourceHandler is the handler [Provider.Handler] returns (and so
// gosdk.Handler, and the handler inside an mcpgo.Mount): one MCP
// resource's well-known routes and its protected MCP endpoint, for a whole
// origin. Serve it alone, or several of one origin with [Join].
type ResourceHandler struct {
	mux      *http.ServeMux
	origin   string
	resource string
	metaPath string  // the path-inserted metadata's path
	routes   []Route // as mounted; the MCP endpoint last
}

// ServeHTTP serves the resource's routes.
func (h *ResourceHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.mux.ServeHTTP(w, r) }

// MCPURL is the canonical URL of the resource's MCP endpoint.
func (h *ResourceHandler) MCPURL() string { return h.resource }

// Join serves several MCP resources of one origin on one handler, such as
// /mcp and /admin/mcp, or one resource per organization (/acme/mcp,
// /globex/mcp): each handler is what a provider's Handler returned
// (directly, through gosdk.Handler, or an mcpgo.Mount), built from its own
// provider, so each resource keeps its own MCP URL, audience, rules
// and path-inserted metadata, and its own MCP endpoint behind its own
// bearer check. Every challenge names its resource's path-inserted
// metadata, which is what clients read.
//
// The documents of the origin as a whole exist once: the root protected
// resource metadata (/.well-known/oauth-protected-resource), the
// forwarded authorization server metadata and OpenID configuration, and
// the legacy /authorize, /token and /register shims. They are the first
// handler's: the first resource is the origin's default, the one a client
// that finds no path-inserted document (or a client of the 2025-03-26
// revision, which looks only at the origin) is sent to. More generally, a
// route of a later handler for a path an earlier handler serves is left
// out; any other route of it (its own routes next to the standard ones) is
// served.
//
// Join refuses handlers of different origins (serve each origin on its
// own handler), two handlers for one resource, a resource at the origin
// itself that is not first (its metadata is the root document), and a
// resource whose MCP endpoint or path-inserted metadata another handler
// already serves. Any other http.Handler is refused too.
func Join(handlers ...http.Handler) (http.Handler, error) {
	if len(handlers) == 0 {
		return nil, errors.New("remote: Join needs at least one handler")
	}
	rs := make([]*ResourceHandler, len(handlers))
	for i, h := range handlers {
		switch v := h.(type) {
		case *ResourceHandler:
			rs[i] = v
		case interface{ Resource() *ResourceHandler }:
			rs[i] = v.Resource()
		}
		if rs[i] == nil {
			return nil, fmt.Errorf("remote: Join: handler %d (%T) is not a resource's handler: pass what Provider.Handler, gosdk.Handler or mcpgo.Handler returned", i, h)
		}
	}
	mux := http.NewServeMux()
	owner := map[string]int{} // route path → the handler serving it
	for i, h := range rs {
		if h.origin != rs[0].origin {
			return nil, fmt.Errorf("remote: Join: %s and %s are on different origins: serve each origin on its own handler", rs[0].resource, h.resource)
		}
		if i > 0 && h.resource == h.origin {
			return nil, fmt.Errorf("remote: Join: %s is the origin itself, whose metadata is the root document: pass its handler first", h.resource)
		}
		for j, r := range h.routes {
			path := routePath(r.Pattern)
			what := "" // for the resource's own routes: the MCP endpoint, its metadata
			switch {
			case j == len(h.routes)-1:
				what = "its MCP endpoint"
			case path == h.metaPath:
				what = "its metadata"
			}
			if k, taken := owner[path]; taken {
				switch {
				case what == "":
					continue // an origin-wide document: the earlier handler's
				case rs[k].resource == h.resource:
					return nil, fmt.Errorf("remote: Join: handlers %d and %d both serve %s", k, i, h.resource)
				}
				return nil, fmt.Errorf("remote: Join: %s serves %s at %s, which handler %d (%s) already serves", h.resource, what, path, k, rs[k].resource)
			}
			owner[path] = i
			mux.Handle(r.Pattern, r.Handler)
		}
	}
	return mux, nil
}

// MustJoin is [Join] for main functions and examples: it panics on an
// error.
func MustJoin(handlers ...http.Handler) http.Handler {
	h, err := Join(handlers...)
	if err != nil {
		panic(err)
	}
	return h
}
