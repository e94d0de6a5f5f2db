package qualify

import (
	"strings"
	"testing"
	"time"

	"github.com/leadflow/leadflow/shared/lead"
)

func TestRoute(t *testing.T) {
	// A second rule after the size rule, to prove the first match wins.
	src := strings.Replace(full, "  default_team: smb", `    - team: smb
      field: country
      op: in
      values: [DE, AT, CH]
  default_team: smb`, 1)
	c := mustParse(t, src)
	tests := []struct {
		name string
		lead lead.Submission
		team string
	}{
		{"first rule", lead.Submission{CompanySize: "1,000+"}, "enterprise"},
		{"first match wins", lead.Submission{CompanySize: "500", Country: "DE"}, "enterprise"},
		{"second rule", lead.Submission{CompanySize: "20", Country: "de"}, "smb"},
		{"default", lead.Submission{CompanySize: "20", Country: "US"}, "smb"},
		{"no data: default", lead.Submission{}, "smb"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			name, team := c.Route(stored(tt.lead))
			if name != tt.team || team.Name != tt.team {
				t.Errorf("routed to %q (%q), want %q", name, team.Name, tt.team)
			}
		})
	}

	_, ent := c.Route(stored(lead.Submission{CompanySize: "5000"}))
	if len(ent.Reps) != 2 || ent.Lead.Email != "lea@example.com" || !ent.Reps[1].Away {
		t.Errorf("enterprise team = %+v", ent)
	}
	if av := ent.Available(); len(av) != 1 || av[0].Name != "Ana Lopez" {
		t.Errorf("available = %+v", av)
	}
	ent.Reps[0].Name = "changed"
	if _, again := c.Route(stored(lead.Submission{CompanySize: "5000"})); again.Reps[0].Name != "Ana Lopez" {
		t.Error("Route returned the config's own slice")
	}
}

// TestZones: a rep's time zone is its own, else its team's, else the
// routing's, else UTC; an address no team lists has the routing's.
func TestZones(t *testing.T) {
	if z := mustParse(t, full).Zone("ana@example.com"); z != time.UTC {
		t.Fatalf("no zones configured: %v, want UTC", z)
	}
	src := strings.NewReplacer(
		"  default_team: smb", "  default_team: smb\n  time_zone: America/New_York",
		"    enterprise:\n", "    enterprise:\n      time_zone: Europe/Berlin\n",
		"{name: Ben Wu, email: ben@example.com, away: true}", "{name: Ben Wu, email: ben@example.com, away: true, time_zone: Asia/Tokyo}",
	).Replace(full)
	c := mustParse(t, src)
	for addr, want := range map[string]string{
		"ana@example.com":     "Europe/Berlin",    // the team's
		"ben@example.com":     "Asia/Tokyo",       // their own
		"lea@example.com":     "Europe/Berlin",    // the team lead: the team's
		"sam@example.com":     "America/New_York", // a team without one: the routing's
		"someone@example.com": "America/New_York", // not a rep (the fallback address)
	} {
		if z := c.Zone(addr); z.String() != want {
			t.Errorf("zone of %s = %v, want %s", addr, z, want)
		}
	}
	if _, ent := c.Route(stored(lead.Submission{CompanySize: "5000"})); ent.Zone.String() != "Europe/Berlin" || ent.Reps[0].Zone.String() != "Europe/Berlin" {
		t.Errorf("enterprise team zones: %v, %v", ent.Zone, ent.Reps[0].Zone)
	}
}

// TestHolds: who can hold a lead — a rep or team lead of some team, any
// case — and whether they are away: a rep marked away, unless a team has
// them as its lead.
func TestHolds(t *testing.T) {
	c := mustParse(t, full) // enterprise: Ana, Ben (away), lead Lea; smb: Sam
	for _, tc := range []struct {
		email          string
		listed, isAway bool
	}{
		{"ana@example.com", true, false},
		{"ANA@example.com", true, false},
		{"ben@example.com", true, true},
		{"lea@example.com", true, false},
		{"sam@example.com", true, false},
		{"gone@example.com", false, false},
		{"", false, false},
	} {
		if listed, away := c.Holds(tc.email); listed != tc.listed || away != tc.isAway {
			t.Errorf("Holds(%q) = %v, %v; want %v, %v", tc.email, listed, away, tc.listed, tc.isAway)
		}
	}
	both := mustParse(t, strings.Replace(full, "reps: [{name: Sam Reed, email: sam@example.com}]",
		"reps: [{name: Sam Reed, email: sam@example.com}]\n      lead: {name: Ben Wu, email: ben@example.com}", 1))
	if listed, away := both.Holds("ben@example.com"); !listed || away {
		t.Errorf("away as a rep but another team's lead: %v, %v; want listed, not away", listed, away)
	}
}
