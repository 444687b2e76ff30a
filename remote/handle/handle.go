package handle

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/mcpauth/mcpauth/remote"
)

// Defaults and limits.
const (
	// DefaultTTL is the default [Config.TTL].
	DefaultTTL = time.Hour
	// MaxValueBytes is the largest value Seal accepts.
	MaxValueBytes = 64 << 10
	// KeySize is the length of a [Key] secret: 32 bytes (AES-256).
	KeySize = 32
	// maxKeyID bounds a key id.
	maxKeyID = 32
)

// Sentinel errors. Every error of Open wraps ErrInvalid and, except for a
// caller without identity, exactly one of the four finer classes, so a tool
// can tell its client what to do (call the minting tool again, or not use
// another user's handle).
var (
	// ErrInvalid: the handle cannot be opened by this caller.
	ErrInvalid = errors.New("handle: invalid handle")
	// ErrOtherCaller: the handle is genuine but was sealed for another
	// caller (another issuer, subject or client).
	ErrOtherCaller = fmt.Errorf("%w: sealed for another caller", ErrInvalid)
	// ErrTampered: the handle was not sealed by a key of this Sealer with
	// its Purpose, or was altered, truncated or is not a handle at all.
	ErrTampered = fmt.Errorf("%w: not a handle sealed here, or altered", ErrInvalid)
	// ErrExpired: the handle's lifetime is over.
	ErrExpired = fmt.Errorf("%w: expired", ErrInvalid)
	// ErrKeyRetired: the handle names a key that is not configured (any
	// more, or on this replica).
	ErrKeyRetired = fmt.Errorf("%w: sealed under a retired key", ErrInvalid)
	// ErrNoCaller: the caller has no issuer or subject, so nothing can be
	// bound to it. Seal and Open return it before any cryptography.
	ErrNoCaller = errors.New("handle: the caller has no verified issuer and subject")
)

// Key is one sealing key.
type Key struct {
	// ID names the key inside every handle it seals, so that Open finds it
	// after a rotation: 1 to 32 characters of A-Z a-z 0-9 . _ -. Not secret.
	ID string
	// Secret is KeySize (32) random bytes. Keep it secret; give every
	// replica the same one.
	Secret []byte
}

// NewKey returns a key with a random secret, for tests and single-process
// servers. A key that must be shared between replicas comes from
// configuration (see [ParseKeys]).
func NewKey(id string) Key {
	secret := make([]byte, KeySize)
	_, _ = rand.Read(secret) // never fails (crypto/rand)
	return Key{ID: id, Secret: secret}
}

// Config configures a [Sealer].
type Config struct {
	// Keys are the sealing keys, newest first. Seal uses Keys[0]; Open
	// accepts handles sealed under any of them. Required, at least one;
	// ids must be unique. Every replica of a server must have the same keys,
	// so a handle minted on one opens on another.
	//
	// Rotation without failed opens: (1) add the new key last on every
	// replica; (2) once all have it, move it first; (3) after TTL has
	// passed, remove the old key. A handle sealed under a removed key fails
	// with ErrKeyRetired.
	Keys []Key

	// Purpose separates the handles of different uses: a handle sealed with
	// one Purpose never opens with another (it fails as ErrTampered), so a
	// search cursor cannot be replayed as, say, an approval. Default "".
	Purpose string

	// TTL is the lifetime of the handles Seal mints, rounded down to whole
	// seconds (at least one). Default: DefaultTTL (1 hour).
	TTL time.Duration

	// Now is the clock for expiry. Default: time.Now.
	Now func() time.Time
}

// Sealer seals values to a caller and opens them for the same caller only.
// Create it with [New]; it is safe for concurrent use.
type Sealer struct {
	keys    []sealKey
	purpose string
	ttl     time.Duration
	now     func() time.Time
}

type sealKey struct {
	id     string
	secret []byte
}

