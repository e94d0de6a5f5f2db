package app_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/leadflow/leadflow/local/testenv"
	"github.com/leadflow/leadflow/shared/app"
	"github.com/leadflow/leadflow/shared/lead"
	"github.com/leadflow/leadflow/shared/mail/sesstore"
	"github.com/leadflow/leadflow/shared/store"
)

// qualifyWithStampedReps is the default qualification config with every
// rep's and team lead's address made unique to this run (the SES
// emulator's mailbox is shared by every test), as a file; at maps the
// default addresses to the run's.
func qualifyWithStampedReps(t *testing.T, stamp int64) (path string, at func(string) string) {
	t.Helper()
	src, err := os.ReadFile(filepath.Join(testenv.Root(t), "shared", "qualify", "default.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	suffix := fmt.Sprintf(".%d@reps.example", stamp)
	path = filepath.Join(t.TempDir(), "qualify.yaml")
	if err := os.WriteFile(path, []byte(strings.ReplaceAll(string(src), "@example.com", suffix)), 0o644); err != nil {
		t.Fatal(err)
	}
	return path, func(name string) string { return name + suffix }
}

// pressLink presses a feedback link (its token) as a person does: a POST
// with the page's form (form: its fields, "" for none); it returns the
// page that says the answer was recorded.
func pressLink(t *testing.T, fb app.Handlers, tok, form string) string {
	t.Helper()
	ev := sampleEvent(t, "feedback-answer.json")
	ev.PathParameters = map[string]string{"token": tok}
	ev.Body, ev.IsBase64Encoded = form, false
	r, err := fb.HTTP(context.Background(), ev)
	if err != nil || r.StatusCode != 200 || !strings.Contains(r.Body, "Recorded") {
		t.Fatalf("answer: %d %v %s", r.StatusCode, err, r.Body)
	}
	return r.Body
}

// TestPerRepSalesView drives hot leads of two teams through capture, the
// alert, the reps' answers on the real links in their emails (fast, late,
// never: escalated to the team lead, who accepts), an opportunity and a
// deal won with its amount, on a controlled clock; then reads every
// rep's figures in /reports (JSON, CSV, dashboard) and the weekly digest
// each team lead gets — once, whatever the schedule does — with counts
// only, no lead named.
func TestPerRepSalesView(t *testing.T) {
	stamp := time.Now().UnixNano()
	cfg, addr := qualifyWithStampedReps(t, stamp)
	t0 := time.Date(2031, 3, 10, 10, 0, 0, 0, time.UTC) // a Monday, ISO week 11
	clock := &clockAt{t: t0}
	env := map[string]string{"QUALIFY_CONFIG": cfg, "PUBLIC_BASE_URL": "https://leads.example.com"}
	capture, table, _ := buildAt(t, "capture", env, clock.now, "")
	fb, _, _ := buildAt(t, "feedback", env, clock.now, table)
	tick, _, _ := buildAt(t, "nurture", env, clock.now, table)
	marketing := fmt.Sprintf("marketing.%d@example.com", stamp)
	reports, _, repLogs := buildAt(t, "reports", map[string]string{"QUALIFY_CONFIG": cfg, "PUBLIC_BASE_URL": "https://leads.example.com",
		"MARKETING_ADDRESS": marketing}, clock.now, table)
	ctx := context.Background()
	st := store.New(testenv.Clients(t).DynamoDB, table)

	// Five hot leads: four for the enterprise team (company size), one
	// for smb (small and a small budget).
	type hotLead struct{ id, email, rep string }
	post := func(i int, body string) hotLead {
		t.Helper()
		email := fmt.Sprintf("buyer%d.%d@bigcorp.example", i, stamp)
		if r, err := capture.HTTP(ctx, jsonLead(strings.Replace(body, "EMAIL", email, 1))); err != nil || r.StatusCode != 202 {
			t.Fatalf("capture: %v %+v", err, r)
		}
		id := capturedID(t, table, email)
		l, err := st.Lead(ctx, id)
		if err != nil || l.Handoff == nil || l.Handoff.Rep == "" {
			t.Fatalf("lead %d was not handed to a rep: %+v %v", i, l.Handoff, err)
		}
		return hotLead{id, email, l.Handoff.Rep}
	}
	byRep := map[string][]hotLead{}
	for i := range 4 {
		h := post(i, hotBody("EMAIL", "1000+"))
		byRep[h.rep] = append(byRep[h.rep], h)
	}
	smbBody := strings.NewReplacer(`"company_size":"1000+"`, `"company_size":"51-200"`, `"budget":"$100k"`, `"budget":"$20k"`).Replace(hotBody("EMAIL", "1000+"))
	small := post(4, smbBody)
	ana, ben, lea, sam := addr("ana"), addr("ben"), addr("lea"), addr("sam")
	if len(byRep[ana]) != 2 || len(byRep[ben]) != 2 || small.rep != sam {
		t.Fatalf("round robin: %v; the small lead went to %s", byRep, small.rep)
	}

	// The answer links of the email about a lead to a person.
	linkRe := regexp.MustCompile(`https://leads\.example\.com/feedback/([A-Za-z0-9_.-]+)`)
	alertLinks := func(h hotLead, to string) (accept string, reject map[string]string) {
		t.Helper()
		got := waitMail(t, 1, func(e sesstore.Email) bool {
			return slices.Contains(e.To, to) && slices.Contains(e.ReplyTo, h.email)
		})
		if len(got) == 0 {
			t.Fatalf("no email to %s about %s", to, h.email)
		}
		text := got[len(got)-1].Text
		reject = map[string]string{}
		for _, line := range strings.Split(text, "\n") {
			if m := linkRe.FindStringSubmatch(line); m != nil && strings.HasPrefix(strings.TrimSpace(line), "- ") {
				reject[strings.TrimSpace(strings.TrimPrefix(strings.SplitN(line, ": https", 2)[0], "  - "))] = m[1]
			}
		}
		return linkRe.FindStringSubmatch(text)[1], reject
	}
	answer := func(tok, form string) string { t.Helper(); return pressLink(t, fb, tok, form) }
	fire := func() {
		t.Helper()
		if err := tick.Event(ctx, tickEvent(fmt.Sprint("tick-", clock.now().Unix()))); err != nil {
			t.Fatal(err)
		}
	}

	// Ana accepts one lead within a minute and the other within five.
	accept, _ := alertLinks(byRep[ana][1], ana)
	clock.add(30 * time.Second)
	answer(accept, "")
	accept, _ = alertLinks(byRep[ana][0], ana)
	clock.add(150 * time.Second) // t0+3m
	page := answer(accept, "")
	// Sam rejects his (not our ideal customer) at t0+3m.
	_, reject := alertLinks(small, sam)
	answer(reject["Not our ideal customer"], "")
	// Ben answers one lead after the five-minute SLA, before any
	// escalation: rejected (no budget yet), late.
	_, reject = alertLinks(byRep[ben][0], ben)
	clock.add(150 * time.Second) // t0+5m30s
	answer(reject["No budget yet"], "")
	// He never answers the other: the tick escalates it to Lea, who
	// accepts it from the escalation two minutes later.
	clock.add(30 * time.Second) // t0+6m
	fire()
	fire()
	accept, _ = alertLinks(byRep[ben][1], lea)
	clock.add(2 * time.Minute) // t0+8m
	answer(accept, "")
	// Ana's first lead becomes an opportunity, then a deal won for 12,000.
	outcomes := map[string]string{}
	for _, o := range regexp.MustCompile(`class="btn" href="([A-Za-z0-9_.-]+)">([^<]+)<`).FindAllStringSubmatch(page, -1) {
		outcomes[o[2]] = o[1]
	}
	clock.add(time.Hour)
	answer(outcomes["Qualified opportunity (SQL)"], "")
	answer(outcomes["Won"], "amount=12000")
	testenv.Settle(t, table) // the alerts' counters come from the table's stream

	// Eight days later (ISO week 12) the accepted leads still open are
	// 7–30 days old.
	clock.add(8 * 24 * time.Hour)
	get := func(format string) string { t.Helper(); return reportIn(t, reports, format) }
	var js struct {
		Reps []struct {
			Rep, Name  string
			Teams      []string
			Alerts     int64
			Accepted   int64
			AcceptRate *float64 `json:"accept_rate"`
			Rejected   struct {
				Total   int64
				Reasons []struct {
					Code  string
					Count int64
				}
			}
			FirstResponse struct {
				Responses   int64
				Median, P90 struct{ Label string }
			} `json:"first_response"`
			SLA struct {
				Breaches, Escalated int64
				AnsweredLate        int64 `json:"answered_late"`
			}
			Open *struct {
				Total     int64
				Under7    int64 `json:"under_7_days"`
				Days7To30 int64 `json:"days_7_to_30"`
				Over30    int64 `json:"over_30_days"`
			} `json:"open_without_outcome"`
			Deals struct {
				SQL, Won, Lost int64
				Revenue        float64
				WinRate        *float64 `json:"win_rate"`
			}
		}
	}
	if err := json.Unmarshal([]byte(get("json")), &js); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range js.Reps {
		reasons := ""
		for _, x := range r.Rejected.Reasons {
			reasons += fmt.Sprintf(" %s=%d", x.Code, x.Count)
		}
		open := "open ?"
		if r.Open != nil {
			open = fmt.Sprintf("open %d/%d/%d", r.Open.Under7, r.Open.Days7To30, r.Open.Over30)
		}
		got = append(got, fmt.Sprintf("%s %s %v: alerts %d accepted %d rejected %d%s · responses %d median %s p90 %s · SLA %d (%d escalated, %d late) · %s · sql %d won %d revenue %.0f",
			r.Name, strings.TrimSuffix(r.Rep, fmt.Sprintf(".%d@reps.example", stamp)), r.Teams, r.Alerts, r.Accepted, r.Rejected.Total, reasons,
			r.FirstResponse.Responses, r.FirstResponse.Median.Label, r.FirstResponse.P90.Label, r.SLA.Breaches, r.SLA.Escalated, r.SLA.AnsweredLate,
			open, r.Deals.SQL, r.Deals.Won, r.Deals.Revenue))
	}
	want := []string{
		"Ana Lopez ana [enterprise]: alerts 2 accepted 2 rejected 0 · responses 2 median ≤ 1 min p90 ≤ 5 min · SLA 0 (0 escalated, 0 late) · open 0/1/0 · sql 1 won 1 revenue 12000",
		"Ben Wu ben [enterprise]: alerts 2 accepted 0 rejected 1 no_budget=1 · responses 2 median ≤ 15 min p90 ≤ 15 min · SLA 2 (1 escalated, 1 late) · open 0/0/0 · sql 0 won 0 revenue 0",
		"Lea Stone lea [enterprise]: alerts 0 accepted 1 rejected 0 · responses 0 median no responses yet p90 no responses yet · SLA 0 (0 escalated, 0 late) · open 0/1/0 · sql 0 won 0 revenue 0",
		"Priya Nair priya [smb]: alerts 0 accepted 0 rejected 0 · responses 0 median no responses yet p90 no responses yet · SLA 0 (0 escalated, 0 late) · open 0/0/0 · sql 0 won 0 revenue 0",
		"Sam Reed sam [smb]: alerts 1 accepted 0 rejected 1 not_icp=1 · responses 1 median ≤ 5 min p90 ≤ 5 min · SLA 0 (0 escalated, 0 late) · open 0/0/0 · sql 0 won 0 revenue 0",
	}
	if !slices.Equal(got, want) {
		t.Fatalf("reps in the JSON report:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if a := js.Reps[0]; a.AcceptRate == nil || *a.AcceptRate != 1 || a.Deals.WinRate == nil || *a.Deals.WinRate != 1 {
		t.Errorf("Ana's rates: accept %v win %v", a.AcceptRate, a.Deals.WinRate)
	}

	// CSV: one "rep" row each, after the campaigns and the total.
	rows, err := csv.NewReader(strings.NewReader(get("csv"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	var ben0 []string
	for _, r := range rows[1:] {
		if r[col["row"]] == "rep" && r[col["rep"]] == ben {
			ben0 = r
		}
	}
	if ben0 == nil || ben0[col["handoffs"]] != "2" || ben0[col["sla_breach_rate"]] != "1" || ben0[col["rejection_reasons"]] != "no_budget=1" ||
		ben0[col["median_response"]] != "<= 15 min" || ben0[col["rep_name"]] != "Ben Wu" {
		t.Errorf("Ben's CSV row: %v", ben0)
	}

	// The dashboard's Sales reps section; no lead in it.
	html := get("html")
	for _, want := range []string{`<h2 id="reps-h">Sales reps</h2>`, "Ana Lopez", "First response, median (bucketed)", "no budget 1", "€12,000"} {
		if !strings.Contains(html, want) {
			t.Errorf("dashboard lacks %q", want)
		}
	}

	// The weekly schedule, fired three times: each team lead gets their
	// team's digest once.
	for i := range 3 {
		if err := reports.Event(ctx, tickEvent(fmt.Sprint("weekly-", i))); err != nil {
			t.Fatal(err)
		}
	}
	teamDigest := func(e sesstore.Email) bool {
		return strings.HasPrefix(e.Subject, "Sales team ") && strings.Contains(e.Subject, "week 2031-W12")
	}
	digests := waitMail(t, 3, func(e sesstore.Email) bool {
		return teamDigest(e) && (slices.Contains(e.To, lea) || slices.Contains(e.To, addr("max")))
	})
	if len(digests) != 2 {
		t.Fatalf("%d team digests, want one to each team lead", len(digests))
	}
	var ent, smb sesstore.Email
	for _, d := range digests {
		if slices.Contains(d.To, lea) {
			ent = d
		} else {
			smb = d
		}
	}
	if ent.Subject != "Sales team enterprise, week 2031-W12: 4 alerts, 3 accepted, 2 SLA breaches, 1 won" || !strings.HasPrefix(smb.Subject, "Sales team smb, week 2031-W12: 1 alert, 0 accepted") {
		t.Fatalf("subjects %q / %q", ent.Subject, smb.Subject)
	}
	for _, want := range []string{
		"Ana Lopez (" + ana + ")\n  - Alerts received: 2 (2 accepted, 0 rejected: 100.0% of the answers accepted)",
		"  - First response, median: ≤ 1 min (p90 ≤ 5 min, over 2 responses; bucketed)",
		"  - Accepted, no outcome yet: 1 (under 7 days 0 · 7–30 days 1 · over 30 days 0)",
		"  - Won: 1 (lost 0 · win rate 100.0% · revenue €12,000)",
		"Ben Wu (" + ben + ")",
		"  - SLA breaches: 2 (100.0% of alerts; 1 escalated, 1 answered late)",
		"  - Rejected, main reasons: 1 (no budget 1)",
		"Lea Stone (" + lea + "), team lead\n  - Alerts received: 0 (1 accepted, 0 rejected: 100.0% of the answers accepted)",
		"?from=2031-02&to=2031-03#reps", // the signed dashboard link's months and section
	} {
		if !strings.Contains(ent.Text, want) {
			t.Errorf("the enterprise digest lacks %q:\n%s", want, ent.Text)
		}
	}
	if !strings.Contains(smb.Text, "Priya Nair ("+addr("priya")+")\n  nothing in this period") || strings.Contains(smb.Text, "Ana Lopez") {
		t.Errorf("the smb digest:\n%s", smb.Text)
	}
	// Counts only: no lead's address, name or company in any of it.
	for _, d := range append(digests, sesstore.Email{Text: html}) {
		for _, pii := range []string{"bigcorp.example", "Clara Moss", "BigCorp"} {
			if strings.Contains(d.Text, pii) || strings.Contains(d.HTML, pii) || strings.Contains(d.Subject, pii) {
				t.Errorf("%q shows %q", d.Subject, pii)
			}
		}
	}
	// The reports function's log names no rep.
	if strings.Contains(repLogs.String(), "@reps.example") || !strings.Contains(repLogs.String(), `"team digests"`) {
		t.Errorf("reports log: %s", repLogs)
	}
}

// TestOpenLeadsOfARepWhoLeftReachTheTeamLead: Ana and Ben accept a hot
// lead each; Ben then leaves (the routing config no longer lists him). The
// weekly schedule, fired twice, sends Ana her list and Lea, their team
// lead, one list of Ben's open lead, naming him; Lea records it won from
// that email's link.
func TestOpenLeadsOfARepWhoLeftReachTheTeamLead(t *testing.T) {
	stamp := time.Now().UnixNano()
	cfg, addr := qualifyWithStampedReps(t, stamp)
	ana, ben, lea := addr("ana"), addr("ben"), addr("lea")
	t0 := time.Date(2031, 3, 10, 10, 0, 0, 0, time.UTC)
	clock := &clockAt{t: t0}
	env := map[string]string{"QUALIFY_CONFIG": cfg, "PUBLIC_BASE_URL": "https://leads.example.com"}
	capture, table, _ := buildAt(t, "capture", env, clock.now, "")
	fb, _, _ := buildAt(t, "feedback", env, clock.now, table)
	ctx := context.Background()
	st := store.New(testenv.Clients(t).DynamoDB, table)
	link := regexp.MustCompile(`(?:ACCEPT this lead:\s+|Won: )https://leads\.example\.com/feedback/([A-Za-z0-9_.-]+)`)
	type accepted struct{ email, name string }
	held := map[string]accepted{} // by rep
	for i := range 2 {
		email := fmt.Sprintf("buyer%d.%d@bigcorp.example", i, stamp)
		body := strings.Replace(hotBody(email, "1000+"), "Clara Moss", fmt.Sprint("Buyer ", i), 1)
		if r, err := capture.HTTP(ctx, jsonLead(body)); err != nil || r.StatusCode != 202 {
			t.Fatalf("capture: %v %+v", err, r)
		}
		l, err := st.Lead(ctx, capturedID(t, table, email))
		if err != nil || l.Handoff == nil {
			t.Fatalf("lead %d: %+v %v", i, l.Handoff, err)
		}
		alert := waitMail(t, 1, func(e sesstore.Email) bool {
			return slices.Contains(e.To, l.Handoff.Rep) && slices.Contains(e.ReplyTo, email)
		})
		m := link.FindStringSubmatch(alert[0].Text)
		if m == nil {
			t.Fatalf("no accept link in:\n%s", alert[0].Text)
		}
		pressLink(t, fb, m[1], "")
		held[l.Handoff.Rep] = accepted{email, l.Name}
	}
	if held[ana].email == "" || held[ben].email == "" {
		t.Fatalf("round robin: %v", held)
	}
	testenv.Settle(t, table) // the reps' counters come from the table's stream

	// Ben leaves: the config no longer lists him. A week later the
	// schedule fires, twice.
	src, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	benLine := "        - {name: Ben Wu, email: " + ben + "}\n"
	if !strings.Contains(string(src), benLine) {
		t.Fatalf("no line for Ben in the config")
	}
	left := filepath.Join(t.TempDir(), "qualify.yaml")
	if err := os.WriteFile(left, []byte(strings.Replace(string(src), benLine, "", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	clock.add(8 * 24 * time.Hour)
	reports, _, _ := buildAt(t, "reports", map[string]string{"QUALIFY_CONFIG": left, "PUBLIC_BASE_URL": "https://leads.example.com",
		"MARKETING_ADDRESS": fmt.Sprintf("marketing.%d@example.com", stamp)}, clock.now, table)
	fb, _, _ = buildAt(t, "feedback", map[string]string{"QUALIFY_CONFIG": left, "PUBLIC_BASE_URL": "https://leads.example.com"}, clock.now, table)
	for i := range 2 {
		if err := reports.Event(ctx, tickEvent(fmt.Sprint("weekly-", i))); err != nil {
			t.Fatal(err)
		}
	}
	lists := func(to string) []sesstore.Email {
		return waitMail(t, 1, func(e sesstore.Email) bool {
			return slices.Contains(e.To, to) && strings.Contains(e.Subject, "record how")
		})
	}
	toLea, toAna, toBen := lists(lea), lists(ana), waitMail(t, 0, func(e sesstore.Email) bool {
		return slices.Contains(e.To, ben) && strings.Contains(e.Subject, "record how")
	})
	if len(toLea) != 1 || len(toAna) != 1 || len(toBen) != 0 {
		t.Fatalf("lists: %d to Lea, %d to Ana, %d to Ben; want one each to Lea and Ana", len(toLea), len(toAna), len(toBen))
	}
	if m := toAna[0]; m.Subject != "Your open lead: record how it went" || !strings.Contains(m.Text, held[ana].name) || strings.Contains(m.Text, held[ben].name) {
		t.Errorf("Ana's list %q:\n%s", m.Subject, m.Text)
	}
	m := toLea[0]
	if m.Subject != "An open lead of a rep who left: record how it went" || !strings.Contains(m.Text, "Hi Lea Stone,") ||
		!strings.Contains(m.Text, held[ben].name+" (CMO at BigCorp") || !strings.Contains(m.Text, "(8 days), held by Ben Wu\n") ||
		strings.Contains(m.Text, held[ana].name) {
		t.Fatalf("Lea's list %q:\n%s", m.Subject, m.Text)
	}
	won := link.FindStringSubmatch(m.Text)
	if won == nil {
		t.Fatalf("no won link in:\n%s", m.Text)
	}
	pressLink(t, fb, won[1], "amount=5000")
	l, err := st.Lead(ctx, capturedID(t, table, held[ben].email))
	if err != nil || l.Stage != lead.StageWon || l.Deal.Rep != ben {
		t.Fatalf("after Lea's won link: stage %s, %v", l.Stage, err)
	}
}
