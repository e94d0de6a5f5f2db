package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"

	"github.com/leadflow/leadflow/local/faults"
	"github.com/leadflow/leadflow/local/testenv"
	"github.com/leadflow/leadflow/shared/app"
	"github.com/leadflow/leadflow/shared/awsclients"
	"github.com/leadflow/leadflow/shared/links"
	"github.com/leadflow/leadflow/shared/publish"
	"github.com/leadflow/leadflow/shared/store"
	"github.com/leadflow/leadflow/shared/token"
)

// TestADealOfTwoContactsInReports: a CRM deal whose two contacts are
// leads of two campaigns sends its won, with the deal's amount, for each
// contact — each delivered twice — and then a correction through the
// second contact. The report counts the deal once: one win and its
// amount, on the campaign of the contact whose win was recorded first.
func TestADealOfTwoContactsInReports(t *testing.T) {
	capture, table, _ := build(t, "capture", nil)
	fb, _, _ := buildAt(t, "feedback", nil, testenv.Clock(t), table)
	reports, _, _ := buildAt(t, "reports", map[string]string{"PUBLIC_BASE_URL": "https://leads.example.com"}, testenv.Clock(t), table)
	ctx := context.Background()
	stamp := time.Now().UnixNano()
	hot := func(name, campaign string) string {
		return acceptedHotLead(t, capture, fb, table, fmt.Sprintf("%s.%d@bigcorp.example", name, stamp), campaign)
	}
	crm := func(detail, eventID string) {
		t.Helper()
		ev := crmEvent(t, detail)
		ev.ID = eventID
		if err := fb.Event(ctx, ev); err != nil {
			t.Fatal(err)
		}
	}
	first, second := hot("first", "gamma"), hot("second", "delta")
	for range 2 {
		crm(`{"lead_id":"`+first+`","stage":"Closed Won","amount":"10,000","deal_id":"opp-42"}`, "bus-first")
		crm(`{"lead_id":"`+second+`","stage":"Closed Won","amount":"10,000","deal_id":"opp-42"}`, "bus-second")
	}
	crm(`{"lead_id":"`+second+`","stage":"won","amount":12000,"deal_id":"opp-42"}`, "bus-fix")
	st := store.New(testenv.Clients(t).DynamoDB, table)
	if l, _ := st.Lead(ctx, first); l.Deal == nil || l.Deal.Amount != 12000 || l.Deal.ID != "opp-42" {
		t.Fatalf("the first contact's deal: %+v", l.Deal)
	}
	if l, _ := st.Lead(ctx, second); l.Deal == nil || l.Deal.CountedOn != first || l.Stage != "won" {
		t.Fatalf("the second contact: %s, deal %+v", l.Stage, l.Deal)
	}
	testenv.Settle(t, table)

	rows, col := reportCSV(t, reports)
	checkRows(t, "", rows, col, "variant", []string{"sql", "won", "revenue", "won_with_amount"}, map[string]string{
		"campaign/gamma/": "1 1 12000 1",
		"campaign/delta/": "0 0 0 0", // accepted, and won on the deal gamma counts: no SQL or win of its own
	})
}

// acceptedHotLead captures a hot demo request from email for campaign
// and accepts it as Ana through the feedback function: a lead at SAL,
// ready for its CRM outcomes. It returns the lead's id.
func acceptedHotLead(t *testing.T, capture, fb app.Handlers, table, email, campaign string) string {
	t.Helper()
	ctx := context.Background()
	keys, _ := token.ParseKeys(testKeys)
	body := fmt.Sprintf(`{"email":%q,"name":"Hot","company":"BigCorp","job_title":"CMO","company_size":"1000+","country":"DE","budget":"$100k","timeline":"this quarter","form_type":"demo_request","campaign":%q}`, email, campaign)
	if r, err := capture.HTTP(ctx, jsonLead(body)); err != nil || r.StatusCode != 202 {
		t.Fatalf("capture: %v %+v", err, r)
	}
	id := capturedID(t, table, email)
	ev := sampleEvent(t, "feedback-answer.json")
	ev.PathParameters = map[string]string{"token": keys.Sign(token.Claims{Action: links.ActionAccept, Subject: id, Extra: "ana@example.com", Expires: testenv.Now(t).Add(time.Hour)})}
	ev.Body, ev.IsBase64Encoded = "", false
	if r, err := fb.HTTP(ctx, ev); err != nil || r.StatusCode != 200 {
		t.Fatalf("accept %s: %v %d %s", id, err, r.StatusCode, r.Body)
	}
	return id
}

