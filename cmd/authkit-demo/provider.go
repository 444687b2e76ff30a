package main

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
)

// Placeholder until the authkit package lands on main.

type devAuthKit struct{}

func startDevAuthKit() *devAuthKit { return &devAuthKit{} }
func (*devAuthKit) URL() string    { return "http://127.0.0.1:1" }
func (*devAuthKit) Close()         {}

func runCheck(ctx context.Context, cfg config, baseURL string, logger *slog.Logger, stdout io.Writer) error {
	return errors.New("authkit-demo: not implemented")
}

func protect(ctx context.Context, cfg config, baseURL string, logger *slog.Logger, h http.Handler) (http.Handler, func(), error) {
	return nil, nil, errors.New("authkit-demo: not implemented")
}

func printReady(w io.Writer, mcpURL, baseURL string, dev *devAuthKit, cfg config) error { return nil }
