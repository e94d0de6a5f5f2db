package lead

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/mail"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
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
	"referrer":             {kindURL, 2048, func(s *Submission, v string) { s.Source.Referrer = v }},
	"landing_page":         {kindURL, 2048, func(s *Submission, v string) { s.Source.LandingPage = v }},
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
	bad := func(field, format string, args ...any) {
		errs = append(errs, FieldError{field, fmt.Sprintf(format, args...)})
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
		if v != "" && spec.set != nil {
			spec.set(&s, v)
		}
	}

	email, reason := NormaliseEmail(in.Fields["email"])
	if reason != "" {
		bad("email", "%s", reason)
	}
	s.Email = email

	if len(in.Answers) > MaxAnswers {
		bad("answers", "at most %d answers", MaxAnswers)
	} else if len(in.Answers) > 0 {
		s.Answers = make(map[string]string, len(in.Answers))
		for k, raw := range in.Answers {
			field := "answers." + k
			v := strings.TrimSpace(raw)
			switch {
			case len(k) > MaxAnswerKey || !answerKeyRe.MatchString(k):
				bad(field, "answer keys are 1-%d characters of a-z, 0-9 and _", MaxAnswerKey)
			case utf8.RuneCountInString(v) > MaxAnswerLength:
				bad(field, "longer than %d characters", MaxAnswerLength)
			case !utf8.ValidString(v) || hasControl(v, true):
				bad(field, "contains control characters")
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
	s.Consent.IP = truncate(meta.IP, 64)
	s.Consent.UserAgent = truncate(meta.UserAgent, 512)
	return s, nil
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
func NormaliseEmail(raw string) (string, string) {
	v := strings.ToLower(strings.TrimSpace(raw))
	switch {
	case v == "":
		return "", "is required"
	case len(v) > 254:
		return "", "longer than 254 characters"
	case hasControl(v, false):
		return "", "contains control characters"
	}
	addr, err := mail.ParseAddress(v)
	if err != nil || addr.Address != v || addr.Name != "" {
		return "", "is not a valid email address"
	}
	at := strings.LastIndexByte(v, '@')
	domain := v[at+1:]
	if at < 1 || !strings.Contains(domain, ".") || strings.HasPrefix(domain, ".") || strings.HasSuffix(domain, ".") || strings.ContainsAny(v, " \"<>[]") {
		return "", "is not a valid email address"
	}
	return v, ""
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

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
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
		return "answers." + hashedName(k)
	}
	return hashedName(name)
}

var digitRunRe = regexp.MustCompile(`[0-9]{4,}`)

func hashedName(s string) string {
	sum := sha256.Sum256([]byte(s))
	return "unknown(" + hex.EncodeToString(sum[:4]) + ")"
}
