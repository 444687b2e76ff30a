package strictjson

import (
	"errors"
	"strings"
	"testing"
)

// TestDecodeObjectStringsAliasInput: unescaped strings share the decoded
// buffer instead of being copied, so decoding an object costs no
// allocation per member name or string value beyond the map, its boxes and
// arrays.
func TestDecodeObjectStringsAliasInput(t *testing.T) {
	raw := `{"iss":"https://example.authkit.app","sub":"user_01","aud":["a","b"],"scope":"openid profile","jti":"x","sid":"y","org_id":"z","esc":"a\nb"}`
	var got map[string]any
	allocs := testing.AllocsPerRun(100, func() {
		var err error
		if got, err = DecodeObject([]byte(raw)); err != nil {
			t.Fatal(err)
		}
	})
	if got["sub"] != "user_01" || got["esc"] != "a\nb" {
		t.Fatalf("decoded %v", got)
	}
	if aud, _ := got["aud"].([]any); len(aud) != 2 || aud[1] != "b" {
		t.Fatalf("aud = %v", got["aud"])
	}
	// The input copy, the map, 9 boxed values, the array and the one
	// escaped string: copying every string (11 names, 10 values) added
	// about 20 allocations more.
	if allocs > 18 {
		t.Errorf("%v allocations per decode, want at most 18", allocs)
	}
}

// TestRule: the decoder and the splitter refuse what the rule refuses,
// each case differing from an accepted one only in the refused thing. The
// splitter decodes member names, not values: a lone surrogate in a value
// is refused by the reader that decodes it (String, Strings).
func TestRule(t *testing.T) {
	deep := func(n int) string { return `{"a":` + strings.Repeat("[", n-1) + strings.Repeat("]", n-1) + `}` }
	for _, tt := range []struct {
		name            string
		doc             string
		decode, members error // nil: accepted
	}{
		{"control", `{"a":"x","b":[1,{"c":true}]}`, nil, nil},
		{"duplicate member", `{"a":"x","a":"x"}`, ErrDuplicate, ErrDuplicate},
		{"duplicate after unescaping", `{"a":"x","\u0061":"x"}`, ErrDuplicate, ErrDuplicate},
		{"duplicate in a nested object", `{"a":{"b":1,"b":1}}`, ErrDuplicate, nil},
		{"names differing in case", `{"a":"x","A":"x"}`, nil, nil},
		{"surrogate pair", `{"a":"\ud83d\ude00"}`, nil, nil},
		{"lone high surrogate", `{"a":"\ud83d"}`, ErrSyntax, nil},
		{"lone low surrogate in a name", `{"\ude00":"a"}`, ErrSyntax, ErrSyntax},
		{"high surrogate then a letter", `{"a":"\ud83d\u0041"}`, ErrSyntax, nil},
		{"UTF-8", "{\"a\":\"\xc3\xa9\"}", nil, nil},
		{"invalid UTF-8", "{\"a\":\"\xc3\x28\"}", ErrSyntax, ErrSyntax},
		{"at the depth limit", deep(MaxDepth), nil, nil},
		{"past the depth limit", deep(MaxDepth + 1), ErrDepth, ErrDepth},
		{"trailing data", `{"a":"x"}{}`, ErrSyntax, ErrSyntax},
		{"not an object", `["a"]`, ErrNotObject, ErrNotObject},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := DecodeObject([]byte(tt.doc)); err != tt.decode {
				t.Errorf("DecodeObject: %v, want %v", err, tt.decode)
			}
			m, err := Members([]byte(tt.doc))
			if err != tt.members {
				t.Errorf("Members: %v, want %v", err, tt.members)
			}
			if err == nil && tt.decode == ErrSyntax {
				if _, err := String(m[0].Value); err != ErrSyntax {
					t.Errorf("String(%s): %v, want ErrSyntax", m[0].Value, err)
				}
			}
		})
	}
}

