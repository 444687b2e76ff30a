package remote

import (
	"context"
	"crypto"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"sync/atomic"
	"time"

	"github.com/mcpauth/mcpauth/internal/httpx"
	"github.com/mcpauth/mcpauth/internal/jose"
)

// Defaults for [JWTConfig]. DefaultMaxTokenBytes (16 KiB, several times a JWT
// with a large set of claims) is also the default of [Config.MaxTokenBytes].
const (
	DefaultJWTLeeway          = 30 * time.Second
	DefaultMinRefreshInterval = 5 * time.Minute
	DefaultMaxRefreshInterval = 24 * time.Hour
	DefaultRefreshInterval    = 1 * time.Hour
	DefaultUnknownKeyCooldown = 30 * time.Second
	DefaultMaxStale           = 24 * time.Hour
	DefaultJWKSFetchTimeout   = 10 * time.Second
	DefaultMaxJWKSBytes       = 256 << 10
	DefaultMaxTokenBytes      = 16 << 10
	DefaultTokenCacheSize     = 10_000
	DefaultJWTTokenCacheTTL   = 5 * time.Minute
)

// JWS signature algorithms (RFC 7518 §3, RFC 8037) the JWT verifier can
// check, for [JWTConfig.Algorithms] and [JWTKey.Algorithm]. Symmetric
// (HS*) algorithms and "none" are deliberately absent.
const (
	AlgRS256 = "RS256"
	AlgRS384 = "RS384"
	AlgRS512 = "RS512"
	AlgPS256 = "PS256"
	AlgPS384 = "PS384"
	AlgPS512 = "PS512"
	AlgES256 = "ES256"
	AlgES384 = "ES384"
	AlgES512 = "ES512"
	AlgEdDSA = "EdDSA"
)

// JWTKey is a static public verification key.
type JWTKey struct {
	// KeyID is the "kid" tokens name. Required.
	KeyID string
	// Algorithm is the key's JWS algorithm ("RS256", ...). Empty means any
	// allowed algorithm that fits the key type.
	Algorithm string
	// Key is an *rsa.PublicKey (2048 to 8192 bits), an *ecdsa.PublicKey
	// (P-256, P-384, P-521) or an ed25519.PublicKey.
	Key crypto.PublicKey
}

