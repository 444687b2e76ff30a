package remote

// scanTable returns a byte table with 1 at the index of every byte of chars
// and 0 elsewhere, for [scanAll].
func scanTable(chars string) [256]byte {
	var t [256]byte
	for i := 0; i < len(chars); i++ {
		t[chars[i]] = 1
	}
	return t
}

// scanAll reports whether every byte of s is marked in table (true for an
// empty s). It runs on every bearer token, so it is branch-free per byte: a
// table lookup ANDed into four accumulators. A per-character chain of
// comparisons mispredicts on random base64 and cost about as much as the
// SHA-256 of the token on the cached path.
func scanAll(table *[256]byte, s string) bool {
	a, b, c, d := byte(1), byte(1), byte(1), byte(1)
	i := 0
	for ; i+4 <= len(s); i += 4 {
		a &= table[s[i]]
		b &= table[s[i+1]]
		c &= table[s[i+2]]
		d &= table[s[i+3]]
	}
	for ; i < len(s); i++ {
		a &= table[s[i]]
	}
	return a&b&c&d == 1
}
