package handoff

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/leadflow/leadflow/shared/lead"
)

// twoTeamsYAML routes leads of 500 people or more to enterprise, the rest
// to smb; each team has its own reps and team lead.
const twoTeamsYAML = `version: 1
fit:
  rules: [{field: job_title, op: contains, values: [cmo], points: 50}]
  grades: {A: 40, B: 30, C: 20}
engagement:
  signals: [{signal: "form:demo_request", points: 50}]
thresholds: {A: {hot: 10, warm: 0}, B: {}, C: {}, D: {}}
routing:
  teams:
    smb:
      reps: [{name: Sam, email: sam@example.com}, {name: Sue, email: sue@example.com}]
      lead: {name: Sol, email: sol@example.com}
    enterprise:
      reps: [{name: Ana, email: ana@example.com}, {name: Cy, email: cy@example.com}]
      lead: {name: Lea, email: lea@example.com}
  rules: [{team: enterprise, field: company_size, op: range, min: 500}]
  default_team: smb
sla: {first_response: 5m}
reject_reasons:
  - {code: not_icp, label: Not our ICP, action: disqualify}
`

// TestEscalationGoesToTheTeamAlerted: a lead alerted to a team's rep
// whose later form changes how it routes (its company size now matches
// another team's rule) is escalated to the team lead of the team whose
// rep missed the deadline — the one who can chase that rep — not to the
// other team's lead, who has never heard of it.
func TestEscalationGoesToTheTeamAlerted(t *testing.T) {
	for _, c := range []struct {
		name       string
		smbLead    bool   // whether smb has a team lead
		want       string // the escalation's recipient
		wantTeamLd bool   // the escalation says "you lead the sales team"
	}{
		{"team with a lead", true, "sol@example.com", true},
		{"team without a lead: its next rep", false, "", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t)
			yaml := twoTeamsYAML
			if !c.smbLead {
				yaml = strings.Replace(yaml, "      lead: {name: Sol, email: sol@example.com}\n", "", 1)
			}
			f.svc.Rules = rules(t, yaml)
			ctx := context.Background()
			id := f.hotLead(t, "clara@bigcorp.example")
			if out, err := f.svc.Run(ctx, id, "w", ""); err != nil || out != Sent {
				t.Fatalf("alert: %s, %v", out, err)
			}
			l := stored(t, f.store, id)
			rep := l.Handoff.Rep
			if l.Handoff.Team != "smb" || (rep != "sam@example.com" && rep != "sue@example.com") {
				t.Fatalf("alerted %s of team %s, want a rep of smb", rep, l.Handoff.Team)
			}
			// A later form of the same address says 1000 people.
			l.CompanySize = "1000"
			l.Version++
			if err := f.store.Put(ctx, l, lead.Change{}); err != nil {
				t.Fatal(err)
			}
			f.now = f.now.Add(6 * time.Minute)
			if out, err := f.svc.Run(ctx, id, "w", ""); err != nil || out != Escalated {
				t.Fatalf("escalation: %s, %v", out, err)
			}
			want := c.want
			if want == "" { // the other smb rep
				want = map[string]string{"sam@example.com": "sue@example.com", "sue@example.com": "sam@example.com"}[rep]
			}
			esc := f.out.Sent()[1]
			if esc.To != want {
				t.Fatalf("escalation went to %s, want %s (the alerted team's)", esc.To, want)
			}
			if got := strings.Contains(esc.Text, "you lead the sales team"); got != c.wantTeamLd {
				t.Errorf("escalation says it is to the team lead: %v, want %v:\n%s", got, c.wantTeamLd, esc.Text)
			}
		})
	}
}

// TestDealOfARepWhoLeftGoesToTheirTeamLead: the deal of a rep no longer
// in the routing config goes, for its reminder, its asked-again notice
// and the weekly list of open leads of reps who left, to the team lead of
// the team that rep answered the alert for, even when a later form of
// the lead routes it to another team now.
func TestDealOfARepWhoLeftGoesToTheirTeamLead(t *testing.T) {
	f := newFixture(t)
	f.svc.Rules = rules(t, twoTeamsYAML)
	ctx := context.Background()
	accepted := f.now.Add(-15 * 24 * time.Hour)
	id := f.openDeal(t, "clara@bigcorp.example", lead.StageSAL, "sam@example.com", accepted, func(l *lead.Lead) {
		l.Handoff.Team, l.Handoff.Rep = "smb", "sam@example.com"
		l.Deal.RemindAt = accepted.Add(14 * 24 * time.Hour)
		l.CompanySize = "1000" // a later form: it would route to enterprise now
		l.AskAgain(f.now.Add(-time.Hour))
	})
	// Then Sam left smb.
	f.svc.Rules = rules(t, strings.Replace(twoTeamsYAML, "{name: Sam, email: sam@example.com}, ", "", 1))
	for i, want := range []Outcome{Reminded, ToldAsked} {
		if out, err := f.svc.Run(ctx, id, "w", ""); err != nil || out != want {
			t.Fatalf("run %d = %s, %v; want %s", i, out, err, want)
		}
		if m := f.out.Sent()[i]; m.To != "sol@example.com" {
			t.Errorf("%s went to %s, want sol@example.com (Sam's team lead)", want, m.To)
		}
	}
	o := f.openList()
	before := len(f.out.Sent())
	if _, err := o.Send(ctx); err != nil {
		t.Fatal(err)
	}
	var to []string
	for _, m := range f.out.Sent()[before:] {
		to = append(to, m.To)
	}
	if len(to) != 1 || to[0] != "sol@example.com" {
		t.Fatalf("weekly lists went to %v, want one to sol@example.com", to)
	}
}

