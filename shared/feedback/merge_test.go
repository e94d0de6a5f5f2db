package feedback

import (
	"context"
	"errors"
	"fmt"
	"html"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/leadflow/leadflow/shared/httpapi"
	"github.com/leadflow/leadflow/shared/lead"
	"github.com/leadflow/leadflow/shared/links"
	"github.com/leadflow/leadflow/shared/publish"
	"github.com/leadflow/leadflow/shared/store/memstore"
)

// TestTwoCountsOfOneDealBecomeOne: two contacts of one CRM deal closed
// before any outcome named the deal (CRM outcomes without deal_id), so
// each counted a close of its own; then the CRM names the deal for both,
// in either order, each outcome delivered twice and once more under
// another event id. The deal then counts once, on the contact closed
// first (L1, campaign q4): its win or loss, amount, days to win and
// implied SQL; the other contact (L2, campaign fair) keeps only the close
// of its own SQL. Cancelled afterwards, the one win is taken out once.
func TestTwoCountsOfOneDealBecomeOne(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name             string
		stage            string
		fromSQL          bool
		amount1, amount2 *float64 // each contact's close, before the deal was named
		named            *float64 // the naming outcomes' amount
		order            []string // the contacts, as the CRM names the deal for them
		want             string   // q4's and fair's counters, then Ana's, after naming
		cancelled        string   // after the CRM's lost for both (won deals)
	}{
		{name: "won from SAL, the first named first", stage: "won", amount1: amount(10000), amount2: amount(10000), named: amount(10000), order: []string{"L1", "L2"},
			want:      "q4: sql 1 sql_closed 1 won 1 lost 0 won_valued 1 revenue_minor 1000000 won_days_le_1 1; fair: sql 0 sql_closed 0 won 0 lost 0 won_valued 0 revenue_minor 0 won_days_le_1 0; ana: won 1 revenue_minor 1000000",
			cancelled: "q4: sql 0 sql_closed 0 won 0 lost 1 won_valued 0 revenue_minor 0 won_days_le_1 0; fair: sql 0 sql_closed 0 won 0 lost 0 won_valued 0 revenue_minor 0 won_days_le_1 0; ana: won 0 revenue_minor 0"},
		{name: "won from SAL, the second named first", stage: "won", amount1: amount(10000), amount2: amount(10000), named: amount(10000), order: []string{"L2", "L1"},
			want:      "q4: sql 1 sql_closed 1 won 1 lost 0 won_valued 1 revenue_minor 1000000 won_days_le_1 1; fair: sql 0 sql_closed 0 won 0 lost 0 won_valued 0 revenue_minor 0 won_days_le_1 0; ana: won 1 revenue_minor 1000000",
			cancelled: "q4: sql 0 sql_closed 0 won 0 lost 1 won_valued 0 revenue_minor 0 won_days_le_1 0; fair: sql 0 sql_closed 0 won 0 lost 0 won_valued 0 revenue_minor 0 won_days_le_1 0; ana: won 0 revenue_minor 0"},
		{name: "won from SQL: each closes its own SQL", stage: "won", fromSQL: true, amount1: amount(10000), amount2: amount(10000), named: amount(10000), order: []string{"L2", "L1"},
			want:      "q4: sql 1 sql_closed 1 won 1 lost 0 won_valued 1 revenue_minor 1000000 won_days_le_1 1; fair: sql 1 sql_closed 1 won 0 lost 0 won_valued 0 revenue_minor 0 won_days_le_1 0; ana: won 1 revenue_minor 1000000",
			cancelled: "q4: sql 1 sql_closed 1 won 0 lost 1 won_valued 0 revenue_minor 0 won_days_le_1 0; fair: sql 1 sql_closed 1 won 0 lost 0 won_valued 0 revenue_minor 0 won_days_le_1 0; ana: won 0 revenue_minor 0"},
		{name: "the amount only on the contact won second", stage: "won", amount2: amount(10000), order: []string{"L2", "L1"},
			want:      "q4: sql 1 sql_closed 1 won 1 lost 0 won_valued 1 revenue_minor 1000000 won_days_le_1 1; fair: sql 0 sql_closed 0 won 0 lost 0 won_valued 0 revenue_minor 0 won_days_le_1 0; ana: won 1 revenue_minor 1000000",
			cancelled: "q4: sql 0 sql_closed 0 won 0 lost 1 won_valued 0 revenue_minor 0 won_days_le_1 0; fair: sql 0 sql_closed 0 won 0 lost 0 won_valued 0 revenue_minor 0 won_days_le_1 0; ana: won 0 revenue_minor 0"},
		{name: "the naming outcome corrects the amount where the deal counts", stage: "won", amount1: amount(10000), amount2: amount(10000), named: amount(12000), order: []string{"L1", "L2"},
			want: "q4: sql 1 sql_closed 1 won 1 lost 0 won_valued 1 revenue_minor 1200000 won_days_le_1 1; fair: sql 0 sql_closed 0 won 0 lost 0 won_valued 0 revenue_minor 0 won_days_le_1 0; ana: won 1 revenue_minor 1200000"},
		{name: "lost from SQL", stage: "lost", fromSQL: true, order: []string{"L2", "L1"},
			want: "q4: sql 1 sql_closed 1 won 0 lost 1 won_valued 0 revenue_minor 0 won_days_le_1 0; fair: sql 1 sql_closed 1 won 0 lost 0 won_valued 0 revenue_minor 0 won_days_le_1 0; ana: won 0 revenue_minor 0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			f.addContact(t, "L2", "dan@bigcorp.example", "fair")
			apply := func(o Outcome) { f.crm(t, o) }
			for i, id := range []string{"L1", "L2"} {
				f.now = t0.Add(time.Duration(i) * time.Hour)
				if tc.fromSQL {
					apply(Outcome{LeadID: id, Stage: "sql", EventID: "sql-" + id})
				}
				apply(Outcome{LeadID: id, Stage: tc.stage, Amount: []*float64{tc.amount1, tc.amount2}[i], EventID: "close-" + id})
			}
			f.now = t0.Add(2 * time.Hour)
			for _, id := range tc.order {
				for _, ev := range []string{"name-" + id, "name-" + id, "again-" + id} {
					apply(Outcome{LeadID: id, Stage: tc.stage, Amount: tc.named, DealID: "D-1", EventID: ev})
				}
			}
			if got := f.dealCounters(t); got != tc.want {
				t.Fatalf("named:\n got %s\nwant %s", got, tc.want)
			}
			if holder, _ := f.st.DealHolder(ctx, "D-1"); holder != "L1" {
				t.Fatalf("the deal counts on %q, want L1", holder)
			}
			l2, _ := f.st.Lead(ctx, "L2")
			if l2.Deal.ID != "D-1" || l2.Deal.CountedOn != "L1" || l2.Deal.Currency != "" || string(l2.Stage) != tc.stage {
				t.Fatalf("L2: %s, %+v", l2.Stage, l2.Deal)
			}
			for id, key := range map[string]string{"L1": "via", "L2": "counted_on"} {
				tl, _ := f.st.Timeline(ctx, id)
				n := 0
				for _, e := range tl {
					if e.Kind == EventDealMerged && e.Data["deal_id"] == "D-1" && e.Data[key] == map[string]string{"L1": "L2", "L2": "L1"}[id] {
						n++
					}
				}
				if n != 1 {
					t.Fatalf("%s: %d deal_merged events with %s, want 1: %+v", id, n, key, tl)
				}
			}
			if tc.cancelled == "" {
				return
			}
			for _, id := range []string{"L2", "L1", "L2"} {
				apply(Outcome{LeadID: id, Stage: "lost", DealID: "D-1", EventID: "cancel-" + id})
			}
			if got := f.dealCounters(t); got != tc.cancelled {
				t.Fatalf("cancelled:\n got %s\nwant %s", got, tc.cancelled)
			}
		})
	}
}

