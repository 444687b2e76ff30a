package hardening

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/workos/workos-go/v4/pkg/usermanagement"

	"github.com/mcpauth/mcpauth/authkit"
	"github.com/mcpauth/mcpauth/authkit/authkittest"
	"github.com/mcpauth/mcpauth/internal/httpx"
	"github.com/mcpauth/mcpauth/internal/jwttest"
	"github.com/mcpauth/mcpauth/internal/testutil"
)

// authkitBaseURL is the public base URL of the turnkey server under test;
// the loopback test server answers for it (the Host is never used).
const authkitBaseURL = "https://mcp.example.com"

// authkitRig is the turnkey AuthKit provider with WorkOS enrichment, its
// handler served over loopback HTTP, against the fake AuthKit.
type authkitRig struct {
	as    *authkittest.Server
	clock *testutil.Clock
	logs  *testutil.LogBuffer
	p     *authkit.Provider
	srv   *httptest.Server
	rec   *collector
}

func newAuthkitRig(tb testing.TB, logs *testutil.LogBuffer, mut func(*authkit.Config)) *authkitRig {
	tb.Helper()
	as := authkittest.Start(tb)
	clk := jwttest.NewClock()
	as.SetClock(clk.Now)
	as.SetUser(authkittest.User{ID: "user_01ENRICH", Email: "ada@example.com", FirstName: "Ada", OrganizationID: "org_01ACME"})
	if logs == nil {
		logs = &testutil.LogBuffer{}
	}
	wc := usermanagement.NewClient(as.APIKey())
	wc.Endpoint = as.URL()
	// The module's retrying client, as in production: Retry-After is
	// honoured but clamped.
	wc.HTTPClient = httpx.NewClient(httpx.Options{WaitMin: time.Millisecond, WaitMax: 5 * time.Millisecond, MaxRetryAfter: 10 * time.Millisecond})
	cfg := authkit.Config{
		Domain:         as.URL(),
		BaseURL:        authkitBaseURL,
		RequiredScopes: []string{requiredScope},
		HTTPClient:     as.Client(),
		WorkOS:         wc,
		Profiles:       authkit.ProfileOptions{Timeout: 500 * time.Millisecond, FailureTTL: 30 * time.Second},
		Now:            clk.Now,
		Logger:         logs.Logger(),
	}
	if mut != nil {
		mut(&cfg)
	}
	p, err := authkit.New(cfg)
	if err != nil {
		tb.Fatalf("authkit.New: %v", err)
	}
	tb.Cleanup(func() { _ = p.Close() })
	r := &authkitRig{as: as, clock: clk, logs: logs, p: p}
	r.srv = httptest.NewServer(p.Handler(http.HandlerFunc(r.serveMCP)))
	tb.Cleanup(r.srv.Close)
	return r
}

// enrichedReply is what the MCP handler of the rig answers.
type enrichedReply struct {
	User     string `json:"user"`
	Enriched bool   `json:"enriched"`
	Email    string `json:"email,omitempty"`
}

