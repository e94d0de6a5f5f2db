package nurture

import (
	"errors"

	"github.com/leadflow/leadflow/shared/yamlconf"
)

// ErrInvalid marks a sequences config that failed validation; the error
// Parse returns wraps it and is a *ConfigError listing every problem.
var ErrInvalid = errors.New("invalid nurture sequences config")

// Render errors.
var (
	ErrUnknownTemplate = errors.New("unknown template")
	ErrRender          = errors.New("cannot render email")
)

// Problem is one thing wrong with a config, at a line of its file.
type Problem = yamlconf.Problem

// ConfigError lists every problem of a config at once, in file order. Its
// Error is the problems as "file:line: message", one per line, and
// errors.Is(err, ErrInvalid) holds.
type ConfigError = yamlconf.ConfigError
