package app_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/leadflow/leadflow/local/testenv"
	"github.com/leadflow/leadflow/shared/app"
	"github.com/leadflow/leadflow/shared/lead"
	"github.com/leadflow/leadflow/shared/mail/sesstore"
	"github.com/leadflow/leadflow/shared/store"
)

var confirmLink = regexp.MustCompile(`https?://[^\s"<>]+/confirm/([A-Za-z0-9_.-]+)`)

// confirmationsTo are the confirmation emails an address got.
func confirmationsTo(t *testing.T, addr string) []sesstore.Email {
	t.Helper()
	var out []sesstore.Email
	for _, e := range emailsTo(t, addr) {
		if confirmLink.MatchString(e.Text) {
			out = append(out, e)
		}
	}
	return out
}

// waitConfirmations waits for n confirmation emails to an address.
func waitConfirmations(t *testing.T, addr string, n int) []sesstore.Email {
	t.Helper()
	return waitMail(t, n, func(e sesstore.Email) bool {
		return len(sesstore.To([]sesstore.Email{e}, addr)) == 1 && confirmLink.MatchString(e.Text)
	})
}

// openConfirmation sends the request a person's browser sends for the
// link in a confirmation email (GET shows the page, POST confirms).
func openConfirmation(t *testing.T, h app.Handlers, e sesstore.Email, method string) (int, string) {
	t.Helper()
	m := confirmLink.FindStringSubmatch(e.Text)
	if m == nil {
		t.Fatalf("no confirmation link in %q", e.Text)
	}
	file := "unsubscribe-optin-page.json"
	if method == "POST" {
		file = "unsubscribe-optin-confirm.json"
	}
	ev := sampleEvent(t, file)
	ev.PathParameters = map[string]string{"token": m[1]}
	r, err := h.HTTP(context.Background(), ev)
	if err != nil {
		t.Fatal(err)
	}
	return r.StatusCode, r.Body
}

