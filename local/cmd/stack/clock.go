package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// clockFile is where a persistent stack (PERSIST=1) keeps its product
// clock, beside the DynamoDB data it dates: removing the data resets it.
func clockFile(dataDir string) string { return filepath.Join(dataDir, "product-clock") }

// resumeClock is where a stack's product clock starts: now, or, when the
// data kept from an earlier run (PERSIST=1) is dated later — that run's
// clock ran SPEED times faster than the wall — the time that run's clock
// had reached, so the product never goes back before what it stored
// (leads created "tomorrow", a confirmation sent "in 30 hours" that holds
// every new one back, waits that restart from the past). resumed says
// whether the saved time was taken.
func resumeClock(path string, now time.Time) (start time.Time, resumed bool) {
	b, err := os.ReadFile(path)
	if err != nil {
		return now, false
	}
	saved, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(string(b)))
	if err != nil || !saved.After(now) {
		return now, false
	}
	return saved, true
}

// saveClock writes the product clock's time to path (through a temporary
// file, so a stack killed while writing leaves the last good time).
func saveClock(path string, t time.Time) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(t.UTC().Format(time.RFC3339Nano)+"\n"), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// keepClock saves clock() to path every interval until ctx ends, and
// once more then: a restart resumes from at most one interval back.
func keepClock(ctx context.Context, path string, clock func() time.Time, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		_ = saveClock(path, clock())
		select {
		case <-ctx.Done():
			_ = saveClock(path, clock())
			return
		case <-t.C:
		}
	}
}
