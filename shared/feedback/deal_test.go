package feedback

import (
	"cmp"
	"context"
	"errors"
	"html"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/leadflow/leadflow/shared/httpapi"
	"github.com/leadflow/leadflow/shared/lead"
	"github.com/leadflow/leadflow/shared/links"
	"github.com/leadflow/leadflow/shared/store/memstore"
)

// addContact stores a second MQL whose alert reached Ana, from another
// campaign: the other contact of a CRM deal.
func (f *fixture) addContact(t *testing.T, id, email, campaign string) {
	t.Helper()
	l := lead.New(id, lead.Submission{Email: email, Name: "Dan", Company: "BigCorp",
		Source: lead.Attribution{Campaign: campaign, At: t0.Add(-time.Hour)}})
	l.Stage = lead.StageMQL
	l.Handoff = &lead.Handoff{State: lead.HandoffSent, Rep: "ana@example.com", Since: t0.Add(-4 * time.Minute),
		SentAt: t0.Add(-3 * time.Minute), DueBy: t0.Add(2 * time.Minute)}
	l.Record(&lead.Change{})
	if err := f.st.CreateLead(context.Background(), l, lead.Change{At: l.CreatedAt}, nil); err != nil {
		t.Fatal(err)
	}
}

// TestADealOfTwoContactsCountsOnce: a CRM deal with two contacts that
// are both leads sends its won (with the deal's amount) for each. The
// deal counts once — its win, amount and close on the contact whose
// close was recorded first — and the other contact is won too (its
// stage, its event) without a second win or second revenue. Sent again,
// in any order, or corrected through either contact, the deal's revenue
// stays the deal's.
func TestADealOfTwoContactsCountsOnce(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	f.addContact(t, "L2", "dan@bigcorp.example", "fair")
	sum := func() (won, revenue, valued int64) {
		for _, c := range []map[string]int64{f.countersOf(t, "q4"), f.countersOf(t, "fair")} {
			won, revenue, valued = won+c["won"], revenue+c["revenue_minor"], valued+c["won_valued"]
		}
		return
	}
	steps := []struct {
		name                 string
		o                    Outcome
		out                  string
		won, revenue, valued int64
	}{
		{"won, on its first contact", Outcome{LeadID: "L1", Stage: "won", Amount: amount(10000), DealID: "D-1", EventID: "c1"}, Recorded, 1, 1000000, 1},
		{"won, on its second contact", Outcome{LeadID: "L2", Stage: "won", Amount: amount(10000), DealID: "D-1", EventID: "c2"}, Recorded, 1, 1000000, 1},
		{"the first again", Outcome{LeadID: "L1", Stage: "won", Amount: amount(10000), DealID: "D-1", EventID: "c1"}, Already, 1, 1000000, 1},
		{"the second again, another id", Outcome{LeadID: "L2", Stage: "won", Amount: amount(10000), DealID: "D-1", EventID: "c2b"}, Already, 1, 1000000, 1},
		{"corrected through the second", Outcome{LeadID: "L2", Stage: "won", Amount: amount(12000), DealID: "D-1", EventID: "c3"}, Corrected, 1, 1200000, 1},
		{"the correction through the first", Outcome{LeadID: "L1", Stage: "won", Amount: amount(12000), DealID: "D-1", EventID: "c4"}, Already, 1, 1200000, 1},
		{"a late copy of the second's first win", Outcome{LeadID: "L2", Stage: "won", Amount: amount(10000), DealID: "D-1", EventID: "c2"}, Already, 1, 1200000, 1},
	}
	for _, s := range steps {
		out, err := f.h.ApplyCRM(ctx, s.o)
		won, revenue, valued := sum()
		if err != nil || out != s.out || won != s.won || revenue != s.revenue || valued != s.valued {
			t.Fatalf("%s: %s, %v; won %d, revenue %d, valued %d; want %s, %d, %d, %d", s.name, out, err, won, revenue, valued, s.out, s.won, s.revenue, s.valued)
		}
	}
	for _, id := range []string{"L1", "L2"} {
		l, err := f.st.Lead(ctx, id)
		if err != nil || l.Stage != lead.StageWon || l.Deal == nil || l.Deal.ID != "D-1" {
			t.Fatalf("%s: %v, %+v", id, err, l)
		}
	}
	// Cancelled: closed lost for both contacts takes the deal's win out,
	// and counts one lost deal.
	for _, id := range []string{"L2", "L1"} {
		if _, err := f.h.ApplyCRM(ctx, Outcome{LeadID: id, Stage: "lost", DealID: "D-1", EventID: "x-" + id}); err != nil {
			t.Fatal(err)
		}
	}
	won, revenue, _ := sum()
	lost := f.countersOf(t, "q4")["lost"] + f.countersOf(t, "fair")["lost"]
	if won != 0 || revenue != 0 || lost != 1 {
		t.Fatalf("cancelled: won %d, revenue %d, lost %d; want 0, 0, 1", won, revenue, lost)
	}
}

