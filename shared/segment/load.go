package segment

import (
	"fmt"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/leadflow/leadflow/shared/campaign"
	"github.com/leadflow/leadflow/shared/qualify"
	"github.com/leadflow/leadflow/shared/yamlconf"
)

// Set is the segments of a deployment, in id order.
type Set struct{ all []*Segment }

// NewSet is a set of segments (tests build one from Parse's results).
func NewSet(segs ...*Segment) *Set {
	s := &Set{all: slices.Clone(segs)}
	sort.Slice(s.all, func(i, j int) bool { return s.all[i].ID < s.all[j].ID })
	return s
}

// All lists the segments in id order; a nil Set has none.
func (s *Set) All() []*Segment {
	if s == nil {
		return nil
	}
	return slices.Clone(s.all)
}

// Get finds a segment by id.
func (s *Set) Get(id string) (*Segment, bool) {
	for _, seg := range s.All() {
		if seg.ID == id {
			return seg, true
		}
	}
	return nil, false
}

// LoadDir reads every segment file (*.yaml, *.yml) in dir. Problems of
// all files come back together as one *ConfigError wrapping ErrInvalid,
// file by file in name order. A folder without segment files is an empty
// Set; a missing folder is an error.
func LoadDir(dir string) (*Set, error) {
	segs, probs, err := yamlconf.LoadFolder(dir, "segment", Parse, func(s *Segment) (string, int) { return s.ID, s.idLine })
	if err != nil {
		return nil, fmt.Errorf("segments: %w", err)
	}
	if len(probs) > 0 {
		return nil, &ConfigError{Problems: probs, Kind: ErrInvalid}
	}
	return NewSet(segs...), nil
}

// LoadConfigured reads the segment files of a function: dir when the
// configuration names one (then it must exist), else config/segments in
// the build when there is one, else none (an empty Set).
func LoadConfigured(dir string) (*Set, error) {
	dir, ok := yamlconf.ConfiguredDir(dir, filepath.Join("config", "segments"))
	if !ok {
		return NewSet(), nil
	}
	return LoadDir(dir)
}

// Known are the names of a deployment a segment may use.
type Known struct {
	// Campaigns maps each campaign file's id to its variant ids (shown
	// and retired: the ids its leads may carry): a
	// segment's variants of those campaigns must be among them. Other
	// campaign ids are taken as they are (forms without a campaign file
	// may post any), so a segment's campaigns are not checked.
	Campaigns map[string][]string
	// Reasons are the reason codes leads can carry (qualify's
	// ReasonCodes); nil: not checked.
	Reasons []string
	// SignalProblem says why a signal condition's kind would find nobody
	// (a page signal no tracked page records), "" when it would not; nil:
	// not checked.
	SignalProblem func(kind string) string
}

// Deployment is what a deployment's campaign files (nil: none) and
// qualification config (with the campaigns' overrides) know.
func Deployment(campaigns *campaign.Set, rules *qualify.Config) Known {
	k := Known{Campaigns: map[string][]string{}}
	if campaigns != nil {
		for _, c := range campaigns.All() {
			k.Campaigns[c.ID] = c.VariantIDs()
		}
	}
	if rules != nil {
		k.Reasons = rules.ReasonCodes()
	}
	return k
}

// Check verifies the variants and reason codes the segments name against
// a deployment, each problem at its file and line, so a typo is caught
// rather than exporting nobody.
func (s *Set) Check(k Known) error {
	var probs []Problem
	for _, seg := range s.All() {
		file := seg.File
		var variants []string
		filed := false
		for _, c := range seg.Conditions.Campaigns {
			if vs, ok := k.Campaigns[c]; ok {
				filed = true
				variants = append(variants, vs...)
			}
		}
		if filed {
			for _, v := range seg.Conditions.Variants {
				if slices.Contains(variants, v) {
					continue
				}
				// A variant ended since is still on the leads it brought.
				hint := knownList(variants) + "; if its leads still carry it, keep it in the campaign file with retired: true"
				if sug := yamlconf.Suggest(v, variants); sug != "" {
					hint = fmt.Sprintf("did you mean %q? If its leads still carry it, keep it in the campaign file with retired: true", sug)
				}
				probs = append(probs, Problem{File: file, Line: seg.variantLines[v],
					Msg: fmt.Sprintf("conditions.variant: %s has no variant %q (%s)", strings.Join(seg.Conditions.Campaigns, ", "), v, hint)})
			}
		}
		if k.Reasons != nil {
			for _, code := range append(slices.Clone(seg.Conditions.AnyOf), seg.Conditions.NoneOf...) {
				if slices.Contains(k.Reasons, code) {
					continue
				}
				// A code renamed or removed since is still on the leads
				// given it: naming only the new one would drop them.
				hint := knownList(k.Reasons) + "; if leads still carry it from an earlier config, list it under retired_reasons"
				if sug := yamlconf.Suggest(code, k.Reasons); sug != "" {
					hint = fmt.Sprintf("did you mean %q? If leads still carry it from an earlier config, list it under retired_reasons", sug)
				}
				probs = append(probs, Problem{File: file, Line: seg.reasonLines[code],
					Msg: fmt.Sprintf("conditions.reasons: no reason code %q in the qualification config's disqualifiers or reject_reasons (%s)", code, hint)})
			}
		}
		if k.SignalProblem != nil {
			for i, sc := range seg.Conditions.Signals {
				if msg := k.SignalProblem(sc.Kind); msg != "" {
					probs = append(probs, Problem{File: file, Line: seg.signalLines[i], Msg: fmt.Sprintf("conditions.signals[%d].signal: %s", i, msg)})
				}
			}
		}
	}
	if len(probs) == 0 {
		return nil
	}
	sort.SliceStable(probs, func(i, j int) bool {
		if probs[i].File != probs[j].File {
			return probs[i].File < probs[j].File
		}
		return probs[i].Line < probs[j].Line
	})
	return &ConfigError{Problems: probs, Kind: ErrInvalid}
}

func knownList(names []string) string {
	names = slices.Compact(slices.Sorted(slices.Values(names)))
	if len(names) == 0 {
		return "there are none"
	}
	return "known: " + strings.Join(names, ", ")
}
