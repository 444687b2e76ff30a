package main

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mcpauth/mcpauth/internal/demo"
)

// browserPage is the browser client's page: testdata/browser/index.html.
var browserPage = filepath.Join("testdata", "browser", "index.html")

// requireChromium returns the Chromium binary (CHROMIUM, else chromium on
// PATH). Without one the test is skipped on a developer machine and fails in
// CI, whose script installs Debian's chromium package.
func requireChromium(t testing.TB) string {
	t.Helper()
	if p := os.Getenv("CHROMIUM"); p != "" {
		return p
	}
	p, err := exec.LookPath("chromium")
	if err != nil {
		if mustRunNodeTests(os.Getenv) {
			t.Fatalf("chromium is required in CI for the browser client test (.ci/run installs Debian's chromium package): %v", err)
		}
		t.Skip("chromium not installed; the browser client test runs in CI")
	}
	return p
}

// browserResult is what browser.mjs prints: the page's result and the
// browser's console errors.
type browserResult struct {
	OK            bool     `json:"ok"`
	Error         string   `json:"error"`
	ConsoleErrors []string `json:"console_errors"`
	Steps         []struct {
		Step   string `json:"step"`
		Status int    `json:"status"`
	} `json:"steps"`
	ISSSupported        bool           `json:"iss_supported"`
	ISSMatches          bool           `json:"iss_matches"`
	Discover2026        map[string]any `json:"discover_2026"`
	Whoami2026          demo.Caller    `json:"whoami_2026"`
	ProtocolVersion2025 string         `json:"protocol_version_2025"`
	Whoami2025          demo.Caller    `json:"whoami_2025"`
	AdminEchoStatus     int            `json:"admin_echo_status"`
	AdminEchoChallenge  string         `json:"admin_echo_challenge"`
}

// TestE2EBrowserClient: a page in a real browser (Chromium, headless), served
// from an origin that is neither the MCP server's nor the authorization
// server's, runs the whole flow as a browser MCP client does — 401,
// protected resource metadata, authorization server metadata, registration,
// a top-level authorize redirect with PKCE, token — and then calls tools in
// both protocol generations. The browser enforces CORS on every exchange:
// preflights for the Mcp-* headers and Authorization, exposed
// WWW-Authenticate on the 401 and the 403, readable answers from the
// authorization server.
func TestE2EBrowserClient(t *testing.T) {
	chromium := requireChromium(t)
	node := requireNode(t)
	npmInstall(t)
	p := startDemo(t, []string{"--dev", "--addr", "127.0.0.1:0"})
	mcpURL := p.ready["mcp_url"]

	page, err := os.ReadFile(browserPage)
	if err != nil {
		t.Fatal(err)
	}
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" && r.URL.Path != "/callback" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write(page)
	}))
	t.Cleanup(site.Close)
	if strings.HasPrefix(mcpURL, site.URL+"/") {
		t.Fatalf("the page's origin %s is the MCP server's: the test would not cross origins", site.URL)
	}

	res := runBrowser(t, node, chromium, site.URL+"/?mcp="+url.QueryEscape(mcpURL))

	var got []string
	for _, s := range res.Steps {
		got = append(got, s.Step)
	}
	want := []string{"mcp_unauthenticated", "resource_metadata", "authorization_server_metadata", "register",
		"token", "discover_2026", "whoami_2026", "initialize_2025", "whoami_2025", "admin_echo_2026"}
	if !slices.Equal(got, want) {
		t.Errorf("steps = %v, want %v", got, want)
	}
	if !res.ISSSupported || !res.ISSMatches {
		t.Errorf("RFC 9207: iss advertised %v, iss in the authorization response matches the issuer %v; want both", res.ISSSupported, res.ISSMatches)
	}
	if versions, _ := res.Discover2026["supportedVersions"].([]any); !slices.Contains(versions, any("2026-07-28")) {
		t.Errorf("server/discover = %v, want 2026-07-28 among the supported versions", res.Discover2026)
	}
	assertDevCaller(t, res.Whoami2026, p.ready)
	assertDevCaller(t, res.Whoami2025, p.ready)
	if res.ProtocolVersion2025 != "2025-11-25" {
		t.Errorf("initialize negotiated %q, want 2025-11-25", res.ProtocolVersion2025)
	}
	if res.AdminEchoStatus != http.StatusForbidden || !strings.Contains(res.AdminEchoChallenge, `error="insufficient_scope"`) ||
		!strings.Contains(res.AdminEchoChallenge, demo.AdminScope) {
		t.Errorf("admin_echo: status %d, challenge %q; want 403 insufficient_scope naming %s, readable by the page",
			res.AdminEchoStatus, res.AdminEchoChallenge, demo.AdminScope)
	}
}

// runBrowser runs browser.mjs on pageURL and decodes its answer, failing the
// test with the page's error and the browser's console (where a CORS refusal
// is reported) unless the page reported ok.
func runBrowser(t testing.TB, node, chromium, pageURL string) browserResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "browser.mjs", pageURL)
	cmd.Dir = tsClientDir
	cmd.Env = append(os.Environ(), "CHROMIUM="+chromium)
	var stderr lockedBuffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	var res browserResult
	if jerr := json.Unmarshal(out, &res); jerr != nil {
		t.Fatalf("browser.mjs: %v; output %q; stderr:\n%s", err, out, stderr.String())
	}
	if err != nil || !res.OK {
		t.Fatalf("browser client failed: %v: %s\nsteps: %+v\nbrowser console:\n%s\nstderr:\n%s",
			err, res.Error, res.Steps, strings.Join(res.ConsoleErrors, "\n"), stderr.String())
	}
	return res
}