// JWTConfig configures [NewJWTVerifier]. Exactly one key source is required:
// JWKSURL, or StaticKeys and/or StaticJWKS.
type JWTConfig struct {
	// JWKSURL is the authorization server's JWKS endpoint (its metadata's
	// jwks_uri). It must be https, except on a loopback host.
	JWKSURL string
	// StaticKeys are fixed verification keys, for tests and air-gapped
	// deployments. Never refreshed.
	StaticKeys []JWTKey
	// StaticJWKS is a fixed JWKS document (RFC 7517 JSON), parsed under the
	// same rules as a fetched one. Never refreshed.
	StaticJWKS []byte

	// Issuer is the exact "iss" tokens must carry, e.g.
	// "https://example.authkit.app" (no normalisation). Required.
	Issuer string
	// Audiences lists the acceptable "aud" values, normally the canonical
	// URL of the MCP endpoint. A token is accepted when its "aud" (a string
	// or an array) contains one of them; a single trailing slash difference
	// is tolerated. Required unless InsecureSkipAudienceCheck.
	Audiences []string
	// InsecureSkipAudienceCheck turns the audience check off. A server
	// setting it accepts tokens issued for any other resource of the same
	// issuer (token replay across services); it MUST NOT be set in
	// production unless something else binds tokens to this server.
	InsecureSkipAudienceCheck bool

	// Algorithms is the allow-list of JWS algorithms. Default ["RS256"].
	// Only asymmetric algorithms (RS*, PS*, ES*, EdDSA) are accepted;
	// "none" and HS* are refused.
	Algorithms []string
	// Leeway is the clock skew tolerated on exp, nbf and iat. Default 30 s;
	// a negative value means none.
	Leeway time.Duration
	// ScopeClaims names the claims that carry scopes, each either a
	// space-separated string or an array of strings; their union is used.
	// Default ["scope", "scp"].
	ScopeClaims []string
	// MaxTokenBytes caps the token length. Default 16 KiB.
	MaxTokenBytes int

	// HTTPClient fetches the JWKS. Default: a retrying client (2 retries,
	// 5 s per attempt, 10 s overall). Whatever the client, redirects are
	// never followed: the verifier uses a copy whose CheckRedirect refuses
	// them (the inner client of a go-retryablehttp RoundTripper too), and a
	// 3xx answer is a failed fetch (503 for tokens that need it). A
	// transport that follows redirects by itself is detected and its
	// answer refused; do not use one.
	HTTPClient *http.Client
	// FetchTimeout bounds one JWKS fetch, retries included. Default 10 s.
	FetchTimeout time.Duration
	// MinRefreshInterval and MaxRefreshInterval clamp the JWKS response's
	// Cache-Control max-age. Defaults 5 min and 24 h.
	MinRefreshInterval, MaxRefreshInterval time.Duration
	// RefreshInterval is used when the response has no max-age. Default 1 h.
	RefreshInterval time.Duration
	// UnknownKeyCooldown is the least time between two fetches caused by a
	// token whose kid the held key set lacks (the unknown-kid budget), and
	// the longest backoff after a failed fetch. The start-up fetch (Prime),
	// the first fetch and scheduled refreshes neither spend nor wait for
	// the budget, so a key published after start-up is picked up by the
	// first token that names it. Default 30 s.
	//
	// Inside the cooldown, a token naming a kid the set lacks is refused:
	// with 401 invalid_token when it was issued (unverified "iat") at least
	// Leeway before the held set was fetched, since that set should hold
	// its key; otherwise with 503 and a Retry-After until the budget
	// returns, so a client holding a token signed with a brand-new key
	// retries instead of discarding it.
	UnknownKeyCooldown time.Duration
	// MaxStale bounds how long a key set that cannot be refreshed stays in
	// use past its scheduled refresh time. Longer rides out longer
	// identity-provider outages; shorter stops trusting keys the provider
	// may have revoked sooner. Past it, every token is answered 503 until a
	// fetch succeeds. Default 24 h; it must not be negative.
	MaxStale time.Duration
	// MaxJWKSBytes caps the JWKS response body. Default 256 KiB.
	MaxJWKSBytes int64

	// TokenCacheSize bounds the verified-token cache in entries. Default
	// 10,000.
	TokenCacheSize int
	// TokenCacheTTL is the longest a verification is reused (never past the
	// token's exp). Default 5 min.
	TokenCacheTTL time.Duration
	// DisableTokenCache verifies every token in full.
	DisableTokenCache bool

	// Now is the clock. Default time.Now.
	Now func() time.Time
	// Logger receives key-store events (fetch failures once per streak,
	// recovery, skipped keys). Nil means silent. Tokens are never logged.
	Logger *slog.Logger
	// OnKeyFetch, when set, is called after every JWKS fetch (start-up,
	// first, scheduled and unknown-kid fetches, successful or not), from
	// the fetching goroutine: the hook to see an identity-provider problem
	// coming (metrics, traces). It must be fast and safe for concurrent
	// use. Refused unknown kids (throttled, backing off, stale set) show in
	// the provider's Decision reasons. Default nil.
	OnKeyFetch func(KeyFetch)
}

// JWTVerifier verifies JWT access tokens against a JWKS or static keys. It is
// safe for concurrent use. Call Close when done with it.
type JWTVerifier struct {
	issuer      string
	audiences   []string
	skipAud     bool
	allowed     jose.AlgSet
	leeway      time.Duration
	scopeClaims []string
	maxToken    int
	now         func() time.Time
	keys        *keysStore
	cache       *tcCache // nil when disabled
	hits, miss  atomic.Uint64
}

