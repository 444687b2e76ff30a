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

func FuzzToolCallNames(f *testing.F) {
	for _, s := range []string{
		`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"delete","arguments":{}}}`,
		`[{"method":"tools/call","params":{"name":"a"}},{"method":"ping"}]`,
		`{"method":"tools/call","params":{"name":"a","NAME":"b"}}`,
		`{"method":"tools/call"}`, `[]`, ``, `null`, `{"method":1}`, `[[[]]]`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		names, err := toolCallNames(body)
		if err != nil {
			if names != nil {
				t.Fatal("names with an error")
			}
			return
		}
		trimmed := bytes.TrimSpace(body)
		if len(trimmed) == 0 {
			return
		}
		// Whatever we accept is valid JSON, and for a single message
		// encoding/json (case-insensitive, last duplicate wins) reads the
		// same method and tool name.
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
		params, _ := msg.Params.(map[string]any)
		if msg.Method == "tools/call" {
			if len(names) != 1 || params["name"] != names[0] {
				t.Fatalf("names %q, encoding/json sees %v", names, msg.Params)
			}
		} else if len(names) != 0 {
			t.Fatalf("names %q for method %v", names, msg.Method)
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
		var claims map[string]any
		if derr != nil || json.Unmarshal(payload, &claims) != nil || claims["iss"] != iss {
			t.Fatalf("issuer %q, encoding/json sees %v (%v)", iss, claims["iss"], derr)
		}
	})
}
