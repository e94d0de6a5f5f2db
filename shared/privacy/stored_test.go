package privacy

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/leadflow/leadflow/shared/lead"
)

// copies is the export bucket's stored exports in memory; before, when
// set, runs before a Put lands (an erasure racing the export).
type copies struct {
	m      map[string][]byte
	before func()
}

func (c *copies) Put(_ context.Context, key, contentType string, body io.ReadSeeker, size int64) error {
	if c.before != nil {
		c.before()
	}
	b, err := io.ReadAll(body)
	if err != nil || int64(len(b)) != size || contentType != "application/json" {
		return fmt.Errorf("put %s: %d bytes of %d, %s, %v", key, len(b), size, contentType, err)
	}
	c.m[key] = b
	return nil
}

func (c *copies) Delete(ctx context.Context, key string) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("delete %s: %w", key, err) // as the SDK: no call with a context that ended
	}
	delete(c.m, key)
	return nil
}

func (c *copies) URL(_ context.Context, key string, ttl time.Duration) (string, error) {
	return fmt.Sprintf("https://bucket.example/%s?expires=%d", key, int(ttl.Seconds())), nil
}

// TestAnswerSizeIsWhatLambdaSends: the limit holds the body as Lambda
// sends it, a JSON string inside the response — quotes and backslashes
// escaped, HTML characters and control characters as \u escapes — not
// the body's own length: an export of 5.9 MB of JSON is over 6 MB sent.
func TestAnswerSizeIsWhatLambdaSends(t *testing.T) {
	for _, body := range []string{
		"", `{"a":"b"}`, `{"url":"https://x.example/?a=1&b=<2>"}`, "line\nbreak\ttab\r\b\f\x01\x1f",
		`back\slash "quoted"`, "Grüße 東京 🎉", "\u2028\u2029", "bad \xff\xfe utf-8", "\x7f",
	} {
		want, _ := json.Marshal(body)
		if got := AnswerSize([]byte(body)); got != len(want) {
			t.Errorf("AnswerSize(%q) = %d, want %d (%s)", body, got, len(want), want)
		}
	}
}

// withCopies is the handler over seed's store with a bucket for stored
// exports and an inline limit below Ann's export.
func withCopies(t *testing.T) (*Handler, *copies) {
	t.Helper()
	h, _ := newHandler(t, seed(t))
	c := &copies{m: map[string][]byte{}}
	h.Service.Copies, h.Service.Bucket, h.Service.InlineLimit = c, "exports-bucket", 500
	return h, c
}

// TestAnExportOverTheLimitIsStoredWhole: an export whose answer would be
// over the limit is stored under the lead's id — no address, no hash in
// the key — and answered with where it is, its size and a link; one
// within the limit is answered as before.
func TestAnExportOverTheLimitIsStoredWhole(t *testing.T) {
	h, c := withCopies(t)
	resp := do(t, h, "POST /admin/export", `{"email":"`+email+`"}`)
	got := decode[Stored](t, resp)
	want := Stored{EmailHash: lead.HashEmail(email), Found: true, LeadID: "L1", TimelineEvents: 2,
		Stored: StoredCopy{Bucket: "exports-bucket", Key: "privacy-exports/L1.json", Bytes: int64(len(c.m["privacy-exports/L1.json"])),
			URL: "https://bucket.example/privacy-exports/L1.json?expires=900", URLExpiresAt: t0.Add(LinkLife)}}
	if resp.StatusCode != http.StatusOK || got != want {
		t.Fatalf("export: %d\n got %+v\nwant %+v", resp.StatusCode, got, want)
	}
	var full Export
	if err := json.Unmarshal(c.m[want.Stored.Key], &full); err != nil || full.Lead == nil || full.Lead.Email != email || len(full.Timeline) != 2 {
		t.Fatalf("stored export: %v %s", err, c.m[want.Stored.Key])
	}
	if AnswerSize(c.m[want.Stored.Key]) <= 500 || len(resp.Body) > 500 {
		t.Fatalf("stored %d bytes, answered %d: the fixture is not over the limit", len(c.m[want.Stored.Key]), len(resp.Body))
	}

	h.Service.InlineLimit = AnswerSize(c.m[want.Stored.Key])
	clear(c.m)
	inline := do(t, h, "POST /admin/export", `{"email":"`+email+`"}`)
	if exp := decode[Export](t, inline); inline.StatusCode != http.StatusOK || exp.Lead == nil || len(exp.Timeline) != 2 || len(c.m) != 0 {
		t.Fatalf("an export at the limit: %d %.200s, stored %d", inline.StatusCode, inline.Body, len(c.m))
	}
}

