package remote

import (
	"context"
	"encoding/base64"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
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

// b64 is the Base64 sentinel encoding of s, as a 2026-07-28 client sends a
// header value that is not plain visible ASCII.
func b64(s string) string {
	return sentinelPrefix + base64.StdEncoding.EncodeToString([]byte(s)) + sentinelSuffix
}

// TestHeaderMismatch: with tool rules configured, the MCP request headers
// must agree with the body the rules were applied to. Every refused case
// uses a token that may call both tools, so without the check it would
// reach the handler.
func TestHeaderMismatch(t *testing.T) {
	const modern = "2026-07-28"
	meta := `,"_meta":{"io.modelcontextprotocol/protocolVersion":"` + modern + `"}`
	call := func(name string) string {
		return `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":` + strconv.Quote(name) + meta + `}}`
	}
	legacyCall := `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"delete"}}`
	std := func(method, name string) map[string][]string {
		h := map[string][]string{"MCP-Protocol-Version": {modern}, "Mcp-Method": {method}}
		if name != "" {
			h["Mcp-Name"] = []string{name}
		}
		return h
	}
	p := newTestProvider(t, func(c *Config) {
		c.ToolScopes = map[string][]string{"delete": {"mcp:admin"}}
	})
	for _, tt := range []struct {
		name   string
		header map[string][]string
		body   string
		want   headerProblem // headersOK: reaches the handler
	}{
		{"2026-07-28 tools/call with matching headers", std("tools/call", "delete"), call("delete"), headersOK},
		{"header names in any letter case", map[string][]string{"mcp-protocol-version": {modern}, "MCP-METHOD": {"tools/call"}, "mCp-NaMe": {"delete"}}, call("delete"), headersOK},
		{"sentinel-encoded name", std("tools/call", b64("delete")), call("delete"), headersOK},
		{"sentinel-encoded non-ASCII name", std("tools/call", b64("délète")), call("délète"), headersOK},
		{"name that looks like the sentinel, encoded", std("tools/call", b64("=?base64?x?=")), call("=?base64?x?="), headersOK},
		{"2026-07-28 tools/list", std("tools/list", ""), `{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{` + meta[1:] + `}}`, headersOK},
		{"2026-07-28 response without a method", map[string][]string{"MCP-Protocol-Version": {modern}}, `{"jsonrpc":"2.0","id":1,"result":{}}`, headersOK},
		{"2025 request without headers", nil, legacyCall, headersOK},
		{"2025 request with matching headers", map[string][]string{"MCP-Protocol-Version": {"2025-11-25"}, "Mcp-Method": {"tools/call"}, "Mcp-Name": {"delete"}}, legacyCall, headersOK},
		{"2025 batch without headers", nil, "[" + legacyCall + "," + legacyCall + "]", headersOK},

		{"Mcp-Name names another tool", std("tools/call", "echo"), call("delete"), headerNameMismatch},
		{"Mcp-Name in another letter case", std("tools/call", "Delete"), call("delete"), headerNameMismatch},
		{"Mcp-Method in another letter case", std("Tools/Call", "delete"), call("delete"), headerMethodMismatch},
		{"Mcp-Method names another method", std("tools/list", "delete"), call("delete"), headerMethodMismatch},
		{"sentinel decodes to another tool", std("tools/call", b64("echo")), call("delete"), headerNameMismatch},
		{"sentinel not decoded when the body holds the encoded text", std("tools/call", b64("delete")), call(b64("delete")), headerNameMismatch},
		{"sentinel with invalid Base64", std("tools/call", sentinelPrefix+"ZGVsZXRl!?="), call("delete"), headerMalformed},
		{"sentinel with non-canonical padding bits", std("tools/call", sentinelPrefix+"ZGV="+sentinelSuffix), call("de"), headerMalformed},
		{"raw non-ASCII name equal to the body", std("tools/call", "délète"), call("délète"), headerMalformed},
		{"name over the size limit, equal to the body", std("tools/call", strings.Repeat("d", maxMcpNameHeader+1)), call(strings.Repeat("d", maxMcpNameHeader+1)), headerMalformed},
		{"empty Mcp-Name", map[string][]string{"MCP-Protocol-Version": {modern}, "Mcp-Method": {"tools/call"}, "Mcp-Name": {""}}, call("delete"), headerMalformed},
		{"Mcp-Name twice", map[string][]string{"MCP-Protocol-Version": {modern}, "Mcp-Method": {"tools/call"}, "Mcp-Name": {"delete", "delete"}}, call("delete"), headerMalformed},
		{"Mcp-Name twice in two spellings", map[string][]string{"MCP-Protocol-Version": {modern}, "Mcp-Method": {"tools/call"}, "mcp-name": {"delete"}, "MCP-NAME": {"delete"}}, call("delete"), headerMalformed},
		{"Mcp-Method twice", map[string][]string{"MCP-Protocol-Version": {modern}, "Mcp-Method": {"tools/call", "tools/call"}, "Mcp-Name": {"delete"}}, call("delete"), headerMalformed},
		{"2026-07-28 tools/call without Mcp-Name", std("tools/call", ""), call("delete"), headerNameMissing},
		{"2026-07-28 tools/call without any header", map[string][]string{"MCP-Protocol-Version": {modern}}, call("delete"), headerMethodMissing},
		{"_meta version without MCP-Protocol-Version", map[string][]string{"Mcp-Method": {"tools/call"}, "Mcp-Name": {"delete"}}, call("delete"), headerVersionMismatch},
		{"_meta version differs from MCP-Protocol-Version", map[string][]string{"MCP-Protocol-Version": {"2025-11-25"}}, call("delete"), headerVersionMismatch},
		{"future version without headers", map[string][]string{"MCP-Protocol-Version": {"2027-01-01"}}, legacyCall, headerMethodMissing},
		{"2026-07-28 batch", std("tools/call", "delete"), "[" + call("delete") + "]", headerBatch},
		{"2025 batch of two with headers", map[string][]string{"Mcp-Method": {"tools/call"}, "Mcp-Name": {"delete"}}, "[" + legacyCall + "," + legacyCall + "]", headerBatch},
		{"2025 request, Mcp-Name names another tool", map[string][]string{"Mcp-Name": {"echo"}}, legacyCall, headerNameMismatch},
		{"2025 request, Mcp-Method disagrees", map[string][]string{"Mcp-Method": {"tools/list"}}, legacyCall, headerMethodMismatch},
		{"Mcp-Name on a method without a name", map[string][]string{"Mcp-Method": {"tools/list"}, "Mcp-Name": {"delete"}}, `{"jsonrpc":"2.0","id":1,"method":"tools/list"}`, headerNameMismatch},
		{"Mcp-Method on a response", map[string][]string{"Mcp-Method": {"tools/call"}}, `{"jsonrpc":"2.0","id":1,"result":{}}`, headerMethodMismatch},
	} {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodPost, "/mcp", strings.NewReader(tt.body))
			req.Header.Set("Authorization", "Bearer admin")
			req.Header.Set("Origin", "https://app.example")
			for k, vs := range tt.header {
				for _, v := range vs {
					req.Header.Add(k, v)
				}
			}
			var got []Decision
			p.onDecision = func(_ context.Context, d Decision) { got = append(got, d) }
			next := &nextHandler{}
			rec := httptest.NewRecorder()
			p.Middleware(next).ServeHTTP(rec, req)
			if tt.want == headersOK {
				if rec.Code != 200 || !next.called || next.body != tt.body {
					t.Fatalf("status %d, next called %v (%s)", rec.Code, next.called, rec.Body)
				}
				return
			}
			if rec.Code != http.StatusBadRequest || next.called {
				t.Fatalf("status %d, next called %v, want 400 before the handler", rec.Code, next.called)
			}
			want := `{"jsonrpc":"2.0","error":{"code":-32020,"message":"` + headerMessages[tt.want] + `"}}` + "\n"
			if rec.Body.String() != want {
				t.Errorf("body\n %s\nwant\n %s", rec.Body, want)
			}
			h := rec.Header()
			if h.Get("Content-Type") != "application/json" || h.Get("Access-Control-Allow-Origin") != "*" || h.Get("WWW-Authenticate") != "" {
				t.Errorf("headers %v", h)
			}
			if len(got) != 1 || got[0].Reason != "header_mismatch" || got[0].Outcome != OutcomeInvalidRequest || got[0].Status != 400 ||
				!errors.Is(got[0].Err, ErrHeaderMismatch) || !errors.Is(got[0].Err, ErrInvalidRequest) || got[0].Subject != "user_1" {
				t.Errorf("decision %+v", got)
			}
		})
	}
}

