package otelauth_test

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	otelprom "go.opentelemetry.io/otel/exporters/prometheus"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"

	"github.com/mcpauth/mcpauth/remote"
	"github.com/mcpauth/mcpauth/remote/otelauth"
)

// Metrics to Prometheus through OpenTelemetry's Prometheus exporter: the
// decisions of a provider, scraped from /metrics.
func Example_prometheus() {
	reg := prometheus.NewRegistry()
	exporter, err := otelprom.New(otelprom.WithRegisterer(reg), otelprom.WithoutScopeInfo(), otelprom.WithoutTargetInfo())
	if err != nil {
		panic(err)
	}
	tel, err := otelauth.New(otelauth.Config{MeterProvider: sdkmetric.NewMeterProvider(sdkmetric.WithReader(exporter))})
	if err != nil {
		panic(err)
	}
	p := remote.MustNew(remote.Config{
		MCPURL:               "https://mcp.example.com/mcp",
		AuthorizationServers: []string{"https://example.authkit.app"},
		Verifier: remote.TokenVerifierFunc(func(context.Context, string) (*remote.TokenInfo, error) {
			return nil, remote.ErrInvalidToken // not reached: the requests carry no token
		}),
		OnDecision: tel.Decision,
	})
	mux := http.NewServeMux()
	mux.Handle("/", p.Handler(http.NotFoundHandler()))
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	srv := httptest.NewServer(mux)
	defer srv.Close()

	for range 2 {
		resp, err := http.Post(srv.URL+"/mcp", "application/json", strings.NewReader("{}"))
		if err != nil {
			panic(err)
		}
		resp.Body.Close()
	}
	resp, err := http.Get(srv.URL + "/metrics")
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), "mcpauth_decisions_total") {
			fmt.Println(sc.Text())
		}
	}
	// Output:
	// mcpauth_decisions_total{outcome="missing_token",reason="missing_token",verifier=""} 2
}
