package remote

// This file implements an RFC 7662 (OAuth 2.0 Token Introspection) client as
// a TokenVerifier.

import (
	"cmp"
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
	"github.com/mcpauth/mcpauth/internal/strictjson"
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
	DefaultIntrospectionTimeout       = 10 * time.Second
	DefaultIntrospectionCacheTTL      = 1 * time.Minute
	DefaultIntrospectionRejectedTTL   = 10 * time.Second
	DefaultMaxIntrospectionBytes      = 64 << 10
	DefaultIntrospectionCacheEntries  = 10_000
	DefaultMaxConcurrentIntrospection = 32
)

// ErrIntrospectionBusy: MaxConcurrent introspection calls are in flight, so
// the request is answered 503 at once instead of queueing behind them.
var ErrIntrospectionBusy = fmt.Errorf("%w: too many introspection calls in flight", ErrUnavailable)

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
	// Audiences are the audiences an active token must be issued for: the
	// response's "aud" must contain one of them (one trailing slash
	// tolerated), and a response without "aud" is refused (the MCP
	// specification requires the resource server to validate the
	// audience), unless ServerBindsAudience. The provider applies the same
	// rule to what the verifier reports. Required unless
	// InsecureSkipAudienceCheck.
	Audiences []string
	// ServerBindsAudience accepts an active response without "aud": set it
	// only when the authorization server answers "active" solely for
	// tokens issued for this resource server (the client introspecting).
	// The verifier then reports Audiences as the token's audiences, so the
	// provider's audience check passes. A response that carries "aud" is
	// still checked. Default false.
	ServerBindsAudience bool
	// InsecureSkipAudienceCheck ignores "aud". It MUST NOT be set unless
	// something else binds tokens to this server.
	InsecureSkipAudienceCheck bool
	// Leeway is the clock skew tolerated on exp, nbf and iat. Default 30 s;
	// negative means none.
	Leeway time.Duration
	// MaxTokenBytes caps the token length. Default 16 KiB.
	MaxTokenBytes int

	// HTTPClient makes the calls. Default: a client that retries a
	// connection failure once, after 50 ms, and never retries a status:
	// an endpoint answering 5xx costs one call per request, not three, and
	// holds no request for long. Whatever the client, redirects are never
	// followed: the verifier uses a copy whose CheckRedirect refuses them
	// (the inner client of a go-retryablehttp RoundTripper too), so the
	// token and the client secret only ever go to Endpoint; a 3xx answer
	// is a failed call (503).
	HTTPClient *http.Client
	// Timeout bounds one introspection, retries included. Default 10 s.
	Timeout time.Duration
	// MaxConcurrent bounds the introspection calls in flight (requests
	// with the same token share one call). A request that would exceed it
	// is answered 503 at once: a flood of bogus tokens cannot pile up
	// upstream requests. Default 32.
	MaxConcurrent int
	// MaxResponseBytes caps the response body. Default 64 KiB.
	MaxResponseBytes int64

	// CacheSize bounds the cache of active results, in entries. Default
	// 10,000.
	CacheSize int
	// CacheTTL is the longest an active result is reused (never past its
	// exp). It is also the longest a revoked token keeps being accepted.
	// Default 1 min.
	CacheTTL time.Duration
	// RejectedCacheTTL is how long an inactive or refused answer is reused
	// (keyed by a hash of the token, never the token): a client retrying a
	// dead token, or a flood repeating one, costs one call per TTL. The
	// cache holds at most CacheSize refusals. Default 10 s.
	RejectedCacheTTL time.Duration
	// DisableCache asks the endpoint about every request (both caches).
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
	serverAud    bool
	cache        *tcCache // active results; nil when disabled
	rejected     *tcCache // refusals; nil when disabled
	slots        chan struct{}
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
	if _, err := httpx.CheckURL(cfg.Endpoint, httpx.EndpointURL); err != nil {
		return nil, fmt.Errorf("remote: IntrospectionConfig.Endpoint %q %w", httpx.RedactUserinfo(cfg.Endpoint), err)
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
	if cfg.MaxConcurrent < 0 || cfg.RejectedCacheTTL < 0 {
		return nil, errors.New("remote: IntrospectionConfig.MaxConcurrent and RejectedCacheTTL must not be negative; leave them zero for the defaults")
	}
	v := &IntrospectionVerifier{
		endpoint:     cfg.Endpoint,
		clientID:     cfg.ClientID,
		clientSecret: cfg.ClientSecret,
		authMethod:   cfg.AuthMethod,
		issuer:       cfg.Issuer,
		audiences:    slices.Clone(cfg.Audiences),
		skipAud:      cfg.InsecureSkipAudienceCheck,
		serverAud:    cfg.ServerBindsAudience,
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
		v.client = httpx.NewClient(httpx.Options{
			Deadline: v.timeout, RetryMax: 1, WaitMin: 50 * time.Millisecond, WaitMax: 50 * time.Millisecond,
			RetryTransportErrorsOnly: true,
		})
	} else {
		v.client = httpx.NoRedirects(v.client)
	}
	if v.now == nil {
		v.now = time.Now
	}
	v.slots = make(chan struct{}, cmp.Or(cfg.MaxConcurrent, DefaultMaxConcurrentIntrospection))
	v.cache = tcConfigured(cfg.DisableCache, cfg.CacheSize, DefaultIntrospectionCacheEntries, cfg.CacheTTL, DefaultIntrospectionCacheTTL)
	v.rejected = tcConfigured(cfg.DisableCache, cfg.CacheSize, DefaultIntrospectionCacheEntries, cfg.RejectedCacheTTL, DefaultIntrospectionRejectedTTL)
	return v, nil
}

