package handoff

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/leadflow/leadflow/shared/lead"
	"github.com/leadflow/leadflow/shared/mail"
)

// fakeLabels: "<campaign>/<key>" names a question, "<campaign>" a
// campaign, "<campaign>#<variant>" a variant's headline.
type fakeLabels map[string]string

func (m fakeLabels) AnswerLabel(campaign, key string) (string, bool) {
	l, ok := m[campaign+"/"+key]
	return l, ok
}

func (m fakeLabels) CampaignName(campaign string) (string, bool) {
	l, ok := m[campaign]
	return l, ok
}

func (m fakeLabels) VariantHeadline(campaign, variant string) (string, bool) {
	l, ok := m[campaign+"#"+variant]
	return l, ok
}

var q4Labels = fakeLabels{"q4": "Q4 demo push (q4)", "q4#a": "See it on your funnel", "q4/crm": "Which CRM do you use?"}

// describeCases are a sentence for every kind of timeline event, with
// the facts its writer records.
var describeCases = []struct {
	kind string
	data map[string]any
	want string
}{
	{lead.EventCaptured, map[string]any{"form_type": "demo_request", "source": lead.Attribution{Campaign: "q4"}},
		"Submitted a form (Demo request) via campaign Q4 demo push (q4)"},
	{lead.EventResubmitted, map[string]any{"form_type": "newsletter", "source": map[string]any{"campaign": "other"}},
		"Submitted a form again (Newsletter) via campaign other"},
	{lead.EventStage, map[string]any{"from": "new", "to": "mql", "by": "qualified"}, "Stage: New → Marketing qualified (MQL)"},
	{lead.EventOptOut, map[string]any{"reason": "no_consent", "by": "captured"}, "No longer receives marketing email: no marketing consent"},
	{lead.EventOptIn, map[string]any{"by": "optin_confirmed"}, "Receives marketing email from now on (consent given)"},
	{lead.EventErased, nil, "Personal data erased on request"},
	{"qualified", map[string]any{"grade": "A", "score": 40.0, "temperature": "hot", "from": "new", "to": "mql"}, "Scored: grade A, score 40 (hot)"},
	{"optin_sent", map[string]any{"message_id": "m1"}, "Sent the email asking to confirm marketing consent"},
	{"optin_confirmed", map[string]any{"text_version": "v1"}, "Confirmed marketing consent by email"},
	{"enrolled", map[string]any{"sequence": "welcome"}, "Started nurture sequence “welcome”"},
	{"nurture_exit", map[string]any{"sequence": "welcome", "reason": "handed_off"}, "Left nurture sequence “welcome” (Handed off)"},
	{"nurture_handoff", map[string]any{"sequence": "welcome", "step": "two"}, "Nurture handed the lead to sales"},
	{"nurture_email", map[string]any{"sequence": "welcome", "step": 2, "template": "case-study"},
		"Sent nurture email “case-study” (sequence “welcome”, step 2)"},
	{"unsubscribed", map[string]any{"one_click": true}, "Unsubscribed from marketing email"},
	{"email_click", map[string]any{"url": "https://example.com/pricing"}, "Clicked a link in an email: https://example.com/pricing"},
	{"scanner_click", map[string]any{"url": "https://example.com/pricing", "reason": "too_soon"}, "A mail scanner opened a link in an email (not counted): https://example.com/pricing"},
	{"email_open", map[string]any{"email": "welcome/one"}, "Opened an email"},
	{"page_view", map[string]any{"url": "https://example.com/pricing", "signal": "pricing_page_view"}, "Viewed https://example.com/pricing"},
	{"handoff", map[string]any{"rep": "ana@example.com"}, "Alert sent to ana@example.com"},
	{"sla_breach", map[string]any{"rep": "ana@example.com", "escalated_to": "lea@example.com"}, "No response in time: escalated to lea@example.com"},
	{"fresh_links", map[string]any{"rep": "ana@example.com"}, "Fresh alert links sent to ana@example.com"},
	{"email_refused", map[string]any{"job": "handoff", "reason": "rejected_by_ses", "times": 1, "until": "2026-11-23T09:05:00Z"},
		"An email could not be sent: SES rejected it; tried again from Mon 23 Nov 2026, 09:05 UTC"},
	{EventReturned, map[string]any{"rep": "ana@example.com", "escalated_to": "lea@example.com"},
		"Nobody answered the alert (to ana@example.com, escalated to lea@example.com) in time: back to nurturing"},
	{"alert_held", map[string]any{"reason": "source_limit"}, "Alert held for a summary (Source limit)"},
	{"alert_released", map[string]any{}, "Held alert released to sales"},
	{"outcome_reminder", map[string]any{"rep": "ana@example.com"}, "Asked ana@example.com for the outcome"},
	{"asked_again_notice", map[string]any{"rep": "ana@example.com"}, "Told ana@example.com, who holds its deal, that the lead asked again"},
	{"accepted", map[string]any{"rep": "r:abc"}, "Accepted by r:abc"},
	{"rejected", map[string]any{"reason": "not_icp", "label": "Not our ICP", "then": "disqualify"}, "Rejected by sales: Not our ICP"},
	{"sql", map[string]any{"rep": "r:abc"}, "Marked a sales qualified opportunity (SQL)"},
	{"won", map[string]any{"amount": 12500.0, "currency": "EUR"}, "Won: 12500 EUR"},
	{"won", map[string]any{"amount": 12500.0, "currency": "EUR", "sql_implied": true}, "Won: 12500 EUR (won straight after acceptance: counts as an SQL too)"},
	{"won", map[string]any{"sql_implied": false}, "Won"},
	{"deal_corrected", map[string]any{"amount": 14000.0, "currency": "EUR", "previous_amount": 12500.0, "previous_currency": "EUR"}, "Deal amount corrected: 12500 EUR → 14000 EUR"},
	{"deal_corrected", map[string]any{"amount": 9000.0, "currency": "EUR"}, "Deal amount set: 9000 EUR"},
	{"deal_corrected", map[string]any{"amount": 14000.0, "currency": "EUR", "previous_amount": 12500.0, "previous_currency": "EUR", "via": "L2", "deal_id": "opp-42"},
		"Deal amount corrected: 12500 EUR → 14000 EUR — through the lead L2, another contact of deal opp-42"},
	{"lost", map[string]any{"reason": "went with a competitor"}, "Lost: went with a competitor"},
	// Outcomes that reversed the deal's earlier one (a mis-click, a cancelled deal).
	{"lost", map[string]any{"corrects": "won", "previous_amount": 12500.0, "previous_currency": "EUR"},
		"Lost — instead of won (12500 EUR): the win is taken out of the reports"},
	{"lost", map[string]any{"reason": "refunded", "corrects": "won"}, "Lost: refunded — instead of won: the win is taken out of the reports"},
	{"won", map[string]any{"amount": 900.0, "currency": "EUR", "sql_implied": true, "corrects": "lost"},
		"Won: 900 EUR (won straight after acceptance: counts as an SQL too) — instead of lost: the loss is taken out of the reports"},
	// A deal lost at SAL and reopened, or its SQL delivered after the loss.
	{"sql", map[string]any{"corrects": "lost"}, "Marked a sales qualified opportunity (SQL) — reopened after it was lost: the loss is taken out of the reports"},
	{"sql", map[string]any{"before_close": true}, "Marked a sales qualified opportunity (SQL) — before the deal was lost (delivered late): the loss now closes this SQL"},
	// A contact of a CRM deal another lead counts.
	{"won", map[string]any{"deal_id": "opp-42", "counted_on": "L1"}, "Won — deal opp-42, counted with the lead L1 (another contact of it)"},
	{"lost", map[string]any{"reason": "no budget", "deal_id": "opp-42", "counted_on": "L1"}, "Lost: no budget — deal opp-42, counted with the lead L1 (another contact of it)"},
	{"lost", map[string]any{"reason": "cancelled", "deal_id": "opp-42", "corrects": "won", "via": "L2"},
		"Lost: cancelled — instead of won: the win is taken out of the reports — through the lead L2, another contact of deal opp-42"},
	{"deal_merged", map[string]any{"deal_id": "opp-42", "counted_on": "L1", "stage": "won", "previous_amount": 10000.0, "previous_currency": "EUR"},
		"Named a contact of deal opp-42, which counts on the lead L1 (closed first): this lead's own win (10000 EUR) is taken out of the reports"},
	{"deal_merged", map[string]any{"deal_id": "opp-42", "via": "L2", "stage": "won", "amount": 10000.0, "currency": "EUR"},
		"Deal opp-42 counts here once: the lead L2, another contact of it, closed before the CRM named the deal, and its win is taken out of the reports; the deal's amount, given only there, is 10000 EUR now"},
	{"deal_merged", map[string]any{"deal_id": "opp-42", "via": "L2", "stage": "lost"},
		"Deal opp-42 counts here once: the lead L2, another contact of it, closed before the CRM named the deal, and its loss is taken out of the reports"},
	{"bounced", map[string]any{"type": "Permanent"}, "An email bounced: the address no longer receives email"},
	{"soft_bounce", map[string]any{"type": "Transient", "count": 1}, "An email bounced temporarily"},
	{"complained", map[string]any{"feedback": "abuse"}, "Marked an email as spam: no more marketing email"},
}

