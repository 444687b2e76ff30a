package remote

// This file implements the MCP 2026-07-28 request headers (Mcp-Method,
// Mcp-Name, Mcp-Param-{Name}) as far as the bearer middleware meets them:
// the CORS preflight that lets browsers send them, and the check that they
// agree with the body the rules were applied to.

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"unicode/utf8"
)

// corsAllowHeadersFixed are the request headers every preflight allows:
// those of the 2025 session protocols and the 2026-07-28 standard headers.
const corsAllowHeadersFixed = "Authorization, Content-Type, Accept, MCP-Protocol-Version, Mcp-Session-Id, Last-Event-ID, Mcp-Method, Mcp-Name"

// mcpParamPrefix starts the names of the headers a client mirrors from tool
// arguments marked x-mcp-header (Mcp-Param-{Name}).
const mcpParamPrefix = "Mcp-Param-"

// Bounds on the Mcp-Param-{Name} headers one preflight can have allowed, so
// a hostile preflight cannot make the answer large. A browser asks for the
// headers of one request: far fewer.
const (
	corsMaxParamHeaders   = 32
	corsMaxParamHeaderLen = 128
)

// corsAllowHeadersFor returns the Access-Control-Allow-Headers value for a
// preflight whose Access-Control-Request-Headers are requested: the fixed
// list, plus every requested name that is Mcp-Param- (in any letter case)
// followed by an RFC 9110 token, at most corsMaxParamHeaders of them.
// Nothing else a preflight asks for is allowed. Without such names it
// returns the shared fixed slice and allocates nothing.
func corsAllowHeadersFor(requested []string) []string {
	var b *strings.Builder
	n := 0
	for _, line := range requested {
		for name := range strings.SplitSeq(line, ",") {
			name = strings.Trim(name, " \t")
			if !isMcpParamHeader(name) || n == corsMaxParamHeaders {
				continue
			}
			if b == nil {
				b = &strings.Builder{}
				b.WriteString(corsAllowHeadersFixed)
			}
			b.WriteString(", ")
			b.WriteString(name)
			n++
		}
	}
	if b == nil {
		return corsAllowHeaders
	}
	return []string{b.String()}
}

// isMcpParamHeader reports whether name is an Mcp-Param-{Name} header name:
// the prefix in any letter case (header names are case-insensitive), then
// 1*tchar.
func isMcpParamHeader(name string) bool {
	if len(name) <= len(mcpParamPrefix) || len(name) > corsMaxParamHeaderLen {
		return false
	}
	return strings.EqualFold(name[:len(mcpParamPrefix)], mcpParamPrefix) && bearerIsToken(name[len(mcpParamPrefix):])
}

// protocol20260728 is the first protocol version whose requests carry the
// standard headers and whose servers must check them against the body.
const protocol20260728 = "2026-07-28"

// CodeHeaderMismatch is the JSON-RPC error code of MCP's HeaderMismatch
// error (2026-07-28): the request headers are missing, malformed or
// disagree with the body.
const CodeHeaderMismatch = -32020

// ErrHeaderMismatch: the MCP request headers (MCP-Protocol-Version,
// Mcp-Method, Mcp-Name) are missing, malformed or disagree with the body
// (400 with a JSON-RPC HeaderMismatch error). It wraps ErrInvalidRequest.
var ErrHeaderMismatch = fmt.Errorf("%w: MCP request headers do not match the body", ErrInvalidRequest)

// maxMcpNameHeader bounds the Mcp-Name value (Base64 sentinel included) the
// middleware decodes: 8 KiB, the header line limit common proxies apply.
const maxMcpNameHeader = 8 << 10

// The Base64 sentinel of header values that are not plain visible ASCII
// (case-sensitive markers).
const (
	sentinelPrefix = "=?base64?"
	sentinelSuffix = "?="
)

// headerProblem is what checkMCPHeaders found wrong.
type headerProblem uint8

const (
	headersOK headerProblem = iota
	headerVersionMismatch
	headerBatch
	headerMalformed
	headerMethodMissing
	headerMethodMismatch
	headerNameMissing
	headerNameMismatch
	headerProblems // count
)

