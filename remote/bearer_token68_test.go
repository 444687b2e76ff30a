package remote

import (
	"strings"
	"testing"
)

// token68Reference is the RFC 7235 token68 rule written out plainly.
func token68Reference(s string) bool {
	body := strings.TrimRight(s, "=")
	if body == "" {
		return false
	}
	for i := 0; i < len(body); i++ {
		c := body[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("-._~+/", c) >= 0) {
			return false
		}
	}
	return true
}

// TestBearerIsToken68: the table-driven scan agrees with the rule for every
// byte at every position modulo the unrolling, and for padding.
func TestBearerIsToken68(t *testing.T) {
	for c := 0; c < 256; c++ {
		for _, pre := range []string{"", "a", "ab", "abc", "abcd", "abcde"} {
			for _, post := range []string{"", "x", "xyz", "=", "=="} {
				s := pre + string([]byte{byte(c)}) + post
				if got, want := bearerIsToken68(s), token68Reference(s); got != want {
					t.Errorf("bearerIsToken68(%q) = %v, want %v", s, got, want)
				}
			}
		}
	}
	for _, tc := range []struct {
		in   string
		want bool
	}{
		{"", false}, {"=", false}, {"==", false}, {"a", true}, {"a==", true}, {"a=b", false},
		{"eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ1In0.c2ln", true}, {"abc def", false}, {"abc\x00", false},
		{"ab~+/._-", true}, {"ab,cd", false}, {"abcdefgh\xff", false},
	} {
		if got := bearerIsToken68(tc.in); got != tc.want {
			t.Errorf("bearerIsToken68(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

// BenchmarkBearerIsToken68 rotates distinct tokens, as requests do, so that
// the branch predictor cannot learn one of them.
func BenchmarkBearerIsToken68(b *testing.B) {
	const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_."
	toks := make([]string, 256)
	for i := range toks {
		buf := make([]byte, 880)
		for j := range buf {
			buf[j] = alphabet[(i*7919+j*104729+j*j)%len(alphabet)]
		}
		toks[i] = string(buf)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if !bearerIsToken68(toks[i%len(toks)]) {
			b.Fatal("rejected")
		}
		i++
	}
}
