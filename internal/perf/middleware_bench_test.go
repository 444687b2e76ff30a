package perf

// The hot path through the bearer middleware: an httptest request and
// recorder, no network, a handler that reads the verified identity and
// answers 204. Every variant in one run:
//
//	harness            no verification: a fixed identity put in the context as the middleware puts it
//	                   (remote.ContextWithIdentity, r.WithContext), plus the recorder each variant
//	                   allocates; subtract it to get a middleware's own cost
//	ours-cached        remote.Provider.Middleware + JWTVerifier, the same token every request (cache hit)
//	ours-cached-tools  the same with ToolScopes set, so the middleware also reads a tools/call body
//	ours-cached-tools-2026  the same for a 2026-07-28 request: _meta in the body, MCP-Protocol-Version,
//	                   Mcp-Method and Mcp-Name headers, which the middleware checks against the body
//	ours-fresh         a different token every request (512 in rotation over a 16-entry cache: every request misses)
//	jwx-gosdk          go-sdk + jwx: go-sdk auth.RequireBearerToken + NewJWXVerifier (no cache, so repeated = fresh)
//	rsa-floor          SHA-256 of the signing input + rsa.VerifyPKCS1v15, nothing else
//
// each sequential and with RunParallel.

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/auth"

	"github.com/mcpauth/mcpauth/remote"
)

const toolsCallBody = `{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"echo","arguments":{"text":"hello"}}}`

// toolsCallBody2026 is the same call as a 2026-07-28 client sends it, with
// toolsCallHeaders2026.
const toolsCallBody2026 = `{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"echo","arguments":{"text":"hello"},` +
	`"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientInfo":{"name":"bench","version":"1.0.0"},"io.modelcontextprotocol/clientCapabilities":{}}}}`

var toolsCallHeaders2026 = http.Header{
	"Mcp-Protocol-Version": {"2026-07-28"},
	"Mcp-Method":           {"tools/call"},
	"Mcp-Name":             {"echo"},
}

// okHandler checks that an identity arrived (either package's) and answers 204.
var okHandler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	if id, err := remote.IdentityFromContext(r.Context()); (err != nil || id.Subject() == "") && auth.TokenInfoFromContext(r.Context()) == nil {
		w.WriteHeader(http.StatusInternalServerError)
		return
	}
	w.WriteHeader(http.StatusNoContent)
})

// reusableBody is a request body that can be rewound without allocating.
type reusableBody struct{ strings.Reader }

func (*reusableBody) Close() error { return nil }

// hotClient is one benchmark goroutine's request, recorder and tokens.
type hotClient struct {
	req   *http.Request
	auths [][]string // prebuilt Authorization header values, in rotation
	body  *reusableBody
	i     int
}

func newHotClient(tokens []string, body string, header http.Header) *hotClient {
	c := &hotClient{req: httptest.NewRequest(http.MethodPost, "http://127.0.0.1/mcp", nil)}
	for k, vs := range header {
		c.req.Header[k] = vs
	}
	for _, t := range tokens {
		c.auths = append(c.auths, []string{"Bearer " + t})
	}
	if body != "" {
		c.body = &reusableBody{}
		c.req.Header.Set("Content-Type", "application/json")
		c.req.ContentLength = int64(len(body))
	}
	return c
}

func (c *hotClient) do(tb testing.TB, h http.Handler, body string) {
	c.req.Header["Authorization"] = c.auths[c.i]
	if c.i++; c.i == len(c.auths) {
		c.i = 0
	}
	if c.body != nil {
		c.body.Reset(body)
		c.req.Body = c.body
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, c.req)
	if w.Code != http.StatusNoContent {
		tb.Fatalf("status %d", w.Code)
	}
}

func BenchmarkMiddleware(b *testing.B) {
	fx := fixture(b)
	one := tokens(b, "RS256", 1, Small)
	rotation := tokens(b, "RS256", 512, Small)

	type variant struct {
		name   string
		h      http.Handler
		tokens []string
		body   string
		header http.Header
	}
	cached := ourVerifier(b, 1, 0)
	missing := ourVerifier(b, 1, 16)
	fixed, err := remote.IdentityFromContext(remote.ContextWithTokenInfo(context.Background(), &remote.TokenInfo{Subject: "user_01HJT8Y2P3F4Q5R6S7T8V9W0XY"}))
	if err != nil {
		b.Fatal(err)
	}
	harness := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		okHandler.ServeHTTP(w, r.WithContext(remote.ContextWithIdentity(r.Context(), fixed)))
	})
	variants := []variant{
		{"harness", harness, one, "", nil},
		{"ours-cached", ourProvider(b, cached, nil).Middleware(okHandler), one, "", nil},
		{"ours-cached-tools", ourProvider(b, cached, map[string][]string{"admin_echo": {"demo:admin"}}).Middleware(okHandler), one, toolsCallBody, nil},
		{"ours-cached-tools-2026", ourProvider(b, cached, map[string][]string{"admin_echo": {"demo:admin"}}).Middleware(okHandler), one, toolsCallBody2026, toolsCallHeaders2026},
		{"ours-fresh", ourProvider(b, missing, nil).Middleware(okHandler), rotation, "", nil},
		{"jwx-gosdk", auth.RequireBearerToken(NewJWXVerifier(jwxSet(b, 1), fx.Issuer, fx.Audience), nil)(okHandler), one, "", nil},
	}
	for _, v := range variants {
		b.Run(v.name, func(b *testing.B) {
			c := newHotClient(v.tokens, v.body, v.header)
			c.do(b, v.h, v.body) // warm the cache
			b.ReportAllocs()
			for b.Loop() {
				c.do(b, v.h, v.body)
			}
		})
		b.Run(v.name+"-parallel", func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				c := newHotClient(v.tokens, v.body, v.header)
				for pb.Next() {
					c.do(b, v.h, v.body)
				}
			})
		})
	}
	input, sig, err := SigningInput(one[0])
	if err != nil {
		b.Fatal(err)
	}
	b.Run("rsa-floor", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := VerifyRSAFloor(fx.RSAPublic(), input, sig); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("rsa-floor-parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if err := VerifyRSAFloor(fx.RSAPublic(), input, sig); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
}
