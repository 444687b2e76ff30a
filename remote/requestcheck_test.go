package remote

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestRequestCheck: a rule for the whole endpoint refuses requests that
// every other check lets through (any method, tool calls or not), is
// reported as its own decision, answers a check's *Error as is (a 503 with
// the Retry-After it asks for), and CheckCall applies it too.
func TestRequestCheck(t *testing.T) {
	const resource = "https://mcp.example.com/mcp"
	outage := &Error{Status: http.StatusServiceUnavailable, Description: "Directory down", Err: &UnavailableError{RetryAfter: 42 * time.Second, Err: ErrUnavailable}}
	var decisions []Decision
	p := MustNew(Config{
		MCPURL:               resource,
		AuthorizationServers: []string{"https://auth.example.com"},
		Verifier: TokenVerifierFunc(func(_ context.Context, tok string) (*TokenInfo, error) {
			return &TokenInfo{Subject: tok, Audiences: []string{resource}, Scopes: []string{"mcp"}}, nil
		}),
		RequiredScopes: []string{"mcp"},
		RequestCheck: func(_ context.Context, id *Identity) error {
			switch id.Subject() {
			case "user_outsider":
				return errors.New("not in the organization")
			case "user_during_outage":
				return outage
			}
			return nil
		},
		OnDecision: func(_ context.Context, d Decision) { decisions = append(decisions, d) },
	})
	reached := 0
	h := p.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reached++
		err := p.CheckCall(r.Context(), Call{Method: MethodToolsCall, Name: "read"})
		if err != nil {
			t.Errorf("CheckCall refused an allowed caller: %v", err)
		}
	}))
	send := func(method, sub, body string) *httptest.ResponseRecorder {
		r := httptest.NewRequest(method, resource, strings.NewReader(body))
		r.Header.Set("Authorization", "Bearer "+sub)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}
	const list = `{"jsonrpc":"2.0","id":1,"method":"tools/list"}`
	if w := send(http.MethodPost, "user_member", list); w.Code != http.StatusOK || reached != 1 {
		t.Fatalf("allowed caller: %d, reached %d", w.Code, reached)
	}
	for _, method := range []string{http.MethodPost, http.MethodGet, http.MethodDelete} {
		w := send(method, "user_outsider", list)
		if w.Code != http.StatusForbidden || !strings.Contains(w.Header().Get("WWW-Authenticate"), `error="insufficient_scope"`) {
			t.Errorf("%s refused caller: %d %q", method, w.Code, w.Header().Get("WWW-Authenticate"))
		}
	}
	if reached != 1 {
		t.Errorf("a refused request reached the handler (%d)", reached)
	}
	d := decisions[len(decisions)-1]
	if d.Reason != "request_denied" || d.Outcome != OutcomeInsufficientScope || !errors.Is(d.Err, ErrRuleDenied) || d.Subject != "user_outsider" {
		t.Errorf("decision = %+v", d)
	}
	w := send(http.MethodPost, "user_during_outage", list)
	if w.Code != http.StatusServiceUnavailable || w.Header().Get("Retry-After") != "42" || w.Header().Get("WWW-Authenticate") != "" {
		t.Errorf("outage: %d, Retry-After %q, challenge %q", w.Code, w.Header().Get("Retry-After"), w.Header().Get("WWW-Authenticate"))
	}
	if d := decisions[len(decisions)-1]; d.Outcome != OutcomeUnavailable || d.Reason != "request_denied" {
		t.Errorf("outage decision = %+v", d)
	}

	for sub, want := range map[string]int{"user_outsider": http.StatusForbidden, "user_during_outage": http.StatusServiceUnavailable} {
		ctx := ContextWithIdentity(context.Background(), &Identity{info: &TokenInfo{Subject: sub, Scopes: []string{"mcp"}}, by: p})
		var e *Error
		err := p.CheckCall(ctx, Call{Method: MethodToolsCall, Name: "read"})
		if !errors.As(err, &e) || e.Status != want {
			t.Errorf("CheckCall for %s = %v, want %d", sub, err, want)
		}
		if want == http.StatusForbidden && !errors.Is(err, ErrRuleDenied) {
			t.Errorf("CheckCall refusal does not wrap ErrRuleDenied: %v", err)
		}
	}
}
