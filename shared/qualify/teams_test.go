package qualify

import "testing"

// TestTeams lists every team by name with its reps in config order and
// its lead, as copies.
func TestTeams(t *testing.T) {
	c := mustParse(t, full)
	teams := c.Teams()
	var got []string
	for _, tm := range teams {
		s := tm.Name + ": lead " + tm.Lead.Email + ", reps"
		for _, r := range tm.Reps {
			s += " " + r.Email
		}
		got = append(got, s)
	}
	want := []string{"enterprise: lead lea@example.com, reps ana@example.com ben@example.com", "smb: lead , reps sam@example.com"}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Fatalf("teams %q, want %q", got, want)
	}
	teams[0].Reps[0].Email = "changed@example.com"
	if c.Teams()[0].Reps[0].Email != "ana@example.com" {
		t.Error("Teams returned the config's own slice")
	}
}