// TestAWonAmountThroughTheOtherContactsPage: a CRM deal of two contacts
// counts on the first; Ana opens the second contact's won link, which
// offers the amount and says where the deal counts, and types the
// signed amount. It corrects the deal on the first contact (its timeline
// says through which contact), once however often the form is posted,
// and the report's revenue is the new amount, counted once.
func TestAWonAmountThroughTheOtherContactsPage(t *testing.T) {
	capture, table, _ := build(t, "capture", nil)
	fb, _, _ := buildAt(t, "feedback", nil, testenv.Clock(t), table)
	reports, _, _ := buildAt(t, "reports", map[string]string{"PUBLIC_BASE_URL": "https://leads.example.com"}, testenv.Clock(t), table)
	ctx := context.Background()
	first, second := twoContactsWon(t, capture, fb, table, "opp-7", "eta", "theta")
	keys, _ := token.ParseKeys(testKeys)
	tok := links.FeedbackToken(keys, second, links.ActionWon, "ana@example.com", testenv.Now(t), testenv.Now(t).Add(time.Hour))
	page := func(method, form string) string {
		t.Helper()
		ev := sampleEvent(t, "feedback-answer.json")
		ev.RouteKey, ev.RequestContext.HTTP.Method = method+" /feedback/{token}", method
		ev.PathParameters = map[string]string{"token": tok}
		ev.Body, ev.IsBase64Encoded = form, false
		r, err := fb.HTTP(ctx, ev)
		if err != nil || r.StatusCode != 200 {
			t.Fatalf("%s: %v %d %s", method, err, r.StatusCode, r.Body)
		}
		return html.UnescapeString(r.Body)
	}
	if p := page("GET", ""); !strings.Contains(p, `name="amount"`) || !strings.Contains(p, "another contact of CRM deal opp-7: an amount entered here corrects the deal's amount there.") {
		t.Fatalf("the second contact's won page:\n%s", p)
	}
	if p := page("POST", "amount=12500&currency=EUR"); !strings.Contains(p, "Recorded: the deal's amount is now 12,500.00 EUR (was 10,000.00 EUR)") {
		t.Fatalf("posted:\n%s", p)
	}
	if p := page("POST", "amount=12500&currency=EUR"); !strings.Contains(p, "The deal's amount is already 12,500.00 EUR") {
		t.Fatalf("posted again:\n%s", p)
	}
	st := store.New(testenv.Clients(t).DynamoDB, table)
	if l, _ := st.Lead(ctx, first); l.Deal == nil || l.Deal.Amount != 12500 {
		t.Fatalf("the counting contact's deal: %+v", l.Deal)
	}
	tl, err := st.Timeline(ctx, first)
	if err != nil {
		t.Fatal(err)
	}
	var through int
	for _, e := range tl {
		if e.Kind == "deal_corrected" && e.Data["via"] == second && e.Data["rep"] == "ana@example.com" {
			through++
		}
	}
	if through != 1 {
		t.Fatalf("corrections through the second contact on the first's timeline: %d, want 1: %+v", through, tl)
	}
	testenv.Settle(t, table)
	rows, col := reportCSV(t, reports)
	checkRows(t, "", rows, col, "variant", []string{"won", "revenue", "won_with_amount"}, map[string]string{"campaign/eta/": "1 12500 1", "campaign/theta/": "0 0 0"})
}

