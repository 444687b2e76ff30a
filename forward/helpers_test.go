package forward

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mcpauth/mcpauth/internal/testutil"
)

// upstream is a fake authorization server whose behaviour tests change on
// command. It counts the requests it receives.
type upstream struct {
	srv     *httptest.Server
	hits    atomic.Int32
	release chan struct{} // closed at cleanup: unblocks blocking handlers

	mu      sync.Mutex
	handler http.HandlerFunc
	lastReq *http.Request
}

func newUpstream(t testing.TB) *upstream {
	t.Helper()
	u := &upstream{release: make(chan struct{})}
	u.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u.hits.Add(1)
		u.mu.Lock()
		h := u.handler
		u.lastReq = r.Clone(r.Context())
		u.mu.Unlock()
		h(w, r)
	}))
	t.Cleanup(u.srv.Close) // runs after the close of release below (LIFO)
	t.Cleanup(func() { close(u.release) })
	u.set(u.serve(u.doc(), nil))
	return u
}

func (u *upstream) issuer() string { return u.srv.URL }

func (u *upstream) set(h http.HandlerFunc) {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.handler = h
}

func (u *upstream) last() *http.Request {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.lastReq
}

// doc is a valid document for this upstream, in a deliberately unusual
// formatting (escaped slashes, spacing, non-ASCII, unknown members) that a
// re-encoding would change.
func (u *upstream) doc() []byte {
	iss := strings.ReplaceAll(u.issuer(), "/", `\/`)
	return []byte(`{ "issuer" : "` + iss + `",
  "authorization_endpoint": "` + u.issuer() + `/oauth2/authorize",
  "token_endpoint":"` + u.issuer() + `/oauth2/token",
  "registration_endpoint":"` + u.issuer() + `/oauth2/register",
  "jwks_uri":"` + u.issuer() + `/oauth2/jwks",
  "response_types_supported":["code"],
  "code_challenge_methods_supported":["S256"],
  "scopes_supported":["email","offline_access","openid","profile"],
  "client_id_metadata_document_supported":true,
  "x_note":"caf\u00e9 — ünïcode",  "x_number": 1.50e+2
}
`)
}

// docWith returns a minimal valid document with members replaced or added
// (a nil value removes the member).
func docWith(issuer string, changes map[string]any) []byte {
	m := map[string]any{
		"issuer":                           issuer,
		"authorization_endpoint":           issuer + "/oauth2/authorize",
		"token_endpoint":                   issuer + "/oauth2/token",
		"registration_endpoint":            issuer + "/oauth2/register",
		"response_types_supported":         []string{"code"},
		"code_challenge_methods_supported": []string{"S256"},
	}
	for k, v := range changes {
		if v == nil {
			delete(m, k)
		} else {
			m[k] = v
		}
	}
	var b bytes.Buffer
	b.WriteString("{")
	first := true
	for k, v := range m {
		if !first {
			b.WriteString(",")
		}
		first = false
		b.WriteString(`"` + k + `":`)
		b.Write(mustJSON(v))
	}
	b.WriteString("}")
	return b.Bytes()
}

// serve answers with body and the given headers.
func (u *upstream) serve(body []byte, hdr map[string]string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		for k, v := range hdr {
			w.Header().Set(k, v)
		}
		_, _ = w.Write(body)
	}
}

func status(code int, hdr map[string]string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		for k, v := range hdr {
			w.Header().Set(k, v)
		}
		w.WriteHeader(code)
		_, _ = io.WriteString(w, "upstream internal detail: database on fire")
	}
}

// sequence answers with the handlers in turn, repeating the last one.
func sequence(hs ...http.HandlerFunc) http.HandlerFunc {
	var n atomic.Int32
	return func(w http.ResponseWriter, r *http.Request) {
		i := int(n.Add(1)) - 1
		hs[min(i, len(hs)-1)](w, r)
	}
}

// blockUntil holds the request until gate or release is closed (or the
// client gives up), then answers with h.
func (u *upstream) blockUntil(gate <-chan struct{}, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-gate:
		case <-u.release:
		case <-r.Context().Done():
			return
		}
		h(w, r)
	}
}

// testConfig is a Config against u with a fake clock and fast retries. It
// names the RFC 8414 location, so a failure there is not followed by the
// discovery of the other locations (which discovery_test.go covers).
func testConfig(u *upstream, clk *testutil.Clock, logs *testutil.LogBuffer) Config {
	cfg := Config{
		Issuer:         u.issuer(),
		MetadataURL:    u.issuer() + pathAuthorizationServer,
		RetryWaitMin:   time.Millisecond,
		RetryWaitMax:   5 * time.Millisecond,
		MaxRetryAfter:  10 * time.Millisecond,
		AttemptTimeout: 5 * time.Second,
		FetchTimeout:   10 * time.Second,
		Now:            clk.Now,
	}
	if logs != nil {
		cfg.Logger = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return cfg
}

func mustNew(t testing.TB, cfg Config) *Forwarder {
	t.Helper()
	f, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { _ = f.Close() })
	return f
}

// do sends one request through h and returns the recorded response.
func do(t testing.TB, h http.Handler, method, target string, hdr map[string]string) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest(method, target, nil)
	for k, v := range hdr {
		r.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

// waitIdle waits for a fetch in flight (a background refresh) to finish.
func waitIdle(t testing.TB, c *docCache) {
	t.Helper()
	c.mu.Lock()
	fl := c.inflight
	c.mu.Unlock()
	if fl != nil {
		<-fl.done
	}
}

// assertGeneric503 checks a 503 carries Retry-After and no internal text.
func assertGeneric503(t testing.TB, w *httptest.ResponseRecorder) {
	t.Helper()
	if w.Code != http.StatusServiceUnavailable {
		t.Fatalf("status = %d, want 503; body %q", w.Code, w.Body)
	}
	if w.Header().Get("Retry-After") == "" {
		t.Error("503 without Retry-After")
	}
	if ct := w.Header().Get("Content-Type"); ct != "application/json" {
		t.Errorf("503 Content-Type = %q", ct)
	}
	body := w.Body.String()
	if !strings.Contains(body, `"error":"temporarily_unavailable"`) {
		t.Errorf("503 body %q lacks the generic error code", body)
	}
	for _, leak := range []string{"127.0.0.1", "status", "forward:", "fire", "issuer", "EOF", "deadline"} {
		if strings.Contains(body, leak) {
			t.Errorf("503 body %q leaks internal text %q", body, leak)
		}
	}
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // test fixtures only
	}
	return b
}
