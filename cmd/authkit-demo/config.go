package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"

	"github.com/mcpauth/mcpauth/authkit"
	"github.com/mcpauth/mcpauth/remote/handle"
)

const defaultAddr = "127.0.0.1:8080"

// config is the program's configuration after flags and environment
// variables are merged (flags win).
type config struct {
	check          bool // the "check" sub-command
	domain         string
	baseURL        string // empty: derived from the listen address
	addr           string
	requiredScopes []string
	clientID       string
	workosAPIKey   string
	handleKeys     []handle.Key // MCP_HANDLE_KEYS; none: a random key per process
	dev            bool
	scopesUpFront  bool // --scopes-up-front: authkit.Config.ScopesUpFront
	logLevel       slog.Level
}

// parseConfig reads args (without the program name) and the environment.
func parseConfig(args []string, getenv func(string) string, stderr io.Writer) (config, error) {
	var cfg config
	if len(args) > 0 && args[0] == "check" {
		cfg.check = true
		args = args[1:]
	}

	fs := flag.NewFlagSet("authkit-demo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { usage(fs) }
	var (
		domain   = fs.String("authkit-domain", "", "AuthKit domain, like my-app.authkit.app (env AUTHKIT_DOMAIN; required unless --dev)")
		baseURL  = fs.String("base-url", "", "public base URL of this server (env BASE_URL; default http://<addr>)")
		addr     = fs.String("addr", "", "listen address (env ADDR; default "+defaultAddr+")")
		scopes   = fs.String("required-scopes", "", "comma-separated scopes every token must carry (env AUTHKIT_REQUIRED_SCOPES)")
		clientID = fs.String("client-id", "", "extra accepted audience: the AuthKit environment's client id, a legacy fallback (env AUTHKIT_CLIENT_ID)")
		logLevel = fs.String("log-level", "", "debug, info, warn or error (env LOG_LEVEL; default info)")
	)
	fs.BoolVar(&cfg.dev, "dev", false, "run an embedded fake AuthKit on another loopback port and use it (no WorkOS account needed)")
	fs.BoolVar(&cfg.scopesUpFront, "scopes-up-front", false, "name every tool's scopes in the first 401 and the metadata, for clients that cannot step up (the TypeScript SDK 1.x holding a refresh token); every token then carries them")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return config{}, flag.ErrHelp
		}
		// The flag package has printed the problem and the usage.
		return config{}, fmt.Errorf("authkit-demo: %v", err)
	}
	if fs.NArg() > 0 {
		return config{}, fmt.Errorf("authkit-demo: unexpected argument %q (the only sub-command is check, and it comes first)", fs.Arg(0))
	}

	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	pick := func(flagName string, flagValue *string, env string) string {
		if set[flagName] {
			return strings.TrimSpace(*flagValue)
		}
		return strings.TrimSpace(getenv(env))
	}

	cfg.domain = pick("authkit-domain", domain, "AUTHKIT_DOMAIN")
	cfg.baseURL = pick("base-url", baseURL, "BASE_URL")
	cfg.addr = pick("addr", addr, "ADDR")
	if cfg.addr == "" {
		cfg.addr = defaultAddr
	}
	cfg.requiredScopes = authkit.ParseScopes(pick("required-scopes", scopes, "AUTHKIT_REQUIRED_SCOPES"))
	cfg.clientID = pick("client-id", clientID, "AUTHKIT_CLIENT_ID")
	cfg.workosAPIKey = strings.TrimSpace(getenv("WORKOS_API_KEY"))
	if keys := strings.TrimSpace(getenv("MCP_HANDLE_KEYS")); keys != "" {
		var err error
		if cfg.handleKeys, err = handle.ParseKeys(keys); err != nil {
			return config{}, fmt.Errorf("authkit-demo: MCP_HANDLE_KEYS: %v", err)
		}
	}

	if lvl := pick("log-level", logLevel, "LOG_LEVEL"); lvl != "" {
		if err := cfg.logLevel.UnmarshalText([]byte(lvl)); err != nil || !knownLevel(lvl) {
			return config{}, fmt.Errorf("authkit-demo: the log level must be debug, info, warn or error, not %q", lvl)
		}
	}

	if _, _, err := net.SplitHostPort(cfg.addr); err != nil {
		return config{}, fmt.Errorf("authkit-demo: the listen address %q is not host:port (like %s)", cfg.addr, defaultAddr)
	}
	switch {
	case cfg.dev && set["authkit-domain"]:
		return config{}, errors.New("authkit-demo: --dev runs its own fake AuthKit, so drop --authkit-domain")
	case cfg.dev:
		cfg.domain = "" // AUTHKIT_DOMAIN from the environment is ignored in dev mode.
	case cfg.domain == "":
		return config{}, errors.New("authkit-demo: set --authkit-domain or AUTHKIT_DOMAIN to your AuthKit domain (like my-app.authkit.app), or use --dev to try it with a fake AuthKit")
	}
	return cfg, nil
}

func knownLevel(s string) bool {
	switch strings.ToLower(s) {
	case "debug", "info", "warn", "error":
		return true
	}
	return false
}

// defaultBaseURL derives the public base URL from the address the server
// listens on: an unspecified host (":8080", "0.0.0.0:8080") becomes
// localhost.
func defaultBaseURL(listenAddr string) string {
	host, port, err := net.SplitHostPort(listenAddr)
	if err != nil {
		return "http://" + listenAddr
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, port)
}

func usage(fs *flag.FlagSet) {
	out := fs.Output()
	fmt.Fprint(out, `authkit-demo: an MCP server protected by WorkOS AuthKit.

Usage:
  authkit-demo [flags]         serve the MCP server at <base-url>/mcp
  authkit-demo check [flags]   check the AuthKit configuration and exit (0: clients can connect)
  authkit-demo --dev           serve with an embedded fake AuthKit (no WorkOS account needed)

Flags win over environment variables. WORKOS_API_KEY (environment only)
enables profile enrichment in the whoami tool. MCP_HANDLE_KEYS (environment
only; id:base64-secret pairs, newest first, the same on every replica) seals
the handles of the remember and recall tools; without it each process makes
its own random key.

Flags:
`)
	fs.PrintDefaults()
}
