package yamlconf

import (
	"strconv"
	"strings"
)

// Problem is one thing wrong with a config, at a line of its file.
type Problem struct {
	File string
	Line int // 0 when the YAML reader could not tell
	Msg  string
}

func (p Problem) String() string {
	if p.Line > 0 {
		return p.File + ":" + strconv.Itoa(p.Line) + ": " + p.Msg
	}
	return p.File + ": " + p.Msg
}

// ConfigError lists every problem of a config at once, in file order, so
// whoever edits it can fix them all in one go.
type ConfigError struct {
	Problems []Problem
	// Kind is the sentinel of the config's package (qualify.ErrInvalid,
	// nurture.ErrInvalid) that errors.Is matches.
	Kind error
}

// Error is the problems as "file:line: message", one per line.
func (e *ConfigError) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}

// Unwrap lets errors.Is(err, Kind) match.
func (e *ConfigError) Unwrap() error { return e.Kind }
