package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/mcpauth/mcpauth/internal/demo"
	"github.com/modelcontextprotocol/go-sdk/auth"
)

// TEMPORARY stand-in (dev mode only) until the authkit provider lands on
// main: a minimal resource server verifying tokens with the in-process fake
// AuthKit, so the end-to-end harness can be exercised. Replaced wholesale by
// the authkit wiring.

func runCheck(ctx context.Context, cfg config, baseURL string, logger *slog.Logger, stdout io.Writer) error {
	return errors.New("authkit-demo: not implemented")
}

var shimDev *devAuthKit

func protect(ctx context.Context, cfg config, baseURL string, logger *slog.Logger, h http.Handler) (http.Handler, func(), error) {
	dev := shimDev
	if dev == nil {
		return nil, nil, errors.New("authkit-demo: not implemented")
	}
	mcpURL := baseURL + mcpPath
	prmURL := baseURL + "/.well-known/oauth-protected-resource" + mcpPath
	mux := http.NewServeMux()
	prm := func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"resource": mcpURL, "authorization_servers": []string{dev.URL()}})
	}
	mux.HandleFunc("/.well-known/oauth-protected-resource/mcp", prm)
	verify := func(ctx context.Context, tok string, r *http.Request) (*auth.TokenInfo, error) {
		c, err := dev.Verify(tok)
		if err != nil {
			return nil, auth.ErrInvalidToken
		}
		sc, _ := c["scope"].(string)
		return &auth.TokenInfo{UserID: c["sub"].(string), Scopes: strings.Fields(sc), Expiration: time.Now().Add(time.Hour), Extra: map[string]any{"claims": map[string]any(c)}}, nil
	}
	inner := auth.RequireBearerToken(verify, &auth.RequireBearerTokenOptions{ResourceMetadataURL: prmURL})(h)
	mux.HandleFunc("/mcp", func(w http.ResponseWriter, r *http.Request) {
		tok := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
		if tok == "" {
			w.Header().Set("WWW-Authenticate", `Bearer resource_metadata="`+prmURL+`"`)
			w.WriteHeader(401)
			return
		}
		if r.Method == "POST" {
			b, _ := io.ReadAll(r.Body)
			r.Body = io.NopCloser(bytes.NewReader(b))
			var m struct {
				Method string
				Params struct{ Name string }
			}
			json.Unmarshal(b, &m)
			if m.Method == "tools/call" && m.Params.Name == demo.ToolAdminEcho {
				c, err := dev.Verify(tok)
				sc, _ := c["scope"].(string)
				if err == nil && !slices.Contains(strings.Fields(sc), demo.AdminScope) {
					w.Header().Set("WWW-Authenticate", `Bearer error="insufficient_scope", scope="demo:admin", resource_metadata="`+prmURL+`"`)
					w.WriteHeader(403)
					return
				}
			}
		}
		inner.ServeHTTP(w, r)
	})
	return mux, func() {}, nil
}
