// Package loadgen drives an HTTP handler over real loopback TCP with a fixed
// number of requests from many concurrent clients and reports throughput and
// latency percentiles. The hardening and performance suites use it; it sends
// traffic only to the URLs its caller builds (loopback servers in this repo).
package loadgen

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// Config describes one run.
type Config struct {
	// Requests is the total number of requests to send (required, > 0).
	Requests int
	// Concurrency is the number of concurrent clients (default 16).
	Concurrency int
	// NewRequest builds request i (0 ≤ i < Requests). Required.
	NewRequest func(ctx context.Context, i int) (*http.Request, error)
	// Check, when set, judges response i; a non-nil error counts as a wrong
	// response. The body has been read in full (up to MaxBody).
	Check func(i int, resp *http.Response, body []byte) error
	// Client sends the requests; default a client with keep-alive and
	// Concurrency idle connections per host.
	Client *http.Client
	// MaxBody caps the bytes read from each response (default 1 MiB).
	MaxBody int64
}

// Result is what a run measured.
type Result struct {
	Requests   int           // responses received
	Errors     int           // transport errors
	Wrong      int           // responses Check rejected
	FirstWrong []error       // up to 5 of Check's errors, for the failure message
	Elapsed    time.Duration // wall time of the whole run
	P50, P99   time.Duration // latency percentiles
	Max        time.Duration
}

// RPS is requests per second over the run.
func (r Result) RPS() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Requests) / r.Elapsed.Seconds()
}

func (r Result) String() string {
	return fmt.Sprintf("%d requests in %v: %.0f req/s, p50 %v, p99 %v, max %v, %d transport errors, %d wrong",
		r.Requests, r.Elapsed.Round(time.Millisecond), r.RPS(), r.P50, r.P99, r.Max, r.Errors, r.Wrong)
}

// Run sends cfg.Requests requests and waits for all of them. It stops early
// when ctx is done.
func Run(ctx context.Context, cfg Config) (Result, error) {
	if cfg.Requests <= 0 || cfg.NewRequest == nil {
		return Result{}, errors.New("loadgen: Requests and NewRequest are required")
	}
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = 16
	}
	if cfg.MaxBody <= 0 {
		cfg.MaxBody = 1 << 20
	}
	client := cfg.Client
	if client == nil {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.MaxIdleConnsPerHost = cfg.Concurrency
		tr.MaxConnsPerHost = cfg.Concurrency
		client = &http.Client{Transport: tr, Timeout: 30 * time.Second}
		defer tr.CloseIdleConnections()
	}

	lat := make([]time.Duration, cfg.Requests)
	var next atomic.Int64
	var mu sync.Mutex
	var res Result
	var wg sync.WaitGroup
	start := time.Now()
	for range cfg.Concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= cfg.Requests || ctx.Err() != nil {
					return
				}
				req, err := cfg.NewRequest(ctx, i)
				if err != nil {
					mu.Lock()
					res.Errors++
					mu.Unlock()
					continue
				}
				t0 := time.Now()
				resp, err := client.Do(req)
				if err != nil {
					mu.Lock()
					res.Errors++
					mu.Unlock()
					continue
				}
				body, _ := io.ReadAll(io.LimitReader(resp.Body, cfg.MaxBody))
				resp.Body.Close()
				lat[i] = time.Since(t0)
				var cerr error
				if cfg.Check != nil {
					cerr = cfg.Check(i, resp, body)
				}
				mu.Lock()
				res.Requests++
				if cerr != nil {
					res.Wrong++
					if len(res.FirstWrong) < 5 {
						res.FirstWrong = append(res.FirstWrong, fmt.Errorf("request %d: %w", i, cerr))
					}
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	res.Elapsed = time.Since(start)

	got := make([]time.Duration, 0, cfg.Requests)
	for _, d := range lat {
		if d > 0 {
			got = append(got, d)
		}
	}
	slices.Sort(got)
	if n := len(got); n > 0 {
		res.P50 = got[n*50/100]
		res.P99 = got[min(n-1, n*99/100)]
		res.Max = got[n-1]
	}
	return res, ctx.Err()
}
