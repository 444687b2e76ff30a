package authkittest

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// MintFor mints a token for the MCP server whose MCP URL (the resource
// identifier, e.g. a provider's MCPURL()) is resource: aud is resource unless
// opts.Audience is set, as AuthKit issues it when the client sent resource
// and the URL is registered as a resource indicator. A default
// TokenOptions{} with Mint carries the environment client id as aud
// instead, which a server bound to its MCP URL refuses (401).
func (s *Server) MintFor(resource string, opts TokenOptions) (string, error) {
	if opts.Audience == nil {
		opts.Audience = []string{resource}
	}
	return s.Mint(opts)
}

// MustMintFor is MintFor failing the test on error.
func (s *Server) MustMintFor(t testing.TB, resource string, opts TokenOptions) string {
	t.Helper()
	tok, err := s.MintFor(resource, opts)
	if err != nil {
		t.Fatalf("authkittest: MintFor: %v", err)
	}
	return tok
}

// BearerClient returns an HTTP client that sends token as
// "Authorization: Bearer" on every request, for calling the MCP server
// under test with a token from [Server.MintFor].
func BearerClient(token string) *http.Client {
	return &http.Client{Transport: bearerTransport{token: token, base: http.DefaultTransport}}
}

type bearerTransport struct {
	token string
	base  http.RoundTripper
}

func (b bearerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+b.token)
	return b.base.RoundTrip(r)
}

// Logger returns a logger writing every record, debug included, to t.Log,
// so a test of a server whose Logger it is says why a request was refused
// ("remote: request rejected ... reason=wrong_audience") next to the
// failure. Records logged after the test finished are dropped. The
// module's logs never carry a token or a secret.
func Logger(t testing.TB) *slog.Logger {
	h := &testLogHandler{t: t, done: new(atomic.Bool), mu: new(sync.Mutex)}
	t.Cleanup(func() { // no Log call is under way once this returns
		h.mu.Lock()
		h.done.Store(true)
		h.mu.Unlock()
	})
	return slog.New(h)
}

type testLogHandler struct {
	t     testing.TB
	done  *atomic.Bool
	mu    *sync.Mutex
	attrs []slog.Attr
	group string
}

func (h *testLogHandler) Enabled(context.Context, slog.Level) bool { return !h.done.Load() }

func (h *testLogHandler) Handle(_ context.Context, r slog.Record) error {
	var b strings.Builder
	b.WriteString(r.Level.String())
	b.WriteByte(' ')
	b.WriteString(r.Message)
	write := func(a slog.Attr) bool {
		b.WriteByte(' ')
		if h.group != "" {
			b.WriteString(h.group + ".")
		}
		b.WriteString(a.Key + "=" + a.Value.String())
		return true
	}
	for _, a := range h.attrs {
		write(a)
	}
	r.Attrs(write)
	h.mu.Lock()
	defer h.mu.Unlock()
	if !h.done.Load() {
		h.t.Log(b.String())
	}
	return nil
}

func (h *testLogHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	c := *h
	c.attrs = append(append([]slog.Attr(nil), h.attrs...), attrs...)
	return &c
}

func (h *testLogHandler) WithGroup(name string) slog.Handler {
	c := *h
	if c.group != "" {
		name = c.group + "." + name
	}
	c.group = name
	return &c
}