// TestTimelineTimesInReadersZone: a time inside a timeline sentence (a
// held alert's release, a refused email's retry) is in the reader's zone,
// as the row's own time is, not in UTC beside it.
func TestTimelineTimesInReadersZone(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 11, 23, 9, 5, 0, 0, time.UTC)
	events := []lead.Event{
		{Kind: "email_refused", At: at, Data: map[string]any{"reason": "rejected_by_ses", "until": "2026-11-23T09:05:00Z"}},
		{Kind: "alert_held", At: at, Data: map[string]any{"reason": "source_limit", "retry_at": "2026-11-23T09:05:00Z"}},
	}
	want := []string{
		"An email could not be sent: SES rejected it; tried again from Mon 23 Nov 2026, 10:05 CET",
		"Alert held for a summary (Source limit); it goes to sales by itself from Mon 23 Nov 2026, 10:05 CET",
	}
	for i, e := range Timeline(events, nil, berlin) {
		if e.What != want[i] {
			t.Errorf("entry %d = %q, want %q", i, e.What, want[i])
		}
	}
}

// TestDescribeEveryEventKind: every kind of event renders a sentence,
// with and without its facts; every kind the lead package defines, and
// every kind any package writes, has a case above.
func TestDescribeEveryEventKind(t *testing.T) {
	covered := map[string]bool{}
	for _, tc := range describeCases {
		covered[tc.kind] = true
		t.Run(tc.kind, func(t *testing.T) {
			if got := Describe(lead.Event{Kind: tc.kind, Data: tc.data}, q4Labels); got != tc.want {
				t.Errorf("Describe = %q, want %q", got, tc.want)
			}
			if got := Describe(lead.Event{Kind: tc.kind}, nil); strings.TrimSpace(got) == "" || got == tc.kind {
				t.Errorf("without facts: %q", got)
			}
			if _, ok := describers[tc.kind]; !ok {
				t.Errorf("no describer: the sentence is a fallback")
			}
		})
	}
	for _, k := range []string{lead.EventCaptured, lead.EventResubmitted, lead.EventStage, lead.EventOptOut, lead.EventOptIn, lead.EventErased,
		string(lead.StageSQL), string(lead.StageWon), string(lead.StageLost)} {
		if !covered[k] {
			t.Errorf("event kind %q has no case", k)
		}
	}
	for k := range writtenKinds(t) {
		if !covered[k] {
			t.Errorf("event kind %q is written to timelines and has no case", k)
		}
	}
	if got := Describe(lead.Event{Kind: "brand_new_thing"}, nil); got != "Brand new thing" {
		t.Errorf("unknown kind = %q", got)
	}
}

