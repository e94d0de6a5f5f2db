package report_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/leadflow/leadflow/shared/mail/mailtest"
	"github.com/leadflow/leadflow/shared/report"
)

// monthStore answers MonthSources from a fixed table of months and
// counts the months read.
type monthStore struct {
	months map[string][]report.Source
	read   []string
}

func (s *monthStore) MonthSources(_ context.Context, m string) ([]report.Source, error) {
	s.read = append(s.read, m)
	return s.months[m], nil
}
func (s *monthStore) Once(context.Context, string, time.Time) (bool, error) { return true, nil }
func (s *monthStore) Forget(context.Context, string) error                  { return nil }

// variantMonth is one month of one variant of the campaign "spring":
// its leads, of which sal reached SAL.
func variantMonth(month, variant string, leads, sal int64) report.Source {
	return report.Source{Campaign: "spring", Variant: variant, Month: month,
		Counters: report.Counters{"leads": leads, "mql": sal, "sal": sal}}
}

// TestDigestCountsEachABTestFromItsStart: the always-valid p holds for
// looks at one growing sample, so the digest counts an A/B test from the
// month its last variant started, not over its own moving two months
// (which drop a month of counts every month and so start a new sample).
// The funnel figures stay the digest's two months; the verdict says
// since when it counts. A test whose variants started within the two
// months counts from that month only (no months of one variant alone).
func TestDigestCountsEachABTestFromItsStart(t *testing.T) {
	months := map[string][]report.Source{}
	add := func(s report.Source) { months[s.Month] = append(months[s.Month], s) }
	// a since Sep 2030, b since Oct 2030: the test started in October.
	// Each month is 50 vs 50 leads, 10% vs 20% SAL: no winner in two
	// months (100 each), one over six (300 each).
	add(variantMonth("2030-09", "a", 50, 5))
	for _, m := range []string{"2030-10", "2030-11", "2030-12", "2031-01", "2031-02", "2031-03"} {
		add(variantMonth(m, "a", 50, 5))
		add(variantMonth(m, "b", 50, 10))
	}
	st := &monthStore{months: months}
	out := &mailtest.Outbox{}
	h := newHandler(st, out)
	h.Economics.Controls = map[string]string{"spring": "a"}
	if got, err := h.Digest(context.Background()); err != nil || got != "sent" {
		t.Fatalf("digest = %s, %v", got, err)
	}
	text := out.Sent()[0].Text
	if !strings.Contains(text, "Feb 2031 – Mar 2031") || !strings.Contains(text, "200 leads") {
		t.Fatalf("the digest's figures no longer cover February and March:\n%s", text)
	}
	want := "spring, lead → SAL (since Oct 2030): b converts better to SAL than a (20.0% vs 10.0%"
	if !strings.Contains(text, want) {
		t.Fatalf("the digest does not count the test from October, when b started; want %q in:\n%s", want, text)
	}

	// b since March: a's earlier months are not part of the test, which
	// compares March with March.
	months = map[string][]report.Source{}
	for _, m := range []string{"2030-12", "2031-01", "2031-02"} {
		add(variantMonth(m, "a", 300, 30))
	}
	add(variantMonth("2031-03", "a", 300, 30))
	add(variantMonth("2031-03", "b", 300, 90))
	st.months = months
	out = &mailtest.Outbox{}
	h = newHandler(st, out)
	h.Economics.Controls = map[string]string{"spring": "a"}
	if got, err := h.Digest(context.Background()); err != nil || got != "sent" {
		t.Fatalf("digest = %s, %v", got, err)
	}
	text = out.Sent()[0].Text
	want = "spring, lead → SAL (since Mar 2031): b converts better to SAL than a (30.0% vs 10.0%"
	if !strings.Contains(text, want) || !strings.Contains(text, "900 leads") {
		t.Fatalf("a test that started in March does not count March alone, or the figures left Feb – Mar; want %q in:\n%s", want, text)
	}
}
