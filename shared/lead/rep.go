package lead

import "strings"

// RepKey is how a sales rep's address identifies the rep in counters
// and indexes: trimmed and lower-cased, so "Ana@Example.com" in a config
// and "ana@example.com" in a link count as one rep.
func RepKey(addr string) string { return strings.ToLower(strings.TrimSpace(addr)) }

// RepCounter is a counter of the sales rep with address rep (by 1, or
// by by when it is not zero); nil when rep is empty (nobody to count for).
// The per-rep view reads these: alerts received, answers, response
// times, SLA breaches, outcomes and revenue, kept by the write that
// records each (package report).
func RepCounter(rep, name string, by int64) []Counter {
	if k := RepKey(rep); k != "" {
		return []Counter{{Rep: k, Name: name, By: by}}
	}
	return nil
}

// DealOwner is the rep who holds an accepted lead's deal: who accepted
// it, else who answered its alert, else who the alert went to ("" when
// none did).
func (l *Lead) DealOwner() string {
	if l.Deal != nil && l.Deal.Rep != "" {
		return l.Deal.Rep
	}
	if h := l.Handoff; h != nil {
		if h.AnsweredBy != "" {
			return h.AnsweredBy
		}
		return h.Rep
	}
	return ""
}