// dealCounters are the deal counters of campaigns q4 and fair and of
// Ana, in a line.
func (f *fixture) dealCounters(t *testing.T) string {
	t.Helper()
	var parts []string
	for _, c := range []string{"q4", "fair"} {
		got := f.countersOf(t, c)
		s := c + ":"
		for _, n := range []string{"sql", "sql_closed", "won", "lost", "won_valued", "revenue_minor", "won_days_le_1"} {
			s += fmt.Sprintf(" %s %d", n, got[n])
		}
		parts = append(parts, s)
	}
	ana := f.repCounters(t)["ana@example.com"]
	parts = append(parts, fmt.Sprintf("ana: won %d revenue_minor %d", ana["won"], ana["revenue_minor"]))
	return strings.Join(parts, "; ")
}

// TestAContactsPageAfterTheDealMoved: a deal counted on L1, which L3's
// close named (L3 points at L1); then L2, won before any of them, is
// named a contact of it: L2 now counts the deal. L3's won page says so,
// and its "Lost instead" reverses the deal where it counts now — L2 —
// not on L1, whose count was taken out.
func TestAContactsPageAfterTheDealMoved(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	f.addContact(t, "L2", "dan@bigcorp.example", "fair")
	f.addContact(t, "L3", "eve@bigcorp.example", "fair")
	apply := func(o Outcome) { f.crm(t, o) }
	apply(Outcome{LeadID: "L2", Stage: "won", Amount: amount(10000), EventID: "w-L2"})
	f.now = t0.Add(time.Hour)
	apply(Outcome{LeadID: "L1", Stage: "won", Amount: amount(10000), DealID: "D-1", EventID: "w-L1"})
	apply(Outcome{LeadID: "L3", Stage: "won", Amount: amount(10000), DealID: "D-1", EventID: "w-L3"})
	apply(Outcome{LeadID: "L2", Stage: "won", Amount: amount(10000), DealID: "D-1", EventID: "name-L2"})
	if holder, _ := f.st.DealHolder(ctx, "D-1"); holder != "L2" {
		t.Fatalf("the deal counts on %q, want L2 (won first)", holder)
	}
	sum := func(name string) int64 { return f.countersOf(t, "q4")[name] + f.countersOf(t, "fair")[name] }
	if sum("won") != 1 || sum("revenue_minor") != 1000000 || f.countersOf(t, "fair")["won"] != 1 {
		t.Fatalf("won %d (fair %d), revenue %d; want 1 on fair, 1000000", sum("won"), f.countersOf(t, "fair")["won"], sum("revenue_minor"))
	}
	page := func(r httpapi.Response) string {
		return strings.Join(strings.Fields(html.UnescapeString(tags.ReplaceAllString(r.Body, " "))), " ")
	}
	f.now = t0.Add(2 * time.Hour)
	got := f.do(t, http.MethodGet, links.FeedbackToken(f.keys, "L3", links.ActionWon, "ana@example.com", f.now, f.now.Add(time.Hour)), "")
	if want := "It counts once, on the lead of Dan (BigCorp), another contact of CRM deal D-1"; !strings.Contains(page(got), want) {
		t.Fatalf("L3's won page: want %q in\n%s", want, page(got))
	}
	got = f.do(t, http.MethodPost, links.FeedbackToken(f.keys, "L3", links.ActionLost, "ana@example.com", f.now, f.now.Add(time.Hour)), "")
	if want := "The win and its revenue are taken out of the reports, on the lead of Dan (BigCorp)"; !strings.Contains(page(got), want) {
		t.Fatalf("L3's lost instead: want %q in\n%s", want, page(got))
	}
	if l2, _ := f.st.Lead(ctx, "L2"); l2.Stage != lead.StageLost || sum("won") != 0 || sum("revenue_minor") != 0 || sum("lost") != 1 {
		t.Fatalf("L2 %s; won %d, revenue %d, lost %d; want lost, 0, 0, 1", l2.Stage, sum("won"), sum("revenue_minor"), sum("lost"))
	}
	l3, _ := f.st.Lead(ctx, "L3")
	tl, _ := f.st.Timeline(ctx, "L3")
	var lost lead.Event
	for _, e := range tl {
		if e.Kind == "lost" {
			lost = e
		}
	}
	if l3.Deal.CountedOn != "L2" || lost.Data["counted_on"] != "L2" {
		t.Fatalf("L3 points at %q, its lost event at %v; want L2", l3.Deal.CountedOn, lost.Data["counted_on"])
	}
}

