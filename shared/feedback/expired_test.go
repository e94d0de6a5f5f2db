package feedback

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/leadflow/leadflow/shared/handoff"
	"github.com/leadflow/leadflow/shared/httpapi/httpapitest"
	"github.com/leadflow/leadflow/shared/lead"
	"github.com/leadflow/leadflow/shared/links"
	"github.com/leadflow/leadflow/shared/qualify"
)

// freshCalls records what the handler asked to re-send.
type freshCalls struct {
	calls []string // "lead rep"
	out   lead.Outcome
}

func (c *freshCalls) send(_ context.Context, leadID, rep, _ string) (lead.Outcome, error) {
	c.calls = append(c.calls, leadID+" "+rep)
	return c.out, nil
}

const freshButton = "Send me a fresh link"

// TestExpiredLinkOffersFreshLinks: an authentic accept or reject link
// past its expiry shows nothing of the lead and offers fresh links to the
// rep it names; GET and a POST without the button's field change and send
// nothing; the button asks once per press (the sender keeps it to once
// per window).
func TestExpiredLinkOffersFreshLinks(t *testing.T) {
	expiredAt := t0.Add(-time.Hour)
	accept := links.FeedbackToken(mustKeys(t, "k1:0123456789abcdef0123"), "L1", links.ActionAccept, "ana@example.com", time.Time{}, expiredAt)
	reject := strings.TrimPrefix(links.Reject(mustKeys(t, "k1:0123456789abcdef0123"), "", "L1", "not_icp", "ana@example.com", time.Time{}, expiredAt), "/feedback/")
	for name, tok := range map[string]string{"accept": accept, "reject": reject} {
		t.Run(name, func(t *testing.T) {
			f := newFixture(t)
			fresh := &freshCalls{out: handoff.Sent}
			f.h.FreshLinks = fresh.send
			page := f.do(t, http.MethodGet, tok, "")
			if page.StatusCode != http.StatusForbidden || !strings.Contains(page.Body, freshButton) || !strings.Contains(page.Body, `name="fresh_links"`) ||
				strings.Contains(page.Body, "Clara") || strings.Contains(page.Body, "bigcorp") {
				t.Fatalf("GET = %d, want 403 with the button and nothing of the lead:\n%s", page.StatusCode, page.Body)
			}
			if p := httpapitest.PageProblems(page); len(p) > 0 {
				t.Errorf("expired page: %q", p)
			}
			if r := f.do(t, http.MethodPost, tok, "comment=late"); r.StatusCode != http.StatusForbidden || !strings.Contains(r.Body, freshButton) {
				t.Fatalf("POST without the button's field = %d:\n%s", r.StatusCode, r.Body)
			}
			if len(fresh.calls) != 0 || f.lead(t).Version != 1 {
				t.Fatalf("GET or a plain POST asked for fresh links (%v) or changed the lead", fresh.calls)
			}
			r := f.do(t, http.MethodPost, tok, "fresh_links=1")
			if r.StatusCode != http.StatusOK || !strings.Contains(r.Body, "emailed you") || strings.Contains(r.Body, freshButton) {
				t.Fatalf("POST fresh_links = %d:\n%s", r.StatusCode, r.Body)
			}
			// The heading says what happened, not the failure the rep
			// just fixed ("This link has expired" over "We have emailed
			// you…" reads as if the press did not work).
			if !strings.Contains(r.Body, "<h1>Fresh links sent</h1>") || !strings.Contains(r.Body, "<title>Fresh links sent</title>") {
				t.Errorf("page after the press is not headed \"Fresh links sent\":\n%s", r.Body)
			}
			if len(fresh.calls) != 1 || fresh.calls[0] != "L1 ana@example.com" {
				t.Fatalf("asked for %v, want L1 for ana", fresh.calls)
			}
			// The rep was removed from the routing between the page and
			// the press: nothing was sent, and the page says why.
			fresh.out = handoff.NotRouted
			if r := f.do(t, http.MethodPost, tok, "fresh_links=1"); r.StatusCode != http.StatusOK || !strings.Contains(r.Body, "no longer in the sales routing") || strings.Contains(r.Body, freshButton) {
				t.Fatalf("press after the rep left = %d:\n%s", r.StatusCode, r.Body)
			}
			fresh.out = handoff.AlreadySent
			if r := f.do(t, http.MethodPost, tok, "fresh_links=1"); r.StatusCode != http.StatusOK || !strings.Contains(r.Body, "nothing new was sent") ||
				!strings.Contains(r.Body, "<h1>Fresh links already sent</h1>") {
				t.Fatalf("second press = %d:\n%s", r.StatusCode, r.Body)
			}
			// An email to sales about the lead was refused lately: the page
			// says nothing was sent rather than "being sent".
			fresh.out = handoff.Deferred
			if r := f.do(t, http.MethodPost, tok, "fresh_links=1"); r.StatusCode != http.StatusOK || !strings.Contains(r.Body, "could not be delivered, so nothing was sent") {
				t.Fatalf("press while deferred = %d:\n%s", r.StatusCode, r.Body)
			}
			if l := f.lead(t); l.Version != 1 || l.Stage != lead.StageMQL {
				t.Fatalf("the expired page changed the lead: %+v", l)
			}
			if strings.Contains(f.logs.String(), "ana@example.com") || strings.Contains(f.logs.String(), "clara") {
				t.Fatalf("logs name a person:\n%s", f.logs)
			}
		})
	}
}

