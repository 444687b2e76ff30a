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

// RedactUserinfo returns raw with any user information ("user:password@")
// in its authority replaced by "REDACTED@", for configuration error
// messages: a URL pasted with credentials must not be echoed to logs or a
// terminal. raw need not parse as a URL; the scheme is optional.
func RedactUserinfo(raw string) string {
	prefix, rest := "", raw
	if i := strings.Index(raw, "://"); i >= 0 {
		prefix, rest = raw[:i+3], raw[i+3:]
	}
	end := strings.IndexAny(rest, "/?#")
	if end < 0 {
		end = len(rest)
	}
	if at := strings.LastIndexByte(rest[:end], '@'); at >= 0 {
		return prefix + "REDACTED@" + rest[at+1:]
	}
	return raw
}
