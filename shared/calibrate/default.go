package calibrate

import "github.com/leadflow/leadflow/shared/qualify"

// DefaultBase is the source of qualify's embedded default config, the base
// an export starts from when no other is given.
func DefaultBase() []byte { return qualify.DefaultSource() }
