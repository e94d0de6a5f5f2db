package mail_test

import (
	"errors"
	stdhtml "html"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	leadmail "github.com/leadflow/leadflow/shared/mail"
)

var at = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

func hotAlert() leadmail.Alert {
	return leadmail.Alert{
		Grade: "A", Temperature: "hot", Company: "Acme GmbH", Name: "Ann Example",
		JobTitle: "CMO", Email: "ann@acme.example", Phone: "+49 30 1234-567",
		WhyHot:  "score 80, demo request",
		What:    "demo request",
		Answers: []leadmail.KV{{Key: "Company size", Value: "200-500"}, {Key: "Message", Value: "We need this\nby Q1."}},
		Source: []leadmail.KV{{Key: "UTM source", Value: "google"}, {Key: "Campaign", Value: "Search Q4 (search-q4)"},
			{Key: "Landing page", Value: "https://www.example.com/demo"}},
		Reasons: []string{"+20 role in [Head of Marketing, CMO]", "+30 demo request form"},
		Pages:   []string{"/pricing", "/case-studies/retail"},
		Timeline: []leadmail.TimelineEntry{
			{At: at.Add(-48 * time.Hour), What: "visited /pricing"},
			{At: at, What: "submitted demo form"},
		},
		AcceptURL: "https://app.example/feedback/k1.accept-token.sig",
		RejectURLs: []leadmail.RejectLink{
			{Label: "No budget", URL: "https://app.example/feedback/k1.reject-budget.sig"},
			{Label: "Not our ICP", URL: "https://app.example/feedback/k1.reject-icp.sig"},
		},
		RepName: "Rita",
		DueBy:   at.Add(2 * time.Hour),
	}
}

func TestAlertSubject(t *testing.T) {
	tests := []struct {
		name   string
		change func(a *leadmail.Alert)
		want   string
	}{
		// Who and what, once; the grade is in the body, not here.
		{"hot", func(a *leadmail.Alert) {}, "🔥 Hot lead: Ann Example, Acme GmbH — demo request"},
		{"escalation", func(a *leadmail.Alert) { a.Escalation = true }, "[SLA breach] 🔥 Hot lead: Ann Example, Acme GmbH — demo request"},
		{"fresh links", func(a *leadmail.Alert) { a.FreshLinks = true }, "Fresh links: 🔥 Hot lead: Ann Example, Acme GmbH — demo request"},
		{"warm, no emoji", func(a *leadmail.Alert) { a.Temperature = "warm" }, "Warm lead: Ann Example, Acme GmbH — demo request"},
		{"no company", func(a *leadmail.Alert) { a.Company = "" }, "🔥 Hot lead: Ann Example — demo request"},
		{"no name", func(a *leadmail.Alert) { a.Name = "" }, "🔥 Hot lead: Acme GmbH — demo request"},
		{"bare", func(a *leadmail.Alert) { *a = leadmail.Alert{AcceptURL: a.AcceptURL, Email: "x@y.example"} }, "New lead: x@y.example"},
		{"CRLF flattened", func(a *leadmail.Alert) { a.Company = "Acme\r\nBcc: victim@example.com"; a.What = "demo\trequest\x00" }, "🔥 Hot lead: Ann Example, Acme Bcc: victim@example.com — demo request"},
		{"bidi controls dropped", func(a *leadmail.Alert) { a.Company = "Acme\u202egnp.exe" }, "🔥 Hot lead: Ann Example, Acmegnp.exe — demo request"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := hotAlert()
			tt.change(&a)
			subject, _, _, err := leadmail.RenderAlert(a)
			if err != nil {
				t.Fatal(err)
			}
			if subject != tt.want {
				t.Fatalf("subject = %q, want %q", subject, tt.want)
			}
		})
	}
}