// TestAnOlderAmountThroughTheOtherContactDeliveredLate: the CRM corrects
// a deal of two contacts twice through its second contact, and the bus
// delivers the newer correction first (a retry of the older one comes
// late). The deal keeps the newer amount; the older is dropped.
func TestAnOlderAmountThroughTheOtherContactDeliveredLate(t *testing.T) {
	capture, table, _ := build(t, "capture", nil)
	fb, _, _ := buildAt(t, "feedback", nil, testenv.Clock(t), table)
	ctx := context.Background()
	stamp := time.Now().UnixNano()
	first := acceptedHotLead(t, capture, fb, table, fmt.Sprintf("first.%d@bigcorp.example", stamp), "iota")
	second := acceptedHotLead(t, capture, fb, table, fmt.Sprintf("second.%d@bigcorp.example", stamp), "kappa")
	sent := testenv.Now(t).Add(-time.Hour).Truncate(time.Second)
	crm := func(id string, amount int, at time.Time, eventID string) {
		t.Helper()
		ev := crmEvent(t, fmt.Sprintf(`{"lead_id":%q,"stage":"won","amount":%d,"deal_id":"opp-9"}`, id, amount))
		ev.ID, ev.Time = eventID, at
		if err := fb.Event(ctx, ev); err != nil {
			t.Fatal(err)
		}
	}
	crm(first, 10000, sent, "bus-won-1")
	crm(second, 10000, sent, "bus-won-2")
	crm(second, 15000, sent.Add(2*time.Minute), "bus-fix-new")
	crm(second, 12000, sent.Add(time.Minute), "bus-fix-old") // delivered last
	st := store.New(testenv.Clients(t).DynamoDB, table)
	if l, _ := st.Lead(ctx, first); l.Deal == nil || l.Deal.Amount != 15000 || !l.Deal.AmountSentAt.Equal(sent.Add(2*time.Minute)) {
		t.Fatalf("the deal: %+v; want 15000, sent %s", l.Deal, sent.Add(2*time.Minute))
	}
}

// twoContactsWon is a CRM deal of two contacts, each an accepted hot
// lead (campaigns a, b), won through both at 10,000: it counts on the
// first.
func twoContactsWon(t *testing.T, capture, fb app.Handlers, table, dealID, a, b string) (first, second string) {
	t.Helper()
	stamp := time.Now().UnixNano()
	first = acceptedHotLead(t, capture, fb, table, fmt.Sprintf("first.%d@bigcorp.example", stamp), a)
	second = acceptedHotLead(t, capture, fb, table, fmt.Sprintf("second.%d@bigcorp.example", stamp), b)
	for _, id := range []string{first, second} {
		ev := crmEvent(t, `{"lead_id":"`+id+`","stage":"won","amount":10000,"deal_id":"`+dealID+`"}`)
		ev.ID = "bus-" + id
		if err := fb.Event(context.Background(), ev); err != nil {
			t.Fatal(err)
		}
	}
	return first, second
}

// TestLostInsteadOnTheOtherContactsPage: the won deal of two contacts
// counts on the first; Ana presses "Lost instead" on the second's page.
// The deal is reversed on the first too (its timeline says through which
// contact), so the win the page says leaves the reports does.
func TestLostInsteadOnTheOtherContactsPage(t *testing.T) {
	capture, table, _ := build(t, "capture", nil)
	fb, _, _ := buildAt(t, "feedback", nil, testenv.Clock(t), table)
	ctx := context.Background()
	first, second := twoContactsWon(t, capture, fb, table, "opp-11", "lambda", "mu")
	keys, _ := token.ParseKeys(testKeys)
	ev := sampleEvent(t, "feedback-answer.json")
	ev.PathParameters = map[string]string{"token": links.FeedbackToken(keys, second, links.ActionLost, "ana@example.com", testenv.Now(t), testenv.Now(t).Add(time.Hour))}
	ev.Body, ev.IsBase64Encoded = "comment=cancelled", false
	if r, err := fb.HTTP(ctx, ev); err != nil || r.StatusCode != 200 || !strings.Contains(html.UnescapeString(r.Body), "The win and its revenue are taken out of the reports, on the lead of") {
		t.Fatalf("lost instead: %v %d %s", err, r.StatusCode, r.Body)
	}
	st := store.New(testenv.Clients(t).DynamoDB, table)
	l, _ := st.Lead(ctx, first)
	if l.Stage != "lost" || l.Deal == nil || l.Deal.Amount != 0 {
		t.Fatalf("the counting contact: %s, %+v", l.Stage, l.Deal)
	}
	tl, _ := st.Timeline(ctx, first)
	through := 0
	for _, e := range tl {
		if e.Kind == "lost" && e.Data["via"] == second && e.Data["reason"] == "cancelled" {
			through++
		}
	}
	if through != 1 {
		t.Fatalf("the counting contact's lost events through the second: %d, want 1", through)
	}
}

