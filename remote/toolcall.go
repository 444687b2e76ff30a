package remote

// This file reads the tool names of MCP tools/call requests from a JSON-RPC
// request body, strictly enough that no JSON parser downstream can see a
// different method or tool name than the one the scopes were checked for.

import (
	"errors"
	"unicode/utf8"
)

var errToolCallBody = errors.New("remote: malformed JSON-RPC body")

// toolCallNames returns the tool names of every tools/call request in body,
// a JSON-RPC message or (2025-03-26) batch. A body that is empty or is not a
// tools/call yields no names. Anything another JSON-RPC decoder could read
// differently is an error: invalid JSON or UTF-8, trailing data, a repeated
// "method", "params" or "name" member, one that differs only in letter case
// (encoding/json matches case-insensitively, the go-sdk does not), a lone
// surrogate escape in them, or a tools/call without a string tool name.
func toolCallNames(body []byte) ([]string, error) {
	if !utf8.Valid(body) {
		return nil, errToolCallBody
	}
	s := strictJSON{b: body}
	var names []string
	if s.atEnd() {
		return nil, nil
	}
	switch s.b[s.i] {
	case '[':
		s.i++
		s.depth++
		if !s.eat(']') {
			for {
				name, ok, err := toolCallMessage(&s)
				if err != nil {
					return nil, err
				}
				if ok {
					names = append(names, name)
				}
				if s.eat(',') {
					continue
				}
				if s.eat(']') {
					break
				}
				return nil, errToolCallBody
			}
		}
	default:
		name, ok, err := toolCallMessage(&s)
		if err != nil {
			return nil, err
		}
		if ok {
			names = append(names, name)
		}
	}
	if !s.atEnd() {
		return nil, errToolCallBody
	}
	return names, nil
}

const toolCallMethod = "tools/call"

// toolCallMessage reads one JSON-RPC message and returns its tool name when
// it is a tools/call request.
func toolCallMessage(s *strictJSON) (name string, isCall bool, err error) {
	if s.peek() != '{' {
		// Not an object: not a request anyone would run.
		if err := s.value(); err != nil {
			return "", false, errToolCallBody
		}
		return "", false, nil
	}
	var (
		seenMethod, seenParams bool
		nameRaw                []byte
		nameEsc, hasName       bool
	)
	if err := s.beginObject(); err != nil {
		return "", false, errToolCallBody
	}
	for first := true; ; first = false {
		raw, esc, more, err := s.member(first)
		if err != nil {
			return "", false, errToolCallBody
		}
		if !more {
			break
		}
		if exact, folded, err := strictKeyIs(raw, esc, "method"); err != nil {
			return "", false, errToolCallBody
		} else if folded {
			if !exact || seenMethod {
				return "", false, errToolCallBody
			}
			seenMethod = true
			if isCall, err = toolCallMethodValue(s); err != nil {
				return "", false, errToolCallBody
			}
			continue
		}
		if exact, folded, err := strictKeyIs(raw, esc, "params"); err != nil {
			return "", false, errToolCallBody
		} else if folded {
			if !exact || seenParams {
				return "", false, errToolCallBody
			}
			seenParams = true
			if s.peek() == '{' {
				nameRaw, nameEsc, hasName, err = toolCallParams(s)
			} else {
				err = s.value()
			}
			if err != nil {
				return "", false, errToolCallBody
			}
			continue
		}
		if err := s.value(); err != nil {
			return "", false, errToolCallBody
		}
	}
	if !isCall {
		return "", false, nil
	}
	if !hasName {
		return "", false, errToolCallBody
	}
	name, err = strictUnquote(nameRaw, nameEsc)
	if err != nil {
		return "", false, errToolCallBody
	}
	return name, true, nil
}

// toolCallMethodValue reads a "method" value and reports whether it is
// the string "tools/call".
func toolCallMethodValue(s *strictJSON) (bool, error) {
	if s.peek() != '"' {
		return false, s.value()
	}
	raw, esc, err := s.str()
	if err != nil {
		return false, err
	}
	if !esc {
		return string(raw) == toolCallMethod, nil
	}
	m, err := strictUnquote(raw, true)
	return m == toolCallMethod, err
}

// toolCallParams reads a params object and returns its string "name".
func toolCallParams(s *strictJSON) (nameRaw []byte, nameEsc, hasName bool, err error) {
	if err := s.beginObject(); err != nil {
		return nil, false, false, err
	}
	seen := false
	for first := true; ; first = false {
		raw, esc, more, err := s.member(first)
		if err != nil {
			return nil, false, false, err
		}
		if !more {
			return nameRaw, nameEsc, hasName, nil
		}
		exact, folded, err := strictKeyIs(raw, esc, "name")
		if err != nil {
			return nil, false, false, err
		}
		if folded && (!exact || seen) {
			return nil, false, false, errToolCallBody
		}
		if !folded || s.peek() != '"' {
			seen = seen || folded
			if err := s.value(); err != nil { // another member, or a name that is not a string
				return nil, false, false, err
			}
			continue
		}
		seen = true
		if nameRaw, nameEsc, err = s.str(); err != nil {
			return nil, false, false, err
		}
		hasName = true
	}
}
