// Package logx makes the structured JSON logger every function uses: one
// line per request or decision, no raw PII (callers log email hashes).
package logx

import (
	"io"
	"log/slog"
	"strings"
)

// New returns a JSON logger at the given level name (debug, info, warn,
// error; default info) tagged with the function name.
func New(w io.Writer, function, level string) *slog.Logger {
	var l slog.Level
	switch strings.ToLower(level) {
	case "debug":
		l = slog.LevelDebug
	case "warn":
		l = slog.LevelWarn
	case "error":
		l = slog.LevelError
	}
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: l})).With("function", function)
}
