package httpx

import (
	"fmt"
	"net"
	"syscall"
	"time"
)

// IsUnroutableIP reports whether ip is an address no outbound call of this
// module should reach on an upstream's say-so: link-local (169.254.0.0/16,
// where clouds serve instance metadata and credentials, and fe80::/10),
// unspecified or multicast.
func IsUnroutableIP(ip net.IP) bool {
	return ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() || ip.IsUnspecified() || ip.IsMulticast() || ip.IsInterfaceLocalMulticast()
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