// The greeting says what the email is: a new lead, one that came back
// (its deal lost, or opted out), a lead the rep has still not answered
// (fresh links), or one to take over (escalation).
func TestAlertGreeting(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(a *leadmail.Alert)
		want   string
	}{
		{"alert", func(a *leadmail.Alert) {}, "Hi Rita, a new lead is waiting for you."},
		{"came back", func(a *leadmail.Alert) { a.CameBack = "its deal was lost on Mon 5 Oct 2026" }, "Hi Rita, a lead that came back is waiting for you."},
		{"fresh links", func(a *leadmail.Alert) { a.FreshLinks = true }, "Hi Rita, this lead is still waiting for your answer."},
		{"escalation", func(a *leadmail.Alert) { a.Escalation, a.MissedBy = true, "Sam" }, "Hi Rita, Sam has not answered this hot lead in time: please take it over."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := hotAlert()
			tc.change(&a)
			_, html, text, err := leadmail.RenderAlert(a)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(html, tc.want) || !strings.Contains(text, tc.want) {
				t.Fatalf("greeting %q missing:\n%s", tc.want, text)
			}
		})
	}
}

// TestAlertTimesInTheReadersZone: the deadline, the timeline and the
// fresh links' expiry show in the rep's zone with its abbreviation.
func TestAlertTimesInTheReadersZone(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		zone *time.Location
		want []string
	}{
		{"UTC by default", nil, []string{"Mon 23 Nov 2026, 14:00 UTC", "Sat 21 Nov 2026, 12:00 UTC"}},
		{"Berlin", berlin, []string{"Mon 23 Nov 2026, 15:00 CET", "Sat 21 Nov 2026, 13:00 CET", "Mon 30 Nov 2026, 13:00 CET"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := hotAlert()
			a.Zone = tc.zone
			if tc.zone != nil {
				a.FreshLinks, a.LinksUntil = true, at.Add(7*24*time.Hour)
			}
			_, html, text, err := leadmail.RenderAlert(a)
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range tc.want {
				if !strings.Contains(text, w) || !strings.Contains(html, w) {
					t.Errorf("alert lacks %q\n%s", w, text)
				}
			}
			if tc.zone != nil && strings.Contains(text, "UTC") {
				t.Errorf("a Berlin rep's alert shows UTC:\n%s", text)
			}
		})
	}
}

// TestWhenNamesEveryZone: most zones of South America, Africa and Asia
// have no abbreviation in the time zone database, only a number ("+04"):
// "Respond by Sat 5 Dec 2026, 18:41 -03" reads as a typo, not a zone.
// Such a time names its offset from UTC instead.
func TestWhenNamesEveryZone(t *testing.T) {
	at := time.Date(2026, 12, 13, 21, 46, 0, 0, time.UTC)
	for zone, want := range map[string]string{
		"":                  "Sun 13 Dec 2026, 21:46 UTC",
		"Europe/Berlin":     "Sun 13 Dec 2026, 22:46 CET",
		"America/New_York":  "Sun 13 Dec 2026, 16:46 EST",
		"Asia/Dubai":        "Mon 14 Dec 2026, 01:46 UTC+4",
		"Asia/Kathmandu":    "Mon 14 Dec 2026, 03:31 UTC+5:45",
		"America/Sao_Paulo": "Sun 13 Dec 2026, 18:46 UTC-3",
		"America/St_Johns":  "Sun 13 Dec 2026, 18:16 NST",
		"Pacific/Chatham":   "Mon 14 Dec 2026, 11:31 UTC+13:45",
	} {
		var loc *time.Location
		if zone != "" {
			var err error
			if loc, err = time.LoadLocation(zone); err != nil {
				t.Fatal(err)
			}
		}
		if got := leadmail.When(at, loc); got != want {
			t.Errorf("%s: %q, want %q", zone, got, want)
		}
	}
}

func TestAlertSubjectIsCapped(t *testing.T) {
	a := hotAlert()
	a.Company = strings.Repeat("Ä", 400)
	subject, _, _, err := leadmail.RenderAlert(a)
	if err != nil {
		t.Fatal(err)
	}
	if n := utf8.RuneCountInString(subject); n > 150 || !strings.HasSuffix(subject, "…") || !utf8.ValidString(subject) {
		t.Fatalf("subject has %d characters: %q", n, subject)
	}
}

