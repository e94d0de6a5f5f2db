package handoff

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/leadflow/leadflow/shared/lead"
	"github.com/leadflow/leadflow/shared/qualify"
)

// TestOpenListOfRepsWhoLeftStandIns: who gets the open leads of a rep who
// left, and what the list tells them: the list to the sales address (a
// team without a lead) does not call its reader the team lead.
func TestOpenListOfRepsWhoLeftStandIns(t *testing.T) {
	twoTeams := func(eastLead string) string {
		return strings.Replace(teamYAML, "  default_team: sales", `    east:
      reps:
        - {name: Dee, email: dee@example.com}
`+eastLead+`  rules:
    - {team: east, field: company, op: contains, values: [acme]}
  default_team: sales`, 1)
	}
	for _, c := range []struct {
		name      string
		yaml      string
		holder    string   // who accepted them
		companies []string // of the leads they hold
		to        string   // the one list's recipient
		want      []string // in its text
		not       []string
	}{
		{"a team without a lead: the sales address", twoTeams(""), "gone@example.com", []string{"Acme"}, "sales@example.com",
			[]string{"Hi there,", "held by gone@example.com", "no team lead"}, []string{"as the team lead", "on your team"}},
		{"a team with a lead", twoTeams("      lead: {name: Eve, email: eve@example.com}\n"), "gone@example.com", []string{"Acme"}, "eve@example.com",
			[]string{"Hi Eve,", "as the team lead", "on your team"}, []string{"sales address"}},
		// An alert that found no rep went to the sales address, and was
		// accepted there: the sales address is no rep who left, it holds
		// the deal and gets its own list.
		{"held by the sales address", twoTeams("      lead: {name: Eve, email: eve@example.com}\n"), "sales@example.com", []string{"Acme"}, "sales@example.com",
			[]string{"Hi there,", "This lead you accepted", "Acme"}, []string{"held by", "as the team lead", "no team lead"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t)
			f.svc.Rules = rules(t, c.yaml)
			ctx := context.Background()
			for i, company := range c.companies {
				f.openDeal(t, strings.ToLower(company)+"@example.net", lead.StageSAL, c.holder, t0.Add(-time.Duration(10+i)*24*time.Hour),
					func(l *lead.Lead) { l.Company = company })
			}
			list := f.openList()
			for range 2 { // the schedule may fire twice
				if _, err := list.Send(ctx); err != nil {
					t.Fatal(err)
				}
			}
			sent := f.out.Sent()
			if c.to == "" && len(sent) == 0 {
				return
			}
			if len(sent) != 1 || !strings.EqualFold(sent[0].To, c.to) {
				for _, m := range sent {
					t.Logf("to %s: %q", m.To, m.Subject)
				}
				t.Fatalf("%d lists; want one, to %q (none for \"\")", len(sent), c.to)
			}
			m := sent[0]
			for _, part := range []string{m.Text, m.HTML} {
				for _, w := range c.want {
					if !strings.Contains(part, w) {
						t.Errorf("want %q in:\n%s", w, part)
					}
				}
				for _, w := range c.not {
					if strings.Contains(part, w) {
						t.Errorf("%q in:\n%s", w, part)
					}
				}
			}
		})
	}
}

// TestDealsTheSalesAddressHolds: an alert no rep could take goes to the
// sales address, and whoever reads it may accept the lead: the sales
// address then holds the deal (its weekly list: the stand-ins' table
// above). Its outcome reminder goes there as to the holder — not as to a
// stand-in told that the holder "is no longer in the routing config".
func TestDealsTheSalesAddressHolds(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	accepted := t0.Add(-15 * 24 * time.Hour)
	id := f.openDeal(t, "held@bigcorp.example", lead.StageSAL, "sales@example.com", accepted, func(l *lead.Lead) {
		l.Deal.RemindAt = accepted.Add(qualify.DefaultOutcomes.RemindAfter)
	})
	if out, err := f.svc.Run(ctx, id, "w", ""); err != nil || out != Reminded {
		t.Fatalf("reminder: %s %v", out, err)
	}
	m := f.out.Sent()[len(f.out.Sent())-1]
	if m.To != "sales@example.com" || !strings.Contains(m.Subject, "How did it go with BigCorp") || strings.Contains(m.Text, "routing config") {
		t.Fatalf("reminder to %s %q:\n%s", m.To, m.Subject, m.Text)
	}
}