// VerifierStats is a snapshot of a JWT verifier's counters and key set, for
// metrics (see [JWTVerifier.Stats]).
type VerifierStats struct {
	// CacheHits and CacheMisses count the verifications answered from the
	// verified-token cache and those that were not (both 0 with the cache
	// disabled).
	CacheHits, CacheMisses uint64
	// CacheEntries is the number of cached verifications.
	CacheEntries int
	// Keys is the number of usable keys held.
	Keys int
	// KeysFetched is when the fetch that produced the held key set began,
	// and KeysRefreshAt when it is due for a refresh; both zero for static
	// keys or before the first fetch.
	KeysFetched, KeysRefreshAt time.Time
	// KeyFetchFailures is the length of the current streak of failed key
	// fetches (0 when the last one succeeded).
	KeyFetchFailures int
}

// Stats returns the verifier's counters and the state of its key set. It
// is cheap and safe for concurrent use: call it from a metrics collector.
func (v *JWTVerifier) Stats() VerifierStats {
	st := VerifierStats{CacheHits: v.hits.Load(), CacheMisses: v.miss.Load()}
	if v.cache != nil {
		st.CacheEntries = int(v.cache.count.Load())
	}
	if snap := v.keys.snap.Load(); snap != nil {
		st.Keys, st.KeysFetched, st.KeysRefreshAt = len(snap.keys), snap.fetched, snap.refreshAt
	}
	v.keys.mu.Lock()
	st.KeyFetchFailures = v.keys.failures
	v.keys.mu.Unlock()
	return st
}

var _ TokenVerifier = (*JWTVerifier)(nil)