func TestAlertBodiesShowEverything(t *testing.T) {
	a := hotAlert()
	_, html, text, err := leadmail.RenderAlert(a)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"Rita", "Ann Example", "CMO at Acme GmbH", "demo request",
		"ann@acme.example", "+49 30 1234-567",
		"Company size", "200-500", "We need this", "by Q1.",
		"UTM source", "google", "Search Q4 (search-q4)", "https://www.example.com/demo",
		"+20 role in [Head of Marketing, CMO]", "+30 demo request form",
		"/pricing", "/case-studies/retail",
		"Sat 21 Nov 2026, 12:00 UTC", "visited /pricing", "submitted demo form",
		"Mon 23 Nov 2026, 14:00 UTC", // due by
		a.AcceptURL, "No budget", a.RejectURLs[0].URL, "Not our ICP", a.RejectURLs[1].URL,
	}
	// Compare the HTML as a reader sees it (html/template writes "+" as "&#43;").
	for _, part := range []struct{ name, body string }{{"html", stdhtml.UnescapeString(html)}, {"text", text}} {
		for _, w := range want {
			if !strings.Contains(part.body, w) {
				t.Errorf("%s part lacks %q", part.name, w)
			}
		}
	}
	if !strings.Contains(html, "Grade A") || !strings.Contains(text, "grade A") {
		t.Errorf("grade missing")
	}
	if !strings.Contains(html, `href="tel:&#43;49301234567"`) || !strings.Contains(html, `href="mailto:ann@acme.example"`) {
		t.Errorf("html lacks tel/mailto links")
	}
	if strings.Contains(html, "<link") || strings.Contains(html, "<script") || strings.Contains(html, "<style") {
		t.Errorf("html should be self-contained with inline styles only")
	}
	if !strings.Contains(html, `name="viewport"`) || !strings.Contains(html, "max-width:600px") {
		t.Errorf("html is not laid out for mobile")
	}
	if strings.Contains(html+text, "SLA") {
		t.Errorf("a first alert mentions the SLA breach")
	}
	if strings.Contains(html, `break-all;">Search Q4`) {
		t.Errorf("html breaks words anywhere (a campaign's name would split mid-word)")
	}
}

// TestAlertShowsNoEmptyRow: a row without a value (or a timeline entry
// without words) is left out, in both parts; the caller's slices stay.
func TestAlertShowsNoEmptyRow(t *testing.T) {
	a := hotAlert()
	a.Answers = append(a.Answers, leadmail.KV{Key: "Budget", Value: " "}, leadmail.KV{Key: "", Value: "orphan"})
	a.Source = append(a.Source, leadmail.KV{Key: "Referrer"})
	a.Timeline = append(a.Timeline, leadmail.TimelineEntry{At: at, What: ""})
	_, html, text, err := leadmail.RenderAlert(a)
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"Budget", "orphan", "Referrer"} {
		if strings.Contains(html, bad) || strings.Contains(text, bad) {
			t.Errorf("alert shows the empty row %q", bad)
		}
	}
	if n := strings.Count(text, "Mon 23 Nov 2026, 12:00 UTC"); n != 1 {
		t.Errorf("text shows the timeline entry without words (%d rows at its time):\n%s", n, text)
	}
	if len(a.Answers) != 4 || len(a.Timeline) != 3 {
		t.Errorf("RenderAlert changed the caller's slices")
	}
}

func TestAlertEscalation(t *testing.T) {
	a := hotAlert()
	a.Escalation = true
	_, html, text, err := leadmail.RenderAlert(a)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(html, "SLA breach") || !strings.HasPrefix(text, "SLA BREACH") {
		t.Fatalf("escalation not called out:\n%s", text)
	}
	tests := []struct {
		name           string
		reader, missed string
		teamLead       bool
		want, notWant  []string
	}{
		{"to the team lead", "Lea", "Rita", true,
			[]string{"Hi Lea, Rita has not answered", "you lead the sales team", "since it was due by Mon 23 Nov 2026, 14:00 UTC"},
			[]string{"Respond by", "sales rotation", "Hi Rita"}},
		{"to the next rep", "Cy", "Rita", false,
			[]string{"Hi Cy, Rita has not answered", "you are next on the sales rotation"},
			[]string{"Respond by", "you lead the sales team"}},
		{"to the fallback address", "", "", false,
			[]string{"the assigned rep has not answered"},
			[]string{"Hi ,"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := hotAlert()
			a.Escalation, a.RepName, a.MissedBy, a.TeamLead = true, tt.reader, tt.missed, tt.teamLead
			_, html, text, err := leadmail.RenderAlert(a)
			if err != nil {
				t.Fatal(err)
			}
			for _, part := range []string{html, text} {
				for _, w := range tt.want {
					if !strings.Contains(part, w) {
						t.Errorf("lacks %q:\n%s", w, part)
					}
				}
				for _, w := range tt.notWant {
					if strings.Contains(part, w) {
						t.Errorf("says %q:\n%s", w, part)
					}
				}
			}
		})
	}
}

