package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"strings"

	"github.com/mcpauth/mcpauth/authkit"
	"github.com/mcpauth/mcpauth/internal/httpx"
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
	logLevelSet    bool // --log-level or LOG_LEVEL was given
	// names are the flags or environment variables the values above came
	// from, for messages that tell the user what to change.
	names settingNames
}

// settingNames names, for each setting a message may ask to change, the
// flag or environment variable the user set it with (the flag when unset).
type settingNames struct {
	domain, baseURL, clientID string
}

// parseConfig reads args (without the program name) and the environment.
func parseConfig(args []string, getenv func(string) string, stderr io.Writer) (config, error) {
	var cfg config
	if len(args) > 0 && args[0] == "check" {
		cfg.check = true
		args = args[1:]
	}

	fs := flag.NewFlagSet("authkit-demo", flag.ContinueOnError)
	// The flag package would print a parse error and the whole usage;
	// the error is returned (and printed once, by main) instead.
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
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
			fs.SetOutput(stderr)
			usage(fs)
			return config{}, flag.ErrHelp
		}
		return config{}, fmt.Errorf("authkit-demo: %v (authkit-demo -h lists the flags)", err)
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
	// nameOf is the flag, or the environment variable when it alone set
	// the value.
	nameOf := func(flagName, env string) string {
		if !set[flagName] && strings.TrimSpace(getenv(env)) != "" {
			return env
		}
		return "--" + flagName
	}
	cfg.names = settingNames{
		domain:   nameOf("authkit-domain", "AUTHKIT_DOMAIN"),
		baseURL:  nameOf("base-url", "BASE_URL"),
		clientID: nameOf("client-id", "AUTHKIT_CLIENT_ID"),
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
		cfg.logLevelSet = true
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
	default:
		if err := checkDomain(cfg.domain, cfg.names.domain); err != nil {
			return config{}, err
		}
	}
	// Checked before the port is bound, so a bad URL is not reported as
	// a busy address.
	if cfg.baseURL != "" {
		if err := checkBaseURL(cfg.baseURL, cfg.names.baseURL); err != nil {
			return config{}, err
		}
	}
	return cfg, nil
}

// checkDomain accepts an AuthKit domain the way package authkit will, and
// refuses a bare name such as "my-app", which authkit would take for the
// host https://my-app: AuthKit domains are full domain names.
func checkDomain(domain, name string) error {
	ep, err := authkit.DomainEndpoints(domain)
	if err != nil {
		return inTermsOf(err, "AuthKit domain", name)
	}
	u, err := url.Parse(ep.Issuer)
	if err != nil {
		return fmt.Errorf("authkit-demo: %s %q is not a domain name", name, domain)
	}
	if h := u.Hostname(); !strings.Contains(h, ".") && net.ParseIP(h) == nil && !httpx.IsLoopbackHost(h) {
		return fmt.Errorf("authkit-demo: %s %q is not a full domain name: AuthKit domains look like %s (the WorkOS dashboard shows yours under Domains), or a custom domain such as auth.example.com", name, domain, h+".authkit.app")
	}
	return nil
}

// inTermsOf rewrites an error of package authkit about a value it calls
// what ("AuthKit domain", "base URL") in terms of the flag or variable
// name the user set it with.
func inTermsOf(err error, what, name string) error {
	msg := strings.TrimPrefix(err.Error(), "authkit: ")
	if strings.Contains(msg, what) {
		return fmt.Errorf("authkit-demo: %s", strings.Replace(msg, what, name, 1))
	}
	return fmt.Errorf("authkit-demo: %s: %s", name, msg)
}

// checkBaseURL accepts a base URL the way package authkit will, and
// refuses one that already ends in the MCP path: pasting the MCP URL
// would otherwise serve, and ask to register, <base>/mcp/mcp.
func checkBaseURL(baseURL, name string) error {
	mcpURL, err := authkit.MCPURL(baseURL, mcpPath)
	if err != nil {
		return inTermsOf(err, "base URL", name)
	}
	base := strings.TrimSuffix(mcpURL, mcpPath) // canonical: no trailing slash
	if u, err := url.Parse(base); err != nil || !strings.HasSuffix(u.Path, mcpPath) {
		return nil
	}
	want := strings.TrimSuffix(base, mcpPath)
	fix := name + " " + want
	if !strings.HasPrefix(name, "--") {
		fix = name + "=" + want
	}
	return fmt.Errorf("authkit-demo: %s %q ends in %s, which this server adds itself, so the MCP URL would be %s: write %s", name, baseURL, mcpPath, mcpURL, fix)
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
