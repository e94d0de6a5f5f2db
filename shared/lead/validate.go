package lead

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/mail"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/idna"
	"golang.org/x/text/unicode/norm"

	"github.com/leadflow/leadflow/shared/links"
)

// ErrInvalid marks a submission that failed validation; the wrapped
// *ValidationError lists every field problem.
var ErrInvalid = errors.New("invalid lead")

// FieldError is one problem with one field.
type FieldError struct {
	Field  string `json:"field"`
	Reason string `json:"reason"`
}

// ValidationError lists every field problem of a submission at once, so a
// person fixing a form sees them all, not one per round trip.
type ValidationError struct{ Fields []FieldError }

func (e *ValidationError) Error() string {
	parts := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		parts[i] = f.Field + ": " + f.Reason
	}
	return ErrInvalid.Error() + ": " + strings.Join(parts, "; ")
}

// Unwrap lets errors.Is(err, ErrInvalid) match.
func (e *ValidationError) Unwrap() error { return ErrInvalid }

// Input is a submission as decoded from a form or JSON body, before
// validation: named fields plus the free-form answers map.
type Input struct {
	Fields  map[string]string
	Answers map[string]string
	// Errors are problems the decoder already found (wrong JSON types);
	// Validate reports them with its own.
	Errors []FieldError
}

// RequestMeta is what the transport knows about a submission.
type RequestMeta struct {
	IP        string
	UserAgent string
	At        time.Time
	// Evidence hashes IP and UserAgent for the consent record (the
	// values are never kept); the zero Evidence records neither.
	Evidence Evidence
}

// Limits on custom answers: bounded so one form cannot bloat an item.
const (
	MaxAnswers      = 30
	MaxAnswerKey    = 64
	MaxAnswerLength = 1000
)

type fieldKind int

const (
	kindLine fieldKind = iota // single line text: no control characters
	kindText                  // multi-line text: newlines and tabs allowed
	kindURL                   // absolute http(s) URL
	kindSlug                  // [a-z0-9_-]
	kindPhone
	kindCountry
	kindTimeZone
	kindBool
)

type fieldSpec struct {
	kind fieldKind
	max  int
	set  func(*Submission, string)
}

// fields is the single list of accepted submission fields; the form and
// JSON decoders, validation and the demo form all follow it.
var fields = map[string]fieldSpec{
	"email":                {kindLine, 254, nil}, // handled specially
	"name":                 {kindLine, 200, func(s *Submission, v string) { s.Name = v }},
	"company":              {kindLine, 200, func(s *Submission, v string) { s.Company = v }},
	"job_title":            {kindLine, 200, func(s *Submission, v string) { s.JobTitle = v }},
	"phone":                {kindPhone, 40, func(s *Submission, v string) { s.Phone = v }},
	"company_size":         {kindLine, 40, func(s *Submission, v string) { s.CompanySize = v }},
	"industry":             {kindLine, 100, func(s *Submission, v string) { s.Industry = v }},
	"country":              {kindCountry, 64, func(s *Submission, v string) { s.Country = strings.ToUpper(v) }},
	"budget":               {kindLine, 100, func(s *Submission, v string) { s.Budget = v }},
	"timeline":             {kindLine, 100, func(s *Submission, v string) { s.Timeline = v }},
	"message":              {kindText, 5000, func(s *Submission, v string) { s.Message = v }},
	"form_type":            {kindSlug, 64, func(s *Submission, v string) { s.FormType = v }},
	"time_zone":            {kindTimeZone, 64, func(s *Submission, v string) { s.TimeZone = v }},
	"consent":              {kindBool, 5, func(s *Submission, v string) { s.Consent.MarketingOptIn = parseBool(v) }},
	"consent_text_version": {kindLine, 40, func(s *Submission, v string) { s.Consent.TextVersion = v }},
	"utm_source":           {kindLine, 200, func(s *Submission, v string) { s.Source.UTMSource = v }},
	"utm_medium":           {kindLine, 200, func(s *Submission, v string) { s.Source.UTMMedium = v }},
	"utm_campaign":         {kindLine, 200, func(s *Submission, v string) { s.Source.UTMCampaign = v }},
	"utm_term":             {kindLine, 200, func(s *Submission, v string) { s.Source.UTMTerm = v }},
	"utm_content":          {kindLine, 200, func(s *Submission, v string) { s.Source.UTMContent = v }},
	"referrer":             {kindURL, 2048, func(s *Submission, v string) { s.Source.Referrer = storedURL(v, false) }},
	"landing_page":         {kindURL, 2048, func(s *Submission, v string) { s.Source.LandingPage = storedURL(v, true) }},
	"campaign":             {kindSlug, 64, func(s *Submission, v string) { s.Source.Campaign = v }},
	"variant":              {kindSlug, 64, func(s *Submission, v string) { s.Source.Variant = v }},
}