// NewJWTVerifier validates cfg and returns a verifier. It makes no network
// call; keys are fetched on first use or by [JWTVerifier.Prime].
func NewJWTVerifier(cfg JWTConfig) (*JWTVerifier, error) {
	static := len(cfg.StaticKeys) > 0 || len(cfg.StaticJWKS) > 0
	switch {
	case cfg.JWKSURL == "" && !static:
		return nil, errors.New("remote: JWTConfig needs a key source: set JWKSURL (or StaticKeys/StaticJWKS)")
	case cfg.JWKSURL != "" && static:
		return nil, errors.New("remote: JWTConfig: set either JWKSURL or static keys, not both")
	}
	if cfg.JWKSURL != "" {
		if _, err := httpx.CheckURL(cfg.JWKSURL, httpx.EndpointURL); err != nil {
			return nil, fmt.Errorf("remote: JWTConfig.JWKSURL %q %w", httpx.RedactUserinfo(cfg.JWKSURL), err)
		}
	}
	if cfg.Issuer == "" {
		return nil, errors.New("remote: JWTConfig.Issuer is required (the exact iss of your tokens)")
	}
	if len(cfg.Audiences) == 0 && !cfg.InsecureSkipAudienceCheck {
		return nil, errors.New("remote: JWTConfig.Audiences is required (the canonical URL of your MCP endpoint)")
	}
	if slices.Contains(cfg.Audiences, "") {
		return nil, errors.New("remote: JWTConfig.Audiences contains an empty string")
	}
	allowed, err := jwtAllowList(cfg.Algorithms)
	if err != nil {
		return nil, err
	}
	v := &JWTVerifier{
		issuer:      cfg.Issuer,
		audiences:   slices.Clone(cfg.Audiences),
		skipAud:     cfg.InsecureSkipAudienceCheck,
		allowed:     allowed,
		leeway:      jwtDuration(cfg.Leeway, DefaultJWTLeeway),
		scopeClaims: slices.Clone(cfg.ScopeClaims),
		maxToken:    cfg.MaxTokenBytes,
		now:         cfg.Now,
	}
	if v.leeway < 0 {
		v.leeway = 0
	}
	if len(v.scopeClaims) == 0 {
		v.scopeClaims = []string{"scope", "scp"}
	}
	if v.maxToken <= 0 {
		v.maxToken = DefaultMaxTokenBytes
	}
	if v.now == nil {
		v.now = time.Now
	}
	v.cache = tcConfigured(cfg.DisableTokenCache, cfg.TokenCacheSize, DefaultTokenCacheSize, cfg.TokenCacheTTL, DefaultJWTTokenCacheTTL)

	ks := &keysStore{
		url:          cfg.JWKSURL,
		client:       cfg.HTTPClient,
		now:          v.now,
		log:          cfg.Logger,
		allowed:      allowed,
		minRefresh:   jwtDuration(cfg.MinRefreshInterval, DefaultMinRefreshInterval),
		maxRefresh:   jwtDuration(cfg.MaxRefreshInterval, DefaultMaxRefreshInterval),
		defRefresh:   jwtDuration(cfg.RefreshInterval, DefaultRefreshInterval),
		cooldown:     jwtDuration(cfg.UnknownKeyCooldown, DefaultUnknownKeyCooldown),
		maxStale:     jwtDuration(cfg.MaxStale, DefaultMaxStale),
		leeway:       v.leeway,
		fetchTimeout: jwtDuration(cfg.FetchTimeout, DefaultJWKSFetchTimeout),
		maxBytes:     cfg.MaxJWKSBytes,
		jitter:       keysJitter,
		onFetch:      cfg.OnKeyFetch,
		closedCh:     make(chan struct{}),
	}
	if ks.maxRefresh < ks.minRefresh {
		return nil, errors.New("remote: JWTConfig.MaxRefreshInterval is below MinRefreshInterval")
	}
	if cfg.MaxStale < 0 || cfg.UnknownKeyCooldown < 0 {
		return nil, errors.New("remote: JWTConfig.MaxStale and UnknownKeyCooldown must not be negative; leave them zero for the defaults")
	}
	if ks.maxBytes <= 0 {
		ks.maxBytes = DefaultMaxJWKSBytes
	}
	if cfg.JWKSURL != "" {
		if ks.client == nil {
			ks.client = httpx.NewClient(httpx.Options{})
		} else {
			ks.client = httpx.NoRedirects(ks.client)
		}
	}
	if v.cache != nil {
		cache := v.cache
		ks.onSwap = func(snap *keysSnapshot) {
			cache.dropSigners(func(k *jwtKey) bool { return snap.keys[k.kid] == k })
		}
	}
	if static {
		keys := map[string]*jwtKey{}
		if len(cfg.StaticJWKS) > 0 {
			parsed, err := keysParseSet(cfg.StaticJWKS, allowed, cfg.Logger)
			if err != nil {
				return nil, fmt.Errorf("remote: JWTConfig.StaticJWKS: %w", err)
			}
			keys = parsed
		}
		for i, sk := range cfg.StaticKeys {
			if sk.KeyID == "" {
				return nil, fmt.Errorf("remote: JWTConfig.StaticKeys[%d].KeyID is required", i)
			}
			if _, dup := keys[sk.KeyID]; dup {
				return nil, fmt.Errorf("remote: JWTConfig.StaticKeys[%d]: kid %q defined twice", i, sk.KeyID)
			}
			k, err := jwtNewKey(sk.KeyID, sk.Algorithm, sk.Key, allowed)
			if err != nil {
				return nil, fmt.Errorf("remote: JWTConfig.StaticKeys[%d]: %w", i, err)
			}
			keys[sk.KeyID] = k
		}
		ks.snap.Store(&keysSnapshot{keys: keys})
	}
	v.keys = ks
	return v, nil
}

func jwtAllowList(names []string) (jose.AlgSet, error) {
	var set jose.AlgSet
	if len(names) == 0 {
		set.Add(jose.RS256)
		return set, nil
	}
	for _, n := range names {
		a := jose.AlgByName(n)
		if a == jose.AlgInvalid {
			if n == "none" || (len(n) > 2 && n[:2] == "HS") {
				return 0, fmt.Errorf("remote: JWTConfig.Algorithms: %q is not an asymmetric algorithm and is never accepted", n)
			}
			return 0, fmt.Errorf("remote: JWTConfig.Algorithms: unsupported algorithm %q", n)
		}
		set.Add(a)
	}
	return set, nil
}

func jwtDuration(d, def time.Duration) time.Duration {
	if d == 0 {
		return def
	}
	return d
}