// TestBackfillOfADealsContacts: a CRM's deals export has a row per
// contact, each with the deal's amount, under "Deal ID" (Salesforce:
// "Opportunity ID"). Two contacts that are leads count the deal once;
// the file sent again records nothing; a deal given two amounts on its
// contacts' rows cannot say which is its own, so none of them applies.
func TestBackfillOfADealsContacts(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	f.addContact(t, "L2", "dan@bigcorp.example", "fair")
	f.addContact(t, "L3", "eve@bigcorp.example", "fair")
	f.addContact(t, "L4", "fay@bigcorp.example", "fair")
	send := func(body string) httpapi.Response {
		t.Helper()
		r, err := f.h.Handle(ctx, httpapi.Request{RouteKey: RouteOutcomes, Headers: map[string]string{"content-type": "text/csv"}, Body: body})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	file := "Lead ID,Deal Stage,Amount,Opportunity ID\nL1,Closed Won,\"10,000\",D-7\nL2,Closed Won,\"10,000\",D-7\n"
	if r := send(file); r.StatusCode != http.StatusOK || !strings.Contains(r.Body, `"recorded":2`) {
		t.Fatalf("%d %s", r.StatusCode, r.Body)
	}
	if r := send(file); r.StatusCode != http.StatusOK || !strings.Contains(r.Body, `"already":2`) {
		t.Fatalf("again: %d %s", r.StatusCode, r.Body)
	}
	revenue := f.countersOf(t, "q4")["revenue_minor"] + f.countersOf(t, "fair")["revenue_minor"]
	won := f.countersOf(t, "q4")["won"] + f.countersOf(t, "fair")["won"]
	if revenue != 1000000 || won != 1 {
		t.Fatalf("revenue %d, won %d; want 1000000, 1", revenue, won)
	}
	r := send("lead_id,stage,amount,deal_id\nL3,won,5000,D-8\nL4,won,7000,D-8\n")
	want := `{"line":2,"field":"amount","error":"the won deal D-8 has other amounts on lines 3: one row per deal, its total (a correction goes in a file of its own)"}`
	if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, want) || !strings.Contains(r.Body, `"recorded":0`) {
		t.Fatalf("%d %s\nwant %s", r.StatusCode, r.Body, want)
	}
}

// TestADealsCorrectionPastTheHorizon: a correction sent through the
// contact that does not count the deal is refused as the counting lead's
// would be (past the outcome horizon), not answered "already" as if the
// amount were in place.
func TestADealsCorrectionPastTheHorizon(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	f.addContact(t, "L2", "dan@bigcorp.example", "fair")
	for _, id := range []string{"L1", "L2"} {
		if _, err := f.h.ApplyCRM(ctx, Outcome{LeadID: id, Stage: "won", Amount: amount(100), DealID: "D-1", EventID: "w-" + id}); err != nil {
			t.Fatal(err)
		}
	}
	f.now = t0.Add(200 * 24 * time.Hour)
	out, err := f.h.ApplyCRM(ctx, Outcome{LeadID: "L2", Stage: "won", Amount: amount(150), DealID: "D-1", EventID: "fix"})
	if !errors.Is(err, ErrOutcomeRefused) || !strings.Contains(err.Error(), "outcome horizon") {
		t.Fatalf("correction past the horizon: %s, %v; want refused", out, err)
	}
}