// TestTwoCountsOfOneDealPastTheHorizon: the CRM names the deal of two
// contacts, each won on its own, after the outcome horizon of one: what
// it counted can no longer change (as a reversal could not), and the
// outcome is refused saying so — not "already", which would hide that
// the deal counts twice.
func TestTwoCountsOfOneDealPastTheHorizon(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	f.addContact(t, "L2", "dan@bigcorp.example", "fair")
	for _, id := range []string{"L1", "L2"} {
		if _, err := f.h.ApplyCRM(ctx, Outcome{LeadID: id, Stage: "won", Amount: amount(10000), EventID: "w-" + id}); err != nil {
			t.Fatal(err)
		}
	}
	f.now = t0.Add(100 * 24 * time.Hour)
	if _, err := f.h.ApplyCRM(ctx, Outcome{LeadID: "L1", Stage: "won", DealID: "D-1", EventID: "name-L1"}); err != nil {
		t.Fatal(err)
	}
	f.now = t0.Add(181 * 24 * time.Hour)
	_, err := f.h.ApplyCRM(ctx, Outcome{LeadID: "L2", Stage: "won", DealID: "D-1", EventID: "name-L2"})
	if !errors.Is(err, ErrOutcomeRefused) || !strings.Contains(err.Error(), "this lead and the lead L1 each count CRM deal D-1 as won") ||
		!strings.Contains(err.Error(), "stays counted twice") {
		t.Fatalf("named past the horizon: %v; want refused, saying the deal counts twice", err)
	}
	if won := f.countersOf(t, "q4")["won"] + f.countersOf(t, "fair")["won"]; won != 2 {
		t.Fatalf("won %d; want 2, as before", won)
	}
}

