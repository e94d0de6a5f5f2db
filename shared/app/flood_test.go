package app_test

import (
	"context"
	"fmt"
	"regexp"
	"slices"
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
		all := testenv.Mail(t)
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
		if (l.Handoff.State == lead.HandoffSent) != !l.AlertedAt.IsZero() {
			t.Fatalf("%s: handoff %s, alerted_at %v: the alert's commit records when it went, and only then", addr, l.Handoff.State, l.AlertedAt)
		}
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
	links := regexp.MustCompile(`- Lead [^:]+: https://leads\.example\.com/feedback/([A-Za-z0-9_.-]+)`).FindAllStringSubmatch(summaries[0].Text, -1)
	all := regexp.MustCompile(`release all 7 hot leads: https://leads\.example\.com/feedback/([A-Za-z0-9_.-]+)`).FindStringSubmatch(summaries[0].Text)
	if len(links) != 7 || all == nil {
		t.Fatalf("%d release links, want 7 and one for all:\n%s", len(links), summaries[0].Text)
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

	// "Release all" releases the six still held, and the next tick
	// alerts them; the window's summary is not sent again.
	ev.PathParameters = map[string]string{"token": all[1]}
	if r, _ := fb.HTTP(ctx, ev); r.StatusCode != 200 || !strings.Contains(r.Body, "Recorded: 6 alerts go to sales now.") {
		t.Fatalf("release all: %d %s", r.StatusCode, r.Body)
	}
	fire()
	if a, _ := alerts(); a != 10 {
		t.Fatalf("%d alerts after releasing all, want 10", a)
	}
	fire()
	sent := testenv.Mail(t)
	n := 0
	for _, e := range sent {
		if strings.Contains(e.Subject, "[Alerts held]") && strings.Contains(e.Subject, source) {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("%d summaries after more ticks, want 1", n)
	}
}

// A script that invents a utm_source (or a campaign name) for every post
// gets no fresh alerts for it: a listed campaign's sources share its
// campaign limit, and the campaigns the config does not list count as
// one. Each held window gets its summary, naming what was limited.
func TestAlertFloodSeesThroughInventedSources(t *testing.T) {
	clock := &clockAt{t: monday}
	env := map[string]string{"PUBLIC_BASE_URL": "https://leads.example.com", "ALERT_LIMIT": "2/1h", "ALERT_CAMPAIGN_LIMIT": "4", "ALERT_DEDUP_WINDOW": "24h"}
	capture, table, _ := buildAt(t, "capture", env, clock.now, "")
	tick, _, _ := buildAt(t, "nurture", env, clock.now, table)
	ctx := context.Background()
	stamp := time.Now().UnixNano()
	post := func(i int, campaign, source string) {
		t.Helper()
		body := fmt.Sprintf(`{"email":"inv%d.%d@flood.example","company":"Flood Co","job_title":"CMO","company_size":"1000+","country":"DE","budget":"$100k","timeline":"this quarter",`+
			`"form_type":"demo_request","campaign":%q,"utm_source":%q}`, i, stamp, campaign, source)
		if r, err := capture.HTTP(ctx, jsonLead(body)); err != nil || r.StatusCode != 202 {
			t.Fatalf("capture %d: %d %v %s", i, r.StatusCode, err, r.Body)
		}
	}
	for i := range 7 { // a listed campaign, a new source each time
		post(i, "q4-demo", fmt.Sprintf("made-up-%d-%d", i, stamp))
	}
	for i := 7; i < 10; i++ { // invented campaigns, one source in three spellings
		post(i, fmt.Sprintf("invented-%d-%d", i, stamp), []string{"ads", " ADS", "Ads "}[i-7])
	}
	fire := func() {
		t.Helper()
		if err := tick.Event(ctx, tickEvent(fmt.Sprint(time.Now().UnixNano()))); err != nil {
			t.Fatal(err)
		}
	}
	fire()
	st := store.New(testenv.Clients(t).DynamoDB, table)
	held := map[string]int{}
	var heldIDs []string
	sent := 0
	for i := range 10 {
		l, err := st.LeadByEmail(ctx, lead.HashEmail(fmt.Sprintf("inv%d.%d@flood.example", i, stamp)))
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case l.Handoff.State == lead.HandoffSent:
			sent++
		case l.Handoff.Held != nil:
			held[l.Handoff.Held.Reason]++
			heldIDs = append(heldIDs, l.ID)
		default:
			t.Fatalf("lead %d: handoff %+v", i, l.Handoff)
		}
	}
	// q4-demo: 4 alerted, 3 held by its limit; invented: 2 alerted (one
	// source of the unlisted campaigns), 1 held by the source limit.
	if sent != 6 || held[lead.HeldCampaignLimit] != 3 || held[lead.HeldSourceLimit] != 1 {
		t.Fatalf("%d alerted, held %v; want 6 alerted, 3 by the campaign limit, 1 by the source limit", sent, held)
	}
	clock.add(2 * time.Hour)
	fire()
	summaries := waitMail(t, 2, func(e sesstore.Email) bool { // this run's: they list its held leads
		return strings.Contains(e.Subject, "[Alerts held]") && slices.ContainsFunc(heldIDs, func(id string) bool { return strings.Contains(e.Text, "Lead "+id) })
	})
	var campaignWide, unlisted bool
	for _, s := range summaries {
		switch {
		case strings.Contains(s.Subject, "3 hot leads from Q4 demo push — ops leaders (q4-demo) / all sources"):
			campaignWide = strings.Contains(s.Text, "the campaign, all its sources together, passed its limit of 4 alerts")
		case strings.Contains(s.Subject, "1 hot lead from campaigns not in the config / "):
			unlisted = strings.Contains(s.Text, "the source passed its limit of 2 alerts")
		}
		if strings.Contains(s.Subject, "invented-") || strings.Contains(s.Text, "invented-") {
			t.Fatalf("a summary repeats an invented campaign name: %s", s.Subject)
		}
	}
	if !campaignWide || !unlisted {
		for _, s := range summaries {
			t.Logf("%s\n%s", s.Subject, s.Text)
		}
		t.Fatalf("want a summary for q4-demo's campaign limit and one for the unlisted campaigns")
	}
}

// TestReleaseAllOutlastsTheWeekend: a script floods a campaign on a
// Friday afternoon; the team lead gets the summary of the held leads when
// the hour is over and opens its "release all" link on Monday morning.
// The link, and the window's list of held leads it releases, still work:
// they lasted a day, so a Friday's summary was dead by Saturday evening
// and its leads had to be released one link at a time.
func TestReleaseAllOutlastsTheWeekend(t *testing.T) {
	friday := time.Date(2031, 3, 14, 15, 10, 0, 0, time.UTC)
	clock := &clockAt{t: friday}
	env := map[string]string{"PUBLIC_BASE_URL": "https://leads.example.com", "ALERT_LIMIT": "1/1h", "ALERT_DEDUP_WINDOW": "24h"}
	capture, table, _ := buildAt(t, "capture", env, clock.now, "")
	tick, _, _ := buildAt(t, "nurture", env, clock.now, table)
	fb, _, _ := buildAt(t, "feedback", nil, clock.now, table)
	ctx := context.Background()
	stamp := time.Now().UnixNano()
	source := fmt.Sprintf("weekend%d", stamp)
	for i := range 3 {
		body := fmt.Sprintf(`{"email":"anon%d.%d@flood.example","company":"Flood Co","job_title":"CMO","company_size":"1000+","country":"DE","budget":"$100k",`+
			`"timeline":"this quarter","form_type":"demo_request","campaign":"q4-demo","utm_source":"%s"}`, i, stamp, source)
		if r, err := capture.HTTP(ctx, jsonLead(body)); err != nil || r.StatusCode != 202 {
			t.Fatalf("capture %d: %v %+v", i, err, r)
		}
	}
	clock.add(time.Hour)
	if err := tick.Event(ctx, tickEvent(fmt.Sprint("tick-", stamp))); err != nil {
		t.Fatal(err)
	}
	summaries := waitMail(t, 1, func(e sesstore.Email) bool {
		return strings.Contains(e.Subject, "[Alerts held]") && strings.Contains(e.Subject, source)
	})
	if len(summaries) != 1 {
		t.Fatalf("%d summaries", len(summaries))
	}
	all := regexp.MustCompile(`release all 2 hot leads: https://leads\.example\.com/feedback/([A-Za-z0-9_.-]+)`).FindStringSubmatch(summaries[0].Text)
	if all == nil {
		t.Fatalf("no release-all link in:\n%s", summaries[0].Text)
	}
	clock.add(time.Date(2031, 3, 17, 9, 0, 0, 0, time.UTC).Sub(clock.now())) // Monday morning
	ev := sampleEvent(t, "feedback-answer.json")
	ev.PathParameters = map[string]string{"token": all[1]}
	if r, err := fb.HTTP(ctx, ev); err != nil || r.StatusCode != 200 || !strings.Contains(r.Body, "Recorded: 2 alerts go to sales now.") {
		t.Fatalf("release all on Monday: %v %d\n%s", err, r.StatusCode, r.Body)
	}
}