// headerMessages are the client-facing JSON-RPC error messages. They name
// the header, never echo a value.
var headerMessages = [headerProblems]string{
	headerVersionMismatch: "Header mismatch: the MCP-Protocol-Version header is missing or does not match the request body's protocol version",
	headerBatch:           "Header mismatch: the request headers describe one JSON-RPC request, the body does not hold exactly one",
	headerMalformed:       "Header mismatch: an MCP request header is repeated, too long, not visible ASCII or not valid Base64",
	headerMethodMissing:   "Header mismatch: the Mcp-Method header is required",
	headerMethodMismatch:  "Header mismatch: the Mcp-Method header does not match the request body",
	headerNameMissing:     "Header mismatch: the Mcp-Name header is required for this method",
	headerNameMismatch:    "Header mismatch: the Mcp-Name header does not match the request body",
}

// headerMismatchBody is the JSON-RPC error response (no id) for msg.
func headerMismatchBody(msg string) []byte {
	type rpcError struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	}
	b, err := json.Marshal(struct {
		JSONRPC string   `json:"jsonrpc"`
		Error   rpcError `json:"error"`
	}{"2.0", rpcError{CodeHeaderMismatch, msg}})
	if err != nil { // cannot happen for a string and an int
		return []byte("{}\n")
	}
	return append(b, '\n')
}

// checkMCPHeaders compares the MCP request headers of h with the body the
// middleware read.
//
// A request is of the 2026-07-28 generation when its MCP-Protocol-Version
// is 2026-07-28 or later (dated versions compare as strings, as the go-sdk
// does; an undated one counts as later). A message carrying a protocol
// version in params._meta needs the same value in MCP-Protocol-Version.
// Such a request holds one message, with Mcp-Method (when it has a method)
// and, for tools/call, prompts/get and resources/read, Mcp-Name. In either
// generation, Mcp-Method and Mcp-Name, when sent, must appear once and equal
// the body's method and params.name / params.uri; Mcp-Name is visible ASCII
// or the Base64 sentinel =?base64?...?=, decoded before the comparison, at
// most maxMcpNameHeader bytes. Mcp-Param-{Name} headers are left to the MCP
// server, which knows which tool arguments they mirror.
func checkMCPHeaders(h http.Header, body *rpcBody) headerProblem {
	pv, methods, names := h["Mcp-Protocol-Version"], h["Mcp-Method"], h["Mcp-Name"]
	if len(pv) > 1 || len(methods) > 1 || len(names) > 1 {
		return headerMalformed
	}
	var version string
	if len(pv) == 1 {
		version = pv[0]
	}
	for i := range body.n {
		if m := body.at(i); m.hasVersion && m.version != version {
			return headerVersionMismatch
		}
	}
	modern := version >= protocol20260728
	if !modern && len(methods) == 0 && len(names) == 0 {
		return headersOK
	}
	if body.n != 1 || (modern && body.batch) {
		return headerBatch
	}
	m := &body.first
	switch {
	case len(methods) == 1:
		if !m.hasMethod || methods[0] != m.method {
			return headerMethodMismatch
		}
	case modern && m.hasMethod:
		return headerMethodMissing
	}
	switch {
	case m.call.Method == "":
		if len(names) == 1 { // nothing in the body it could mirror
			return headerNameMismatch
		}
		return headersOK
	case len(names) == 0:
		if modern {
			return headerNameMissing
		}
		return headersOK
	}
	name, ok := decodeMcpName(names[0])
	if !ok {
		return headerMalformed
	}
	if name != m.call.Name {
		return headerNameMismatch
	}
	return headersOK
}

// decodeMcpName returns the value an Mcp-Name header stands for: the
// decoded UTF-8 of a Base64 sentinel, else the value itself, which must be
// visible ASCII, space or tab. ok is false for an empty, oversized or
// malformed value.
func decodeMcpName(v string) (string, bool) {
	if v == "" || len(v) > maxMcpNameHeader {
		return "", false
	}
	for i := 0; i < len(v); i++ {
		if c := v[i]; (c < 0x20 && c != '\t') || c > 0x7e {
			return "", false
		}
	}
	if enc, ok := strings.CutPrefix(v, sentinelPrefix); ok {
		if enc, ok = strings.CutSuffix(enc, sentinelSuffix); ok {
			// Strict: no second spelling of one value. (It would still skip
			// CR and LF, which the loop above refused.)
			b, err := base64.StdEncoding.Strict().DecodeString(enc)
			if err != nil || len(b) == 0 || !utf8.Valid(b) {
				return "", false
			}
			return string(b), true
		}
	}
	return v, true
}