// TestDoubleOptIn follows a newsletter sign-up: one confirmation email,
// no marketing email until the link is used, a re-post the same day sends
// no second one, a link scanner's GET confirms nothing, the POST does and
// the lead enters its sequence.
func TestDoubleOptIn(t *testing.T) {
	clock := &clockAt{t: monday}
	base := map[string]string{"PUBLIC_BASE_URL": "https://leads.example.com"}
	capture, table, _ := buildAt(t, "capture", base, clock.now, "")
	tick, _, _ := buildAt(t, "nurture", base, clock.now, table)
	sub, _, logs := buildAt(t, "unsubscribe", nil, clock.now, table)
	ctx := context.Background()
	st := store.New(testenv.Clients(t).DynamoDB, table)
	email := fmt.Sprintf("dora.%d@smallco.example", time.Now().UnixNano())
	fire := func() {
		t.Helper()
		if err := tick.Event(ctx, tickEvent(fmt.Sprint(time.Now().UnixNano()))); err != nil {
			t.Fatal(err)
		}
	}

	body := strings.Replace(coldBody(email), `"campaign":"newsletter-q4"`, `"campaign":"newsletter-eu","consent_text_version":"2026-10"`, 1) // no campaign file: double opt-in
	req := jsonLead(body)
	req.Headers["user-agent"] = "leadflow-test"
	accepted(t)(capture.HTTP(ctx, req))
	id := capturedID(t, table, email)
	got := waitConfirmations(t, email, 1)
	if len(got) != 1 {
		t.Fatalf("confirmation emails = %d, want 1", len(got))
	}
	if strings.Contains(got[0].Text, "Nina") || strings.Contains(got[0].HTML, "Nina") {
		t.Fatalf("the confirmation repeats what the form's poster typed: %s", got[0].Text)
	}
	// Until when the link works, in the lead's time zone (Berlin): a week
	// after the form.
	if until := "The link works until Mon 30 Nov 2026, 11:00 CET."; !strings.Contains(got[0].Text, until) {
		t.Fatalf("want %q in the confirmation:\n%s", until, got[0].Text)
	}
	l, _ := st.Lead(ctx, id)
	if l.Consent.MarketingOptIn || l.OptIn == nil || l.OptIn.Sends != 1 || l.Nurture != nil && l.Nurture.Sequence != "" {
		t.Fatalf("before confirming: consent %+v, request %+v, nurture %+v", l.Consent, l.OptIn, l.Nurture)
	}
	// The schedule sends no marketing email, nor the confirmation again.
	clock.add(time.Hour)
	fire()
	if n := len(emailsTo(t, email)); n != 1 {
		t.Fatalf("emails before confirming = %d, want only the confirmation", n)
	}
	// The same sign-up again, the same day: no second confirmation.
	accepted(t)(capture.HTTP(ctx, jsonLead(body)))
	fire()
	if n := len(confirmationsTo(t, email)); n != 1 {
		t.Fatalf("confirmations after a re-post within a day = %d, want 1", n)
	}

	// A mail scanner (GET) confirms nothing.
	if code, body := openConfirmation(t, sub, got[0], "GET"); code != 200 || !strings.Contains(body, `<form method="post">`) {
		t.Fatalf("confirm page: %d %s", code, body)
	}
	if l, _ = st.Lead(ctx, id); l.Consent.MarketingOptIn {
		t.Fatal("GET gave consent")
	}
	clock.add(time.Hour)
	if code, body := openConfirmation(t, sub, got[0], "POST"); code != 200 || !strings.Contains(body, "you are subscribed") {
		t.Fatalf("confirm: %d %s", code, body)
	}
	l, _ = st.Lead(ctx, id)
	c := l.Consent
	if !c.MarketingOptIn || c.Method != lead.ConsentByConfirmation || !c.ConfirmedAt.Equal(clock.now()) || !c.At.Equal(monday) ||
		c.TextVersion != "2026-10" || c.UserAgentHash != evidence(t).Hash("leadflow-test") || l.OptIn != nil ||
		// Who confirmed (the sample confirmation request's phone), beside who asked.
		c.ConfirmIPHash != evidence(t).Hash("203.0.113.24") || c.ConfirmUserAgentHash != evidence(t).Hash(
		"Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148") ||
		l.Nurture == nil || l.Nurture.Sequence == "" || l.Stage != lead.StageNurturing {
		t.Fatalf("after confirming: consent %+v, request %+v, stage %s, nurture %+v", c, l.OptIn, l.Stage, l.Nurture)
	}
	if strings.Contains(logs.String(), email) {
		t.Fatalf("the address is in the logs: %s", logs.String())
	}
	// Now the sequence's first email goes out.
	fire()
	if n := len(emailsTo(t, email)); n != 2 {
		t.Fatalf("emails after confirming and a tick = %d, want the confirmation and the welcome", n)
	}
	// The link again (a second click): the same answer, nothing changes.
	l, _ = st.Lead(ctx, id)
	if code, body := openConfirmation(t, sub, got[0], "POST"); code != 200 || !strings.Contains(body, "you are subscribed") {
		t.Fatalf("second click: %d %s", code, body)
	}
	if again, _ := st.Lead(ctx, id); again.Version != l.Version {
		t.Fatalf("a second click wrote the lead: version %d → %d", l.Version, again.Version)
	}
}

