package runlog

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/leadflow/leadflow/shared/lead"
	"github.com/leadflow/leadflow/shared/links"
)

var t0 = time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)

func ana() *lead.Lead {
	return &lead.Lead{ID: "01LEAD", Submission: lead.Submission{Email: "ana@acme.example", Name: "Ana Lopez"}, Stage: lead.StageMQL,
		Qualification: &lead.Qualification{Grade: "A", Score: 40, Temperature: "hot"},
		Handoff:       &lead.Handoff{State: lead.HandoffSent, Rep: "ben@example.com", RepName: "Ben Wu", SentAt: t0, EscalatedTo: "lead@example.com"}}
}

// cameBack is ana() come back from stage from with the form just posted.
func cameBack(from lead.Stage) *lead.Lead {
	l := ana()
	l.Qualification.At = t0
	l.Returned = &lead.Return{At: t0, From: from, Left: t0.Add(-40 * 24 * time.Hour), Times: 1}
	return l
}

// accepted is ana() after Ben accepted it.
func accepted() *lead.Lead {
	l := ana()
	l.Stage, l.Handoff.State, l.Handoff.AnsweredBy = lead.StageSAL, lead.HandoffAnswered, "ben@example.com"
	l.Deal = &lead.Deal{AcceptedAt: t0, Rep: "ben@example.com"}
	return l
}

// sentBackBy is ana() sent back to nurturing by rep.
func sentBackBy(rep string) *lead.Lead {
	l := ana()
	l.Stage, l.Handoff = lead.StageNurturing, nil
	l.SentBack = &lead.SentBack{At: t0, Reason: "no_budget", Rep: rep, Times: 1}
	return l
}

// freshLinksFor is ana() after fresh alert links went to rep.
func freshLinksFor(rep string) *lead.Lead {
	l := ana()
	l.Handoff.FreshLinks = map[string]time.Time{links.RepRef(rep): t0}
	return l
}

func nurtured() *lead.Lead {
	return &lead.Lead{ID: "01COLD", Submission: lead.Submission{Email: "cole@corp.example"}, Stage: lead.StageNurturing,
		Nurture: &lead.Nurture{Sequence: "cold-education", Step: "s3", NextAt: t0.Add(48 * time.Hour),
			Sends: []lead.Send{{Sequence: "cold-education", Step: "s1", At: t0}, {Sequence: "cold-education", Step: "s2", At: t0.Add(time.Hour)}}},
		OptIn: &lead.ConsentRequest{SentAt: t0.Add(-time.Hour), Sends: 1}}
}

// exited is l as an event that took it out of its sequence for reason
// leaves it (the writer looks the lead up after the event).
func exited(l *lead.Lead, reason string) *lead.Lead {
	l.ExitNurture(reason)
	return l
}

func rec(t *testing.T, s string) Record {
	t.Helper()
	var r Record
	if err := json.Unmarshal([]byte(s), &r); err != nil {
		t.Fatalf("bad sample %s: %v", s, err)
	}
	return r
}

