package app_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/leadflow/leadflow/local/testenv"
	"github.com/leadflow/leadflow/shared/lead"
	"github.com/leadflow/leadflow/shared/links"
	"github.com/leadflow/leadflow/shared/store"
	"github.com/leadflow/leadflow/shared/token"
)

// TestAlertLinksOutlastAHolidayDeadline: the team works Mon–Fri
// 08:00–18:00 Berlin and is closed from 24 December to 1 January. A hot
// lead posted at 17:58 on Tuesday 23 December is due at 08:03 on Friday
// 2 January, the first working day back. The rep who opens the alert that
// morning, before the deadline it quotes, accepts the lead with the
// alert's own link: a link that died on 30 December, while the rep was
// away and nothing was late yet, would make them ask for a fresh one
// first.
func TestAlertLinksOutlastAHolidayDeadline(t *testing.T) {
	cfg := berlinHours(t, ", holidays: [12-24, 12-25, 12-26, 12-29, 12-30, 12-31, 01-01]")
	berlin, _ := time.LoadLocation("Europe/Berlin")
	clock := &clockAt{t: time.Date(2031, 12, 23, 17, 58, 0, 0, berlin)}
	due := time.Date(2032, 1, 2, 8, 3, 0, 0, berlin)
	env := map[string]string{"QUALIFY_CONFIG": cfg, "PUBLIC_BASE_URL": "https://leads.example.com"}
	capture, table, _ := buildAt(t, "capture", env, clock.now, "")
	fb, _, _ := buildAt(t, "feedback", env, clock.now, table)
	ctx := context.Background()
	email := fmt.Sprintf("holiday.%d@bigcorp.example", time.Now().UnixNano())
	accepted(t)(capture.HTTP(ctx, jsonLead(hotBody(email, "1000+"))))
	alert := mailFor(t, email, 1)
	if len(alert) != 1 {
		t.Fatalf("%d alerts", len(alert))
	}
	st := store.New(testenv.Clients(t).DynamoDB, table)
	id := capturedID(t, table, email)
	if l, err := st.Lead(ctx, id); err != nil || l.Handoff == nil || !l.Handoff.DueBy.Equal(due) {
		t.Fatalf("deadline: %v %+v, want %s", err, l.Handoff, due)
	}
	keys, _ := token.ParseKeys(testKeys)
	tok := answerLink(t, keys, alert[0].Text, id, links.ActionAccept, clock.now())
	clock.add(due.Add(-2 * time.Minute).Sub(clock.now())) // 08:01 on the first working day back
	ev := sampleEvent(t, "feedback-answer.json")
	ev.PathParameters = map[string]string{"token": tok}
	resp, err := fb.HTTP(ctx, ev)
	if err != nil || resp.StatusCode != 200 || !strings.Contains(resp.Body, "Recorded") {
		t.Fatalf("accept on the morning it is due: %v %d\n%s", err, resp.StatusCode, resp.Body)
	}
	if l, err := st.Lead(ctx, id); err != nil || l.Stage != lead.StageSAL {
		t.Fatalf("after the accept: %v, stage %s", err, l.Stage)
	}
}
