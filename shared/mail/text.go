package mail

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/bidi"
)

// Text helpers for user-supplied values in emails (alerts, nurture).

// OneLine makes s safe for a single line: control characters, line
// separators and invalid UTF-8 become spaces, bidi controls (which can
// make text display in a misleading order) are dropped, and runs of
// whitespace collapse to one space.
func OneLine(s string) string {
	s = strings.Map(func(r rune) rune {
		switch {
		case r == utf8.RuneError, unicode.IsControl(r), r == '\u2028', r == '\u2029':
			return ' '
		case r >= '\u202a' && r <= '\u202e', r >= '\u2066' && r <= '\u2069', r == '\u200e', r == '\u200f':
			return -1
		}
		return r
	}, s)
	return strings.Join(strings.Fields(s), " ")
}

// Direction is the direction of text by its first strong character
// (Unicode bidi rule P2, which mail clients that lay a subject out by its
// content apply, and plain-text viewers a line).
type Direction int

// Directions of text.
const (
	NoDirection Direction = iota
	LeftToRight
	RightToLeft
)

// FirstStrong is the direction of s's first strong character.
func FirstStrong(s string) Direction {
	for _, r := range s {
		p, _ := bidi.LookupRune(r)
		switch p.Class() {
		case bidi.L:
			return LeftToRight
		case bidi.R, bidi.AL:
			return RightToLeft
		}
	}
	return NoDirection
}

// DirectionMark is the invisible character that starts a line in
// direction d: U+200E LEFT-TO-RIGHT MARK or U+200F RIGHT-TO-LEFT MARK
// ("" for none).
func DirectionMark(d Direction) string {
	switch d {
	case LeftToRight:
		return "\u200e"
	case RightToLeft:
		return "\u200f"
	}
	return ""
}

// startsRightToLeft reports whether s starts right to left: a mail client
// lays out a subject, and a plain-text viewer a line, that starts so from
// right to left.
func startsRightToLeft(s string) bool { return FirstStrong(s) == RightToLeft }

// leftToRight is a line of English text that starts with a value the
// lead gave (a name): with a left-to-right mark first when that value
// starts right to left, so "דנה כהן (CEO at Acme), accepted since 9 Dec"
// reads as written, not with its English words and dates reversed.
func leftToRight(line string) string {
	if startsRightToLeft(line) {
		return DirectionMark(LeftToRight) + line
	}
	return line
}

// NormaliseNewlines turns CRLF and CR into LF.
func NormaliseNewlines(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
}

// Truncate cuts s to at most max characters, ending in "…" when cut.
func Truncate(s string, max int) string {
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	r := []rune(s)[:max-1]
	return strings.TrimRight(string(r), " ,—-") + "…"
}

// Thousands groups the digits of a whole number written in decimal, with
// an optional leading minus: "-1234567" → "-1,234,567". Reports, the
// calibration report and the rep's pages write counts and amounts so.
func Thousands(digits string) string {
	neg := strings.HasPrefix(digits, "-")
	digits = strings.TrimPrefix(digits, "-")
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i := range len(digits) {
		if i > 0 && (len(digits)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteByte(digits[i])
	}
	return b.String()
}

// replyNote is the sentence of an email whose Reply-To is the lead
// (when SES takes the address, ReplyTo): that replying writes to them,
// named (name) or "the lead", and quotes the email, its signed links
// too (mail clients quote the message in a reply); or, with no Reply-To,
// to write from one's own mail client.
func replyNote(email, name string) string {
	addressee := firstNonEmpty(OneLine(name), "the lead")
	if email != "" && ReplyTo(email) == "" {
		return "Write to " + addressee + " from your own mail client: replying to this email does not reach this address."
	}
	return "Replying to this email writes to " + addressee + " and quotes all of it, its links too: delete the quote, or start a new email."
}