// TestAWonAmountThroughAContactOfTheDeal: a rep opens the won page of a
// deal's contact that does not count the deal (its close came second).
// An amount typed there is the deal's: where a correction on the counting
// contact is allowed, it corrects the deal's amount there (once: posted
// again it is already in place), and the counting contact's timeline says
// which contact it came through. Where it is not (that contact's outcome
// is no longer a win, or past its horizon), the page offers no amount
// form and says where the deal counts and what is recorded there. Never
// a silent "already" that drops the amount, never a second win.
func TestAWonAmountThroughAContactOfTheDeal(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		// contactLater is how long after the first contact's close the
		// second's is recorded; opened is when the rep opens its page.
		contactLater, opened time.Duration
		// before are CRM outcomes after both wins.
		before  []Outcome
		body    string
		form    bool   // the GET offers the amount form
		getSays string // the GET page says
		says    string // the POST's page says
		amount  float64
		won     int64
		revenue int64
		via     bool // the counting contact's timeline has a correction through L2
	}{
		{name: "an amount corrects the deal where it counts", body: "amount=12000&currency=EUR&comment=signed+at+12k", form: true,
			getSays: "It counts once, on the lead of Clara (BigCorp), another contact of CRM deal D-1: an amount entered here corrects the deal's amount there.",
			says:    "Recorded: the deal's amount is now 12,000.00 EUR (was 10,000.00 EUR), on the lead of Clara (BigCorp), where CRM deal D-1 counts.",
			amount:  12000, won: 1, revenue: 1200000, via: true},
		{name: "the deal's amount as it is", body: "amount=10000&currency=EUR", form: true,
			getSays: "corrects the deal's amount there.",
			says:    "The deal's amount is already 10,000.00 EUR, on the lead of Clara (BigCorp), where CRM deal D-1 counts; nothing changed.",
			amount:  10000, won: 1, revenue: 1000000},
		{name: "no amount given", body: "", form: true, getSays: "corrects the deal's amount there.",
			says:   "This deal counts on the lead of Clara (BigCorp), another contact of CRM deal D-1. Its outcome is recorded there: won (10,000.00 EUR, closed on 10 Mar 2031); nothing changed.",
			amount: 10000, won: 1, revenue: 1000000},
		{name: "the counting contact's win was reversed", before: []Outcome{{LeadID: "L1", Stage: "lost", DealID: "D-1", EventID: "x-L1"}},
			body: "amount=12000&currency=EUR",
			getSays: "This deal counts on the lead of Clara (BigCorp), another contact of CRM deal D-1. Its outcome is recorded there: lost; " +
				"an amount cannot be recorded here. Nothing changed.",
			says: "Its outcome is recorded there: lost; an amount cannot be recorded here. Nothing changed.", won: 0, revenue: 0},
		{name: "the counting contact is past its horizon", contactLater: 30 * 24 * time.Hour, opened: 181 * 24 * time.Hour, body: "amount=12000&currency=EUR",
			getSays: "Its outcome is recorded there: won (10,000.00 EUR, closed on 10 Mar 2031); its amount can no longer change: " +
				"it was accepted on 10 Mar 2031, more than 180 days ago. Nothing changed.",
			says: "its amount can no longer change", amount: 10000, won: 1, revenue: 1000000},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			f.addContact(t, "L2", "dan@bigcorp.example", "fair")
			if _, err := f.h.ApplyCRM(ctx, Outcome{LeadID: "L1", Stage: "won", Amount: amount(10000), DealID: "D-1", EventID: "w-L1"}); err != nil {
				t.Fatal(err)
			}
			f.now = t0.Add(tc.contactLater)
			if _, err := f.h.ApplyCRM(ctx, Outcome{LeadID: "L2", Stage: "won", Amount: amount(10000), DealID: "D-1", EventID: "w-L2"}); err != nil {
				t.Fatal(err)
			}
			for _, o := range tc.before {
				if _, err := f.h.ApplyCRM(ctx, o); err != nil {
					t.Fatal(err)
				}
			}
			f.now = t0.Add(tc.opened + time.Hour)
			tok := links.FeedbackToken(f.keys, "L2", links.ActionWon, "ana@example.com", f.now, f.now.Add(24*time.Hour))
			page := func(r httpapi.Response) string { // the page's text, as read
				return strings.Join(strings.Fields(html.UnescapeString(tags.ReplaceAllString(r.Body, " "))), " ")
			}
			got := f.do(t, http.MethodGet, tok, "")
			if form := strings.Contains(got.Body, `name="amount"`); got.StatusCode != http.StatusOK || form != tc.form || !strings.Contains(page(got), tc.getSays) {
				t.Fatalf("GET: %d, amount form %v (want %v), want %q in\n%s", got.StatusCode, form, tc.form, tc.getSays, page(got))
			}
			for i := range 2 { // posted again, nothing counts twice
				got = f.do(t, http.MethodPost, tok, tc.body)
				if r := page(got); got.StatusCode != http.StatusOK || i == 0 && !strings.Contains(r, tc.says) {
					t.Fatalf("POST: %d, want %q in\n%s", got.StatusCode, tc.says, r)
				}
				won, revenue := f.countersOf(t, "q4")["won"]+f.countersOf(t, "fair")["won"], f.countersOf(t, "q4")["revenue_minor"]+f.countersOf(t, "fair")["revenue_minor"]
				if won != tc.won || revenue != tc.revenue {
					t.Fatalf("post %d: won %d, revenue %d; want %d, %d", i+1, won, revenue, tc.won, tc.revenue)
				}
			}
			l1, err := f.st.Lead(ctx, "L1")
			if err != nil || l1.Deal == nil || l1.Deal.Amount != tc.amount {
				t.Fatalf("the counting contact's deal: %v %+v; want amount %v", err, l1.Deal, tc.amount)
			}
			if l2, _ := f.st.Lead(ctx, "L2"); l2.Stage != lead.StageWon || l2.Deal.CountedOn != "L1" {
				t.Fatalf("the contact: %s, %+v", l2.Stage, l2.Deal)
			}
			tl, _ := f.st.Timeline(ctx, "L1")
			var via []lead.Event
			for _, e := range tl {
				if e.Kind == "deal_corrected" {
					via = append(via, e)
				}
			}
			if tc.via != (len(via) == 1) || tc.via && (via[0].Data["via"] != "L2" || via[0].Data["deal_id"] != "D-1" || via[0].Data["source"] != "rep" ||
				via[0].Data["rep"] != "ana@example.com" || via[0].Data["comment"] != "signed at 12k") {
				t.Fatalf("corrections on the counting contact: %+v; want one through L2: %v", via, tc.via)
			}
		})
	}
}

