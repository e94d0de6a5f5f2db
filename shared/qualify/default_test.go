package qualify

import (
	"time"

	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/leadflow/leadflow/shared/lead"
)

func TestDefaultConfigIsValid(t *testing.T) {
	if _, err := Parse(defaultYAML, "default.yaml"); err != nil {
		t.Fatalf("embedded default.yaml:\n%v", err)
	}
	c := Default()
	if c.SLA().Minutes() != 5 || len(c.teams) != 2 {
		t.Errorf("default: %s", c.Summary())
	}
	codes := map[string]string{}
	for _, r := range c.RejectReasons() {
		codes[r.Code] = r.Action
	}
	want := map[string]string{"not_icp": ActionDisqualify, "no_budget": ActionNurture, "no_authority": ActionNurture,
		"bad_timing": ActionNurture, "wrong_contact": ActionDisqualify, "spam": ActionDisqualify}
	for code, action := range want {
		if codes[code] != action {
			t.Errorf("reject reason %s: action %q, want %q", code, codes[code], action)
		}
	}
}

func TestDefaultConfigDecisions(t *testing.T) {
	c := Default()
	demo := []Signal{{Kind: FormSignal("demo_request"), At: now}}
	tests := []struct {
		name   string
		lead   lead.Submission
		reason string // disqualifier, "" for none
		temp   string
		team   string
	}{
		{"CMO at a 500-person company asking for a demo", lead.Submission{Email: "cmo@acme.example", JobTitle: "CMO", CompanySize: "500"}, "", Hot, "enterprise"},
		{"head of growth at a small company, demo", lead.Submission{Email: "h@small.example", JobTitle: "Head of Growth", CompanySize: "11-50", Country: "GB", Timeline: "This quarter"}, "", Hot, "smb"},
		{"job seeker", lead.Submission{Email: "jo@gmail.com", Message: "Do you have any vacancy? My CV is attached."}, "job_seeker", Cold, "smb"},
		{"open to work title", lead.Submission{Email: "jo@acme.example", JobTitle: "Open to work"}, "job_seeker", Cold, "smb"},
		{"student", lead.Submission{Email: "s@uni.example", JobTitle: "Marketing Student"}, "student", Cold, "smb"},
		{"agency pitch", lead.Submission{Email: "bd@agency.example", Message: "We offer SEO services and link building"}, "partner_pitch", Cold, "smb"},
		{"competitor", lead.Submission{Email: "spy@rival.example", JobTitle: "CMO"}, "competitor", Cold, "smb"},
		{"disposable email", lead.Submission{Email: "x@mailinator.com", JobTitle: "CMO"}, "disposable_email", Cold, "smb"},
		{"yopmail", lead.Submission{Email: "x@YOPmail.com"}, "disposable_email", Cold, "smb"},
		{"test name", lead.Submission{Email: "a@acme.example", Name: "Test"}, "spam", Cold, "smb"},
		{"keyboard mash", lead.Submission{Email: "a@acme.example", Name: "asdfgh"}, "spam", Cold, "smb"},
		{"test address", lead.Submission{Email: "test123@acme.example", Name: "Ann"}, "spam", Cold, "smb"},
		{"internal comms is not an intern", lead.Submission{Email: "a@acme.example", JobTitle: "Internal Communications Director", CompanySize: "800"}, "", Hot, "enterprise"},
		{"big budget routes to enterprise", lead.Submission{Email: "a@acme.example", JobTitle: "VP Marketing", Budget: "$75k", CompanySize: "120"}, "", Hot, "enterprise"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := stored(tt.lead)
			d := c.Evaluate(l, demo, now)
			if d.Reason != tt.reason || d.Temperature != tt.temp {
				t.Errorf("reason %q temperature %s, want %q %s\n%s", d.Reason, d.Temperature, tt.reason, tt.temp, strings.Join(d.Reasons, "\n"))
			}
			if team, _ := c.Route(l); team != tt.team {
				t.Errorf("team %s, want %s", team, tt.team)
			}
		})
	}
}

