package app_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/leadflow/leadflow/local/testenv"
	"github.com/leadflow/leadflow/shared/httpapi"
	"github.com/leadflow/leadflow/shared/lead"
	"github.com/leadflow/leadflow/shared/links"
	"github.com/leadflow/leadflow/shared/privacy"
	"github.com/leadflow/leadflow/shared/store"
	"github.com/leadflow/leadflow/shared/token"
)

func adminRequest(route, body string) httpapi.Request {
	r := httpapi.Request{RouteKey: route, Body: body, Headers: map[string]string{"content-type": "application/json"}}
	r.RequestContext.HTTP.Method = "POST"
	r.RequestContext.RequestID = "admin-1"
	return r
}

// TestEraseLeavesNoPersonalData captures a lead with every kind of
// personal data, hands it to sales, erases it, then scans the whole table
// (in the test only) for any of that data.
func TestEraseLeavesNoPersonalData(t *testing.T) {
	capture, table, _ := build(t, "capture", map[string]string{"ALLOWED_ORIGINS": "*"})
	admin, _, logs := buildAt(t, "privacy", nil, testenv.Clock(t), table)
	ctx := context.Background()
	// The JSON sample: Maria Schmidt, hot, with answers, message, consent.
	resp, _ := capture.HTTP(ctx, sampleEvent(t, "capture-json.json"))
	if resp.StatusCode != 202 {
		t.Fatal(resp.Body)
	}
	email := "maria.schmidt@acme-industrial.example"
	personal := []string{email, "Maria", "Schmidt", "Acme Industrial", "+49 30 1234567", "replace our lead routing",
		"Salesforce", "203.0.113.24", "Macintosh", "linkedin.com", "www.example.com/demo"}

	exp, _ := admin.HTTP(ctx, adminRequest("POST /admin/export", `{"email":"Maria.Schmidt@Acme-Industrial.example"}`))
	var before privacy.Export
	_ = json.Unmarshal([]byte(exp.Body), &before)
	if exp.StatusCode != 200 || !before.Found || before.Lead.Name != "Maria Schmidt" || len(before.Timeline) < 3 || before.Lead.OptIn == nil {
		t.Fatalf("export: %d %+v", exp.StatusCode, before)
	}

	er, _ := admin.HTTP(ctx, adminRequest("POST /admin/erase", `{"email":"`+email+`"}`))
	var res privacy.Result
	_ = json.Unmarshal([]byte(er.Body), &res)
	if er.StatusCode != 200 || !res.Erased || res.Events < 3 {
		t.Fatalf("erase: %d %s", er.StatusCode, er.Body)
	}
	scan, err := testenv.Clients(t).DynamoDB.Scan(ctx, &dynamodb.ScanInput{TableName: aws.String(table)})
	if err != nil {
		t.Fatal(err)
	}
	// The address's hash is no anonymous key (anyone who knows the
	// address computes it): only the suppression list keeps it, naming
	// no lead, so nothing leads from the address to what the erasure kept
	// — and, for a day (TTL), the record of the erasure the segment
	// exports read, which holds nothing but its expiry.
	hash := lead.HashEmail(email)
	for _, item := range scan.Items {
		b, _ := json.Marshal(item)
		for _, p := range personal {
			if strings.Contains(string(b), p) {
				t.Errorf("%q still in %s", p, b)
			}
		}
		pk, _ := item["PK"].(*types.AttributeValueMemberS)
		switch {
		case pk != nil && pk.Value == "SUPPRESS#"+hash:
			if strings.Contains(string(b), before.Lead.ID) {
				t.Errorf("the erased address's suppression entry names its lead: %s", b)
			}
		case pk != nil && pk.Value == "SEGMENTS" && item["SK"].(*types.AttributeValueMemberS).Value == "ERASED#"+hash:
			var exp int64
			if n, ok := item["expiresAt"].(*types.AttributeValueMemberN); ok {
				exp, _ = strconv.ParseInt(n.Value, 10, 64)
			}
			if len(item) != 3 || exp <= 0 || exp > testenv.Now(t).Add(store.ErasureMemory).Unix() {
				t.Errorf("the erasure's record holds more than its expiry, or is kept longer than %v: %s", store.ErasureMemory, b)
			}
		case strings.Contains(string(b), hash):
			t.Errorf("the erased address's hash is still in %s", b)
		}
	}
	st := store.New(testenv.Clients(t).DynamoDB, table)
	if ok, _ := st.Suppressed(ctx, lead.HashEmail(email)); !ok {
		t.Fatal("erased address is not suppressed")
	}
	stats := counted(t, st, "q4-demo-push")
	if stats["leads"] != 1 {
		t.Fatalf("counters lost on erasure: %v", stats)
	}
	anon, _ := st.Lead(ctx, before.Lead.ID)
	if !anon.Erased || anon.Stage != before.Lead.Stage || anon.FirstTouch.Campaign != "q4-demo-push" || !anon.NextDue().IsZero() {
		t.Fatalf("anonymised lead = %+v", anon)
	}
	after, _ := admin.HTTP(ctx, adminRequest("POST /admin/export", `{"email":"`+email+`"}`))
	if !strings.Contains(after.Body, `"found":false`) || !strings.Contains(after.Body, `"suppressed":true`) ||
		!strings.Contains(after.Body, `"suppression":{"reason":"erasure","at":"`) {
		t.Fatalf("export after erasure: %s", after.Body)
	}
	if again, _ := admin.HTTP(ctx, adminRequest("POST /admin/erase", `{"email":"`+email+`"}`)); again.StatusCode != 200 {
		t.Fatalf("erasing twice: %d", again.StatusCode)
	}
	if bad, _ := admin.HTTP(ctx, adminRequest("POST /admin/erase", `{"email":"not-an-email"}`)); bad.StatusCode != 400 {
		t.Fatalf("invalid email: %d", bad.StatusCode)
	}
	if strings.Contains(logs.String(), "maria") {
		t.Fatal("raw email in the privacy logs")
	}
}