// writtenKinds finds the event kinds the product's code writes: kind
// constants and literal kinds of lead.Event values and event helpers.
func writtenKinds(t *testing.T) map[string]bool {
	t.Helper()
	res := []*regexp.Regexp{
		regexp.MustCompile(`\bEvent[A-Z]\w*\s+=\s+"([a-z_]+)"`),
		regexp.MustCompile(`Event\{\{?At: [^,]+, Kind: "([a-z_]+)"`),
		regexp.MustCompile(`\bevent\((?:now, )?"([a-z_]+)"`),
	}
	kinds := map[string]bool{}
	err := filepath.WalkDir("..", func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return err
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, re := range res {
			for _, m := range re.FindAllSubmatch(src, -1) {
				kinds[string(m[1])] = true
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"captured", "qualified", "handoff", "nurture_email", "bounced", "optin_sent"} {
		if !kinds[k] {
			t.Fatalf("the scan found no %q: it is broken (found %v)", k, kinds)
		}
	}
	return kinds
}

// TestConsentInWords: consent given (confirmed, and when, in the
// reader's zone; single opt-in), asked and not confirmed yet, not given.
func TestConsentInWords(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 12, 3, 13, 5, 0, 0, time.UTC)
	for _, tc := range []struct {
		name string
		l    lead.Lead
		want string
	}{
		{"confirmed", lead.Lead{Submission: lead.Submission{Consent: lead.Consent{MarketingOptIn: true, Method: lead.ConsentByConfirmation, ConfirmedAt: at}}},
			"Yes (confirmed Thu 3 Dec 2026, 14:05 CET)"},
		{"single opt-in", lead.Lead{Submission: lead.Submission{Consent: lead.Consent{MarketingOptIn: true, Method: lead.ConsentBySingleOptIn}}},
			"Yes (single opt-in)"},
		{"asked", lead.Lead{OptIn: &lead.ConsentRequest{ID: "r1", RequestedAt: at}}, "Asked — waiting for the person to confirm by email"},
		{"asked, then unsubscribed", lead.Lead{OptIn: &lead.ConsentRequest{ID: "r1"}, Suppressed: "unsubscribe"}, "No (unsubscribed)"},
		{"not asked", lead.Lead{}, "No"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := ConsentText(&tc.l, berlin); got != tc.want {
				t.Errorf("ConsentText = %q, want %q", got, tc.want)
			}
			if got := Answers(&tc.l, nil, berlin); len(got) == 0 || got[len(got)-1] != (mail.KV{Key: "Marketing consent", Value: tc.want}) {
				t.Errorf("Answers = %+v", got)
			}
		})
	}
}

