package campaign

import (
	"errors"

	"github.com/leadflow/leadflow/shared/yamlconf"
)

// ErrInvalid marks a campaign file (or directory) that failed validation;
// the error Parse and LoadDir return wraps it and is a *ConfigError listing
// every problem.
var ErrInvalid = errors.New("invalid campaign config")

// ErrUnknownVariant is returned by RenderPage for a variant that is not
// one of the campaign's.
var ErrUnknownVariant = errors.New("unknown campaign variant")

// Problem is one thing wrong with a campaign file, at a line of it.
type Problem = yamlconf.Problem

// ConfigError lists every problem at once, as "file:line: message", one
// per line; errors.Is(err, ErrInvalid) holds.
type ConfigError = yamlconf.ConfigError
