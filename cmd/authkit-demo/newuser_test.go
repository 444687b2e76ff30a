package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/mcpauth/mcpauth/authkit/authkittest"
)

// This file tests the demo as a new user meets it: the mistakes the
// command line catches, the words it uses, and what --dev prints.

// TestParseConfigAcceptsURLs: the controls of the URL mistakes
// TestParseConfigErrors refuses.
func TestParseConfigAcceptsURLs(t *testing.T) {
	for _, args := range [][]string{
		{"--authkit-domain", "my-app.authkit.app", "--base-url", "https://mcp"},                   // a host named mcp
		{"--authkit-domain", "my-app.authkit.app", "--base-url", "https://example.com/mcpserver"}, // a path that only starts like mcp
		{"--authkit-domain", "my-app.authkit.app", "--base-url", "https://example.com/tools"},     // a path prefix
		{"--authkit-domain", "auth.example.com"},                                                  // a custom domain
		{"--authkit-domain", "http://localhost:9000"},                                             // a local fake
		{"--authkit-domain", "http://127.0.0.1:9000"},                                             // a loopback address
	} {
		if _, err := parseConfig(args, envMap(), io.Discard); err != nil {
			t.Errorf("parseConfig(%q) = %v, want it accepted", args, err)
		}
	}
}

func TestSettingNames(t *testing.T) {
	tests := []struct {
		name string
		args []string
		env  func(string) string
		want settingNames
	}{
		{"flags", []string{"--authkit-domain", "a.authkit.app", "--base-url", "https://x.example.com", "--client-id", "client_1"}, envMap(), settingNames{"--authkit-domain", "--base-url", "--client-id"}},
		{"environment", nil, envMap("AUTHKIT_DOMAIN", "a.authkit.app", "BASE_URL", "https://x.example.com", "AUTHKIT_CLIENT_ID", "client_1"), settingNames{"AUTHKIT_DOMAIN", "BASE_URL", "AUTHKIT_CLIENT_ID"}},
		{"a flag over the environment", []string{"--authkit-domain", "b.authkit.app"}, envMap("AUTHKIT_DOMAIN", "a.authkit.app"), settingNames{"--authkit-domain", "--base-url", "--client-id"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := parseConfig(tt.args, tt.env, io.Discard)
			if err != nil {
				t.Fatal(err)
			}
			if cfg.names != tt.want {
				t.Errorf("names = %+v, want %+v", cfg.names, tt.want)
			}
		})
	}
}

// TestRunValidatesBeforeListening: a bad URL is reported as such even when
// the port is taken, because the configuration is checked before the port
// is bound.
func TestRunValidatesBeforeListening(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	addr := busy.Addr().String()
	for _, tt := range []struct{ name, flag, value, want string }{
		{"base URL", "--base-url", "https://mcp.example.com/mcp", `authkit-demo: --base-url "https://mcp.example.com/mcp" ends in /mcp...`},
		{"base URL scheme", "--base-url", "ftp://mcp.example.com", `authkit-demo: --base-url "ftp://mcp.example.com" has scheme "ftp"...`},
		{"domain", "--authkit-domain", "my-app", `authkit-demo: --authkit-domain "my-app" is not a full domain name...`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			args := []string{"--addr", addr, tt.flag, tt.value}
			if tt.flag != "--authkit-domain" {
				args = append(args, "--authkit-domain", "my-app.authkit.app")
			}
			_, _, err := runErr(t, args, envMap())
			assertOneSentence(t, err, tt.want)
		})
	}
}

// TestCheckSpeaksFlags: check tells the user what to change with the flag
// or variable they set, prints each finding once (the library's logs of
// the same failures stay off unless a log level is asked for) and names
// no library field.
func TestCheckSpeaksFlags(t *testing.T) {
	ak := authkittest.Start(t)
	ak.SetFault("/.well-known/oauth-authorization-server", authkittest.Fault{Status: http.StatusServiceUnavailable})
	ak.SetFault("/oauth2/jwks", authkittest.Fault{Status: http.StatusBadGateway})
	tests := []struct {
		name      string
		args      []string
		env       func(string) string
		want      []string
		wantLogs  bool
		wantNames []string
	}{
		{
			name: "flags", args: []string{"check", "--authkit-domain", ak.URL(), "--client-id", "client_01LEGACY"}, env: envMap(),
			want: []string{"check that --authkit-domain is your AuthKit domain", "(--client-id, AuthKit's legacy fallback)"},
		},
		{
			name: "environment", args: []string{"check"}, env: envMap("AUTHKIT_DOMAIN", ak.URL(), "AUTHKIT_CLIENT_ID", "client_01LEGACY"),
			want: []string{"check that AUTHKIT_DOMAIN is your AuthKit domain", "(AUTHKIT_CLIENT_ID, AuthKit's legacy fallback)"},
		},
		{
			name: "a log level brings the library's logs back", args: []string{"check", "--authkit-domain", ak.URL(), "--log-level", "warn"}, env: envMap(),
			want: []string{"check that --authkit-domain is your AuthKit domain"}, wantLogs: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stdout, stderr, err := runErr(t, tt.args, tt.env)
			if !errors.Is(err, errCheckFailed) {
				t.Fatalf("check = %v, want errCheckFailed\n%s", err, stdout)
			}
			for _, w := range tt.want {
				if !strings.Contains(stdout, w) {
					t.Errorf("output lacks %q:\n%s", w, stdout)
				}
			}
			if strings.Contains(stdout, "Config.") {
				t.Errorf("output names a library field:\n%s", stdout)
			}
			if gotLogs := stderr != ""; gotLogs != tt.wantLogs {
				t.Errorf("logs on stderr: %v, want %v:\n%s", gotLogs, tt.wantLogs, stderr)
			}
		})
	}
}

