package qualify

import (
	"strings"
	"testing"
	"time"

	"github.com/leadflow/leadflow/shared/yamlconf/yamltest"
)

// withHours is the full config with sla.hours and team overrides edited in.
func withHours(global, enterprise string) string {
	src := full
	if global != "" {
		src = strings.Replace(src, "  first_response: 5m\n", "  first_response: 5m\n  hours: "+global+"\n", 1)
	}
	if enterprise != "" {
		src = strings.Replace(src, "      lead: {name: Lea Stone, email: lea@example.com}\n",
			"      lead: {name: Lea Stone, email: lea@example.com}\n      hours: "+enterprise+"\n", 1)
	}
	return src
}

// TestDueByWorkingHours: the first-response deadline counts only the
// team's working hours (sla.hours, or the team's own), in the hours' zone,
// else the team's, else routing.time_zone; with no hours it runs around
// the clock as before.
func TestDueByWorkingHours(t *testing.T) {
	berlin, _ := time.LoadLocation("Europe/Berlin")
	ny, _ := time.LoadLocation("America/New_York")
	const office = `{from: "08:00", to: "18:00", days: [mon, tue, wed, thu, fri]}`
	friday := time.Date(2026, 11, 27, 17, 58, 0, 0, berlin) // 16:58 UTC, 11:58 in New York
	saturday := time.Date(2026, 11, 28, 2, 0, 0, 0, berlin)
	tests := []struct {
		name, src, team string
		at              time.Time
		want            time.Time
		text            string
	}{
		{"no hours: around the clock", full, "enterprise", saturday, saturday.Add(5 * time.Minute), "5m"},
		{"global hours in the team's zone (routing UTC)", withHours(office, ""), "smb", friday, time.Date(2026, 11, 27, 17, 3, 0, 0, time.UTC),
			"5m of working hours (Mon–Fri 08:00–18:00 UTC)"},
		{"global hours with a zone", withHours(`{from: "08:00", to: "18:00", days: [mon, tue, wed, thu, fri], time_zone: Europe/Berlin}`, ""), "smb", friday,
			time.Date(2026, 11, 30, 8, 3, 0, 0, berlin), "5m of working hours (Mon–Fri 08:00–18:00 Europe/Berlin)"},
		{"Saturday night waits for Monday", withHours(`{from: "08:00", to: "18:00", days: [mon, tue, wed, thu, fri], time_zone: Europe/Berlin}`, ""), "enterprise", saturday,
			time.Date(2026, 11, 30, 8, 5, 0, 0, berlin), "5m of working hours (Mon–Fri 08:00–18:00 Europe/Berlin)"},
		{"a team's own hours override sla.hours", withHours(office, `{from: "09:00", to: "17:00", days: [mon, tue, wed, thu, fri], time_zone: America/New_York}`), "enterprise", friday,
			time.Date(2026, 11, 27, 12, 3, 0, 0, ny), "5m of working hours (Mon–Fri 09:00–17:00 America/New_York)"},
		{"only one team has hours", withHours("", office), "smb", saturday, saturday.Add(5 * time.Minute), "5m"},
		{"the team's time_zone counts", strings.Replace(withHours(office, ""), "    smb:\n", "    smb:\n      time_zone: Europe/Berlin\n", 1), "smb", friday,
			time.Date(2026, 11, 30, 8, 3, 0, 0, berlin), "5m of working hours (Mon–Fri 08:00–18:00 Europe/Berlin)"},
		{"holidays: Christmas Eve to Monday", withHours(`{from: "08:00", to: "18:00", days: [mon, tue, wed, thu, fri], time_zone: Europe/Berlin, holidays: [2026-12-24, "2026-12-25"]}`, ""), "smb",
			time.Date(2026, 12, 23, 17, 58, 0, 0, berlin), time.Date(2026, 12, 28, 8, 3, 0, 0, berlin), "5m of working hours (Mon–Fri 08:00–18:00 Europe/Berlin, except 2 holidays)"},
		{"a team's own holidays", withHours(office, `{from: "09:00", to: "17:00", days: [mon, tue, wed, thu, fri], time_zone: America/New_York, holidays: [2026-11-26]}`), "enterprise",
			time.Date(2026, 11, 25, 16, 58, 0, 0, ny), time.Date(2026, 11, 27, 9, 3, 0, 0, ny), "5m of working hours (Mon–Fri 09:00–17:00 America/New_York, except 1 holiday)"},
		{"holidays every year: Christmas of any year", withHours(`{from: "08:00", to: "18:00", days: [mon, tue, wed, thu, fri], time_zone: Europe/Berlin, holidays: [12-24, "--12-25", 2027-12-27]}`, ""), "smb",
			time.Date(2027, 12, 23, 17, 58, 0, 0, berlin), time.Date(2027, 12, 28, 8, 3, 0, 0, berlin),
			"5m of working hours (Mon–Fri 08:00–18:00 Europe/Berlin, except 2 holidays every year and 1 more)"},
		{"holidays every year, in 2031 too", withHours(`{from: "08:00", to: "18:00", days: [mon, tue, wed, thu, fri], time_zone: Europe/Berlin, holidays: [12-24, 12-25]}`, ""), "smb",
			time.Date(2031, 12, 23, 17, 58, 0, 0, berlin), time.Date(2031, 12, 26, 8, 3, 0, 0, berlin),
			"5m of working hours (Mon–Fri 08:00–18:00 Europe/Berlin, except 2 holidays every year)"},
		{"around the clock by hours", withHours(`{from: "00:00", to: "24:00", days: [mon, tue, wed, thu, fri, sat, sun]}`, ""), "smb", saturday, saturday.Add(5 * time.Minute),
			"5m of working hours (every day 00:00–24:00 UTC)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := mustParse(t, tt.src)
			var team Team
			for _, tm := range c.Teams() {
				if tm.Name == tt.team {
					team = tm
				}
			}
			if got := c.DueBy(team, tt.at); !got.Equal(tt.want) {
				t.Errorf("DueBy(%s) = %s, want %s", tt.at, got.UTC(), tt.want.UTC())
			}
			if got := c.SLAText(team); got != tt.text {
				t.Errorf("SLAText = %q, want %q", got, tt.text)
			}
		})
	}
}

