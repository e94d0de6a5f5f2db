package lead

import (
	"testing"
	"time"
)

// TestRepeatsForm: the same form (form type, campaign, page) sent again
// within the window is a repeat of the one that counted; another form,
// offer or page is not, nor the same form once the window has passed,
// nor a form after sales sent the lead back.
func TestRepeatsForm(t *testing.T) {
	t0 := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	form := func(formType, campaign, page string, after time.Duration) Submission {
		return Submission{FormType: formType, Source: Attribution{Campaign: campaign, LandingPage: page, At: t0.Add(after)}}
	}
	const page = "https://www.example.com/webinar"
	sent := form("webinar", "webinar-nov", page, 0)
	tests := []struct {
		name     string
		next     Submission
		window   time.Duration
		sentBack time.Duration // > 0: sales sent the lead back this long after the first form
		want     bool
	}{
		{"same form a second later", form("webinar", "webinar-nov", page, time.Second), 24 * time.Hour, 0, true},
		{"same form within the window", form("webinar", "webinar-nov", page, 23*time.Hour), 24 * time.Hour, 0, true},
		{"same form, folded in before the one that counted", form("webinar", "webinar-nov", page, -time.Minute), 24 * time.Hour, 0, true},
		{"same page, other query, case and trailing slash", form("webinar", "webinar-nov", "https://WWW.Example.com/Webinar/?utm_source=x", time.Minute), 24 * time.Hour, 0, true},
		{"same form at the window's end", form("webinar", "webinar-nov", page, 24*time.Hour), 24 * time.Hour, 0, false},
		{"same form, a shorter window", form("webinar", "webinar-nov", page, 2*time.Hour), time.Hour, 0, false},
		{"window 0: every form counts", form("webinar", "webinar-nov", page, time.Second), 0, 0, false},
		{"another form type", form("demo_request", "webinar-nov", page, time.Minute), 24 * time.Hour, 0, false},
		{"another campaign", form("webinar", "webinar-dec", page, time.Minute), 24 * time.Hour, 0, false},
		{"another page", form("webinar", "webinar-nov", "https://www.example.com/webinar-replay", time.Minute), 24 * time.Hour, 0, false},
		{"no form type is a contact form", form("", "webinar-nov", page, time.Minute), 24 * time.Hour, 0, false},
		{"after sales sent the lead back", form("webinar", "webinar-nov", page, 2*time.Hour), 24 * time.Hour, time.Hour, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := New("L1", sent)
			l.NoteForm(sent)
			if tt.sentBack > 0 {
				l.SentBack = &SentBack{At: t0.Add(tt.sentBack)}
			}
			if got := l.RepeatsForm(tt.next, tt.window); got != tt.want {
				t.Fatalf("RepeatsForm = %v, want %v", got, tt.want)
			}
		})
	}
}

// TestRecentFormsAreBounded: a lead keeps the newest MaxRecentForms forms,
// so posts of ever new pages cannot grow it.
func TestRecentFormsAreBounded(t *testing.T) {
	t0 := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	var l Lead
	for i := range MaxRecentForms + 5 {
		l.NoteForm(Submission{FormType: "webinar", Source: Attribution{LandingPage: "https://www.example.com/p" + string(rune('a'+i)), At: t0.Add(time.Duration(i) * time.Minute)}})
	}
	if len(l.RecentForms) != MaxRecentForms || !l.RecentForms[MaxRecentForms-1].At.Equal(t0.Add(time.Duration(MaxRecentForms+4)*time.Minute)) {
		t.Fatalf("%d recent forms, last at %s", len(l.RecentForms), l.RecentForms[len(l.RecentForms)-1].At)
	}
}
