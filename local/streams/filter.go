package streams

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/aws/aws-lambda-go/events"
)

// Filter is an event source mapping's FilterCriteria, as Lambda applies
// it to a DynamoDB stream: a record reaches the function only when one of
// the patterns matches it (no pattern: every record), and a batch left
// empty is not delivered. The local stack and the tests read the
// template's patterns, so the publisher sees here what it sees in AWS.
type Filter struct {
	patterns []map[string]any
}

// ParseFilter reads FilterCriteria patterns (JSON, the template's
// Filters[].Pattern). The pattern syntax it knows is exact values,
// "prefix" and "exists"; any other operator is an error rather than a
// filter that lets through what Lambda would not.
func ParseFilter(patterns []string) (*Filter, error) {
	f := &Filter{}
	for _, p := range patterns {
		var m map[string]any
		if err := json.Unmarshal([]byte(p), &m); err != nil {
			return nil, fmt.Errorf("streams: filter pattern %s: %w", p, err)
		}
		if err := check(m); err != nil {
			return nil, fmt.Errorf("streams: filter pattern %s: %w", p, err)
		}
		f.patterns = append(f.patterns, m)
	}
	return f, nil
}

func check(pattern map[string]any) error {
	for k, v := range pattern {
		switch v := v.(type) {
		case map[string]any:
			if err := check(v); err != nil {
				return err
			}
		case []any:
			for _, e := range v {
				op, ok := e.(map[string]any)
				if !ok {
					continue
				}
				for name, arg := range op {
					_, isString := arg.(string)
					_, isBool := arg.(bool)
					if len(op) != 1 || !(name == "prefix" && isString || name == "exists" && isBool) {
						return fmt.Errorf("%s: operator %q is not one the local stack matches (exact values, prefix, exists)", k, name)
					}
				}
			}
		default:
			return fmt.Errorf("%s: a pattern's values are objects or lists, not %v", k, v)
		}
	}
	return nil
}

// Match reports whether Lambda would deliver r to the function.
func (f *Filter) Match(r events.DynamoDBEventRecord) bool {
	if f == nil || len(f.patterns) == 0 {
		return true
	}
	b, err := json.Marshal(r)
	if err != nil {
		return false
	}
	var doc map[string]any
	if json.Unmarshal(b, &doc) != nil {
		return false
	}
	for _, p := range f.patterns {
		if matches(p, doc) {
			return true
		}
	}
	return false
}

// Records is the records of a batch that Lambda would deliver.
func (f *Filter) Records(records []events.DynamoDBEventRecord) []events.DynamoDBEventRecord {
	var out []events.DynamoDBEventRecord
	for _, r := range records {
		if f.Match(r) {
			out = append(out, r)
		}
	}
	return out
}

// matches applies one pattern object to one JSON object: every key of
// the pattern must match.
func matches(pattern, doc map[string]any) bool {
	for k, want := range pattern {
		v, present := doc[k]
		switch want := want.(type) {
		case map[string]any:
			sub, ok := v.(map[string]any)
			if !ok || !matches(want, sub) {
				return false
			}
		case []any:
			if !leafMatches(want, v, present) {
				return false
			}
		}
	}
	return true
}

// leafMatches reports whether a value (a leaf, or a list of leaves: any
// of them) matches any of a pattern list's entries.
func leafMatches(list []any, v any, present bool) bool {
	if _, isObject := v.(map[string]any); isObject {
		present = false // exists and values match leaves only
	}
	values := []any{v}
	if l, ok := v.([]any); ok {
		values = l
	}
	for _, e := range list {
		if op, ok := e.(map[string]any); ok {
			if exists, ok := op["exists"].(bool); ok {
				if exists == present {
					return true
				}
				continue
			}
			if prefix, ok := op["prefix"].(string); ok && present {
				for _, x := range values {
					if s, ok := x.(string); ok && strings.HasPrefix(s, prefix) {
						return true
					}
				}
			}
			continue
		}
		if !present {
			continue
		}
		for _, x := range values {
			if x == e {
				return true
			}
		}
	}
	return false
}
