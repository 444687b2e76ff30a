// Package httpx builds the retrying HTTP clients every outbound call of this
// module goes through (JWKS, authorization-server metadata, introspection,
// the WorkOS API).
//
// It wraps hashicorp/go-retryablehttp with the settings its defaults lack: a
// small retry budget, short backoff, Retry-After honoured but clamped, a
// per-attempt timeout and an overall deadline, the final response kept (not
// replaced by "giving up after N attempts") so callers can see its status,
// and no redirect ever followed ([NoRedirects]), on the first attempt or any
// retry.
package httpx

import (
	"context"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/hashicorp/go-retryablehttp"
)

// Defaults for [Options].
const (
	DefaultRetryMax       = 2
	DefaultWaitMin        = 100 * time.Millisecond
	DefaultWaitMax        = 1 * time.Second
	DefaultMaxRetryAfter  = 2 * time.Second
	DefaultAttemptTimeout = 5 * time.Second
	DefaultDeadline       = 10 * time.Second
)

// Options configures [NewClient]. The zero value gives the defaults above.
type Options struct {
	// RetryMax is the number of retries after the first attempt. Zero means
	// DefaultRetryMax; a negative value disables retries.
	RetryMax int
	// WaitMin and WaitMax bound the exponential backoff between attempts.
	WaitMin, WaitMax time.Duration
	// MaxRetryAfter clamps a server's Retry-After (429/503). A server asking
	// for an hour never holds a caller longer than this.
	MaxRetryAfter time.Duration
	// AttemptTimeout bounds each attempt (dial to last header byte).
	AttemptTimeout time.Duration
	// Deadline bounds the whole call, retries and backoff included.
	Deadline time.Duration
	// Transport is the inner round tripper; nil means a clone of
	// http.DefaultTransport.
	Transport http.RoundTripper
	// RetryTransportErrorsOnly retries only when no response came back
	// (connection refused or reset, timeouts), never on a status: for
	// calls made on a request's behalf, where an upstream answering 5xx
	// should cost one attempt, not three.
	RetryTransportErrorsOnly bool
}

func (o Options) withDefaults() Options {
	switch {
	case o.RetryMax == 0:
		o.RetryMax = DefaultRetryMax
	case o.RetryMax < 0:
		o.RetryMax = 0
	}
	if o.WaitMin <= 0 {
		o.WaitMin = DefaultWaitMin
	}
	if o.WaitMax <= 0 {
		o.WaitMax = DefaultWaitMax
	}
	if o.WaitMax < o.WaitMin {
		o.WaitMax = o.WaitMin
	}
	if o.MaxRetryAfter <= 0 {
		o.MaxRetryAfter = DefaultMaxRetryAfter
	}
	if o.AttemptTimeout <= 0 {
		o.AttemptTimeout = DefaultAttemptTimeout
	}
	if o.Deadline <= 0 {
		o.Deadline = DefaultDeadline
	}
	if o.Transport == nil {
		o.Transport = http.DefaultTransport.(*http.Transport).Clone()
	}
	return o
}

// NewClient returns an *http.Client whose requests are retried on transport
// errors, 429 and 5xx (except 501), at most RetryMax times, within Deadline.
// After the last attempt the final response is returned as is (a 503 stays a
// 503 for the caller to classify). Redirects are never followed, on any
// attempt: a 3xx is returned as is (see [NoRedirects]). Only use it for
// requests that are safe to repeat.
func NewClient(o Options) *http.Client {
	o = o.withDefaults()
	check := retryablehttp.DefaultRetryPolicy
	if o.RetryTransportErrorsOnly {
		check = retryTransportErrors
	}
	rc := &retryablehttp.Client{
		// Each attempt runs through this inner client: it is the one
		// that must not follow redirects.
		HTTPClient:   &http.Client{Transport: o.Transport, Timeout: o.AttemptTimeout, CheckRedirect: refuseRedirect},
		Logger:       nil, // silent: callers log by failure class, never URLs with secrets
		RetryWaitMin: o.WaitMin,
		RetryWaitMax: o.WaitMax,
		RetryMax:     o.RetryMax,
		CheckRetry:   check,
		Backoff:      ClampedBackoff(o.MaxRetryAfter),
		ErrorHandler: retryablehttp.PassthroughErrorHandler,
	}
	return &http.Client{
		Transport:     &redirectGuard{base: &retryablehttp.RoundTripper{Client: rc}},
		Timeout:       o.Deadline,
		CheckRedirect: refuseRedirect,
	}
}

// retryTransportErrors is the retry policy of RetryTransportErrorsOnly.
func retryTransportErrors(ctx context.Context, resp *http.Response, err error) (bool, error) {
	if ctx.Err() != nil {
		return false, ctx.Err()
	}
	if resp != nil {
		return false, nil
	}
	return retryablehttp.DefaultRetryPolicy(ctx, resp, err)
}

// ClampedBackoff is exponential backoff between min and max that honours a
// Retry-After header on 429/503 but never waits longer than maxRetryAfter.
func ClampedBackoff(maxRetryAfter time.Duration) retryablehttp.Backoff {
	return func(waitMin, waitMax time.Duration, attempt int, resp *http.Response) time.Duration {
		if resp != nil && (resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable) {
			if d, ok := RetryAfter(resp.Header.Get("Retry-After"), time.Now()); ok {
				return min(max(d, waitMin), maxRetryAfter)
			}
		}
		mult := math.Pow(2, float64(attempt)) * float64(waitMin)
		d := time.Duration(mult)
		if float64(d) != mult || d > waitMax {
			d = waitMax
		}
		return d
	}
}

// RetryAfter parses a Retry-After value (delta-seconds or HTTP-date) relative
// to now.
func RetryAfter(v string, now time.Time) (time.Duration, bool) {
	if v == "" {
		return 0, false
	}
	if s, err := strconv.ParseInt(v, 10, 64); err == nil {
		if s < 0 {
			return 0, false
		}
		if s > math.MaxInt64/int64(time.Second) {
			return math.MaxInt64, true
		}
		return time.Duration(s) * time.Second, true
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	if d := t.Sub(now); d > 0 {
		return d, true
	}
	return 0, true
}

// DetachedContext returns a context for a shared fetch that must outlive the
// request that started it: the values of ctx without its cancellation, bounded
// by timeout.
func DetachedContext(ctx context.Context, timeout time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), timeout)
}
