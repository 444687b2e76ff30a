package perf

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"runtime/metrics"
	"sync"
	"time"

	"github.com/mcpauth/mcpauth/internal/loadgen"
)

// ToolsCallBody is the JSON-RPC request every end-to-end client sends: a
// tools/call of the demo's echo tool.
const ToolsCallBody = `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":{"text":"hello"}}}`

// E2EConfig describes one end-to-end run against a URL.
type E2EConfig struct {
	// URL is the MCP endpoint (a loopback address). Required.
	URL string
	// Tokens are sent in rotation as bearer tokens, one per request.
	// Required.
	Tokens []string
	// Requests is the fixed number of requests. Required, > 0.
	Requests int
	// Concurrency is the number of concurrent clients (keep-alive
	// connections). Default 32.
	Concurrency int
	// HeapSample, when set, is called every 5 ms during the run; E2EResult
	// reports its largest value. Use LiveHeapBytes for this process.
	HeapSample func() uint64
}

// E2EResult is loadgen's result plus the peak of HeapSample.
type E2EResult struct {
	loadgen.Result
	PeakHeap uint64
}

// RunE2E sends cfg.Requests tools/call requests with cfg.Concurrency
// clients and checks that each is answered 200 with the echoed text. Any
// transport error or wrong answer is an error: a benchmark must not report
// the speed of failures.
func RunE2E(ctx context.Context, cfg E2EConfig) (E2EResult, error) {
	if cfg.URL == "" || len(cfg.Tokens) == 0 || cfg.Requests <= 0 {
		return E2EResult{}, errors.New("perf: E2EConfig needs URL, Tokens and Requests")
	}
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = 32
	}
	auths := make([]string, len(cfg.Tokens))
	for i, t := range cfg.Tokens {
		auths[i] = "Bearer " + t
	}
	body := []byte(ToolsCallBody)

	var res E2EResult
	stop := make(chan struct{})
	var wg sync.WaitGroup
	if cfg.HeapSample != nil {
		wg.Add(1)
		go func() {
			defer wg.Done()
			t := time.NewTicker(5 * time.Millisecond)
			defer t.Stop()
			for {
				res.PeakHeap = max(res.PeakHeap, cfg.HeapSample())
				select {
				case <-stop:
					return
				case <-t.C:
				}
			}
		}()
	}
	lr, err := loadgen.Run(ctx, loadgen.Config{
		Requests:    cfg.Requests,
		Concurrency: cfg.Concurrency,
		NewRequest: func(ctx context.Context, i int) (*http.Request, error) {
			req, err := http.NewRequestWithContext(ctx, http.MethodPost, cfg.URL, bytes.NewReader(body))
			if err != nil {
				return nil, err
			}
			req.Header["Authorization"] = []string{auths[i%len(auths)]}
			req.Header["Content-Type"] = []string{"application/json"}
			req.Header["Accept"] = []string{"application/json, text/event-stream"}
			req.Header["Mcp-Protocol-Version"] = []string{"2025-06-18"}
			return req, nil
		},
		Check: func(_ int, resp *http.Response, b []byte) error {
			if resp.StatusCode != http.StatusOK {
				return fmt.Errorf("status %d", resp.StatusCode)
			}
			if !bytes.Contains(b, []byte(`"hello"`)) || bytes.Contains(b, []byte(`"isError":true`)) {
				return errors.New("answer without the echoed text")
			}
			return nil
		},
	})
	close(stop)
	wg.Wait()
	res.Result = lr
	if err != nil {
		return res, fmt.Errorf("perf: %w", err)
	}
	if lr.Errors > 0 || lr.Wrong > 0 {
		return res, fmt.Errorf("perf: %d transport errors, %d wrong answers (first: %v)", lr.Errors, lr.Wrong, lr.FirstWrong)
	}
	return res, nil
}

// LiveHeapBytes reports the heap the last completed GC cycle found live in
// this process (runtime/metrics /gc/heap/live:bytes, no stop-the-world):
// what the process needs, independent of how lazily the GC runs.
func LiveHeapBytes() uint64 {
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return s[0].Value.Uint64()
}

// Serve serves h on a fresh 127.0.0.1 port with production-like timeouts
// and returns its base URL and a function that shuts it down.
func Serve(h http.Handler) (string, func(), error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, fmt.Errorf("perf: %w", err)
	}
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       60 * time.Second,
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(ln)
	}()
	stop := func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		<-done
	}
	return "http://" + ln.Addr().String(), stop, nil
}
