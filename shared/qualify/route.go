package qualify

import (
	"slices"

	"github.com/leadflow/leadflow/shared/lead"
)

// Route picks the sales team for a lead: the team of the first routing
// rule that matches, else the default team. The returned Team is a copy.
func (c *Config) Route(l lead.Lead) (string, Team) {
	s := newSubject(&l)
	name := c.defaultTeam
	for i := range c.routes {
		if ok, _, _ := c.routes[i].pred.match(&s); ok {
			name = c.routes[i].team
			break
		}
	}
	t := c.teams[name]
	t.Reps = slices.Clone(t.Reps)
	return name, t
}

// TeamOf is the team a lead's hand-off went to (its alert's team, while
// the config still lists it), else the team Route picks now: a later
// form can change how a lead routes, but the alert's team is the one
// whose rep holds it and whose lead can chase them.
func (c *Config) TeamOf(l lead.Lead) (string, Team) {
	if h := l.Handoff; h != nil && h.Team != "" {
		if t, ok := c.teams[h.Team]; ok {
			t.Reps = slices.Clone(t.Reps)
			return h.Team, t
		}
	}
	return c.Route(l)
}
