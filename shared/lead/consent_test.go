package lead

import (
	"testing"
	"time"
)

func TestAskConsent(t *testing.T) {
	t0 := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	ticked := Consent{MarketingOptIn: true, TextVersion: "v2", At: t0, Method: ConsentByForm, IPHash: "k1:iph"}
	unticked := Consent{At: t0, Method: ConsentByForm}
	fresh := func(c Consent) Lead {
		return New("L1", Submission{Email: "a@b.example", Consent: c, Source: Attribution{Campaign: "q4", At: t0}})
	}
	consented := func() Lead {
		l := fresh(ticked)
		l.AskConsent(ticked, ConsentSingle, true, "r0", t0)
		return l
	}
	pending := func(sentAgo time.Duration) Lead {
		l := fresh(ticked)
		l.AskConsent(ticked, ConsentDouble, true, "r0", t0)
		l.ConfirmationSent(t0.Add(-sentAgo))
		return l
	}
	suppressed := func() Lead { l := fresh(unticked); l.Suppressed = "unsubscribe"; return l }
	tests := []struct {
		name      string
		lead      Lead
		stated    Consent
		mode      string
		created   bool
		want      string
		optIn     bool // the lead may get marketing email after it
		due       bool // a confirmation email is owed
		requestID string
	}{
		{"new lead, double opt-in: a request, not consent", fresh(ticked), ticked, ConsentDouble, true, ConsentRequested, false, true, "r1"},
		{"new lead, single opt-in: consent", fresh(ticked), ticked, ConsentSingle, true, ConsentGranted, true, false, ""},
		{"new lead, box not ticked", fresh(unticked), unticked, ConsentDouble, true, ConsentNotAsked, false, false, ""},
		{"known lead, single-mode campaign: still a request", fresh(unticked), ticked, ConsentSingle, false, ConsentRequested, false, true, "r1"},
		{"known lead with consent, box not ticked: kept", consented(), unticked, ConsentDouble, false, ConsentNotAsked, true, false, ""},
		{"known lead with consent, ticked again", consented(), ticked, ConsentDouble, false, ConsentHeld, true, false, ""},
		{"suppressed address: no email", suppressed(), ticked, ConsentDouble, false, ConsentBlocked, false, false, ""},
		{"asked again within a day of the email: none", pending(time.Hour), ticked, ConsentDouble, false, ConsentThrottled, false, false, "r0"},
		{"asked again a day later: a new email", pending(ConfirmationInterval), ticked, ConsentDouble, false, ConsentRequested, false, true, "r1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := tt.lead
			got := l.AskConsent(tt.stated, tt.mode, tt.created, "r1", t0)
			if got != tt.want {
				t.Fatalf("AskConsent = %q, want %q", got, tt.want)
			}
			if l.Consent.MarketingOptIn != tt.optIn || l.ConfirmationDue(t0) != tt.due {
				t.Fatalf("consent %+v, due %v; want opt-in %v, due %v", l.Consent, l.ConfirmationDue(t0), tt.optIn, tt.due)
			}
			if tt.requestID != "" && (l.OptIn == nil || l.OptIn.ID != tt.requestID) {
				t.Fatalf("request = %+v, want id %s", l.OptIn, tt.requestID)
			}
			if tt.created && l.Recorded.OptOut != l.CurrentLifecycle().OptOut {
				t.Fatalf("a new lead records a change at birth: recorded %+v, now %+v", *l.Recorded, l.CurrentLifecycle())
			}
		})
	}
}

func TestConfirmConsent(t *testing.T) {
	t0 := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	ticked := Consent{MarketingOptIn: true, TextVersion: "v2", At: t0, Method: ConsentByForm, IPHash: "iph", UserAgentHash: "uah"}
	l := New("L1", Submission{Email: "a@b.example", Consent: ticked, Source: Attribution{At: t0}})
	l.AskConsent(ticked, ConsentDouble, true, "r1", t0)
	l.ConfirmationSent(t0)
	if l.NextDue() != (time.Time{}) {
		t.Fatalf("a sent confirmation leaves the lead due at %v", l.NextDue())
	}
	if err := l.ConfirmConsent("r0", t0.Add(time.Hour), "ciph", "cuah"); err != ErrNoConsentRequest || l.Consent.MarketingOptIn {
		t.Fatalf("another request's link confirmed: %v %+v", err, l.Consent)
	}
	at := t0.Add(2 * time.Hour)
	if err := l.ConfirmConsent("r1", at, "ciph", "cuah"); err != nil {
		t.Fatal(err)
	}
	c := l.Consent
	if !c.MarketingOptIn || c.Method != ConsentByConfirmation || !c.ConfirmedAt.Equal(at) || !c.At.Equal(t0) ||
		c.TextVersion != "v2" || c.IPHash != "iph" || c.UserAgentHash != "uah" || c.ConfirmIPHash != "ciph" || c.ConfirmUserAgentHash != "cuah" ||
		len(l.Consents) != 1 || l.OptIn != nil {
		t.Fatalf("consent record = %+v (history %d, request %+v)", c, len(l.Consents), l.OptIn)
	}
	if err := l.ConfirmConsent("r1", at, "ciph", "cuah"); err != ErrNoConsentRequest {
		t.Fatalf("second confirmation: %v", err)
	}
}