// TestLostInsteadThroughTheOtherContactWhenTheHolderWriteFails: the won
// deal of two contacts counts on the first; Ana presses "Lost instead" on
// the second's page, and the write that reverses the deal on the first
// fails (DynamoDB throttles it). The second contact's own reversal is
// written, so her retry used to find it "already" lost and the first
// stayed won: the reports kept a cancelled deal's win and revenue. The
// retry finishes the reversal where the deal counts, once: the report's
// rows read one lost deal and no win or revenue, and pressing again
// changes nothing.
func TestLostInsteadThroughTheOtherContactWhenTheHolderWriteFails(t *testing.T) {
	capture, table, _ := build(t, "capture", nil)
	fb, _, _ := buildAt(t, "feedback", nil, testenv.Clock(t), table)
	reports, _, _ := buildAt(t, "reports", map[string]string{"PUBLIC_BASE_URL": "https://leads.example.com"}, testenv.Clock(t), table)
	ctx := context.Background()
	first, second := twoContactsWon(t, capture, fb, table, "opp-13", "nu", "xi")

	// The same function, whose writes of the first contact fail while
	// failing is set: every attempt, the SDK's own retries too.
	var mu sync.Mutex
	failing := true
	inj := faults.New(&faults.Rule{Operation: "TransactWriteItems", Count: -1,
		Err:  &smithy.GenericAPIError{Code: "ThrottlingException", Message: "injected"},
		When: func() bool { mu.Lock(); defer mu.Unlock(); return failing },
		Match: func(in any) bool {
			for _, it := range in.(*dynamodb.TransactWriteItemsInput).TransactItems {
				if it.Put != nil {
					if pk, ok := it.Put.Item["PK"].(*types.AttributeValueMemberS); ok && pk.Value == "LEAD#"+first {
						return true
					}
				}
			}
			return false
		}})
	faulty, _, _ := buildWith(t, "feedback", nil, testenv.Clock(t), table, withFaults("feedback", inj))

	keys, _ := token.ParseKeys(testKeys)
	lost := func() (int, string) {
		t.Helper()
		ev := sampleEvent(t, "feedback-answer.json")
		ev.PathParameters = map[string]string{"token": links.FeedbackToken(keys, second, links.ActionLost, "ana@example.com", testenv.Now(t), testenv.Now(t).Add(time.Hour))}
		ev.Body, ev.IsBase64Encoded = "comment=cancelled", false
		r, err := faulty.HTTP(ctx, ev)
		if err != nil {
			t.Fatal(err)
		}
		return r.StatusCode, html.UnescapeString(r.Body)
	}
	st := store.New(testenv.Clients(t).DynamoDB, table)
	stage := func(id string) string {
		t.Helper()
		l, err := st.Lead(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		return string(l.Stage)
	}
	if code, body := lost(); code != 500 || !strings.Contains(body, "Please try again") {
		t.Fatalf("lost instead, the first contact's write failing: %d\n%s", code, body)
	}
	if _, failed := inj.Counts("TransactWriteItems"); failed == 0 || stage(second) != "lost" || stage(first) != "won" {
		t.Fatalf("fixture: %d failed writes, the second %s, the first %s; want the first's write failed after the second's",
			failed, stage(second), stage(first))
	}
	mu.Lock()
	failing = false
	mu.Unlock()
	for i, want := range []string{"The win and its revenue are taken out of the reports, on the lead of", "This was already recorded; nothing changed."} {
		if code, body := lost(); code != 200 || !strings.Contains(body, want) {
			t.Fatalf("retry %d: %d, want %q in\n%s", i+1, code, want, body)
		}
	}
	if stage(first) != "lost" {
		t.Fatalf("after the retry the first contact is %s, want lost", stage(first))
	}
	tl, _ := st.Timeline(ctx, first)
	through := 0
	for _, e := range tl {
		if e.Kind == "lost" && e.Data["via"] == second {
			through++
		}
	}
	if through != 1 {
		t.Fatalf("the first contact's lost events through the second: %d, want 1", through)
	}
	if l, _ := st.Lead(ctx, second); l.Deal == nil || l.Deal.Owed != nil {
		t.Fatalf("the second contact still owes its deal a reversal: %+v", l.Deal)
	}
	testenv.Settle(t, table)
	rows, col := reportCSV(t, reports)
	checkRows(t, "", rows, col, "variant", []string{"won", "lost", "revenue", "won_with_amount"}, map[string]string{
		"campaign/nu/": "0 1 0 0", // the deal counted here: its win out, its loss in, once
		"campaign/xi/": "0 0 0 0",
	})
}

// withFaults is the clients of function name (recordIAM's) with inj's
// faults injected into every AWS call.
func withFaults(name string, inj *faults.Injector) awsclients.Service {
	return func(b awsclients.Base, c *awsclients.Clients) {
		b.Config.APIOptions = append(slices.Clone(b.Config.APIOptions), inj.Middleware)
		recordIAM(name)(b, c)
	}
}

// TestTwoContactsWonBeforeTheirDealWasNamed: Ana marks two contacts of
// one deal won on their alerts' pages (10,000 EUR each, no CRM deal id
// yet: each counts a win of its own), then the CRM names their deal for
// both — on the bus, each event delivered twice, and in a back-fill —
// in either order. The deal counts once, on the contact won first: one
// win and its amount for its campaign and for Ana; the other contact's
// win is taken out of its campaign, and each timeline says so once. The
// CRM's cancellation of the deal then takes that one win out, once.
func TestTwoContactsWonBeforeTheirDealWasNamed(t *testing.T) {
	for _, order := range []string{"first named first", "second named first"} {
		t.Run(order, func(t *testing.T) {
			capture, table, _ := build(t, "capture", nil)
			fb, _, _ := buildAt(t, "feedback", nil, testenv.Clock(t), table)
			reports, _, _ := buildAt(t, "reports", map[string]string{"PUBLIC_BASE_URL": "https://leads.example.com"}, testenv.Clock(t), table)
			bus := publishing(t, table)
			ctx := context.Background()
			keys, _ := token.ParseKeys(testKeys)
			stamp := time.Now().UnixNano()
			first := acceptedHotLead(t, capture, fb, table, fmt.Sprintf("first.%d@bigcorp.example", stamp), "omicron")
			second := acceptedHotLead(t, capture, fb, table, fmt.Sprintf("second.%d@bigcorp.example", stamp), "pi")
			for _, id := range []string{first, second} {
				ev := sampleEvent(t, "feedback-answer.json")
				ev.PathParameters = map[string]string{"token": links.FeedbackToken(keys, id, links.ActionWon, "ana@example.com", testenv.Now(t), testenv.Now(t).Add(time.Hour))}
				ev.Body, ev.IsBase64Encoded = "amount=10000&currency=EUR", false
				if r, err := fb.HTTP(ctx, ev); err != nil || r.StatusCode != 200 || !strings.Contains(r.Body, "Recorded") {
					t.Fatalf("won %s: %v %d %s", id, err, r.StatusCode, r.Body)
				}
			}
			named := []string{first, second}
			if order == "second named first" {
				named = []string{second, first}
			}
			for _, id := range named {
				for range 2 {
					ev := crmEvent(t, `{"lead_id":"`+id+`","stage":"won","amount":10000,"currency":"EUR","deal_id":"opp-77"}`)
					ev.ID = "bus-" + id
					if err := fb.Event(ctx, ev); err != nil {
						t.Fatal(err)
					}
				}
			}
			req := sampleEvent(t, "feedback-outcomes-backfill.json")
			req.Body, req.IsBase64Encoded = "lead_id,stage,amount,currency,deal_id\n"+first+",won,10000,EUR,opp-77\n"+second+",won,10000,EUR,opp-77\n", false
			if r, err := fb.HTTP(ctx, req); err != nil || r.StatusCode != 200 || !strings.Contains(r.Body, `"already":2`) {
				t.Fatalf("back-fill: %v %d %s", err, r.StatusCode, r.Body)
			}

			st := store.New(testenv.Clients(t).DynamoDB, table)
			if holder, err := st.DealHolder(ctx, "opp-77"); err != nil || holder != first {
				t.Fatalf("the deal counts on %q (%v), want the first contact %s", holder, err, first)
			}
			if l, _ := st.Lead(ctx, first); l.Stage != "won" || l.Deal == nil || l.Deal.ID != "opp-77" || l.Deal.CountedOn != "" || l.Deal.Amount != 10000 {
				t.Fatalf("the first contact: %s, %+v", l.Stage, l.Deal)
			}
			if l, _ := st.Lead(ctx, second); l.Stage != "won" || l.Deal == nil || l.Deal.ID != "opp-77" || l.Deal.CountedOn != first {
				t.Fatalf("the second contact: %s, %+v", l.Stage, l.Deal)
			}
			merged := func(id, key, value string) {
				t.Helper()
				tl, err := st.Timeline(ctx, id)
				if err != nil {
					t.Fatal(err)
				}
				n := 0
				for _, e := range tl {
					if e.Kind == "deal_merged" && e.Data[key] == value && e.Data["deal_id"] == "opp-77" {
						n++
					}
				}
				if n != 1 {
					t.Fatalf("deal_merged events on %s with %s %s: %d, want 1: %+v", id, key, value, n, tl)
				}
			}
			merged(first, "via", second)
			merged(second, "counted_on", first)
			// On the bus too, once per contact: a CRM sync learns that the
			// second contact's earlier lead.won no longer counts there.
			onBus := func() map[string]map[string]any {
				out := map[string]map[string]any{}
				for _, e := range bus.Events() {
					var d publish.Detail
					if e.DetailType == "lead.deal_merged" && json.Unmarshal(e.Detail, &d) == nil && d.Data["deal_id"] == "opp-77" {
						if _, twice := out[d.LeadID]; twice {
							t.Fatalf("lead.deal_merged published twice for %s", d.LeadID)
						}
						out[d.LeadID] = d.Data
					}
				}
				return out
			}
			bus.settle(t, func() bool { return len(onBus()) == 2 })
			if got := onBus(); got[first]["via"] != second || got[second]["counted_on"] != first {
				t.Fatalf("lead.deal_merged on the bus: %v, want the first contact via the second, the second counted on the first", got)
			}

			check := func(when string, want map[string]string) {
				t.Helper()
				testenv.Settle(t, table)
				rows, col := reportCSV(t, reports)
				checkRows(t, when, rows, col, "rep", []string{"sql", "won", "lost", "revenue", "won_with_amount"}, want)
			}
			check("named", map[string]string{ // the win counted from SAL counts its SQL too
				"campaign/omicron/":    "1 1 0 10000 1",
				"campaign/pi/":         "0 0 0 0 0",
				"total//":              "1 1 0 10000 1",
				"rep//ana@example.com": "1 1 0 10000 1",
			})

			// Cancelled: closed lost for both contacts.
			for _, id := range []string{second, first} {
				ev := crmEvent(t, `{"lead_id":"`+id+`","stage":"lost","deal_id":"opp-77","reason":"cancelled"}`)
				ev.ID = "bus-lost-" + id
				if err := fb.Event(ctx, ev); err != nil {
					t.Fatal(err)
				}
			}
			check("cancelled", map[string]string{
				"campaign/omicron/":    "0 0 1 0 0",
				"campaign/pi/":         "0 0 0 0 0",
				"total//":              "0 0 1 0 0",
				"rep//ana@example.com": "0 0 1 0 0",
			})
		})
	}
}
