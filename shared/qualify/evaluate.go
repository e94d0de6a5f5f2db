package qualify

import (
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/leadflow/leadflow/shared/lead"
)

// Temperatures: how ready a lead is for sales right now.
const (
	Hot  = "hot"
	Warm = "warm"
	Cold = "cold"
)

// Decision is the outcome of evaluating one lead, with the reasons a
// person reads on the lead's card.
type Decision struct {
	Grade        string  // "A".."D", from fit points
	FitPoints    int     // sum of the points of matching fit rules
	Score        float64 // engagement after decay, rounded to 0.1
	Temperature  string  // Hot, Warm or Cold
	Disqualified bool
	Reason       string // the disqualifier's reason code when Disqualified
	// Reasons explain the decision in order: the disqualification, the
	// campaign rules used, fit points, grade, engagement, temperature.
	Reasons  []string
	Campaign string // the campaign whose overrides applied, "" if none
	// AnswerReasons locate the reasons about custom answers (answers.<key>
	// rules) in Reasons, for pages that name answers by their labels.
	AnswerReasons []lead.AnswerReason
}

// Evaluate grades a lead and scores its engagement as of now. Signals of
// kinds the config does not score are ignored; each scored signal counts
// points × 0.5^(age / half-life), with future and zero times counting as
// age 0. The lead's campaign (from its last touch) selects that campaign's
// overrides. Evaluate is pure and safe for concurrent use.
func (c *Config) Evaluate(l lead.Lead, signals []Signal, now time.Time) Decision {
	s := newSubject(&l)
	pr := &c.base
	var d Decision
	if id := s.src.Campaign; id != "" {
		if cp, ok := c.campaigns[id]; ok {
			pr, d.Campaign = cp, id
		}
	}
	d.Reasons = make([]string, 0, len(pr.fit)+len(pr.signals)+5)

	for i := range pr.disqualifiers {
		dq := &pr.disqualifiers[i]
		if ok, idx, val := dq.pred.match(&s); ok {
			d.Disqualified, d.Reason = true, dq.code
			d.reason(&dq.reason, &dq.pred, idx, val)
			break
		}
	}
	if d.Campaign != "" {
		d.Reasons = append(d.Reasons, "using the rules of campaign "+d.Campaign)
	}

	for i := range pr.fit {
		r := &pr.fit[i]
		if ok, idx, val := r.pred.match(&s); ok {
			d.FitPoints += r.points
			d.reason(&r.reason, &r.pred, idx, val)
		}
	}
	g := pr.grade(d.FitPoints)
	d.Grade = gradeNames[g]
	d.Reasons = append(d.Reasons, "grade "+d.Grade+" ("+strconv.Itoa(d.FitPoints)+" fit points)")

	d.Score = pr.engagement(signals, now, &d.Reasons)
	d.Temperature = pr.temperature(g, d.Score, d.Disqualified, &d.Reasons)
	return d
}

// reason adds a rule's reason for a match, locating it when it is about
// a custom answer.
func (d *Decision) reason(r *matchReason, p *predicate, idx int, val string) {
	text := r.text(p, idx, val)
	if p.field.id == fAnswer && strings.HasPrefix(text[len(r.head):], p.display) {
		d.AnswerReasons = append(d.AnswerReasons, lead.AnswerReason{Reason: len(d.Reasons), Answer: p.field.key,
			Head: r.head, Tail: text[len(r.head)+len(p.display):]})
	}
	d.Reasons = append(d.Reasons, text)
}

// RepeatWindow is how long repeats of one signal count once
// (engagement.repeat_window) for a post naming campaign: its overrides',
// else the base config's. Capture takes the same form sent again within
// it for one engagement (lead.RepeatsForm).
func (c *Config) RepeatWindow(campaign string) time.Duration {
	if cp, ok := c.campaigns[campaign]; ok && campaign != "" {
		return cp.repeat
	}
	return c.base.repeat
}

// profileOf is the profile that scores a lead: its campaign's (last
// touch) overrides, else the base.
func (c *Config) profileOf(l *lead.Lead) *profile {
	if id := touch(l).Campaign; id != "" {
		if cp, ok := c.campaigns[id]; ok {
			return cp
		}
	}
	return &c.base
}

