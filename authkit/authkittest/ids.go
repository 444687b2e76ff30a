package authkittest

import (
	"crypto/rand"
	"encoding/base64"
)

// crockford is the ULID alphabet WorkOS ids use.
const crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// newID returns a WorkOS-style identifier: prefix, "_01" and 24 random
// Crockford base32 characters (prefix_01ABC...).
func newID(prefix string) string {
	var raw [24]byte
	_, _ = rand.Read(raw[:]) // crypto/rand.Read never fails.
	b := make([]byte, 0, len(prefix)+3+len(raw))
	b = append(b, prefix...)
	b = append(b, "_01"...)
	for _, c := range raw {
		b = append(b, crockford[c&31])
	}
	return string(b)
}

// newSecret returns 32 random bytes, base64url without padding.
func newSecret() string {
	var raw [32]byte
	_, _ = rand.Read(raw[:])
	return base64.RawURLEncoding.EncodeToString(raw[:])
}
