package qualify

import (
	_ "embed"
	"fmt"
	"maps"
	"math"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/leadflow/leadflow/shared/wallclock"
	"github.com/leadflow/leadflow/shared/yamlconf"
)

// Config is a parsed, validated qualification config. It is immutable and
// safe for concurrent use; build it with Parse, Load or Default.
type Config struct {
	base        profile
	campaigns   map[string]*profile
	teams       map[string]Team
	routes      []route
	defaultTeam string
	zone        *time.Location // routing.time_zone; never nil once parsed
	sla         time.Duration
	hours       *wallclock.Hours // sla.hours as written (Zone nil: each team's); nil: around the clock
	unanswered  time.Duration    // sla.return_unanswered
	outcomes    Outcomes
	rejects     []RejectReason
	retired     []string // retired_reasons: codes earlier configs gave
}

// profile is the scoring part of a config: the sections a campaign may
// override. Campaign profiles are complete copies, so Evaluate never merges.
type profile struct {
	fit           []fitRule
	grades        [3]int // minimum fit points for A, B and C
	halfLife      time.Duration
	repeat        time.Duration // repeats of a signal within it count once
	perDay        int           // keyed signals (pages, links) of a kind counted per lead and day
	signals       []signalRule
	signalIndex   map[string]int // kind → index into signals
	disqualifiers []disqualifier
	thresholds    [4]threshold // A, B, C, D
}

type fitRule struct {
	pred   predicate
	points int
	label  string
	reason matchReason // "+20 decision maker (…)" or "+20 …"
}

type signalRule struct {
	kind     string
	points   int
	halfLife time.Duration
	display  string // "demo request form", "pricing page view"
	// file, line and where name the rule for checks across files
	// (CheckSignals).
	file, where string
	line        int
}

type disqualifier struct {
	pred   predicate
	code   string
	reason matchReason // "disqualified: job_seeker (…)"
}

// threshold is the minimum engagement score for a grade to be hot or warm;
// a missing bound means never.
type threshold struct {
	hot, warm       float64
	hasHot, hasWarm bool
}

type route struct {
	pred predicate
	team string
}

// Team is a sales team leads are routed to.
type Team struct {
	Name string
	Reps []Rep
	// Lead is the team lead, the escalation target; zero when the team has none.
	Lead Rep
	// Zone is the team's time zone (time_zone), else the routing's.
	Zone *time.Location
	// Hours are the working hours the first-response SLA counts in (the
	// team's hours, else sla.hours; in their time_zone, else Zone); nil
	// when neither is set: the SLA runs around the clock.
	Hours *wallclock.Hours
}

// Rep is a sales rep. Away reps keep their leads but get no new ones.
type Rep struct {
	Name, Email string
	Away        bool
	// Zone is the rep's time zone (time_zone), else the team's: emails
	// and pages for the rep show times in it.
	Zone *time.Location
}

// Zone is the time zone of the rep or team lead with address email (the
// first team listing it, in team name order), else routing.time_zone
// (UTC when the config names none).
func (c *Config) Zone(email string) *time.Location {
	names := slices.Sorted(maps.Keys(c.teams))
	for _, n := range names {
		t := c.teams[n]
		for _, r := range append(slices.Clone(t.Reps), t.Lead) {
			if r.Email != "" && r.Email == email && r.Zone != nil {
				return r.Zone
			}
		}
	}
	if c.zone == nil {
		return time.UTC
	}
	return c.zone
}

// RepName is how the routing config calls the rep or team lead with
// address email; the address itself when it lists none by that name.
func (c *Config) RepName(email string) string {
	for _, r := range c.Reps() {
		if r.Name != "" && strings.EqualFold(r.Email, email) {
			return r.Name
		}
	}
	return email
}

// Holds reports whether the routing config lists email (any case) as a
// rep or team lead of some team — someone who can hold a lead — and
// whether they are away (every rep listing of theirs is away, and no team
// has them as its lead).
func (c *Config) Holds(email string) (listed, away bool) {
	if email == "" {
		return false, false
	}
	away = true
	for _, t := range c.teams {
		if strings.EqualFold(t.Lead.Email, email) {
			listed, away = true, false
		}
		for _, r := range t.Reps {
			if strings.EqualFold(r.Email, email) {
				listed = true
				away = away && r.Away
			}
		}
	}
	return listed, listed && away
}

