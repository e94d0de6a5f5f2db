package campaign

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/leadflow/leadflow/shared/yamlconf"
)

// LoadDir reads every campaign file (*.yaml, *.yml) in dir. Problems of all
// files come back together as one *ConfigError wrapping ErrInvalid, file by
// file in name order, so a broken edit never hides another. Across files,
// an id used twice is an error, and so are spends in different currencies:
// a report prices every campaign in one currency. A directory without
// campaign files is an empty Set; a missing directory is an error.
func LoadDir(dir string) (*Set, error) {
	names, err := yamlconf.Files(dir)
	if err != nil {
		return nil, fmt.Errorf("campaigns: %w", err)
	}

	var probs []Problem
	var cs []*Campaign
	files := map[string]string{} // campaign id → file
	currency, currencyFile := "", ""
	for _, name := range names {
		path := filepath.Join(dir, name)
		data, err := os.ReadFile(path)
		if err != nil {
			probs = append(probs, Problem{File: path, Msg: "cannot read: " + err.Error()})
			continue
		}
		c, err := Parse(data, path)
		var ce *ConfigError
		if errors.As(err, &ce) {
			probs = append(probs, ce.Problems...)
			continue
		}
		if other, dup := files[c.ID]; dup {
			probs = append(probs, Problem{File: path, Line: c.idLine,
				Msg: fmt.Sprintf("duplicate campaign id %q (also in %s)", c.ID, other)})
			continue
		}
		files[c.ID] = path
		if c.Spend != nil {
			switch {
			case currency == "":
				currency, currencyFile = c.Spend.Currency, path
			case c.Spend.Currency != currency:
				probs = append(probs, Problem{File: path, Line: c.currencyLine,
					Msg: fmt.Sprintf("spend.currency: %s differs from %s in %s (reports price every campaign in one currency)",
						c.Spend.Currency, currency, currencyFile)})
				continue
			}
		}
		cs = append(cs, c)
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
	explicit := dir != ""
	if !explicit {
		dir = "config/campaigns"
	}
	if root := os.Getenv("LAMBDA_TASK_ROOT"); root != "" && !filepath.IsAbs(dir) {
		dir = filepath.Join(root, dir)
	}
	if _, err := os.Stat(dir); err != nil && !explicit {
		return nil, nil
	}
	return LoadDir(dir)
}