// TestThreeContactsWonBeforeTheirDealWasNamed: three contacts won on
// their own, one after the other, and the CRM names their deal for the
// last won first: the deal moves to each earlier contact as it is named,
// and ends counted once, on the first won, whatever was sent again.
func TestThreeContactsWonBeforeTheirDealWasNamed(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	f.addContact(t, "L2", "dan@bigcorp.example", "fair")
	f.addContact(t, "L3", "eve@bigcorp.example", "fair")
	for i, id := range []string{"L1", "L2", "L3"} {
		f.now = t0.Add(time.Duration(i) * time.Hour)
		if _, err := f.h.ApplyCRM(ctx, Outcome{LeadID: id, Stage: "won", Amount: amount(10000), EventID: "w-" + id}); err != nil {
			t.Fatal(err)
		}
	}
	f.now = t0.Add(3 * time.Hour)
	for _, id := range []string{"L3", "L2", "L1", "L3", "L2"} {
		if _, err := f.h.ApplyCRM(ctx, Outcome{LeadID: id, Stage: "won", Amount: amount(10000), DealID: "D-1", EventID: "name-" + id}); err != nil {
			t.Fatal(err)
		}
	}
	want := "q4: sql 1 sql_closed 1 won 1 lost 0 won_valued 1 revenue_minor 1000000 won_days_le_1 1; fair: sql 0 sql_closed 0 won 0 lost 0 won_valued 0 revenue_minor 0 won_days_le_1 0; ana: won 1 revenue_minor 1000000"
	if got := f.dealCounters(t); got != want {
		t.Fatalf("\n got %s\nwant %s", got, want)
	}
	if holder, _ := f.st.DealHolder(ctx, "D-1"); holder != "L1" {
		t.Fatalf("the deal counts on %q, want L1", holder)
	}
}

// TestTwoContactsNamedAtOnce: two contacts won on their own (L1 first),
// then the CRM closes their deal and sends its won for both at once. The
// outcome of one looked for the deal's claim before the other's wrote it,
// so it found nothing to make one count of; its write then lost the claim
// to the other and found the deal counted there. It used to answer
// "already", leaving the deal counted twice (two wins, twice the revenue)
// for good: nothing sent again merges a contact whose outcome named the
// deal. Whichever lands first, the deal counts once, on L1.
func TestTwoContactsNamedAtOnce(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name          string
		first, second string // second's naming outcome runs while first's looks for the claim
		stage         string
		want          string
	}{
		{name: "won, the first won lands first", first: "L2", second: "L1", stage: "won",
			want: "q4: sql 1 sql_closed 1 won 1 lost 0 won_valued 1 revenue_minor 1000000 won_days_le_1 1; fair: sql 0 sql_closed 0 won 0 lost 0 won_valued 0 revenue_minor 0 won_days_le_1 0; ana: won 1 revenue_minor 1000000"},
		{name: "won, the second won lands first", first: "L1", second: "L2", stage: "won",
			want: "q4: sql 1 sql_closed 1 won 1 lost 0 won_valued 1 revenue_minor 1000000 won_days_le_1 1; fair: sql 0 sql_closed 0 won 0 lost 0 won_valued 0 revenue_minor 0 won_days_le_1 0; ana: won 1 revenue_minor 1000000"},
		{name: "lost", first: "L1", second: "L2", stage: "lost",
			want: "q4: sql 0 sql_closed 0 won 0 lost 1 won_valued 0 revenue_minor 0 won_days_le_1 0; fair: sql 0 sql_closed 0 won 0 lost 0 won_valued 0 revenue_minor 0 won_days_le_1 0; ana: won 0 revenue_minor 0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			f.addContact(t, "L2", "dan@bigcorp.example", "fair")
			named := func(id string) Outcome {
				o := Outcome{LeadID: id, Stage: tc.stage, DealID: "D-1", EventID: "name-" + id}
				if tc.stage == "won" {
					o.Amount = amount(10000)
				}
				return o
			}
			for i, id := range []string{"L1", "L2"} {
				f.now = t0.Add(time.Duration(i) * time.Hour)
				o := named(id)
				o.DealID, o.EventID = "", "close-"+id
				if _, err := f.h.ApplyCRM(ctx, o); err != nil {
					t.Fatal(err)
				}
			}
			f.now = t0.Add(2 * time.Hour)
			st := &movedMeanwhile{Store: f.st, n: 1}
			f.h.Store = st
			st.meanwhile = func() {
				if _, err := f.h.ApplyCRM(ctx, named(tc.second)); err != nil {
					t.Errorf("%s named meanwhile: %v", tc.second, err)
				}
			}
			if _, err := f.h.ApplyCRM(ctx, named(tc.first)); err != nil {
				t.Fatalf("%s named: %v", tc.first, err)
			}
			if got := f.dealCounters(t); got != tc.want {
				t.Fatalf("named at once:\n got %s\nwant %s", got, tc.want)
			}
			if holder, _ := f.st.DealHolder(ctx, "D-1"); holder != "L1" {
				t.Fatalf("the deal counts on %q, want L1 (closed first)", holder)
			}
		})
	}
}