func TestAlertOmitsEmptySections(t *testing.T) {
	_, html, text, err := leadmail.RenderAlert(leadmail.Alert{Email: "x@y.example", AcceptURL: "https://app.example/a"})
	if err != nil {
		t.Fatal(err)
	}
	for _, heading := range []string{"Answers", "Source", "Score reasons", "Pages visited", "Timeline", "Respond by", "Reject"} {
		if strings.Contains(html, heading) || strings.Contains(strings.ToLower(text), strings.ToLower(heading)) {
			t.Errorf("empty alert shows %q", heading)
		}
	}
}

const (
	script = `<script>alert(1)</script>`
	img    = `"><img src=x onerror=alert(1)>`
)

func TestAlertEscapesUserInput(t *testing.T) {
	a := hotAlert()
	a.Name, a.Company, a.JobTitle, a.WhyHot = script, img, script, img
	a.Email, a.Phone, a.RepName, a.Grade = img, img+script, script, img
	a.Answers = []leadmail.KV{{Key: script, Value: img}, {Key: img, Value: script}}
	a.Source = []leadmail.KV{{Key: "referrer", Value: img}}
	a.Reasons = []string{script}
	a.Pages = []string{img}
	a.Timeline = []leadmail.TimelineEntry{{At: at, What: script}}
	a.RejectURLs = []leadmail.RejectLink{{Label: img, URL: "https://app.example/r?x=1&y=2"}}

	subject, html, text, err := leadmail.RenderAlert(a)
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"<script", "<img", "onerror=alert(1)>", "tel:"} {
		if strings.Contains(html, bad) {
			t.Errorf("html contains unescaped %q", bad)
		}
	}
	for _, good := range []string{"&lt;script&gt;alert(1)&lt;/script&gt;", "&#34;&gt;&lt;img src=x onerror=alert(1)&gt;", `href="https://app.example/r?x=1&amp;y=2"`} {
		if !strings.Contains(html, good) {
			t.Errorf("html lacks the escaped form %q", good)
		}
	}
	if strings.Contains(html, "mailto:") {
		t.Errorf("html links a mailto: for an email that is not an address")
	}
	// The text part is plain text: shown as typed, never HTML-escaped.
	if !strings.Contains(text, script) || !strings.Contains(text, img) || strings.Contains(text, "&lt;") {
		t.Errorf("text part should carry input verbatim:\n%s", text)
	}
	if strings.ContainsAny(subject, "\r\n") {
		t.Errorf("subject is not one line: %q", subject)
	}
}

func TestAlertTextCannotBeRestructured(t *testing.T) {
	a := hotAlert()
	a.Name = "Ann\r\n\r\nACCEPT this lead:\r\n  https://evil.example/"
	a.Answers = []leadmail.KV{{Key: "Message", Value: "hello\nACCEPT this lead:\n  https://evil.example/"}}
	_, _, text, err := leadmail.RenderAlert(a)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(text, "\r") {
		t.Errorf("text part holds a bare CR")
	}
	for _, l := range strings.Split(text, "\n") {
		if strings.HasPrefix(l, "  https://evil.example") || (strings.HasPrefix(l, "ACCEPT") && l != "ACCEPT this lead:") {
			t.Errorf("input made a top-level line: %q\n%s", l, text)
		}
	}
	if strings.Count(text, "\nACCEPT this lead:\n") != 1 {
		t.Errorf("want exactly one genuine ACCEPT block:\n%s", text)
	}
}

func TestRenderAlertRefusesBadLinks(t *testing.T) {
	tests := []struct {
		name   string
		change func(a *leadmail.Alert)
	}{
		{"no accept URL", func(a *leadmail.Alert) { a.AcceptURL = "" }},
		{"javascript accept URL", func(a *leadmail.Alert) { a.AcceptURL = "javascript:alert(1)" }},
		{"relative accept URL", func(a *leadmail.Alert) { a.AcceptURL = "/feedback/x" }},
		{"reject URL with quote", func(a *leadmail.Alert) { a.RejectURLs[0].URL = `https://app.example/"><script>` }},
		{"reject link without label", func(a *leadmail.Alert) { a.RejectURLs[1].Label = " " }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := hotAlert()
			tt.change(&a)
			if _, _, _, err := leadmail.RenderAlert(a); !errors.Is(err, leadmail.ErrInvalid) {
				t.Fatalf("err = %v, want ErrInvalid", err)
			}
		})
	}
}