func TestExitStatus(t *testing.T) {
	for _, tt := range []struct {
		name   string
		err    error
		status int
		out    string
	}{
		{"success", nil, 0, ""},
		{"a start-up error is printed", errors.New("authkit-demo: cannot listen"), 1, "authkit-demo: cannot listen\n"},
		{"a failed check has said so already", errCheckFailed, 1, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			if got := exitStatus(tt.err, &out); got != tt.status || out.String() != tt.out {
				t.Errorf("exitStatus = %d, printed %q; want %d, %q", got, out.String(), tt.status, tt.out)
			}
		})
	}
}

// TestBinaryPrintsErrorsOnce runs the program as a user does: a flag
// error is one line (not the error, the whole usage and the error again),
// and a failed check ends with its result line, not a second verdict.
func TestBinaryPrintsErrorsOnce(t *testing.T) {
	ak := authkittest.Start(t)
	ak.SetDCR(false) // and CIMD is off by default: no client can register
	for _, tt := range []struct {
		name       string
		args       []string
		wantStdout string // a line stdout must end with
		wantStderr string // the whole of stderr
	}{
		{"unknown flag", []string{"--domain", "my-app.authkit.app"}, "", "authkit-demo: flag provided but not defined: -domain (authkit-demo -h lists the flags)\n"},
		{"bad flag value", []string{"--dev", "--addr"}, "", "authkit-demo: flag needs an argument: -addr (authkit-demo -h lists the flags)\n"},
		{"failed check", []string{"check", "--authkit-domain", ak.URL()}, "result: clients will NOT be able to connect\n", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cmd := exec.Command(demoBinary(t), tt.args...)
			cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			err := cmd.Run()
			var exit *exec.ExitError
			if !errors.As(err, &exit) || exit.ExitCode() != 1 {
				t.Fatalf("exit = %v, want status 1", err)
			}
			if stderr.String() != tt.wantStderr {
				t.Errorf("stderr = %q\nwant     %q", stderr.String(), tt.wantStderr)
			}
			if !strings.HasSuffix(stdout.String(), tt.wantStdout) || (tt.wantStdout == "" && stdout.Len() > 0) {
				t.Errorf("stdout = %q, want it to end with %q", stdout.String(), tt.wantStdout)
			}
		})
	}
}

// TestDevPrintsAToolCall: the printed curl command calls a tool (whoami)
// with the printed token, whoami names the fake's client, and nothing in
// dev mode sends the user to the WorkOS dashboard.
func TestDevPrintsAToolCall(t *testing.T) {
	curl, err := exec.LookPath("curl")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("curl is needed to run the printed command")
		}
		t.Skip("curl not found")
	}
	p := startDemo(t, []string{"--dev", "--addr", "127.0.0.1:0"})
	if !strings.HasPrefix(p.ready["client_id"], "client_") {
		t.Fatalf("client_id = %q, want the fake's environment client id", p.ready["client_id"])
	}
	cmd := exec.Command("sh", "-c", p.ready["curl"])
	cmd.Env = []string{"PATH=" + os.Getenv("PATH")}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("the printed command (%s) failed: %v\n%s", curl, err, out)
	}
	result := toolResult(t, out)
	if result["user_id"] != p.ready["user_id"] || result["client_id"] != p.ready["client_id"] {
		t.Errorf("whoami through the printed command = %v, want user %s and client %s", result, p.ready["user_id"], p.ready["client_id"])
	}

	insp := p.ready["inspector"]
	for _, want := range []string{"npx @modelcontextprotocol/inspector", "--server-url " + p.ready["mcp_url"], "Node >= 22.19", "OAuth"} {
		if !strings.Contains(insp, want) {
			t.Errorf("inspector line %q lacks %q", insp, want)
		}
	}
	for _, gone := range []string{"Transport Type", "Quick OAuth Flow", "Bearer Token:"} { // Inspector 1.x's fields
		if strings.Contains(insp, gone) {
			t.Errorf("inspector line %q names %q, which Inspector 2.x does not have", insp, gone)
		}
	}
	p.stop(t)
	if logs := p.stderr.String(); strings.Contains(logs, "dashboard") {
		t.Errorf("dev mode logs a WorkOS dashboard instruction:\n%s", logs)
	}

	stdout, _, err := runErr(t, []string{"check", "--dev"}, envMap())
	if err != nil || strings.Contains(stdout, "dashboard") {
		t.Errorf("check --dev = %v, output:\n%s\nwant success and no WorkOS dashboard instruction", err, stdout)
	}
}