// movedMeanwhile is a store whose n-th look at a deal's claim lets
// something else run (meanwhile) before it answers with what it read:
// the claim moves (MergeDeal) between a reader's look and its write, or
// (n 1) another contact's outcome names the deal while this one looks
// for its claim (a CRM closing a deal sends one outcome per contact, at
// once).
type movedMeanwhile struct {
	*memstore.Store
	n         int
	meanwhile func()
}

func (s *movedMeanwhile) DealHolder(ctx context.Context, dealID string) (string, error) {
	holder, err := s.Store.DealHolder(ctx, dealID)
	if s.n--; s.n == 0 && s.meanwhile != nil {
		run := s.meanwhile
		s.meanwhile = nil
		run()
	}
	return holder, err
}

// TestAContactsAmountWhileTheDealMoves: L1 and L2 each won before the CRM
// named their deal (L1 first), L2's outcome named it first (the deal's
// claim is L2's), and then a third contact's won with the deal's amount
// (L3) and L1's naming outcome arrive at once: L3's outcome read the
// claim (L2) just before L1's merge moved it to L1. The amount is the
// deal's, so it counts where the deal counts now, L1 (campaign q4). It
// used to go to L2, whose count the merge had just taken out, which
// answered "already": the deal's revenue (or its correction) was never
// counted, and nothing sent again counts it (L3 records the event as
// applied).
func TestAContactsAmountWhileTheDealMoves(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name    string
		closed  *float64 // L1's and L2's own wins, and L2's naming outcome
		l3First *float64 // L3's won before the race (nil: L3 is won in the race)
		l3      *float64 // L3's won in the race
		want    string
	}{
		{name: "the deal's first amount, on a contact won meanwhile", l3: amount(10000),
			want: "q4: sql 1 sql_closed 1 won 1 lost 0 won_valued 1 revenue_minor 1000000 won_days_le_1 1; fair: sql 0 sql_closed 0 won 0 lost 0 won_valued 0 revenue_minor 0 won_days_le_1 0; ana: won 1 revenue_minor 1000000"},
		{name: "a correction through a contact won before", closed: amount(10000), l3First: amount(10000), l3: amount(12000),
			want: "q4: sql 1 sql_closed 1 won 1 lost 0 won_valued 1 revenue_minor 1200000 won_days_le_1 1; fair: sql 0 sql_closed 0 won 0 lost 0 won_valued 0 revenue_minor 0 won_days_le_1 0; ana: won 1 revenue_minor 1200000"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := countedOnL2(t, tc.closed)
			apply := func(o Outcome) { f.crm(t, o) }
			if tc.l3First != nil {
				apply(Outcome{LeadID: "L3", Stage: "won", Amount: tc.l3First, DealID: "D-1", EventID: "first-L3"})
			}
			if holder, _ := f.st.DealHolder(ctx, "D-1"); holder != "L2" {
				t.Fatalf("before: the deal counts on %q, want L2", holder)
			}
			f.now = t0.Add(3 * time.Hour)
			st := &movedMeanwhile{Store: f.st, n: 2} // L3's merge looks first, then its write's read
			f.h.Store = st
			st.meanwhile = func() {
				if _, err := f.h.ApplyCRM(ctx, Outcome{LeadID: "L1", Stage: "won", DealID: "D-1", EventID: "name-L1"}); err != nil {
					t.Errorf("L1 named meanwhile: %v", err)
				}
			}
			apply(Outcome{LeadID: "L3", Stage: "won", Amount: tc.l3, DealID: "D-1", EventID: "race-L3"})
			if st.meanwhile != nil {
				t.Fatal("L1's naming outcome never ran: the test no longer interleaves the two")
			}
			if holder, _ := f.st.DealHolder(ctx, "D-1"); holder != "L1" {
				t.Fatalf("the deal counts on %q, want L1 (closed first)", holder)
			}
			if got := f.dealCounters(t); got != tc.want {
				t.Fatalf("\n got %s\nwant %s", got, tc.want)
			}
			if tc.l3First == nil {
				// L3's own close names the lead that counts the deal: its
				// lead.won tells a CRM sync which contact carries it.
				if got := f.countedOn(t, "L3", "won"); got != "L1 L1 L1" {
					t.Fatalf("L3's deal, won event and lead.won count the deal on %s; want L1 L1 L1", got)
				}
			}
			// Sent again: already, nothing counted twice.
			apply(Outcome{LeadID: "L3", Stage: "won", Amount: tc.l3, DealID: "D-1", EventID: "race-L3"})
			if got := f.dealCounters(t); got != tc.want {
				t.Fatalf("sent again:\n got %s\nwant %s", got, tc.want)
			}
		})
	}
}

