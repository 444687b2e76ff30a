package httpx

import (
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
)

// This file is the module's one rule for the URLs it is configured with or
// reads from an authorization server's metadata: what any such URL must be
// (CheckURL), what each kind may carry besides (URLKind), the canonical form
// of an MCP endpoint's URL (CanonicalResourceURL, Origin, HostPort), and
// where plain http is allowed (IsLoopbackHost). Callers word the errors for
// the field the user set; URLError says what is wrong and, where it is
// evident, what to write instead.

// URLKind names what a URL is for. Every kind must be an absolute http or
// https URL with a valid host (a DNS name of letters, digits, hyphens,
// underscores and dots, or an IP literal) and, when present, a port from 1
// to 65535; it must use https unless its host is a loopback host (see
// IsLoopbackHost). Each kind allows its own parts on top.
type URLKind uint8

const (
	// OriginURL is scheme://host[:port] and at most a "/": an AuthKit
	// domain written as a URL.
	OriginURL URLKind = iota
	// IdentifierURL adds a path: the MCP endpoint (see
	// CanonicalResourceURL), an issuer, a metadata location, a base URL.
	// No userinfo, query or fragment: an identifier is compared, published
	// or extended, and those parts would be lost or leak.
	IdentifierURL
	// PageURL adds a query: a page for people or browsers
	// (resource_documentation, an OAuth redirect URI).
	PageURL
	// EndpointURL adds userinfo: a URL this module calls (a JWKS, an
	// introspection endpoint), which http.Client authenticates to with it.
	EndpointURL
	// ListedURL is an endpoint an authorization server's metadata names
	// (RFC 8414). Plain http is accepted on any host: the document is
	// forwarded as the server wrote it, and a URL this module calls or
	// sends a client to is checked again where it is used (CheckEndpoint).
	ListedURL
)

func (k URLKind) allowsPath() bool     { return k >= IdentifierURL }
func (k URLKind) allowsQuery() bool    { return k >= PageURL }
func (k URLKind) allowsUserinfo() bool { return k >= EndpointURL }

// A URLProblem is one way a URL breaks the rule.
type URLProblem uint8

const (
	NotAURL     URLProblem = iota + 1 // it does not parse
	NotHTTP                           // no scheme (a relative URL), or one other than http and https
	NoHost                            // no authority: an empty host, or an opaque URL ("localhost:8080")
	BadHost                           // the host is no DNS name or IP literal
	BadPort                           // the port is not 1 to 65535
	PlainHTTP                         // http on a host that is not a loopback host
	HasUserinfo                       // user information ("user:password@"), where the kind has none
	HasQuery                          // a query ("?", even empty), where the kind has none
	HasFragment                       // a fragment ("#", even empty)
	HasPath                           // a path other than "/", for an OriginURL
	DotSegment                        // a "." or ".." path segment (CanonicalResourceURL)
)

// URLError says how a URL breaks the rule. Its text follows the URL in a
// message ("Config.MCPURL \"…\" must use https …") and never contains
// userinfo.
type URLError struct {
	Problem URLProblem
	// Found is the offending part as written, for a message to show: the
	// scheme (NotHTTP, "" for a relative URL), the port (BadPort), the query
	// (HasQuery), the fragment (HasFragment) or the escaped path (HasPath,
	// DotSegment); empty otherwise.
	Found string
	// Fix is the URL with the problem removed, when that is evident: https
	// for http or another scheme, and without the userinfo, query,
	// fragment, path or bad port. Empty otherwise, and whenever it would
	// have to repeat userinfo.
	Fix string
}

func (e *URLError) Error() string {
	var why string
	switch e.Problem {
	case NotAURL:
		why = "is not a valid URL"
	case NotHTTP:
		why = "must be an absolute https URL"
	case NoHost:
		why = "must be an absolute URL with a host"
	case BadHost:
		why = "has an invalid host name (letters, digits, hyphens and dots, or an IP address)"
	case BadPort:
		why = "has an invalid port"
	case PlainHTTP:
		why = "must use https (http is allowed only on a loopback host: localhost, 127.0.0.0/8 or ::1)"
	case HasUserinfo:
		why = "must not contain userinfo"
	case HasQuery:
		why = "must not contain a query"
	case HasFragment:
		why = "must not contain a fragment"
	case HasPath:
		why = "must not contain a path"
	case DotSegment:
		why = "must not contain dot segments"
	default:
		why = "is not an acceptable URL"
	}
	if e.Fix != "" {
		why += ": write " + strconv.Quote(e.Fix)
	}
	return why
}