// serveMCP is an MCP handler that enriches when it can and never fails for
// lack of a profile.
func (r *authkitRig) serveMCP(w http.ResponseWriter, req *http.Request) {
	c, err := authkit.ClaimsFromContext(req.Context())
	if err != nil {
		http.Error(w, "no claims", http.StatusInternalServerError)
		return
	}
	reply := enrichedReply{User: c.UserID}
	if prof, err := r.p.Profile(req.Context(), c.UserID); err == nil {
		reply.Enriched, reply.Email = true, prof.User.Email
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(reply)
}

func (r *authkitRig) mint(tb testing.TB, opts authkittest.TokenOptions) string {
	tb.Helper()
	if opts.Audience == nil {
		opts.Audience = []string{r.p.MCPURL()}
	}
	if opts.Scopes == nil {
		opts.Scopes = []string{requiredScope}
	}
	return r.as.MustMint(tb, opts)
}

func (r *authkitRig) call(tb testing.TB, token string) (int, enrichedReply) {
	tb.Helper()
	req, err := http.NewRequest(http.MethodPost, r.srv.URL+"/mcp", strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"ping"}`))
	if err != nil {
		tb.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	r.rec.sent("Bearer " + token)
	resp, err := r.srv.Client().Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	r.rec.saw(body)
	var reply enrichedReply
	if resp.StatusCode == http.StatusOK {
		if err := json.Unmarshal(body, &reply); err != nil {
			tb.Fatalf("reply %q: %v", body, err)
		}
	}
	return resp.StatusCode, reply
}

// workosCalls counts the WorkOS API requests the fake received.
func (r *authkitRig) workosCalls() int {
	n := 0
	for _, req := range r.as.Requests() {
		if strings.HasPrefix(req.Path, "/user_management/users/") || req.Path == "/user_management/organization_memberships" {
			n++
		}
	}
	return n
}

func TestEnrichmentWorkOSDownOrRateLimited(t *testing.T) {
	userPath := "/user_management/users/user_01ENRICH"
	for _, tc := range []struct {
		name  string
		path  string
		fault authkittest.Fault
	}{
		{"users API 503", userPath, authkittest.Fault{Status: 503, Body: []byte(`{"message":"internal detail 10.0.0.7"}`)}},
		{"users API rate limiting, Retry-After one hour", userPath, authkittest.Fault{Status: 429, Headers: http.Header{"Retry-After": {"3600"}}, Body: []byte(`{"message":"Too many requests"}`)}},
		{"memberships API rate limiting", "/user_management/organization_memberships", authkittest.Fault{Status: 429, Headers: http.Header{"Retry-After": {"60"}}}},
		{"users API connection dropped", userPath, authkittest.Fault{Drop: true}},
		{"users API slower than the lookup timeout", userPath, authkittest.Fault{Delay: time.Minute}},
		{"users API answering HTML", userPath, authkittest.Fault{Status: 200, ContentType: "text/html", Body: []byte("<html>login</html>")}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newAuthkitRig(t, nil, nil)
			tok := r.mint(t, authkittest.TokenOptions{ExpiresIn: time.Hour})
			r.as.SetFault(tc.path, tc.fault)
			const n = 20
			for i := range n {
				status, reply := r.call(t, tok)
				if status != http.StatusOK || reply.User != "user_01ENRICH" {
					t.Fatalf("request %d during the WorkOS outage: status %d, reply %+v; want 200 for the token's user", i, status, reply)
				}
				if reply.Enriched {
					t.Fatalf("request %d: enriched during the outage", i)
				}
			}
			// One lookup (with its retries, at most 3 calls per API) for n
			// requests: failures are remembered for FailureTTL.
			if got := r.workosCalls(); got > 4 {
				t.Errorf("%d WorkOS calls for %d requests of one user during the outage, want one lookup", got, n)
			}
			// WorkOS recovers; after FailureTTL the profile comes back.
			r.as.ClearFault(tc.path)
			r.clock.Advance(31 * time.Second)
			status, reply := r.call(t, r.mint(t, authkittest.TokenOptions{}))
			if status != http.StatusOK || !reply.Enriched || reply.Email != "ada@example.com" {
				t.Errorf("after recovery: status %d, reply %+v; want enriched", status, reply)
			}
			if strings.Contains(r.logs.String(), "10.0.0.7") || strings.Contains(r.logs.String(), "Too many requests") {
				t.Errorf("log carries WorkOS's message text:\n%s", r.logs.String())
			}
		})
	}
}

func TestEnrichmentOffWhenWorkOSUnreachable(t *testing.T) {
	// WorkOS pointing at a closed port: every request still succeeds.
	r := newAuthkitRig(t, nil, func(c *authkit.Config) {
		dead := httptest.NewServer(http.NotFoundHandler())
		dead.Close()
		c.WorkOS.Endpoint = dead.URL
	})
	for i := range 5 {
		status, reply := r.call(t, r.mint(t, authkittest.TokenOptions{}))
		if status != http.StatusOK || reply.Enriched {
			t.Fatalf("request %d: status %d, reply %+v; want 200 without enrichment", i, status, reply)
		}
	}
}