// TestAContactsLostInsteadWhileTheDealMoves: a rep answers "Lost instead"
// on the page of L3, a contact of a deal counted on L2, just as the CRM's
// outcome naming the deal for L1 (won before L2) moves it to L1: the
// reversal went to L2, whose count the merge had taken out, found
// nothing to reverse there and was settled as made. The cancelled deal
// stayed won, with its revenue, on L1. The reversal goes where the deal
// counts now.
func TestAContactsLostInsteadWhileTheDealMoves(t *testing.T) {
	ctx := context.Background()
	f := countedOnL2(t, amount(10000))
	apply := func(o Outcome) { f.crm(t, o) }
	apply(Outcome{LeadID: "L3", Stage: "won", Amount: amount(10000), DealID: "D-1", EventID: "w-L3"})
	f.now = t0.Add(3 * time.Hour)
	st := &movedMeanwhile{Store: f.st, n: 2} // the page's look at the claim, then the reversal's
	f.h.Store = st
	st.meanwhile = func() {
		if _, err := f.h.ApplyCRM(ctx, Outcome{LeadID: "L1", Stage: "won", Amount: amount(10000), DealID: "D-1", EventID: "name-L1"}); err != nil {
			t.Errorf("L1 named meanwhile: %v", err)
		}
	}
	resp := f.do(t, http.MethodPost, links.FeedbackToken(f.keys, "L3", links.ActionLost, "ana@example.com", f.now, f.now.Add(time.Hour)), "")
	if st.meanwhile != nil {
		t.Fatal("L1's naming outcome never ran: the test no longer interleaves the two")
	}
	page := strings.Join(strings.Fields(html.UnescapeString(tags.ReplaceAllString(resp.Body, " "))), " ")
	if want := "The win and its revenue are taken out of the reports, on the lead of Clara (BigCorp), where CRM deal D-1 counts"; resp.StatusCode != http.StatusOK || !strings.Contains(page, want) {
		t.Fatalf("lost instead: %d, want %q in\n%s", resp.StatusCode, want, page)
	}
	if holder, _ := f.st.DealHolder(ctx, "D-1"); holder != "L1" {
		t.Fatalf("the deal counts on %q, want L1 (closed first)", holder)
	}
	want := "q4: sql 0 sql_closed 0 won 0 lost 1 won_valued 0 revenue_minor 0 won_days_le_1 0; fair: sql 0 sql_closed 0 won 0 lost 0 won_valued 0 revenue_minor 0 won_days_le_1 0; ana: won 0 revenue_minor 0"
	if got := f.dealCounters(t); got != want {
		t.Fatalf("\n got %s\nwant %s", got, want)
	}
	if l1, _ := f.st.Lead(ctx, "L1"); l1.Stage != lead.StageLost {
		t.Fatalf("L1 is %s, want lost", l1.Stage)
	}
	if l3, _ := f.st.Lead(ctx, "L3"); l3.Deal.Owed != nil {
		t.Fatalf("L3 still owes %+v", l3.Deal.Owed)
	}
}

