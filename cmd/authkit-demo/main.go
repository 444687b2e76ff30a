package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/mcpauth/mcpauth/internal/demo"
	"github.com/mcpauth/mcpauth/remote/gosdk"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	os.Exit(exitStatus(err, os.Stderr))
}

// exitStatus prints err, the one sentence run returns on failure, and
// returns the process's exit status: 0 for nil, 1 otherwise. A failed
// check has printed its result already and is not printed again.
func exitStatus(err error, stderr io.Writer) int {
	switch {
	case err == nil:
		return 0
	case !errors.Is(err, errCheckFailed):
		fmt.Fprintln(stderr, err)
	}
	return 1
}

// Server timeouts. WriteTimeout also bounds a server-sent event stream:
// MCP clients reconnect a stream the server closed.
const (
	readHeaderTimeout = 10 * time.Second
	readTimeout       = 30 * time.Second
	writeTimeout      = 2 * time.Minute
	idleTimeout       = 2 * time.Minute
	shutdownTimeout   = 10 * time.Second
	// startTimeout bounds what start-up fetches from AuthKit (metadata,
	// keys) and the self-check.
	startTimeout = 15 * time.Second
	mcpPath      = "/mcp"
)

// run is the whole program. It returns when ctx is cancelled (after a
// graceful shutdown) or on a start-up failure, whose error is one sentence
// for the user.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := parseConfig(args, getenv, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: cfg.logLevel}))
	if cfg.check && !cfg.logLevelSet {
		// check prints every finding; the library's logs of the same
		// failures would say it all twice. --log-level brings them back.
		logger = slog.New(slog.DiscardHandler)
	}

	var dev *devAuthKit
	if cfg.dev {
		dev = startDevAuthKit(cfg.clientID)
		defer dev.Close()
		cfg.domain = dev.URL()
	}

	if cfg.check {
		baseURL := cfg.baseURL
		if baseURL == "" {
			baseURL = defaultBaseURL(cfg.addr)
		}
		return runCheck(ctx, cfg, baseURL, logger, stdout, dev)
	}

	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return fmt.Errorf("authkit-demo: cannot listen on %s: %v", cfg.addr, errors.Unwrap(err))
	}
	defer ln.Close()
	baseURL := cfg.baseURL
	if baseURL == "" {
		baseURL = defaultBaseURL(ln.Addr().String())
	}

	provider, err := newProvider(cfg, baseURL, logger, dev)
	if err != nil {
		return err
	}
	defer provider.Close()
	if err := prime(ctx, provider, logger, cfg.names); err != nil {
		return err
	}
	logFindings(ctx, provider, logger, cfg)

	handles, err := demo.NewHandleSealer(cfg.handleKeys)
	if err != nil {
		return fmt.Errorf("authkit-demo: MCP_HANDLE_KEYS: %v", err)
	}
	if len(cfg.handleKeys) == 0 {
		logger.Info("MCP_HANDLE_KEYS is not set: handles of the remember tool open only on this process, until it restarts")
	}
	mcpLogger := logger.With("component", "mcp")
	server := demo.NewServer(demo.Options{Logger: mcpLogger, Profile: profileFunc(provider), Handles: handles})

	// The canonical MCP URL (the audience tokens must carry), as the
	// provider derived it from the base URL.
	mcpURL := provider.MCPURL()
	ready := readyInfo{mcpURL: mcpURL, healthURL: strings.TrimSuffix(mcpURL, mcpPath) + "/healthz"}
	if dev != nil {
		token, err := dev.mintToken(mcpURL, cfg.requiredScopes)
		if err != nil {
			return fmt.Errorf("authkit-demo: cannot mint the dev token: %v", err)
		}
		ready.authkitURL, ready.clientID, ready.userID, ready.token = dev.URL(), dev.ClientID(), dev.user.ID, token
	}

	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = io.WriteString(w, "ok\n")
	})
	opts := &mcp.StreamableHTTPOptions{Logger: mcpLogger}
	var handler http.Handler = mux
	if public := publicHost(mcpURL); public != "" {
		// Reached through a tunnel or a proxy on this machine: go-sdk's
		// DNS-rebinding guard would refuse the public Host on a loopback
		// connection. hostGuard keeps the protection for every other host.
		opts.DisableLocalhostProtection = true
		handler = hostGuard(public, mux)
	}
	// The one line that matters: AuthKit in front of the MCP server (protected
	// resource metadata, AuthKit's forwarded metadata, bearer checks, and
	// each tool call's own verified token). go-sdk's stateless handler
	// serves both protocol generations: 2026-07-28 clients, and 2025 clients
	// with each request on its own (the demo's tools make no
	// server-initiated requests). Its stateful handler refuses 2026-07-28.
	opts.Stateless = true
	mux.Handle("/", gosdk.Handler(provider, server, &gosdk.Options{HTTP: opts}))

	baseCtx, cancelBase := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelBase()
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return baseCtx },
	}
	// Shutdown waits for connections to become idle, which a server-sent
	// event stream never does: cancel the requests' context when shutdown
	// starts so streams end and clients reconnect elsewhere.
	srv.RegisterOnShutdown(cancelBase)
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()

	logger.Info("serving", "mcp_url", mcpURL, "addr", ln.Addr().String(), "dev", cfg.dev)
	if err := ready.write(stdout); err != nil {
		logger.Warn("cannot print the start-up summary", "err", err)
	}

	select {
	case err := <-serveErr:
		return fmt.Errorf("authkit-demo: the server stopped: %v", err)
	case <-ctx.Done():
	}
	logger.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		_ = srv.Close()
		return fmt.Errorf("authkit-demo: shutdown did not finish within %s", shutdownTimeout)
	}
	<-serveErr
	return nil
}
