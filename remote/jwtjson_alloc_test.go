package remote

import (
	"testing"
)

// TestJWTJSONStringsAliasInput: unescaped strings share the decoded buffer
// instead of being copied, so decoding an object costs no allocation per
// member name or string value beyond the map, its boxes and arrays.
func TestJWTJSONStringsAliasInput(t *testing.T) {
	raw := `{"iss":"https://example.authkit.app","sub":"user_01","aud":["a","b"],"scope":"openid profile","jti":"x","sid":"y","org_id":"z","esc":"a\nb"}`
	var got map[string]any
	allocs := testing.AllocsPerRun(100, func() {
		var err error
		if got, err = jwtDecodeJSONObject([]byte(raw)); err != nil {
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