// Available is the reps who can take new leads, in config order.
func (t Team) Available() []Rep {
	var out []Rep
	for _, r := range t.Reps {
		if !r.Away {
			out = append(out, r)
		}
	}
	return out
}

// Reps lists every rep and team lead of every team once (by address),
// ordered by address: the people who can hold leads.
func (c *Config) Reps() []Rep {
	seen := map[string]Rep{}
	for _, t := range c.teams {
		for _, r := range append(slices.Clone(t.Reps), t.Lead) {
			if r.Email != "" {
				if _, ok := seen[r.Email]; !ok {
					seen[r.Email] = r
				}
			}
		}
	}
	out := make([]Rep, 0, len(seen))
	for _, r := range seen {
		out = append(out, r)
	}
	slices.SortFunc(out, func(a, b Rep) int { return strings.Compare(a.Email, b.Email) })
	return out
}

// Reject actions: what happens to a lead sales rejects with a reason.
const (
	ActionDisqualify = "disqualify"
	ActionNurture    = "nurture"
)

// RejectReason is a reason sales can pick when rejecting a lead.
type RejectReason struct {
	Code   string
	Label  string
	Action string // ActionDisqualify or ActionNurture
}

// DefaultSLA is the first-response SLA when the config sets none.
const DefaultSLA = 5 * time.Minute

// DefaultReturnUnanswered is how long a hand-off nobody answers (the rep
// nor, after the escalation, the team lead) stays with sales before the
// lead goes back to marketing, when the config sets no
// sla.return_unanswered.
const DefaultReturnUnanswered = 30 * 24 * time.Hour

// MinReturnUnanswered is the least sla.return_unanswered: the alert's
// links work for a week (links.AlertTTL).
const MinReturnUnanswered = 7 * 24 * time.Hour

// DefaultMaxPerDay is how many distinct pages (or links) of one signal
// kind count per lead and UTC day when the config sets no
// engagement.max_per_day: each page counts once a day, and views of ever
// new pages (which anyone holding a visitor token can post) cannot add
// up without end.
const DefaultMaxPerDay = 5

// DefaultRepeatWindow is how long repeats of one signal count once when
// the config sets no engagement.repeat_window: a second form post, page
// view or click of the same kind the same day adds no points.
const DefaultRepeatWindow = 24 * time.Hour

// DefaultHalfLife is the engagement decay half-life when the config sets none.
const DefaultHalfLife = 14 * 24 * time.Hour

//go:embed default.yaml
var defaultYAML []byte

var defaultConfig = sync.OnceValue(func() *Config {
	c, err := Parse(defaultYAML, "shared/qualify/default.yaml")
	if err != nil {
		panic("qualify: the embedded default config is invalid (fix it, or run your own copy: make run CONFIG=…):\n" + err.Error())
	}
	return c
})

// DefaultSource is the text of the embedded default config, the base a
// calibrated export starts from.
func DefaultSource() []byte { return slices.Clone(defaultYAML) }

// Default is the embedded default B2B config. It panics only if the embedded
// file is invalid, which the package's tests rule out.
func Default() *Config { return defaultConfig() }

// Load reads and parses the config at path; an empty path is Default().
func Load(path string) (*Config, error) {
	if path == "" {
		return Default(), nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("qualification config: %w", err)
	}
	return Parse(data, path)
}

// SLA is the time within which sales must first respond to a new lead.
func (c *Config) SLA() time.Duration { return c.sla }

// DueBy is when team t must first respond to a lead alerted at `at`: the
// SLA later, counted in the team's working hours when it has them (an
// alert at 17:58 on a Friday with 5 minutes and Mon–Fri 08:00–18:00 is
// due at 08:03 on Monday), else around the clock.
func (c *Config) DueBy(t Team, at time.Time) time.Time {
	if t.Hours == nil {
		return at.Add(c.sla)
	}
	return t.Hours.Add(at, c.sla)
}

// SLAText says how the first-response SLA of team t counts, as alerts,
// pages and check-config show it: "5m" or "5m of working hours (Mon–Fri
// 08:00–18:00 Europe/Berlin)".
func (c *Config) SLAText(t Team) string {
	if t.Hours == nil {
		return yamlconf.FormatDuration(c.sla)
	}
	return yamlconf.FormatDuration(c.sla) + " of working hours (" + t.Hours.String() + ")"
}

