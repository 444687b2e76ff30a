package remote

// This file implements an RFC 7662 (OAuth 2.0 Token Introspection) client as
// a TokenVerifier.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/mcpauth/mcpauth/internal/httpx"
)

// IntrospectionAuthMethod is how the verifier authenticates to the
// introspection endpoint (RFC 6749 §2.3.1).
type IntrospectionAuthMethod string

// Client authentication methods for [IntrospectionConfig.AuthMethod].
const (
	IntrospectionAuthBasic IntrospectionAuthMethod = "client_secret_basic"
	IntrospectionAuthPost  IntrospectionAuthMethod = "client_secret_post"
)

// Defaults for [IntrospectionConfig].
const (
	DefaultIntrospectionTimeout      = 10 * time.Second
	DefaultIntrospectionCacheTTL     = 1 * time.Minute
	DefaultMaxIntrospectionBytes     = 64 << 10
	DefaultIntrospectionCacheEntries = 10_000
)

// IntrospectionConfig configures [NewIntrospectionVerifier].
type IntrospectionConfig struct {
	// Endpoint is the introspection URL, e.g.
	// "https://example.authkit.app/oauth2/introspection". It must be https,
	// except on a loopback host. Required.
	Endpoint string
	// ClientID and ClientSecret authenticate this resource server to the
	// endpoint. Required.
	ClientID, ClientSecret string
	// AuthMethod is IntrospectionAuthBasic (default) or
	// IntrospectionAuthPost.
	AuthMethod IntrospectionAuthMethod

	// Issuer is compared exactly with the response's "iss" when the
	// response has one. Required.
	Issuer string
	// Audiences are compared with the response's "aud" when it has one
	// (one trailing slash tolerated). Required unless
	// InsecureSkipAudienceCheck.
	Audiences []string
	// InsecureSkipAudienceCheck ignores "aud". It MUST NOT be set unless
	// something else binds tokens to this server.
	InsecureSkipAudienceCheck bool
	// Leeway is the clock skew tolerated on exp, nbf and iat. Default 30 s;
	// negative means none.
	Leeway time.Duration
	// MaxTokenBytes caps the token length. Default 16 KiB.
	MaxTokenBytes int

	// HTTPClient makes the calls. Default: a retrying client from
	// internal/httpx (transport errors, 429 and 5xx retried twice:
	// introspection is a read-only query, safe to repeat).
	HTTPClient *http.Client
	// Timeout bounds one introspection, retries included. Default 10 s.
	Timeout time.Duration
	// MaxResponseBytes caps the response body. Default 64 KiB.
	MaxResponseBytes int64

	// CacheSize bounds the cache of active results, in entries. Default
	// 10,000.
	CacheSize int
	// CacheTTL is the longest an active result is reused (never past its
	// exp). It is also the longest a revoked token keeps being accepted.
	// Default 1 min.
	CacheTTL time.Duration
	// DisableCache asks the endpoint about every request.
	DisableCache bool

	// Now is the clock. Default time.Now.
	Now func() time.Time
	// Logger receives endpoint failures, once per failure streak. Nil means
	// silent. Tokens and secrets are never logged.
	Logger *slog.Logger
}

// IntrospectionVerifier verifies opaque (or any) tokens by asking the
// authorization server (RFC 7662). Safe for concurrent use; concurrent
// requests with the same token share one call.
type IntrospectionVerifier struct {
	endpoint     string
	clientID     string
	clientSecret string
	authMethod   IntrospectionAuthMethod
	issuer       string
	audiences    []string
	skipAud      bool
	leeway       time.Duration
	maxToken     int
	client       *http.Client
	timeout      time.Duration
	maxBytes     int64
	cache        *tcCache
	now          func() time.Time
	log          *slog.Logger
	sf           singleflight.Group

	mu      sync.Mutex
	failing bool
}

var _ TokenVerifier = (*IntrospectionVerifier)(nil)

