package main

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/mcpauth/mcpauth/authkit/authkittest"
)

func TestRunCheck(t *testing.T) {
	tests := []struct {
		name    string
		setup   func(*authkittest.Server)
		wantErr error
		want    []string // lines (or line prefixes ending in "...") stdout must hold
		not     []string // substrings stdout must not hold
	}{
		{
			name:  "CIMD and DCR enabled",
			setup: func(s *authkittest.Server) { s.SetCIMD(true) },
			want: []string{
				`info: Register "http://127.0.0.1:8080/mcp"...`,
				"result: ok, clients can connect",
			},
			not: []string{"warning:"},
		},
		{
			name: "DCR only: CIMD recommended",
			want: []string{
				"warning: AuthKit does not offer client ID metadata documents, the registration MCP recommends, so clients fall back to dynamic client registration, which MCP deprecates...",
				"result: ok, clients can connect",
			},
		},
		{
			name:  "CIMD only: DCR is the deprecated fallback",
			setup: func(s *authkittest.Server) { s.SetDCR(false); s.SetCIMD(true) },
			want: []string{
				"info: AuthKit offers client ID metadata documents but not dynamic client registration...",
				"result: ok, clients can connect",
			},
			not: []string{"warning:"},
		},
		{
			name:    "DCR and CIMD disabled",
			setup:   func(s *authkittest.Server) { s.SetDCR(false); s.SetCIMD(false) },
			wantErr: errCheckFailed,
			want: []string{
				"error: AuthKit offers neither client ID metadata documents nor dynamic client registration...",
				"result: clients will NOT be able to connect",
			},
		},
		{
			name:    "issuer mismatch",
			setup:   func(s *authkittest.Server) { s.SetMetadataOverrides(map[string]any{"issuer": s.URL() + "/"}) },
			wantErr: errCheckFailed,
			want:    []string{"error: AuthKit's metadata at ...", "result: clients will NOT be able to connect"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ak := authkittest.Start(t)
			if tt.setup != nil {
				tt.setup(ak)
			}
			stdout, _, err := runErr(t, []string{"check", "--authkit-domain", ak.URL()}, envMap())
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("check = %v, want %v\n%s", err, tt.wantErr, stdout)
			}
			assertLines(t, stdout, tt.want)
			for _, n := range tt.not {
				if strings.Contains(stdout, n) {
					t.Errorf("output holds %q:\n%s", n, stdout)
				}
			}
		})
	}
}

func TestRunCheckDev(t *testing.T) {
	stdout, _, err := runErr(t, []string{"check", "--dev"}, envMap())
	if err != nil {
		t.Fatalf("check --dev = %v\n%s", err, stdout)
	}
	assertLines(t, stdout, []string{"result: ok, clients can connect"})
}

func assertLines(t testing.TB, out string, want []string) {
	t.Helper()
	lines := strings.Split(out, "\n")
	for _, w := range want {
		prefix, isPrefix := strings.CutSuffix(w, "...")
		found := false
		for _, l := range lines {
			if l == w || (isPrefix && strings.HasPrefix(l, prefix)) {
				found = true
				break
			}
		}
		if !found {
			t.Errorf("output lacks %q:\n%s", w, out)
		}
	}
}

func TestRunProviderStartupErrors(t *testing.T) {
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	deadAddr := closed.Addr().String()
	closed.Close()

	tests := []struct {
		name string
		args []string
		want string
	}{
		{
			name: "domain with a path",
			args: []string{"--authkit-domain", "https://my-app.authkit.app/oauth2", "--addr", "127.0.0.1:0"},
			want: `authkit-demo: --authkit-domain "https://my-app.authkit.app/oauth2" has a path (/oauth2)...`,
		},
		{
			name: "http domain that is not loopback",
			args: []string{"--authkit-domain", "http://my-app.authkit.app", "--addr", "127.0.0.1:0"},
			want: `authkit-demo: --authkit-domain "http://my-app.authkit.app" uses http...`,
		},
		{
			name: "base URL that is not http(s)",
			args: []string{"--authkit-domain", "my-app.authkit.app", "--base-url", "ftp://mcp.example.com", "--addr", "127.0.0.1:0"},
			want: `authkit-demo: --base-url "ftp://mcp.example.com" has scheme "ftp"...`,
		},
		{
			name: "AuthKit unreachable at start",
			args: []string{"--authkit-domain", "http://" + deadAddr, "--addr", "127.0.0.1:0"},
			want: "authkit-demo: cannot fetch AuthKit's metadata and signing keys from http://" + deadAddr + "; check --authkit-domain and the network (details in the log above)",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stdout, _, err := runErr(t, tt.args, envMap())
			assertOneSentence(t, err, tt.want)
			if strings.Contains(stdout, "status: ready") {
				t.Errorf("reported ready despite the failure:\n%s", stdout)
			}
		})
	}
}

// TestRunDevInProcess runs the whole program in-process (under -race),
// serves a request and shuts down gracefully when the context ends.
func TestRunDevInProcess(t *testing.T) {
	tests := []struct {
		name      string
		env       func(string) string
		wantLog   []string
		forbidden []string
	}{
		{"default level info", envMap(), []string{"level=INFO msg=serving"}, []string{"level=DEBUG"}},
		{"LOG_LEVEL=error", envMap("LOG_LEVEL", "error"), nil, []string{"level=INFO", "level=WARN"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var logs lockedBuffer
			runDevInProcess(t, []string{"--dev", "--addr", "127.0.0.1:0"}, tt.env, &logs)
			for _, w := range tt.wantLog {
				if !strings.Contains(logs.String(), w) {
					t.Errorf("logs lack %q:\n%s", w, logs.String())
				}
			}
			for _, f := range tt.forbidden {
				if strings.Contains(logs.String(), f) {
					t.Errorf("logs contain %q:\n%s", f, logs.String())
				}
			}
		})
	}
}

// runDevInProcess runs the program with args, checks that the printed dev
// token is accepted at the printed MCP URL, stops it and returns what it
// printed.
func runDevInProcess(t *testing.T, args []string, env func(string) string, logs io.Writer) map[string]string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, args, env, pw, logs)
		pw.Close()
	}()
	ready := map[string]string{}
	sc := bufio.NewScanner(pr)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), ": "); ok {
			ready[k] = v
			if k == "status" {
				break
			}
		}
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	if ready["status"] != "ready" {
		cancel()
		t.Fatalf("not ready: %v (run: %v)", ready, <-done)
	}
	if resp := rawPost(t, ready["mcp_url"], "Bearer "+ready["access_token"]); resp.StatusCode != http.StatusOK {
		t.Errorf("initialize with the dev token = %d", resp.StatusCode)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("run after cancel = %v, want nil", err)
	}
	return ready
}

// TestRunCanonicalMCPURL: a base URL with a trailing slash and an upper-case
// host still gives the canonical MCP URL (no "//mcp"), which the printed
// token's audience and the challenges use.
func TestRunCanonicalMCPURL(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	_, port, _ := net.SplitHostPort(addr)
	ready := runDevInProcess(t, []string{"--dev", "--addr", addr, "--base-url", "HTTP://LOCALHOST:" + port + "/"}, envMap(), io.Discard)
	if want := "http://localhost:" + port + "/mcp"; ready["mcp_url"] != want {
		t.Errorf("mcp_url = %q, want %q", ready["mcp_url"], want)
	}
	if want := "http://localhost:" + port + "/healthz"; ready["health_url"] != want {
		t.Errorf("health_url = %q, want %q", ready["health_url"], want)
	}
}