// TestSourceInWords: the source's labels are words, the campaign shows by
// name and the variant by headline; a lead with two touches shows both.
func TestSourceInWords(t *testing.T) {
	first := lead.Attribution{Campaign: "q4", Variant: "a", UTMSource: "linkedin", UTMMedium: "paid", LandingPage: "https://x.example/c/q4"}
	l := lead.Lead{FirstTouch: first, LastTouch: first, Touches: 1}
	want := []mail.KV{{Key: "Campaign", Value: "Q4 demo push (q4)"}, {Key: "Offer variant", Value: "“See it on your funnel” (a)"},
		{Key: "UTM source", Value: "linkedin"}, {Key: "UTM medium", Value: "paid"}, {Key: "Landing page", Value: "https://x.example/c/q4"}}
	if got := Source(&l, q4Labels); !slices.Equal(got, want) {
		t.Errorf("Source =\n%+v\nwant\n%+v", got, want)
	}
	// Unknown to the labels (or none): the ids, still under words.
	if got := Source(&l, nil); got[0] != (mail.KV{Key: "Campaign", Value: "q4"}) || got[1] != (mail.KV{Key: "Offer variant", Value: "a"}) {
		t.Errorf("Source without labels = %+v", got)
	}
	l.LastTouch, l.Touches = lead.Attribution{Campaign: "q4", Referrer: "https://news.example"}, 2
	got := Source(&l, q4Labels)
	for _, kv := range []mail.KV{{Key: "Campaign (first touch)", Value: "Q4 demo push (q4)"}, {Key: "Campaign (last touch)", Value: "Q4 demo push (q4)"},
		{Key: "Referrer (last touch)", Value: "https://news.example"}} {
		if !slices.Contains(got, kv) {
			t.Errorf("Source lacks %+v: %+v", kv, got)
		}
	}
}

// TestReasonsNameTheQuestion: a reason qualify located as being about an
// answer names the campaign's question; one whose text no longer matches
// its location, or whose campaign has no label for it, stays as it is.
func TestReasonsNameTheQuestion(t *testing.T) {
	l := lead.Lead{LastTouch: lead.Attribution{Campaign: "q4"}, Qualification: &lead.Qualification{Campaign: "q4",
		Reasons: []string{"using the rules of campaign q4", "+10 greenfield (answer crm in [None yet])", "+5 answer seats 25 at least 10", "answer crm"},
		AnswerReasons: []lead.AnswerReason{
			{Reason: 1, Answer: "crm", Head: "+10 greenfield (", Tail: " in [None yet])"},
			{Reason: 2, Answer: "seats", Head: "+5 ", Tail: " 25 at least 10"},
			{Reason: 3, Answer: "crm", Head: "x ", Tail: ""}, // not what reason 3 says
			{Reason: 9, Answer: "crm"},                       // out of range
		}}}
	want := []string{"using the rules of campaign Q4 demo push (q4)", "+10 greenfield (“Which CRM do you use?” in [None yet])",
		"+5 answer seats 25 at least 10", "answer crm"}
	if got := Reasons(&l, q4Labels); !slices.Equal(got, want) {
		t.Errorf("Reasons =\n%q\nwant\n%q", got, want)
	}
	if got := Reasons(&l, nil); !slices.Equal(got, l.Qualification.Reasons) {
		t.Errorf("Reasons without labels = %q", got)
	}
}