// tags are a page's HTML tags.
var tags = regexp.MustCompile(`<[^>]*>`)

// TestAnOlderAmountDeliveredLate: EventBridge does not keep order, and a
// retried event can arrive minutes after a newer one. A won amount sent
// before the amount in place (the CRM's send time, its event's time) is
// older and does not replace it — through the deal's counting contact,
// through its other contact, or a won delivered after its own
// correction — while amounts delivered in order correct the deal as
// before. The stale one is refused (logged, dropped), and revenue is the
// newest amount's, counted once.
func TestAnOlderAmountDeliveredLate(t *testing.T) {
	ctx := context.Background()
	at := func(h int) time.Time { return t0.Add(time.Duration(h) * time.Hour) }
	won := func(id string, amt float64, sent time.Time, ev string) Outcome {
		return Outcome{LeadID: id, Stage: "won", Amount: amount(amt), DealID: "D-1", EventID: ev, SentAt: sent}
	}
	for _, tc := range []struct {
		name string
		// steps are delivered in order; the last is checked.
		steps   []Outcome
		refused bool
		amount  float64
	}{
		{"through the other contact, the newer first", []Outcome{won("L2", 15000, at(2), "fix-2"), won("L2", 12000, at(1), "fix-1")}, true, 15000},
		{"through the counting contact, the newer first", []Outcome{won("L1", 15000, at(2), "fix-2"), won("L1", 12000, at(1), "fix-1")}, true, 15000},
		{"the newer through the counting contact, the older through the other", []Outcome{won("L1", 15000, at(2), "fix-2"), won("L2", 12000, at(1), "fix-1")}, true, 15000},
		{"the newer through the other contact, the older through the counting one", []Outcome{won("L2", 15000, at(2), "fix-2"), won("L1", 12000, at(1), "fix-1")}, true, 15000},
		{"back to the amount in place, then an older one", []Outcome{won("L2", 10000, at(2), "fix-2"), won("L2", 12000, at(1), "fix-1")}, true, 10000},
		{"in order", []Outcome{won("L2", 12000, at(1), "fix-1"), won("L1", 15000, at(2), "fix-2")}, false, 15000},
		{"the same second: the later delivered", []Outcome{won("L2", 12000, at(1), "fix-1"), won("L2", 15000, at(1), "fix-2")}, false, 15000},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			f.addContact(t, "L2", "dan@bigcorp.example", "fair")
			f.now = at(3) // events arrive after they were all sent
			for _, o := range []Outcome{won("L1", 10000, t0, "w-L1"), won("L2", 10000, t0, "w-L2")} {
				if _, err := f.h.ApplyCRM(ctx, o); err != nil {
					t.Fatal(err)
				}
			}
			var err error
			for _, o := range tc.steps {
				_, err = f.h.ApplyCRM(ctx, o)
			}
			if errors.Is(err, ErrOutcomeRefused) != tc.refused || err != nil && !tc.refused {
				t.Fatalf("the last: %v; want refused %v", err, tc.refused)
			}
			l1, _ := f.st.Lead(ctx, "L1")
			revenue := f.countersOf(t, "q4")["revenue_minor"] + f.countersOf(t, "fair")["revenue_minor"]
			if l1.Deal.Amount != tc.amount || revenue != int64(tc.amount*100) {
				t.Fatalf("the deal's amount %v, revenue %d; want %v", l1.Deal.Amount, revenue, tc.amount)
			}
		})
	}
	// A won delivered after its own correction: the correction was
	// recorded as the deal's first won (with its amount), the won itself
	// is older.
	f := newFixture(t)
	f.now = at(3)
	for _, o := range []Outcome{{LeadID: "L1", Stage: "won", Amount: amount(12000), EventID: "fix", SentAt: at(1)}, {LeadID: "L1", Stage: "won", Amount: amount(10000), EventID: "won", SentAt: t0}} {
		_, err := f.h.ApplyCRM(ctx, o)
		if o.EventID == "won" && !errors.Is(err, ErrOutcomeRefused) {
			t.Fatalf("the older won: %v; want refused", err)
		}
	}
	if l := f.lead(t); l.Deal.Amount != 12000 || f.counters(t)["revenue_minor"] != 1200000 {
		t.Fatalf("a won after its correction: amount %v, revenue %d; want 12000", l.Deal.Amount, f.counters(t)["revenue_minor"])
	}
}