// Prime fetches the JWKS now (whatever the unknown-kid budget and the
// backoff after a failure; it spends neither) so that a start-up check can
// fail fast. The error wraps ErrKeysUnavailable. With static keys it does
// nothing.
func (v *JWTVerifier) Prime(ctx context.Context) error {
	return v.keys.prime(ctx)
}

// KeyIDs returns the sorted kids of the signing keys the verifier holds now,
// fetching the key set first when it has none yet (as the first token
// would); it never fetches again when a set is held. Errors are those of
// [JWTVerifier.Prime]: they wrap ErrKeysUnavailable, and ErrNoUsableKey when
// the set was fetched but holds no usable key.
func (v *JWTVerifier) KeyIDs(ctx context.Context) ([]string, error) {
	snap := v.keys.snap.Load()
	if snap == nil {
		if err := v.Prime(ctx); err != nil {
			return nil, err
		}
		if snap = v.keys.snap.Load(); snap == nil {
			return nil, ErrKeysUnavailable
		}
	}
	ids := make([]string, 0, len(snap.keys))
	for kid := range snap.keys {
		ids = append(ids, kid)
	}
	slices.Sort(ids)
	return ids, nil
}

// Close stops background refreshes and waits for any fetch in flight. It is
// safe to call more than once; afterwards tokens whose key would need a fetch
// fail with ErrKeysUnavailable.
func (v *JWTVerifier) Close() error {
	v.keys.close()
	return nil
}

// VerifyToken implements [TokenVerifier]. Errors wrap one of
// ErrMalformedToken, ErrTokenExpired, ErrTokenNotYetValid, ErrInvalidIssuer,
// ErrInvalidAudience, ErrInvalidSignature, ErrUnknownKey, ErrMissingClaim
// (all ErrInvalidToken) or ErrKeysUnavailable (ErrUnavailable). Their text
// never contains the token.
func (v *JWTVerifier) VerifyToken(ctx context.Context, token string) (*TokenInfo, error) {
	if len(token) == 0 || len(token) > v.maxToken {
		return nil, jwtErr(ErrMalformedToken, "bad token length")
	}
	var h tcKey
	if v.cache != nil {
		h = tcHash(token)
		now := v.now()
		if info, signer, ok := v.cache.get(h, now); ok {
			// The hit stands only while its key is still the published
			// one; a stale set is refreshed in the background as on the
			// full path.
			if _, k := v.keys.held(ctx, signer.kid, now); k == signer {
				v.hits.Add(1)
				return info, nil
			}
		}
		v.miss.Add(1)
	}
	parsed, err := parseToken(token)
	if err != nil {
		return nil, err
	}
	if !v.allowed.Has(parsed.Alg) {
		return nil, jwtErr(ErrInvalidSignature, "algorithm not allowed")
	}
	key, err := v.keys.lookup(ctx, parsed.KeyID, parsed)
	if err != nil {
		return nil, err
	}
	if key.alg != jose.AlgInvalid && key.alg != parsed.Alg {
		return nil, jwtErr(ErrInvalidSignature, "algorithm differs from the key's")
	}
	if !jose.KeyFits(parsed.Alg, key.pub) {
		return nil, jwtErr(ErrInvalidSignature, "algorithm does not fit the key")
	}
	if err := jose.Verify(parsed.Alg, key.pub, jwtStringBytes(parsed.SigningInput), parsed.Signature); err != nil {
		return nil, jwtErr(ErrInvalidSignature, "signature mismatch")
	}
	claims, err := parsed.claims()
	if err != nil {
		return nil, err
	}
	now := v.now()
	info, err := v.validate(claims, now)
	if err != nil {
		return nil, err
	}
	info.KeyID = key.kid
	if v.cache != nil {
		v.cache.put(h, info, key, now)
	}
	return info, nil
}

// jwtErr wraps a class sentinel with a fixed detail (never token text).
func jwtErr(class error, detail string) error {
	return fmt.Errorf("%w (%s)", class, detail)
}