// Close releases nothing and returns nil; it exists so that both verifiers
// can be handled alike.
func (v *IntrospectionVerifier) Close() error { return nil }

// VerifyToken implements [TokenVerifier]. An unreachable or failing endpoint,
// or MaxConcurrent calls in flight (ErrIntrospectionBusy), yields an error
// wrapping ErrUnavailable (503), never ErrInvalidToken. Inactive tokens wrap
// ErrInactiveToken, tokens the response names as another kind than an
// access token ErrNotAccessToken, tokens bound to a key ErrBoundToken; the
// other classes are those of the JWT verifier.
//
// A response without "sub" is accepted (RFC 7662 makes it optional): the
// TokenInfo's Subject is then empty. Such a caller has no user identity; see
// TokenInfo.Subject for what that means for sessions.
func (v *IntrospectionVerifier) VerifyToken(ctx context.Context, token string) (*TokenInfo, error) {
	if len(token) == 0 || len(token) > v.maxToken {
		return nil, jwtErr(ErrMalformedToken, "bad token length")
	}
	h := tcHash(token)
	if info, ok, err := v.cached(h); ok {
		return info, err
	}
	// Concurrent requests with the same token share one call; the call
	// outlives a caller that gives up. The result is cached inside the
	// flight, and the flight looks at the cache first, so a caller that
	// missed the cache just before the previous flight ended finds its
	// result instead of starting a second call.
	res, err, _ := v.sf.Do(string(h[:]), func() (any, error) {
		if info, ok, err := v.cached(h); ok {
			return info, err
		}
		select {
		case v.slots <- struct{}{}:
			defer func() { <-v.slots }()
		default:
			return nil, ErrIntrospectionBusy
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
			if v.rejected != nil {
				v.rejected.putRejected(h, err, now)
			}
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

// cached answers from the caches: an active result, or a recent refusal.
func (v *IntrospectionVerifier) cached(h tcKey) (*TokenInfo, bool, error) {
	if v.cache == nil {
		return nil, false, nil
	}
	now := v.now()
	if info, _, ok := v.cache.get(h, now); ok {
		return info, true, nil
	}
	if err := v.rejected.getRejected(h, now); err != nil {
		return nil, true, err
	}
	return nil, false, nil
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
	if err := httpx.CheckRedirectStatus(resp); err != nil {
		return nil, v.unavailable("redirect", err)
	}
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

// introspectCheckKind refuses a response that names the token as anything
// but an access token, or as bound to a key: a refresh token introspects as
// active too, and must not open the resource. It reads token_type
// (RFC 7662: "Bearer", or a token-type URI), token_use (AWS Cognito, Ory:
// "access", "access_token") and typ (Keycloak: "Bearer", "Refresh", "ID"),
// when present, case-insensitively. A DPoP token_type or a "cnf" member
// means the token was issued for proof of possession, which this verifier
// does not check: ErrBoundToken.
func introspectCheckKind(claims map[string]any) error {
	if _, bound := claims["cnf"]; bound {
		return jwtErr(ErrBoundToken, "cnf")
	}
	for _, name := range [...]string{"token_type", "token_use", "typ"} {
		raw, present := claims[name]
		if !present {
			continue
		}
		kind, ok := raw.(string)
		if !ok {
			return jwtErr(ErrMalformedToken, name+" is not a string")
		}
		switch strings.ToLower(kind) {
		case "bearer", "access", "access_token", "at+jwt", "application/at+jwt",
			"urn:ietf:params:oauth:token-type:access_token":
		case "dpop", "pop", "mtls":
			return jwtErr(ErrBoundToken, name)
		default:
			return jwtErr(ErrNotAccessToken, name)
		}
	}
	return nil
}

// introspectParse decodes an introspection response (a JSON object without
// duplicate members).
func introspectParse(body []byte) (map[string]any, error) {
	m, err := strictjson.DecodeObject(body)
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
	if err := introspectCheckKind(claims); err != nil {
		return nil, err
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
	} else if v.serverAud {
		info.Audiences = v.audiences // the server vouches for them
	}
	if !v.skipAud && !audiencesMatch(info.Audiences, v.audiences) {
		return nil, jwtErr(ErrInvalidAudience, "aud missing or mismatch")
	}
	var err error
	if info.Subject, err = jwtOptString(claims, "sub"); err != nil {
		return nil, err
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
