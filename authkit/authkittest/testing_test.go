package authkittest_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/mcpauth/mcpauth/authkit"
	"github.com/mcpauth/mcpauth/authkit/authkittest"
)

// recordingTB captures what a test would log.
type recordingTB struct {
	testing.TB
	mu   sync.Mutex
	logs []string
}

func (r *recordingTB) Log(args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, a := range args {
		r.logs = append(r.logs, a.(string))
	}
}

// The first red test says why: with the provider's Logger from
// authkittest.Logger, a refused token's reason is in the test's log.
func TestLoggerExplainsARejectedToken(t *testing.T) {
	as := authkittest.Start(t)
	rec := &recordingTB{TB: t}
	p, err := authkit.New(authkit.Config{Domain: as.URL(), BaseURL: "http://127.0.0.1:8080", Logger: authkittest.Logger(rec)})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	srv := httptest.NewServer(p.Handler(http.NotFoundHandler()))
	defer srv.Close()
	tok := as.MustMint(t, authkittest.TokenOptions{}) // aud: the client id
	resp, err := authkittest.BearerClient(tok).Post(srv.URL+"/mcp", "application/json", strings.NewReader(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	rec.mu.Lock()
	defer rec.mu.Unlock()
	joined := strings.Join(rec.logs, "\n")
	if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(joined, "reason=wrong_audience") {
		t.Fatalf("status %d, logs:\n%s\nwant a 401 whose log says reason=wrong_audience", resp.StatusCode, joined)
	}
	if strings.Contains(joined, tok) {
		t.Error("the log contains the token")
	}
}