func TestLoad(t *testing.T) {
	if c, err := Load(""); err != nil || c != Default() {
		t.Errorf("Load(\"\") = %v, %v; want Default()", c, err)
	}
	dir := t.TempDir()
	good := filepath.Join(dir, "good.yaml")
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(good, []byte(full), 0o600)
	os.WriteFile(bad, []byte(strings.Replace(full, "gradee", "x", 1)+"bogus: 1\n"), 0o600)
	if _, err := Load(good); err != nil {
		t.Errorf("Load(good): %v", err)
	}
	_, err := Load(bad)
	if !errors.Is(err, ErrInvalid) || !strings.HasPrefix(err.Error(), bad+":") {
		t.Errorf("Load(bad) = %v", err)
	}
	if _, err := Load(filepath.Join(dir, "missing.yaml")); err == nil || errors.Is(err, ErrInvalid) {
		t.Errorf("Load(missing) = %v", err)
	}
}

// A nurtured lead that turns hot leaves its sequence in the same change
// that owes sales its alert.
func TestTurningHotLeavesTheSequence(t *testing.T) {
	c := Default()
	l := stored(lead.Submission{Email: "cmo@acme.example", JobTitle: "CMO", CompanySize: "500"})
	l.Stage = lead.StageNurturing
	l.Nurture = &lead.Nurture{Sequence: "cold-education", Step: "pricing", NextAt: now.Add(time.Hour)}
	l.Signals = []lead.Signal{{Kind: FormSignal("demo_request"), At: now}}
	c.Qualify(&l, now)
	if !l.OwedToSales() || !l.Nurture.NextAt.IsZero() || l.Nurture.ExitReason != lead.ExitHandedOff || len(l.Nurture.Completed) != 1 {
		t.Fatalf("handoff %+v, nurture %+v: want owed to sales and out of its sequence", l.Handoff, l.Nurture)
	}
}

// A lead alerted to sales that a later form disqualified, and that an
// earlier version nurtured again with that hand-off still open, comes
// back hot: its hand-off resumes (one MQL) and it leaves its sequence in
// that same change — no nurture email goes to a lead with sales.
func TestHotAgainAfterADisqualificationLeavesTheSequence(t *testing.T) {
	c := Default()
	l := stored(lead.Submission{Email: "cmo@acme.example", JobTitle: "CMO", CompanySize: "500", FormType: "demo_request"})
	l.Signals = []lead.Signal{{Kind: FormSignal("demo_request"), At: now}}
	c.Qualify(&l, now)
	if !l.OwedToSales() {
		t.Fatalf("fixture: not hot: %+v", l.Qualification)
	}
	l.Handoff.State, l.Handoff.SentAt = lead.HandoffSent, now // alerted
	// A day later a form asks for an internship: disqualified.
	day := now.Add(24 * time.Hour)
	l.Message = "Any internship openings?"
	c.Qualify(&l, day)
	if l.Stage != lead.StageDisqualified {
		t.Fatalf("fixture: stage %s after the job seeker's form", l.Stage)
	}
	// Weeks later, as stored before disqualified leads went back to
	// their hand-off: nurtured, in a sequence, the hand-off still open.
	weeks := now.Add(40 * 24 * time.Hour)
	l.Message = "Just browsing"
	l.Stage = lead.StageNurturing
	l.Recorded = &lead.Lifecycle{Stage: lead.StageNurturing, OptOut: l.CurrentLifecycle().OptOut}
	l.Nurture = &lead.Nurture{Sequence: "cold-education", Step: "welcome", NextAt: weeks}
	// Then a demo request: hot.
	hot := weeks.Add(time.Hour)
	l.AddSignal(lead.Signal{Kind: FormSignal("demo_request"), At: hot})
	ch := c.Qualify(&l, hot)
	if l.Stage != lead.StageMQL {
		t.Fatalf("stage %s, want mql", l.Stage)
	}
	if !l.Nurture.NextAt.IsZero() || l.Nurture.ExitReason != lead.ExitHandedOff {
		t.Fatalf("an MQL is still in its nurture sequence: %+v", l.Nurture)
	}
	for _, cn := range ch.Counters {
		if cn.Name == "mql" || cn.Name == "mql_again" {
			t.Fatalf("the same hand-off counted as an MQL again: %v", ch.Counters)
		}
	}
}

