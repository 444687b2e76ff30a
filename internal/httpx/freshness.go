package httpx

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Freshness is how long a fetched document may be reused, from the
// response's caching headers (RFC 9111 §4.2.1: s-maxage, then max-age, then
// Expires minus Date; minus Age), within [lo, hi]. def applies when the
// headers say nothing; no-store and no-cache give lo (the caller still keeps
// a copy for outages, so it only revalidates as soon as it may). The
// authorization-server metadata cache and the JWKS key store both use it.
func Freshness(h http.Header, now time.Time, def, lo, hi time.Duration) time.Duration {
	d, ok := freshnessLifetime(h, now)
	if !ok {
		return min(max(def, lo), hi)
	}
	if age, err := strconv.ParseInt(strings.TrimSpace(h.Get("Age")), 10, 64); err == nil && age > 0 {
		d -= time.Duration(min(age, int64(hi/time.Second))) * time.Second
	}
	return min(max(d, lo), hi)
}

// freshnessLifetime reads the explicit lifetime; ok is false when the
// headers give none.
func freshnessLifetime(h http.Header, now time.Time) (time.Duration, bool) {
	var maxAge, sMaxAge time.Duration = -1, -1
	for _, line := range h.Values("Cache-Control") {
		for dir := range strings.SplitSeq(line, ",") {
			name, val, _ := strings.Cut(strings.TrimSpace(dir), "=")
			name = strings.ToLower(name)
			switch name {
			case "no-store", "no-cache":
				return 0, true
			case "max-age", "s-maxage":
				n, err := strconv.ParseInt(strings.Trim(val, `"`), 10, 64)
				if err != nil || n < 0 {
					continue
				}
				d := time.Duration(min(n, int64(1<<33))) * time.Second
				if name == "max-age" {
					maxAge = d
				} else {
					sMaxAge = d
				}
			}
		}
	}
	switch {
	case sMaxAge >= 0:
		return sMaxAge, true
	case maxAge >= 0:
		return maxAge, true
	}
	exp := h.Get("Expires")
	if exp == "" {
		return 0, false
	}
	t, err := http.ParseTime(exp)
	if err != nil {
		return 0, true // an invalid Expires means "already expired"
	}
	base := now
	if d, err := http.ParseTime(h.Get("Date")); err == nil {
		base = d
	}
	return max(t.Sub(base), 0), true
}
