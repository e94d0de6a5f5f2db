package campaign

import (
	"fmt"

	"github.com/leadflow/leadflow/shared/yamlconf"
)

// LoadDir reads every campaign file (*.yaml, *.yml) in dir. Problems of all
// files come back together as one *ConfigError wrapping ErrInvalid, file by
// file in name order, so a broken edit never hides another. Across files,
// an id used twice is an error, and so are spends in different currencies:
// a report prices every campaign in one currency. A directory without
// campaign files is an empty Set; a missing directory is an error.
func LoadDir(dir string) (*Set, error) {
	// Spends in different currencies: a report prices every campaign in
	// one, the first file's.
	currency, currencyFile := "", ""
	sameCurrency := func(c *Campaign, path string) []Problem {
		switch {
		case c.Spend == nil:
		case currency == "":
			currency, currencyFile = c.Spend.Currency, path
		case c.Spend.Currency != currency:
			return []Problem{{File: path, Line: c.currencyLine,
				Msg: fmt.Sprintf("spend.currency: %s differs from %s in %s (reports price every campaign in one currency)",
					c.Spend.Currency, currency, currencyFile)}}
		}
		return nil
	}
	cs, probs, err := yamlconf.LoadFolder(dir, "campaign", Parse, func(c *Campaign) (string, int) { return c.ID, c.idLine }, sameCurrency)
	if err != nil {
		return nil, fmt.Errorf("campaigns: %w", err)
	}
	if len(probs) > 0 {
		return nil, &ConfigError{Problems: probs, Kind: ErrInvalid}
	}
	return newSet(cs), nil
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