// TestHoursValidationLines: a bad hours block is refused with file:line
// and what is wrong, like the rest of the config.
func TestHoursValidationLines(t *testing.T) {
	good := `{from: "08:00", to: "18:00", days: [mon, tue, wed, thu, fri]}`
	src := withHours(good, good)
	var tests []struct{ Name, Old, New, Marker, Want string }
	edit := func(name, in, out, marker, want string) {
		if strings.HasPrefix(in, "  hours") { // sla.hours, not the team's
			in, out = "\n"+in, "\n"+out
			if strings.HasPrefix(marker, "  hours") {
				marker = "\n" + marker
			}
		}
		tests = append(tests, struct{ Name, Old, New, Marker, Want string }{name, in, out, marker, want})
	}
	// sla.hours is the last line of the sla section; the team's is under
	// its lead.
	edit("bad zone", "  hours: "+good, `  hours: {from: "08:00", to: "18:00", days: [mon, tue, wed, thu, fri], time_zone: Europe/Berlinn}`, "Berlinn",
		`sla.hours.time_zone: unknown time zone "Europe/Berlinn" (an IANA name, like Europe/Berlin or America/New_York)`)
	edit("from after to", "  hours: "+good, `  hours: {from: "18:00", to: "08:00", days: [mon, tue, wed, thu, fri]}`, `  hours: {from: "18:00"`,
		`sla.hours: to (08:00) must be after from (18:00); working hours cannot span midnight (for a night shift, run the team around the clock: from 00:00 to 24:00)`)
	edit("from equals to", "      hours: "+good, `      hours: {from: "08:00", to: "08:00", days: [mon]}`, `      hours: {from: "08:00", to: "08:00"`,
		`routing.teams.enterprise.hours: to (08:00) must be after from (08:00); working hours cannot span midnight (for a night shift, run the team around the clock: from 00:00 to 24:00)`)
	edit("unknown day", "      hours: "+good, `      hours: {from: "08:00", to: "18:00", days: [mon, tue, wed, thu, fry]}`, "fry",
		`routing.teams.enterprise.hours.days: unknown weekday "fry" (did you mean "fri"?)`)
	edit("a day twice", "      hours: "+good, "      hours: {from: \"08:00\", to: \"18:00\",\n        days: [mon, tue, mon]}", "days: [mon, tue, mon]",
		`routing.teams.enterprise.hours.days: Monday is listed twice (first at line 44)`)
	edit("no days", "  hours: "+good, `  hours: {from: "08:00", to: "18:00", days: []}`, `  hours: {from`,
		`sla.hours.days: no days (list the working days, such as [mon, tue, wed, thu, fri])`)
	edit("bad time", "  hours: "+good, `  hours: {from: "8am", to: "18:00", days: [mon]}`, "8am",
		`sla.hours.from: bad time "8am" (use 24-hour HH:MM such as 09:00 or 17:30)`)
	edit("24:00 is an end, not a start", "  hours: "+good, `  hours: {from: "24:00", to: "24:00", days: [mon]}`, `  hours: {from`,
		`sla.hours.from: bad time "24:00" (use 24-hour HH:MM such as 09:00 or 17:30)`)
	edit("missing to", "  hours: "+good, `  hours: {from: "08:00", days: [mon]}`, `  hours: {from`,
		`sla.hours: missing to`)
	edit("bad holiday", "  hours: "+good, `  hours: {from: "08:00", to: "18:00", days: [mon], holidays: [2026-12-24, 2026-12-32]}`, "2026-12-32",
		`sla.hours.holidays: bad date "2026-12-32": December 2026 has 31 days`)
	edit("a holiday every year that no year has", "  hours: "+good, `  hours: {from: "08:00", to: "18:00", days: [mon], holidays: [12-25, 02-30]}`, "02-30",
		`sla.hours.holidays: bad date "02-30": February has 29 days`)
	edit("a month no year has", "      hours: "+good, `      hours: {from: "08:00", to: "18:00", days: [mon], holidays: ["--13-01"]}`, "--13-01",
		`routing.teams.enterprise.hours.holidays: bad date "--13-01": there is no month 13`)
	edit("a 29 February of a common year", "  hours: "+good, `  hours: {from: "08:00", to: "18:00", days: [mon], holidays: [02-29, 2027-02-29]}`, "2027-02-29",
		`sla.hours.holidays: bad date "2027-02-29": February 2027 has 28 days`)
	edit("neither a date nor a day of every year", "  hours: "+good, `  hours: {from: "08:00", to: "18:00", days: [mon], holidays: [Dec 25]}`, "Dec 25",
		`sla.hours.holidays: bad date "Dec 25": use YYYY-MM-DD such as 2026-12-24 for one day, or MM-DD such as 12-25 for that day every year`)
	edit("every year's holiday twice", "      hours: "+good, "      hours: {from: \"08:00\", to: \"18:00\", days: [mon],\n        holidays: [12-25,\n          --12-25]}", "--12-25]",
		`routing.teams.enterprise.hours.holidays: 12-25 is listed twice (first at line 44)`)
	edit("a date that is every year's holiday", "      hours: "+good, "      hours: {from: \"08:00\", to: \"18:00\", days: [mon],\n        holidays: [12-25,\n          2026-12-25]}", "2026-12-25]",
		`routing.teams.enterprise.hours.holidays: 2026-12-25 is listed twice: 12-25 at line 44 is every year's`)
	edit("a holiday twice", "      hours: "+good, "      hours: {from: \"08:00\", to: \"18:00\", days: [mon],\n        holidays: [2026-12-24, 2026-12-24]}", "holidays: [2026-12-24, 2026-12-24]",
		`routing.teams.enterprise.hours.holidays: 2026-12-24 is listed twice (first at line 44)`)
	edit("unknown field", "  hours: "+good, `  hours: {from: "08:00", to: "18:00", days: [mon], zone: UTC}`, `  hours: {from`,
		`unknown field "zone" in sla.hours`)
	yamltest.CheckEdits(t, src, "qualify.yaml", ErrInvalid, func(b []byte, file string) error {
		_, err := Parse(b, file)
		return err
	}, tests)
}