// NewIntrospectionVerifier validates cfg and returns a verifier.
func NewIntrospectionVerifier(cfg IntrospectionConfig) (*IntrospectionVerifier, error) {
	if cfg.Endpoint == "" {
		return nil, errors.New("remote: IntrospectionConfig.Endpoint is required (the AS's introspection_endpoint)")
	}
	if err := jwtCheckURL("IntrospectionConfig.Endpoint", cfg.Endpoint); err != nil {
		return nil, err
	}
	if cfg.ClientID == "" || cfg.ClientSecret == "" {
		return nil, errors.New("remote: IntrospectionConfig.ClientID and ClientSecret are required")
	}
	switch cfg.AuthMethod {
	case "":
		cfg.AuthMethod = IntrospectionAuthBasic
	case IntrospectionAuthBasic, IntrospectionAuthPost:
	default:
		return nil, fmt.Errorf("remote: IntrospectionConfig.AuthMethod %q is not supported (use client_secret_basic or client_secret_post)", cfg.AuthMethod)
	}
	if cfg.Issuer == "" {
		return nil, errors.New("remote: IntrospectionConfig.Issuer is required")
	}
	if len(cfg.Audiences) == 0 && !cfg.InsecureSkipAudienceCheck {
		return nil, errors.New("remote: IntrospectionConfig.Audiences is required (the canonical URL of your MCP endpoint)")
	}
	if slices.Contains(cfg.Audiences, "") {
		return nil, errors.New("remote: IntrospectionConfig.Audiences contains an empty string")
	}
	v := &IntrospectionVerifier{
		endpoint:     cfg.Endpoint,
		clientID:     cfg.ClientID,
		clientSecret: cfg.ClientSecret,
		authMethod:   cfg.AuthMethod,
		issuer:       cfg.Issuer,
		audiences:    slices.Clone(cfg.Audiences),
		skipAud:      cfg.InsecureSkipAudienceCheck,
		leeway:       max(jwtDuration(cfg.Leeway, DefaultJWTLeeway), 0),
		maxToken:     cfg.MaxTokenBytes,
		client:       cfg.HTTPClient,
		timeout:      jwtDuration(cfg.Timeout, DefaultIntrospectionTimeout),
		maxBytes:     cfg.MaxResponseBytes,
		now:          cfg.Now,
		log:          cfg.Logger,
	}
	if v.maxToken <= 0 {
		v.maxToken = DefaultMaxTokenBytes
	}
	if v.maxBytes <= 0 {
		v.maxBytes = DefaultMaxIntrospectionBytes
	}
	if v.client == nil {
		v.client = httpx.NewClient(httpx.Options{Deadline: v.timeout})
	}
	if v.now == nil {
		v.now = time.Now
	}
	v.cache = tcConfigured(cfg.DisableCache, cfg.CacheSize, DefaultIntrospectionCacheEntries, cfg.CacheTTL, DefaultIntrospectionCacheTTL)
	return v, nil
}

// Close releases nothing and returns nil; it exists so that both verifiers
// can be handled alike.
func (v *IntrospectionVerifier) Close() error { return nil }

// VerifyToken implements [TokenVerifier]. An unreachable or failing endpoint
// yields an error wrapping ErrUnavailable (503), never ErrInvalidToken.
// Inactive tokens wrap ErrInactiveToken; the other classes are those of the
// JWT verifier.
func (v *IntrospectionVerifier) VerifyToken(ctx context.Context, token string) (*TokenInfo, error) {
	if len(token) == 0 || len(token) > v.maxToken {
		return nil, jwtErr(ErrMalformedToken, "bad token length")
	}
	h := tcHash(token)
	if v.cache != nil {
		if info, _, ok := v.cache.get(h, v.now()); ok {
			return info, nil
		}
	}
	// Concurrent requests with the same token share one call; the call
	// outlives a caller that gives up. The result is cached inside the
	// flight, and the flight looks at the cache first, so a caller that
	// missed the cache just before the previous flight ended finds its
	// result instead of starting a second call.
	res, err, _ := v.sf.Do(string(h[:]), func() (any, error) {
		if v.cache != nil {
			if info, _, ok := v.cache.get(h, v.now()); ok {
				return info, nil
			}
		}
		cctx, cancel := httpx.DetachedContext(ctx, v.timeout)
		defer cancel()
		claims, err := v.introspect(cctx, token)
		if err != nil {
			return nil, err
		}
		now := v.now()
		info, err := v.validate(claims, now)
		if err != nil {
			return nil, err
		}
		if v.cache != nil {
			v.cache.put(h, info, nil, now)
		}
		return info, nil
	})
	if err != nil {
		return nil, err
	}
	return res.(*TokenInfo), nil
}

