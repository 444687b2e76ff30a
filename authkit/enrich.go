package authkit

import (
	"container/list"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/workos/workos-go/v4/pkg/usermanagement"
	"github.com/workos/workos-go/v4/pkg/workos_errors"
	"golang.org/x/sync/singleflight"

	"github.com/mcpauth/mcpauth/internal/httpx"
	"github.com/mcpauth/mcpauth/remote"
	"github.com/mcpauth/mcpauth/remote/rules"
)

// Defaults for [ProfileOptions].
const (
	DefaultProfileTTL        = 5 * time.Minute
	DefaultProfileFailureTTL = 30 * time.Second
	DefaultProfileCacheSize  = 10_000
	DefaultProfileTimeout    = 5 * time.Second
)

// Errors of [Provider.Profile].
var (
	// ErrNoProfile: the subject is not a WorkOS user (a machine-to-machine
	// token, whose subject is a client id) or WorkOS does not know it.
	ErrNoProfile = errors.New("authkit: no WorkOS user profile for this subject")
	// ErrProfileUnavailable: WorkOS could not be reached or answered with an
	// error; the token's claims still stand.
	ErrProfileUnavailable = errors.New("authkit: WorkOS user profile unavailable")
)

// Profile is what WorkOS knows about the user behind a token, fetched with
// the WorkOS API key (never with the user's token).
type Profile struct {
	// User is the WorkOS user: email, first and last name, ...
	User usermanagement.User
	// Memberships are the user's organization memberships, each with its
	// role slug and status.
	Memberships []usermanagement.OrganizationMembership
}

// Membership returns the user's membership in organization orgID.
func (p *Profile) Membership(orgID string) (usermanagement.OrganizationMembership, bool) {
	if p == nil {
		return usermanagement.OrganizationMembership{}, false
	}
	for _, m := range p.Memberships {
		if m.OrganizationID == orgID {
			return m, true
		}
	}
	return usermanagement.OrganizationMembership{}, false
}

// ProfileOptions tunes the WorkOS profile cache of a [Provider]
// (Config.Profiles): the profiles behind [Provider.Profile] and
// rules.ActiveMembership. The zero value gives the defaults.
type ProfileOptions struct {
	// TTL is how long a fetched profile is reused. Default
	// DefaultProfileTTL (5 minutes). WorkOS limits user-management reads
	// (1,000 per 10 seconds per key): keep it in minutes.
	TTL time.Duration
	// FailureTTL is how long a failed lookup is remembered, so an outage of
	// WorkOS costs one timeout per user per FailureTTL instead of one per
	// request. Default DefaultProfileFailureTTL (30 seconds).
	FailureTTL time.Duration
	// MaxEntries bounds the cache (least recently used entries go first).
	// Default DefaultProfileCacheSize (10,000).
	MaxEntries int
	// Timeout bounds one lookup (both WorkOS calls). Default
	// DefaultProfileTimeout (5 seconds).
	Timeout time.Duration
	// MaxMemberships bounds how many organization memberships are read
	// (pages of 100). Default 100.
	MaxMemberships int
}

// enricherConfig configures newEnricher: the client (Config.WorkOS), the
// options, the clock and the logger of the provider.
type enricherConfig struct {
	// Client is the workos-go user-management client. The enricher uses a
	// copy whose HTTPClient never follows a redirect (see
	// remote.JWTConfig.HTTPClient for how); the client passed in is not
	// modified.
	Client *usermanagement.Client
	ProfileOptions
	Now    func() time.Time
	Logger *slog.Logger
}

// enricher fetches WorkOS profiles for token subjects, with a bounded cache
// and one in-flight WorkOS lookup per user. It is safe for concurrent use.
// It needs no Close: it runs no background work, and a lookup whose callers
// all stopped waiting ends within Timeout, its result cached for the next
// caller.
type enricher struct {
	client  *usermanagement.Client
	ttl     time.Duration
	failTTL time.Duration
	max     int
	timeout time.Duration
	maxMem  int
	now     func() time.Time
	log     *slog.Logger

	group singleflight.Group

	mu      sync.Mutex
	entries map[string]*list.Element
	lru     *list.List // front = most recently used
}

type profileEntry struct {
	userID  string
	profile *Profile
	err     error
	expires time.Time
}

