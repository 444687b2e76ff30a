package httpx

import (
	"fmt"
	"net"
	"net/url"
	"strings"
	"syscall"
	"time"
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

// IsUnroutableIP reports whether ip is an address no outbound call of this
// module should reach on an upstream's say-so: link-local (169.254.0.0/16,
// where clouds serve instance metadata and credentials, and fe80::/10),
// unspecified or multicast.
func IsUnroutableIP(ip net.IP) bool {
	return ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() || ip.IsUnspecified() || ip.IsMulticast() || ip.IsInterfaceLocalMulticast()
}

// CheckEndpoint accepts an endpoint URL an authorization server's metadata
// names, for requests this module sends or redirects to on a client's
// behalf: https, or http on a loopback host, and no literal unroutable IP
// (see IsUnroutableIP). A host name is checked when dialled, by the
// transport of [RefuseUnroutableDialer].
func CheckEndpoint(u *url.URL) error {
	switch {
	case u.Scheme == "https":
	case u.Scheme == "http" && IsLoopbackHost(u.Hostname()):
	default:
		return fmt.Errorf("%s is not https (http only on a loopback host)", u.Redacted())
	}
	if ip := net.ParseIP(u.Hostname()); ip != nil && IsUnroutableIP(ip) {
		return fmt.Errorf("%s names a link-local, unspecified or multicast address", u.Redacted())
	}
	return nil
}

// RefuseUnroutableDialer is a dialer whose connections to an unroutable
// address (see IsUnroutableIP) fail, whatever name resolved to it.
func RefuseUnroutableDialer() *net.Dialer {
	return &net.Dialer{
		Timeout: 10 * time.Second,
		Control: func(_, address string, _ syscall.RawConn) error {
			host, _, err := net.SplitHostPort(address)
			if err != nil {
				return err
			}
			if ip := net.ParseIP(host); ip != nil && IsUnroutableIP(ip) {
				return fmt.Errorf("refusing to connect to %s: a link-local, unspecified or multicast address", host)
			}
			return nil
		},
	}
}
