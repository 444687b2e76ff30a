// Package otelauth reports the auth layer to OpenTelemetry: a metric for
// every decision of the bearer middleware, every JWKS fetch and every
// fetch of the authorization server's metadata; the verified-token cache's
// hits and misses and the key set's size and age; and an event on the
// request's span for each decision. It is its own package so that programs
// that do not import it do not link OpenTelemetry.
//
// Plug it into a provider's hooks (authkit.Config, idp.Config, or the
// remote and forward configs directly):
//
//	tel, err := otelauth.New(otelauth.Config{}) // the global MeterProvider
//	if err != nil {
//		log.Fatal(err)
//	}
//	p, err := authkit.New(authkit.Config{
//		Domain:     "my-app.authkit.app",
//		BaseURL:    "https://mcp.example.com",
//		OnDecision: tel.Decision,
//		OnKeyFetch: tel.KeyFetch,
//		OnMetadataFetch: tel.MetadataFetch,
//	})
//	if err != nil {
//		log.Fatal(err)
//	}
//	_, _ = tel.ObserveVerifier(p.Issuer(), p.Stats)
//
// Metrics (every attribute is bounded; no subject, tool name or token is a
// label):
//
//	mcpauth.decisions               counter    outcome, reason, verifier
//	mcpauth.decision.duration       histogram  outcome                   (s)
//	mcpauth.key.fetches             counter    reason, outcome, host
//	mcpauth.key.fetch.duration      histogram  reason                    (s)
//	mcpauth.key.set.stale           gauge      host: how far past its refresh time the key set in use is, on a failed refresh (s)
//	mcpauth.metadata.refreshes      counter    document, outcome
//	mcpauth.metadata.stale          gauge      document: the age of the copy served after a failed refresh, 0 once fresh (s)
//	mcpauth.token_cache.lookups     counter    verifier, result (hit, miss)   (observed)
//	mcpauth.token_cache.entries     gauge      verifier                       (observed)
//	mcpauth.key.set.keys            gauge      verifier                       (observed)
//
// Throttled and backed-off unknown kids and a key set past its staleness
// bound are decisions with their own reasons (unknown_key_throttled,
// keys_backoff, keys_stale): alert on those and on failed key fetches to
// see an identity-provider problem coming.
package otelauth

import (
	"context"
	"errors"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"

	"github.com/mcpauth/mcpauth/remote"
)

// Config configures [New].
type Config struct {
	// MeterProvider creates the instruments. Default: otel.GetMeterProvider().
	MeterProvider metric.MeterProvider
}

// Telemetry records the auth layer's events. Its methods are the hooks of
// the providers' configs; they are safe for concurrent use.
type Telemetry struct {
	meter         metric.Meter
	decisions     metric.Int64Counter
	decisionTime  metric.Float64Histogram
	keyFetches    metric.Int64Counter
	keyFetchTime  metric.Float64Histogram
	keyStale      metric.Float64Gauge
	refreshes     metric.Int64Counter
	metadataStale metric.Float64Gauge
	cacheLookups  metric.Int64ObservableCounter
	cacheEntries  metric.Int64ObservableGauge
	keySetKeys    metric.Int64ObservableGauge
}

// scope is the instrumentation scope name.
const scope = "github.com/mcpauth/mcpauth/remote/otelauth"

// New creates the instruments.
func New(cfg Config) (*Telemetry, error) {
	mp := cfg.MeterProvider
	if mp == nil {
		mp = otel.GetMeterProvider()
	}
	t := &Telemetry{meter: mp.Meter(scope)}
	m := t.meter
	var errs [10]error
	t.decisions, errs[0] = m.Int64Counter("mcpauth.decisions", metric.WithDescription("Authorization decisions of the bearer middleware."))
	t.decisionTime, errs[1] = m.Float64Histogram("mcpauth.decision.duration", metric.WithUnit("s"), metric.WithDescription("Time a decision took, verification included."))
	t.keyFetches, errs[2] = m.Int64Counter("mcpauth.key.fetches", metric.WithDescription("JWKS fetches, by reason and outcome."))
	t.keyFetchTime, errs[3] = m.Float64Histogram("mcpauth.key.fetch.duration", metric.WithUnit("s"), metric.WithDescription("Time a JWKS fetch took."))
	t.keyStale, errs[4] = m.Float64Gauge("mcpauth.key.set.stale", metric.WithUnit("s"), metric.WithDescription("How far past its refresh time the key set in use is, after a failed refresh."))
	t.refreshes, errs[5] = m.Int64Counter("mcpauth.metadata.refreshes", metric.WithDescription("Fetches of the authorization server's metadata, by outcome."))
	t.metadataStale, errs[6] = m.Float64Gauge("mcpauth.metadata.stale", metric.WithUnit("s"), metric.WithDescription("Age of the metadata copy served after a failed refresh; 0 once fresh."))
	t.cacheLookups, errs[7] = m.Int64ObservableCounter("mcpauth.token_cache.lookups", metric.WithDescription("Verified-token cache lookups, by result."))
	t.cacheEntries, errs[8] = m.Int64ObservableGauge("mcpauth.token_cache.entries", metric.WithDescription("Cached verifications."))
	t.keySetKeys, errs[9] = m.Int64ObservableGauge("mcpauth.key.set.keys", metric.WithDescription("Usable keys in the key set held."))
	if err := errors.Join(errs[:]...); err != nil {
		return nil, err
	}
	return t, nil
}