// countedOn is where contact id says its deal counts, as its stored deal
// (Deal.CountedOn), its latest outcome event of kind and the published
// event of its latest stage change (lead.won, lead.lost) say: "L1 L1 L1".
func (f *fixture) countedOn(t *testing.T, id, kind string) string {
	t.Helper()
	l, err := f.st.Lead(context.Background(), id)
	if err != nil || l.Deal == nil {
		t.Fatalf("%s: %v, %+v", id, err, l.Deal)
	}
	tl, err := f.st.Timeline(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	outcome, published := "none", "none"
	for _, e := range tl {
		if e.Kind == kind {
			outcome = fmt.Sprint(e.Data["counted_on"])
		}
		if dt, _ := publish.DetailType(e); dt == "lead."+kind {
			published = fmt.Sprint(e.Data["counted_on"])
		}
	}
	return l.Deal.CountedOn + " " + outcome + " " + published
}

// TestAContactsPagesWhileTheDealMoves: a rep opens or answers the page of
// L3, a won contact of a deal counted on L2, just as the CRM's outcome
// naming the deal for L1 (won before L2) moves it to L1: the merge runs
// right after the page's n-th look at the deal's claim. The won page
// named Dan (L2), whose count the merge had taken out, and refused an
// amount ("an amount cannot be recorded here"), or dropped the amount
// typed; "Lost instead" recorded on L3 (its lost event, and so the
// lead.lost a CRM sync reads) that the deal counts on L2. Each names and
// reaches L1 (Clara), where the deal counts after the move.
func TestAContactsPagesWhileTheDealMoves(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name   string
		method string
		action string
		body   string
		n      int    // the look at the claim the merge follows
		says   string // the page says
		want   string // the deal counters after it
		lost   bool   // L3 is lost after it: its lost event names L1
	}{
		{name: "the won page", method: http.MethodGet, action: links.ActionWon, n: 1,
			says: "It counts once, on the lead of Clara (BigCorp), another contact of CRM deal D-1: an amount entered here corrects the deal's amount there.",
			want: "q4: sql 1 sql_closed 1 won 1 lost 0 won_valued 1 revenue_minor 1000000 won_days_le_1 1; fair: sql 0 sql_closed 0 won 0 lost 0 won_valued 0 revenue_minor 0 won_days_le_1 0; ana: won 1 revenue_minor 1000000"},
		{name: "an amount on the won page", method: http.MethodPost, action: links.ActionWon, body: "amount=12000&currency=EUR", n: 2,
			says: "Recorded: the deal's amount is now 12,000.00 EUR (was 10,000.00 EUR), on the lead of Clara (BigCorp), where CRM deal D-1 counts.",
			want: "q4: sql 1 sql_closed 1 won 1 lost 0 won_valued 1 revenue_minor 1200000 won_days_le_1 1; fair: sql 0 sql_closed 0 won 0 lost 0 won_valued 0 revenue_minor 0 won_days_le_1 0; ana: won 1 revenue_minor 1200000"},
		{name: "lost instead", method: http.MethodPost, action: links.ActionLost, n: 1, lost: true,
			says: "The win and its revenue are taken out of the reports, on the lead of Clara (BigCorp), where CRM deal D-1 counts",
			want: "q4: sql 0 sql_closed 0 won 0 lost 1 won_valued 0 revenue_minor 0 won_days_le_1 0; fair: sql 0 sql_closed 0 won 0 lost 0 won_valued 0 revenue_minor 0 won_days_le_1 0; ana: won 0 revenue_minor 0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := countedOnL2(t, amount(10000))
			apply := func(o Outcome) { f.crm(t, o) }
			apply(Outcome{LeadID: "L3", Stage: "won", Amount: amount(10000), DealID: "D-1", EventID: "w-L3"})
			f.now = t0.Add(3 * time.Hour)
			st := &movedMeanwhile{Store: f.st, n: tc.n}
			f.h.Store = st
			st.meanwhile = func() {
				if _, err := f.h.ApplyCRM(ctx, Outcome{LeadID: "L1", Stage: "won", Amount: amount(10000), DealID: "D-1", EventID: "name-L1"}); err != nil {
					t.Errorf("L1 named meanwhile: %v", err)
				}
			}
			resp := f.do(t, tc.method, links.FeedbackToken(f.keys, "L3", tc.action, "ana@example.com", f.now, f.now.Add(time.Hour)), tc.body)
			if st.meanwhile != nil {
				t.Fatal("L1's naming outcome never ran: the test no longer interleaves the two")
			}
			page := strings.Join(strings.Fields(html.UnescapeString(tags.ReplaceAllString(resp.Body, " "))), " ")
			if resp.StatusCode != http.StatusOK || !strings.Contains(page, tc.says) {
				t.Fatalf("%d, want %q in\n%s", resp.StatusCode, tc.says, page)
			}
			if holder, _ := f.st.DealHolder(ctx, "D-1"); holder != "L1" {
				t.Fatalf("the deal counts on %q, want L1 (closed first)", holder)
			}
			if got := f.dealCounters(t); got != tc.want {
				t.Fatalf("\n got %s\nwant %s", got, tc.want)
			}
			if !tc.lost {
				return
			}
			if got := f.countedOn(t, "L3", "lost"); got != "L1 L1 L1" {
				t.Fatalf("L3's deal, lost event and lead.lost count the deal on %s; want L1 L1 L1", got)
			}
		})
	}
}

