package testutil

import (
	"testing"
	"time"
)

func TestClockAndLogBuffer(t *testing.T) {
	start := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	c := NewClock(start)
	c.Advance(90 * time.Second)
	if got := c.Now(); !got.Equal(start.Add(90 * time.Second)) {
		t.Errorf("Now after Advance = %v", got)
	}
	var l LogBuffer
	l.Logger().Debug("fetch failed", "kid", "k1")
	l.Logger().Info("fetch failed")
	if l.Count("fetch failed") != 2 || l.Count("kid=k1") != 1 {
		t.Errorf("log = %q", l.String())
	}
}
