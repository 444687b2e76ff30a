package remote

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
)

func FuzzBearerParse(f *testing.F) {
	for _, s := range []string{"Bearer abc", "bearer a.b.c", "Bearer  x==", "Basic dTpw", "Bearer", "Bearer ", "Bearer a b", "Bearer\ta", "", "   ", "Bearer a=b", "B(earer x"} {
		f.Add(s, false)
	}
	f.Add("Bearer x", true)
	f.Fuzz(func(t *testing.T, h string, twice bool) {
		values := []string{h}
		if twice {
			values = append(values, h)
		}
		tok, st := bearerParse(values, 64)
		switch st {
		case bearerOK:
			if twice {
				t.Fatal("accepted two headers")
			}
			if tok == "" || len(tok) > 64 || !bearerIsToken68(tok) || strings.ContainsAny(tok, " \t\r\n") {
				t.Fatalf("accepted token %q", tok)
			}
			if !strings.HasSuffix(h, tok) || !strings.EqualFold(h[:6], "bearer") {
				t.Fatalf("token %q not from header %q", tok, h)
			}
		case bearerMissing, bearerMalformed, bearerTooLarge:
			if tok != "" {
				t.Fatalf("token %q returned with status %d", tok, st)
			}
		default:
			t.Fatalf("status %d", st)
		}
	})
}

// FuzzRPCBody compares the strict body reader with encoding/json: whatever
// it accepts is valid JSON in which encoding/json (case-insensitive, last
// duplicate wins) reads the same method, the same target of tools/call,
// prompts/get and resources/read, and the same _meta protocol version.
func FuzzRPCBody(f *testing.F) {
	for _, s := range []string{
		`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"delete","arguments":{}}}`,
		`[{"method":"tools/call","params":{"name":"a"}},{"method":"ping"}]`,
		`{"method":"tools/call","params":{"name":"a","NAME":"b"}}`,
		`{"method":"resources/read","params":{"uri":"file:///x","_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28"}}}`,
		`{"method":"prompts/get","params":{"name":"p","_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28"}}}`,
		`{"method":"tools/call"}`, `[]`, ``, `null`, `{"method":1}`, `[[[]]]`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var got rpcBody
		if err := readRPCBody(body, &got); err != nil {
			if got.n != 0 || got.rest != nil {
				t.Fatal("messages with an error")
			}
			return
		}
		trimmed := bytes.TrimSpace(body)
		if len(trimmed) == 0 {
			return
		}
		if !json.Valid(body) {
			t.Fatalf("accepted invalid JSON %q", body)
		}
		if trimmed[0] != '{' {
			return
		}
		var msg struct {
			Method any `json:"method"`
			Params any `json:"params"`
		}
		if err := json.Unmarshal(body, &msg); err != nil {
			t.Fatalf("encoding/json refuses %q: %v", body, err)
		}
		if got.n != 1 || got.batch {
			t.Fatalf("one message read as %+v", got)
		}
		m := got.first
		method, isString := msg.Method.(string)
		if m.hasMethod != isString || m.method != method {
			t.Fatalf("method %q (%v), encoding/json sees %v", m.method, m.hasMethod, msg.Method)
		}
		params, _ := msg.Params.(map[string]any)
		member := map[string]string{MethodToolsCall: "name", MethodPromptsGet: "name", MethodResourcesRead: "uri"}[method]
		if member != "" {
			if m.call.Method != method || params[member] != m.call.Name {
				t.Fatalf("call %+v, encoding/json sees %v", m.call, msg.Params)
			}
		} else if m.call.Method != "" {
			t.Fatalf("call %+v for method %v", m.call, msg.Method)
		}
		meta, _ := params["_meta"].(map[string]any)
		version, isString := meta[metaProtocolVersion].(string)
		if m.hasVersion != isString || m.version != version {
			t.Fatalf("version %q (%v), encoding/json sees %v", m.version, m.hasVersion, params["_meta"])
		}
	})
}

func FuzzMultiPeekIssuer(f *testing.F) {
	for _, s := range []string{testJWT(`{"iss":"https://a"}`), testJWT(`{"iss":"a","iss":"b"}`), "a.b.c", "..", "e30.e30.e30", "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, tok string) {
		iss, err := multiPeekIssuer(tok)
		if err != nil {
			if iss != "" {
				t.Fatal("issuer with an error")
			}
			return
		}
		parts := strings.Split(tok, ".")
		payload, derr := base64.RawURLEncoding.DecodeString(parts[1])
		var claims map[string]json.RawMessage // numbers out of float64 range are valid JSON
		var ref string
		if derr != nil || json.Unmarshal(payload, &claims) != nil || json.Unmarshal(claims["iss"], &ref) != nil || ref != iss {
			t.Fatalf("issuer %q, encoding/json sees %s (%v)", iss, claims["iss"], derr)
		}
	})
}

// FuzzRPCRequestID compares the id the in-band answer echoes with
// encoding/json: for a body the strict reader accepts, an id found is a
// JSON string or number that encoding/json reads as the message's "id"
// (no other spelling of the member could have won), and echoing it raw
// keeps the answer valid JSON.
func FuzzRPCRequestID(f *testing.F) {
	for _, s := range []string{
		`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"a"}}`,
		`{"id":"x\u0041\"","method":"tools/call","params":{"name":"a"}}`,
		`{"id":-0.5e+7,"method":"ping"}`, `{"id":null}`, `{"id":1,"id":2}`, `{"ID":1,"id":2}`,
		`{"\u0069d":3}`, `[{"id":1}]`, ` {"id" : 4 } `, `{"id":1e400}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var b rpcBody
		if readRPCBody(body, &b) != nil {
			return
		}
		id, ok := rpcRequestID(body)
		if !ok {
			return
		}
		if b.batch || b.n != 1 {
			t.Fatalf("an id %s from a body of %d messages (batch %v)", id, b.n, b.batch)
		}
		var want struct {
			ID json.RawMessage `json:"id"`
		}
		if err := json.Unmarshal(body, &want); err != nil {
			t.Fatalf("encoding/json refuses %q: %v", body, err)
		}
		decode := func(raw []byte) any { // numbers as written: 1e400 is valid JSON, not a float64
			d := json.NewDecoder(bytes.NewReader(raw))
			d.UseNumber()
			var v any
			if d.Decode(&v) != nil {
				return nil
			}
			return v
		}
		got, ref := decode(id), decode(want.ID)
		switch got.(type) {
		case string, json.Number:
		default:
			t.Fatalf("id %s is neither a string nor a number", id)
		}
		if got != ref {
			t.Fatalf("id %s, encoding/json reads %s", id, want.ID)
		}
		if !json.Valid(inBandDenial(&Error{Description: "x"}, Call{Method: MethodToolsCall}, &b, body).body) {
			t.Fatalf("the in-band answer for %q is not valid JSON", body)
		}
	})
}