// TestThirdPartyCannotGrantOrWithdrawConsent: whoever knows an address
// may post it, with the box ticked or not; only the owner's link grants
// consent, and an unticked box on a later form withdraws nothing.
func TestThirdPartyCannotGrantOrWithdrawConsent(t *testing.T) {
	clock := &clockAt{t: monday}
	capture, table, _ := buildAt(t, "capture", map[string]string{"PUBLIC_BASE_URL": "https://leads.example.com"}, clock.now, "")
	ctx := context.Background()
	st := store.New(testenv.Clients(t).DynamoDB, table)

	// A lead that declined: a stranger re-posts it with the box ticked.
	declined := fmt.Sprintf("declined.%d@acme.example", time.Now().UnixNano())
	accepted(t)(capture.HTTP(ctx, jsonLead(strings.Replace(strings.Replace(coldBody(declined), `"consent":true`, `"consent":false`, 1), "newsletter-q4", "newsletter-eu", 1))))
	if n := len(confirmationsTo(t, declined)); n != 0 {
		t.Fatalf("a declined sign-up got %d confirmation emails", n)
	}
	clock.add(time.Minute)
	accepted(t)(capture.HTTP(ctx, jsonLead(`{"email":"`+declined+`","consent":true,"name":"https://evil.example/login?acct=1"}`)))
	l, _ := st.Lead(ctx, capturedID(t, table, declined))
	if l.Consent.MarketingOptIn || l.OptIn == nil {
		t.Fatalf("a third party's ticked box: consent %+v, request %+v", l.Consent, l.OptIn)
	}
	if got := waitConfirmations(t, declined, 1); len(got) != 1 || strings.Contains(got[0].Text, "evil.example") {
		t.Fatalf("confirmation emails = %d (%v)", len(got), got)
	}

	// A subscribed lead (single opt-in campaign): a bare post without
	// the box withdraws nothing.
	dir := t.TempDir()
	writeCampaign(t, dir, "us-newsletter", "consent_mode: single\n")
	single, _, _ := buildAt(t, "capture", map[string]string{"CAMPAIGNS_DIR": dir}, clock.now, table)
	subscribed := fmt.Sprintf("subscribed.%d@acme.example", time.Now().UnixNano())
	accepted(t)(single.HTTP(ctx, jsonLead(`{"email":"`+subscribed+`","consent":true,"campaign":"us-newsletter"}`)))
	id := capturedID(t, table, subscribed)
	if l, _ = st.Lead(ctx, id); !l.Consent.MarketingOptIn || l.Consent.Method != lead.ConsentBySingleOptIn || l.OptIn != nil {
		t.Fatalf("single opt-in: consent %+v, request %+v", l.Consent, l.OptIn)
	}
	if n := len(confirmationsTo(t, subscribed)); n != 0 {
		t.Fatalf("single opt-in sent %d confirmation emails", n)
	}
	clock.add(time.Minute)
	accepted(t)(capture.HTTP(ctx, jsonLead(`{"email":"`+subscribed+`"}`)))
	accepted(t)(capture.HTTP(ctx, jsonLead(`{"email":"`+subscribed+`","consent":false}`)))
	if l, _ = st.Lead(ctx, id); !l.Consent.MarketingOptIn || l.Touches != 3 {
		t.Fatalf("later forms withdrew consent: %+v (touches %d)", l.Consent, l.Touches)
	}
}

// TestBarePostsNeverMakeALeadHot: re-posting a known address (a
// stranger's, say) adds touches, not interest — alone, or with the name,
// title and company the lead already has.
func TestBarePostsNeverMakeALeadHot(t *testing.T) {
	clock := &clockAt{t: monday}
	capture, table, _ := buildAt(t, "capture", nil, clock.now, "")
	ctx := context.Background()
	st := store.New(testenv.Clients(t).DynamoDB, table)
	email := fmt.Sprintf("quiet.%d@bigcorp.example", time.Now().UnixNano())
	accepted(t)(capture.HTTP(ctx, jsonLead(`{"email":"`+email+`","name":"Quinn","job_title":"CMO","company_size":"1000+","country":"DE","form_type":"newsletter","consent":true}`)))
	id := capturedID(t, table, email)
	first, _ := st.Lead(ctx, id)
	repeats := []string{`{"email":"` + email + `"}`, `{"email":"` + email + `","name":"Quinn"}`,
		`{"email":"` + email + `","name":" quinn ","job_title":"CMO"}`, `{"email":"` + email + `","company_size":"1000+","country":"DE"}`}
	for day := 0; day < 5; day++ {
		for _, body := range repeats {
			clock.add(time.Minute)
			accepted(t)(capture.HTTP(ctx, jsonLead(body)))
		}
		clock.add(24 * time.Hour)
	}
	l, _ := st.Lead(ctx, id)
	if l.Touches != 21 || l.Qualification.Temperature == "hot" || l.Handoff != nil || l.Qualification.Score > first.Qualification.Score {
		t.Fatalf("after 20 posts repeating what the lead says: touches %d, %+v, handoff %+v (first score %.1f)", l.Touches, l.Qualification, l.Handoff, first.Qualification.Score)
	}
	// The same form filled again the same day counts once.
	accepted(t)(capture.HTTP(ctx, jsonLead(`{"email":"`+email+`","form_type":"newsletter","company":"BigCorp"}`)))
	once, _ := st.Lead(ctx, id)
	clock.add(time.Minute)
	accepted(t)(capture.HTTP(ctx, jsonLead(`{"email":"`+email+`","form_type":"newsletter","company":"BigCorp"}`)))
	twice, _ := st.Lead(ctx, id)
	if twice.Qualification.Score > once.Qualification.Score {
		t.Fatalf("a repeat the same day added points: %.1f → %.1f", once.Qualification.Score, twice.Qualification.Score)
	}
}

