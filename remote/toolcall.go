package remote

// This file reads the tool names of MCP tools/call requests from a JSON-RPC
// request body, strictly enough that no JSON parser downstream can see a
// different method or tool name than the one the scopes were checked for.

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"unicode/utf8"
)

var errToolCallBody = errors.New("remote: malformed JSON-RPC body")

// toolCallNames returns the tool names of every tools/call request in body,
// a JSON-RPC message or (2025-03-26) batch. A body that is empty or is not a
// tools/call yields no names. Anything another JSON-RPC decoder could read
// differently is an error: invalid JSON, trailing data, a repeated
// "method", "params" or "name" member, or one that differs only in letter
// case (encoding/json matches case-insensitively, the go-sdk does not).
func toolCallNames(body []byte) ([]string, error) {
	if !utf8.Valid(body) {
		return nil, errToolCallBody
	}
	trimmed := bytes.TrimLeft(body, " \t\r\n")
	if len(trimmed) == 0 {
		return nil, nil
	}
	dec := json.NewDecoder(bytes.NewReader(trimmed))
	var names []string
	if trimmed[0] == '[' {
		if _, err := dec.Token(); err != nil {
			return nil, errToolCallBody
		}
		for dec.More() {
			name, ok, err := toolCallMessage(dec)
			if err != nil {
				return nil, err
			}
			if ok {
				names = append(names, name)
			}
		}
		if _, err := dec.Token(); err != nil {
			return nil, errToolCallBody
		}
	} else {
		name, ok, err := toolCallMessage(dec)
		if err != nil {
			return nil, err
		}
		if ok {
			names = append(names, name)
		}
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errToolCallBody
	}
	return names, nil
}

// toolCallMessage reads one JSON-RPC message from dec and returns its tool
// name when it is a tools/call request.
func toolCallMessage(dec *json.Decoder) (name string, isCall bool, err error) {
	t, err := dec.Token()
	if err != nil {
		return "", false, errToolCallBody
	}
	if d, ok := t.(json.Delim); !ok || d != '{' {
		// Not an object: not a request go-sdk would run. Skip its rest.
		if ok && (d == '[') {
			if err := toolCallSkipRest(dec); err != nil {
				return "", false, err
			}
		}
		return "", false, nil
	}
	var (
		method              string
		seenMethod, seenPar bool
		hasName             bool
		methodIsString      bool
	)
	for dec.More() {
		key, err := toolCallKey(dec)
		if err != nil {
			return "", false, err
		}
		switch {
		case strings.EqualFold(key, "method"):
			if key != "method" || seenMethod {
				return "", false, errToolCallBody
			}
			seenMethod = true
			t, err := dec.Token()
			if err != nil {
				return "", false, errToolCallBody
			}
			switch v := t.(type) {
			case string:
				method, methodIsString = v, true
			case json.Delim:
				if err := toolCallSkipRest(dec); err != nil {
					return "", false, err
				}
			}
		case strings.EqualFold(key, "params"):
			if key != "params" || seenPar {
				return "", false, errToolCallBody
			}
			seenPar = true
			name, hasName, err = toolCallParams(dec)
			if err != nil {
				return "", false, err
			}
		default:
			if err := toolCallSkipValue(dec); err != nil {
				return "", false, err
			}
		}
	}
	if _, err := dec.Token(); err != nil { // '}'
		return "", false, errToolCallBody
	}
	if !methodIsString || method != "tools/call" {
		return "", false, nil
	}
	if !hasName {
		// A tools/call without a tool name cannot run a tool, but refuse it
		// rather than guess.
		return "", false, errToolCallBody
	}
	return name, true, nil
}

// toolCallParams reads a params value and returns its "name" member.
func toolCallParams(dec *json.Decoder) (name string, ok bool, err error) {
	t, err := dec.Token()
	if err != nil {
		return "", false, errToolCallBody
	}
	d, isDelim := t.(json.Delim)
	if !isDelim {
		return "", false, nil
	}
	if d != '{' {
		return "", false, toolCallSkipRest(dec)
	}
	seen := false
	for dec.More() {
		key, err := toolCallKey(dec)
		if err != nil {
			return "", false, err
		}
		if !strings.EqualFold(key, "name") {
			if err := toolCallSkipValue(dec); err != nil {
				return "", false, err
			}
			continue
		}
		if key != "name" || seen {
			return "", false, errToolCallBody
		}
		seen = true
		t, err := dec.Token()
		if err != nil {
			return "", false, errToolCallBody
		}
		s, isString := t.(string)
		if !isString {
			return "", false, errToolCallBody
		}
		name, ok = s, true
	}
	if _, err := dec.Token(); err != nil {
		return "", false, errToolCallBody
	}
	return name, ok, nil
}

func toolCallKey(dec *json.Decoder) (string, error) {
	t, err := dec.Token()
	if err != nil {
		return "", errToolCallBody
	}
	k, ok := t.(string)
	if !ok {
		return "", errToolCallBody
	}
	return k, nil
}

// toolCallSkipValue skips one complete JSON value.
func toolCallSkipValue(dec *json.Decoder) error {
	var raw json.RawMessage
	if err := dec.Decode(&raw); err != nil {
		return errToolCallBody
	}
	return nil
}

// toolCallSkipRest skips the rest of an array or object whose opening
// delimiter was just read.
func toolCallSkipRest(dec *json.Decoder) error {
	depth := 1
	for depth > 0 {
		t, err := dec.Token()
		if err != nil {
			return errToolCallBody
		}
		if d, ok := t.(json.Delim); ok {
			if d == '{' || d == '[' {
				depth++
			} else {
				depth--
			}
		}
	}
	return nil
}