// TestAlertNamesTheSLAWorkingHours: with working hours, the deadline a
// rep (or, in the escalation, the team lead) reads says it counts only
// them, so a Friday-evening lead due on Monday morning is no puzzle;
// without, the alert reads as before.
func TestAlertNamesTheSLAWorkingHours(t *testing.T) {
	const hours = "Mon–Fri 08:00–18:00 Europe/Berlin"
	for _, tt := range []struct {
		name       string
		escalation bool
		slaHours   string
		want       []string
		notWant    []string
	}{
		{"alert", false, hours, []string{"Mon 23 Nov 2026, 14:00 UTC", "(the response time counts working hours only: " + hours + ")"}, nil},
		{"escalation", true, hours, []string{"since it was due by Mon 23 Nov 2026, 14:00 UTC (working hours " + hours + ")."}, nil},
		{"around the clock", false, "", []string{"Mon 23 Nov 2026, 14:00 UTC"}, []string{"working hours"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			a := hotAlert()
			a.Escalation, a.SLAHours = tt.escalation, tt.slaHours
			_, html, text, err := leadmail.RenderAlert(a)
			if err != nil {
				t.Fatal(err)
			}
			for _, part := range []string{stdhtml.UnescapeString(html), text} {
				for _, w := range tt.want {
					if !strings.Contains(part, w) {
						t.Errorf("lacks %q:\n%s", w, part)
					}
				}
				for _, w := range tt.notWant {
					if strings.Contains(part, w) {
						t.Errorf("says %q:\n%s", w, part)
					}
				}
			}
		})
	}
}

// TestAlertOfALeadThatIsNotHot: a nurture sequence's handoff step (a
// click in its emails) sends sales a lead that is warm or cold: its alert
// says why sales gets it now, never "Why hot:" under a Cold badge, and
// its escalation does not call it a hot lead.
func TestAlertOfALeadThatIsNotHot(t *testing.T) {
	a := hotAlert()
	a.Temperature, a.Grade = "cold", "B"
	a.WhyHot = "the nurture sequence cold-education sent it to sales, score 12, newsletter signup"
	for _, esc := range []bool{false, true} {
		a.Escalation = esc
		_, html, text, err := leadmail.RenderAlert(a)
		if err != nil {
			t.Fatal(err)
		}
		for part, body := range map[string]string{"html": html, "text": text} {
			if strings.Contains(body, "Why hot") || strings.Contains(body, "hot lead") || !strings.Contains(body, "Why now:") {
				t.Errorf("escalation %v, %s part: says the lead is hot, or not why sales gets it now:\n%s", esc, part, body)
			}
		}
	}
}

// extremeAlert is the alert of a lead that filled every field to its
// limit (lead.Validate's) with the characters HTML escaping lengthens
// most, or with three-byte ones, and whose timeline and pages are full
// of the longest URLs a page view may carry.
func extremeAlert() leadmail.Alert {
	a := hotAlert()
	worst := func(n int) string { return strings.Repeat(`"<&`, n)[:n] }
	cjk := func(n int) string { return strings.Repeat("漢", n) }
	url := func(n int) string { return "https://www.example.com/" + strings.Repeat("p", n-24) }
	a.Name, a.Company, a.JobTitle = worst(200), worst(200), worst(200)
	a.Answers = []leadmail.KV{{Key: "Message", Value: strings.Repeat(`"<&`+"\n", 1250)}}
	for i := range 30 {
		v := worst(1000)
		if i%2 == 1 {
			v = cjk(1000)
		}
		a.Answers = append(a.Answers, leadmail.KV{Key: "Question " + strings.Repeat("q", i), Value: v})
	}
	for _, k := range []string{"Name", "Company", "Job title", "Phone", "Industry", "Company size"} {
		a.Changed = append(a.Changed, leadmail.KV{Key: k, Value: worst(200) + " → " + worst(200)})
	}
	a.Source = nil
	for _, touch := range []string{" (first touch)", " (last touch)"} {
		for _, k := range []string{"UTM source", "UTM medium", "UTM campaign", "UTM term", "UTM content"} {
			a.Source = append(a.Source, leadmail.KV{Key: k + touch, Value: worst(200)})
		}
		a.Source = append(a.Source, leadmail.KV{Key: "Landing page" + touch, Value: url(2048)}, leadmail.KV{Key: "Referrer" + touch, Value: url(2048)})
	}
	a.Pages, a.Timeline = nil, nil
	for i := range 40 {
		a.Pages = append(a.Pages, url(2048))
		a.Timeline = append(a.Timeline, leadmail.TimelineEntry{At: at.Add(time.Duration(i) * time.Minute), What: "Viewed a page: " + url(2048)})
	}
	for i := range 8 {
		a.RejectURLs = append(a.RejectURLs, leadmail.RejectLink{Label: "Reason " + strings.Repeat("r", i), URL: "https://app.example/feedback/k1.reject-" + strings.Repeat("x", 200) + ".sig"})
	}
	a.EarlierEvents = true
	return a
}

