package hardening

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mcpauth/mcpauth/authkit"
	"github.com/mcpauth/mcpauth/authkit/authkittest"
	"github.com/mcpauth/mcpauth/internal/loadgen"
)

var long = flag.Bool("hardening.long", false, "run the sustained-load test at full length (200,000 requests, 64 clients, 12,000 distinct valid tokens)")

// loadKind is one class of request in the load mix, with the decision the
// server must make for it.
type loadKind struct {
	name   string
	tokens []string // picked round-robin; nil: no Authorization header
	// randomKid re-encodes the token with a fresh random kid per request
	// (an unknown-kid flood inside the load).
	randomKid bool
	status    int
	code      string
	user      string // the sub an accepted request must be served as
}

// TestSustainedLoad drives the turnkey AuthKit server over loopback HTTP
// with many concurrent clients and a fixed mix of valid, expired, forged,
// scope-lacking, wrong-audience, unknown-kid and missing tokens. Every
// response's decision is checked (wrong decisions must be 0), the MCP
// handler must have been reached exactly by the accepted requests, JWKS
// fetches stay bounded, the heap does not grow with the number of distinct
// tokens, and the goroutine count returns to its start level after
// shutdown.
func TestSustainedLoad(t *testing.T) {
	requests, clients, distinct := 4000, 16, 0
	if *long {
		requests, clients, distinct = 200_000, 64, 12_000
	}
	baseline := runtime.NumGoroutine()

	r := newAuthkitRig(t, nil, func(c *authkit.Config) { c.WorkOS = nil })
	var reached atomic.Int64
	r.srv.Config.Handler = r.p.Handler(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		reached.Add(1)
		r.serveMCP(w, req)
	}))
	if err := r.p.Prime(t.Context()); err != nil {
		t.Fatal(err)
	}

	mint := func(o authkittest.TokenOptions) string {
		if o.ExpiresIn == 0 {
			o.ExpiresIn = time.Hour
		}
		return r.mint(t, o)
	}
	attacker := authkittest.MustNewKey("kid_attacker")
	kid := r.as.SigningKey().ID()
	var kinds []loadKind
	for u := range 8 {
		sub := fmt.Sprintf("user_01LOAD%02d", u)
		var toks []string
		for range 4 {
			toks = append(toks, mint(authkittest.TokenOptions{Subject: sub}))
		}
		kinds = append(kinds, loadKind{name: "valid " + sub, tokens: toks, status: 200, user: sub})
	}
	if distinct > 0 {
		// Many distinct valid tokens: more than the verified-token
		// cache holds, so it must evict rather than grow.
		toks := make([]string, distinct)
		for i := range toks {
			toks[i] = mint(authkittest.TokenOptions{Subject: "user_01DISTINCT"})
		}
		kinds = append(kinds, loadKind{name: "distinct valid", tokens: toks, status: 200, user: "user_01DISTINCT"})
	}
	good := mint(authkittest.TokenOptions{})
	kinds = append(kinds,
		loadKind{name: "expired", tokens: []string{mint(authkittest.TokenOptions{ExpiresIn: -time.Hour}), mint(authkittest.TokenOptions{ExpiresIn: -time.Minute})}, status: 401, code: invalidToken},
		loadKind{name: "forged: signature flipped", tokens: []string{flipSig(t, good)}, status: 401, code: invalidToken},
		loadKind{name: "forged: other key, real kid", tokens: []string{mint(authkittest.TokenOptions{SignWith: attacker, KeyID: kid})}, status: 401, code: invalidToken},
		loadKind{name: "forged: alg none", tokens: []string{mint(authkittest.TokenOptions{Algorithm: authkittest.AlgNone})}, status: 401, code: invalidToken},
		loadKind{name: "scope lacking", tokens: []string{mint(authkittest.TokenOptions{Scopes: []string{"openid"}})}, status: 403, code: insufficient},
		loadKind{name: "wrong audience", tokens: []string{mint(authkittest.TokenOptions{Audience: []string{"https://other.example.com/mcp"}})}, status: 401, code: invalidToken},
		// Issued before the key set was fetched: a kid that set lacks is
		// a 401 whatever the unknown-kid budget.
		loadKind{name: "unknown kid flood", tokens: []string{mint(authkittest.TokenOptions{IssuedAt: r.clock.Now().Add(-10 * time.Minute)})}, randomKid: true, status: 401, code: invalidToken},
		loadKind{name: "no token", status: 401},
	)

	// floodHeader is the encoded header of request i of the unknown-kid
	// flood (built without testing.TB: it runs on loadgen's goroutines).
	floodHeader := func(i int) string {
		return b64([]byte(`{"alg":"RS256","typ":"JWT","kid":"kid_flood_` + strconv.Itoa(i) + `"}`))
	}
	// Request i is of kind i % len(kinds), token (i / len(kinds)) % len.
	pick := func(i int) (loadKind, string) {
		k := kinds[i%len(kinds)]
		if k.tokens == nil {
			return k, ""
		}
		tok := k.tokens[(i/len(kinds))%len(k.tokens)]
		if k.randomKid {
			tok = floodHeader(i) + tok[strings.IndexByte(tok, '.'):]
		}
		return k, tok
	}
	wantReached := 0
	for i := range requests {
		if k, _ := pick(i); k.status == 200 {
			wantReached++
		}
	}

	jwksBefore := jwksFetches(r.as)
	heapBefore := heapAlloc()
	res, err := loadgen.Run(context.Background(), loadgen.Config{
		Requests:    requests,
		Concurrency: clients,
		NewRequest: func(ctx context.Context, i int) (*http.Request, error) {
			_, tok := pick(i)
			req, err := http.NewRequestWithContext(ctx, http.MethodPost, r.srv.URL+"/mcp", strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"ping"}`))
			if err != nil {
				return nil, err
			}
			req.Header.Set("Content-Type", "application/json")
			if tok != "" {
				req.Header.Set("Authorization", "Bearer "+tok)
			}
			return req, nil
		},
		Check: func(i int, resp *http.Response, body []byte) error {
			k, _ := pick(i)
			if resp.StatusCode != k.status {
				return fmt.Errorf("%s: status %d, want %d", k.name, resp.StatusCode, k.status)
			}
			if k.status == 200 {
				var reply enrichedReply
				if err := json.Unmarshal(body, &reply); err != nil || reply.User != k.user {
					return fmt.Errorf("%s: served as %q, want %q", k.name, reply.User, k.user)
				}
				return nil
			}
			if got := challengeParam(resp.Header.Get("WWW-Authenticate"), "error"); got != k.code {
				return fmt.Errorf("%s: challenge error %q, want %q", k.name, got, k.code)
			}
			return nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	heapAfter := heapAlloc()
	t.Logf("%s; %d kinds of request; heap %d KiB → %d KiB", res, len(kinds), heapBefore>>10, heapAfter>>10)
	if res.Wrong != 0 || res.Errors != 0 {
		t.Errorf("%d wrong decisions, %d transport errors, want 0 and 0; first: %v", res.Wrong, res.Errors, res.FirstWrong)
	}
	if res.Requests != requests {
		t.Errorf("%d responses, want %d", res.Requests, requests)
	}
	if got := reached.Load(); got != int64(wantReached) {
		t.Errorf("MCP handler reached %d times, want exactly the %d accepted requests", got, wantReached)
	}
	// The fake clock stands still: the flood may force one fetch (its
	// cooldown never passes), never one per request.
	if got := jwksFetches(r.as) - jwksBefore; got > 1 {
		t.Errorf("%d JWKS fetches during the load, want at most 1", got)
	}
	// Bounded memory: nothing per distinct token or per random kid may
	// stay behind beyond the bounded caches. 64 MiB is far above what
	// the caches can hold here and far below what a leak of every request
	// would cost in long mode.
	if growth := int64(heapAfter) - int64(heapBefore); growth > 64<<20 {
		t.Errorf("heap grew by %d MiB over the load", growth>>20)
	}

	// Shutdown: server, provider, fake AuthKit; then every goroutine the
	// test started must be gone.
	r.srv.Close()
	_ = r.p.Close()
	r.as.Close()
	if n, ok := waitGoroutines(baseline); !ok {
		buf := make([]byte, 1<<20)
		t.Errorf("%d goroutines after shutdown, baseline %d:\n%s", n, baseline, buf[:runtime.Stack(buf, true)])
	}
	// The count alone could hide a leak behind goroutines of earlier tests
	// that exit meanwhile: also require that no goroutine but this test's
	// runs code of the module's packages.
	if stacks, ok := waitNoModuleGoroutines(); !ok {
		t.Errorf("goroutines of the module still running after shutdown:\n%s", stacks)
	}
}

// waitNoModuleGoroutines lets the scheduler run (no sleeping) until no
// goroutine other than the caller's has a frame in remote, forward or
// authkit, and reports the offending stacks if some remain.
func waitNoModuleGoroutines() (string, bool) {
	buf := make([]byte, 1<<20)
	var bad []string
	for range 1000 {
		n := runtime.Stack(buf, true)
		for n == len(buf) {
			buf = make([]byte, 2*len(buf))
			n = runtime.Stack(buf, true)
		}
		bad = bad[:0]
		for _, g := range strings.Split(string(buf[:n]), "\n\n") {
			if strings.Contains(g, "internal/hardening.") {
				continue // this test's own goroutine
			}
			for _, pkg := range []string{"mcpauth/mcpauth/remote.", "mcpauth/mcpauth/forward.", "mcpauth/mcpauth/authkit.", "mcpauth/mcpauth/authkit/authkittest."} {
				if strings.Contains(g, pkg) {
					bad = append(bad, g)
					break
				}
			}
		}
		if len(bad) == 0 {
			return "", true
		}
		runtime.Gosched()
	}
	return strings.Join(bad, "\n\n"), false
}

func flipSig(tb testing.TB, tok string) string {
	tb.Helper()
	i := strings.LastIndexByte(tok, '.')
	b := []byte(tok)
	// Change a middle character of the signature to another base64url
	// character of the same 6-bit group boundary: a different signature.
	j := i + 1 + (len(tok)-i-1)/2
	if b[j] == 'A' {
		b[j] = 'B'
	} else {
		b[j] = 'A'
	}
	return string(b)
}

func jwksFetches(as *authkittest.Server) int {
	n := 0
	for _, r := range as.Requests() {
		if r.Path == "/oauth2/jwks" {
			n++
		}
	}
	return n
}

func heapAlloc() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// waitGoroutines waits, boundedly, for the goroutine count to drop to
// baseline: connections closed by a shutdown finish their goroutines
// asynchronously. It polls a condition; it asserts no timing.
func waitGoroutines(baseline int) (int, bool) {
	deadline := time.Now().Add(10 * time.Second)
	for {
		n := runtime.NumGoroutine()
		if n <= baseline {
			return n, true
		}
		if time.Now().After(deadline) {
			return n, false
		}
		runtime.Gosched()
		time.Sleep(time.Millisecond)
	}
}
