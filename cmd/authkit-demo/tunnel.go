package main

import (
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/mcpauth/mcpauth/internal/httpx"
)

// publicHost returns the host name of mcpURL when it is not a loopback
// host, that is when clients reach the server through a tunnel or a
// reverse proxy, and "" otherwise.
func publicHost(mcpURL string) string {
	u, err := url.Parse(mcpURL)
	if err != nil || httpx.IsLoopbackHost(u.Hostname()) {
		return ""
	}
	return u.Hostname()
}

// hostGuard is DNS-rebinding protection that knows the public host: a
// request that arrived on a loopback address must name a loopback host or
// public in its Host header, else it is answered 403. It takes the place
// of go-sdk's guard (StreamableHTTPOptions.DisableLocalhostProtection),
// which refuses every Host but a loopback one on a loopback connection,
// and so the public host a tunnel or a proxy on this machine forwards.
func hostGuard(public string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if local, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr); ok && isLoopbackAddr(local.String()) {
			if h := hostName(r.Host); !httpx.IsLoopbackHost(h) && !strings.EqualFold(h, public) {
				http.Error(w, "Forbidden: invalid Host header", http.StatusForbidden)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

func isLoopbackAddr(addr string) bool {
	return httpx.IsLoopbackHost(hostName(addr))
}

// hostName is the host of a host[:port], without IPv6 brackets.
func hostName(hostport string) string {
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		return h
	}
	return strings.TrimSuffix(strings.TrimPrefix(hostport, "["), "]")
}
