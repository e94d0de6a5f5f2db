package capture

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/leadflow/leadflow/shared/httpapi"
	"github.com/leadflow/leadflow/shared/lead"
)

// Form field names with a transport meaning rather than lead data.
const (
	// HoneypotField is hidden from people by the form's CSS; bots fill it.
	HoneypotField = "fax"
	// IdempotencyField carries the idempotency key in plain HTML forms,
	// which cannot set headers.
	IdempotencyField = "_idem"
	answerPrefix     = "answers["
)

// decoded is a body turned into lead input plus the transport fields.
type decoded struct {
	input    lead.Input
	problems []lead.FieldError
	idemKey  string
	bot      bool
}

// MaxFieldNames is how many names (fields, answers and the transport
// fields together) a body may carry: a lead has 25 fields and
// lead.MaxAnswers answers, besides the honeypot and _idem, so a body
// naming more is refused as a whole, rather than each made-up name on
// its own (an answer and a log line listing thousands of them).
const MaxFieldNames = 64

// errTooManyFields is the refusal of a body naming more than
// MaxFieldNames.
var errTooManyFields = fmt.Errorf("%w: body has more than %d fields and answers; a lead has at most %d answers besides its fields",
	httpapi.ErrBadRequest, MaxFieldNames, lead.MaxAnswers)

func decodeForm(body []byte) (decoded, error) {
	vals, err := url.ParseQuery(string(body))
	if err != nil {
		return decoded{}, fmt.Errorf("%w: body is not valid form encoding", httpapi.ErrBadRequest)
	}
	if len(vals) > MaxFieldNames {
		return decoded{}, errTooManyFields
	}
	d := decoded{input: lead.Input{Fields: map[string]string{}}}
	for k, vs := range vals {
		v := vs[len(vs)-1] // a checkbox after a hidden default wins
		switch {
		case k == HoneypotField:
			d.bot = strings.TrimSpace(v) != ""
		case k == IdempotencyField:
			d.idemKey = v
		case strings.HasPrefix(k, answerPrefix) && strings.HasSuffix(k, "]"):
			if d.input.Answers == nil {
				d.input.Answers = map[string]string{}
			}
			d.input.Answers[k[len(answerPrefix):len(k)-1]] = v
		default:
			d.input.Fields[k] = v
		}
	}
	return d, nil
}

// MaxJSONDepth is how deep a JSON body may nest objects and arrays: a
// lead is one object and its answers one more, and a value that is an
// object or array (refused, by its field) one more again. Deeper bodies
// are refused before they are taken apart, which costs more the deeper
// they nest.
const MaxJSONDepth = 16

func decodeJSON(body []byte) (decoded, error) {
	if jsonDepth(body) > MaxJSONDepth {
		return decoded{}, fmt.Errorf("%w: body nests objects and arrays more than %d deep; send one object of fields, with answers an object of strings",
			httpapi.ErrBadRequest, MaxJSONDepth)
	}
	var raw map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&raw); err != nil || raw == nil {
		return decoded{}, fmt.Errorf("%w: body must be a JSON object", httpapi.ErrBadRequest)
	}
	if dec.More() {
		return decoded{}, fmt.Errorf("%w: body must be a single JSON object", httpapi.ErrBadRequest)
	}
	names := len(raw) // every name but "answers", which holds names of its own
	if _, ok := raw["answers"]; ok {
		names--
	}
	if names > MaxFieldNames {
		return decoded{}, errTooManyFields
	}
	d := decoded{input: lead.Input{Fields: map[string]string{}}}
	// encoding/json silently turns broken text into U+FFFD; find it in the
	// raw body first and leave those fields out.
	d.problems = textProblems(body)
	broken := make(map[string]bool, len(d.problems))
	for _, p := range d.problems {
		broken[p.Field] = true
	}
	for k, v := range raw {
		if broken[k] {
			continue
		}
		switch k {
		case HoneypotField:
			s, _ := jsonScalar(v)
			d.bot = strings.TrimSpace(s) != ""
		case "answers":
			var answers map[string]json.RawMessage
			if err := json.Unmarshal(v, &answers); err != nil {
				d.problems = append(d.problems, lead.FieldError{Field: k, Reason: "must be an object of strings"})
				continue
			}
			if names+len(answers) > MaxFieldNames {
				return decoded{}, errTooManyFields
			}
			d.input.Answers = make(map[string]string, len(answers))
			for ak, av := range answers {
				if broken["answers."+ak] {
					continue
				}
				s, ok := jsonScalar(av)
				if !ok {
					d.problems = append(d.problems, lead.FieldError{Field: "answers." + ak, Reason: "must be a string, number or boolean"})
					continue
				}
				d.input.Answers[ak] = s
			}
		default:
			s, ok := jsonScalar(v)
			if !ok {
				d.problems = append(d.problems, lead.FieldError{Field: k, Reason: "must be a string, number or boolean"})
				continue
			}
			d.input.Fields[k] = s
		}
	}
	return d, nil
}

