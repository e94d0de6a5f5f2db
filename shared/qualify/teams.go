package qualify

import (
	"maps"
	"slices"
)

// Teams lists the routing config's teams by name, each with its reps in
// config order and its lead (zero when it has none): who the per-rep
// report names and whose leads get the weekly team digest.
func (c *Config) Teams() []Team {
	out := make([]Team, 0, len(c.teams))
	for _, name := range slices.Sorted(maps.Keys(c.teams)) {
		t := c.teams[name]
		t.Name = name
		t.Reps = slices.Clone(t.Reps)
		out = append(out, t)
	}
	return out
}