// TestAlertReadsInWords: the alert of a lead as capture stores it (form,
// qualification, stage change, consent asked) names the campaign,
// variant and questions, says the consent is awaited, and every
// timeline row is a sentence.
func TestAlertReadsInWords(t *testing.T) {
	f := newFixture(t)
	f.svc.Labels = q4Labels
	sub := lead.Submission{Email: "clara@bigcorp.example", Name: "Clara", Company: "BigCorp", JobTitle: "CMO", FormType: "demo_request",
		Answers: map[string]string{"crm": "HubSpot"}, Consent: lead.Consent{MarketingOptIn: true, At: f.now},
		Source: lead.Attribution{Campaign: "q4", Variant: "a", At: f.now}}
	l := lead.New("L1", sub)
	ch := lead.Change{At: f.now, Events: []lead.Event{lead.SubmissionEvent("e1", lead.EventCaptured, sub)}}
	l.AskConsent(sub.Consent, lead.ConsentDouble, true, "r1", f.now)
	l.AddSignal(lead.Signal{Kind: "form:demo_request", At: f.now})
	ch.Add(f.svc.Rules.Qualify(&l, f.now))
	l.Record(&ch)
	l.Version = 1
	if err := f.store.CreateLead(context.Background(), l, ch, nil); err != nil {
		t.Fatal(err)
	}
	if out, err := f.svc.Run(context.Background(), "L1", "w1", ""); err != nil || out != Sent {
		t.Fatalf("Run = %s, %v", out, err)
	}
	m := f.out.Sent()[0]
	for _, want := range []string{"Marketing consent: Asked — waiting for the person to confirm by email", "Campaign: Q4 demo push (q4)",
		"Offer variant: “See it on your funnel” (a)", "Which CRM do you use?: HubSpot",
		"Submitted a form (Demo request) via campaign Q4 demo push (q4)", "Scored: grade A", "Stage: New → Marketing qualified (MQL)"} {
		if !strings.Contains(m.Text, want) {
			t.Errorf("alert lacks %q", want)
		}
	}
	rows := strings.Split(m.Text[strings.Index(m.Text, "TIMELINE\n")+len("TIMELINE\n"):strings.Index(m.Text, "\n\n--")], "\n")
	if len(rows) != 3 {
		t.Errorf("timeline has %d rows, want 3: %q", len(rows), rows)
	}
	for _, r := range rows {
		// "  Mon 23 Nov 2026, 09:00 UTC  <sentence>"
		if parts := strings.SplitN(strings.TrimSpace(r), "UTC  ", 2); len(parts) != 2 || len(strings.Fields(parts[1])) < 2 {
			t.Errorf("timeline row is not a sentence: %q", r)
		}
	}
	for _, bad := range []string{"\n  campaign: ", "\n  variant: ", "\n  landing page: ", "Marketing consent: no", "answer crm"} {
		if strings.Contains(m.Text, bad) {
			t.Errorf("alert shows %q", bad)
		}
	}
	if t.Failed() {
		t.Log(m.Text)
	}
}

// TestAnswersOfALeadOfNoCampaign: a lead of no campaign (the landing
// page, the site's own form) shows its answers and the reasons about them
// under the label the campaign files give the question, not its key
// humanised ("Crm"); campaign.Set answers campaign "" that way.
func TestAnswersOfALeadOfNoCampaign(t *testing.T) {
	labels := fakeLabels{"/crm": "Which CRM do you use?", "q4/crm": "Which CRM do you use?"}
	l := lead.Lead{Submission: lead.Submission{Answers: map[string]string{"crm": "HubSpot", "team_size": "12"}},
		Qualification: &lead.Qualification{Reasons: []string{"+10 greenfield (answer crm in [HubSpot])"},
			AnswerReasons: []lead.AnswerReason{{Reason: 0, Answer: "crm", Head: "+10 greenfield (", Tail: " in [HubSpot])"}}}}
	got := Answers(&l, labels, nil)
	for _, kv := range []mail.KV{{Key: "Which CRM do you use?", Value: "HubSpot"}, {Key: "Team size", Value: "12"}} {
		if !slices.Contains(got, kv) {
			t.Errorf("Answers lacks %+v: %+v", kv, got)
		}
	}
	if got := Reasons(&l, labels); !slices.Equal(got, []string{"+10 greenfield (“Which CRM do you use?” in [HubSpot])"}) {
		t.Errorf("Reasons = %q", got)
	}
	// A lead of a campaign that does not ask it keeps the key in words.
	l.LastTouch.Campaign = "webinar"
	if got := Answers(&l, labels, nil); !slices.Contains(got, mail.KV{Key: "Crm", Value: "HubSpot"}) {
		t.Errorf("Answers of a campaign without the question = %+v", got)
	}
}