// TestReturnByLeavesTimeAfterTheDeadline: an unanswered alert goes back
// to marketing sla.return_unanswered after it, but never sooner than a
// week (MinReturnUnanswered) after its first-response deadline: working
// hours with a long closure must not hand the lead back before anyone
// was due to answer, nor right after the escalation.
func TestReturnByLeavesTimeAfterTheDeadline(t *testing.T) {
	berlin, _ := time.LoadLocation("Europe/Berlin")
	closed := `{from: "08:00", to: "18:00", days: [mon, tue, wed, thu, fri], time_zone: Europe/Berlin,
    holidays: [2026-12-24, 2026-12-25, 2026-12-28, 2026-12-29, 2026-12-30, 2026-12-31, 2027-01-01]}`
	sevenDays := strings.Replace(withHours(closed, ""), "  first_response: 5m\n", "  first_response: 5m\n  return_unanswered: 7d\n", 1)
	if sevenDays == withHours(closed, "") {
		t.Fatal("the config has no return_unanswered line to edit")
	}
	before := time.Date(2026, 12, 23, 17, 58, 0, 0, berlin)
	tests := []struct {
		name, src string
		at, want  time.Time
	}{
		{"around the clock: the alert + 30d", full, before, before.Add(30 * 24 * time.Hour)},
		{"office hours, 30d: the alert + 30d", withHours(closed, ""), before, before.Add(30 * 24 * time.Hour)},
		// Due at 08:03 on Monday 4 January; the alert + 7d (30 December)
		// would come first.
		{"closed between the years, 7d: a week after the deadline", sevenDays, before, time.Date(2027, 1, 11, 8, 3, 0, 0, berlin)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := mustParse(t, tt.src)
			team := c.Teams()[0]
			if got := c.ReturnBy(team, tt.at); !got.Equal(tt.want) {
				t.Errorf("ReturnBy(%s) = %s, want %s (due by %s)", tt.at, got.In(berlin), tt.want.In(berlin), c.DueBy(team, tt.at).In(berlin))
			}
		})
	}
}