// TestReversingADealThroughTheOtherContactsPage: the won deal of two
// contacts counts on the first. Ana opens the second contact's won page
// and presses "Lost instead" (the deal was cancelled): the page promises
// the win and its revenue leave the reports, so they do — the deal is
// reversed where it counts, once — and "Won instead" on the same contact
// counts it won there again.
func TestReversingADealThroughTheOtherContactsPage(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	f.addContact(t, "L2", "dan@bigcorp.example", "fair")
	for _, id := range []string{"L1", "L2"} {
		if _, err := f.h.ApplyCRM(ctx, Outcome{LeadID: id, Stage: "won", Amount: amount(10000), DealID: "D-1", EventID: "w-" + id}); err != nil {
			t.Fatal(err)
		}
	}
	sum := func(name string) int64 { return f.countersOf(t, "q4")[name] + f.countersOf(t, "fair")[name] }
	for _, step := range []struct {
		action, says string
		won, lost    int64
		revenue      int64
		stage        lead.Stage
	}{
		{links.ActionLost, "The win and its revenue are taken out of the reports", 0, 1, 0, lead.StageLost},
		{links.ActionLost, "", 0, 1, 0, lead.StageLost}, // posted again
		{links.ActionWon, "instead of lost", 1, 0, 0, lead.StageWon},
	} {
		tok := links.FeedbackToken(f.keys, "L2", step.action, "ana@example.com", f.now, f.now.Add(24*time.Hour))
		r := f.do(t, http.MethodPost, tok, "")
		if r.StatusCode != http.StatusOK || !strings.Contains(html.UnescapeString(r.Body), step.says) {
			t.Fatalf("%s: %d, want %q in\n%s", step.action, r.StatusCode, step.says, r.Body)
		}
		l1, _ := f.st.Lead(ctx, "L1")
		if sum("won") != step.won || sum("lost") != step.lost || sum("revenue_minor") != step.revenue || l1.Stage != step.stage {
			t.Fatalf("after %s through L2: won %d, lost %d, revenue %d, the counting lead %s; want %d, %d, %d, %s",
				step.action, sum("won"), sum("lost"), sum("revenue_minor"), l1.Stage, step.won, step.lost, step.revenue, step.stage)
		}
	}
}