// grade is the index (0 = A … 3 = D) of the best grade the points reach.
func (pr *profile) grade(points int) int {
	for g, minimum := range pr.grades {
		if points >= minimum {
			return g
		}
	}
	return 3
}

// engagement sums decayed signal points, explaining each scored kind once:
// "+30 demo request form (decayed to 27.4)".
func (pr *profile) engagement(signals []Signal, now time.Time, reasons *[]string) float64 {
	if len(pr.signals) == 0 {
		return 0
	}
	type acc struct {
		count   int
		decayed float64
	}
	var buf [16]acc
	accs := buf[:0]
	if len(pr.signals) <= len(buf) {
		accs = buf[:len(pr.signals)]
	} else {
		accs = make([]acc, len(pr.signals))
	}
	total := 0.0
	for _, sig := range signals {
		i, ok := pr.signalIndex[sig.Kind]
		if !ok {
			// A named page view without a rule of its own is a page view.
			if _, named := lead.NamedPage(sig.Kind); named {
				i, ok = pr.signalIndex[SignalPageView]
			}
			if !ok {
				continue
			}
		}
		rule := &pr.signals[i]
		v := float64(rule.points)
		if age := now.Sub(sig.At); !sig.At.IsZero() && age > 0 {
			v *= math.Exp2(-float64(age) / float64(rule.halfLife))
		}
		accs[i].count++
		accs[i].decayed += v
		total += v
	}
	for i, a := range accs {
		if a.count == 0 {
			continue
		}
		rule := &pr.signals[i]
		full := rule.points * a.count
		var buf [96]byte
		b := buf[:0]
		if full >= 0 {
			b = append(b, '+')
		}
		b = strconv.AppendInt(b, int64(full), 10)
		b = append(b, ' ')
		b = append(b, rule.display...)
		if a.count > 1 {
			b = append(b, " ×"...)
			b = strconv.AppendInt(b, int64(a.count), 10)
		}
		if dec := round1(a.decayed); dec != float64(full) {
			b = append(b, " (decayed to "...)
			b = strconv.AppendFloat(b, dec, 'f', 1, 64)
			b = append(b, ')')
		}
		*reasons = append(*reasons, string(b))
	}
	return round1(total)
}

func round1(f float64) float64 { return math.Round(f*10) / 10 }

// temperature applies the grade's thresholds to the score and explains
// it: "hot: grade B and score 45.0 ≥ 40", "cold: grade C and score 12.0
// below warm 30".
func (pr *profile) temperature(g int, score float64, disqualified bool, reasons *[]string) string {
	if disqualified {
		*reasons = append(*reasons, "cold: disqualified")
		return Cold
	}
	t := pr.thresholds[g]
	temp, cmp, bound := Cold, "", 0.0
	var note string
	var noteAt float64
	switch {
	case t.hasHot && score >= t.hot:
		temp, cmp, bound = Hot, " ≥ ", t.hot
	case t.hasWarm && score >= t.warm:
		temp, cmp, bound = Warm, " ≥ ", t.warm
		if t.hasHot {
			note, noteAt = " (hot from ", t.hot
		}
	case t.hasWarm:
		cmp, bound = " below warm ", t.warm
	case t.hasHot:
		cmp, bound = " below hot ", t.hot
	default:
		*reasons = append(*reasons, "cold: grade "+gradeNames[g]+" is never warm or hot")
		return Cold
	}
	var buf [96]byte
	b := append(buf[:0], temp...)
	b = append(b, ": grade "...)
	b = append(b, gradeNames[g]...)
	b = append(b, " and score "...)
	b = strconv.AppendFloat(b, score, 'f', 1, 64)
	b = append(b, cmp...)
	b = strconv.AppendFloat(b, bound, 'f', -1, 64)
	if note != "" {
		b = append(b, note...)
		b = strconv.AppendFloat(b, noteAt, 'f', -1, 64)
		b = append(b, ')')
	}
	*reasons = append(*reasons, string(b))
	return temp
}
