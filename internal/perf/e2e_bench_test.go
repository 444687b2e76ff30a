package perf

// End to end over loopback TCP: a real http.Server on 127.0.0.1 serving the
// demo's MCP server (stateless, JSON responses), driven by internal/loadgen
// with 32 keep-alive clients. One op is one run of a fixed number of
// tools/call requests (-perf.e2e-requests, default 5,000); B/op and
// allocs/op are per run. Variants:
//
//	noauth              no verification: the demo server mounted with gosdk.Handler behind a
//	                    provider whose verifier answers a fixed identity for any token
//	ours                the same behind remote.Provider (JWTVerifier, ToolScopes as in the demo), one repeated token
//	ours-512-users      the same with 512 distinct tokens in rotation (all cached)
//	jwx-gosdk           go-sdk + jwx: go-sdk auth.RequireBearerToken + NewJWXVerifier in front of
//	                    the demo's echo tool reading req.Extra.TokenInfo
//	ts-noauth, ts-jose  the TypeScript SDK + jose (Node, tspeer/): without auth, and
//	                    requireBearerAuth with a jose verifier; skipped unless
//	                    `npm ci` has been run in internal/perf/tspeer
//
// Metrics: req/s, p50-µs, p99-µs, peak-live-MiB (the largest live heap a GC
// cycle found during the run, in this process: server and load generator
// together; Node's heap is not measured).
//
// The GC is normalised for the run (GOGC off, a 1 GiB soft memory limit):
// go-sdk's stateless handler allocates about 410 KB per tools/call, so with
// the default GOGC and this toy process's few MiB of live heap the GC ran
// every handful of requests, and a variant whose caches added a few MiB of
// live heap ran measurably faster than "noauth" (fewer collections). Real
// servers carry far larger live heaps; the limit approximates that and
// makes the variants comparable.

import (
	"bufio"
	"context"
	"flag"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/auth"
)

const e2eConcurrency = 32

var e2eRequests = flag.Int("perf.e2e-requests", 5000, "requests per end-to-end run (BenchmarkE2E)")

func BenchmarkE2E(b *testing.B) {
	fx := fixture(b)
	one := tokens(b, "RS256", 1, Small)
	many := tokens(b, "RS256", 512, Small)
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(1 << 30))
	noauth := mcpHandler(fixedProvider(b, fixedIdentity(b)))
	ours := mcpHandler(ourProvider(b, ourVerifier(b, 1, 0), demoToolScopes))
	baseline := auth.RequireBearerToken(NewJWXVerifier(jwxSet(b, 1), fx.Issuer, fx.Audience), nil)(baselineMCPHandler())

	run := func(b *testing.B, url string, toks []string) {
		ctx := context.Background()
		// Warm up: connections, caches, the handler's first-use paths, and
		// the heap grown to its limit once (page faults), as many requests
		// as one timed run.
		if _, err := RunE2E(ctx, E2EConfig{URL: url, Tokens: toks, Requests: *e2eRequests, Concurrency: e2eConcurrency}); err != nil {
			b.Fatal(err)
		}
		runtime.GC() // start every variant from a collected heap
		var rps, p50, p99, runs float64
		var peak uint64
		b.ReportAllocs()
		for b.Loop() {
			res, err := RunE2E(ctx, E2EConfig{URL: url, Tokens: toks, Requests: *e2eRequests, Concurrency: e2eConcurrency, HeapSample: LiveHeapBytes})
			if err != nil {
				b.Fatal(err)
			}
			runs++
			rps += res.RPS()
			p50 += float64(res.P50.Nanoseconds()) / 1e3
			p99 += float64(res.P99.Nanoseconds()) / 1e3
			peak = max(peak, res.PeakHeap)
		}
		b.ReportMetric(rps/runs, "req/s")
		b.ReportMetric(p50/runs, "p50-µs")
		b.ReportMetric(p99/runs, "p99-µs")
		b.ReportMetric(float64(peak)/(1<<20), "peak-live-MiB")
	}
	serve := func(b *testing.B, h http.Handler) string {
		base, stop, err := Serve(h)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(stop)
		return base + "/mcp"
	}
	b.Run("noauth", func(b *testing.B) { run(b, serve(b, noauth), one) })
	b.Run("ours", func(b *testing.B) { run(b, serve(b, ours), one) })
	b.Run("ours-512-users", func(b *testing.B) { run(b, serve(b, ours), many) })
	b.Run("jwx-gosdk", func(b *testing.B) { run(b, serve(b, baseline), one) })

	node := startTSPeer(b, fx)
	b.Run("ts-noauth", func(b *testing.B) {
		if node == "" {
			b.Skip("TypeScript server not installed: run `npm ci` in internal/perf/tspeer")
		}
		run(b, node+"/mcp-noauth", one)
	})
	b.Run("ts-jose", func(b *testing.B) {
		if node == "" {
			b.Skip("TypeScript server not installed: run `npm ci` in internal/perf/tspeer")
		}
		run(b, node+"/mcp", one)
	})
}

// startTSPeer starts tspeer/server.mjs on a loopback port and returns its
// base URL, or "" when Node or the peer's node_modules are missing. The
// process is killed when the benchmark ends.
func startTSPeer(b *testing.B, fx *Fixture) string {
	b.Helper()
	dir, err := filepath.Abs("tspeer")
	if err != nil {
		b.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "@modelcontextprotocol", "sdk")); err != nil {
		return ""
	}
	nodeBin, err := exec.LookPath("node")
	if err != nil {
		return ""
	}
	jwks, err := fx.JWKS(1)
	if err != nil {
		b.Fatal(err)
	}
	cmd := exec.Command(nodeBin, "server.mjs")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "JWKS="+string(jwks), "ISSUER="+fx.Issuer, "AUDIENCE="+fx.Audience, "HOST=127.0.0.1", "PORT=0")
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	lines := make(chan string, 1)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if addr, ok := strings.CutPrefix(sc.Text(), "listening "); ok {
				lines <- addr
			}
		}
	}()
	select {
	case addr, ok := <-lines:
		if !ok {
			b.Fatal("TypeScript server exited before listening")
		}
		return "http://" + addr
	case <-time.After(30 * time.Second):
		b.Fatal("TypeScript server did not start within 30 s")
		return ""
	}
}