// failingLead is a store whose writes of one lead fail while fail is
// set, as DynamoDB's do when it throttles them.
// After skip writes of it go through.
type failingLead struct {
	*memstore.Store
	id   string
	skip int
	fail bool
}

func (s *failingLead) Save(ctx context.Context, l lead.Lead, ch lead.Change) error {
	if s.fail && l.ID == s.id {
		if s.skip == 0 {
			return errors.New("injected: ThrottlingException")
		}
		s.skip--
	}
	return s.Store.Save(ctx, l, ch)
}

// TestAReversalThroughAContactWhoseHolderWriteFailed: the won deal of two
// contacts counts on L1; Ana presses "Lost instead" on L2's page and the
// write that reverses the deal on L1 fails. L2's reversal is written, and
// owed to L1: the retry — or whatever next reaches L2 — makes it there,
// once, unless the deal changed there since; a contact lost from the
// start owes nothing, so answering it lost again never reverses a deal.
func TestAReversalThroughAContactWhoseHolderWriteFailed(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name string
		// fails: "Lost instead" on L2 fails at L1's write first; else L2
		// was lost from the start (the CRM's lost for it).
		fails bool
		// failing is the lead whose writes fail (L1 when ""), after skip.
		failing string
		skip    int
		then    func(t *testing.T, f *fixture) // after the failed answer
		// page is what pressing "Lost instead" (again) says.
		page                 string
		won, lost, revenue   int64
		holder               lead.Stage
		throughL2, owedAfter int // L1's lost events through L2; owed reversals left on L2
	}{
		{name: "the retry makes it", fails: true,
			page: "The win and its revenue are taken out of the reports, on the lead of Clara (BigCorp), where CRM deal D-1 counts.",
			lost: 1, holder: lead.StageLost, throughL2: 1},
		{name: "made where it counts, the write clearing it on the contact failed", fails: true, failing: "L2", skip: 1,
			page: "The win and its revenue are taken out of the reports, on the lead of Clara (BigCorp), where CRM deal D-1 counts.",
			lost: 1, holder: lead.StageLost, throughL2: 1},
		{name: "the CRM's lost for the contact makes it", fails: true,
			then: func(t *testing.T, f *fixture) {
				if _, err := f.h.ApplyCRM(ctx, Outcome{LeadID: "L2", Stage: "lost", DealID: "D-1", EventID: "l-L2"}); err != nil {
					t.Fatal(err)
				}
			},
			page: "This was already recorded; nothing changed.", lost: 1, holder: lead.StageLost, throughL2: 1},
		{name: "the CRM cancelled the deal where it counts first", fails: true,
			then: func(t *testing.T, f *fixture) {
				f.now = f.now.Add(time.Hour)
				if _, err := f.h.ApplyCRM(ctx, Outcome{LeadID: "L1", Stage: "lost", DealID: "D-1", EventID: "l-L1"}); err != nil {
					t.Fatal(err)
				}
			},
			page: "Its outcome is recorded there: lost; nothing changed there.", lost: 1, holder: lead.StageLost},
		{name: "the deal was won again where it counts since", fails: true,
			then: func(t *testing.T, f *fixture) {
				for _, o := range []Outcome{{Stage: "lost", EventID: "l-L1"}, {Stage: "won", Amount: amount(10000), EventID: "w2-L1"}} {
					f.now = f.now.Add(time.Hour)
					o.LeadID, o.DealID = "L1", "D-1"
					if _, err := f.h.ApplyCRM(ctx, o); err != nil {
						t.Fatal(err)
					}
				}
			},
			page: "Its outcome is recorded there: won (10,000.00 EUR", won: 1, revenue: 1000000, holder: lead.StageWon},
		{name: "won instead after the failed lost instead", fails: true,
			then: func(t *testing.T, f *fixture) {
				tok := links.FeedbackToken(f.keys, "L2", links.ActionWon, "ana@example.com", f.now, f.now.Add(24*time.Hour))
				if r := f.do(t, http.MethodPost, tok, ""); r.StatusCode != http.StatusOK || !strings.Contains(html.UnescapeString(r.Body), "nothing changed there") {
					t.Fatalf("won instead: %d\n%s", r.StatusCode, r.Body)
				}
			},
			// L2 is won again: its lost link reverses it (and the deal) now.
			page: "The win and its revenue are taken out of the reports", lost: 1, holder: lead.StageLost, throughL2: 1},
		{name: "a contact lost from the start", fails: false,
			page: "This was already recorded; nothing changed.", won: 1, revenue: 1000000, holder: lead.StageWon},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			f.addContact(t, "L2", "dan@bigcorp.example", "fair")
			st := &failingLead{Store: f.st, id: cmp.Or(tt.failing, "L1"), skip: tt.skip}
			f.h.Store = st
			second := Outcome{LeadID: "L2", Stage: "won", Amount: amount(10000), DealID: "D-1", EventID: "w-L2"}
			if !tt.fails {
				second = Outcome{LeadID: "L2", Stage: "lost", DealID: "D-1", EventID: "l0-L2"}
			}
			for _, o := range []Outcome{{LeadID: "L1", Stage: "won", Amount: amount(10000), DealID: "D-1", EventID: "w-L1"}, second} {
				if _, err := f.h.ApplyCRM(ctx, o); err != nil {
					t.Fatal(err)
				}
			}
			lost := func() httpapi.Response {
				return f.do(t, http.MethodPost, links.FeedbackToken(f.keys, "L2", links.ActionLost, "ana@example.com", f.now, f.now.Add(24*time.Hour)), "comment=cancelled")
			}
			if tt.fails {
				st.fail = true
				if r := lost(); r.StatusCode != http.StatusInternalServerError {
					t.Fatalf("lost instead, L1's write failing: %d\n%s", r.StatusCode, r.Body)
				}
				st.fail = false
				if c, _ := f.st.Lead(ctx, "L2"); c.Stage != lead.StageLost || c.Deal.Owed == nil {
					t.Fatalf("after the failed write L2 is %s, owing %+v; want lost, owing L1 its reversal", c.Stage, c.Deal.Owed)
				}
				if l1, _ := f.st.Lead(ctx, "L1"); (l1.Stage == lead.StageLost) != (tt.failing == "L2") {
					t.Fatalf("after the failed write L1 is %s", l1.Stage)
				}
				// The link opened again offers the button that finishes it.
				get := f.do(t, http.MethodGet, links.FeedbackToken(f.keys, "L2", links.ActionLost, "ana@example.com", f.now, f.now.Add(24*time.Hour)), "")
				if body := html.UnescapeString(get.Body); !strings.Contains(body, "Finish recording this deal lost?") || !strings.Contains(body, ">Mark lost</button>") {
					t.Fatalf("L2's lost link opened again: %d\n%s", get.StatusCode, body)
				}
				if tt.then != nil {
					tt.then(t, f)
				}
			}
			for i := range 2 { // and pressed once more: nothing changes
				r := lost()
				if body := html.UnescapeString(r.Body); r.StatusCode != http.StatusOK || i == 0 && !strings.Contains(body, tt.page) ||
					i == 1 && !strings.Contains(body, "This was already recorded; nothing changed.") {
					t.Fatalf("lost on L2, %d: %d, want %q in\n%s", i+1, r.StatusCode, tt.page, body)
				}
			}
			sum := func(name string) int64 { return f.countersOf(t, "q4")[name] + f.countersOf(t, "fair")[name] }
			l1, _ := f.st.Lead(ctx, "L1")
			l2, _ := f.st.Lead(ctx, "L2")
			tl, _ := f.st.Timeline(ctx, "L1")
			through := 0
			for _, e := range tl {
				if e.Kind == "lost" && e.Data["via"] == "L2" {
					through++
					if e.Data["reason"] != "cancelled" || e.Data["event_id"] != nil {
						t.Errorf("L1's lost through L2: %v; want the rep's reason, no event id", e.Data)
					}
				}
			}
			owed := 0
			if l2.Deal.Owed != nil {
				owed = 1
			}
			if sum("won") != tt.won || sum("lost") != tt.lost || sum("revenue_minor") != tt.revenue || l1.Stage != tt.holder || through != tt.throughL2 || owed != tt.owedAfter {
				t.Fatalf("won %d, lost %d, revenue %d, L1 %s, L1's lost through L2 %d, owed on L2 %d; want %d, %d, %d, %s, %d, %d",
					sum("won"), sum("lost"), sum("revenue_minor"), l1.Stage, through, owed, tt.won, tt.lost, tt.revenue, tt.holder, tt.throughL2, tt.owedAfter)
			}
		})
	}
}