// TestExpiredLinkWithoutFreshLinks: links that name no rep the lead waits
// for, links expired too long ago, outcome links and answered leads get
// no button.
func TestExpiredLinkWithoutFreshLinks(t *testing.T) {
	keys := mustKeys(t, "k1:0123456789abcdef0123")
	for _, tc := range []struct {
		name, tok, says string
		answered        bool
	}{
		{"another rep's link", links.FeedbackToken(keys, "L1", links.ActionAccept, "lea@example.com", time.Time{}, t0.Add(-time.Hour)), "Open the lead in your CRM", false},
		{"a reject link naming no rep", links.FeedbackToken(keys, "L1", links.ActionReject, "not_icp", time.Time{}, t0.Add(-time.Hour)), "Open the lead in your CRM", false},
		{"expired too long ago", links.FeedbackToken(keys, "L1", links.ActionAccept, "ana@example.com", time.Time{}, t0.Add(-MaxExpiredAge-time.Minute)), "This link has expired.", false},
		{"an outcome link", links.FeedbackToken(keys, "L1", links.ActionWon, "ana@example.com", time.Time{}, t0.Add(-time.Hour)), "This link has expired.", false},
		{"answered", links.FeedbackToken(keys, "L1", links.ActionAccept, "ana@example.com", time.Time{}, t0.Add(-time.Hour)), "Sales already answered this lead (Accepted by sales (SAL))", true},
		// Ana left: the routing config no longer lists her.
		{"a rep who left", links.FeedbackToken(keys, "L1", links.ActionAccept, "ana@example.com", time.Time{}, t0.Add(-time.Hour)),
			"This link has expired. You are no longer in the sales routing, so this lead's alert is not sent to you again; sales has it.", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			fresh := &freshCalls{out: handoff.Sent}
			f.h.FreshLinks = fresh.send
			f.h.Routed = func(rep string) bool { return tc.name != "a rep who left" }
			if tc.answered {
				f.now = t0.Add(-2 * time.Hour)
				if r := f.post(t, links.ActionAccept, "ana@example.com"); r.StatusCode != http.StatusOK {
					t.Fatalf("accept: %d", r.StatusCode)
				}
				f.now = t0
			}
			for _, method := range []string{http.MethodGet, http.MethodPost} {
				r := f.do(t, method, tc.tok, "fresh_links=1")
				if r.StatusCode != http.StatusForbidden || !strings.Contains(pageText(r.Body), tc.says) || strings.Contains(r.Body, freshButton) {
					t.Fatalf("%s = %d, want 403 saying %q without the button:\n%s", method, r.StatusCode, tc.says, r.Body)
				}
			}
			if len(fresh.calls) != 0 {
				t.Fatalf("asked for fresh links: %v", fresh.calls)
			}
		})
	}
}

type labels map[string]string

func (m labels) AnswerLabel(campaign, key string) (string, bool) {
	l, ok := m[campaign+"/"+key]
	return l, ok
}

func (m labels) CampaignName(campaign string) (string, bool) {
	l, ok := m[campaign]
	return l, ok
}

func (m labels) VariantHeadline(campaign, variant string) (string, bool) {
	l, ok := m[campaign+"#"+variant]
	return l, ok
}

