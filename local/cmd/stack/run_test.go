package main

import (
	"context"
	"strings"
	"testing"
)

// TestRunRefusesASpeedThatStopsTheClock: SPEED=0 froze the product's
// clock (and the banner said an hour passes in an hour); it and negative
// speeds are refused before anything starts.
func TestRunRefusesASpeedThatStopsTheClock(t *testing.T) {
	for _, s := range []string{"0", "-60", "NaN", "+Inf"} {
		err := run(context.Background(), []string{"-speed", s, "-addr", "127.0.0.1:0"})
		if err == nil || !strings.Contains(err.Error(), "want a number above 0") {
			t.Errorf("SPEED=%s: %v", s, err)
		}
	}
}