// CheckURL parses raw and checks it against the rule for kind, returning
// it parsed or a *URLError.
func CheckURL(raw string, kind URLKind) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, &URLError{Problem: NotAURL} // url.Error would repeat raw, userinfo included
	}
	fail := func(p URLProblem, found string) (*url.URL, error) {
		return nil, &URLError{Problem: p, Found: found, Fix: fixURL(u, kind, p)}
	}
	if u.Opaque != "" {
		return fail(NoHost, "")
	}
	if u.Scheme != "https" && u.Scheme != "http" { // url.Parse lowercases the scheme
		if u.Host == "" {
			return nil, &URLError{Problem: NotHTTP, Found: u.Scheme}
		}
		return fail(NotHTTP, u.Scheme)
	}
	host := strings.ToLower(u.Hostname())
	if host == "" {
		return fail(NoHost, "")
	}
	if !validHost(host) {
		return fail(BadHost, "")
	}
	if p := u.Port(); p != "" && !validPort(p) {
		return fail(BadPort, p)
	}
	if u.Scheme == "http" && kind != ListedURL && !IsLoopbackHost(host) {
		return fail(PlainHTTP, "")
	}
	if u.User != nil && !kind.allowsUserinfo() {
		return fail(HasUserinfo, "")
	}
	if (u.RawQuery != "" || u.ForceQuery) && !kind.allowsQuery() {
		return fail(HasQuery, "?"+u.RawQuery)
	}
	if u.Fragment != "" || strings.Contains(raw, "#") {
		return fail(HasFragment, "#"+u.EscapedFragment())
	}
	if u.Path != "" && u.Path != "/" && !kind.allowsPath() {
		return fail(HasPath, u.EscapedPath())
	}
	return u, nil
}

// fixURL is u without what problem p and kind refuse, or "" when no fix
// follows from u (or it would carry userinfo).
func fixURL(u *url.URL, kind URLKind, p URLProblem) string {
	switch p {
	case NotHTTP, PlainHTTP, HasUserinfo, HasQuery, HasFragment, HasPath, BadPort:
	default:
		return ""
	}
	if u.User != nil && kind.allowsUserinfo() {
		return ""
	}
	port := u.Port()
	if p == BadPort || port == defaultPort(u.Scheme) {
		port = ""
	}
	scheme := u.Scheme
	if p == NotHTTP || p == PlainHTTP {
		scheme = "https"
	}
	out := scheme + "://" + HostPort(strings.ToLower(u.Hostname()), port)
	if kind.allowsPath() {
		out += u.EscapedPath()
		if kind.allowsQuery() && p != HasQuery && (u.RawQuery != "" || u.ForceQuery) {
			out += "?" + u.RawQuery
		}
	}
	return out
}

// CanonicalResourceURL checks the URL of a protected resource (an MCP
// endpoint) as an IdentifierURL and returns its canonical form (lowercase
// scheme and host, no default port, no trailing slash: MCP's canonical
// resource URI), its origin and its escaped path ("" at the root). The
// path must not hold dot segments. Errors are *URLError.
func CanonicalResourceURL(raw string) (canon, origin, path string, err error) {
	u, err := CheckURL(raw, IdentifierURL)
	if err != nil {
		return "", "", "", err
	}
	p := strings.TrimRight(u.EscapedPath(), "/")
	if HasDotSegment(p) {
		return "", "", "", &URLError{Problem: DotSegment, Found: u.EscapedPath()}
	}
	origin = Origin(u)
	return origin + p, origin, p, nil
}

// HasDotSegment reports whether a URL path has a "." or ".." segment.
func HasDotSegment(path string) bool {
	for seg := range strings.SplitSeq(path, "/") {
		if seg == "." || seg == ".." {
			return true
		}
	}
	return false
}

// Origin returns the canonical origin of u: its scheme, its host in lower
// case and its port unless it is the scheme's default.
func Origin(u *url.URL) string {
	port := u.Port()
	if port == defaultPort(u.Scheme) {
		port = ""
	}
	return u.Scheme + "://" + HostPort(strings.ToLower(u.Hostname()), port)
}

// HostPort joins a host and an optional port as a URL's authority does:
// an IPv6 literal in brackets, no ":" without a port.
func HostPort(host, port string) string {
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	if port == "" {
		return host
	}
	return host + ":" + port
}

func defaultPort(scheme string) string {
	switch scheme {
	case "https":
		return "443"
	case "http":
		return "80"
	}
	return ""
}

// validHost accepts a lower-case DNS name (letters, digits, hyphens and
// underscores in non-empty labels of at most 63 bytes, 253 in all, no
// leading or trailing dot) or an IP literal.
func validHost(h string) bool {
	if net.ParseIP(h) != nil {
		return true
	}
	if len(h) > 253 {
		return false
	}
	for label := range strings.SplitSeq(h, ".") {
		if label == "" || len(label) > 63 {
			return false
		}
		for _, c := range []byte(label) {
			switch {
			case c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '-', c == '_':
			default:
				return false
			}
		}
	}
	return true
}

func validPort(p string) bool {
	if len(p) > 5 {
		return false
	}
	n, err := strconv.Atoi(p)
	return err == nil && n >= 1 && n <= 65535
}

// IsLoopbackHost reports whether host (a URL's Hostname(), without
// brackets) names this machine: "localhost" (any case), an address in
// 127.0.0.0/8, or ::1. It decides everywhere in this module where plain
// http is allowed.
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

// CheckEndpoint accepts an endpoint URL an authorization server's metadata
// names (a ListedURL), at the moment this module sends a request or a
// client to it: https, or http on a loopback host, and no literal
// unroutable IP (see IsUnroutableIP). A host name is checked when dialled,
// by the transport of [RefuseUnroutableDialer].
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