// newEnricher validates cfg and returns an enricher.
func newEnricher(cfg enricherConfig) (*enricher, error) {
	if cfg.Client == nil {
		return nil, errors.New("authkit: Config.WorkOS is nil: set it to NewWorkOSClient(apiKey)")
	}
	if cfg.Client.APIKey == "" {
		return nil, errors.New("authkit: the workos-go client has no APIKey: build it with usermanagement.NewClient(os.Getenv(\"WORKOS_API_KEY\"))")
	}
	if cfg.Client.HTTPClient == nil || cfg.Client.Endpoint == "" {
		return nil, errors.New("authkit: the workos-go client has no HTTPClient or Endpoint: build it with usermanagement.NewClient(apiKey), not &usermanagement.Client{}")
	}
	if cfg.TTL < 0 || cfg.FailureTTL < 0 || cfg.MaxEntries < 0 || cfg.Timeout < 0 || cfg.MaxMemberships < 0 {
		return nil, errors.New("authkit: Config.Profiles durations and sizes must not be negative")
	}
	// A copy whose HTTP client never follows a redirect: the API key goes
	// to the configured Endpoint only (a 3xx is a failed lookup).
	client := *cfg.Client
	client.HTTPClient = httpx.NoRedirects(client.HTTPClient)
	e := &enricher{
		client:  &client,
		ttl:     orDefault(cfg.TTL, DefaultProfileTTL),
		failTTL: orDefault(cfg.FailureTTL, DefaultProfileFailureTTL),
		max:     orDefault(cfg.MaxEntries, DefaultProfileCacheSize),
		timeout: orDefault(cfg.Timeout, DefaultProfileTimeout),
		maxMem:  orDefault(cfg.MaxMemberships, 100),
		now:     cfg.Now,
		log:     cfg.Logger,
		entries: make(map[string]*list.Element),
		lru:     list.New(),
	}
	if e.now == nil {
		e.now = time.Now
	}
	return e, nil
}

func orDefault[T int | time.Duration](v, def T) T {
	if v == 0 {
		return def
	}
	return v
}

// NewWorkOSClient builds the workos-go user-management client for
// [Config.WorkOS] from an API key, its calls going through the module's
// retrying HTTP client (bounded retries and timeouts; the enrichment only
// reads, so retrying is safe). Set Endpoint on the result to point it at a
// fake WorkOS API in tests.
func NewWorkOSClient(apiKey string) *usermanagement.Client {
	c := usermanagement.NewClient(apiKey)
	c.HTTPClient = httpx.NewClient(httpx.Options{})
	return c
}

// Profile returns the WorkOS profile of userID (a token's "sub"). It answers
// from the cache when it can; otherwise one lookup per user is in flight at a
// time and concurrent callers share it. Errors wrap [ErrNoProfile] or
// [ErrProfileUnavailable]; the caller's ctx only bounds its own wait.
func (e *enricher) Profile(ctx context.Context, userID string) (*Profile, error) {
	if !isUserID(userID) {
		return nil, ErrNoProfile
	}
	if p, err, ok := e.cached(userID); ok {
		return p, err
	}
	ch := e.group.DoChan(userID, func() (any, error) {
		if p, err, ok := e.cached(userID); ok {
			return p, err
		}
		fctx, cancel := httpx.DetachedContext(ctx, e.timeout)
		defer cancel()
		p, err := e.fetch(fctx, userID)
		e.store(userID, p, err)
		return p, err
	})
	select {
	case res := <-ch:
		p, _ := res.Val.(*Profile)
		return p, res.Err
	case <-ctx.Done():
		return nil, fmt.Errorf("%w: %w", ErrProfileUnavailable, ctx.Err())
	}
}

func (e *enricher) fetch(ctx context.Context, userID string) (*Profile, error) {
	user, err := e.client.GetUser(ctx, usermanagement.GetUserOpts{User: userID})
	if err != nil {
		return nil, e.classify(userID, "get user", err)
	}
	p := &Profile{User: user}
	opts := usermanagement.ListOrganizationMembershipsOpts{UserID: userID, Limit: 100}
	for len(p.Memberships) < e.maxMem {
		page, err := e.client.ListOrganizationMemberships(ctx, opts)
		if err != nil {
			return nil, e.classify(userID, "list memberships", err)
		}
		p.Memberships = append(p.Memberships, page.Data...)
		if page.ListMetadata.After == "" || len(page.Data) == 0 {
			break
		}
		opts.After = page.ListMetadata.After
	}
	if len(p.Memberships) > e.maxMem {
		p.Memberships = p.Memberships[:e.maxMem]
	}
	return p, nil
}