// TestLine renders sample records (taken from a `make run` session) into
// the lines a person reads, and keeps noise off the terminal.
func TestLine(t *testing.T) {
	for _, c := range []struct {
		name, rec string
		lead      *lead.Lead
		want      []string // all in the line, in order
		not       []string // none in the line
		none      bool     // no line at all
	}{
		{name: "hot lead captured", lead: ana(),
			rec:  `{"level":"INFO","msg":"capture","function":"capture","route":"POST /leads","status":303,"campaign":"q4-demo","outcome":"created","leadId":"01LEAD","confirmation":"sent","grade":"A","temperature":"hot","stage":"mql","handoff":"sent"}`,
			want: []string{"lead captured: ana@acme.example (Ana Lopez)", "campaign q4-demo", "grade A, hot, mql (score 40)", "alert sent to Ben Wu <ben@example.com>", "confirmation email sent, waiting for the click"}},
		{name: "lost lead came back", lead: cameBack(lead.StageLost),
			rec:  `{"level":"INFO","msg":"capture","function":"capture","route":"POST /leads","status":202,"campaign":"q4-demo","outcome":"merged","leadId":"01LEAD","grade":"A","temperature":"hot","stage":"mql","handoff":"sent"}`,
			want: []string{"returning lead: ana@acme.example (Ana Lopez)", "grade A, hot, mql (score 40)", "came back after its deal was lost", "alert sent to Ben Wu"}},
		{name: "opted-out lead came back", lead: cameBack(lead.StageUnsubscribed),
			rec:  `{"level":"INFO","msg":"capture","function":"capture","route":"POST /leads","status":202,"campaign":"q4-demo","outcome":"merged","leadId":"01LEAD","grade":"A","temperature":"hot","stage":"mql","handoff":"sent"}`,
			want: []string{"came back after it unsubscribed (it still gets no marketing email)", "alert sent to Ben Wu"}},
		{name: "came back before, a later post", lead: func() *lead.Lead { l := cameBack(lead.StageLost); l.Qualification.At = t0.Add(time.Hour); return l }(),
			rec:  `{"level":"INFO","msg":"capture","function":"capture","route":"POST /leads","status":202,"campaign":"q4-demo","outcome":"merged","leadId":"01LEAD","grade":"A","temperature":"hot","stage":"mql"}`,
			want: []string{"returning lead: ana@acme.example"}, not: []string{"came back"}},
		{name: "disqualified, lead not found",
			rec:  `{"level":"INFO","msg":"capture","route":"POST /leads","status":303,"campaign":"q4-demo","outcome":"created","leadId":"01X","grade":"D","temperature":"cold","stage":"disqualified","disqualified":"student"}`,
			want: []string{"lead captured: lead 01X", "grade D, cold, disqualified", "disqualified: student"}},
		{name: "returning lead, alert failed",
			rec:  `{"level":"INFO","msg":"capture","route":"POST /leads","status":202,"campaign":"webinar-nov","outcome":"merged","leadId":"01LEAD","grade":"B","temperature":"warm","stage":"nurturing","handoff":"","handoffError":"ses: throttled"}`,
			lead: ana(), want: []string{"returning lead: ana@acme.example", "alert not sent yet (ses: throttled): the schedule retries"}},
		{name: "invalid form", rec: `{"level":"WARN","msg":"capture","route":"POST /leads","status":400,"error":"invalid lead","fields":["email: required","consent: must be true"]}`,
			want: []string{"form refused (400): invalid lead (email: required; consent: must be true)"}},
		{name: "origin refused", rec: `{"level":"WARN","msg":"capture","status":403,"outcome":"origin_refused"}`, want: []string{"ALLOWED_ORIGINS"}},
		{name: "bot", rec: `{"level":"INFO","msg":"capture","route":"POST /leads","status":202,"outcome":"bot"}`, want: []string{"bot submission dropped"}},
		{name: "campaign page is no event", rec: `{"level":"INFO","msg":"campaign page","status":200,"campaign":"q4-demo"}`, none: true},
		{name: "nurture email", lead: nurtured(), rec: `{"level":"INFO","msg":"lead","function":"nurture","leadId":"01COLD","outcome":"sent"}`,
			want: []string{"nurture email sent to cole@corp.example (cold-education, step s2)"}},
		{name: "alert from the schedule", lead: ana(), rec: `{"level":"INFO","msg":"lead","function":"nurture","leadId":"01LEAD","outcome":"sent"}`,
			want: []string{"alert sent to Ben Wu <ben@example.com> about ana@acme.example (Ana Lopez)"}},
		{name: "sent, lead gone", rec: `{"level":"INFO","msg":"lead","leadId":"01GONE","outcome":"sent"}`, want: []string{"email sent for lead 01GONE"}},
		{name: "escalated", lead: ana(), rec: `{"level":"INFO","msg":"lead","leadId":"01LEAD","outcome":"escalated"}`,
			want: []string{"SLA missed for ana@acme.example", "escalation sent to lead@example.com"}},
		{name: "waiting is no event", rec: `{"level":"INFO","msg":"lead","leadId":"01COLD","outcome":"waiting"}`, none: true},
		{name: "segment export", rec: `{"level":"INFO","msg":"segment export","function":"segments","segment":"won-customers","matching":5,"exportable":4,"key":"segments/won-customers/2026-12-04.csv","bytes":266}`,
			want: []string{"segment won-customers exported: 5 matching leads, 4 in the customer list (segments/won-customers/2026-12-04.csv)"}},
		{name: "back-fill with a failed row", rec: `{"level":"INFO","msg":"outcomes","status":422,"rows":3,"recorded":2,"corrected":0,"already":0,"failed":1}`,
			want: []string{"outcomes back-fill: 3 rows, 2 recorded, 0 already recorded, 1 failed (the answer names each failed row's line and field)"}},
		{name: "back-fill refused", rec: `{"level":"WARN","msg":"outcomes","status":400,"error":"line 1: column \"stage\" appears twice"}`,
			want: []string{`outcomes back-fill refused (400): line 1: column "stage" appears twice`}},
		{name: "tick tally is no event", rec: `{"level":"INFO","msg":"tick","outcomes":{"busy":1},"errors":0}`, none: true},
		{name: "event out is no event", rec: `{"level":"INFO","msg":"event out","type":"lead.hot","leadId":"01LEAD"}`, none: true},
		{name: "accept", lead: accepted(), rec: `{"level":"INFO","msg":"feedback","status":200,"leadId":"01LEAD","action":"accept","outcome":"recorded","stage":"sal"}`,
			want: []string{"feedback: Ben Wu accepted ana@acme.example (Ana Lopez) → stage sal"}},
		{name: "accept by another rep", lead: accepted(), rec: `{"level":"INFO","msg":"feedback","status":200,"leadId":"01LEAD","action":"accept","outcome":"already","stage":"sal"}`,
			want: []string{"feedback: sales accepted ana@acme.example (Ana Lopez): already recorded, nothing changed"}},
		{name: "confirmation queued", lead: ana(), rec: `{"level":"INFO","msg":"capture","route":"POST /leads","status":303,"campaign":"q4-demo","outcome":"created","leadId":"01LEAD","confirmation":"busy"}`,
			want: []string{"confirmation email queued (the schedule sends it)"}},
		{name: "reject with reason", rec: `{"level":"INFO","msg":"feedback","status":200,"leadId":"01R","action":"reject","outcome":"recorded","stage":"rejected","reason":"not_icp"}`,
			want: []string{"feedback: sales rejected lead 01R (Not our ideal customer) → stage rejected"}},
		{name: "sent back by the team lead", lead: sentBackBy("lea@example.com"), rec: `{"level":"INFO","msg":"feedback","status":200,"leadId":"01LEAD","action":"reject","outcome":"recorded","stage":"nurturing","reason":"no_budget"}`,
			want: []string{"feedback: Lea Stone rejected ana@acme.example (Ana Lopez) (No budget yet) → stage nurturing"}},
		{name: "fresh links", lead: freshLinksFor("ben@example.com"), rec: `{"level":"INFO","msg":"feedback","status":200,"leadId":"01LEAD","outcome":"fresh_links_sent"}`,
			want: []string{"fresh alert links sent to Ben Wu for ana@acme.example (Ana Lopez)"}},
		{name: "fresh links pressed again", lead: freshLinksFor("ben@example.com"), rec: `{"level":"INFO","msg":"feedback","status":200,"leadId":"01LEAD","outcome":"fresh_links_already_sent"}`,
			want: []string{"fresh alert links not sent again (sent within the last 24 hours) for ana@acme.example (Ana Lopez)"}},
		{name: "superseded", rec: `{"level":"INFO","msg":"feedback","status":200,"leadId":"01R","action":"accept","outcome":"superseded","stage":"won"}`,
			want: []string{"superseded (stage is won), nothing changed"}},
		{name: "confirmed", lead: nurtured(), rec: `{"level":"INFO","msg":"optin","status":200,"leadId":"01COLD","outcome":"confirmed"}`,
			want: []string{"subscription confirmed by cole@corp.example"}},
		{name: "confirmation link after unsubscribing", lead: exited(nurtured(), "unsubscribed"), rec: `{"level":"INFO","msg":"optin","status":200,"leadId":"01COLD","outcome":"opted_out"}`,
			want: []string{"confirmation link used by cole@corp.example after it was unsubscribed (nothing changed)"}},
		{name: "confirmation link after erasure", rec: `{"level":"INFO","msg":"optin","status":200,"leadId":"01GONE","outcome":"erased"}`,
			want: []string{"confirmation link opened after the address was erased (nothing changed)"}},
		{name: "unsubscribed", lead: exited(nurtured(), "unsubscribed"), rec: `{"level":"INFO","msg":"unsubscribe","status":200,"leadId":"01COLD","outcome":"unsubscribed"}`,
			want: []string{"unsubscribed: cole@corp.example (suppressed; nurture stopped)"}},
		{name: "unsubscribed, in no sequence", lead: exited(nurtured(), "completed"), rec: `{"level":"INFO","msg":"unsubscribe","status":200,"leadId":"01COLD","outcome":"unsubscribed"}`,
			want: []string{"unsubscribed: cole@corp.example (suppressed)"}},
		{name: "hard bounce", lead: exited(nurtured(), "bounce"), rec: `{"level":"INFO","msg":"ses event","type":"Bounce","leadId":"01COLD","outcome":"suppressed_bounce"}`,
			want: []string{"hard bounce for cole@corp.example → suppressed, nurture stopped"}},
		// A lead that never confirmed its subscription was in no sequence:
		// the bounce stopped nothing.
		{name: "hard bounce, never nurtured", lead: &lead.Lead{ID: "01NEW", Submission: lead.Submission{Email: "mia@corp.example"}, Stage: lead.StageNurturing},
			rec:  `{"level":"INFO","msg":"ses event","type":"Bounce","leadId":"01NEW","outcome":"suppressed_bounce"}`,
			want: []string{"hard bounce for mia@corp.example → suppressed"}, not: []string{"nurture stopped"}},
		{name: "bounce, no lead", rec: `{"level":"INFO","msg":"ses event","type":"Bounce","leadId":"","outcome":"unknown_recipient"}`,
			want: []string{"bounce for an address no lead has: nothing changed"}},
		{name: "complaint", rec: `{"level":"INFO","msg":"ses event","type":"Complaint","leadId":"","outcome":"suppressed_complaint"}`,
			want: []string{"complaint from an unknown lead → unsubscribed and suppressed"}},
		{name: "complaint while with sales", lead: &lead.Lead{ID: "01HOT", Submission: lead.Submission{Email: "hal@corp.example"}, Stage: lead.StageMQL,
			Handoff: &lead.Handoff{State: lead.HandoffSent}, Suppressed: "complaint"},
			rec:  `{"level":"INFO","msg":"ses event","type":"Complaint","leadId":"01HOT","outcome":"suppressed_complaint"}`,
			want: []string{"complaint from hal@corp.example → suppressed, no more marketing email (it stays with sales, who still answer its alert)"},
			not:  []string{"unsubscribed"}},
		{name: "complaint after unsubscribing", lead: &lead.Lead{ID: "01OUT", Submission: lead.Submission{Email: "ola@corp.example"}, Stage: lead.StageUnsubscribed, Suppressed: "unsubscribe"},
			rec:  `{"level":"INFO","msg":"ses event","type":"Complaint","leadId":"01OUT","outcome":"complaint_recorded"}`,
			want: []string{"complaint from ola@corp.example: unsubscribed before, counted in its campaign's complaints"}},
		{name: "send event is no event", rec: `{"level":"INFO","msg":"ses event","type":"Send","outcome":"confirmed"}`, none: true},
		{name: "click hands off", lead: ana(), rec: `{"level":"INFO","msg":"click","status":302,"leadId":"01LEAD","outcome":"recorded+handoff_sent"}`,
			want: []string{"email link clicked by ana@acme.example", "(now grade A, score 40, hot)", "→ handed to sales (sent)"}},
		{name: "unknown error still shows", rec: `{"level":"ERROR","msg":"ses proxy: Send event not delivered","function":"local","error":"boom"}`,
			want: []string{"ERROR local: ses proxy: Send event not delivered: boom"}},
		{name: "unknown info hides", rec: `{"level":"INFO","msg":"something new","function":"local"}`, none: true},
		{name: "open-leads lists", rec: `{"level":"INFO","msg":"open leads","sent":3}`, want: []string{"weekly open-leads lists sent (3 emails, to reps and, for reps who left, their team leads)"}},
		{name: "open-leads list", rec: `{"level":"INFO","msg":"open leads","sent":1}`, want: []string{"weekly open-leads list sent (1 email)"}, not: []string{"emails"}},
		{name: "erased lead", lead: &lead.Lead{ID: "01E", Erased: true}, rec: `{"level":"INFO","msg":"lead","leadId":"01E","outcome":"suppressed"}`,
			want: []string{"email to an erased lead not sent: the address is suppressed"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := Line(rec(t, c.rec), c.lead)
			if c.none {
				if got != "" {
					t.Fatalf("want no line, got %q", got)
				}
				return
			}
			rest := got
			for _, w := range c.want {
				i := strings.Index(rest, w)
				if i < 0 {
					t.Fatalf("line %q lacks %q (in order)", got, w)
				}
				rest = rest[i+len(w):]
			}
			for _, w := range c.not {
				if strings.Contains(got, w) {
					t.Fatalf("line %q says %q", got, w)
				}
			}
			if strings.Contains(got, "%!") {
				t.Fatalf("format error in %q", got)
			}
		})
	}
}