// ReturnUnanswered is how long after its alert a hand-off nobody answered
// goes back to marketing: the lead is nurtured again and comes back to
// sales, with a new alert, when it turns hot again.
func (c *Config) ReturnUnanswered() time.Duration { return c.unanswered }

// ReturnBy is when a hand-off of team t alerted at `at` goes back to
// marketing if nobody answers it: ReturnUnanswered after the alert, but
// no sooner than MinReturnUnanswered after its first-response deadline,
// so working hours with a long closure (holidays) leave the team lead a
// week after the escalation too.
func (c *Config) ReturnBy(t Team, at time.Time) time.Time {
	return latest(at.Add(c.unanswered), c.DueBy(t, at).Add(MinReturnUnanswered))
}

func latest(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// Outcomes says how long after acceptance sales can record SQL / won /
// lost, when an open lead's rep is reminded, the deal currency (the one
// reports count revenue in) and the rates that convert other currencies
// into it.
type Outcomes struct {
	Horizon     time.Duration
	RemindAfter time.Duration
	Currency    string
	// Rates converts an amount in another currency into Currency: one
	// unit of the key is worth this many of Currency (USD: 0.92).
	Rates map[string]float64
}

// Convert turns an amount in currency cur into the reporting currency's
// minor units (hundredths, rounded half away from zero). ok is false
// when cur is neither the reporting currency nor one with a rate: such
// an amount is refused, never summed as it is.
func (o Outcomes) Convert(amount float64, cur string) (minor int64, ok bool) {
	rate := 1.0
	if cur != "" && cur != o.Currency {
		if rate, ok = o.Rates[cur]; !ok {
			return 0, false
		}
	}
	return int64(math.Round(amount * rate * 100)), true
}

// RateHint says where a rate for cur goes, for messages that refuse an
// amount in it.
func (o Outcomes) RateHint(cur string) string {
	return fmt.Sprintf("no rate converts %s into %s: add it to the qualify config as outcomes.rates.%s (one %s in %s), or record the amount in %s",
		cur, o.Currency, cur, cur, o.Currency, o.Currency)
}

// DefaultOutcomes: outcomes for 180 days, a reminder after 14, EUR.
var DefaultOutcomes = Outcomes{Horizon: 180 * 24 * time.Hour, RemindAfter: 14 * 24 * time.Hour, Currency: "EUR"}

// currencyRe is an ISO 4217 code.
var currencyRe = regexp.MustCompile(`^[A-Z]{3}$`)

// IsCurrency reports whether s is written as an ISO 4217 code (EUR, USD):
// the one check of a deal currency, in config and in outcomes.
func IsCurrency(s string) bool { return currencyRe.MatchString(s) }

// Outcomes returns the outcome settings.
func (c *Config) Outcomes() Outcomes { return c.outcomes }

// RejectReasons lists the reasons sales can pick, in config order.
func (c *Config) RejectReasons() []RejectReason { return slices.Clone(c.rejects) }

// RejectReason looks up a reject reason by code.
func (c *Config) RejectReason(code string) (RejectReason, bool) {
	for _, r := range c.rejects {
		if r.Code == code {
			return r, true
		}
	}
	return RejectReason{}, false
}

// Summary is a one-line description of the config, as check-config prints it.
func (c *Config) Summary() string {
	reps := 0
	for _, t := range c.teams {
		reps += len(t.Reps)
	}
	// The campaigns by id: an override applies to the leads whose campaign
	// (or utm_campaign) is exactly that, so a misspelt one shows here.
	overrides := plural(len(c.campaigns), "campaign override")
	if len(c.campaigns) > 0 {
		overrides += " (" + strings.Join(slices.Sorted(maps.Keys(c.campaigns)), ", ") + ")"
	}
	return fmt.Sprintf("%s, %s, %s, grades A≥%d B≥%d C≥%d, %s (%s), %s, default team %s, %s, SLA %s, %s",
		plural(len(c.base.fit), "fit rule"),
		plural(len(c.base.signals), "engagement signal"),
		plural(len(c.base.disqualifiers), "disqualifier"),
		c.base.grades[0], c.base.grades[1], c.base.grades[2],
		plural(len(c.teams), "team"), plural(reps, "rep"),
		plural(len(c.routes), "routing rule"), c.defaultTeam,
		overrides,
		yamlconf.FormatDuration(c.sla),
		plural(len(c.rejects), "reject reason"))
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}
