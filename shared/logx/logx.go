// Package logx makes the structured JSON logger every function uses: one
// line per request or decision, no personal data: callers name a lead by
// its id, never by its address nor a hash of it (a plain hash lets anyone
// check a guessed address against the logs).
//
// Error text is the one value a caller does not write itself: an AWS
// service may quote an address in its message (SES names the identity
// that failed a check, the recipient it refused). So every attribute whose
// key ends in "error" or "Error", or is "cause" (the error that stopped a
// batch), has each address-like string in it replaced by "<address>".
// Everything else is the caller's duty.
package logx

import (
	"io"
	"log/slog"
	"regexp"
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
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: l, ReplaceAttr: scrubErrors})).With("function", function)
}

func scrubErrors(_ []string, a slog.Attr) slog.Attr {
	if a.Value.Kind() == slog.KindString && (strings.HasSuffix(a.Key, "error") || strings.HasSuffix(a.Key, "Error") || a.Key == "cause") {
		return slog.String(a.Key, Scrub(a.Value.String()))
	}
	return a
}

// addressRe finds address-like strings: no claim to be RFC 5322, only to
// miss nothing a mail system would deliver — letters and digits of any
// script (capture takes renée.dupont@… and international domains), not
// only ASCII, or such an address would be kept whole or in part.
var addressRe = regexp.MustCompile(`[\p{L}\p{M}\p{N}.!#$%&'*+/=?^_{|}~-]+@[\p{L}\p{M}\p{N}-]+(\.[\p{L}\p{M}\p{N}-]+)+`)

// Scrub replaces every address-like string in s by "<address>".
func Scrub(s string) string {
	if !strings.Contains(s, "@") {
		return s
	}
	return addressRe.ReplaceAllString(s, "<address>")
}
