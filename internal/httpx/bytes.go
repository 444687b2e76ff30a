package httpx

// ByteSet is a set of bytes, for checking that a string holds only bytes
// of an alphabet (RFC 9110 token and token68, base64url) in the hot path.
// Build one with [NewByteSet] once, in a package variable.
type ByteSet [256]byte

// NewByteSet returns the set of the bytes of chars.
func NewByteSet(chars string) ByteSet {
	var t ByteSet
	for i := 0; i < len(chars); i++ {
		t[chars[i]] = 1
	}
	return t
}

// All reports whether every byte of s is in t (true for an empty s). It
// runs on every bearer token, so it is branch-free per byte: a table lookup
// ANDed into four accumulators. A per-character chain of comparisons
// mispredicts on random base64 and cost about as much as the SHA-256 of
// the token on the cached path.
func (t *ByteSet) All(s string) bool {
	a, b, c, d := byte(1), byte(1), byte(1), byte(1)
	i := 0
	for ; i+4 <= len(s); i += 4 {
		a &= t[s[i]]
		b &= t[s[i+1]]
		c &= t[s[i+2]]
		d &= t[s[i+3]]
	}
	for ; i < len(s); i++ {
		a &= t[s[i]]
	}
	return a&b&c&d == 1
}