// TestErasureLeavesNoKeyOfPagesOrLinks: a click and a page view, through
// the real track function, leave signals keyed by a hash of the link and
// of the page (lead.DailyKey) — recomputable from the site's pages and the
// emails' links. After the erasure no item of the table holds either.
func TestErasureLeavesNoKeyOfPagesOrLinks(t *testing.T) {
	capture, table, _ := build(t, "capture", nil)
	tr, _, _ := buildAt(t, "track", map[string]string{"ALLOWED_ORIGINS": "https://www.example.com", "PUBLIC_BASE_URL": "https://leads.example.com"}, testenv.Clock(t), table)
	admin, _, _ := buildAt(t, "privacy", nil, testenv.Clock(t), table)
	ctx := context.Background()
	st := store.New(testenv.Clients(t).DynamoDB, table)
	keys, _ := token.ParseKeys(testKeys)
	email := fmt.Sprintf("keyed.%d@bigcorp.example", time.Now().UnixNano())
	accepted(t)(capture.HTTP(ctx, jsonLead(`{"email":"`+email+`","company":"BigCorp","company_size":"11-50","campaign":"q4-demo","consent":true}`)))
	id := capturedID(t, table, email)
	link := links.Click(keys, "https://leads.example.com", id, "https://www.example.com/guide?ref=nurture", testenv.Now(t).Add(-time.Hour)) // sent an hour ago
	r, _ := tr.HTTP(ctx, trackRequest("GET /t/c/{token}", link[strings.LastIndex(link, "/")+1:], "", nil))
	loc, _ := url.Parse(r.Headers["Location"])
	if r.StatusCode != http.StatusFound {
		t.Fatalf("click: %d", r.StatusCode)
	}
	view, _ := tr.HTTP(ctx, trackRequest("POST /events", "", `{"t":"`+loc.Query().Get(links.VisitorParam)+`","url":"https://www.example.com/careers/apply"}`,
		map[string]string{"content-type": "text/plain", "origin": "https://www.example.com"}))
	if view.StatusCode != http.StatusNoContent {
		t.Fatalf("page view: %d %s", view.StatusCode, view.Body)
	}
	before, err := st.Lead(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	var hashes []string
	for _, s := range before.Signals {
		if s.Key != "" {
			hashes = append(hashes, s.Key[strings.LastIndex(s.Key, "#")+1:])
		}
	}
	if len(hashes) != 2 {
		t.Fatalf("fixture: signals %+v, want a keyed click and page view", before.Signals)
	}
	if er, _ := admin.HTTP(ctx, adminRequest("POST /admin/erase", `{"email":"`+email+`"}`)); er.StatusCode != 200 {
		t.Fatalf("erase: %d %s", er.StatusCode, er.Body)
	}
	scan, err := testenv.Clients(t).DynamoDB.Scan(ctx, &dynamodb.ScanInput{TableName: aws.String(table)})
	if err != nil {
		t.Fatal(err)
	}
	for _, item := range scan.Items {
		b, _ := json.Marshal(item)
		for _, h := range hashes {
			if strings.Contains(string(b), h) {
				t.Errorf("the hash %s of a page or link the erased person read is still in %s", h, b)
			}
		}
	}
	if after, _ := st.Lead(ctx, id); len(after.Signals) != len(before.Signals) {
		t.Fatalf("erased lead's signals %+v: the kinds must stay", after.Signals)
	}
}

// TestErasureNearItsDeadlineSaysItIsNotFinished: behind API Gateway's
// 30 s, an erasure with too little time left starts nothing and answers
// 503 "not finished, run it again" (the gateway's own 503 says nothing,
// and the function worked on); run again with time, it erases.
func TestErasureNearItsDeadlineSaysItIsNotFinished(t *testing.T) {
	capture, table, _ := build(t, "capture", map[string]string{"ALLOWED_ORIGINS": "*"})
	admin, _, _ := buildAt(t, "privacy", nil, testenv.Clock(t), table)
	if resp, _ := capture.HTTP(context.Background(), sampleEvent(t, "capture-json.json")); resp.StatusCode != 202 {
		t.Fatal(resp.Body)
	}
	email := "maria.schmidt@acme-industrial.example"
	near, cancel := context.WithDeadline(context.Background(), time.Now().Add(privacy.Margin/3))
	defer cancel()
	er, _ := admin.HTTP(near, adminRequest("POST /admin/erase", `{"email":"`+email+`"}`))
	var body struct {
		Error    string `json:"error"`
		Finished *bool  `json:"finished"`
		Erased   bool   `json:"erased"`
	}
	_ = json.Unmarshal([]byte(er.Body), &body)
	if er.StatusCode != http.StatusServiceUnavailable || body.Finished == nil || *body.Finished || body.Erased ||
		!strings.Contains(body.Error, "run the request again") || er.Headers["Retry-After"] == "" {
		t.Fatalf("erase near its deadline: %d %v %s", er.StatusCode, er.Headers, er.Body)
	}
	er, _ = admin.HTTP(context.Background(), adminRequest("POST /admin/erase", `{"email":"`+email+`"}`))
	var res privacy.Result
	_ = json.Unmarshal([]byte(er.Body), &res)
	if er.StatusCode != 200 || !res.Erased {
		t.Fatalf("erase run again: %d %s", er.StatusCode, er.Body)
	}
}

// TestErasureLeavesNothingOfEveryKindOfData captures a lead with every
// kind of data the table can hold about a person — form answers with free
// text, UTM term and content, URLs quoting the address, consent evidence,
// an idempotency key, a submission waiting in the lead's inbox (a burst),
// a sales alert accepted and won with a rep's comment — erases it and
// scans the WHOLE table: nothing of it, nor anything recomputable from
// the address (its hash, the SHA-256 of the request body anyone who knows
// the address and the form can rebuild), may remain.
func TestErasureLeavesNothingOfEveryKindOfData(t *testing.T) {
	capture, table, captureLogs := build(t, "capture", map[string]string{"ALLOWED_ORIGINS": "*"})
	fb, _, feedbackLogs := buildAt(t, "feedback", nil, testenv.Clock(t), table)
	admin, _, privacyLogs := buildAt(t, "privacy", nil, testenv.Clock(t), table)
	ctx := context.Background()
	st := store.New(testenv.Clients(t).DynamoDB, table)
	email := fmt.Sprintf("greta.vogelsang.%d@feinmechanik.example", time.Now().UnixNano())
	body := `{"email":"` + email + `","name":"Greta Vogelsang","company":"Vogelsang Feinmechanik","job_title":"CMO","company_size":"1000+",` +
		`"phone":"+49 171 5550199","country":"DE","budget":"$100k","timeline":"this quarter","form_type":"demo_request","campaign":"q4-demo",` +
		`"utm_source":"linkedin","utm_term":"vogelsang lindenhof","utm_content":"greta-retarget",` +
		`"landing_page":"https://www.example.com/demo?email=` + email + `","referrer":"https://mail.example/inbox/vogelsang",` +
		`"answers":{"crm":"Lindenhof-CRM"},"message":"Please call me about the Ottensen warehouse","consent":true}`
	req := jsonLead(body)
	req.Headers["idempotency-key"] = "erase-every-kind-" + fmt.Sprint(time.Now().UnixNano())
	req.Headers["user-agent"] = "VogelsangBrowser/9.1"
	req.RequestContext.HTTP.SourceIP = "198.51.100.77"
	accepted(t)(capture.HTTP(ctx, req))
	id := capturedID(t, table, email)

	// A burst for the address left a submission in the lead's inbox.
	inboxed := lead.Submission{Email: email, Name: "Greta Vogelsang", Message: "Second note from Greta: Elbchaussee site", Source: lead.Attribution{Campaign: "q4-demo", At: testenv.Now(t)}}
	if err := st.Deposit(ctx, id, lead.Touch{ID: "touch-" + id, Submission: inboxed}, nil); err != nil {
		t.Fatal(err)
	}

	// Sales accepts it and wins it, each with the rep's comment.
	alert := mailFor(t, email, 1)
	if len(alert) != 1 {
		t.Fatal("no alert for the hot lead")
	}
	keys, _ := token.ParseKeys(testKeys)
	var accept string
	for _, m := range regexp.MustCompile(`/feedback/([A-Za-z0-9_.-]+)`).FindAllStringSubmatch(alert[0].Text, -1) {
		if _, err := keys.Verify(m[1], links.ActionAccept, testenv.Now(t)); err == nil {
			accept = m[1]
		}
	}
	answer := func(tok string) string {
		ev := sampleEvent(t, "feedback-answer.json") // comment: "Called her, demo booked for Thursday"
		ev.PathParameters = map[string]string{"token": tok}
		r, err := fb.HTTP(ctx, ev)
		if err != nil || r.StatusCode != 200 {
			t.Fatalf("feedback: %d %v\n%s", r.StatusCode, err, r.Body)
		}
		return r.Body
	}
	page := answer(accept)
	for _, o := range regexp.MustCompile(`class="btn" href="([A-Za-z0-9_.-]+)">([^<]+)<`).FindAllStringSubmatch(page, -1) {
		if o[2] == "Won" {
			answer(o[1])
		}
	}
	if l, _ := st.Lead(ctx, id); l.Stage != lead.StageWon || l.Deal == nil {
		t.Fatalf("fixture: stage %s deal %+v, want won", l.Stage, l.Deal)
	}
	exp, _ := admin.HTTP(ctx, adminRequest("POST /admin/export", `{"email":"`+email+`"}`))
	var before privacy.Export
	_ = json.Unmarshal([]byte(exp.Body), &before)
	if !before.Found || len(before.Inbox) != 1 || !strings.Contains(exp.Body, "Called her, demo booked for Thursday") {
		t.Fatalf("export before the erasure: %s", exp.Body)
	}

	if er, _ := admin.HTTP(ctx, adminRequest("POST /admin/erase", `{"email":"`+email+`"}`)); er.StatusCode != 200 {
		t.Fatalf("erase: %d %s", er.StatusCode, er.Body)
	}
	sum := func(s string) string { h := sha256.Sum256([]byte(s)); return hex.EncodeToString(h[:]) }
	personal := map[string]string{
		"address": email, "local part": strings.Split(email, "@")[0], "name": "Vogelsang", "company": "Feinmechanik",
		"phone": "5550199", "answer": "Lindenhof", "message": "Ottensen", "inbox message": "Elbchaussee",
		"utm content": "greta-retarget", "rep's comment": "demo booked for Thursday", "IP address": "198.51.100.77",
		"user agent": "VogelsangBrowser", "address hash": lead.HashEmail(email),
		"SHA-256 of the request body (recomputable from the address and the form)": sum(body),
	}
	if items := scanForPerson(t, table, lead.HashEmail(email), personal); len(items) < 5 {
		t.Fatalf("scanned %d items: not the table the test wrote", len(items))
	}
	// The client retries the request after the erasure: answered as
	// before, nothing created for the erased address.
	if r, _ := capture.HTTP(ctx, req); r.StatusCode != 202 {
		t.Fatalf("retry after the erasure: %d %s", r.StatusCode, r.Body)
	}
	if _, err := st.LeadByEmail(ctx, lead.HashEmail(email)); !errors.Is(err, lead.ErrNotFound) {
		t.Fatalf("a retry of the request after the erasure made a lead for the address: %v", err)
	}
	// What the functions logged along the way names nobody either (the
	// package's TestMain checks addresses; this, the rest).
	for fn, logs := range map[string]*bytes.Buffer{"capture": captureLogs, "feedback": feedbackLogs, "privacy": privacyLogs} {
		for what, v := range personal {
			if strings.Contains(strings.ToLower(logs.String()), strings.ToLower(v)) {
				t.Errorf("the %s function logged the person's %s", fn, what)
			}
		}
	}
}

// TestAnIdempotencyKeyThatIsTheAddressLeavesNothingAfterErasure: clients
// often send the lead's address as its Idempotency-Key. The record keyed
// by it lives a day (TTL), erasure or not, so nothing in it may be the
// address or computable from it alone — not its plain SHA-256 (the key's
// digest), nor a hash of the body keyed with the address (a body anyone
// who knows the address and the form rebuilds) — which would lead from
// the address to the record and its lead id. Replays keep working: the
// same key and body get the same answer, another body a 409, and a retry
// after the erasure creates nothing.
func TestAnIdempotencyKeyThatIsTheAddressLeavesNothingAfterErasure(t *testing.T) {
	capture, table, _ := build(t, "capture", map[string]string{"ALLOWED_ORIGINS": "*"})
	admin, _, _ := buildAt(t, "privacy", nil, testenv.Clock(t), table)
	ctx := context.Background()
	st := store.New(testenv.Clients(t).DynamoDB, table)
	email := fmt.Sprintf("Ingrid.Haldorsen.%d@fjord-logistics.example", time.Now().UnixNano())
	body := `{"email":"` + email + `","name":"Ingrid Haldorsen","company":"Fjord Logistics","company_size":"51-200","form_type":"newsletter","campaign":"q4-demo"}`
	post := func(body string) httpapi.Response {
		req := jsonLead(body)
		req.Headers["idempotency-key"] = email
		r, err := capture.HTTP(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	first := post(body)
	if first.StatusCode != 202 {
		t.Fatalf("capture: %d %s", first.StatusCode, first.Body)
	}
	if again := post(body); again.StatusCode != 202 || again.Body != first.Body {
		t.Fatalf("replay: %d %s, want the first answer %s", again.StatusCode, again.Body, first.Body)
	}
	if other := post(strings.Replace(body, "Fjord Logistics", "Fjord Logistics AS", 1)); other.StatusCode != http.StatusConflict {
		t.Fatalf("the key with another body: %d %s, want 409", other.StatusCode, other.Body)
	}
	id := capturedID(t, table, strings.ToLower(email))
	if er, _ := admin.HTTP(ctx, adminRequest("POST /admin/erase", `{"email":"`+email+`"}`)); er.StatusCode != 200 {
		t.Fatalf("erase: %d %s", er.StatusCode, er.Body)
	}
	sum := func(s string) string { h := sha256.Sum256([]byte(s)); return hex.EncodeToString(h[:]) }
	keyed := func(key, msg string) string {
		m := hmac.New(sha256.New, []byte(key))
		m.Write([]byte(msg))
		return hex.EncodeToString(m.Sum(nil))
	}
	computable := map[string]string{
		"address": email, "address hash": lead.HashEmail(email), "SHA-256 of the key as sent": sum(email),
		"body keyed with the address": keyed(email, body), "SHA-256 of the body": sum(body),
	}
	idemps := 0
	for _, pk := range scanForPerson(t, table, lead.HashEmail(email), computable) {
		if strings.HasPrefix(pk, "IDEMP#") {
			idemps++
		}
	}
	if idemps == 0 {
		t.Fatal("no idempotency record in the table: not the table the test wrote")
	}
	if r := post(body); r.StatusCode != 202 || r.Body != first.Body {
		t.Fatalf("retry after the erasure: %d %s, want the first answer %s", r.StatusCode, r.Body, first.Body)
	}
	if _, err := st.LeadByEmail(ctx, lead.HashEmail(email)); !errors.Is(err, lead.ErrNotFound) {
		t.Fatalf("a retry of the request after the erasure made a lead for the address (erased %s): %v", id, err)
	}
}

// TestErasureAfterAWholeLifeLeavesNothing: a lead lives through what
// the product does to one — capture, a nurture email, a click on its
// tracked link, SES's send, delivery and soft-bounce events, a hot form,
// the sales alert, the rep's accept with a comment, an unsubscribe — and
// is erased: a scan of the whole table finds nothing of the person (the
// address, its local part, its hash, name, company, what the rep wrote),
// whichever function wrote it.
func TestErasureAfterAWholeLifeLeavesNothing(t *testing.T) {
	clock := &clockAt{t: monday}
	base := map[string]string{"PUBLIC_BASE_URL": "https://leads.example.com", "ALLOWED_ORIGINS": "*"}
	capture, table, _ := buildAt(t, "capture", base, clock.now, "")
	tick, _, _ := buildAt(t, "nurture", base, clock.now, table)
	tr, _, _ := buildAt(t, "track", base, clock.now, table)
	ses, _, _ := buildAt(t, "sesevents", nil, clock.now, table)
	fb, _, _ := buildAt(t, "feedback", nil, clock.now, table)
	unsub, _, _ := buildAt(t, "unsubscribe", nil, clock.now, table)
	admin, _, _ := buildAt(t, "privacy", nil, clock.now, table)
	ctx := context.Background()
	keys, _ := token.ParseKeys(testKeys)
	email := fmt.Sprintf("wilhelmina.strandqvist.%d@strandqvist-shipping.example", time.Now().UnixNano())
	cold := strings.NewReplacer("Nina Cole", "Wilhelmina Strandqvist", "SmallCo", "Strandqvist Rederi").Replace(coldBody(email))
	accepted(t)(capture.HTTP(ctx, jsonLead(cold)))
	id := capturedID(t, table, email)

	// The first nurture email; SES reports it sent, delivered, then a
	// soft bounce.
	if err := tick.Event(ctx, tickEvent(fmt.Sprint(time.Now().UnixNano()))); err != nil {
		t.Fatal(err)
	}
	sent := emailsTo(t, email)
	if len(sent) != 1 {
		t.Fatalf("fixture: %d nurture emails, want 1", len(sent))
	}
	// A person's click on a link of it (an hour after the send: not a
	// mail scanner's), quoting the address in its target.
	click := links.Click(keys, "https://leads.example.com", id, "https://www.example.com/guide?email="+email, clock.now().Add(-time.Hour))
	if r, _ := tr.HTTP(ctx, trackRequest("GET /t/c/{token}", click[strings.LastIndex(click, "/")+1:], "", nil)); r.StatusCode != http.StatusFound {
		t.Fatalf("click: %d %s", r.StatusCode, r.Body)
	}
	for _, f := range []string{"ses-send.json", "ses-delivery.json", "ses-bounce-transient.json"} {
		if err := ses.Event(ctx, sesEvent(t, f, email, id, sent[0].MessageID)); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
	}
	// A hot form; the rep accepts with a comment.
	hot := strings.NewReplacer("Clara Moss", "Wilhelmina Strandqvist", "BigCorp <b>Inc</b>", "Strandqvist Rederi").Replace(hotBody(email, "1000+"))
	accepted(t)(capture.HTTP(ctx, jsonLead(hot)))
	if len(mailFor(t, email, 1)) != 1 {
		t.Fatal("fixture: no alert for the hot form")
	}
	ev := sampleEvent(t, "feedback-answer.json") // comment: "Called her, demo booked for Thursday"
	ev.PathParameters = map[string]string{"token": links.FeedbackToken(keys, id, links.ActionAccept, "", time.Time{}, clock.now().Add(time.Hour))}
	if r, err := fb.HTTP(ctx, ev); err != nil || r.StatusCode != 200 {
		t.Fatalf("accept: %v %d %s", err, r.StatusCode, r.Body)
	}
	// An unsubscribe from the nurture email.
	u := links.Unsubscribe(keys, "https://leads.example.com", id, clock.now())
	ev = sampleEvent(t, "unsubscribe-oneclick.json")
	ev.PathParameters = map[string]string{"token": u[strings.LastIndex(u, "/")+1:]}
	if r, err := unsub.HTTP(ctx, ev); err != nil || r.StatusCode != 200 {
		t.Fatalf("unsubscribe: %v %+v", err, r)
	}
	exp, _ := admin.HTTP(ctx, adminRequest("POST /admin/export", `{"email":"`+email+`"}`))
	var before privacy.Export
	_ = json.Unmarshal([]byte(exp.Body), &before)
	kinds := map[string]bool{}
	for _, e := range before.Timeline {
		kinds[e.Kind] = true
	}
	for _, k := range []string{"email_click", "soft_bounce", "accepted", "unsubscribed"} {
		if !kinds[k] {
			t.Errorf("fixture: no %q event in the timeline before the erasure", k)
		}
	}
	clock.add(time.Hour)
	if er, _ := admin.HTTP(ctx, adminRequest("POST /admin/erase", `{"email":"`+email+`"}`)); er.StatusCode != 200 {
		t.Fatalf("erase: %d %s", er.StatusCode, er.Body)
	}

	personal := map[string]string{
		"address": email, "local part": strings.Split(email, "@")[0], "domain": "strandqvist-shipping", "name": "Wilhelmina",
		"company": "Strandqvist Rederi", "rep's comment": "demo booked for Thursday", "address hash": lead.HashEmail(email),
	}
	if items := scanForPerson(t, table, lead.HashEmail(email), personal); len(items) < 5 {
		t.Fatalf("scanned %d items: not the table the test wrote", len(items))
	}
}

// scanForPerson reads every item of table and fails the test for each
// that holds one of personal's values (what → value, compared without
// case), except the erased address's entry on the suppression list and
// its day's erasure and suppression records (SEGMENTS …#<hash>), which
// keep its hash by design (TestEraseLeavesNoPersonalData checks them).
// It returns the partition key of every item read.
func scanForPerson(t *testing.T, table, hash string, personal map[string]string) []string {
	t.Helper()
	p := dynamodb.NewScanPaginator(testenv.Clients(t).DynamoDB, &dynamodb.ScanInput{TableName: aws.String(table), ConsistentRead: aws.Bool(true)})
	var pks []string
	for p.HasMorePages() {
		page, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, item := range page.Items {
			pk := item["PK"].(*types.AttributeValueMemberS).Value
			sk := item["SK"].(*types.AttributeValueMemberS).Value
			pks = append(pks, pk)
			if pk == "SUPPRESS#"+hash || pk == "SEGMENTS" && strings.HasSuffix(sk, "#"+hash) {
				continue
			}
			b, _ := json.Marshal(item)
			for what, v := range personal {
				if strings.Contains(strings.ToLower(string(b)), strings.ToLower(v)) {
					t.Errorf("the erased person's %s is still in %s / %s: %s", what, pk, sk, b)
				}
			}
		}
	}
	return pks
}

// TestAnExportTooLargeToAnswerIsStoredInTheExportBucket: Lambda answers
// at most 6 MB through API Gateway, so a lead with tens of thousands of
// timeline events (years of page views, a bot at the form) could not be
// exported at all — an access request left unanswered. An export larger
// than the inline limit (EXPORT_INLINE_LIMIT here, 5 MB by default) is
// stored whole in the export bucket under the lead's id, and the answer
// says where, how large, and gives a short-lived link that downloads it;
// the erasure of the person deletes the stored copy.
func TestAnExportTooLargeToAnswerIsStoredInTheExportBucket(t *testing.T) {
	const limit = 64 << 10
	capture, table, _ := build(t, "capture", nil)
	bucket := testenv.NewBucket(t)
	admin, _, logs := buildAt(t, "privacy", map[string]string{"EXPORT_INLINE_LIMIT": strconv.Itoa(limit), "SEGMENTS_BUCKET": bucket}, testenv.Clock(t), table)
	ctx := context.Background()
	st := store.New(testenv.Clients(t).DynamoDB, table)
	email := fmt.Sprintf("henrike.langzeit.%d@bigcorp.example", time.Now().UnixNano())
	accepted(t)(capture.HTTP(ctx, jsonLead(`{"email":"`+email+`","name":"Henrike Langzeit","company":"BigCorp","company_size":"51-200","campaign":"q4-demo"}`)))
	id := capturedID(t, table, email)
	l, err := st.Lead(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	// 600 page views, ≈ 150 KB of timeline: more than the limit.
	const views = 600
	t0 := testenv.Now(t).Add(-30 * 24 * time.Hour)
	for batch := range views / 20 {
		var evs []lead.Event
		for i := range 20 {
			n := batch*20 + i
			evs = append(evs, lead.Event{At: t0.Add(time.Duration(n) * time.Minute), Kind: "page_view", ID: fmt.Sprintf("view-%04d", n),
				Data: map[string]any{"url": fmt.Sprintf("https://www.example.com/pricing?plan=team&visit=%d", n), "title": "Pricing <team> & \"enterprise\""}})
		}
		l.Version++
		if err := st.Save(ctx, l, lead.Change{At: testenv.Now(t), Events: evs}); err != nil {
			t.Fatal(err)
		}
	}

	resp, _ := admin.HTTP(ctx, adminRequest("POST /admin/export", `{"email":"`+email+`"}`))
	var answer struct {
		Found  bool   `json:"found"`
		LeadID string `json:"lead_id"`
		Stored *struct {
			Bucket       string    `json:"bucket"`
			Key          string    `json:"key"`
			Bytes        int64     `json:"bytes"`
			URL          string    `json:"url"`
			URLExpiresAt time.Time `json:"url_expires_at"`
		} `json:"stored"`
		TimelineEvents int `json:"timeline_events"`
	}
	if err := json.Unmarshal([]byte(resp.Body), &answer); err != nil || resp.StatusCode != 200 {
		t.Fatalf("export: %d %v %.300s", resp.StatusCode, err, resp.Body)
	}
	if len(resp.Body) > limit || answer.Stored == nil {
		t.Fatalf("export of %d bytes answered inline, over the limit of %d: %.300s…", len(resp.Body), limit, resp.Body)
	}
	s := answer.Stored
	if !answer.Found || answer.LeadID != id || s.Bucket != bucket || s.Key != "privacy-exports/"+id+".json" || s.Bytes <= limit ||
		answer.TimelineEvents < views+1 || s.URL == "" || !s.URLExpiresAt.After(testenv.Now(t)) || s.URLExpiresAt.After(testenv.Now(t).Add(time.Hour)) {
		t.Fatalf("stored export: %s", resp.Body)
	}
	if resp.Headers["Cache-Control"] != "no-store" {
		t.Errorf("the answer with a download link may be cached: %v", resp.Headers)
	}
	// The link is signed with the function's role: AWS lets it download
	// only what that role may read (the emulator checks no IAM).
	for _, p := range iamProblems(testenv.Template(t), []iamCall{{"privacy", "s3:GetObject", "", s.Key}}) {
		t.Errorf("the download link would be refused: %s", p)
	}
	// The link downloads the whole export: the profile and every event.
	get, err := http.Get(s.URL)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(get.Body)
	get.Body.Close()
	var full privacy.Export
	if err := json.Unmarshal(body, &full); get.StatusCode != 200 || err != nil {
		t.Fatalf("download: %d %v %.300s", get.StatusCode, err, body)
	}
	if int64(len(body)) != s.Bytes || !full.Found || full.Lead == nil || full.Lead.Email != email || full.Lead.Name != "Henrike Langzeit" || len(full.Timeline) != answer.TimelineEvents {
		t.Fatalf("downloaded export (%d bytes, answer said %d): found %v, %d events (answer said %d)", len(body), s.Bytes, full.Found, len(full.Timeline), answer.TimelineEvents)
	}
	seen := map[string]bool{}
	for _, e := range full.Timeline {
		seen[e.ID] = true
	}
	for n := range views {
		if !seen[fmt.Sprintf("view-%04d", n)] {
			t.Fatalf("the stored export lacks event view-%04d", n)
		}
	}
	if strings.Contains(logs.String(), email) || strings.Contains(logs.String(), s.URL) {
		t.Fatal("the privacy function logged the address or the download link")
	}

	// The erasure deletes the stored copy: the key and the link find nothing.
	if er, _ := admin.HTTP(ctx, adminRequest("POST /admin/erase", `{"email":"`+email+`"}`)); er.StatusCode != 200 {
		t.Fatalf("erase: %d %s", er.StatusCode, er.Body)
	}
	out, err := testenv.Clients(t).S3.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(bucket), Prefix: aws.String("privacy-exports/")})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Contents) != 0 {
		t.Fatalf("after the erasure the bucket still holds %s", aws.ToString(out.Contents[0].Key))
	}
	if after, _ := admin.HTTP(ctx, adminRequest("POST /admin/export", `{"email":"`+email+`"}`)); after.StatusCode != 200 || !strings.Contains(after.Body, `"found":false`) {
		t.Fatalf("export after the erasure: %d %s", after.StatusCode, after.Body)
	}
}