// introspect performs the call and returns the response members.
func (v *IntrospectionVerifier) introspect(ctx context.Context, token string) (map[string]any, error) {
	form := url.Values{"token": {token}, "token_type_hint": {"access_token"}}
	if v.authMethod == IntrospectionAuthPost {
		form.Set("client_id", v.clientID)
		form.Set("client_secret", v.clientSecret)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, v.endpoint, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, v.unavailable("request", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	if v.authMethod == IntrospectionAuthBasic {
		req.SetBasicAuth(url.QueryEscape(v.clientID), url.QueryEscape(v.clientSecret))
	}
	resp, err := v.client.Do(req)
	if err != nil {
		return nil, v.unavailable("unreachable", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4096))
		return nil, v.unavailable("status", fmt.Errorf("HTTP %d", resp.StatusCode))
	}
	if mt, _, err := mime.ParseMediaType(resp.Header.Get("Content-Type")); err != nil ||
		(mt != "application/json" && !(strings.HasPrefix(mt, "application/") && strings.HasSuffix(mt, "+json"))) {
		return nil, v.unavailable("content type", errors.New("response is not JSON"))
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, v.maxBytes+1))
	if err != nil {
		return nil, v.unavailable("read", err)
	}
	if int64(len(body)) > v.maxBytes {
		return nil, v.unavailable("size", fmt.Errorf("response larger than %d bytes", v.maxBytes))
	}
	claims, err := introspectParse(body)
	if err != nil {
		return nil, v.unavailable("parse", err)
	}
	v.mu.Lock()
	if v.failing {
		v.failing = false
		if v.log != nil {
			v.log.Info("remote: introspection endpoint recovered")
		}
	}
	v.mu.Unlock()
	return claims, nil
}

// introspectParse decodes an introspection response (a JSON object without
// duplicate members).
func introspectParse(body []byte) (map[string]any, error) {
	m, err := jwtDecodeJSONObject(body)
	if err != nil {
		return nil, fmt.Errorf("remote: introspection response: %w", err)
	}
	return m, nil
}

// unavailable logs the first failure of a streak and returns the 503-class
// error. The token is never part of err (it only travels in the body).
func (v *IntrospectionVerifier) unavailable(stage string, err error) error {
	v.mu.Lock()
	first := !v.failing
	v.failing = true
	v.mu.Unlock()
	if first && v.log != nil {
		v.log.Warn("remote: introspection failed", "stage", stage, "error", err.Error())
	}
	return fmt.Errorf("%w (introspection %s failed)", ErrUnavailable, stage)
}

// validate applies RFC 7662 and the configured checks.
func (v *IntrospectionVerifier) validate(claims map[string]any, now time.Time) (*TokenInfo, error) {
	if active, ok := claims["active"].(bool); !ok || !active {
		return nil, jwtErr(ErrInactiveToken, "active is not true")
	}
	info := &TokenInfo{Claims: claims, Issuer: v.issuer}
	if iss, ok := claims["iss"]; ok {
		if s, ok := iss.(string); !ok || s != v.issuer {
			return nil, jwtErr(ErrInvalidIssuer, "iss mismatch")
		}
	}
	if err := checkTimeClaims(claims, now, v.leeway, false, info); err != nil {
		return nil, err
	}
	if a, present := claims["aud"]; present {
		auds, ok := jwtStrings(a, false)
		if !ok {
			return nil, jwtErr(ErrMalformedToken, "aud has the wrong type")
		}
		info.Audiences = auds
		if !v.skipAud && !audiencesMatch(auds, v.audiences) {
			return nil, jwtErr(ErrInvalidAudience, "aud mismatch")
		}
	}
	var err error
	if info.Subject, err = jwtOptString(claims, "sub"); err != nil {
		return nil, err
	}
	if info.Subject == "" {
		return nil, jwtErr(ErrMissingClaim, "sub")
	}
	if info.ClientID, err = jwtOptString(claims, "client_id"); err != nil {
		return nil, err
	}
	if info.TokenID, err = jwtOptString(claims, "jti"); err != nil {
		return nil, err
	}
	if info.Scopes, err = jwtScopes(claims, []string{"scope"}); err != nil {
		return nil, err
	}
	return info, nil
}
