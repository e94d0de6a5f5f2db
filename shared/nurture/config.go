package nurture

import (
	_ "embed"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/leadflow/leadflow/shared/wallclock"
	"github.com/leadflow/leadflow/shared/yamlconf"
)

// Config is a parsed, validated sequences config. It is immutable and safe
// for concurrent use; build it with Parse, Load or Default.
type Config struct {
	file         string // the file it was read from, for CheckSignals
	defaultZone  *time.Location
	countryZones map[string]*time.Location // the config's entries; the built-in ones load on first use
	window       Window
	capMax       int
	capPer       time.Duration
	sequences    []*sequence // config order: the first matching entry wins
	byID         map[string]*sequence
	// replacedBy maps each id a sequence replaces (its earlier names,
	// listed in replaces) to that sequence.
	replacedBy map[string]*sequence
	templates  map[string]*emailTemplate
	// footers are the footers: section's, by lowercase language tag.
	footers map[string]footer
}

type sequence struct {
	id string
	// replaces are the sequence's earlier ids: a lead stored in one of
	// them is in this sequence, its sends and claims under them are this
	// sequence's, and having left one is having left this one.
	replaces      []string
	replacesNodes []*yaml.Node // for the checks across sequences
	entry         entry
	steps         []step
	index         map[string]int // step id → position
}

// lookup is the sequence with the given id, or the one that replaces
// that id; nil when neither is in the config.
func (c *Config) lookup(id string) *sequence {
	if s, ok := c.byID[id]; ok {
		return s
	}
	return c.replacedBy[id]
}

// Current is the id a sequence id stands for in this config: the id
// itself when it is a sequence of the config, the id of the sequence
// that replaces it when it is an earlier name, "" otherwise.
func (c *Config) Current(id string) string {
	if s := c.lookup(id); s != nil {
		return s.id
	}
	return ""
}

// is reports whether id names this sequence: its id or an earlier one.
func (s *sequence) is(id string) bool {
	return id == s.id || slices.Contains(s.replaces, id)
}

// entry says which leads a sequence takes; an empty list allows any value.
type entry struct {
	temperatures, grades, campaigns []string
	// sentBack, when set, takes only leads sales sent back (true) or
	// only the others (false).
	sentBack *bool
	// signals make the sequence a triggered one: a lead enters it when it
	// shows one of these signals (Trigger), never when merely idle.
	signals     []string
	signalNodes []*yaml.Node // for CheckSignals
	// from limits which sequences a trigger takes a lead out of (a lead
	// in no sequence can always be triggered); empty means any.
	from      []string
	fromNodes []*yaml.Node // for the check that they name sequences
}

type stepKind uint8

const (
	stepSend stepKind = iota + 1
	stepWait
	stepBranch
	stepHandoff
	stepExit
)

type step struct {
	id       string
	kind     stepKind
	template string        // send
	wait     time.Duration // wait
	days     int           // wait written in days ("14d"): that many days on the lead's wall clock
	cond     condition     // branch
	then     int           // branch: step index when cond holds
	els      int           // branch: step index otherwise (default: the next step)
	exit     string        // exit: the reason code
}

// What applies when the config's defaults section leaves something out:
// UTC, 09:00–17:00 Monday to Friday, at most 2 emails in 7 days.
const (
	defaultCapMax = 2
	defaultCapPer = 7 * 24 * time.Hour
)

var defaultWindow = Window{From: 9 * 60, To: 17 * 60, Days: [7]bool{false, true, true, true, true, true, false}}

//go:embed default.yaml
var defaultYAML []byte

// defaultConfig is parsed on first use. (A package-level sync.OnceValue
// would make Parse, and with it template execution, reachable from every
// binary that imports the package; template execution turns off the
// linker's dead-method elimination, which costs each binary megabytes.)
var defaultConfig struct {
	once sync.Once
	c    *Config
}

// Default is the embedded default config (see default.yaml). It panics
// only if the embedded file is invalid, which the package's tests rule out.
func Default() *Config {
	defaultConfig.once.Do(func() {
		c, err := Parse(defaultYAML, "shared/nurture/default.yaml")
		if err != nil {
			panic("nurture: the embedded default sequences are invalid (fix them, or run your own copy: make run SEQUENCES=…):\n" + err.Error())
		}
		defaultConfig.c = c
	})
	return defaultConfig.c
}

// Load reads and parses the config at path; an empty path is Default().
func Load(path string) (*Config, error) {
	if path == "" {
		return Default(), nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("nurture sequences config: %w", err)
	}
	return Parse(data, path)
}

// Window is the send window leads get marketing email in, in their own
// time zone.
func (c *Config) Window() Window { return c.window }

// FrequencyCap is the most marketing emails a lead gets within per, across
// all sequences.
func (c *Config) FrequencyCap() (max int, per time.Duration) { return c.capMax, c.capPer }

