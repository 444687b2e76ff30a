package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// tsClientDir holds the TypeScript client's package.json, package-lock.json
// and script. node_modules there is git-ignored and installed by npmInstall.
const tsClientDir = "testdata/tsclient"

// tsSDKVersion is the @modelcontextprotocol/sdk version package.json pins.
const tsSDKVersion = "1.32.2"

var (
	npmOnce sync.Once
	npmErr  error
)

// requireNode returns the path of node. Without node or npm the test is
// skipped on a developer machine and fails in CI (CI set), where the
// TypeScript client test must run.
func requireNode(t testing.TB) string {
	t.Helper()
	node, errNode := exec.LookPath("node")
	_, errNPM := exec.LookPath("npm")
	if errNode != nil || errNPM != nil {
		if mustRunNodeTests(os.Getenv) {
			t.Fatalf("node and npm are required in CI for the TypeScript client test (node: %v, npm: %v)", errNode, errNPM)
		}
		t.Skip("node or npm not installed; the TypeScript client test runs in CI")
	}
	return node
}

// mustRunNodeTests reports whether a missing node/npm fails the test
// instead of skipping it: in CI (CI set to anything but "" or "false").
func mustRunNodeTests(getenv func(string) string) bool {
	ci := getenv("CI")
	return ci != "" && ci != "false" && ci != "0"
}

// npmInstall runs "npm ci" in tsClientDir once per test binary, unless
// node_modules already holds the pinned SDK installed from the current
// lock file.
func npmInstall(t testing.TB) {
	t.Helper()
	npmOnce.Do(func() {
		if installedUpToDate() {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, "npm", "ci", "--no-audit", "--no-fund", "--loglevel=error")
		cmd.Dir = tsClientDir
		out, err := cmd.CombinedOutput()
		if err != nil {
			npmErr = fmt.Errorf("npm ci in %s: %v\n%s", tsClientDir, err, out)
		}
	})
	if npmErr != nil {
		t.Fatal(npmErr)
	}
}

// installedUpToDate reports whether node_modules has the pinned SDK and
// playwright-core and was installed after the lock file last changed.
func installedUpToDate() bool {
	var pkg struct {
		Version string `json:"version"`
	}
	b, err := os.ReadFile(filepath.Join(tsClientDir, "node_modules", "@modelcontextprotocol", "sdk", "package.json"))
	if err != nil || json.Unmarshal(b, &pkg) != nil || pkg.Version != tsSDKVersion {
		return false
	}
	if _, err := os.Stat(filepath.Join(tsClientDir, "node_modules", "playwright-core", "package.json")); err != nil {
		return false
	}
	lock, err1 := os.Stat(filepath.Join(tsClientDir, "package-lock.json"))
	hidden, err2 := os.Stat(filepath.Join(tsClientDir, "node_modules", ".package-lock.json"))
	return err1 == nil && err2 == nil && !hidden.ModTime().Before(lock.ModTime())
}

// tsResult is what client.mjs prints.
type tsResult struct {
	OK               bool   `json:"ok"`
	Error            string `json:"error"`
	ProtocolVersion  string `json:"protocol_version"`
	KeptRefreshToken bool   `json:"kept_refresh_token"`
	AdminEchoError   string `json:"admin_echo_error"`
	RegisteredClient bool   `json:"registered_client"`
	ClientID         string `json:"client_id"`
	TokenCount       int    `json:"token_count"`
	Authorizations   []struct {
		Endpoint            string `json:"endpoint"`
		Resource            string `json:"resource"`
		Scope               string `json:"scope"`
		CodeChallengeMethod string `json:"code_challenge_method"`
		HasCodeChallenge    bool   `json:"has_code_challenge"`
		HasState            bool   `json:"has_state"`
	} `json:"authorizations"`
	Tools             []string          `json:"tools"`
	Whoami            map[string]any    `json:"whoami"`
	Echo              map[string]any    `json:"echo"`
	AdminEcho         map[string]any    `json:"admin_echo"`
	WhoamiAfterStepUp map[string]any    `json:"whoami_after_step_up"`
	Requests          []tsRequestRecord `json:"requests"`
}

type tsRequestRecord struct {
	Method          string `json:"method"`
	URL             string `json:"url"`
	Status          int    `json:"status"`
	WWWAuthenticate string `json:"www_authenticate"`
}

// runTSClient runs client.mjs against mcpURL, with its other arguments
// (--keep-refresh-token, a client metadata URL), and decodes its answer.
func runTSClient(t testing.TB, mcpURL string, args ...string) tsResult {
	t.Helper()
	node := requireNode(t)
	npmInstall(t)
	ctx, cancel := context.WithTimeout(context.Background(), 45*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, append([]string{"client.mjs", mcpURL}, args...)...)
	cmd.Dir = tsClientDir
	var stderr lockedBuffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	var res tsResult
	if jerr := json.Unmarshal(out, &res); jerr != nil {
		t.Fatalf("client.mjs: %v; output %q; stderr:\n%s", err, out, stderr.String())
	}
	if err != nil || !res.OK {
		t.Fatalf("client.mjs failed: %v: %s\nrequests: %+v\nstderr:\n%s", err, res.Error, res.Requests, stderr.String())
	}
	return res
}

func TestMustRunNodeTests(t *testing.T) {
	tests := []struct {
		ci   string
		want bool
	}{
		{"", false},
		{"false", false},
		{"0", false},
		{"true", true},
		{"1", true},
		{"yes", true},
	}
	for _, tt := range tests {
		t.Run("CI="+tt.ci, func(t *testing.T) {
			if got := mustRunNodeTests(envMap("CI", tt.ci)); got != tt.want {
				t.Errorf("mustRunNodeTests(CI=%q) = %v, want %v", tt.ci, got, tt.want)
			}
		})
	}
}
