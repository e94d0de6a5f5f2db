package app_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"testing"
	"time"

	"github.com/leadflow/leadflow/local/sam"
	"github.com/leadflow/leadflow/local/testenv"
	"github.com/leadflow/leadflow/shared/links"
	"github.com/leadflow/leadflow/shared/token"
)

// TestSalesAnswersFilter runs the template's SalesAnswersFilter on the
// lines the feedback function writes: a rep's recorded answer (and a
// repeat of it) counts, a GET of the page, a tampered link and a refused
// reject do not. The SLA page waits for no answer at all, so a pattern
// that matched nothing would page on every busy afternoon. Every filter
// that writes SalesAnswers counts (the CRM's have one of their own).
func TestSalesAnswersFilter(t *testing.T) {
	patterns := testenv.Template(t).MetricPatterns("SalesAnswers")
	if len(patterns) == 0 {
		t.Fatal("template.yaml has no metric filter writing SalesAnswers")
	}
	capture, table, _ := build(t, "capture", nil)
	fb, _, logs := buildAt(t, "feedback", nil, testenv.Clock(t), table)
	ctx := context.Background()
	email := fmt.Sprintf("answers.%d@bigcorp.example", time.Now().UnixNano())
	accepted(t)(capture.HTTP(ctx, jsonLead(hotBody(email, "1000+"))))
	alert := mailFor(t, email, 1)
	if len(alert) != 1 {
		t.Fatalf("no alert for the hot lead")
	}
	keys, _ := token.ParseKeys(testKeys)
	var accept string
	for _, m := range regexp.MustCompile(`/feedback/([A-Za-z0-9_.-]+)`).FindAllStringSubmatch(alert[0].Text, -1) {
		if _, err := keys.Verify(m[1], links.ActionAccept, testenv.Now(t)); err == nil {
			accept = m[1]
		}
	}
	if accept == "" {
		t.Fatal("alert lacks an accept link")
	}
	call := func(file, tok string) int {
		ev := sampleEvent(t, file)
		ev.PathParameters = map[string]string{"token": tok}
		r, err := fb.HTTP(ctx, ev)
		if err != nil {
			t.Fatal(err)
		}
		return r.StatusCode
	}
	counted := func() int {
		t.Helper()
		n := 0
		sc := bufio.NewScanner(bytes.NewReader(logs.Bytes()))
		for sc.Scan() {
			var line map[string]any
			if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
				t.Fatalf("log line is not JSON: %s", sc.Text())
			}
			for _, pattern := range patterns {
				match, err := sam.FilterMatches(pattern, line)
				if err != nil {
					t.Fatal(err)
				}
				if match {
					n++
				}
			}
		}
		return n
	}

	for _, step := range []struct {
		name, file, tok string
		status, counted int
	}{
		{"the page", "feedback-page.json", accept, 200, 0},
		{"a tampered link", "feedback-answer.json", accept[:len(accept)-3] + "abc", 403, 0},
		{"the answer", "feedback-answer.json", accept, 200, 1},
		{"the answer again", "feedback-answer.json", accept, 200, 2},
	} {
		if got := call(step.file, step.tok); got != step.status {
			t.Fatalf("%s: status %d, want %d\n%s", step.name, got, step.status, logs)
		}
		if got := counted(); got != step.counted {
			t.Fatalf("after %s: %v count %d lines, want %d\n%s", step.name, patterns, got, step.counted, logs)
		}
	}

	// A team that works its leads in the CRM answers there: the CRM's
	// outcome for a lead whose alert went out records its acceptance, and
	// counts as an answer (else such a team's busy afternoon pages). A
	// redelivery, an outcome for a lead leadflow never saw and one that
	// cannot be read are no sign of anyone answering.
	crmEmail := fmt.Sprintf("answers.crm.%d@bigcorp.example", time.Now().UnixNano())
	accepted(t)(capture.HTTP(ctx, jsonLead(hotBody(crmEmail, "1000+"))))
	if len(mailFor(t, crmEmail, 1)) != 1 {
		t.Fatalf("no alert for the hot lead worked in the CRM")
	}
	for _, step := range []struct {
		name, detail string
		counted      int
	}{
		{"the CRM's SQL", `{"email":"` + crmEmail + `","stage":"sql","event_id":"answers-crm-1"}`, 3},
		{"its redelivery", `{"email":"` + crmEmail + `","stage":"sql","event_id":"answers-crm-1"}`, 3},
		{"an unknown lead's outcome", `{"lead_id":"L-no-such-lead","stage":"won","amount":100,"event_id":"answers-crm-2"}`, 3},
		{"an unreadable event", `{"leadId":"x","stage":"sql"}`, 3},
	} {
		if err := fb.Event(ctx, crmEvent(t, step.detail)); err != nil {
			t.Fatalf("%s: %v", step.name, err)
		}
		if got := counted(); got != step.counted {
			t.Fatalf("after %s: %v count %d lines, want %d\n%s", step.name, patterns, got, step.counted, logs)
		}
	}
}
