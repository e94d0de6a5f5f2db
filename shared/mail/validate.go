package mail

import (
	"fmt"
	"net/mail"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/idna"
)

// SES limits on custom headers (API reference, MessageHeader).
const (
	maxHeaderName  = 126
	maxHeaderValue = 870
	maxTag         = 256
	maxConfigSet   = 64
)

// reserved header names are set from Message fields or by SES; letting a
// custom header set them would let a caller (or an attacker's input) add
// recipients or change what the message is.
var reserved = map[string]bool{
	"from": true, "to": true, "cc": true, "bcc": true, "subject": true,
	"reply-to": true, "sender": true, "return-path": true, "date": true,
	"message-id": true, "mime-version": true, "content-type": true,
	"content-transfer-encoding": true,
}

// Validate reports the first problem that would make the message unsafe or
// unsendable. Errors wrap ErrHeaderInjection or ErrInvalid and name the
// field, never its value (values may be personal data).
func (m Message) Validate() error {
	for _, f := range []struct{ name, v string }{
		{"from", m.From}, {"to", m.To}, {"reply-to", m.ReplyTo},
		{"subject", m.Subject}, {"configuration set", m.ConfigurationSet},
	} {
		if hasControl(f.v) {
			return fmt.Errorf("%w: %s", ErrHeaderInjection, f.name)
		}
	}
	for name, v := range m.Headers {
		if hasControl(name) {
			return fmt.Errorf("%w: a header name", ErrHeaderInjection)
		}
		if hasControl(v) {
			return fmt.Errorf("%w: header %s", ErrHeaderInjection, name)
		}
	}
	for name, v := range m.Tags {
		if hasControl(name) || hasControl(v) {
			return fmt.Errorf("%w: a tag", ErrHeaderInjection)
		}
	}

	if _, err := parseAddress("from", m.From, true); err != nil {
		return err
	}
	if _, err := parseAddress("to", m.To, true); err != nil {
		return err
	}
	if _, err := parseAddress("reply-to", m.ReplyTo, false); err != nil {
		return err
	}
	if strings.TrimSpace(m.Subject) == "" {
		return fmt.Errorf("%w: empty subject", ErrInvalid)
	}
	if !utf8.ValidString(m.Subject) || !utf8.ValidString(m.HTML) || !utf8.ValidString(m.Text) {
		return fmt.Errorf("%w: subject and bodies must be valid UTF-8", ErrInvalid)
	}
	if strings.TrimSpace(m.HTML) == "" || strings.TrimSpace(m.Text) == "" {
		return fmt.Errorf("%w: both an HTML and a text body are required", ErrInvalid)
	}
	seen := map[string]bool{}
	for name, v := range m.Headers {
		if err := checkHeader(name, v); err != nil {
			return err
		}
		lower := strings.ToLower(name)
		if seen[lower] {
			return fmt.Errorf("%w: header %s given twice", ErrInvalid, name)
		}
		seen[lower] = true
	}
	for name, v := range m.Tags {
		if !isToken(name, maxTag) || !isToken(v, maxTag) {
			return fmt.Errorf("%w: tag %q: names and values are 1–%d letters, digits, '_' or '-'", ErrInvalid, name, maxTag)
		}
	}
	if m.ConfigurationSet != "" && !isToken(m.ConfigurationSet, maxConfigSet) {
		return fmt.Errorf("%w: configuration set name: 1–%d letters, digits, '_' or '-'", ErrInvalid, maxConfigSet)
	}
	return nil
}

func checkHeader(name, v string) error {
	if name == "" || len(name) > maxHeaderName {
		return fmt.Errorf("%w: header name must be 1–%d characters", ErrInvalid, maxHeaderName)
	}
	for i := 0; i < len(name); i++ {
		if c := name[i]; c < 33 || c > 126 || c == ':' {
			return fmt.Errorf("%w: header name %q: printable ASCII without ':' or spaces only", ErrInvalid, name)
		}
	}
	if reserved[strings.ToLower(name)] {
		return fmt.Errorf("%w: header %s is set from the message fields or by SES", ErrInvalid, name)
	}
	if v == "" || len(v) > maxHeaderValue {
		return fmt.Errorf("%w: header %s: value must be 1–%d characters", ErrInvalid, name, maxHeaderValue)
	}
	for i := 0; i < len(v); i++ {
		if c := v[i]; c < 32 || c > 126 {
			return fmt.Errorf("%w: header %s: value must be printable ASCII (encode it per RFC 2047)", ErrInvalid, name)
		}
	}
	return nil
}

// parseAddress checks one address and returns it in the form sent to SES:
// the bare address, or a properly quoted/encoded "name <address>".
func parseAddress(field, s string, required bool) (string, error) {
	if strings.TrimSpace(s) == "" {
		if required {
			return "", fmt.Errorf("%w: %s: address required", ErrInvalid, field)
		}
		return "", nil
	}
	a, err := mail.ParseAddress(s)
	if err != nil {
		return "", fmt.Errorf("%w: %s: not a valid address", ErrInvalid, field)
	}
	// An RFC 2047 display name can decode to CR/LF; refuse it even though
	// it would be re-encoded, since some client would show it raw.
	if hasControl(a.Name) || hasControl(a.Address) {
		return "", fmt.Errorf("%w: %s", ErrHeaderInjection, field)
	}
	// SES does not support SMTPUTF8 (RFC 6531): it takes an address whose
	// part before the @ is 7-bit ASCII, and a domain only in its ASCII
	// (punycode) form.
	at := strings.LastIndexByte(a.Address, '@')
	if strings.IndexFunc(a.Address[:at], func(r rune) bool { return r > unicode.MaxASCII }) >= 0 {
		return "", fmt.Errorf("%w: %s: SES takes only ASCII before the @ (it has no SMTPUTF8)", ErrInvalid, field)
	}
	domain, err := idna.Lookup.ToASCII(a.Address[at+1:])
	if err != nil {
		return "", fmt.Errorf("%w: %s: the domain has no ASCII (punycode) form", ErrInvalid, field)
	}
	a.Address = a.Address[:at+1] + domain
	if a.Name == "" {
		return a.Address, nil
	}
	return a.String(), nil
}

// ReplyTo is addr when SES takes it as an address, else "": the lead's
// address as a sales email's Reply-To, which must not cost the email
// itself when SES cannot take it (an address with a letter beyond ASCII
// before the @, which sales can still write to from their own client:
// the email shows it).
func ReplyTo(addr string) string {
	if _, err := parseAddress("reply-to", addr, false); err != nil {
		return ""
	}
	return addr
}

// hasControl reports C0 and C1 control characters (CR, LF, NUL, TAB, …),
// DEL and Unicode line/paragraph separators.
func hasControl(s string) bool {
	for _, r := range s {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r <= 0x9f) || r == '\u2028' || r == '\u2029' {
			return true
		}
	}
	return false
}

// isToken: 1–max of [A-Za-z0-9_-], SES's rule for tags and set names.
func isToken(s string, max int) bool {
	if s == "" || len(s) > max {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// Canonical validates m and returns it with its addresses in the form an
// adapter sends: bare, or a properly quoted/encoded "name <address>".
func (m Message) Canonical() (Message, error) {
	if err := m.Validate(); err != nil {
		return Message{}, err
	}
	m.From, _ = parseAddress("from", m.From, true)
	m.To, _ = parseAddress("to", m.To, true)
	m.ReplyTo, _ = parseAddress("reply-to", m.ReplyTo, false)
	return m, nil
}
