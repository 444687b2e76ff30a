package remote

// This file implements RFC 9728, OAuth 2.0 Protected Resource Metadata.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// prmMetadata is the RFC 9728 §2 document the provider publishes.
type prmMetadata struct {
	Resource               string   `json:"resource"`
	AuthorizationServers   []string `json:"authorization_servers"`
	ScopesSupported        []string `json:"scopes_supported,omitempty"`
	BearerMethodsSupported []string `json:"bearer_methods_supported"`
	ResourceName           string   `json:"resource_name,omitempty"`
	ResourceDocumentation  string   `json:"resource_documentation,omitempty"`
}

func prmDocument(resource string, cfg Config, supported []string) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	err := enc.Encode(prmMetadata{
		Resource:               resource,
		AuthorizationServers:   cfg.AuthorizationServers,
		ScopesSupported:        supported,
		BearerMethodsSupported: []string{"header"},
		ResourceName:           cfg.ResourceName,
		ResourceDocumentation:  cfg.ResourceDocumentation,
	})
	if err != nil {
		return nil, fmt.Errorf("remote: encoding protected resource metadata: %w", err)
	}
	return buf.Bytes(), nil
}

// Metadata headers (with corsAllowOrigin, corsMaxAge and hdrJSON of
// bearer.go), shared read-only slices (len == cap, so an append by a
// later handler copies instead of writing into them).
var (
	prmHdrAllowMethods = []string{"GET, HEAD, OPTIONS"}
	prmHdrAllowHeaders = []string{"Authorization, Content-Type, MCP-Protocol-Version"}
	prmHdrCache        = []string{"public, max-age=3600"}
	prmHdrNoSniff      = []string{"nosniff"}
)

// prmHandler serves one metadata document.
type prmHandler struct {
	doc    []byte
	length []string
}

func (h prmHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hdr := w.Header()
	hdr["Access-Control-Allow-Origin"] = corsAllowOrigin
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		hdr["Content-Type"] = hdrJSON
		hdr["Cache-Control"] = prmHdrCache
		hdr["X-Content-Type-Options"] = prmHdrNoSniff
		hdr["Content-Length"] = h.length
		w.WriteHeader(http.StatusOK)
		if r.Method == http.MethodGet {
			_, _ = w.Write(h.doc)
		}
	case http.MethodOptions:
		hdr["Access-Control-Allow-Methods"] = prmHdrAllowMethods
		hdr["Access-Control-Allow-Headers"] = prmHdrAllowHeaders
		hdr["Access-Control-Max-Age"] = corsMaxAge
		w.WriteHeader(http.StatusNoContent)
	default:
		hdr["Allow"] = prmHdrAllowMethods
		hdr["Content-Type"] = hdrJSON
		w.WriteHeader(http.StatusMethodNotAllowed)
		_, _ = w.Write([]byte(`{"error":"method_not_allowed","error_description":"use GET"}` + "\n"))
	}
}

func newPRMHandler(doc []byte) http.Handler {
	return prmHandler{doc: doc, length: []string{strconv.Itoa(len(doc))}}
}

// Routes returns the provider's well-known routes: the protected resource
// metadata at the path-inserted URL (/.well-known/oauth-protected-resource
// followed by the MCP path) and at the root (/.well-known/oauth-protected-resource).
// Mount them on any router, never behind the bearer middleware.
//
// The path-inserted document names the exact MCP URL as its "resource". The
// root document names the bare origin (e.g. https://mcp.example.com): that
// is what the go-sdk client expects at the root, and clients that read the
// root as a fallback accept an origin that prefixes the MCP URL. When the MCP
// endpoint is the origin itself both are one document at one route. Every
// challenge names the path-inserted URL, so clients normally never need the
// root one.
func (p *Provider) Routes() []Route {
	if p.mcpPath == "" {
		return []Route{{Pattern: wellKnownPRM, Handler: newPRMHandler(p.prmPath)}}
	}
	return []Route{
		{Pattern: p.metaPath, Handler: newPRMHandler(p.prmPath)},
		{Pattern: wellKnownPRM, Handler: newPRMHandler(p.prmRoot)},
	}
}

// Handler returns a handler serving Routes(), then extra, then the MCP
// handler mcp, protected by [Provider.Middleware], at the MCP path (exactly;
// "/{$}" when the MCP endpoint is the origin, so no catch-all answers
// /.well-known/ requests). A route replaces every route before it for the
// same path, whatever their methods: an extra route for a standard path
// (the metadata, a forwarded document) replaces the standard one, like
// overriding a method, and of two extra routes for one path the later
// wins. The MCP path itself cannot be replaced (it would lose its bearer
// check): such a route panics as in [http.ServeMux.Handle], at setup.
//
// The handler is a [*ResourceHandler]: [Join] serves several of them (one
// per MCP resource) on one origin.
func (p *Provider) Handler(mcp http.Handler, extra ...Route) http.Handler {
	pattern := p.mcpPath
	if pattern == "" {
		pattern = "/{$}"
	}
	h := &ResourceHandler{
		mux:      http.NewServeMux(),
		origin:   p.origin,
		resource: p.mcpURL,
		metaPath: p.metaPath,
		routes:   append(mergeRoutes(p.Routes(), extra), Route{Pattern: pattern, Handler: p.Middleware(mcp)}),
	}
	for _, r := range h.routes {
		h.mux.Handle(r.Pattern, r.Handler)
	}
	return h
}

// mergeRoutes returns base followed by extra, each route dropping the
// earlier ones for the same path (a pattern's method and host are not
// compared: "GET /x" replaces "/x").
func mergeRoutes(base, extra []Route) []Route {
	all := append(slices.Clip(base), extra...)
	last := make(map[string]int, len(all))
	for i, r := range all {
		last[routePath(r.Pattern)] = i
	}
	out := make([]Route, 0, len(last))
	for i, r := range all {
		if last[routePath(r.Pattern)] == i {
			out = append(out, r)
		}
	}
	return out
}

// routePath is the path of a ServeMux pattern "[METHOD ][HOST]/PATH".
func routePath(pattern string) string {
	if i := strings.IndexAny(pattern, " \t"); i >= 0 {
		pattern = strings.TrimLeft(pattern[i:], " \t")
	}
	if i := strings.IndexByte(pattern, '/'); i > 0 {
		pattern = pattern[i:] // drop a host
	}
	return pattern
}