// TestAContactsOutcomeWithoutDealIDAfterTheDealMoved: L3, a won contact
// of a deal counted on L2, keeps naming L2 after a merge moves the deal to
// L1 (won before L2). A CRM outcome for L3 that names no deal (a
// cancellation sent without deal_id) is L3's deal's, counted where the
// deal counts now: its lost event and lead.lost name L1, not L2, whose
// count was taken out.
func TestAContactsOutcomeWithoutDealIDAfterTheDealMoved(t *testing.T) {
	ctx := context.Background()
	f := countedOnL2(t, amount(10000))
	apply := func(o Outcome) { f.crm(t, o) }
	apply(Outcome{LeadID: "L3", Stage: "won", Amount: amount(10000), DealID: "D-1", EventID: "w-L3"})
	apply(Outcome{LeadID: "L1", Stage: "won", Amount: amount(10000), DealID: "D-1", EventID: "name-L1"})
	if holder, _ := f.st.DealHolder(ctx, "D-1"); holder != "L1" {
		t.Fatalf("the deal counts on %q, want L1 (closed first)", holder)
	}
	f.now = t0.Add(3 * time.Hour)
	apply(Outcome{LeadID: "L3", Stage: "lost", EventID: "cancel-L3"})
	if got := f.countedOn(t, "L3", "lost"); got != "L1 L1 L1" {
		t.Fatalf("L3's deal, lost event and lead.lost count the deal on %s; want L1 L1 L1", got)
	}
	want := "q4: sql 1 sql_closed 1 won 1 lost 0 won_valued 1 revenue_minor 1000000 won_days_le_1 1; fair: sql 0 sql_closed 0 won 0 lost 0 won_valued 0 revenue_minor 0 won_days_le_1 0; ana: won 1 revenue_minor 1000000"
	if got := f.dealCounters(t); got != want {
		t.Fatalf("a contact's lost counts nothing:\n got %s\nwant %s", got, want)
	}
}

// crm applies a CRM outcome; the test fails when it fails.
func (f *fixture) crm(t *testing.T, o Outcome) {
	t.Helper()
	if _, err := f.h.ApplyCRM(context.Background(), o); err != nil {
		t.Fatalf("%+v: %v", o, err)
	}
}

// countedOnL2 is a fixture of deal D-1 counted on L2: L1 (q4) and L2
// (fair) each won on their own with closed as the amount, L1 an hour
// first, and then L2's outcome named the deal (its claim); L3 (fair) is
// a contact still open. The clock stands at the naming, t0 + 2 h.
func countedOnL2(t *testing.T, closed *float64) *fixture {
	t.Helper()
	f := newFixture(t)
	f.addContact(t, "L2", "dan@bigcorp.example", "fair")
	f.addContact(t, "L3", "eve@bigcorp.example", "fair")
	for i, id := range []string{"L1", "L2"} {
		f.now = t0.Add(time.Duration(i) * time.Hour)
		f.crm(t, Outcome{LeadID: id, Stage: "won", Amount: closed, EventID: "close-" + id})
	}
	f.now = t0.Add(2 * time.Hour)
	f.crm(t, Outcome{LeadID: "L2", Stage: "won", Amount: closed, DealID: "D-1", EventID: "name-L2"})
	return f
}
