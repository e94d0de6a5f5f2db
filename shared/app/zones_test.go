package app

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestZoneDatabase(t *testing.T) {
	none := func(string) (*time.Location, error) { return nil, errors.New("unknown time zone America/New_York") }
	for _, tc := range []struct {
		name     string
		load     func(string) (*time.Location, error)
		zoneinfo string
		want     []string // in the error; none: no error
	}{
		{name: "this machine's database", load: time.LoadLocation},
		{name: "none, no ZONEINFO", load: none, want: []string{"no time zone database (the system has none)", "zoneinfo.zip", "ZONEINFO", "unknown time zone"}},
		{name: "none at ZONEINFO", load: none, zoneinfo: "/var/task/zoneinfo.zip", want: []string{"ZONEINFO=/var/task/zoneinfo.zip does not hold one", "build-%Function"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := zoneDatabase(tc.load, tc.zoneinfo)
			if len(tc.want) == 0 {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("no error without a zone database")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
		})
	}
}