// TestOpenLeadDaysAreTheRepsCalendarDays: the weekly list and the
// reminder say how long ago a lead was accepted in the rep's calendar
// days, as the asked-again notice does (dealStatus), not in spans of 24
// hours: a lead accepted late on Monday is a week old the next Monday
// morning, and one accepted yesterday evening is a day old.
func TestOpenLeadDaysAreTheRepsCalendarDays(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	la, err := time.LoadLocation("America/Los_Angeles")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name          string
		accepted, now time.Time
		zone          *time.Location
		on            string
		days          int
	}{
		{"a week, late Monday to Monday morning", time.Date(2026, 11, 30, 22, 30, 0, 0, time.UTC), time.Date(2026, 12, 7, 7, 0, 0, 0, time.UTC), berlin, "30 Nov 2026", 7},
		{"yesterday evening", time.Date(2026, 12, 4, 3, 0, 0, 0, time.UTC), time.Date(2026, 12, 4, 17, 0, 0, 0, time.UTC), la, "3 Dec 2026", 1},
		{"earlier today", time.Date(2026, 12, 4, 8, 0, 0, 0, time.UTC), time.Date(2026, 12, 4, 17, 0, 0, 0, time.UTC), berlin, "4 Dec 2026", 0},
		{"across Europe's spring change", time.Date(2026, 3, 28, 23, 30, 0, 0, time.UTC), time.Date(2026, 3, 29, 21, 15, 0, 0, time.UTC), berlin, "29 Mar 2026", 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			l := lead.New("L1", lead.Submission{Email: "clara@bigcorp.example"})
			l.Stage, l.Deal = lead.StageSAL, &lead.Deal{AcceptedAt: c.accepted, Rep: "ana@example.com"}
			got := openLead(newFixture(t).svc.Keys, "https://api.example.com", l, "ana@example.com", c.zone, 180*24*time.Hour, c.now)
			if got.AcceptedOn != c.on || got.Days != c.days {
				t.Errorf("accepted on %s, %d days; want %s, %d", got.AcceptedOn, got.Days, c.on, c.days)
			}
		})
	}
}

// TestEscalationTakesNoAlertTurn: in a team without a team lead, a
// missed alert goes to the next available rep after the one who missed
// it, and the escalation takes no round-robin turn: the alerts keep
// their rotation (each rep in turn), whoever missed a deadline.
func TestEscalationTakesNoAlertTurn(t *testing.T) {
	f := newFixture(t)
	f.svc.Rules = rules(t, strings.Replace(strings.Replace(twoTeamsYAML, "      lead: {name: Sol, email: sol@example.com}\n", "", 1),
		"{name: Sue, email: sue@example.com}", "{name: Sue, email: sue@example.com}, {name: Max, email: max@example.com, away: true}, {name: Tom, email: tom@example.com}", 1))
	ctx := context.Background()
	var alerted []string
	alert := func(email string) string {
		id := f.hotLead(t, email)
		if out, err := f.svc.Run(ctx, id, "w", ""); err != nil || out != Sent {
			t.Fatalf("alert: %s, %v", out, err)
		}
		alerted = append(alerted, stored(t, f.store, id).Handoff.Rep)
		return id
	}
	first := alert("one@bigcorp.example")
	f.now = f.now.Add(6 * time.Minute)
	if out, err := f.svc.Run(ctx, first, "w", ""); err != nil || out != Escalated {
		t.Fatalf("escalation: %s, %v", out, err)
	}
	if to := stored(t, f.store, first).Handoff.EscalatedTo; to != "sue@example.com" {
		t.Errorf("escalated to %s, want sue@example.com (the next available rep after sam)", to)
	}
	for _, e := range []string{"two@bigcorp.example", "three@bigcorp.example", "four@bigcorp.example"} {
		alert(e)
	}
	want := []string{"sam@example.com", "sue@example.com", "tom@example.com", "sam@example.com"}
	if strings.Join(alerted, " ") != strings.Join(want, " ") {
		t.Fatalf("alerts went to %v, want %v", alerted, want)
	}
}