// An address suppressed since its confirmation email went out (a hard
// bounce, which unlike an unsubscribe leaves the request open) is not
// given consent by the link: nothing may be sent to it.
func TestConfirmConsentOfASuppressedAddress(t *testing.T) {
	t0 := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	ticked := Consent{MarketingOptIn: true, At: t0, Method: ConsentByForm}
	l := New("L1", Submission{Email: "a@b.example", Consent: ticked, Source: Attribution{At: t0}})
	l.AskConsent(ticked, ConsentDouble, true, "r1", t0)
	l.ConfirmationSent(t0)
	l.Suppressed = "bounce"
	if err := l.ConfirmConsent("r1", t0.Add(time.Hour), "ciph", "cuah"); err != ErrNoConsentRequest || l.Consent.MarketingOptIn || len(l.Consents) != 0 {
		t.Fatalf("a suppressed address confirmed: %v %+v (history %d)", err, l.Consent, len(l.Consents))
	}
}

func TestDropRepeatSignals(t *testing.T) {
	t0 := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	sig := func(kind string, h int) Signal { return Signal{Kind: kind, At: t0.Add(time.Duration(h) * time.Hour)} }
	page := func(kind string, h int, page string) Signal {
		at := t0.Add(time.Duration(h) * time.Hour)
		return Signal{Kind: kind, At: at, Key: DailyKey(kind, page, at)}
	}
	tests := []struct {
		name   string
		in     []Signal
		window time.Duration
		perDay int
		since  time.Time
		want   int
	}{
		{"repeats within a day count once", []Signal{sig("form:contact", 0), sig("form:contact", 1), sig("form:contact", 23)}, 24 * time.Hour, 0, time.Time{}, 1},
		{"a day later counts again", []Signal{sig("form:contact", 0), sig("form:contact", 24)}, 24 * time.Hour, 0, time.Time{}, 2},
		{"repeats written out of time order count once", []Signal{sig("resubmission", 3), sig("resubmission", 2), sig("resubmission", 1), sig("resubmission", 0)}, 24 * time.Hour, 0, time.Time{}, 1},
		{"out of order, a day apart both count", []Signal{sig("resubmission", 30), sig("resubmission", 2), sig("resubmission", 20)}, 24 * time.Hour, 0, time.Time{}, 2},
		{"kinds apart", []Signal{sig("form:contact", 0), sig("resubmission", 0), sig("page_view", 0)}, 24 * time.Hour, 0, time.Time{}, 3},
		{"window 0 keeps all", []Signal{sig("form:contact", 0), sig("form:contact", 0)}, 0, 0, time.Time{}, 2},
		{"after a send-back interest counts afresh", []Signal{sig("form:demo_request", 0), sig("form:demo_request", 2), sig("form:demo_request", 3)}, 24 * time.Hour, 0, t0.Add(time.Hour), 2},
		{"distinct pages each count, up to the daily cap", []Signal{page("page_view", 0, "/a"), page("page_view", 0, "/b"), page("page_view", 1, "/c"),
			page("page_view", 2, "/d"), page("email_click", 2, "l1")}, 24 * time.Hour, 2, time.Time{}, 3},
		{"the cap is per UTC day", []Signal{page("page_view", 0, "/a"), page("page_view", 1, "/b"), page("page_view", 24, "/c"), page("page_view", 25, "/d")},
			24 * time.Hour, 1, time.Time{}, 2},
		{"no cap keeps every page", []Signal{page("page_view", 0, "/a"), page("page_view", 0, "/b"), page("page_view", 0, "/c")}, 24 * time.Hour, 0, time.Time{}, 3},
		{"the cap counts afresh after a send-back", []Signal{page("page_view", 0, "/a"), page("page_view", 2, "/b"), page("page_view", 3, "/c")}, 0, 1, t0.Add(time.Hour), 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := Lead{Signals: tt.in}
			l.DropRepeatSignals(tt.window, tt.perDay, tt.since)
			if len(l.Signals) != tt.want {
				t.Fatalf("kept %+v, want %d", l.Signals, tt.want)
			}
		})
	}
}