// Decision records d: a counter and the latency, and an event on the
// request's span when one is recording. It is a remote.Config.OnDecision.
func (t *Telemetry) Decision(ctx context.Context, d remote.Decision) {
	attrs := metric.WithAttributes(
		attribute.String("outcome", string(d.Outcome)),
		attribute.String("reason", d.Reason),
		attribute.String("verifier", d.Verifier),
	)
	t.decisions.Add(ctx, 1, attrs)
	t.decisionTime.Record(ctx, d.Latency.Seconds(), metric.WithAttributes(attribute.String("outcome", string(d.Outcome))))
	span := trace.SpanFromContext(ctx)
	if !span.IsRecording() {
		return
	}
	ev := []attribute.KeyValue{
		attribute.String("mcpauth.outcome", string(d.Outcome)),
		attribute.String("mcpauth.reason", d.Reason),
		attribute.Int("mcpauth.status", d.Status),
		attribute.String("mcpauth.verifier", d.Verifier),
	}
	if d.Tool != "" {
		ev = append(ev, attribute.String("mcpauth.tool", d.Tool))
	}
	if d.Issuer != "" {
		ev = append(ev, attribute.String("mcpauth.issuer", d.Issuer), attribute.String("mcpauth.key_id", d.KeyID))
	}
	span.AddEvent("mcpauth.decision", trace.WithAttributes(ev...))
}

// KeyFetch records f. It is a remote.JWTConfig.OnKeyFetch.
func (t *Telemetry) KeyFetch(f remote.KeyFetch) {
	ctx := context.Background()
	t.keyFetches.Add(ctx, 1, metric.WithAttributes(attribute.String("reason", f.Reason), attribute.String("outcome", outcome(f.Err)), attribute.String("host", f.Host)))
	t.keyFetchTime.Record(ctx, f.Duration.Seconds(), metric.WithAttributes(attribute.String("reason", f.Reason)))
	t.keyStale.Record(ctx, f.Stale.Seconds(), metric.WithAttributes(attribute.String("host", f.Host)))
}

// MetadataFetch records r. It is a forward.Config.OnMetadataFetch.
func (t *Telemetry) MetadataFetch(r remote.MetadataFetch) {
	ctx := context.Background()
	t.refreshes.Add(ctx, 1, metric.WithAttributes(attribute.String("document", r.Document), attribute.String("outcome", outcome(r.Err))))
	t.metadataStale.Record(ctx, r.StaleAge.Seconds(), metric.WithAttributes(attribute.String("document", r.Document)))
}

// ObserveVerifier reports a verifier's counters (cache lookups and
// entries, keys held) under the attribute verifier=name at every
// collection: stats is StatsOf(a JWTVerifier), or idp.Provider.Stats /
// authkit.Provider.Stats, whose false means "no verifier yet" (nothing is
// reported). Unregister the result to stop.
func (t *Telemetry) ObserveVerifier(name string, stats func() (remote.VerifierStats, bool)) (metric.Registration, error) {
	set := metric.WithAttributeSet(attribute.NewSet(attribute.String("verifier", name)))
	hit := metric.WithAttributeSet(attribute.NewSet(attribute.String("verifier", name), attribute.String("result", "hit")))
	miss := metric.WithAttributeSet(attribute.NewSet(attribute.String("verifier", name), attribute.String("result", "miss")))
	return t.meter.RegisterCallback(func(_ context.Context, o metric.Observer) error {
		st, ok := stats()
		if !ok {
			return nil
		}
		o.ObserveInt64(t.cacheLookups, int64(st.CacheHits), hit)
		o.ObserveInt64(t.cacheLookups, int64(st.CacheMisses), miss)
		o.ObserveInt64(t.cacheEntries, int64(st.CacheEntries), set)
		o.ObserveInt64(t.keySetKeys, int64(st.Keys), set)
		return nil
	}, t.cacheLookups, t.cacheEntries, t.keySetKeys)
}

// StatsOf adapts v's JWTVerifier.Stats to ObserveVerifier:
// tel.ObserveVerifier("keys", otelauth.StatsOf(v)).
func StatsOf(v *remote.JWTVerifier) func() (remote.VerifierStats, bool) {
	return func() (remote.VerifierStats, bool) { return v.Stats(), true }
}

func outcome(err error) string {
	if err != nil {
		return "failed"
	}
	return "ok"
}