// TestAnErasureDeletesTheStoredExport: the lead's erasure deletes its
// stored export, and an erasure whose write failed (run again) has
// deleted it already, before the lead could no longer be found by its
// address.
func TestAnErasureDeletesTheStoredExport(t *testing.T) {
	h, c := withCopies(t)
	do(t, h, "POST /admin/export", `{"email":"`+email+`"}`)
	if len(c.m) != 1 {
		t.Fatalf("fixture: stored %d exports", len(c.m))
	}
	h.Service.Store = failingErase{h.Service.Store}
	if resp := do(t, h, "POST /admin/erase", `{"email":"`+email+`"}`); resp.StatusCode != http.StatusInternalServerError {
		t.Fatalf("erase with its write failing: %d %s", resp.StatusCode, resp.Body)
	}
	if len(c.m) != 0 {
		t.Fatalf("an erasure stopped before its last write left the stored export: the run again cannot find the lead's id")
	}
	h.Service.Store = h.Service.Store.(failingErase).Store
	do(t, h, "POST /admin/export", `{"email":"`+email+`"}`)
	if resp := do(t, h, "POST /admin/erase", `{"email":"`+email+`"}`); resp.StatusCode != http.StatusOK || len(c.m) != 0 {
		t.Fatalf("erase: %d %s; stored exports left %d", resp.StatusCode, resp.Body, len(c.m))
	}
}

// failingErase fails the lead's erasure write.
type failingErase struct{ Store }

func (f failingErase) Erase(context.Context, lead.Lead, []lead.Event, lead.Change, bool) error {
	return fmt.Errorf("dynamodb: throttled")
}

// TestAnErasureOvertakingAStoredExportLeavesNoCopy: the export read the
// lead; the erasure runs — deleting the lead's stored export, of which
// there is none yet — before the export's copy lands. The export finds
// the erasure's record after storing it, deletes its copy and answers
// 409; run again, it finds no lead.
func TestAnErasureOvertakingAStoredExportLeavesNoCopy(t *testing.T) {
	h, c := withCopies(t)
	c.before = func() {
		c.before = nil
		if resp := do(t, h, "POST /admin/erase", `{"email":"`+email+`"}`); resp.StatusCode != http.StatusOK {
			t.Fatalf("erase: %d %s", resp.StatusCode, resp.Body)
		}
	}
	resp := do(t, h, "POST /admin/export", `{"email":"`+email+`"}`)
	if resp.StatusCode != http.StatusConflict || !strings.Contains(resp.Body, "erased while the export ran") {
		t.Fatalf("export overtaken by an erasure: %d %s", resp.StatusCode, resp.Body)
	}
	if len(c.m) != 0 {
		t.Fatalf("the erased person's export is left in the bucket")
	}
	if again := do(t, h, "POST /admin/export", `{"email":"`+email+`"}`); again.StatusCode != http.StatusOK || decode[Export](t, again).Found {
		t.Fatalf("export run again: %d %s", again.StatusCode, again.Body)
	}
}

// TestAnEarlierErasureOfTheAddressKeepsANewLeadsExport: the address was
// erased, then came back as a new lead (a form, a second later). The
// earlier erasure's record (kept a day) is older than the new lead: its
// export is stored, not taken for one an erasure overtook.
func TestAnEarlierErasureOfTheAddressKeepsANewLeadsExport(t *testing.T) {
	h, c := withCopies(t)
	do(t, h, "POST /admin/erase", `{"email":"`+email+`"}`)
	s := lead.Submission{Email: email, Name: "Ann Again", Source: lead.Attribution{Campaign: "spring", At: t0.Add(time.Second)}}
	l := lead.New("L2", s)
	l.CreatedAt = t0.Add(time.Second)
	if err := h.Service.Store.(interface {
		CreateLead(context.Context, lead.Lead, lead.Change, *lead.Idempotency) error
	}).CreateLead(context.Background(), l, lead.Change{At: l.CreatedAt, Events: []lead.Event{lead.SubmissionEvent("n1", lead.EventCaptured, s)}}, nil); err != nil {
		t.Fatal(err)
	}
	h.Service.InlineLimit = 100
	resp := do(t, h, "POST /admin/export", `{"email":"`+email+`"}`)
	if got := decode[Stored](t, resp); resp.StatusCode != http.StatusOK || got.LeadID != "L2" || c.m[CopyKey("L2")] == nil {
		t.Fatalf("export of the new lead: %d %s", resp.StatusCode, resp.Body)
	}
}