// TestPageShowsTheLeadInWords: the page shows the lead's message and
// answers under their labels (escaped), the stage by name, times in the
// rep's time zone, consent asked and not confirmed in words, the
// campaign by name, the variant by headline and score reasons about
// answers by the question's label.
func TestPageShowsTheLeadInWords(t *testing.T) {
	f := newFixture(t)
	rules, err := qualifyParse(strings.Replace(rulesYAML, "reps: [{name: Ana, email: ana@example.com}]", "reps: [{name: Ana, email: ana@example.com, time_zone: Europe/Berlin}]", 1))
	if err != nil {
		t.Fatal(err)
	}
	f.h.Rules = rules
	f.h.Labels = labels{"q4/crm": "Which CRM do you use?", "q4": "Q4 push (q4)", "q4#b": "Answer every lead"}
	l := f.lead(t)
	l.Message, l.FormType = "Call me <script>alert(1)</script>", "demo_request"
	l.Answers = map[string]string{"crm": "HubSpot", "team_size": "12"}
	l.FirstTouch.Variant, l.LastTouch.Variant = "b", "b"
	l.OptIn = &lead.ConsentRequest{ID: "r1", RequestedAt: t0}
	l.Qualification = &lead.Qualification{Grade: "A", Temperature: "hot", Campaign: "q4",
		Reasons:       []string{"using the rules of campaign q4", "+10 answer crm in [HubSpot]"},
		AnswerReasons: []lead.AnswerReason{{Reason: 1, Answer: "crm", Head: "+10 ", Tail: " in [HubSpot]"}}}
	if _, err := lead.Write(context.Background(), f.st.Put, l, lead.Change{}); err != nil {
		t.Fatal(err)
	}
	r := f.do(t, http.MethodGet, f.tok(links.ActionAccept, "ana@example.com"), "")
	for _, want := range []string{"Which CRM do you use?", "HubSpot", "Team size", "Demo request", "Call me &lt;script&gt;",
		"Marketing qualified (MQL)", "Mon 10 Mar 2031, 10:00 CET", "Respond by",
		"Asked — waiting for the person to confirm by email", "Q4 push (q4)", "“Answer every lead” (b)",
		"Offer variant", "Grade A · Hot", "&#43;10 “Which CRM do you use?” in [HubSpot]", "using the rules of campaign Q4 push (q4)"} {
		if !strings.Contains(r.Body, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	for _, bad := range []string{"<script>alert", ">crm<", "demo_request", ">mql<", "UTC", "answer crm", ">no<", "hot<", ">campaign<"} {
		if strings.Contains(r.Body, bad) {
			t.Errorf("page shows %q", bad)
		}
	}
	if t.Failed() {
		t.Log(r.Body)
	}
}

func qualifyParse(yaml string) (*qualify.Config, error) {
	return qualify.Parse([]byte(yaml), "rules.yaml")
}

// TestPagesSayWhatTheyDo: each answer page's title and button say what
// it records in words, never an upper-cased action code.
func TestPagesSayWhatTheyDo(t *testing.T) {
	f := newFixture(t)
	for _, tc := range []struct{ action, extra, title, button string }{
		{links.ActionAccept, "ana@example.com", "Accept this lead?", ">Accept</button>"},
		{links.ActionReject, "not_icp", "Reject this lead?", ">Reject</button>"},
		{links.ActionRelease, "", "Release this lead&#39;s alert to sales?", ">Release to sales</button>"},
		{links.ActionSQL, "ana@example.com", "Mark this lead a sales qualified opportunity (SQL)?", ">Mark as SQL</button>"},
		{links.ActionWon, "ana@example.com", "Mark this deal won?", ">Mark won</button>"},
		{links.ActionLost, "ana@example.com", "Mark this deal lost?", ">Mark lost</button>"},
	} {
		if tc.action == links.ActionRelease || outcomeStages[tc.action] != "" {
			l, err := f.st.Lead(context.Background(), "L1")
			if err != nil {
				t.Fatal(err)
			}
			if tc.action == links.ActionRelease { // a held alert is what a release link is for
				l.Handoff.State = lead.HandoffHeld
			} else { // and an accepted deal what an outcome link is for
				l.Stage, l.Deal = lead.StageSAL, &lead.Deal{AcceptedAt: t0, Rep: "ana@example.com"}
			}
			if _, err := lead.Write(context.Background(), f.st.Put, l, lead.Change{At: t0}); err != nil {
				t.Fatal(err)
			}
		}
		r := f.do(t, http.MethodGet, f.tok(tc.action, tc.extra), "")
		if r.StatusCode != http.StatusOK || !strings.Contains(r.Body, "<h1>"+tc.title+"</h1>") || !strings.Contains(r.Body, tc.button) {
			t.Errorf("%s: %d, want title %q and button %q:\n%s", tc.action, r.StatusCode, tc.title, tc.button, r.Body)
		}
		for _, bad := range []string{"Mark SQL", "Mark WON", "Mark LOST", "RELEASE"} {
			if strings.Contains(r.Body, bad) {
				t.Errorf("%s page shows %q", tc.action, bad)
			}
		}
	}
}

// TestAnsweredAlertPageSaysSo: opening an alert's link once it is
// answered shows what happened, with no button asking again.
func TestAnsweredAlertPageSaysSo(t *testing.T) {
	f := newFixture(t)
	if r := f.do(t, http.MethodPost, f.tok(links.ActionAccept, "ana@example.com"), ""); r.StatusCode != http.StatusOK {
		t.Fatalf("accept: %d %s", r.StatusCode, r.Body)
	}
	for _, tc := range []struct {
		action, extra, says string
		owner               bool // the page is the deal holder's: it offers the outcome links
	}{
		// Whoever opens it — Ana again, or Lea from the escalation — learns who answered.
		{links.ActionAccept, "ana@example.com", "Ana already accepted this lead on 10 Mar 2031; nothing changed.", true},
		{links.ActionAccept, "lea@example.com", "Ana already accepted this lead on 10 Mar 2031; nothing changed.", false},
		{links.ActionReject, "not_icp", "Sales already answered this lead. It is at stage Accepted by sales (SAL); nothing changed.", false},
		{links.ActionReject, "not_icp " + links.LinkRepRef(f.keys, "ana@example.com"), "Sales already answered this lead.", true},
		{links.ActionRelease, "", "Sales already answered this lead.", false},
	} {
		r := f.do(t, http.MethodGet, f.tok(tc.action, tc.extra), "")
		if r.StatusCode != http.StatusOK || !strings.Contains(pageText(r.Body), tc.says) || strings.Contains(r.Body, ">Accept</button>") ||
			strings.Contains(r.Body, ">Reject</button>") || strings.Contains(r.Body, ">Release to sales</button>") {
			t.Errorf("%s page after acceptance: %d, want %q and no button:\n%s", tc.action, r.StatusCode, tc.says, r.Body)
		}
		// The deal is Ana's: its outcome links are hers alone. Lea's page
		// (the escalation's link), and a link that names nobody, offer
		// none of them for Ana's deal.
		if offers := strings.Contains(r.Body, "Later, record how it went:"); offers != tc.owner {
			t.Errorf("%s page (%q) after Ana accepted: offers outcome links %v, want %v", tc.action, tc.extra, offers, tc.owner)
		}
	}
}

// TestPageNamesTheSLAWorkingHours: with working hours the page's
// "Respond by" says the deadline counts only them, as the alert does;
// without, it shows the deadline alone.
func TestPageNamesTheSLAWorkingHours(t *testing.T) {
	for _, tt := range []struct {
		name, rules, want, notWant string
	}{
		{"working hours", strings.Replace(rulesYAML, "sla: {first_response: 5m}",
			`sla: {first_response: 5m, hours: {from: "08:00", to: "18:00", days: [mon, tue, wed, thu, fri], time_zone: Europe/Berlin}}`, 1),
			"(the response time counts working hours only: Mon–Fri 08:00–18:00 Europe/Berlin)", ""},
		{"around the clock", rulesYAML, "Respond by", "working hours"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			rules, err := qualifyParse(tt.rules)
			if err != nil {
				t.Fatal(err)
			}
			f.h.Rules = rules
			r := f.do(t, http.MethodGet, f.tok(links.ActionAccept, "ana@example.com"), "")
			if !strings.Contains(r.Body, "Respond by") || !strings.Contains(r.Body, tt.want) {
				t.Errorf("page lacks %q:\n%s", tt.want, r.Body)
			}
			if tt.notWant != "" && strings.Contains(r.Body, tt.notWant) {
				t.Errorf("page says %q:\n%s", tt.notWant, r.Body)
			}
		})
	}
}