// New validates cfg and returns a Sealer.
func New(cfg Config) (*Sealer, error) {
	if len(cfg.Keys) == 0 {
		return nil, errors.New("handle: Config.Keys is required: set at least one key of 32 random bytes (handle.ParseKeys reads them from configuration)")
	}
	s := &Sealer{purpose: cfg.Purpose, ttl: cfg.TTL, now: cfg.Now}
	seen := map[string]bool{}
	for i, k := range cfg.Keys {
		if !validKeyID(k.ID) {
			return nil, fmt.Errorf("handle: Config.Keys[%d]: the id %q must be 1 to %d characters of A-Z a-z 0-9 . _ -", i, k.ID, maxKeyID)
		}
		if seen[k.ID] {
			return nil, fmt.Errorf("handle: Config.Keys[%d]: the id %q is used twice", i, k.ID)
		}
		seen[k.ID] = true
		if len(k.Secret) != KeySize {
			return nil, fmt.Errorf("handle: Config.Keys[%d] (%q): the secret has %d bytes, want %d random bytes", i, k.ID, len(k.Secret), KeySize)
		}
		s.keys = append(s.keys, sealKey{id: k.ID, secret: append([]byte(nil), k.Secret...)})
	}
	if s.ttl < 0 {
		return nil, errors.New("handle: Config.TTL must not be negative")
	}
	if s.ttl == 0 {
		s.ttl = DefaultTTL
	}
	if s.ttl < time.Second {
		return nil, errors.New("handle: Config.TTL must be at least one second")
	}
	if s.now == nil {
		s.now = time.Now
	}
	return s, nil
}

// MustNew is like [New] but panics on an invalid configuration. Use it only
// in main functions, tests and examples.
func MustNew(cfg Config) *Sealer {
	s, err := New(cfg)
	if err != nil {
		panic(err)
	}
	return s
}

// ParseKeys reads keys from a configuration string: comma-separated
// id:secret pairs, newest first, each secret 32 bytes in standard Base64
// (what `openssl rand -base64 32` prints), e.g.
// "k2:...=,k1:...=". Spaces around items are ignored. Errors never echo a
// secret.
func ParseKeys(s string) ([]Key, error) {
	var keys []Key
	for i, item := range strings.Split(s, ",") {
		item = strings.TrimSpace(item)
		id, secret, ok := strings.Cut(item, ":")
		if !ok || !validKeyID(id) {
			return nil, fmt.Errorf("handle: key %d: want id:base64-secret with an id of 1 to %d characters of A-Z a-z 0-9 . _ -", i+1, maxKeyID)
		}
		b, err := base64.StdEncoding.DecodeString(secret)
		if err != nil || len(b) != KeySize {
			return nil, fmt.Errorf("handle: key %d (%q): the secret must be %d bytes in standard Base64, e.g. from `openssl rand -base64 32`", i+1, id, KeySize)
		}
		keys = append(keys, Key{ID: id, Secret: b})
	}
	return keys, nil
}

func validKeyID(id string) bool {
	if id == "" || len(id) > maxKeyID {
		return false
	}
	for i := 0; i < len(id); i++ {
		switch c := id[i]; {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '.', c == '_', c == '-':
		default:
			return false
		}
	}
	return true
}

// Caller is the verified identity a handle is bound to. Two callers are the
// same only when all three fields are equal.
type Caller struct {
	// Issuer and Subject: the token's iss and sub. Both required, since
	// several issuers can mint the same sub.
	Issuer, Subject string
	// ClientID is the OAuth client the token was issued to, "" when the
	// token names none: a handle minted through one client does not open
	// through another.
	ClientID string
}

// CallerOf returns the caller of a verified identity: its issuer (the one
// the provider vouches for, see remote.Identity.Issuer), subject and client
// id. A nil identity is the zero Caller, which Seal and Open refuse.
func CallerOf(id *remote.Identity) Caller {
	return Caller{Issuer: id.Issuer(), Subject: id.Subject(), ClientID: id.ClientID()}
}

// CallerFromContext returns the caller of the token verified for this
// request or, in an MCP tool behind gosdk.Handler or mcpgo.Handler, for the
// current call ([remote.IdentityFromContext]); false when there is none.
func CallerFromContext(ctx context.Context) (Caller, bool) {
	id, err := remote.IdentityFromContext(ctx)
	if err != nil {
		return Caller{}, false
	}
	return CallerOf(id), true
}

// digest binds the caller: SHA-256 over the three fields, each
// length-prefixed so that no two callers share an encoding.
func (c Caller) digest() [sha256.Size]byte {
	h := sha256.New()
	var n [4]byte
	for _, f := range []string{c.Issuer, c.Subject, c.ClientID} {
		binary.BigEndian.PutUint32(n[:], uint32(len(f)))
		h.Write(n[:])
		h.Write([]byte(f))
	}
	var out [sha256.Size]byte
	h.Sum(out[:0])
	return out
}

// Handle layout, before base64url (no padding):
//
//	version(1) | len(key id)(1) | key id | salt(16) | AES-256-GCM ciphertext and tag
//
// The AEAD key is HKDF-SHA256(secret, salt, info(purpose)): one fresh key
// per handle, so the all-zero nonce is never reused and no count of handles
// per key wears it out. The header is the additional data. The plaintext
// is expiry (8 bytes, Unix seconds) | caller digest (32) | value.
const (
	version    = 1
	saltSize   = 16
	expirySize = 8
	overhead   = 1 + 1 + saltSize + expirySize + sha256.Size + 16 // without the key id
)

