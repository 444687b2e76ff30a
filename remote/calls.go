package remote

// This file reads what the middleware needs of an MCP JSON-RPC request
// body: each message's method, what a tools/call, prompts/get or
// resources/read names (params.name or params.uri), and the protocol
// version a 2026-07-28 message carries in params._meta. It reads strictly
// enough that no JSON parser downstream can see another method, name or
// version than the one the rules and the header checks used.

import (
	"errors"
	"fmt"
	"unicode/utf8"

	"github.com/mcpauth/mcpauth/internal/strictjson"
)

// The MCP methods that name what they act on. The middleware reads their
// target from the body, checks it against the Mcp-Name header and applies
// the rules of [Config] (ToolScopes, PromptScopes, ToolCheck, CallCheck).
const (
	MethodToolsCall     = "tools/call"     // params.name: the tool
	MethodPromptsGet    = "prompts/get"    // params.name: the prompt
	MethodResourcesRead = "resources/read" // params.uri: the resource
)

// Call is what one MCP request asks for: a tool to run, a prompt to get or
// a resource to read.
type Call struct {
	// Method is [MethodToolsCall], [MethodPromptsGet] or
	// [MethodResourcesRead].
	Method string
	// Name is the tool or prompt name (params.name) or the resource URI
	// (params.uri), decoded from JSON: exactly what the MCP server reads.
	Name string
}

// metaProtocolVersion is the params._meta member in which a 2026-07-28
// message carries its protocol version.
const metaProtocolVersion = "io.modelcontextprotocol/protocolVersion"

var errRPCBody = errors.New("remote: malformed JSON-RPC body")

// ErrRuleDenied: Config.RequestCheck, ToolCheck or CallCheck refused the
// call (a permission or role rule, which re-authorizing with more scopes
// cannot change). It wraps ErrInsufficientScope; see [Provider.CheckCall].
var ErrRuleDenied = fmt.Errorf("%w: refused by a rule", ErrInsufficientScope)

// rpcMessage is what the middleware reads of one JSON-RPC message.
type rpcMessage struct {
	// method is the "method" member when it is a string (hasMethod).
	method    string
	hasMethod bool
	// call is set (call.Method != "") for the three methods of Call.
	call Call
	// version is params._meta's protocol version when it is a string
	// (hasVersion).
	version    string
	hasVersion bool
}

// rpcBody is what the middleware read of a request body: its messages, and
// whether they came as a (2025-03-26) batch.
type rpcBody struct {
	n     int          // number of messages
	first rpcMessage   // message 0, held inline: a single message costs no allocation
	rest  []rpcMessage // messages 1 to n-1 of a batch
	batch bool
}

// at returns message i (0 <= i < n).
func (b *rpcBody) at(i int) *rpcMessage {
	if i == 0 {
		return &b.first
	}
	return &b.rest[i-1]
}

// readRPCBody reads a JSON-RPC message or batch into out. A body of only whitespace
// has no messages. Anything another JSON-RPC decoder could read differently
// is an error: invalid JSON or UTF-8, trailing data, a repeated "method" or
// "params", a repeated "name", "uri" or "_meta" in params, or a repeated
// protocol version in _meta, any of those in another letter case
// (encoding/json matches case-insensitively, the go-sdk does not), a lone
// surrogate escape in them, a tools/call or prompts/get without a string
// name, a resources/read without a string uri.
func readRPCBody(body []byte, out *rpcBody) error {
	*out = rpcBody{}
	s := strictjson.NewScanner(body) // invalid UTF-8 is a syntax error
	if s.AtEnd() {
		return nil
	}
	if s.Peek() != '[' {
		m, err := readRPCMessage(&s)
		if err != nil {
			return err
		}
		out.first, out.n = m, 1
	} else {
		out.batch = true
		err := s.Array(func() error {
			m, err := readRPCMessage(&s)
			if err != nil {
				return err
			}
			if out.n == 0 {
				out.first = m
			} else {
				out.rest = append(out.rest, m)
			}
			out.n++
			return nil
		})
		if err != nil {
			*out = rpcBody{}
			return errRPCBody
		}
	}
	if !s.AtEnd() {
		*out = rpcBody{}
		return errRPCBody
	}
	return nil
}

// calls returns the Calls of b's messages, in order (nil when there are
// none).
func (b *rpcBody) calls() []Call {
	var out []Call
	for i := range b.n {
		if c := b.at(i).call; c.Method != "" {
			out = append(out, c)
		}
	}
	return out
}

// rpcParams is what readRPCParams found in a params object.
type rpcParams struct {
	name, uri           strictjson.RawString
	hasName, hasURI     bool // the member is a string
	version             string
	hasVersion          bool
	seenName, seenURI   bool
	seenMeta, seenVersn bool
}