// TestScannerReadsOnlyWhatItIsAsked: the scanner validates the whole
// document but compares only the members its caller reads, so a duplicate
// elsewhere stays (it is not read); a lone surrogate is refused only in a
// string that is decoded.
func TestScannerReadsOnlyWhatItIsAsked(t *testing.T) {
	doc := []byte(`{"x":1,"x":2,"y":"\ud800","iss":"https://a"}`)
	v, found, err := StringMember(doc, "iss")
	if err != nil || !found || string(v.Bytes()) != "https://a" {
		t.Fatalf("StringMember = %q, %v, %v", v.Bytes(), found, err)
	}
	for name, doc := range map[string]string{
		"duplicate":  `{"iss":"https://a","iss":"https://a"}`,
		"not string": `{"iss":1}`,
		"trailing":   `{"iss":"https://a"} x`,
		"too deep":   `{"iss":"https://a","x":` + strings.Repeat("[", MaxDepth) + strings.Repeat("]", MaxDepth) + `}`,
	} {
		if _, _, err := StringMember([]byte(doc), "iss"); err == nil {
			t.Errorf("%s: StringMember accepted %s", name, doc)
		}
	}
	if _, found, err := StringMember([]byte(`{"ISS":"https://a"}`), "iss"); err != nil || found {
		t.Errorf("another letter case: found %v, %v", found, err)
	}
	allocs := testing.AllocsPerRun(100, func() {
		if _, _, err := StringMember(doc, "iss"); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("StringMember: %v allocations, want 0", allocs)
	}
}

func TestMatch(t *testing.T) {
	for _, tt := range []struct {
		raw           string
		esc           bool
		name          string
		exact, folded bool
	}{
		{"name", false, "name", true, true},
		{"NAME", false, "name", false, true},
		{"nam", false, "name", false, false},
		{"names", false, "name", false, false},
		{"\u212aind", false, "kind", false, true}, // Kelvin sign folds to k: longer than "kind"
		{"i\u017fs", false, "iss", false, true},   // long s folds to s
		{"i\u017fsx", false, "iss", false, false},
		{`na\u006de`, true, "name", true, true},
		{`N\u0041ME`, true, "name", false, true},
	} {
		exact, folded, err := RawString{raw: []byte(tt.raw), escaped: tt.esc}.Match(tt.name)
		if err != nil || exact != tt.exact || folded != tt.folded {
			t.Errorf("Match(%q, %q) = %v, %v, %v; want %v, %v", tt.raw, tt.name, exact, folded, err, tt.exact, tt.folded)
		}
	}
}

func TestReaders(t *testing.T) {
	if s, err := String([]byte(`"a\/b"`)); err != nil || s != "a/b" {
		t.Errorf("String = %q, %v", s, err)
	}
	if _, err := String([]byte(`1`)); !errors.Is(err, ErrType) {
		t.Errorf("String(1): %v", err)
	}
	if ss, err := Strings([]byte(`["a","b"]`)); err != nil || len(ss) != 2 || ss[1] != "b" {
		t.Errorf("Strings = %q, %v", ss, err)
	}
	if ss, err := Strings([]byte(`[]`)); err != nil || ss == nil || len(ss) != 0 {
		t.Errorf("Strings([]) = %#v, %v", ss, err)
	}
	for _, bad := range []string{`["a",null]`, `["a",1]`, `"a"`, `{}`} {
		if _, err := Strings([]byte(bad)); !errors.Is(err, ErrType) {
			t.Errorf("Strings(%s): %v, want ErrType", bad, err)
		}
	}
	if b, err := Bool([]byte(`true`)); err != nil || !b {
		t.Errorf("Bool = %v, %v", b, err)
	}
	if _, err := Bool([]byte(`"true"`)); !errors.Is(err, ErrType) {
		t.Errorf(`Bool("true"): %v`, err)
	}
	if e, err := Elements([]byte(`[1, {"a":[]} ,"x"]`)); err != nil || len(e) != 3 || string(e[1]) != `{"a":[]}` {
		t.Errorf("Elements = %q, %v", e, err)
	}
	if !IsNull([]byte("null")) || IsNull([]byte(`"null"`)) {
		t.Error("IsNull")
	}
}

func TestScannerValue(t *testing.T) {
	s := NewScanner([]byte(`{"id": 42 , "x":[1, "a"]}`))
	var got []string
	err := s.Object(func(RawString) error {
		v, err := s.Value()
		got = append(got, string(v))
		return err
	})
	if err := s.end(err); err != nil || len(got) != 2 || got[0] != "42" || got[1] != `[1, "a"]` {
		t.Errorf("values %q, %v", got, err)
	}
}