// maxHandleLen bounds what Open decodes.
var maxHandleLen = base64.RawURLEncoding.EncodedLen(overhead + maxKeyID + MaxValueBytes)

// Seal returns a handle that carries value, opens only for caller and
// expires after Config.TTL. The handle is URL-safe text (base64url) that
// reveals neither value nor caller. value may be empty; at most
// MaxValueBytes.
func (s *Sealer) Seal(caller Caller, value []byte) (string, error) {
	if caller.Issuer == "" || caller.Subject == "" {
		return "", ErrNoCaller
	}
	if len(value) > MaxValueBytes {
		return "", fmt.Errorf("handle: the value has %d bytes, more than MaxValueBytes (%d)", len(value), MaxValueBytes)
	}
	k := s.keys[0]
	header := make([]byte, 0, 2+len(k.id)+saltSize)
	header = append(header, version, byte(len(k.id)))
	header = append(header, k.id...)
	salt := make([]byte, saltSize)
	_, _ = rand.Read(salt) // never fails (crypto/rand)
	header = append(header, salt...)
	aead, err := s.aead(k, salt)
	if err != nil {
		return "", err
	}
	plain := make([]byte, expirySize, expirySize+sha256.Size+len(value))
	binary.BigEndian.PutUint64(plain, uint64(s.now().Add(s.ttl).Unix()))
	d := caller.digest()
	plain = append(plain, d[:]...)
	plain = append(plain, value...)
	out := aead.Seal(header, zeroNonce[:], plain, header)
	return base64.RawURLEncoding.EncodeToString(out), nil
}

// Open returns the value of a handle Seal made for caller. It fails with
// ErrNoCaller for a caller without issuer or subject, ErrKeyRetired for a
// handle sealed under a key no longer configured, ErrTampered for anything
// not sealed here (under this Purpose) or altered, ErrOtherCaller for a
// genuine handle of another caller, and ErrExpired for one whose lifetime
// is over. A caller learns nothing about another caller's handle beyond
// ErrOtherCaller.
func (s *Sealer) Open(caller Caller, h string) ([]byte, error) {
	if caller.Issuer == "" || caller.Subject == "" {
		return nil, ErrNoCaller
	}
	if len(h) > maxHandleLen {
		return nil, ErrTampered
	}
	raw, err := base64.RawURLEncoding.Strict().DecodeString(h)
	if err != nil || len(raw) < 2 || raw[0] != version {
		return nil, ErrTampered
	}
	n := int(raw[1])
	if n == 0 || len(raw) < overhead+n {
		return nil, ErrTampered
	}
	id, salt := string(raw[2:2+n]), raw[2+n:2+n+saltSize]
	header := raw[:2+n+saltSize]
	var key *sealKey
	for i := range s.keys {
		if s.keys[i].id == id {
			key = &s.keys[i]
			break
		}
	}
	if key == nil {
		return nil, ErrKeyRetired
	}
	aead, err := s.aead(*key, salt)
	if err != nil {
		return nil, err
	}
	plain, err := aead.Open(nil, zeroNonce[:], raw[len(header):], header)
	if err != nil {
		return nil, ErrTampered
	}
	want := caller.digest()
	if subtle.ConstantTimeCompare(plain[expirySize:expirySize+sha256.Size], want[:]) != 1 {
		return nil, ErrOtherCaller
	}
	if expiry := int64(binary.BigEndian.Uint64(plain)); s.now().Unix() >= expiry {
		return nil, ErrExpired
	}
	return plain[expirySize+sha256.Size:], nil
}

var zeroNonce [12]byte

// hkdfInfo prefixes the purpose in the key derivation, so that keys derived
// for handles never equal keys derived for anything else.
const hkdfInfo = "mcpauth handle v1\x00"

// aead derives the per-handle AES-256-GCM from k and salt.
func (s *Sealer) aead(k sealKey, salt []byte) (cipher.AEAD, error) {
	dk, err := hkdf.Key(sha256.New, k.secret, salt, hkdfInfo+s.purpose, KeySize)
	if err != nil {
		return nil, fmt.Errorf("handle: %w", err)
	}
	block, err := aes.NewCipher(dk)
	if err != nil {
		return nil, fmt.Errorf("handle: %w", err)
	}
	return cipher.NewGCM(block)
}
