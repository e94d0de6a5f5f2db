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