// TestHeaderMismatchBeforeScopes: a call whose headers disagree is refused
// with 400 even when its token lacks the tool's scope (a 403 would invite a
// step-up that cannot help), and no rule runs.
func TestHeaderMismatchBeforeScopes(t *testing.T) {
	ran := false
	p := newTestProvider(t, func(c *Config) {
		c.ToolScopes = map[string][]string{"delete": {"mcp:admin"}}
		c.ToolCheck = func(context.Context, string, *Identity) error { ran = true; return nil }
	})
	req := httptest.NewRequest(http.MethodPost, "/mcp", strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"delete"}}`))
	req.Header.Set("Authorization", "Bearer good")
	req.Header.Set("Mcp-Name", "echo")
	rec := httptest.NewRecorder()
	p.Middleware(&nextHandler{}).ServeHTTP(rec, req)
	if rec.Code != http.StatusBadRequest || ran {
		t.Errorf("status %d, ToolCheck ran %v", rec.Code, ran)
	}
}

// TestHeadersNotCheckedWithoutRules: without per-call rules the middleware
// does not read the body; the MCP server checks the headers itself.
func TestHeadersNotCheckedWithoutRules(t *testing.T) {
	p := newTestProvider(t, nil)
	req := httptest.NewRequest(http.MethodPost, "/mcp", strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"delete"}}`))
	req.Header.Set("Authorization", "Bearer good")
	req.Header.Set("Mcp-Name", "echo")
	rec := httptest.NewRecorder()
	next := &nextHandler{}
	p.Middleware(next).ServeHTTP(rec, req)
	if rec.Code != 200 || !next.called {
		t.Errorf("status %d", rec.Code)
	}
}

