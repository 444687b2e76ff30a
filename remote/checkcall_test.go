package remote

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
)

// CheckCall must decide every tools/call as the middleware does: the
// middleware's answer is the reference.
func TestCheckCallAgreesWithMiddleware(t *testing.T) {
	const resource = "https://mcp.example.com/mcp"
	custom := &Error{Status: http.StatusForbidden, Code: CodeInsufficientScope, Description: "Needs approval", Scopes: []string{"approve"}}
	p := MustNew(Config{
		MCPURL:               resource,
		AuthorizationServers: []string{"https://auth.example.com"},
		Verifier: TokenVerifierFunc(func(_ context.Context, tok string) (*TokenInfo, error) {
			return &TokenInfo{Subject: "user_" + tok, Audiences: []string{resource}, Scopes: strings.Split(tok, "+")}, nil
		}),
		RequiredScopes: []string{"mcp"},
		ToolScopes:     map[string][]string{"delete": {"files:delete"}},
		ToolCheck: func(_ context.Context, tool string, id *Identity) error {
			switch {
			case tool == "billing" && !id.HasScope("admin"):
				return errors.New("not an admin")
			case tool == "approve" && !id.HasScope("approver"):
				return custom
			}
			return nil
		},
	})
	decide := p.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		err := p.CheckCall(r.Context(), Call{Method: MethodToolsCall, Name: r.URL.Query().Get("tool")})
		if err == nil {
			w.WriteHeader(http.StatusOK)
			return
		}
		var e *Error
		if !errors.As(err, &e) {
			t.Errorf("CheckCall returned %T, want *Error", err)
		}
		w.Header().Set("Scopes", strings.Join(e.Scopes, " "))
		w.WriteHeader(e.Status)
	}))
	for _, tok := range []string{"mcp", "mcp+files:delete", "mcp+admin", "mcp+approver", "other"} {
		for _, tool := range []string{"read", "delete", "billing", "approve"} {
			call := httptest.NewRequest(http.MethodPost, resource, strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"`+tool+`"}}`))
			call.Header.Set("Authorization", "Bearer "+tok)
			want := httptest.NewRecorder()
			p.Middleware(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) })).ServeHTTP(want, call)

			ask := httptest.NewRequest(http.MethodPost, resource+"?tool="+tool, strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"tools/list"}`))
			ask.Header.Set("Authorization", "Bearer "+tok)
			got := httptest.NewRecorder()
			decide.ServeHTTP(got, ask)
			if tok == "other" {
				// Refused before any handler: RequiredScopes. CheckCall
				// says the same without the middleware's check.
				ctx := ContextWithIdentity(context.Background(), &Identity{info: &TokenInfo{Scopes: []string{"other"}}, by: p})
				if err := p.CheckCall(ctx, Call{Method: MethodToolsCall, Name: tool}); err == nil || want.Code != http.StatusForbidden {
					t.Errorf("%s %s: CheckCall %v, middleware %d; want both refusals", tok, tool, err, want.Code)
				}
				continue
			}
			if got.Code != want.Code {
				t.Errorf("%s %s: CheckCall %d, middleware %d", tok, tool, got.Code, want.Code)
			}
			if got.Code == http.StatusForbidden {
				if s := got.Header().Get("Scopes"); !strings.Contains(want.Header().Get("WWW-Authenticate"), `scope="`+s+`"`) {
					t.Errorf("%s %s: CheckCall names scopes %q, middleware %q", tok, tool, s, want.Header().Get("WWW-Authenticate"))
				}
			}
		}
	}
}

func TestCheckCallWithoutIdentity(t *testing.T) {
	p := MustNew(Config{
		MCPURL:               "https://mcp.example.com/mcp",
		AuthorizationServers: []string{"https://auth.example.com"},
		Verifier:             TokenVerifierFunc(func(context.Context, string) (*TokenInfo, error) { return nil, ErrInvalidToken }),
		RequiredScopes:       []string{"mcp"},
	})
	other := MustNew(Config{
		MCPURL:               "https://mcp.example.com/mcp",
		AuthorizationServers: []string{"https://auth.example.com"},
		Verifier:             TokenVerifierFunc(func(context.Context, string) (*TokenInfo, error) { return nil, ErrInvalidToken }),
	})
	for name, ctx := range map[string]context.Context{
		"no identity":            context.Background(),
		"a test identity":        ContextWithTokenInfo(context.Background(), &TokenInfo{Subject: "u", Scopes: []string{"mcp"}}),
		"another provider's":     ContextWithIdentity(context.Background(), &Identity{info: &TokenInfo{Subject: "u", Scopes: []string{"mcp"}}, by: other}),
		"explicitly no identity": ContextWithIdentity(context.Background(), nil),
	} {
		err := p.CheckCall(ctx, Call{Method: MethodToolsCall, Name: "read"})
		var e *Error
		if !errors.As(err, &e) || e.Status != http.StatusUnauthorized || !errors.Is(err, ErrNoIdentity) || !slices.Equal(e.Scopes, []string{"mcp"}) {
			t.Errorf("%s: %v, want a 401 naming mcp", name, err)
		}
	}
	if err := p.CheckCall(ContextWithIdentity(context.Background(), &Identity{info: &TokenInfo{Subject: "u", Scopes: []string{"mcp"}}, by: p}), Call{Method: MethodToolsCall, Name: "read"}); err != nil {
		t.Errorf("p's own identity: %v", err)
	}
}

func TestReachable(t *testing.T) {
	for _, tt := range []struct {
		name string
		err  error
		want bool
	}{
		{"allowed", nil, true},
		{"missing scope", &Error{Status: http.StatusForbidden, Code: CodeInsufficientScope, Err: ErrInsufficientScope}, true},
		{"rule refusal", &Error{Status: http.StatusForbidden, Code: CodeInsufficientScope, Err: errors.Join(ErrRuleDenied, errors.New("no role"))}, false},
		{"no identity", &Error{Status: http.StatusUnauthorized, Err: ErrNoIdentity}, false},
		{"unavailable", ErrUnavailable, false},
		{"not a call", ErrInvalidRequest, false},
	} {
		if got := Reachable(tt.err); got != tt.want {
			t.Errorf("%s: Reachable = %v, want %v", tt.name, got, tt.want)
		}
	}
}