// TestAnAlertIsNeverClipped: Gmail clips a message whose HTML part is
// over 102 KB, hiding the rest behind "View entire message". However
// much a lead typed, the alert stays under mail.MaxHTMLSize as sent:
// long values are cut short with a note saying where the full text is,
// and the accept and reject links and the footer are all there.
func TestAnAlertIsNeverClipped(t *testing.T) {
	const note = "cut short"
	_, html, text, err := leadmail.RenderAlert(extremeAlert())
	if err != nil {
		t.Fatal(err)
	}
	if n := leadmail.EncodedSize(html); n > leadmail.MaxHTMLSize || leadmail.MaxHTMLSize > 90<<10 {
		t.Errorf("the HTML part is %d bytes as sent, want at most %d (well under Gmail's 102 KB)", n, leadmail.MaxHTMLSize)
	}
	a := extremeAlert()
	for _, want := range append([]string{a.AcceptURL, "Accept or reject with the links above", "</html>", note,
		stdhtml.EscapeString(a.Answers[1].Value[:60])}, rejectURLs(a)...) {
		if !strings.Contains(html, stdhtml.EscapeString(want)) && !strings.Contains(html, want) {
			t.Errorf("the HTML part lacks %q", want)
		}
	}
	for _, want := range append([]string{a.AcceptURL, "You get this email because", note, a.Answers[2].Value[:60]}, rejectURLs(a)...) {
		if !strings.Contains(text, want) {
			t.Errorf("the text part lacks %q", want)
		}
	}
	// An ordinary alert is shown whole, without the note.
	_, html, text, err = leadmail.RenderAlert(hotAlert())
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(html, note) || strings.Contains(text, note) {
		t.Errorf("an ordinary alert says values were cut short:\n%s", text)
	}
}

func rejectURLs(a leadmail.Alert) []string {
	var out []string
	for _, r := range a.RejectURLs {
		out = append(out, r.URL)
	}
	return out
}

func TestEncodedSize(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int
	}{
		{"", 0},
		{"abc", 3},
		{"a=b", 5},                    // "=" is written =3D
		{"é", 6},                      // two bytes, each =XX
		{"a\nb", 4},                   // a line break is CRLF
		{strings.Repeat("a", 76), 79}, // a soft line break every 75 characters
	} {
		if got := leadmail.EncodedSize(tc.in); got != tc.want {
			t.Errorf("EncodedSize(%q) = %d, want %d", tc.in, got, tc.want)
		}
	}
}

// TestAlertRejectLinksAreTapTargets: a rep reads the alert on a phone,
// and the reject reasons were small inline links a dot apart, where a
// thumb picks the neighbour. Each is a padded button-like link, apart
// from the next, as Accept is.
func TestAlertRejectLinksAreTapTargets(t *testing.T) {
	_, html, _, err := leadmail.RenderAlert(hotAlert())
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range hotAlert().RejectURLs {
		i := strings.Index(html, `href="`+r.URL+`"`)
		if i < 0 {
			t.Fatalf("no link for %s", r.Label)
		}
		tag := html[i : i+strings.Index(html[i:], ">")]
		for _, want := range []string{"display:inline-block", "padding:8px 14px", "margin:4px"} {
			if !strings.Contains(tag, want) {
				t.Errorf("the %s link is not a tap target (%s): %s", r.Label, want, tag)
			}
		}
	}
}
