package qualify

import (
	"errors"

	"github.com/leadflow/leadflow/shared/yamlconf"
)

// ErrInvalid marks a config that failed validation; the error Parse returns
// wraps it and is a *ConfigError listing every problem.
var ErrInvalid = errors.New("invalid qualification config")

// Problem is one thing wrong with a config, at a line of its file.
type Problem = yamlconf.Problem

// ConfigError lists every problem of a config at once, in file order, so
// whoever edits it can fix them all in one go. Its Error is the problems as
// "file:line: message", one per line, and errors.Is(err, ErrInvalid) holds.
type ConfigError = yamlconf.ConfigError