// classify maps a workos-go error to ErrNoProfile (404) or
// ErrProfileUnavailable, logging the class without WorkOS's message text.
func (e *enricher) classify(userID, op string, err error) error {
	var he workos_errors.HTTPError
	status := 0
	if errors.As(err, &he) {
		status = he.Code
	}
	if status == http.StatusNotFound {
		return ErrNoProfile
	}
	if e.log != nil {
		e.log.Warn("authkit: WorkOS profile lookup failed", "sub", userID, "op", op, "status", status)
	}
	if status != 0 {
		return fmt.Errorf("%w: WorkOS answered %d", ErrProfileUnavailable, status)
	}
	return fmt.Errorf("%w: %w", ErrProfileUnavailable, err)
}

func (e *enricher) cached(userID string) (*Profile, error, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	el, ok := e.entries[userID]
	if !ok {
		return nil, nil, false
	}
	ent := el.Value.(*profileEntry)
	if !e.now().Before(ent.expires) {
		e.lru.Remove(el)
		delete(e.entries, userID)
		return nil, nil, false
	}
	e.lru.MoveToFront(el)
	return ent.profile, ent.err, true
}

func (e *enricher) store(userID string, p *Profile, err error) {
	ttl := e.ttl
	if err != nil && !errors.Is(err, ErrNoProfile) {
		ttl = e.failTTL
	}
	ent := &profileEntry{userID: userID, profile: p, err: err, expires: e.now().Add(ttl)}
	e.mu.Lock()
	defer e.mu.Unlock()
	if el, ok := e.entries[userID]; ok {
		el.Value = ent
		e.lru.MoveToFront(el)
		return
	}
	e.entries[userID] = e.lru.PushFront(ent)
	for e.lru.Len() > e.max {
		last := e.lru.Back()
		e.lru.Remove(last)
		delete(e.entries, last.Value.(*profileEntry).userID)
	}
}

// ActiveMember reports whether the WorkOS user behind p (its token's
// subject) has an active membership in organization: it makes the
// enricher the rules.Directory behind rules.ActiveMembership (a Provider
// with Config.WorkOS uses it). The profile comes from the cache or WorkOS,
// as for Profile, so a membership changed in WorkOS counts after at most
// TTL, or at once after Forget. Inactive and
// pending memberships are not active; a subject that is no WorkOS user (a
// machine-to-machine token) or that WorkOS does not know has none. When
// WorkOS cannot be asked the error wraps [ErrProfileUnavailable] and asks
// to retry after FailureTTL, the time the failure is remembered: the rule
// answers 503 with that Retry-After, never 401 or 403.
func (e *enricher) ActiveMember(ctx context.Context, p *rules.Principal, organization string) (bool, error) {
	prof, err := e.Profile(ctx, p.Identity().Subject())
	switch {
	case errors.Is(err, ErrNoProfile):
		return false, nil
	case err != nil:
		return false, &remote.UnavailableError{RetryAfter: e.failTTL, Err: err}
	}
	m, ok := prof.Membership(organization)
	return ok && m.Status == usermanagement.Active, nil
}

// Forget drops userID from the cache, e.g. after a webhook says the user or
// a membership changed.
func (e *enricher) Forget(userID string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if el, ok := e.entries[userID]; ok {
		e.lru.Remove(el)
		delete(e.entries, userID)
	}
}

// isUserID reports whether s looks like a WorkOS user id ("user_" followed
// by letters and digits). Anything else (client ids of machine-to-machine
// tokens, or a subject that would change the WorkOS API path) is never sent
// to WorkOS.
func isUserID(s string) bool {
	const prefix = "user_"
	if len(s) <= len(prefix) || len(s) > 64 || s[:len(prefix)] != prefix {
		return false
	}
	for _, c := range s[len(prefix):] {
		switch {
		case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z', c >= '0' && c <= '9':
		default:
			return false
		}
	}
	return true
}
