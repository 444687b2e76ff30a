package perf

import (
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/mcpauth/mcpauth/internal/jwttest"
)

// Size selects the shape of a minted token.
type Size int

const (
	// Small is an AuthKit-shaped access token (iss, sub, aud, exp, iat, jti,
	// client_id, sid, org_id, scope): about 0.95 KB with RS256.
	Small Size = iota
	// Large is the same token padded with JWT-template claims (roles,
	// permissions, feature flags, metadata) to about 4 KiB on the wire.
	Large
)

// LargeBytes is the target length of a Large RS256 token.
const LargeBytes = 4096

// Fixture holds the signing keys and the fixed claims of the benchmarks. It
// is immutable after NewFixture and safe for concurrent use.
type Fixture struct {
	// Issuer and Audience are what every minted token carries and what
	// every verifier is configured to accept.
	Issuer, Audience string
	// RSAKeyID names the RSA-2048 key that signs RS256 tokens.
	RSAKeyID string
	// EdKeyID names the Ed25519 key that signs EdDSA tokens (used where
	// hundreds of thousands of distinct tokens are needed: an RSA-2048
	// signature costs about 1.3 ms to make, an Ed25519 one about 20 µs).
	EdKeyID string

	rsa    *rsa.PrivateKey
	ed     ed25519.PrivateKey
	issued time.Time
}

// NewFixture generates fresh keys. Tokens it mints are valid from one minute
// before the call until two hours after it.
func NewFixture() (*Fixture, error) {
	rk, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, fmt.Errorf("perf: %w", err)
	}
	_, ek, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("perf: %w", err)
	}
	return &Fixture{
		Issuer:   "https://example-tenant.authkit.app",
		Audience: "http://127.0.0.1/mcp",
		RSAKeyID: "sso_oidc_key_pair_01HJT8Y2P3F4Q5R6S7T8V9W0XC",
		EdKeyID:  "sso_oidc_key_pair_01HJT8Y2P3F4Q5R6S7T8V9W0ED",
		rsa:      rk,
		ed:       ek,
		issued:   time.Now().Add(-time.Minute).Truncate(time.Second),
	}, nil
}

// RSAPublic returns the public half of the RS256 signing key.
func (f *Fixture) RSAPublic() *rsa.PublicKey { return &f.rsa.PublicKey }

// EdPublic returns the public half of the EdDSA signing key.
func (f *Fixture) EdPublic() ed25519.PublicKey { return f.ed.Public().(ed25519.PublicKey) }

var b64 = base64.RawURLEncoding

// Claims returns the claim set of token id of the given size.
func (f *Fixture) Claims(id string, size Size) map[string]any {
	c := map[string]any{
		"iss":       f.Issuer,
		"sub":       "user_01HJT8Y2P3F4Q5R6S7T8V9W0XY",
		"aud":       f.Audience,
		"exp":       f.issued.Add(2 * time.Hour).Unix(),
		"iat":       f.issued.Unix(),
		"jti":       "01HJT8Y2P3F4Q5R6S7T8V9W0XA-" + id,
		"client_id": "client_01HJT8Y2P3F4Q5R6S7T8V9W0XD",
		"sid":       "consent_01HJT8Y2P3F4Q5R6S7T8V9W0XZ",
		"org_id":    "org_01HJT8Y2P3F4Q5R6S7T8V9W0XB",
		"scope":     "openid profile email offline_access",
	}
	if size == Large {
		// What a WorkOS JWT template typically adds: roles, a permission
		// list, flags and user metadata.
		c["role"] = "admin"
		c["roles"] = []string{"admin", "member", "billing"}
		c["feature_flags"] = map[string]any{"beta_tools": true, "audit_log": true, "max_projects": 50}
		c["metadata"] = map[string]any{"department": "engineering", "region": "eu-west-1", "plan": "enterprise"}
		var perms []string
		for i := 0; ; i++ {
			perms = append(perms, fmt.Sprintf("projects:proj_%04d:documents.read", i))
			c["permissions"] = perms
			raw, _ := json.Marshal(c)
			// base64 grows 4/3; header and RS256 signature add ~440 bytes.
			if len(raw)*4/3+440 >= LargeBytes {
				perms = perms[:len(perms)-1]
				c["permissions"] = perms
				break
			}
		}
	}
	return c
}

// RS256 mints an RS256 token (about 1.3 ms of CPU per call).
func (f *Fixture) RS256(id string, size Size) (string, error) {
	return f.sign("RS256", f.RSAKeyID, f.Claims(id, size))
}

// EdDSA mints an EdDSA token (cheap to mint; for large token counts).
func (f *Fixture) EdDSA(id string, size Size) (string, error) {
	return f.sign("EdDSA", f.EdKeyID, f.Claims(id, size))
}

func (f *Fixture) sign(alg, kid string, claims map[string]any) (string, error) {
	var key any = f.rsa
	if alg == "EdDSA" {
		key = f.ed
	}
	tok, err := jwttest.SignJSON(alg, key, map[string]string{"alg": alg, "kid": kid, "typ": "JWT"}, claims)
	if err != nil {
		return "", fmt.Errorf("perf: %w", err)
	}
	return tok, nil
}

// JWKS returns a JWKS document of n keys: for n = 1 the RSA signing key
// alone; otherwise n-2 decoy RSA keys with random moduli, then the Ed25519
// key, then the RSA signing key last (the worst place for a linear search).
func (f *Fixture) JWKS(n int) ([]byte, error) {
	if n < 1 {
		return nil, errors.New("perf: JWKS needs at least 1 key")
	}
	keys := make([]map[string]any, 0, n)
	for i := range max(n-2, 0) {
		mod := make([]byte, 256)
		if _, err := rand.Read(mod); err != nil {
			return nil, err
		}
		mod[0] |= 0x80
		mod[255] |= 1
		decoy := &rsa.PublicKey{N: new(big.Int).SetBytes(mod), E: f.rsa.E}
		keys = append(keys, jwttest.JWK(decoy, fmt.Sprintf("sso_oidc_key_pair_decoy_%03d", i), "RS256", "sig"))
	}
	if n > 1 {
		keys = append(keys, jwttest.JWK(f.EdPublic(), f.EdKeyID, "EdDSA", "sig"))
	}
	keys = append(keys, jwttest.JWK(f.RSAPublic(), f.RSAKeyID, "RS256", "sig"))
	return jwttest.JWKS(keys...), nil
}

// SigningInput splits an RS256 token into its signing input and decoded
// signature, for the crypto/rsa floor.
func SigningInput(token string) (input, sig []byte, err error) {
	i := strings.LastIndexByte(token, '.')
	if i < 0 {
		return nil, nil, errors.New("perf: not a compact JWS")
	}
	sig, err = b64.DecodeString(token[i+1:])
	if err != nil {
		return nil, nil, fmt.Errorf("perf: %w", err)
	}
	return []byte(token[:i]), sig, nil
}

// VerifyRSAFloor is the least work any RS256 verifier must do for a token it
// has not seen: SHA-256 of the signing input and one RSA-2048 PKCS #1 v1.5
// verification.
func VerifyRSAFloor(pub *rsa.PublicKey, input, sig []byte) error {
	d := sha256.Sum256(input)
	return rsa.VerifyPKCS1v15(pub, crypto.SHA256, d[:], sig)
}