func TestDecodeMcpName(t *testing.T) {
	for _, tt := range []struct {
		in, want string
		ok       bool
	}{
		{"get_weather", "get_weather", true},
		{"file:///a b", "file:///a b", true},
		{"a\tb", "a\tb", true},
		{b64("Hello, 世界"), "Hello, 世界", true},
		{b64(" padded "), " padded ", true},
		{"=?base64?", "=?base64?", true}, // no suffix: a plain value
		{"=?BASE64?ZGVsZXRl?=", "=?BASE64?ZGVsZXRl?=", true},
		{"", "", false},
		{"=?base64??=", "", false},
		{"=?base64?ZGVsZXRl?=", "delete", true},
		{"=?base64?ZGVsZXRl=?=", "", false},
		{"=?base64?ZGU=?=", "de", true},
		{"=?base64?ZGV=?=", "", false},
		{"=?base64?ZGVsZXRl\n?=", "", false},
		{"=?base64?ZGVs-XRl?=", "", false},
		{b64("a\xffb"), "", false},
		{"é", "", false},
		{"a\x00b", "", false},
		{"a\x7fb", "", false},
		{strings.Repeat("a", maxMcpNameHeader), strings.Repeat("a", maxMcpNameHeader), true},
		{strings.Repeat("a", maxMcpNameHeader+1), "", false},
	} {
		got, ok := decodeMcpName(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("decodeMcpName(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

// FuzzDecodeMcpName: a value decodeMcpName accepts is either plain visible
// ASCII returned unchanged, or the canonical sentinel encoding of what it
// returns.
func FuzzDecodeMcpName(f *testing.F) {
	for _, s := range []string{"delete", b64("délète"), "=?base64?", "=?base64??=", "=?base64?ZGVsZXRl=?=", "a\tb"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		got, ok := decodeMcpName(v)
		if !ok {
			return
		}
		if got == v {
			for i := 0; i < len(v); i++ {
				if c := v[i]; (c < 0x20 && c != '\t') || c > 0x7e {
					t.Fatalf("accepted byte %#x in %q", c, v)
				}
			}
			return
		}
		if b64(got) != v {
			t.Fatalf("decodeMcpName(%q) = %q, whose encoding is %q", v, got, b64(got))
		}
	})
}