// writeCampaign writes a minimal campaign file with extra top-level YAML.
func writeCampaign(t *testing.T, dir, id, extra string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, id+".yaml"), []byte(campaignYAML(id, extra)), 0o644); err != nil {
		t.Fatal(err)
	}
}

// campaignYAML is a minimal campaign file with extra top-level YAML.
func campaignYAML(id, extra string) string {
	return "version: 1\nid: " + id + "\nname: " + id + "\nhypothesis: test\n" +
		"variants:\n  - {id: main, headline: Join us, cta: Join}\n" +
		"form:\n  form_type: newsletter\n  consent_text: Send me the newsletter.\n  consent_version: \"1\"\n  fields: [email]\n  required: [email]\n" + extra
}

// TestStrangerCannotGrowALeadPastWhatItCanStore: anyone who knows an
// address can post it again and again, each time with up to 30 answers
// under new keys. The lead's merged answers must stay bounded: were they
// not, a few dozen posts would take the lead item past DynamoDB's 400 KB
// and every later write of it would fail — the owner's confirmation
// click, an unsubscribe, a real demo request (a 500 only a known address
// gets).
func TestStrangerCannotGrowALeadPastWhatItCanStore(t *testing.T) {
	clock := &clockAt{t: monday}
	base := map[string]string{"PUBLIC_BASE_URL": "https://leads.example.com"}
	capture, table, _ := buildAt(t, "capture", base, clock.now, "")
	sub, _, _ := buildAt(t, "unsubscribe", nil, clock.now, table)
	ctx := context.Background()
	st := store.New(testenv.Clients(t).DynamoDB, table)
	email := fmt.Sprintf("grown.%d@smallco.example", time.Now().UnixNano())
	accepted(t)(capture.HTTP(ctx, jsonLead(strings.Replace(coldBody(email), "newsletter-q4", "newsletter-eu", 1)))) // double opt-in
	got := waitConfirmations(t, email, 1)
	if len(got) != 1 {
		t.Fatalf("confirmation emails = %d, want 1", len(got))
	}

	filler := strings.Repeat("x", 480)
	for post := 0; post < 40; post++ {
		var answers []string
		for i := 0; i < lead.MaxAnswers; i++ {
			answers = append(answers, fmt.Sprintf(`"p%d_%d":"%s"`, post, i, filler))
		}
		clock.add(time.Minute)
		resp, err := capture.HTTP(ctx, jsonLead(`{"email":"`+email+`","answers":{`+strings.Join(answers, ",")+`}}`))
		if err != nil || resp.StatusCode != 202 {
			t.Fatalf("post %d of the address with new answers: %d %s %v", post+1, resp.StatusCode, resp.Body, err)
		}
	}
	if l, _ := st.Lead(ctx, capturedID(t, table, email)); len(l.Answers) > lead.MaxAnswers {
		t.Errorf("the lead keeps %d answers, more than the %d one form may send", len(l.Answers), lead.MaxAnswers)
	}
	// The owner still confirms, and a real request still lands.
	clock.add(time.Minute)
	if code, body := openConfirmation(t, sub, got[0], "POST"); code != 200 || !strings.Contains(body, "you are subscribed") {
		t.Fatalf("confirm after the posts: %d %s", code, body)
	}
	accepted(t)(capture.HTTP(ctx, jsonLead(`{"email":"`+email+`","form_type":"demo_request","message":"Please call me"}`)))
}