// Sequences lists the sequence ids in config order.
func (c *Config) Sequences() []string {
	out := make([]string, len(c.sequences))
	for i, s := range c.sequences {
		out[i] = s.id
	}
	return out
}

// Templates lists the template ids, sorted.
func (c *Config) Templates() []string {
	out := make([]string, 0, len(c.templates))
	for id := range c.templates {
		out = append(out, id)
	}
	slices.Sort(out)
	return out
}

// Summary is a one-line description of the config, as check-sequences
// prints it.
func (c *Config) Summary() string {
	sends := 0
	for _, s := range c.sequences {
		for _, st := range s.steps {
			if st.kind == stepSend {
				sends++
			}
		}
	}
	return fmt.Sprintf("%s (%s), %s, send window %s, at most %d per %s, default time zone %s",
		plural(len(c.sequences), "sequence"), plural(sends, "email"), plural(len(c.templates), "template"),
		c.window, c.capMax, yamlconf.FormatDuration(c.capPer), c.defaultZone)
}

// Outline describes every sequence, one step per line, for people
// checking what a config does.
func (c *Config) Outline() string {
	var b strings.Builder
	for _, s := range c.sequences {
		renamed := ""
		if len(s.replaces) > 0 {
			renamed = " (replaces " + strings.Join(s.replaces, ", ") + ")"
		}
		fmt.Fprintf(&b, "%s%s — %s\n", s.id, renamed, s.entry)
		width := 0
		for _, st := range s.steps {
			width = max(width, len(st.id))
		}
		for i, st := range s.steps {
			fmt.Fprintf(&b, "  %2d  %-*s  %s\n", i+1, width, st.id, s.describe(st))
		}
	}
	return b.String()
}

func (s *sequence) describe(st step) string {
	switch st.kind {
	case stepSend:
		return "send " + st.template
	case stepWait:
		return "wait " + st.waitText()
	case stepBranch:
		return fmt.Sprintf("if %s → %s, else → %s", st.cond, s.stepID(st.then), s.stepName(st.els))
	case stepHandoff:
		return "hand off to sales"
	case stepExit:
		return "exit: " + st.exit
	}
	return "?"
}

// stepID is the id of the step at i, "" past the end.
func (s *sequence) stepID(i int) string {
	if i >= 0 && i < len(s.steps) {
		return s.steps[i].id
	}
	return ""
}

func (s *sequence) stepName(i int) string {
	if id := s.stepID(i); id != "" {
		return id
	}
	return "end (completed)"
}

// resume is where a lead at step id (or, when that id is gone from an
// edited sequence, at position index) continues: the step with that id,
// else the same position, clamped. It may be len(steps): the end.
func (s *sequence) resume(id string, index int) int {
	if i, ok := s.index[id]; ok {
		return i
	}
	return min(max(index, 0), len(s.steps))
}

func (e entry) String() string {
	part := func(what string, vals []string) string {
		if len(vals) == 0 {
			return "any " + what
		}
		return what + " " + strings.Join(vals, "/")
	}
	s := part("temperature", e.temperatures) + ", " + part("grade", e.grades) + ", " + part("campaign", e.campaigns)
	if e.sentBack != nil {
		if *e.sentBack {
			s = "leads sales sent back: " + s
		} else {
			s += ", never sent back by sales"
		}
	}
	if len(e.signals) > 0 {
		from := ""
		if len(e.from) > 0 {
			from = " from " + strings.Join(e.from, "/")
		}
		s = "on " + strings.Join(e.signals, " or ") + from + ": " + s
	}
	return s
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// waitEnd is when a wait step that began at from ends. A wait written in
// days ends at the same time of day on the lead's wall clock (loc) that
// many days on, whatever daylight-saving change lies between: "wait:
// 14d" after an email at 16:30 on a Friday is 16:30 two Fridays on, not
// 17:30 after the clocks went forward, when the send window had closed
// (the email went out on Monday). A time the clock skips that day ends
// the wait at the jump; one it passes twice, the first time. A wait in
// hours or minutes is that much real time.
func (st *step) waitEnd(from time.Time, loc *time.Location) time.Time {
	if st.days == 0 || loc == nil {
		return from.Add(st.wait)
	}
	lt := from.In(loc)
	y, m, d := lt.Date()
	h, mi, sec := lt.Clock()
	ends := wallclock.Times(y, m, d+st.days, h*60+mi, loc)
	return ends[0].Add(time.Duration(sec)*time.Second + time.Duration(lt.Nanosecond()))
}

// waitText is a wait step's length as the config writes it: "14d",
// "72h", "90m".
func (st *step) waitText() string {
	if st.days > 0 {
		return strconv.Itoa(st.days) + "d"
	}
	return yamlconf.FormatDuration(st.wait)
}
