package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/leadflow/leadflow/local/testenv"
	"github.com/leadflow/leadflow/shared/links"
	"github.com/leadflow/leadflow/shared/publish"
	"github.com/leadflow/leadflow/shared/token"
)

// TestEveryStageChangeIsPublishedOnce walks leads through every stage
// transition with the real handlers (capture, feedback, unsubscribe, SES
// events, erasure) and asserts, per lead, the exact events that reach the
// bus through the table's stream: one per stage change or opt-out, none
// twice (by event id), each with the stage it names.
func TestEveryStageChangeIsPublishedOnce(t *testing.T) {
	capture, table, _ := build(t, "capture", nil)
	fb, _, _ := buildAt(t, "feedback", nil, testenv.Clock(t), table)
	unsub, _, _ := buildAt(t, "unsubscribe", nil, testenv.Clock(t), table)
	ses, _, _ := buildAt(t, "sesevents", nil, testenv.Clock(t), table)
	admin, _, _ := buildAt(t, "privacy", nil, testenv.Clock(t), table)
	bus := publishing(t, table)
	ctx := context.Background()
	keys, _ := token.ParseKeys(testKeys)
	run := fmt.Sprint(time.Now().UnixNano())

	post := func(body string) (id, email string) {
		t.Helper()
		var in struct{ Email string }
		_ = json.Unmarshal([]byte(body), &in)
		resp, err := capture.HTTP(ctx, jsonLead(body))
		created := struct{ ID string }{capturedID(t, table, in.Email)}
		if err != nil || resp.StatusCode/100 != 2 || created.ID == "" {
			t.Fatalf("capture: %v %d %s", err, resp.StatusCode, resp.Body)
		}
		return created.ID, in.Email
	}
	answer := func(id, action, extra string) {
		t.Helper()
		ev := sampleEvent(t, "feedback-answer.json")
		ev.PathParameters = map[string]string{"token": links.FeedbackToken(keys, id, action, extra, time.Time{}, testenv.Now(t).Add(time.Hour))}
		if r, err := fb.HTTP(ctx, ev); err != nil || r.StatusCode != 200 || !strings.Contains(r.Body, "Recorded") {
			t.Fatalf("%s %s: %v %d %s", action, extra, err, r.StatusCode, r.Body)
		}
	}
	mail := func(file, id, email string) {
		t.Helper()
		if err := ses.Event(ctx, sesEvent(t, file, email, id, "m-"+id)); err != nil {
			t.Fatal(err)
		}
	}
	addr := func(name string) string { return name + "." + run + "@bigcorp.example" }

	want := map[string][]string{}
	// Forms a known lead posts again are published too (lead.resubmitted),
	// in the same write as the stage change they may cause: counted per
	// lead, apart from the ordered stage changes.
	resubmitted := map[string]int{}
	// Hot, sent back ("no budget"), hot again on a new demo request,
	// accepted, SQL, won.
	a, aMail := post(hotBody(addr("a"), "1000+"))
	answer(a, links.ActionReject, "no_budget")
	post(hotBody(aMail, "1000+"))
	resubmitted[a]++
	answer(a, links.ActionAccept, "")
	answer(a, links.ActionSQL, "")
	answer(a, links.ActionWon, "")
	// The customer writes again: no stage change, the form alone is
	// published.
	post(strings.Replace(hotBody(aMail, "1000+"), "demo_request", "contact", 1))
	resubmitted[a]++
	want[a] = []string{"lead.captured", "lead.hot", "lead.rejected:nurturing", "lead.hot", "lead.accepted", "lead.sql", "lead.won"}
	// Hot, accepted, lost; then it comes back with a new demo request.
	b, bMail := post(hotBody(addr("b"), "1000+"))
	answer(b, links.ActionAccept, "")
	answer(b, links.ActionLost, "")
	post(hotBody(bMail, "1000+"))
	resubmitted[b]++
	want[b] = []string{"lead.captured", "lead.hot", "lead.accepted", "lead.lost", "lead.hot"}
	// Hot, rejected as not our customer.
	c, _ := post(hotBody(addr("c"), "1000+"))
	answer(c, links.ActionReject, "not_icp")
	want[c] = []string{"lead.captured", "lead.hot", "lead.rejected:rejected"}
	// Nurtured, then a complaint; another bounces; another unsubscribes.
	d, dMail := post(coldBody(addr("d")))
	mail("ses-complaint.json", d, dMail)
	want[d] = []string{"lead.captured", "lead.nurturing", "lead.unsubscribed:complaint"}
	e, eMail := post(coldBody(addr("e")))
	mail("ses-bounce-permanent.json", e, eMail)
	want[e] = []string{"lead.captured", "lead.nurturing", "lead.unsubscribed:bounce"}
	f, _ := post(coldBody(addr("f")))
	ev := sampleEvent(t, "unsubscribe-oneclick.json")
	u := links.Unsubscribe(keys, "https://x.example", f, testenv.Now(t))
	ev.PathParameters = map[string]string{"token": u[strings.LastIndex(u, "/")+1:]}
	if r, err := unsub.HTTP(ctx, ev); err != nil || r.StatusCode != 200 {
		t.Fatalf("unsubscribe: %v %+v", err, r)
	}
	want[f] = []string{"lead.captured", "lead.nurturing", "lead.unsubscribed:unsubscribe"}
	// A job seeker: disqualified at capture. A lead erased on request.
	g, _ := post(`{"email":"` + addr("g") + `","company":"None","company_size":"1-10","message":"Any vacancy in marketing? My CV is attached.","campaign":"q4-demo"}`)
	want[g] = []string{"lead.captured", "lead.disqualified"}
	h, hMail := post(coldBody(addr("h")))
	if r, err := admin.HTTP(ctx, adminRequest("POST /admin/erase", `{"email":"`+hMail+`"}`)); err != nil || r.StatusCode != 200 {
		t.Fatalf("erase: %v %+v", err, r)
	}
	want[h] = []string{"lead.captured", "lead.nurturing", "lead.erased"}
	// Hot and alerted, then an opt-out from marketing email (the
	// one-click link of an earlier email; a spam complaint) while sales
	// has not answered: the opt-out is published, and the hand-off stays
	// sales' to answer.
	i, _ := post(hotBody(addr("i"), "1000+"))
	ev = sampleEvent(t, "unsubscribe-oneclick.json")
	u = links.Unsubscribe(keys, "https://x.example", i, testenv.Now(t))
	ev.PathParameters = map[string]string{"token": u[strings.LastIndex(u, "/")+1:]}
	if r, err := unsub.HTTP(ctx, ev); err != nil || r.StatusCode != 200 {
		t.Fatalf("unsubscribe: %v %+v", err, r)
	}
	answer(i, links.ActionAccept, "")
	want[i] = []string{"lead.captured", "lead.hot", "lead.unsubscribed:unsubscribe", "lead.accepted"}
	j, jMail := post(hotBody(addr("j"), "1000+"))
	mail("ses-complaint.json", j, jMail)
	answer(j, links.ActionReject, "no_budget")
	// Sent back to marketing, it is what its opt-out made it: unsubscribed.
	want[j] = []string{"lead.captured", "lead.hot", "lead.unsubscribed:complaint", "lead.rejected:unsubscribed"}

	total := 0
	for id, w := range want {
		total += len(w) + resubmitted[id]
	}
	// Everything the stream holds reaches the bus, then we look: a
	// duplicate or an extra event is there by now.
	bus.settle(t, func() bool {
		n := 0
		for _, e := range bus.Events() {
			var d publish.Detail
			if json.Unmarshal(e.Detail, &d) == nil && want[d.LeadID] != nil {
				n++
			}
		}
		return n >= total
	})
	got := map[string][]string{}
	seen := map[string]int{}
	n := 0
	for _, e := range bus.Events() {
		var d publish.Detail
		if err := json.Unmarshal(e.Detail, &d); err != nil || d.Version != publish.SchemaVersion {
			t.Fatalf("detail %s: %v", e.Detail, err)
		}
		if _, ours := want[d.LeadID]; !ours {
			continue
		}
		seen[d.EventID]++
		n++
		name := e.DetailType
		switch e.DetailType {
		case "lead.resubmitted":
			resubmitted[d.LeadID]--
			continue
		case "lead.rejected":
			name += ":" + fmt.Sprint(d.Data["to"])
		case "lead.unsubscribed":
			name += ":" + fmt.Sprint(d.Data["reason"])
		}
		got[d.LeadID] = append(got[d.LeadID], name)
	}
	if n != total {
		t.Errorf("%d events published for these leads, want %d", n, total)
	}
	for id, n := range resubmitted {
		if n != 0 {
			t.Errorf("lead %s: %d resubmissions published more or fewer than posted", id, n)
		}
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("event %s published %d times", id, n)
		}
	}
	for id, w := range want {
		if fmt.Sprint(got[id]) != fmt.Sprint(w) {
			t.Errorf("lead %s: published %v\n  want %v", id, got[id], w)
		}
	}

}