// readRPCMessage reads one JSON-RPC message.
func readRPCMessage(s *strictjson.Scanner) (rpcMessage, error) {
	var m rpcMessage
	if s.Peek() != '{' {
		// Not an object: not a request anyone would run.
		if err := s.Skip(); err != nil {
			return m, errRPCBody
		}
		return m, nil
	}
	var (
		seenMethod, seenParams bool
		method                 strictjson.RawString
		p                      rpcParams
	)
	err := s.Object(func(name strictjson.RawString) error {
		if is, err := memberOnce(name, "method", &seenMethod); err != nil {
			return err
		} else if is {
			if s.Peek() != '"' {
				return s.Skip()
			}
			method, err = s.String()
			m.hasMethod = err == nil
			return err
		}
		if is, err := memberOnce(name, "params", &seenParams); err != nil {
			return err
		} else if is && s.Peek() == '{' {
			return readRPCParams(s, &p)
		}
		return s.Skip()
	})
	if err != nil {
		return rpcMessage{}, errRPCBody
	}
	if m.hasMethod {
		var err error
		if m.method, err = rpcMethodString(method); err != nil {
			return m, errRPCBody
		}
	}
	m.version, m.hasVersion = p.version, p.hasVersion
	var target strictjson.RawString
	var has bool
	switch m.method {
	case MethodToolsCall, MethodPromptsGet:
		target, has = p.name, p.hasName
	case MethodResourcesRead:
		target, has = p.uri, p.hasURI
	default:
		return m, nil
	}
	if !has {
		return m, errRPCBody
	}
	name, err := target.Decode()
	if err != nil {
		return m, errRPCBody
	}
	m.call = Call{Method: m.method, Name: name}
	return m, nil
}

// memberOnce reports whether the member name k is name. A second such
// member, or one that differs only in letter case, is an error; seen
// tracks the first.
func memberOnce(k strictjson.RawString, name string, seen *bool) (bool, error) {
	if raw := k.Bytes(); !k.Escaped() && len(raw) > 0 && raw[0] < utf8.RuneSelf && asciiLower(raw[0]) != asciiLower(name[0]) {
		// An ASCII byte folds only to its other case (the non-ASCII
		// spellings of k and s start with a byte >= 0x80): k cannot be
		// name in any case. Most members end here, uncompared.
		return false, nil
	}
	exact, folded, err := k.Match(name)
	if err != nil {
		return false, errRPCBody
	}
	if !folded {
		return false, nil
	}
	if !exact || *seen {
		return false, errRPCBody
	}
	*seen = true
	return true, nil
}

// readRPCParams reads a params object: its string "name" and "uri", and
// the protocol version in its "_meta" object.
func readRPCParams(s *strictjson.Scanner, p *rpcParams) error {
	return s.Object(func(k strictjson.RawString) error {
		var (
			str     *strictjson.RawString
			has     *bool
			matched bool
			err     error
		)
		if matched, err = memberOnce(k, "name", &p.seenName); err != nil {
			return err
		} else if matched {
			str, has = &p.name, &p.hasName
		} else if matched, err = memberOnce(k, "uri", &p.seenURI); err != nil {
			return err
		} else if matched {
			str, has = &p.uri, &p.hasURI
		} else if matched, err = memberOnce(k, "_meta", &p.seenMeta); err != nil {
			return err
		} else if matched && s.Peek() == '{' {
			return readRPCMeta(s, p)
		}
		if str == nil || s.Peek() != '"' {
			// Another member, or one of ours that is not a string.
			return s.Skip()
		}
		*str, err = s.String()
		*has = err == nil
		return err
	})
}

// readRPCMeta reads a _meta object and keeps its protocol version.
func readRPCMeta(s *strictjson.Scanner, p *rpcParams) error {
	return s.Object(func(k strictjson.RawString) error {
		matched, err := memberOnce(k, metaProtocolVersion, &p.seenVersn)
		if err != nil {
			return err
		}
		if !matched || s.Peek() != '"' {
			return s.Skip()
		}
		v, err := s.String()
		if err != nil {
			return err
		}
		p.version, err = rpcVersionString(v)
		p.hasVersion = err == nil
		return err
	})
}

// rpcMethodString decodes a method name. The common methods come from
// constants, so reading them allocates nothing.
func rpcMethodString(r strictjson.RawString) (string, error) {
	if r.Escaped() {
		return r.Decode()
	}
	raw := r.Bytes()
	switch string(raw) {
	case MethodToolsCall:
		return MethodToolsCall, nil
	case MethodPromptsGet:
		return MethodPromptsGet, nil
	case MethodResourcesRead:
		return MethodResourcesRead, nil
	case "tools/list":
		return "tools/list", nil
	case "prompts/list":
		return "prompts/list", nil
	case "resources/list":
		return "resources/list", nil
	case "resources/templates/list":
		return "resources/templates/list", nil
	case "initialize":
		return "initialize", nil
	case "notifications/initialized":
		return "notifications/initialized", nil
	case "ping":
		return "ping", nil
	case "server/discover":
		return "server/discover", nil
	case "subscriptions/listen":
		return "subscriptions/listen", nil
	}
	return string(raw), nil
}

// rpcVersionString decodes a protocol version; the known ones come from
// constants.
func rpcVersionString(r strictjson.RawString) (string, error) {
	if r.Escaped() {
		return r.Decode()
	}
	raw := r.Bytes()
	switch string(raw) {
	case protocol20260728:
		return protocol20260728, nil
	}
	return string(raw), nil
}

func asciiLower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}