// erasedUnknown fails the read of the erasure record, as DynamoDB does
// when it throttles it, or the request's deadline passes.
type erasedUnknown struct{ Store }

func (erasedUnknown) ErasedSince(context.Context, string, time.Time) (bool, error) {
	return false, fmt.Errorf("dynamodb: throttled")
}

// TestAStoredExportThatCannotBeAnsweredLeavesNoCopy: the export's copy
// is stored, then what follows fails — the read of the erasure record
// (throttled, the deadline) or the link. The answer says nothing was
// exported, so no copy of the person's data may be left in the bucket
// (it was, for a day: an erasure that overtook the export had deleted
// the lead's copies before this one landed, and nothing checked again).
func TestAStoredExportThatCannotBeAnsweredLeavesNoCopy(t *testing.T) {
	for _, tc := range []struct {
		name   string
		breaks func(h *Handler, c *copies)
	}{
		{"the erasure record cannot be read", func(h *Handler, _ *copies) { h.Service.Store = erasedUnknown{h.Service.Store} }},
		{"an erasure overtook it, and its record cannot be read", func(h *Handler, c *copies) {
			c.before = func() {
				c.before = nil
				if resp := do(t, h, "POST /admin/erase", `{"email":"`+email+`"}`); resp.StatusCode != http.StatusOK {
					t.Fatalf("erase: %d %s", resp.StatusCode, resp.Body)
				}
				h.Service.Store = erasedUnknown{h.Service.Store}
			}
		}},
		{"the link cannot be made", func(h *Handler, c *copies) { h.Service.Copies = unlinkable{c} }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h, c := withCopies(t)
			tc.breaks(h, c)
			resp := do(t, h, "POST /admin/export", `{"email":"`+email+`"}`)
			if resp.StatusCode != http.StatusInternalServerError || !strings.Contains(resp.Body, "nothing was exported") {
				t.Fatalf("export: %d %s", resp.StatusCode, resp.Body)
			}
			if len(c.m) != 0 {
				t.Fatalf("an export answered as failed left its copy of the person's data in the bucket: %v", keys(c.m))
			}
		})
	}
}

// unlinkable is a bucket that cannot sign a download link.
type unlinkable struct{ *copies }

func (unlinkable) URL(context.Context, string, time.Duration) (string, error) {
	return "", fmt.Errorf("s3: presign: no credentials")
}

func keys(m map[string][]byte) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// deadlineAtCheck ends the request's work (its deadline passes) while
// the export reads the erasure record.
type deadlineAtCheck struct {
	Store
	end context.CancelFunc
}

func (d deadlineAtCheck) ErasedSince(ctx context.Context, _ string, _ time.Time) (bool, error) {
	d.end()
	return false, ctx.Err()
}

// TestAStoredExportPastItsDeadlineLeavesNoCopy: the copy lands just
// before the work's deadline, and the read of the erasure record runs
// out of time. The answer says nothing was exported; the copy is deleted
// all the same, with the time the function keeps to answer.
func TestAStoredExportPastItsDeadlineLeavesNoCopy(t *testing.T) {
	h, c := withCopies(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	h.Service.Store = deadlineAtCheck{h.Service.Store, cancel}
	if _, err := h.Service.Answer(ctx, email); err == nil {
		t.Fatal("an export whose erasure check ran out of time answered")
	}
	if len(c.m) != 0 {
		t.Fatalf("an export that ran out of time left its copy in the bucket: %v", keys(c.m))
	}
}
