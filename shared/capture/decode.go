package capture

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"

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

func decodeForm(body []byte) (decoded, error) {
	vals, err := url.ParseQuery(string(body))
	if err != nil {
		return decoded{}, fmt.Errorf("%w: body is not valid form encoding", httpapi.ErrBadRequest)
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

func decodeJSON(body []byte) (decoded, error) {
	var raw map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&raw); err != nil || raw == nil {
		return decoded{}, fmt.Errorf("%w: body must be a JSON object", httpapi.ErrBadRequest)
	}
	if dec.More() {
		return decoded{}, fmt.Errorf("%w: body must be a single JSON object", httpapi.ErrBadRequest)
	}
	d := decoded{input: lead.Input{Fields: map[string]string{}}}
	for k, v := range raw {
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
			d.input.Answers = make(map[string]string, len(answers))
			for ak, av := range answers {
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
