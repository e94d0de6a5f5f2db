// Package enrol reads, from a function's configuration, what re-grades a
// lead and places it in nurturing (the qualification rules with the
// campaign files' overrides, the sequences, each campaign's sequence),
// and makes the consent-evidence hasher. Functions that change a lead's
// consent or grade without alerting sales (unsubscribe, opt-in) use it
// without linking the sales handoff (shared/app/sales).
package enrol

import (
	"cmp"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/leadflow/leadflow/shared/campaign"
	"github.com/leadflow/leadflow/shared/config"
	"github.com/leadflow/leadflow/shared/ids"
	"github.com/leadflow/leadflow/shared/lead"
	"github.com/leadflow/leadflow/shared/nurture"
	"github.com/leadflow/leadflow/shared/qualify"
	"github.com/leadflow/leadflow/shared/token"
)

// Evidence is the consent-evidence hasher of a function signing with
// keys: each signing key's evidence key is derived under
// lead.EvidenceLabel, so the signing secret is never used raw for it and
// no new secret is deployed. Records carry the key id; a retired signing
// key's secret checks the records made under it.
func Evidence(keys token.Keys) lead.Evidence {
	return lead.NewEvidence(keys.Derive(lead.EvidenceLabel))
}

// Load reads the qualification rules (with the campaign files'
// overrides), the sequences and each campaign's own sequence: what
// re-grades a lead and places it in nurturing.
func Load(cfg config.Qualifying) (nurture.Enroller, *campaign.Set, error) {
	// Three independent files (parsing, templates compiled): read at
	// once, as the function's init waits for the slowest, not their sum.
	var (
		seq          *nurture.Config
		campaigns    *campaign.Set
		seqErr, cErr error
		wg           sync.WaitGroup
	)
	wg.Add(2)
	go func() { defer wg.Done(); seq, seqErr = nurture.Load(config.InTask(cfg.NurtureConfig)) }()
	go func() { defer wg.Done(); campaigns, cErr = campaign.LoadConfigured(cfg.CampaignsDir) }()
	rules, err := qualify.Load(config.InTask(cfg.QualifyConfig))
	wg.Wait()
	if err = cmp.Or(err, seqErr, cErr); err != nil {
		return nurture.Enroller{}, nil, err
	}
	// Campaign files may override how their leads are scored.
	if rules, err = campaigns.Qualify(rules); err != nil {
		return nurture.Enroller{}, nil, err
	}
	preferred, err := CampaignSequences(campaigns, seq)
	if err != nil {
		return nurture.Enroller{}, nil, err
	}
	return nurture.Enroller{Rules: rules, Sequences: seq, Campaigns: preferred, NewID: ids.New}, campaigns, nil
}

// CampaignSequences maps each campaign to the sequence its file names
// (a sequence's earlier id, which it replaces, stands for it), refusing
// (file:line) a sequence the sequences config does not have; make
// check-config runs it too.
func CampaignSequences(campaigns *campaign.Set, seq *nurture.Config) (map[string]string, error) {
	out := map[string]string{}
	if campaigns == nil {
		return out, nil
	}
	var probs []string
	for _, c := range campaigns.All() {
		if c.Sequence == "" {
			continue
		}
		// An id a sequence replaces (its earlier name) is that sequence.
		id := seq.Current(c.Sequence)
		if id == "" {
			probs = append(probs, fmt.Sprintf("%s:%d: sequence %q is not in the nurture sequences (have %s)",
				c.File, c.SequenceLine, c.Sequence, strings.Join(seq.Sequences(), ", ")))
			continue
		}
		out[c.ID] = id
	}
	if len(probs) > 0 {
		return nil, errors.New(strings.Join(probs, "\n"))
	}
	return out, nil
}
