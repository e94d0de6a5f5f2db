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
// that matched nothing would page on every busy afternoon.
func TestSalesAnswersFilter(t *testing.T) {
	pattern, ok := testenv.Template(t).FilterPattern("SalesAnswersFilter")
	if !ok {
		t.Fatal("template.yaml has no SalesAnswersFilter")
	}
	capture, table, _ := build(t, "capture", nil)
	fb, _, logs := buildAt(t, "feedback", nil, time.Now, table)
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
		if _, err := keys.Verify(m[1], links.ActionAccept, time.Now()); err == nil {
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
			match, err := sam.FilterMatches(pattern, line)
			if err != nil {
				t.Fatal(err)
			}
			if match {
				n++
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
			t.Fatalf("after %s: %s counts %d lines, want %d\n%s", step.name, pattern, got, step.counted, logs)
		}
	}
}
