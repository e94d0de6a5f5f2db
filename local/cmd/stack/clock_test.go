package main

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestPersistentStackResumesItsProductClock: a run at SPEED=3600 with
// PERSIST=1 stores leads dated days ahead of the wall; the next run's
// clock started at the wall again, so its leads were created "tomorrow",
// a confirmation sent "in 30 hours" held back every new one, and make
// leads put product time before the leads it listed. A restart now goes
// on from where the last clock stopped — never back, never forward of
// the wall when the saved time is past.
func TestPersistentStackResumesItsProductClock(t *testing.T) {
	now := time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC)
	dir := t.TempDir()
	path := clockFile(dir)
	for _, c := range []struct {
		name    string
		file    string // "" = no file
		want    time.Time
		resumed bool
	}{
		{name: "first run", want: now},
		{name: "last run's clock ahead of the wall", file: "2026-12-06T19:49:00.5Z", want: time.Date(2026, 12, 6, 19, 49, 0, 5e8, time.UTC), resumed: true},
		{name: "last run's clock behind the wall", file: "2026-12-01T08:00:00Z", want: now},
		{name: "unreadable", file: "yesterday", want: now},
	} {
		t.Run(c.name, func(t *testing.T) {
			os.Remove(path)
			if c.file != "" {
				if err := os.WriteFile(path, []byte(c.file+"\n"), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			got, resumed := resumeClock(path, now)
			if !got.Equal(c.want) || resumed != c.resumed {
				t.Errorf("resumeClock = %v, %v; want %v, %v", got, resumed, c.want, c.resumed)
			}
		})
	}

	// What one run saves, the next resumes from.
	ahead := now.Add(33 * time.Hour)
	if err := saveClock(path, ahead); err != nil {
		t.Fatal(err)
	}
	if got, resumed := resumeClock(path, now); !got.Equal(ahead) || !resumed {
		t.Errorf("after saveClock(%v): resumeClock = %v, %v", ahead, got, resumed)
	}
	if _, err := os.Stat(filepath.Join(dir, "product-clock.tmp")); !os.IsNotExist(err) {
		t.Errorf("temporary file left behind: %v", err)
	}
}
