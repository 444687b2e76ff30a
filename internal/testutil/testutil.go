// Package testutil holds the small fakes this module's tests share: a fake
// clock to inject as a Config's Now, and a log sink to assert log lines
// (and their absence: no token may ever appear in one). Test-only helpers;
// not part of the API.
package testutil

import (
	"bytes"
	"log/slog"
	"strings"
	"sync"
	"time"
)

// Clock is a fake clock safe for concurrent use. Pass its Now method where a
// Config takes a clock; move time with Advance.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock returns a Clock standing at start.
func NewClock(start time.Time) *Clock { return &Clock{t: start} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Advance moves the clock by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// LogBuffer is a concurrency-safe sink for slog output.
type LogBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

// Write implements io.Writer.
func (l *LogBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

// String returns everything written so far.
func (l *LogBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// Count returns how many times substr occurs in the output.
func (l *LogBuffer) Count(substr string) int { return strings.Count(l.String(), substr) }

// Logger returns a debug-level text logger writing to l.
func (l *LogBuffer) Logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(l, &slog.HandlerOptions{Level: slog.LevelDebug}))
}
