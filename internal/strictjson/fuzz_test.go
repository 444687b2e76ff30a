package strictjson

// Differential fuzzers: each front end against encoding/json. Whatever a
// front end accepts, encoding/json accepts too and reads the same; the
// scanner, which decodes nothing, must also accept whatever encoding/json
// does within the rule (valid UTF-8, MaxDepth).

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

var fuzzSeeds = []string{
	`{}`, `{"a":1}`, `{"a":1,"a":2}`, `{"a":"\u0061\ud83d\ude00"}`, `{"a":[1,2.5e3,-0,true,null,{"b":"c"}]}`,
	`{"a":"\ud800"}`, `{"a":1e400}`, "{\"a\":\"\xff\"}", `{"exp":1700000000}`, ` {"a" : [ ] } `,
	`{"a":123456789012345678}`, `[1]`, `{"a":01}`, `{"a":"\x01"}`, `{"\u0061":1,"a":2}`, `"x"`, `1`,
	`{"a":{"a":1,"a":2}}`, `[[[]]]`, `{"a":"é"}`, `{"a":-}`, `{"a":1.}`, `{"a":.5}`, `{"a":1e}`, `{,}`, `{"a":1,}`,
}

// FuzzDecodeObject checks the decoder against encoding/json: what it
// accepts, encoding/json accepts with the same value.
func FuzzDecodeObject(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := DecodeObject(bytes.Clone(data))
		if err != nil {
			return
		}
		var want map[string]any
		if err := json.Unmarshal(data, &want); err != nil {
			t.Fatalf("strict decoder accepted %q, encoding/json: %v", data, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("decode(%q) = %#v, encoding/json %#v", data, got, want)
		}
	})
}

// FuzzScanner checks Skip against json.Valid in both directions: a
// document is accepted exactly when encoding/json finds it valid, it is
// valid UTF-8 and nests at most MaxDepth deep.
func FuzzScanner(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	f.Add([]byte(strings.Repeat("[", MaxDepth) + strings.Repeat("]", MaxDepth)))
	f.Add([]byte(strings.Repeat("[", MaxDepth+1) + strings.Repeat("]", MaxDepth+1)))
	f.Fuzz(func(t *testing.T, data []byte) {
		s := NewScanner(data)
		err := s.Skip()
		if err == nil && !s.AtEnd() {
			err = ErrSyntax
		}
		want := json.Valid(data) && utf8.Valid(data) && depth(data) <= MaxDepth
		if (err == nil) != want {
			t.Fatalf("Skip(%q): %v; encoding/json valid: %v, UTF-8: %v, depth %d", data, err, json.Valid(data), utf8.Valid(data), depth(data))
		}
	})
}

// depth is the nesting depth of a valid document.
func depth(data []byte) int {
	d, most, inString, escaped := 0, 0, false, false
	for _, c := range data {
		switch {
		case escaped:
			escaped = false
		case inString && c == '\\':
			escaped = true
		case c == '"':
			inString = !inString
		case inString:
		case c == '[' || c == '{':
			d++
			most = max(most, d)
		case c == ']' || c == '}':
			d--
		}
	}
	return most
}

// FuzzMembers checks the splitter against encoding/json: an accepted
// document is an object encoding/json reads with the same members (the
// same names, each value the same JSON), and the string, string-array and
// boolean readers agree with encoding/json on every value they accept.
func FuzzMembers(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	f.Add([]byte(`{"issuer":"https:\/\/x","response_types_supported":["code","\u0074oken"],"b":true,"n":null}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		members, err := Members(data)
		if err != nil {
			return
		}
		var want map[string]json.RawMessage
		if err := json.Unmarshal(data, &want); err != nil {
			t.Fatalf("Members accepted %q, encoding/json: %v", data, err)
		}
		if len(members) != len(want) {
			t.Fatalf("Members(%q): %d members, encoding/json %d", data, len(members), len(want))
		}
		for _, m := range members {
			w, ok := want[m.Name]
			if !ok || !bytes.Equal(compact(t, m.Value), compact(t, w)) {
				t.Fatalf("member %q = %s, encoding/json %s", m.Name, m.Value, w)
			}
			if got, ok := Lookup(members, m.Name); !ok || !bytes.Equal(got, m.Value) {
				t.Fatalf("Lookup(%q) = %s, %v", m.Name, got, ok)
			}
			if s, err := String(m.Value); err == nil {
				var ref string
				if json.Unmarshal(m.Value, &ref) != nil || ref != s {
					t.Fatalf("String(%s) = %q, encoding/json %q", m.Value, s, ref)
				}
			}
			if ss, err := Strings(m.Value); err == nil {
				var ref []string
				if json.Unmarshal(m.Value, &ref) != nil || !reflect.DeepEqual(ref, ss) {
					t.Fatalf("Strings(%s) = %q, encoding/json %q", m.Value, ss, ref)
				}
			}
			if b, err := Bool(m.Value); err == nil {
				var ref bool
				if json.Unmarshal(m.Value, &ref) != nil || ref != b {
					t.Fatalf("Bool(%s) = %v, encoding/json %v", m.Value, b, ref)
				}
			}
			if elems, err := Elements(m.Value); err == nil {
				var ref []json.RawMessage
				if json.Unmarshal(m.Value, &ref) != nil || len(ref) != len(elems) {
					t.Fatalf("Elements(%s): %d, encoding/json %d", m.Value, len(elems), len(ref))
				}
				for i := range elems {
					if !bytes.Equal(compact(t, elems[i]), compact(t, ref[i])) {
						t.Fatalf("element %d = %s, encoding/json %s", i, elems[i], ref[i])
					}
				}
			}
		}
	})
}

// FuzzStringMember checks the string-member lookup against encoding/json:
// an accepted document is an object in which encoding/json reads the same
// string under that exact name (or none).
func FuzzStringMember(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	f.Add([]byte(`{"iss":"https://a","ISS":"https://b"}`))
	f.Add([]byte(`{"\u0069ss":"x","iss":"y"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		v, found, err := StringMember(data, "a")
		if err != nil {
			return
		}
		var want map[string]json.RawMessage
		if err := json.Unmarshal(data, &want); err != nil {
			t.Fatalf("StringMember accepted %q, encoding/json: %v", data, err)
		}
		raw, ok := want["a"]
		if ok != found {
			t.Fatalf("StringMember(%q): found %v, encoding/json %v", data, found, ok)
		}
		if !found {
			return
		}
		var ref string
		if err := json.Unmarshal(raw, &ref); err != nil {
			t.Fatalf("StringMember(%q) found a string, encoding/json %s", data, raw)
		}
		if s, err := v.Decode(); err == nil && s != ref {
			t.Fatalf("StringMember(%q) = %q, encoding/json %q", data, s, ref)
		}
	})
}

func compact(t *testing.T, v []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := json.Compact(&b, v); err != nil {
		t.Fatalf("compact %q: %v", v, err)
	}
	return b.Bytes()
}