type finder map[string]lead.Lead

func (f finder) Lead(_ context.Context, id string) (lead.Lead, error) {
	if l, ok := f[id]; ok {
		return l, nil
	}
	return lead.Lead{}, lead.ErrNotFound
}

func (f finder) LeadByEmail(_ context.Context, hash string) (lead.Lead, error) {
	for _, l := range f {
		if l.EmailHash == hash {
			return l, nil
		}
	}
	return lead.Lead{}, lead.ErrNotFound
}

// TestWriter: every line reaches the file byte for byte (no address is
// added to it), however the writes split it; the terminal gets the human
// lines only, or the raw log with verbose.
func TestWriter(t *testing.T) {
	l := *nurtured()
	l.EmailHash = "ab12"
	log := `{"time":"2026-12-03T10:00:00Z","level":"INFO","msg":"unsubscribe","status":200,"leadId":"01COLD","outcome":"unsubscribed"}
{"time":"2026-12-03T10:00:01Z","level":"INFO","msg":"event out","type":"lead.unsubscribed","leadId":"01COLD"}
{"time":"2026-12-03T10:00:02Z","level":"INFO","msg":"ses event","type":"Bounce","leadId":"01COLD","outcome":"already_suppressed"}
panic: not json
`
	for _, verbose := range []bool{false, true} {
		var file, term bytes.Buffer
		w := New(&file, &term, verbose, finder{"01COLD": l})
		for i := 0; i < len(log); i += 7 { // odd chunks: lines split across writes
			if _, err := w.Write([]byte(log[min(i, len(log)):min(i+7, len(log))])); err != nil {
				t.Fatal(err)
			}
		}
		w.Close()
		if file.String() != log {
			t.Fatalf("file got\n%s\nwant the log as written", file.String())
		}
		if strings.Contains(file.String(), "cole@corp.example") {
			t.Fatal("an address reached the log file")
		}
		if verbose {
			if term.String() != log {
				t.Fatalf("verbose terminal got\n%s", term.String())
			}
			continue
		}
		lines := strings.Split(strings.TrimSpace(term.String()), "\n")
		want := []string{"unsubscribed: cole@corp.example", "bounce for cole@corp.example: already suppressed", "panic: not json"}
		if len(lines) != len(want) {
			t.Fatalf("terminal got %d lines, want %d:\n%s", len(lines), len(want), term.String())
		}
		for i, w := range want {
			if !strings.Contains(lines[i], w) {
				t.Errorf("line %d %q lacks %q", i, lines[i], w)
			}
		}
	}
}

// TestLineTimes: a terminal line's time says its zone, and with a sped-up
// clock also the product's time, which the emails and make leads show.
func TestLineTimes(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	was := time.Local
	time.Local = berlin
	defer func() { time.Local = was }()
	l := *nurtured()
	log := `{"time":"2026-12-03T10:00:00Z","level":"INFO","msg":"unsubscribe","status":200,"leadId":"01COLD","outcome":"unsubscribed"}` + "\n"
	for _, tc := range []struct {
		product func(time.Time) time.Time
		want    string
	}{
		{nil, "11:00:00 CET  unsubscribed: "},
		{func(t time.Time) time.Time { return t.Add(36 * time.Hour) }, "11:00:00 CET (product time Fri 4 Dec 23:00 CET)  unsubscribed: "},
	} {
		var file, term bytes.Buffer
		w := New(&file, &term, false, finder{"01COLD": l})
		w.ProductClock(tc.product)
		if _, err := w.Write([]byte(log)); err != nil {
			t.Fatal(err)
		}
		w.Close()
		if !strings.HasPrefix(term.String(), tc.want) {
			t.Errorf("terminal got %q, want it to start %q", term.String(), tc.want)
		}
	}
}
