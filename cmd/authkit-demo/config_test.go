package main

import (
	"bytes"
	"encoding/base64"
	"errors"
	"flag"
	"io"
	"log/slog"
	"reflect"
	"strings"
	"testing"

	"github.com/mcpauth/mcpauth/remote/handle"
)

func envMap(kv ...string) func(string) string {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return func(k string) string { return m[k] }
}

func TestParseConfig(t *testing.T) {
	tests := []struct {
		name string
		args []string
		env  func(string) string
		want config
	}{
		{
			name: "defaults with a domain from the environment",
			env:  envMap("AUTHKIT_DOMAIN", "my-app.authkit.app"),
			want: config{domain: "my-app.authkit.app", addr: defaultAddr, logLevel: slog.LevelInfo},
		},
		{
			name: "every value from the environment",
			env: envMap(
				"AUTHKIT_DOMAIN", "env.authkit.app",
				"BASE_URL", "https://env.example.com",
				"ADDR", "127.0.0.1:9000",
				"AUTHKIT_REQUIRED_SCOPES", " a, b ,,c ",
				"AUTHKIT_CLIENT_ID", "client_env",
				"WORKOS_API_KEY", "sk_test_env",
				"LOG_LEVEL", "debug",
			),
			want: config{
				domain: "env.authkit.app", baseURL: "https://env.example.com", addr: "127.0.0.1:9000",
				requiredScopes: []string{"a", "b", "c"}, clientID: "client_env", workosAPIKey: "sk_test_env",
				logLevel: slog.LevelDebug, logLevelSet: true,
			},
		},
		{
			name: "flags win over the environment",
			args: []string{
				"--authkit-domain", "flag.authkit.app",
				"--base-url", "https://flag.example.com",
				"--addr", "127.0.0.1:9001",
				"--required-scopes", "x",
				"--client-id", "client_flag",
				"--log-level", "WARN",
			},
			env: envMap(
				"AUTHKIT_DOMAIN", "env.authkit.app",
				"BASE_URL", "https://env.example.com",
				"ADDR", "127.0.0.1:9000",
				"AUTHKIT_REQUIRED_SCOPES", "a,b",
				"AUTHKIT_CLIENT_ID", "client_env",
				"LOG_LEVEL", "debug",
			),
			want: config{
				domain: "flag.authkit.app", baseURL: "https://flag.example.com", addr: "127.0.0.1:9001",
				requiredScopes: []string{"x"}, clientID: "client_flag", logLevel: slog.LevelWarn, logLevelSet: true,
			},
		},
		{
			name: "an empty flag wins over the environment",
			args: []string{"--authkit-domain", "d.authkit.app", "--required-scopes", ""},
			env:  envMap("AUTHKIT_REQUIRED_SCOPES", "a,b"),
			want: config{domain: "d.authkit.app", addr: defaultAddr},
		},
		{
			name: "scopes separated by spaces, as authkit.ConfigFromEnv reads them",
			args: []string{"--authkit-domain", "d.authkit.app"},
			env:  envMap("AUTHKIT_REQUIRED_SCOPES", "mcp:read mcp:write"),
			want: config{domain: "d.authkit.app", addr: defaultAddr, requiredScopes: []string{"mcp:read", "mcp:write"}},
		},
		{
			name: "single-dash flags work too",
			args: []string{"-authkit-domain=d.authkit.app", "-log-level=error"},
			env:  envMap(),
			want: config{domain: "d.authkit.app", addr: defaultAddr, logLevel: slog.LevelError, logLevelSet: true},
		},
		{
			name: "check sub-command",
			args: []string{"check", "--authkit-domain", "d.authkit.app"},
			env:  envMap(),
			want: config{check: true, domain: "d.authkit.app", addr: defaultAddr},
		},
		{
			name: "dev ignores AUTHKIT_DOMAIN from the environment",
			args: []string{"--dev"},
			env:  envMap("AUTHKIT_DOMAIN", "env.authkit.app"),
			want: config{dev: true, addr: defaultAddr},
		},
		{
			name: "check in dev mode",
			args: []string{"check", "--dev"},
			env:  envMap(),
			want: config{check: true, dev: true, addr: defaultAddr},
		},
		{
			name: "handle keys from the environment",
			args: []string{"--dev"},
			env:  envMap("MCP_HANDLE_KEYS", "k2:"+base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{2}, 32))+", k1:"+base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{1}, 32))),
			want: config{dev: true, addr: defaultAddr, handleKeys: []handle.Key{
				{ID: "k2", Secret: bytes.Repeat([]byte{2}, 32)},
				{ID: "k1", Secret: bytes.Repeat([]byte{1}, 32)},
			}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseConfig(tt.args, tt.env, io.Discard)
			if err != nil {
				t.Fatalf("parseConfig: %v", err)
			}
			got.names = settingNames{} // TestSettingNames
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("parseConfig =\n%+v\nwant\n%+v", got, tt.want)
			}
		})
	}
}

func TestParseConfigErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		env  func(string) string
		want string // the whole error message
	}{
		{
			name: "no domain",
			want: "authkit-demo: set --authkit-domain or AUTHKIT_DOMAIN to your AuthKit domain (like my-app.authkit.app), or use --dev to try it with a fake AuthKit",
		},
		{
			name: "unknown log level",
			args: []string{"--log-level", "verbose"},
			env:  envMap("AUTHKIT_DOMAIN", "d.authkit.app"),
			want: `authkit-demo: the log level must be debug, info, warn or error, not "verbose"`,
		},
		{
			name: "log level with an offset",
			env:  envMap("AUTHKIT_DOMAIN", "d.authkit.app", "LOG_LEVEL", "info+2"),
			want: `authkit-demo: the log level must be debug, info, warn or error, not "info+2"`,
		},
		{
			name: "address without a port",
			env:  envMap("AUTHKIT_DOMAIN", "d.authkit.app", "ADDR", "localhost"),
			want: `authkit-demo: the listen address "localhost" is not host:port (like 127.0.0.1:8080)`,
		},
		{
			name: "positional argument",
			args: []string{"--authkit-domain", "d.authkit.app", "serve"},
			want: `authkit-demo: unexpected argument "serve" (the only sub-command is check, and it comes first)`,
		},
		{
			name: "dev with an explicit domain",
			args: []string{"--dev", "--authkit-domain", "d.authkit.app"},
			want: "authkit-demo: --dev runs its own fake AuthKit, so drop --authkit-domain",
		},
		{
			name: "handle key not 32 bytes, secret not echoed",
			args: []string{"--dev"},
			env:  envMap("MCP_HANDLE_KEYS", "k1:c2VjcmV0LXRoYXQtaXMtdG9vLXNob3J0"),
			want: `authkit-demo: MCP_HANDLE_KEYS: handle: key 1 ("k1"): the secret must be 32 bytes in standard Base64, e.g. from ` + "`openssl rand -base64 32`",
		},
		{
			name: "the MCP URL pasted as the base URL",
			args: []string{"--authkit-domain", "my-app.authkit.app", "--base-url", "https://mcp.example.com/mcp"},
			want: `authkit-demo: --base-url "https://mcp.example.com/mcp" ends in /mcp, which this server adds itself, so the MCP URL would be https://mcp.example.com/mcp/mcp: write --base-url https://mcp.example.com`,
		},
		{
			name: "the MCP URL in BASE_URL, with a trailing slash",
			args: []string{"--authkit-domain", "my-app.authkit.app"},
			env:  envMap("BASE_URL", "https://MCP.example.com/mcp/"),
			want: `authkit-demo: BASE_URL "https://MCP.example.com/mcp/" ends in /mcp, which this server adds itself, so the MCP URL would be https://mcp.example.com/mcp/mcp: write BASE_URL=https://mcp.example.com`,
		},
		{
			name: "the MCP URL below a path prefix",
			args: []string{"--authkit-domain", "my-app.authkit.app", "--base-url", "https://example.com/tools/mcp"},
			want: `authkit-demo: --base-url "https://example.com/tools/mcp" ends in /mcp, which this server adds itself, so the MCP URL would be https://example.com/tools/mcp/mcp: write --base-url https://example.com/tools`,
		},
		{
			name: "an AuthKit subdomain without authkit.app",
			args: []string{"--authkit-domain", "my-app"},
			want: `authkit-demo: --authkit-domain "my-app" is not a full domain name: AuthKit domains look like my-app.authkit.app (the WorkOS dashboard shows yours under Domains), or a custom domain such as auth.example.com`,
		},
		{
			name: "the same with a scheme, from the environment",
			env:  envMap("AUTHKIT_DOMAIN", "https://My-App"),
			want: `authkit-demo: AUTHKIT_DOMAIN "https://My-App" is not a full domain name: AuthKit domains look like my-app.authkit.app (the WorkOS dashboard shows yours under Domains), or a custom domain such as auth.example.com`,
		},
		{
			name: "an invalid base URL names the flag",
			args: []string{"--authkit-domain", "my-app.authkit.app", "--base-url", "ftp://mcp.example.com"},
			want: `authkit-demo: --base-url "ftp://mcp.example.com" has scheme "ftp": write an https URL, e.g. "https://mcp.example.com"`,
		},
		{
			name: "an invalid domain names the variable",
			env:  envMap("AUTHKIT_DOMAIN", "https://my-app.authkit.app/oauth2"),
			want: `authkit-demo: AUTHKIT_DOMAIN "https://my-app.authkit.app/oauth2" has a path (/oauth2): AuthKit's issuer is the bare domain, every endpoint is derived from it; write "my-app.authkit.app"`,
		},
		{
			name: "unknown flag",
			args: []string{"--domain", "d.authkit.app"},
			want: "authkit-demo: flag provided but not defined: -domain (authkit-demo -h lists the flags)",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := tt.env
			if env == nil {
				env = envMap()
			}
			_, err := parseConfig(tt.args, env, io.Discard)
			if err == nil {
				t.Fatal("parseConfig succeeded, want an error")
			}
			if err.Error() != tt.want {
				t.Errorf("error = %q\nwant    %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error spans several lines: %q", err)
			}
		})
	}
}

func TestParseConfigHelp(t *testing.T) {
	var out strings.Builder
	_, err := parseConfig([]string{"-h"}, envMap(), &out)
	if !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("err = %v, want flag.ErrHelp", err)
	}
	for _, name := range []string{"authkit-domain", "base-url", "addr", "required-scopes", "client-id", "dev", "log-level", "WORKOS_API_KEY", "MCP_HANDLE_KEYS", "check"} {
		if !strings.Contains(out.String(), name) {
			t.Errorf("usage does not mention %s:\n%s", name, out.String())
		}
	}
}

func TestDefaultBaseURL(t *testing.T) {
	tests := []struct{ addr, want string }{
		{"127.0.0.1:8080", "http://127.0.0.1:8080"},
		{":8080", "http://localhost:8080"},
		{"0.0.0.0:8080", "http://localhost:8080"},
		{"[::]:8080", "http://localhost:8080"},
		{"[::1]:8080", "http://[::1]:8080"},
		{"localhost:9000", "http://localhost:9000"},
	}
	for _, tt := range tests {
		t.Run(tt.addr, func(t *testing.T) {
			if got := defaultBaseURL(tt.addr); got != tt.want {
				t.Errorf("defaultBaseURL(%q) = %q, want %q", tt.addr, got, tt.want)
			}
		})
	}
}
