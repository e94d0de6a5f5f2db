package lead

import (
	"testing"
	"time"
)

func TestAddSignalCountsAKeyOnce(t *testing.T) {
	day := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	pricing := DailyKey("pricing_page_view", "/pricing", day)
	tests := []struct {
		name  string
		kept  []Signal
		add   Signal
		added bool
		want  int // signals kept after
	}{
		{"no key always counts", []Signal{{Kind: "email_open", At: day}}, Signal{Kind: "email_open", At: day}, true, 2},
		{"a new key counts", nil, Signal{Kind: "pricing_page_view", At: day, Key: pricing}, true, 1},
		{"the same key again is a repeat", []Signal{{Kind: "pricing_page_view", At: day, Key: pricing}},
			Signal{Kind: "pricing_page_view", At: day.Add(3 * time.Hour), Key: DailyKey("pricing_page_view", "/pricing", day.Add(3*time.Hour))}, false, 1},
		{"the next day counts again", []Signal{{Kind: "pricing_page_view", At: day, Key: pricing}},
			Signal{Kind: "pricing_page_view", At: day.Add(24 * time.Hour), Key: DailyKey("pricing_page_view", "/pricing", day.Add(24*time.Hour))}, true, 2},
		{"another page the same day counts", []Signal{{Kind: "page_view", At: day, Key: DailyKey("page_view", "www.example.com/blog", day)}},
			Signal{Kind: "page_view", At: day, Key: DailyKey("page_view", "www.example.com/about", day)}, true, 2},
		{"a keyless signal does not block a keyed one", []Signal{{Kind: "pricing_page_view", At: day}},
			Signal{Kind: "pricing_page_view", At: day, Key: pricing}, true, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := Lead{Signals: append([]Signal(nil), tt.kept...)}
			if got := l.AddSignal(tt.add); got != tt.added || len(l.Signals) != tt.want {
				t.Fatalf("AddSignal = %v with %d signals kept, want %v and %d", got, len(l.Signals), tt.added, tt.want)
			}
		})
	}
}

func TestDailyKeyIsPerKindThingAndUTCDay(t *testing.T) {
	at := time.Date(2026, 11, 23, 23, 30, 0, 0, time.UTC)
	base := DailyKey("email_click", "https://www.example.com/guide", at)
	berlin, _ := time.LoadLocation("Europe/Berlin")
	for _, tt := range []struct {
		name string
		key  string
		same bool
	}{
		{"same day, other hour", DailyKey("email_click", "https://www.example.com/guide", at.Add(-23*time.Hour)), true},
		{"same instant in another zone", DailyKey("email_click", "https://www.example.com/guide", at.In(berlin)), true},
		{"next UTC day", DailyKey("email_click", "https://www.example.com/guide", at.Add(time.Hour)), false},
		{"other link", DailyKey("email_click", "https://www.example.com/other", at), false},
		{"other kind", DailyKey("page_view", "https://www.example.com/guide", at), false},
	} {
		if (tt.key == base) != tt.same {
			t.Errorf("%s: %q vs %q, same = %v", tt.name, tt.key, base, tt.same)
		}
	}
	if len(base) > 64 {
		t.Errorf("key %q is long; the thing must be hashed", base)
	}
}

// A lead sent back to marketing is nurtured again, unless it opted out
// while with sales: then it is what that opt-out made it.
func TestSendBackStage(t *testing.T) {
	now := time.Date(2031, 3, 10, 9, 0, 0, 0, time.UTC)
	for suppressed, want := range map[string]Stage{"": StageNurturing, "bounce": StageNurturing,
		"unsubscribe": StageUnsubscribed, "complaint": StageUnsubscribed} {
		l := Lead{Stage: StageMQL, Suppressed: suppressed, Handoff: &Handoff{State: HandoffSent}}
		l.SendBack(ReasonUnanswered, "ana@example.com", now)
		if l.Stage != want || l.Handoff != nil || l.SentBack == nil {
			t.Errorf("suppressed %q: stage %s, handoff %+v, sent back %+v; want %s", suppressed, l.Stage, l.Handoff, l.SentBack, want)
		}
	}
}

// TestMQLCounter: a lead is an MQL once in the funnel ("mql"), a lead
// sales sent back that turns hot again is "mql_again", and a lead that
// came back after it had left starts a new round ("mql" again) — until
// sales sends that round back too.
func TestMQLCounter(t *testing.T) {
	t0 := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	back := &Return{At: t0, From: StageLost, Left: t0.Add(-30 * 24 * time.Hour), Times: 1}
	for _, tc := range []struct {
		name     string
		sentBack *SentBack
		returned *Return
		want     string
	}{
		{"first time", nil, nil, "mql"},
		{"sent back, hot again", &SentBack{At: t0}, nil, "mql_again"},
		{"came back", nil, back, "mql"},
		{"sent back before it was lost, came back", &SentBack{At: t0.Add(-60 * 24 * time.Hour)}, back, "mql"},
		{"came back, sent back, hot again", &SentBack{At: t0.Add(24 * time.Hour)}, back, "mql_again"},
	} {
		l := Lead{SentBack: tc.sentBack, Returned: tc.returned}
		if got := l.MQLCounter(); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}

// A page past the day's cap was dropped by DropRepeatSignals; viewed
// again the same day it is a repeat, not a new signal each time. The
// next day counts afresh.
func TestAPagePastTheDailyCapIsARepeat(t *testing.T) {
	day := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	var l Lead
	for i, page := range []string{"/a", "/b", "/c", "/f"} {
		at := day.Add(time.Duration(i) * time.Minute)
		if !l.AddSignal(Signal{Kind: "page_view", At: at, Key: DailyKey("page_view", page, at)}) {
			t.Fatalf("%s: a new page taken for a repeat", page)
		}
		l.DropRepeatSignals(0, 3, time.Time{})
	}
	at := day.Add(time.Hour)
	if l.AddSignal(Signal{Kind: "page_view", At: at, Key: DailyKey("page_view", "/f", at)}) {
		t.Fatalf("a page past the cap counted again the same day: %+v", l.Signals)
	}
	if !l.AddSignal(Signal{Kind: "email_click", At: at, Key: DailyKey("email_click", "x", at)}) {
		t.Fatal("another kind is not capped")
	}
	next := day.Add(24 * time.Hour)
	if !l.AddSignal(Signal{Kind: "page_view", At: next, Key: DailyKey("page_view", "/f", next)}) {
		t.Fatal("the next day the page did not count")
	}
}