// A lead a later form disqualified while its alert waited for sales is
// with sales again once that form's words are gone: its hand-off resumes
// (an MQL, no second MQL counted, due for its escalation or its return)
// instead of being nurtured with that hand-off still open — where a
// sequence's hand-off step would find it "handed off" already, leave
// the sequence and owe nothing to anyone: a lead stuck for good.
func TestUndisqualifiedLeadGoesBackToItsHandoff(t *testing.T) {
	c := Default()
	l := stored(lead.Submission{Email: "cmo@acme.example", JobTitle: "CMO", CompanySize: "500", FormType: "demo_request"})
	l.Signals = []lead.Signal{{Kind: FormSignal("demo_request"), At: now}}
	c.Qualify(&l, now)
	l.Handoff.State, l.Handoff.SentAt, l.Handoff.DueBy, l.Handoff.ReturnAt = lead.HandoffSent, now, now.Add(5*time.Minute), now.Add(30*24*time.Hour)
	l.Message = "Any internship openings?"
	c.Qualify(&l, now.Add(time.Minute))
	if l.Stage != lead.StageDisqualified {
		t.Fatalf("fixture: stage %s after the job seeker's form", l.Stage)
	}
	later := now.Add(10 * 24 * time.Hour)
	l.Message = "Just browsing"
	ch := c.Qualify(&l, later)
	if l.Stage != lead.StageMQL || l.Handoff == nil || l.Handoff.State != lead.HandoffSent {
		t.Fatalf("stage %s, handoff %+v: want the lead back with sales", l.Stage, l.Handoff)
	}
	if due := l.NextDue(); due.IsZero() {
		t.Fatal("the lead back with sales is due for nothing")
	}
	for _, cn := range ch.Counters {
		if cn.Name == "mql" || cn.Name == "mql_again" {
			t.Fatalf("the same hand-off counted as an MQL again: %v", ch.Counters)
		}
	}
}

// A lead counts as non-target once: a later form that drops the words
// that disqualified it, then another with them again (or with other
// ones), does not count it a second time — the non-target share is a
// share of leads, at most all of them.
func TestNonTargetCountsALeadOnce(t *testing.T) {
	c := Default()
	l := stored(lead.Submission{Email: "ann@acme.example", JobTitle: "Marketing manager", CompanySize: "50", Message: "Any internship openings?"})
	counted := func(ch lead.Change) (names []string) {
		for _, cn := range ch.Counters {
			if cn.Name == "disqualified" || strings.HasPrefix(cn.Name, "dq_") {
				names = append(names, cn.Name)
			}
		}
		return names
	}
	steps := []struct {
		message string
		stage   lead.Stage
		counted int
	}{
		{"Any internship openings?", lead.StageDisqualified, 2}, // "disqualified" and its reason
		{"Just browsing", lead.StageNurturing, 0},
		{"Looking for an internship", lead.StageDisqualified, 0},
		{"Just browsing", lead.StageNurturing, 0},
		{"I'm a student writing my thesis", lead.StageDisqualified, 0},
	}
	for i, s := range steps {
		l.Message = s.message
		ch := c.Qualify(&l, now.Add(time.Duration(i)*time.Hour))
		if l.Stage != s.stage {
			t.Fatalf("step %d (%q): stage %s, want %s", i, s.message, l.Stage, s.stage)
		}
		if got := counted(ch); len(got) != s.counted {
			t.Errorf("step %d (%q): counted %v, want %d counters", i, s.message, got, s.counted)
		}
	}
}