// toolResult returns the structured result of the last JSON-RPC response
// in out (JSON or server-sent events).
func toolResult(t testing.TB, out []byte) map[string]any {
	t.Helper()
	var last string
	for _, l := range strings.Split(string(out), "\n") {
		l = strings.TrimPrefix(strings.TrimSpace(l), "data: ")
		if strings.HasPrefix(l, `{"jsonrpc"`) {
			last = l
		}
	}
	var resp struct {
		Result struct {
			StructuredContent map[string]any `json:"structuredContent"`
		} `json:"result"`
	}
	if err := json.Unmarshal([]byte(last), &resp); err != nil || resp.Result.StructuredContent == nil {
		t.Fatalf("no tool result in the output (%v):\n%s", err, out)
	}
	return resp.Result.StructuredContent
}

// TestDevClientIDFallback: with --dev, --client-id becomes the fake's
// environment client id, so the legacy fallback can be tried: a token a
// client got without a resource indicator (aud = that client id) is
// accepted, and refused without the flag.
func TestDevClientIDFallback(t *testing.T) {
	const clientID = "client_01DEMOLEGACYFALLBACK00000"
	with := startDemo(t, []string{"--dev", "--addr", "127.0.0.1:0", "--client-id", clientID})
	if with.ready["client_id"] != clientID {
		t.Fatalf("client_id = %q, want %q", with.ready["client_id"], clientID)
	}
	if resp := rawPost(t, with.ready["mcp_url"], "Bearer "+tokenWithoutResource(t, with.ready["authkit_url"])); resp.StatusCode != http.StatusOK {
		t.Errorf("a token without a resource indicator with --client-id = %d, want 200", resp.StatusCode)
	}
	without := startDemo(t, []string{"--dev", "--addr", "127.0.0.1:0"})
	if resp := rawPost(t, without.ready["mcp_url"], "Bearer "+tokenWithoutResource(t, without.ready["authkit_url"])); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("the same without --client-id = %d, want 401", resp.StatusCode)
	}
}

// tokenWithoutResource signs in to the fake AuthKit at authkitURL as a
// client that sends no resource indicator (dynamic registration, PKCE).
func tokenWithoutResource(t testing.TB, authkitURL string) string {
	t.Helper()
	const redirect = "http://127.0.0.1:9/callback" // never followed
	hc := noRedirectClient()
	resp, err := hc.Post(authkitURL+"/oauth2/register", "application/json", strings.NewReader(`{"redirect_uris":["`+redirect+`"],"token_endpoint_auth_method":"none"}`))
	if err != nil {
		t.Fatal(err)
	}
	var reg struct {
		ClientID string `json:"client_id"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&reg); err != nil || reg.ClientID == "" {
		t.Fatalf("register: %d %v", resp.StatusCode, err)
	}
	resp.Body.Close()
	verifier := strings.Repeat("v", 43)
	sum := sha256.Sum256([]byte(verifier))
	q := url.Values{
		"response_type": {"code"}, "client_id": {reg.ClientID}, "redirect_uri": {redirect}, "state": {"s1"},
		"code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])}, "code_challenge_method": {"S256"},
	}
	resp, err = hc.Get(authkitURL + "/oauth2/authorize?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || loc.Query().Get("code") == "" {
		t.Fatalf("authorize: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, err = hc.PostForm(authkitURL+"/oauth2/token", url.Values{
		"grant_type": {"authorization_code"}, "code": {loc.Query().Get("code")}, "redirect_uri": {redirect},
		"client_id": {reg.ClientID}, "code_verifier": {verifier},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&tok); err != nil || tok.AccessToken == "" {
		t.Fatalf("token: %d %v", resp.StatusCode, err)
	}
	return tok.AccessToken
}

// TestREADMEInspector: the README connects the MCP Inspector the way the
// demo's inspector line does (Inspector 2.x), and names none of the 1.x
// fields 2.x does not have.
func TestREADMEInspector(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	var printed bytes.Buffer
	if err := (readyInfo{mcpURL: "<mcp-url>", authkitURL: "x"}).write(&printed); err != nil {
		t.Fatal(err)
	}
	cmd, _, _ := strings.Cut(strings.SplitN(printed.String(), "inspector: ", 2)[1], "  ")
	if !strings.Contains(string(readme), "`"+cmd+"`") {
		t.Errorf("the README does not show the printed Inspector command %q", cmd)
	}
	for _, gone := range []string{"Transport Type", "Quick OAuth Flow", "Bearer Token", "Open Auth Settings"} {
		if strings.Contains(string(readme), gone) {
			t.Errorf("the README names %q, an Inspector 1.x field", gone)
		}
	}
}
