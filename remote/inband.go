package remote

// This file answers a rule's refusal of a call inside MCP
// (Config.InBandRuleDenials): a tool error result, or a JSON-RPC error for
// prompts and resources, in place of a 403 that only sends clients through
// OAuth again.

import (
	"encoding/json"
	"net/http"

	"github.com/mcpauth/mcpauth/internal/strictjson"
)

// codeInvalidParams is the JSON-RPC error code answered in band for a
// refused prompts/get or resources/read: what MCP servers answer for a
// prompt or resource a request cannot get.
const codeInvalidParams = -32602

// In-band texts for the refusals that carry the generic descriptions (a
// check that returned a plain error); a check's own *Error keeps its
// Description.
const (
	inBandDenied     = "This tool is not available to the signed-in user: a permission or role rule refuses it, and signing in again does not change that."
	inBandDeniedCall = "This request is not available to the signed-in user: a permission or role rule refuses it, and signing in again does not change that."
)

// inBandDenial returns the response for a rule's refusal e of call, the
// one call of body (read from buf), or nil when it must be the 403: the
// body is a batch, or its message has no id a response can name.
func inBandDenial(e *Error, call Call, body *rpcBody, buf []byte) *challengeResponse {
	if body.batch || body.n != 1 {
		return nil
	}
	id, ok := rpcRequestID(buf)
	if !ok {
		return nil
	}
	text := e.Description
	switch text {
	case descDenied:
		text = inBandDenied
	case descDeniedCall:
		text = inBandDeniedCall
	}
	var msg any
	if call.Method == MethodToolsCall {
		type content struct {
			Type string `json:"type"`
			Text string `json:"text"`
		}
		type result struct {
			Content    []content `json:"content"`
			IsError    bool      `json:"isError"`
			ResultType string    `json:"resultType,omitempty"`
		}
		r := result{Content: []content{{"text", text}}, IsError: true}
		if body.first.hasVersion && body.first.version >= protocol20260728 {
			r.ResultType = "complete" // a 2026-07-28 result says it is final
		}
		msg = struct {
			JSONRPC string          `json:"jsonrpc"`
			ID      json.RawMessage `json:"id"`
			Result  result          `json:"result"`
		}{"2.0", id, r}
	} else {
		type rpcError struct {
			Code    int    `json:"code"`
			Message string `json:"message"`
		}
		msg = struct {
			JSONRPC string          `json:"jsonrpc"`
			ID      json.RawMessage `json:"id"`
			Error   rpcError        `json:"error"`
		}{"2.0", id, rpcError{codeInvalidParams, text}}
	}
	b, err := json.Marshal(msg)
	if err != nil { // cannot happen: id is a validated JSON string or number
		return nil
	}
	return &challengeResponse{status: http.StatusOK, body: append(b, '\n')}
}

// rpcRequestID returns the raw "id" of the one JSON-RPC message in buf (a
// body readRPCBody accepted) when it is a string or a number. A message
// without one, with null, or with "id" twice or in another letter case
// (JSON readers disagree on which one counts) has none.
func rpcRequestID(buf []byte) (json.RawMessage, bool) {
	s := strictjson.NewScanner(buf)
	if s.Peek() != '{' {
		return nil, false
	}
	var id []byte
	var seen bool
	err := s.Object(func(k strictjson.RawString) error {
		is, err := memberOnce(k, "id", &seen)
		if err != nil || !is {
			if err == nil {
				err = s.Skip()
			}
			return err
		}
		if c := s.Peek(); c != '"' && c != '-' && (c < '0' || c > '9') {
			return errRPCBody
		}
		id, err = s.Value()
		return err
	})
	if err != nil || id == nil {
		return nil, false
	}
	return id, true
}
