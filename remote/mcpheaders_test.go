package remote

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestPreflightMcpHeaders: a browser client of 2026-07-28 asks to send the
// standard headers and the Mcp-Param-{Name} headers of the tool it calls;
// the preflight allows exactly those, and nothing else it asks for.
func TestPreflightMcpHeaders(t *testing.T) {
	const fixed = corsAllowHeadersFixed
	for _, tt := range []struct {
		name      string
		requested []string // Access-Control-Request-Headers lines
		want      string
	}{
		{"none", nil, fixed},
		{"standard headers only", []string{"content-type, mcp-method, mcp-name, mcp-protocol-version"}, fixed},
		{"one param header", []string{"authorization,content-type,mcp-method,mcp-name,mcp-param-region"}, fixed + ", mcp-param-region"},
		{"letter case kept", []string{"MCP-PARAM-Region"}, fixed + ", MCP-PARAM-Region"},
		{"several, over two lines", []string{"mcp-param-a, mcp-param-b", " mcp-param-c\t"}, fixed + ", mcp-param-a, mcp-param-b, mcp-param-c"},
		{"token characters", []string{"mcp-param-x.y_z~1!#$%&'*+^`|"}, fixed + ", mcp-param-x.y_z~1!#$%&'*+^`|"},
		{"prefix alone", []string{"mcp-param-"}, fixed},
		{"not a token", []string{"mcp-param-a b, mcp-param-c(d), mcp-param-é"}, fixed},
		{"other headers not allowed", []string{"x-api-key, cookie, mcp-parameter-x, x-mcp-param-a"}, fixed},
		{"too long a name", []string{"mcp-param-" + strings.Repeat("a", corsMaxParamHeaderLen)}, fixed},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := newTestProvider(t, nil)
			req := httptest.NewRequest(http.MethodOptions, "/mcp", nil)
			req.Header.Set("Origin", "https://app.example")
			req.Header.Set("Access-Control-Request-Method", "POST")
			for _, l := range tt.requested {
				req.Header.Add("Access-Control-Request-Headers", l)
			}
			rec := httptest.NewRecorder()
			next := &nextHandler{}
			p.Middleware(next).ServeHTTP(rec, req)
			if rec.Code != http.StatusNoContent || next.called {
				t.Fatalf("status %d, next called %v", rec.Code, next.called)
			}
			if got := rec.Header().Values("Access-Control-Allow-Headers"); len(got) != 1 || got[0] != tt.want {
				t.Errorf("Access-Control-Allow-Headers = %q\nwant %q", got, tt.want)
			}
			if got := rec.Header().Get("Vary"); got != "Access-Control-Request-Headers" {
				t.Errorf("Vary = %q", got)
			}
		})
	}
}

func TestPreflightMcpParamBound(t *testing.T) {
	var names []string
	for i := range corsMaxParamHeaders + 10 {
		names = append(names, "mcp-param-p"+strings.Repeat("x", i))
	}
	got := corsAllowHeadersFor([]string{strings.Join(names, ",")})[0]
	if n := strings.Count(got, "mcp-param-"); n != corsMaxParamHeaders {
		t.Errorf("%d Mcp-Param names allowed, want the bound %d", n, corsMaxParamHeaders)
	}
}

func TestPreflightFixedListAllocatesNothing(t *testing.T) {
	req := []string{"authorization, content-type, mcp-method, mcp-name"}
	if n := testing.AllocsPerRun(100, func() { _ = corsAllowHeadersFor(req) }); n != 0 {
		t.Errorf("%v allocations for a preflight without Mcp-Param names", n)
	}
}