// TestConfirmationLinkOfAnErasedAddress: a person asks for their data to
// be erased before using the confirmation link (or opens the email again
// after). The page said "This link was replaced by a newer one: use the
// link in the latest email you received" — but no newer email exists or
// will come: the address is suppressed for good. It says the address's
// data was deleted, offers no button, and nothing is granted.
func TestConfirmationLinkOfAnErasedAddress(t *testing.T) {
	clock := &clockAt{t: monday}
	base := map[string]string{"PUBLIC_BASE_URL": "https://leads.example.com"}
	capture, table, _ := buildAt(t, "capture", base, clock.now, "")
	admin, _, _ := buildAt(t, "privacy", nil, clock.now, table)
	sub, _, _ := buildAt(t, "unsubscribe", nil, clock.now, table)
	ctx := context.Background()
	email := fmt.Sprintf("erin.%d@smallco.example", time.Now().UnixNano())
	accepted(t)(capture.HTTP(ctx, jsonLead(strings.Replace(coldBody(email), `"campaign":"newsletter-q4"`, `"campaign":"newsletter-eu"`, 1))))
	id := capturedID(t, table, email)
	got := waitConfirmations(t, email, 1)
	if len(got) != 1 {
		t.Fatalf("confirmation emails = %d, want 1", len(got))
	}
	clock.add(time.Hour)
	if er, _ := admin.HTTP(ctx, adminRequest("POST /admin/erase", `{"email":"`+email+`"}`)); er.StatusCode != 200 {
		t.Fatalf("erase: %d %s", er.StatusCode, er.Body)
	}
	clock.add(time.Hour)
	for _, m := range []string{"GET", "POST"} {
		code, body := openConfirmation(t, sub, got[0], m)
		if code != 200 || strings.Contains(body, "<button") || strings.Contains(body, "newer") || !strings.Contains(body, "deleted") {
			t.Fatalf("%s of an erased address's confirmation link: %d, want a page saying its data was deleted, with no button and no pointer to a newer email:\n%s", m, code, body)
		}
	}
	if l, _ := store.New(testenv.Clients(t).DynamoDB, table).Lead(ctx, id); l.Consent.MarketingOptIn || !l.Erased {
		t.Fatalf("after the link: erased %v, consent %+v", l.Erased, l.Consent)
	}
}

// TestAnExpiredConfirmationLinksBackOnlyToOurSignUpPage: a person who
// opens the confirmation after its week is told to sign up again, with a
// link to the page they signed up on when ALLOWED_ORIGINS names its site
// — and none for a lead whose stored landing page (a poster may have
// typed any) is on another site: the page is no open redirect.
func TestAnExpiredConfirmationLinksBackOnlyToOurSignUpPage(t *testing.T) {
	clock := &clockAt{t: monday}
	env := map[string]string{"PUBLIC_BASE_URL": "https://leads.example.com", "ALLOWED_ORIGINS": "https://www.example.com"}
	capture, table, _ := buildAt(t, "capture", env, clock.now, "")
	sub, _, _ := buildAt(t, "unsubscribe", env, clock.now, table)
	ctx := context.Background()
	n := time.Now().UnixNano()
	for _, tc := range []struct{ email, landing, link string }{
		{fmt.Sprintf("ours.%d@smallco.example", n), "https://www.example.com/newsletter?utm_source=ads", `href="https://www.example.com/newsletter">Sign up again</a>`},
		{fmt.Sprintf("theirs.%d@smallco.example", n), "https://evil.example/newsletter", ""},
		// The campaign's page the API hosts itself (at PUBLIC_BASE_URL),
		// whatever ALLOWED_ORIGINS lists.
		{fmt.Sprintf("hosted.%d@smallco.example", n), "https://leads.example.com/c/newsletter-eu?variant=b", `href="https://leads.example.com/c/newsletter-eu">Sign up again</a>`},
	} {
		body := strings.Replace(coldBody(tc.email), `"campaign":"newsletter-q4"`, `"campaign":"newsletter-eu","landing_page":"`+tc.landing+`"`, 1)
		accepted(t)(capture.HTTP(ctx, jsonLead(body)))
		got := waitConfirmations(t, tc.email, 1)
		clock.add(8 * 24 * time.Hour) // past the link's week
		code, page := openConfirmation(t, sub, got[0], "GET")
		if code != 410 || !strings.Contains(page, "Sign up again") {
			t.Fatalf("%s: expired link: %d\n%s", tc.landing, code, page)
		}
		if tc.link != "" && !strings.Contains(page, tc.link) {
			t.Errorf("landing page %s: want %s on the page:\n%s", tc.landing, tc.link, page)
		}
		if tc.link == "" && (strings.Contains(page, "<a ") || strings.Contains(page, "evil.example")) {
			t.Errorf("landing page %s is not a site of ours, but the page links it:\n%s", tc.landing, page)
		}
	}
}
