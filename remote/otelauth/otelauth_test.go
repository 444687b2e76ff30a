package otelauth_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/mcpauth/mcpauth/authkit"
	"github.com/mcpauth/mcpauth/authkit/authkittest"
	"github.com/mcpauth/mcpauth/remote"
	"github.com/mcpauth/mcpauth/remote/otelauth"
)

// The adapter, wired into an authkit provider against the fake AuthKit,
// read back with the SDK's in-memory reader and span recorder.
func TestTelemetry(t *testing.T) {
	reader := sdkmetric.NewManualReader()
	tel, err := otelauth.New(otelauth.Config{MeterProvider: sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))})
	if err != nil {
		t.Fatal(err)
	}
	as := authkittest.Start(t)
	p, err := authkit.New(authkit.Config{
		Domain: as.URL(), BaseURL: "http://127.0.0.1:8080", HTTPClient: as.Client(),
		OnDecision: tel.Decision, OnKeyFetch: tel.KeyFetch, OnMetadataFetch: tel.MetadataFetch,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	reg, err := tel.ObserveVerifier(p.Issuer(), p.Stats)
	if err != nil {
		t.Fatal(err)
	}
	defer reg.Unregister()
	if err := p.Prime(t.Context()); err != nil {
		t.Fatal(err)
	}

	spans := tracetest.NewSpanRecorder()
	tracer := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans)).Tracer("test")
	h := p.Handler(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	traced := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, span := tracer.Start(r.Context(), "request")
		defer span.End()
		h.ServeHTTP(w, r.WithContext(ctx))
	})
	good := as.MustMintFor(t, p.MCPURL(), authkittest.TokenOptions{})
	for _, tok := range []string{good, good, "", as.MustMint(t, authkittest.TokenOptions{})} {
		r := httptest.NewRequest(http.MethodPost, p.MCPURL(), strings.NewReader("{}"))
		if tok != "" {
			r.Header.Set("Authorization", "Bearer "+tok)
		}
		traced.ServeHTTP(httptest.NewRecorder(), r)
	}

	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	sums := map[string]int64{}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			switch data := m.Data.(type) {
			case metricdata.Sum[int64]:
				for _, dp := range data.DataPoints {
					sums[m.Name+"{"+attrs(dp.Attributes)+"}"] += dp.Value
				}
			case metricdata.Gauge[int64]:
				for _, dp := range data.DataPoints {
					sums[m.Name+"{"+attrs(dp.Attributes)+"}"] = dp.Value
				}
			}
		}
	}
	for key, want := range map[string]int64{
		"mcpauth.decisions{outcome=allowed,reason=,verifier=" + as.Issuer() + "}":                              2,
		"mcpauth.decisions{outcome=missing_token,reason=missing_token,verifier=}":                              1,
		"mcpauth.decisions{outcome=invalid_token,reason=wrong_audience,verifier=" + as.Issuer() + "}":          1,
		"mcpauth.key.fetches{host=" + strings.TrimPrefix(as.URL(), "http://") + ",outcome=ok,reason=start-up}": 1,
		"mcpauth.metadata.refreshes{document=oauth-authorization-server,outcome=ok}":                           1,
		"mcpauth.token_cache.lookups{result=hit,verifier=" + as.Issuer() + "}":                                 1,
		"mcpauth.token_cache.lookups{result=miss,verifier=" + as.Issuer() + "}":                                2,
		"mcpauth.key.set.keys{verifier=" + as.Issuer() + "}":                                                   1,
	} {
		if sums[key] != want {
			t.Errorf("%s = %d, want %d\nall: %v", key, sums[key], want, sums)
		}
	}
	ended := spans.Ended()
	if len(ended) != 4 {
		t.Fatalf("%d spans", len(ended))
	}
	ev := ended[3].Events()
	if len(ev) != 1 || ev[0].Name != "mcpauth.decision" || !hasAttr(ev[0].Attributes, "mcpauth.reason", "wrong_audience") {
		t.Errorf("span events = %+v", ev)
	}
	for _, s := range ended {
		for _, e := range s.Events() {
			for _, a := range e.Attributes {
				if strings.Contains(a.Value.String(), good[:20]) {
					t.Error("a span event carries the token")
				}
			}
		}
	}
}

func attrs(set attribute.Set) string {
	var b []string
	for _, kv := range set.ToSlice() {
		b = append(b, string(kv.Key)+"="+kv.Value.String())
	}
	return strings.Join(b, ",")
}

func hasAttr(kvs []attribute.KeyValue, key, val string) bool {
	for _, kv := range kvs {
		if string(kv.Key) == key && kv.Value.String() == val {
			return true
		}
	}
	return false
}

// StatsOf reports a plain JWT verifier's key set like a provider's.
func TestStatsOf(t *testing.T) {
	as := authkittest.Start(t)
	v, err := remote.NewJWTVerifier(remote.JWTConfig{JWKSURL: as.JWKSURL(), Issuer: as.Issuer(), Audiences: []string{"https://mcp.example.com/mcp"}, HTTPClient: as.Client()})
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	if err := v.Prime(t.Context()); err != nil {
		t.Fatal(err)
	}
	st, ok := otelauth.StatsOf(v)()
	if !ok || st.Keys != 1 {
		t.Errorf("StatsOf(v)() = %+v, %v; want one key", st, ok)
	}
}