// IsField reports whether name is an accepted submission field.
func IsField(name string) bool { _, ok := fields[name]; return ok }

var (
	slugRe      = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]*$`)
	answerKeyRe = regexp.MustCompile(`^[a-z0-9][a-z0-9_]*$`)
	phoneRe     = regexp.MustCompile(`^\+?[0-9 ()./-]{3,}$`)
	countryRe   = regexp.MustCompile(`^[A-Za-z]{2}$`)
)

// Validate checks and normalises an input. On failure the error wraps
// ErrInvalid and is a *ValidationError listing every problem, sorted by field.
func Validate(in Input, meta RequestMeta) (Submission, error) {
	var s Submission
	errs := append([]FieldError(nil), in.Errors...)
	decoded := make(map[string]bool, len(in.Errors))
	for _, e := range in.Errors {
		decoded[e.Field] = true
	}
	bad := func(field, format string, args ...any) {
		e := FieldError{field, fmt.Sprintf(format, args...)}
		// The decoder named this field's problem (and left it out), or
		// the field's check and the email's check found the same one.
		if !decoded[field] && !slices.Contains(errs, e) {
			errs = append(errs, e)
		}
	}

	for name, raw := range in.Fields {
		spec, ok := fields[name]
		if !ok {
			bad(name, "unknown field")
			continue
		}
		v := strings.TrimSpace(raw)
		if reason := checkValue(spec, v); reason != "" {
			bad(name, "%s", reason)
			continue
		}
		// The address has its own check (NormaliseEmail, below); a message
		// is read as a block of text, as pasted.
		if r, ok := directionOverride(v); ok && name != "email" && spec.kind != kindText {
			bad(name, "contains a text-direction control character (U+%04X)", r)
			continue
		}
		if v != "" && spec.set != nil {
			spec.set(&s, v)
		}
	}

	email, reason := NormaliseEmail(in.Fields["email"])
	if reason != "" {
		bad("email", "%s", reason)
	} else if s.Consent.MarketingOptIn && !asciiLocalPart(email) {
		// SES has no SMTPUTF8: no confirmation or nurture email could
		// reach it, so the consent asked for could never be kept. Without
		// consent the address is one sales writes to from its own client.
		bad("email", "has a letter beyond A–Z before the @, and our email service cannot send to such an address: to get our emails, give another address (or leave the consent box unticked)")
	}
	s.Email = email

	if len(in.Answers) > MaxAnswers {
		bad("answers", "at most %d answers", MaxAnswers)
	} else if len(in.Answers) > 0 {
		s.Answers = make(map[string]string, len(in.Answers))
		for k, raw := range in.Answers {
			field := "answers." + k
			v := strings.TrimSpace(raw)
			r, override := directionOverride(v)
			switch {
			case len(k) > MaxAnswerKey || !answerKeyRe.MatchString(k):
				bad(field, "answer keys are 1-%d characters of a-z, 0-9 and _", MaxAnswerKey)
			case utf8.RuneCountInString(v) > MaxAnswerLength:
				bad(field, "longer than %d characters", MaxAnswerLength)
			case !utf8.ValidString(v):
				bad(field, "is not valid UTF-8")
			case hasControl(v, true):
				bad(field, "contains control characters")
			case override: // an answer reads like a name: shown as it is, in its order
				bad(field, "contains a text-direction control character (U+%04X)", r)
			case v != "":
				s.Answers[k] = v
			}
		}
	}

	if len(errs) > 0 {
		sort.Slice(errs, func(i, j int) bool { return errs[i].Field < errs[j].Field })
		return Submission{}, &ValidationError{Fields: errs}
	}
	at := meta.At.UTC()
	s.Source.At = at
	s.Consent.At = at
	s.Consent.Method = ConsentByForm
	s.Consent.IPHash = meta.Evidence.Hash(meta.IP)
	s.Consent.UserAgentHash = meta.Evidence.Hash(meta.UserAgent)
	return s, nil
}

// storedURL is a submitted URL as the lead keeps it: never its
// user:password@ nor its #fragment (where sign-in flows put tokens), nor
// the visitor token a tracked click added (links.VisitorParam), and
// for a referrer (another site's page) not its query either, which may
// carry a search or a session; a landing page keeps its query (utm_… and
// the ad click ids marketing reads). v has passed checkValue's kindURL.
func storedURL(v string, keepQuery bool) string {
	u, err := url.Parse(v)
	if err != nil {
		return ""
	}
	u.User, u.Fragment, u.RawFragment = nil, "", ""
	if !keepQuery {
		u.RawQuery, u.ForceQuery = "", false
	}
	// A page reached from a tracked email link has the visitor token in
	// its query: a credential of the lead's (it posts page views for it),
	// not attribution, so it goes no further (the alert, the CRM).
	if q := u.Query(); q.Has(links.VisitorParam) {
		q.Del(links.VisitorParam)
		u.RawQuery = q.Encode()
	}
	return u.String()
}

func checkValue(spec fieldSpec, v string) string {
	if !utf8.ValidString(v) {
		return "is not valid UTF-8"
	}
	if utf8.RuneCountInString(v) > spec.max {
		return fmt.Sprintf("longer than %d characters", spec.max)
	}
	if hasControl(v, spec.kind == kindText) {
		return "contains control characters"
	}
	if v == "" {
		return ""
	}
	switch spec.kind {
	case kindURL:
		u, err := url.Parse(v)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return "must be an absolute http(s) URL"
		}
	case kindSlug:
		if !slugRe.MatchString(v) {
			return "must be lowercase letters, digits, - or _"
		}
	case kindPhone:
		if !phoneRe.MatchString(v) {
			return "must be digits with optional +, spaces, (), ., -"
		}
	case kindCountry:
		if !countryRe.MatchString(v) {
			return "must be a two-letter ISO 3166 country code"
		}
	case kindTimeZone:
		if _, err := time.LoadLocation(v); err != nil || v == "Local" {
			return "must be an IANA time zone such as Europe/Berlin"
		}
	case kindBool:
		if _, ok := boolWords[strings.ToLower(v)]; !ok {
			return "must be true or false"
		}
	}
	return ""
}

var boolWords = map[string]bool{"true": true, "on": true, "yes": true, "1": true, "false": false, "off": false, "no": false, "0": false}

func parseBool(v string) bool { return boolWords[strings.ToLower(v)] }

// NormaliseEmail trims and lower-cases an address and checks it is a bare
// deliverable-looking address. It returns the reason when it is not.
//
// Look-alike and invisible tricks are refused: invisible and text-direction
// characters (zero-width space/joiner/non-joiner, BOM, soft hyphen, the
// bidi marks and embeddings — every Unicode format character — and blank
// fillers and variation selectors), and letters of two scripts in the part
// before the @ or in one domain label ("pаypal" with a Cyrillic а), bar
// the script mixes of Chinese, Japanese and Korean names. The domain is
// normalised to its ASCII (punycode) form with IDNA's lookup profile
// (UTS #46), so the address is what SES sends to and the lead is one lead
// however the domain was typed ("bücher.example" or "xn--bcher-kva.example").
// The part before the @ is lower-cased and NFC-normalised.
func NormaliseEmail(raw string) (string, string) {
	if !utf8.ValidString(raw) { // before ToLower, which would repair it
		return "", "is not valid UTF-8"
	}
	v := strings.ToLower(strings.TrimSpace(raw))
	switch {
	case v == "":
		return "", "is required"
	case len(v) > 254:
		return "", "longer than 254 characters"
	case hasControl(v, false):
		return "", "contains control characters"
	}
	if r, ok := invisible(v); ok {
		return "", fmt.Sprintf("contains an invisible or text-direction character (U+%04X)", r)
	}
	v = norm.NFC.String(v)
	addr, err := mail.ParseAddress(v)
	if err != nil || addr.Address != v || addr.Name != "" {
		return "", "is not a valid email address"
	}
	at := strings.LastIndexByte(v, '@')
	if at < 1 || strings.ContainsAny(v, " \"<>[]") {
		return "", "is not a valid email address"
	}
	local := v[:at]
	domain, err := idna.Lookup.ToASCII(v[at+1:])
	if err != nil || !strings.Contains(domain, ".") || strings.HasPrefix(domain, ".") || strings.HasSuffix(domain, ".") || strings.Contains(domain, "..") ||
		numericTLD(domain) {
		return "", "is not a valid email address"
	}
	if undeliverable(domain) {
		return "", "is not an address mail can be delivered to (a test or reserved domain)"
	}
	if r, ok := compatibilityForm(local); ok {
		return "", fmt.Sprintf("uses a look-alike form of a character before the @ (U+%04X)", r)
	}
	if mixed := mixedScripts(local); mixed != "" {
		return "", "mixes " + mixed + " letters before the @ (look-alike letters)"
	}
	if shown, err := idna.Lookup.ToUnicode(domain); err == nil {
		for _, label := range strings.Split(shown, ".") {
			if mixed := mixedScripts(label); mixed != "" {
				return "", "mixes " + mixed + " letters in one part of the domain (look-alike letters)"
			}
		}
	}
	v = local + "@" + domain
	if len(v) > 254 {
		return "", "longer than 254 characters"
	}
	return v, ""
}

// invisible finds a character that shows as nothing or changes how the
// text around it is shown: format characters (Cf: zero-width space,
// joiner and non-joiner, BOM, soft hyphen, U+200E/F, U+202A–202E,
// U+2066–2069, …), separators other than a space, private use, the
// replacement character, variation selectors and the blank fillers.
func invisible(s string) (rune, bool) {
	for _, r := range s {
		switch {
		case unicode.In(r, unicode.Cf, unicode.Zs, unicode.Zl, unicode.Zp, unicode.Co, unicode.Variation_Selector):
			if r != ' ' {
				return r, true
			}
		case r == utf8.RuneError, r == '\u034f', r == '\u115f', r == '\u1160', r == '\u17b4', r == '\u17b5',
			r == '\u2800', r == '\u3164', r == '\uffa0':
			return r, true
		}
	}
	return 0, false
}

// compatibilityForm finds a character that is a variant form of another
// (fullwidth ａ, mathematical 𝐚, the ligature ﬁ: NFKC makes it the plain
// one). IDNA maps them in a domain; before the @ they would make a second
// lead, and a second mailbox, that reads as the first, and no script
// check sees them (they are Latin, or Common).
func compatibilityForm(s string) (rune, bool) {
	for _, r := range s {
		if c := string(r); norm.NFKC.String(c) != norm.NFC.String(c) {
			return r, true
		}
	}
	return 0, false
}

// directionOverride finds a bidi embedding, override or isolate
// (U+202A–U+202E, U+2066–U+2069): they make text show in another order
// than it is ("Eve‮gnp.exe" reads "Eveexe.png"), so an alert or page
// would show sales something the lead did not say. Right-to-left names
// need none of them; the implicit marks (U+200E, U+200F) stay allowed.
func directionOverride(s string) (rune, bool) {
	for _, r := range s {
		if (r >= '\u202a' && r <= '\u202e') || (r >= '\u2066' && r <= '\u2069') {
			return r, true
		}
	}
	return 0, false
}

// scriptSets are the mixes of scripts one name may use (UTS #39, highly
// restrictive): Japanese, Chinese and Korean writing mix scripts by nature.
var scriptSets = [][]string{
	{"Han", "Hiragana", "Katakana", "Latin"},
	{"Bopomofo", "Han", "Latin"},
	{"Han", "Hangul", "Latin"},
}

// mixedScripts names the scripts of s ("Cyrillic and Latin") when it
// uses more than one and they are not a mix of scriptSets; "" otherwise.
// Digits, punctuation and combining marks (Common and Inherited) belong
// to no script.
func mixedScripts(s string) string {
	var scripts []string
	for _, r := range s {
		if sc := scriptOf(r); sc != "" && !slices.Contains(scripts, sc) {
			scripts = append(scripts, sc)
		}
	}
	if len(scripts) < 2 {
		return ""
	}
	for _, set := range scriptSets {
		if !slices.ContainsFunc(scripts, func(sc string) bool { return !slices.Contains(set, sc) }) {
			return ""
		}
	}
	sort.Strings(scripts)
	return strings.Join(scripts, " and ")
}

// scriptOf is the Unicode script of r, "" for Common and Inherited.
func scriptOf(r rune) string {
	switch {
	case r < utf8.RuneSelf:
		if 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' {
			return "Latin"
		}
		return ""
	case unicode.In(r, unicode.Common, unicode.Inherited):
		return ""
	}
	for name, table := range unicode.Scripts {
		if unicode.Is(table, r) {
			return name
		}
	}
	return "Unknown"
}

func hasControl(s string, allowNewlines bool) bool {
	for _, r := range s {
		if allowNewlines && (r == '\n' || r == '\r' || r == '\t') {
			continue
		}
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			return true
		}
	}
	return false
}

// LogFields is the validation problem list in a form safe to log: the
// reasons (written by us, never quoting a value) with each field's name as
// LogFieldName gives it. The client's 400 still names the field it sent;
// the log must not, since a field name can be anything a client typed (a
// JSON body posted as a form arrives as one field named after the whole
// body, addresses and phone numbers included).
func (e *ValidationError) LogFields() []string {
	out := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		out[i] = LogFieldName(f.Field) + ": " + f.Reason
	}
	return out
}

// LogFieldName is a submitted field name as a log may carry it: a field
// the product defines (or a transport field: answers, idempotency_key)
// as is; an answer key as is when it is a well-formed key (a-z, 0-9, _)
// with no run of digits that could be a number someone typed; anything
// else "unknown(<first 8 hex of its SHA-256>)", so repeated junk can be
// correlated without being read.
func LogFieldName(name string) string {
	switch {
	case IsField(name), name == "answers", name == "idempotency_key":
		return name
	case strings.HasPrefix(name, "answers."):
		k := name[len("answers."):]
		if len(k) <= MaxAnswerKey && answerKeyRe.MatchString(k) && !digitRunRe.MatchString(k) {
			return name
		}
		return "answers." + LogHash(k)
	}
	return LogHash(name)
}

var digitRunRe = regexp.MustCompile(`[0-9]{4,}`)

// LogHash is how a log names a value a visitor chose that may hold
// anything (an address, a name): "unknown(<first 8 hex of its SHA-256>)",
// so repeats correlate and nobody reads it.
func LogHash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return "unknown(" + hex.EncodeToString(sum[:4]) + ")"
}

// numericTLD reports a domain whose last label is all digits: no
// top-level domain is (RFC 3696 2), so "ann@192.0.2.7" is an IPv4 address
// posing as a host name, and mail to it (or to "acme.123") only bounces,
// spending the sender's reputation on nobody.
func numericTLD(domain string) bool {
	tld := domain[strings.LastIndexByte(domain, '.')+1:]
	return tld != "" && strings.Trim(tld, "0123456789") == ""
}

// undeliverable reports a domain no mail to a person can go to: SES's
// mailbox simulator (mail to it spends the sender's reputation on
// nobody) and the reserved top-level domains .invalid, .localhost and
// .test (RFC 2606, 6761). .example stays accepted: documentation and
// demos use it, and nothing is delivered there.
func undeliverable(domain string) bool {
	if domain == "simulator.amazonses.com" || strings.HasSuffix(domain, ".simulator.amazonses.com") {
		return true
	}
	tld := domain[strings.LastIndexByte(domain, '.')+1:]
	return tld == "invalid" || tld == "localhost" || tld == "test"
}

// asciiLocalPart reports whether the part of a normalised address before
// its @ is 7-bit ASCII, the only kind SES sends to.
func asciiLocalPart(email string) bool {
	local, _, _ := strings.Cut(email, "@")
	for i := 0; i < len(local); i++ {
		if local[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}
