package app_test

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/leadflow/leadflow/local/testenv"
	"github.com/leadflow/leadflow/shared/lead"
	"github.com/leadflow/leadflow/shared/mail/sesstore"
	"github.com/leadflow/leadflow/shared/store"
)

// Ten anonymous hot submissions from one source within an hour: three
// alerts (the limit), the other seven held — no alert, no escalation —
// and one summary to the team lead once the hour is over, however often
// the tick runs; a held lead released from the summary is alerted.
func TestAlertFloodIsHeldAndSummarisedOnce(t *testing.T) {
	clock := &clockAt{t: monday}
	env := map[string]string{"PUBLIC_BASE_URL": "https://leads.example.com", "ALERT_LIMIT": "3/1h", "ALERT_DEDUP_WINDOW": "24h"}
	capture, table, _ := buildAt(t, "capture", env, clock.now, "")
	tick, _, _ := buildAt(t, "nurture", env, clock.now, table)
	fb, _, _ := buildAt(t, "feedback", nil, clock.now, table)
	ctx := context.Background()
	stamp := time.Now().UnixNano()
	source := fmt.Sprintf("script%d", stamp)
	var addrs []string
	for i := range 10 {
		addr := fmt.Sprintf("anon%d.%d@flood.example", i, stamp)
		addrs = append(addrs, addr)
		body := `{"email":"` + addr + `","company":"Flood Co","job_title":"CMO","company_size":"1000+","country":"DE","budget":"$100k","timeline":"this quarter",` +
			`"form_type":"demo_request","campaign":"q4-demo","utm_source":"` + source + `"}`
		if r, err := capture.HTTP(ctx, jsonLead(body)); err != nil || r.StatusCode != 202 {
			t.Fatalf("capture %d: %d %v %s", i, r.StatusCode, err, r.Body)
		}
	}
	fire := func() {
		t.Helper()
		if err := tick.Event(ctx, tickEvent(fmt.Sprint(time.Now().UnixNano()))); err != nil {
			t.Fatal(err)
		}
	}
	fire()
	alerts := func() (alerts, escalations int) {
		all, err := sesstore.Fetch(ctx, testenv.Get(t).SES)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range all {
			for _, r := range e.ReplyTo {
				if strings.Contains(r, fmt.Sprint(stamp)) {
					if strings.Contains(e.Subject, "SLA") {
						escalations++
					} else {
						alerts++
					}
				}
			}
		}
		return
	}
	if a, _ := alerts(); a != 3 {
		t.Fatalf("%d alerts, want 3 (the limit)", a)
	}
	st := store.New(testenv.Clients(t).DynamoDB, table)
	states := map[string]int{}
	for _, addr := range addrs {
		l, err := st.LeadByEmail(ctx, lead.HashEmail(addr))
		if err != nil {
			t.Fatal(err)
		}
		states[l.Handoff.State]++
		if l.Stage != lead.StageMQL {
			t.Fatalf("%s: stage %s, want mql (held leads stay visible)", addr, l.Stage)
		}
	}
	if states[lead.HandoffSent] != 3 || states[lead.HandoffHeld] != 7 {
		t.Fatalf("handoff states %v, want 3 sent, 7 held", states)
	}

	// The hour ends, the SLA passes: the three alerted leads are escalated,
	// the held ones are not; one summary goes to the team lead.
	clock.add(2 * time.Hour)
	fire()
	fire()
	if _, esc := alerts(); esc != 3 {
		t.Fatalf("%d escalations, want 3 (only for the alerted leads)", esc)
	}
	summaries := waitMail(t, 1, func(e sesstore.Email) bool {
		return strings.Contains(e.Subject, "[Alerts held]") && strings.Contains(e.Subject, source)
	})
	// The campaign by its name, as in alerts.
	if len(summaries) != 1 || !strings.Contains(summaries[0].Subject, "7 hot leads") || len(summaries[0].To) != 1 || summaries[0].To[0] != "lea@example.com" ||
		!strings.Contains(summaries[0].Text, "campaign Q4 demo push — ops leaders (q4-demo)") {
		t.Fatalf("summaries: %+v", summaries)
	}
	links := regexp.MustCompile(`https://leads\.example\.com/feedback/([A-Za-z0-9_.-]+)`).FindAllStringSubmatch(summaries[0].Text, -1)
	if len(links) != 7 {
		t.Fatalf("%d release links, want 7:\n%s", len(links), summaries[0].Text)
	}
	for _, addr := range addrs {
		if strings.Contains(summaries[0].Text, addr) || strings.Contains(summaries[0].HTML, addr) {
			t.Fatalf("the summary names an address")
		}
	}

	// Released, the lead is alerted on the next tick despite the limit.
	ev := sampleEvent(t, "feedback-answer.json")
	ev.PathParameters = map[string]string{"token": links[0][1]}
	if r, _ := fb.HTTP(ctx, ev); r.StatusCode != 200 || !strings.Contains(r.Body, "Recorded") {
		t.Fatalf("release: %d %s", r.StatusCode, r.Body)
	}
	fire()
	if a, _ := alerts(); a != 4 {
		t.Fatalf("%d alerts after the release, want 4", a)
	}
	fire()
	all, _ := sesstore.Fetch(ctx, testenv.Get(t).SES)
	n := 0
	for _, e := range all {
		if strings.Contains(e.Subject, "[Alerts held]") && strings.Contains(e.Subject, source) {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("%d summaries after more ticks, want 1", n)
	}
}