// jsonDepth is how deep body nests objects and arrays, whatever its
// strings hold; it reads body once, valid JSON or not.
func jsonDepth(body []byte) int {
	depth, deepest := 0, 0
	for i := 0; i < len(body); i++ {
		switch body[i] {
		case '"':
			i = stringEnd(body, i)
		case '{', '[':
			if depth++; depth > deepest {
				deepest = depth
			}
		case '}', ']':
			depth--
		}
	}
	return deepest
}

// jsonScalar turns a JSON string, number, boolean or null into text.
func jsonScalar(v json.RawMessage) (string, bool) {
	var x any
	if err := json.Unmarshal(v, &x); err != nil {
		return "", false
	}
	switch t := x.(type) {
	case nil:
		return "", true
	case string:
		return t, true
	case bool:
		return strconv.FormatBool(t), true
	case float64:
		return strconv.FormatFloat(t, 'f', -1, 64), true
	}
	return "", false
}

// textProblems names the strings of a JSON object body — names and values,
// nested ones too — whose text encoding/json would silently repair into
// U+FFFD: bytes that are not UTF-8, and \u escapes of half a UTF-16
// surrogate pair ("\ud800" without its "\udc00"). Each is named by its
// path of object keys ("email", "answers.crm"), once. body must be
// syntactically valid JSON.
func textProblems(body []byte) []lead.FieldError {
	type level struct {
		object, wantKey bool
		key             string
	}
	var (
		stack []level
		out   []lead.FieldError
		seen  = map[string]bool{}
	)
	path := func() string {
		var keys []string
		for _, l := range stack {
			if l.object {
				keys = append(keys, l.key)
			}
		}
		return strings.Join(keys, ".")
	}
	for i := 0; i < len(body); i++ {
		switch body[i] {
		case '{':
			stack = append(stack, level{object: true, wantKey: true})
		case '[':
			stack = append(stack, level{})
		case '}', ']':
			if len(stack) > 0 {
				stack = stack[:len(stack)-1]
			}
		case ',':
			if n := len(stack); n > 0 && stack[n-1].object {
				stack[n-1].wantKey = true
			}
		case ':':
			if n := len(stack); n > 0 {
				stack[n-1].wantKey = false
			}
		case '"':
			end := stringEnd(body, i)
			lit := body[i+1 : end]
			reason := brokenText(lit)
			if n := len(stack); n > 0 && stack[n-1].object && stack[n-1].wantKey {
				stack[n-1].key = unquote(lit)
				if reason != "" {
					reason = "its name " + reason
				}
			}
			if reason != "" && len(stack) > 0 {
				if field := path(); !seen[field] {
					seen[field] = true
					out = append(out, lead.FieldError{Field: field, Reason: reason})
				}
			}
			i = end
		}
	}
	return out
}

// stringEnd is the index of the quote that closes the JSON string opening
// at body[start].
func stringEnd(body []byte, start int) int {
	for j := start + 1; j < len(body); j++ {
		switch body[j] {
		case '\\':
			j++
		case '"':
			return j
		}
	}
	return len(body) - 1
}

// brokenText is why a JSON string's raw text (between its quotes) is not
// text, or "".
func brokenText(lit []byte) string {
	for j := 0; j < len(lit); {
		c := lit[j]
		switch {
		case c == '\\' && j+5 < len(lit) && lit[j+1] == 'u':
			r := hex4(lit[j+2 : j+6])
			if !utf16.IsSurrogate(r) {
				j += 6
				continue
			}
			if r < 0xdc00 && j+11 < len(lit) && lit[j+6] == '\\' && lit[j+7] == 'u' {
				if lo := hex4(lit[j+8 : j+12]); lo >= 0xdc00 && lo <= 0xdfff {
					j += 12
					continue
				}
			}
			return fmt.Sprintf("holds half of a UTF-16 surrogate pair (\\u%04x) without the other half", r)
		case c == '\\':
			j += 2
		case c < utf8.RuneSelf:
			j++
		default:
			r, size := utf8.DecodeRune(lit[j:])
			if r == utf8.RuneError && size == 1 {
				return "is not valid UTF-8"
			}
			j += size
		}
	}
	return ""
}

// hex4 is the value of four hex digits, -1 when they are not.
func hex4(b []byte) rune {
	n, err := strconv.ParseUint(string(b), 16, 16)
	if err != nil {
		return -1
	}
	return rune(n)
}

// unquote decodes a JSON string's raw text as encoding/json does (broken
// text becomes U+FFFD), so paths match the decoded keys.
func unquote(lit []byte) string {
	var s string
	_ = json.Unmarshal(append(append([]byte{'"'}, lit...), '"'), &s)
	return s
}
