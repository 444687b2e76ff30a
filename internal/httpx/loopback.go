package httpx

import (
	"net"
	"strings"
)

// IsLoopbackHost reports whether host (a URL's Hostname(), without brackets)
// names this machine: "localhost" (any case), an address in 127.0.0.0/8, or
// ::1. It is the one rule behind every "http only for loopback hosts" check
// in this module: the MCP URL, the issuer, the JWKS and introspection URLs,
// the AuthKit domain.
func IsLoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
