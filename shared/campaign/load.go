package campaign

import (
	"fmt"
	"sort"
	"strings"

	"github.com/leadflow/leadflow/shared/yamlconf"
)

// LoadDir reads every campaign file (*.yaml, *.yml) in dir. Problems of all
// files come back together as one *ConfigError wrapping ErrInvalid, file by
// file in name order, so a broken edit never hides another. Across files,
// an id used twice is an error. Spends may be in different currencies:
// reports convert each into theirs (SpendIn), and refuse one they have no
// rate for. A directory without campaign files is an empty Set; a missing
// directory is an error.
func LoadDir(dir string) (*Set, error) {
	cs, probs, err := yamlconf.LoadFolder(dir, "campaign", Parse, func(c *Campaign) (string, int) { return c.ID, c.idLine })
	if err != nil {
		return nil, fmt.Errorf("campaigns: %w", err)
	}
	if links := campaignLinks(dir, cs); len(links) > 0 {
		probs = append(probs, links...)
		// file by file in name order, as LoadFolder reports them
		sort.SliceStable(probs, func(i, j int) bool { return probs[i].File < probs[j].File })
	}
	if len(probs) > 0 {
		return nil, &ConfigError{Problems: probs, Kind: ErrInvalid}
	}
	return newSet(cs), nil
}

// campaignLinks checks the thank-you pages' next steps that are paths on
// the API to a campaign page (/c/<id>, /c/<id>/form, …): each must name a
// campaign file of dir, or the link is dead on the page every lead of the
// campaign sees. A file that failed to parse still counts (its own
// problems say what is wrong with it).
func campaignLinks(dir string, cs []*Campaign) []Problem {
	names, err := yamlconf.Files(dir)
	if err != nil {
		return nil // LoadFolder read it a moment ago; nothing to add
	}
	known := map[string]bool{}
	var ids []string
	for _, n := range names {
		if id, ok := yamlconf.FileStem(n); ok && !known[id] {
			known[id] = true
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	var probs []Problem
	for _, c := range cs {
		for i, l := range c.ThankYou.NextSteps {
			rest, ok := strings.CutPrefix(l.URL, "/c/")
			if !ok {
				continue
			}
			id := rest
			if n := strings.IndexAny(rest, "/?#"); n >= 0 {
				id = rest[:n]
			}
			if id == "" || known[id] {
				continue
			}
			hint := "campaigns: " + strings.Join(ids, ", ")
			if s := yamlconf.Suggest(id, ids); s != "" {
				hint = fmt.Sprintf("did you mean %q?", "/c/"+s)
			}
			line := 0
			if i < len(c.nextStepLines) {
				line = c.nextStepLines[i]
			}
			probs = append(probs, Problem{File: c.File, Line: line, Msg: fmt.Sprintf(
				"thank_you.next_steps[%d].url: %s is the page of no campaign: there is no %s.yaml in %s (%s)",
				i, yamlconf.Quote(l.URL), id, dir, hint)})
		}
	}
	return probs
}

// LoadConfigured reads the campaign files of a function: dir when the
// configuration names one (then it must exist), else config/campaigns in
// the build when there is one, else none (a nil Set).
func LoadConfigured(dir string) (*Set, error) {
	dir, ok := yamlconf.ConfiguredDir(dir, "config/campaigns")
	if !ok {
		return nil, nil
	}
	return LoadDir(dir)
}
