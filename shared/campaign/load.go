package campaign

import (
	"fmt"

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
