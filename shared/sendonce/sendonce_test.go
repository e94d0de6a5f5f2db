package sendonce_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/leadflow/leadflow/shared/lead"
	"github.com/leadflow/leadflow/shared/mail"
	"github.com/leadflow/leadflow/shared/mail/mailtest"
	"github.com/leadflow/leadflow/shared/sendonce"
	"github.com/leadflow/leadflow/shared/store/memstore"
)

var t0 = time.Date(2031, 3, 10, 9, 0, 0, 0, time.UTC)

const job = "nurture:s:welcome"

type fixture struct {
	st  *memstore.Store
	out *mailtest.Outbox
	s   *sendonce.Sender
	now time.Time
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{st: memstore.New(), out: &mailtest.Outbox{}, now: t0}
	var n atomic.Int64
	f.s = &sendonce.Sender{Store: f.st, Mail: f.out, Lease: time.Minute, Confirm: 10 * time.Minute,
		Clock: func() time.Time { return f.now }, NewID: func(time.Time) string { return fmt.Sprint("C", n.Add(1)) }}
	return f
}

// lead stores a lead in a nurture sequence with the welcome step due.
func (f *fixture) lead(t *testing.T) lead.Lead {
	t.Helper()
	l := lead.New("L1", lead.Submission{Email: "ann@acme.example", Name: "Ann", Source: lead.Attribution{Campaign: "spring", At: t0}})
	l.Nurture = &lead.Nurture{Sequence: "s", Step: "welcome", NextAt: t0}
	if err := f.st.CreateLead(context.Background(), l, lead.Change{At: t0}, nil); err != nil {
		t.Fatal(err)
	}
	return l
}

func (f *fixture) read(t *testing.T) lead.Lead {
	t.Helper()
	l, err := f.st.Lead(context.Background(), "L1")
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// welcome is the job of sending the welcome step to the lead: due while
// no send of it is recorded; the commit records it and moves on.
func welcome(toLead bool) sendonce.Job {
	return sendonce.Job{
		Name:   job,
		ToLead: toLead,
		Message: func(_ context.Context, l lead.Lead) (mail.Message, error) {
			return mail.Message{From: "news@example.com", To: l.Email, Subject: "Welcome", Text: "Hi " + l.Name, HTML: "<p>Hi</p>"}, nil
		},
		Due: func(l *lead.Lead) bool {
			for _, s := range l.Nurture.Sends {
				if s.Step == "welcome" {
					return false
				}
			}
			return true
		},
		Commit: func(l *lead.Lead, messageID string) lead.Change {
			l.Nurture.Sends = append(l.Nurture.Sends, lead.Send{Sequence: "s", Step: "welcome", At: t0, MessageID: messageID})
			l.Nurture.Step, l.Nurture.NextAt = "done", time.Time{}
			return lead.Change{At: t0, Events: []lead.Event{{At: t0, Kind: "nurture_sent", ID: "e-" + messageID}},
				Counters: []lead.Counter{{Campaign: l.Campaign(), Name: "nurture_sends"}}}
		},
	}
}

// sends is how many sends of the welcome step the stored lead records.
func sends(l lead.Lead) int { return len(l.Nurture.Sends) }

// claim is the stored lead's claim of the job, if any.
func (f *fixture) claim(t *testing.T) (lead.Claim, bool) {
	t.Helper()
	c, ok := f.read(t).Claims[job]
	return c, ok
}

func TestSendClaimsSendsAndCommits(t *testing.T) {
	f := newFixture(t)
	l := f.lead(t)
	out, err := f.s.Do(context.Background(), l, welcome(true), "w1")
	if err != nil || out != sendonce.Sent {
		t.Fatalf("Do = %s, %v; want sent", out, err)
	}
	if len(f.out.Sent()) != 1 || f.out.Sent()[0].To != "ann@acme.example" {
		t.Fatalf("sent %+v, want one email to the lead", f.out.Sent())
	}
	// SES hands the tags back on the message's events: lead and claim.
	if tags := f.out.Sent()[0].Tags; tags[sendonce.TagLead] != "L1" || tags[sendonce.TagClaim] != "C1" {
		t.Fatalf("tags %v, want lead L1 and claim C1", tags)
	}
	got := f.read(t)
	// Two writes: the claim (lease + claim), then the commit.
	if got.Version != l.Version+2 || got.Lease != nil || got.Claims != nil || sends(got) != 1 || got.Nurture.Sends[0].MessageID != "msg-1" {
		t.Fatalf("after commit: version %d (want %d), lease %+v, claims %+v, sends %+v", got.Version, l.Version+2, got.Lease, got.Claims, got.Nurture.Sends)
	}
	tl, _ := f.st.Timeline(context.Background(), "L1")
	stats, _ := f.st.CampaignStats(context.Background(), "spring", t0)
	if len(tl) != 1 || tl[0].Kind != "nurture_sent" || stats["nurture_sends"] != 1 {
		t.Fatalf("commit wrote events %+v, counters %v", tl, stats)
	}
}

func TestSendSESRefusedReleasesClaimAndLease(t *testing.T) {
	for _, tc := range []struct {
		name    string
		breakIt func(f *fixture, j *sendonce.Job)
		want    error
		// refused: a refusal sending again at once would not cure, so the
		// lead's emails wait out a back-off; else the next run retries.
		refused string
	}{
		{"SES throttles", func(f *fixture, _ *sendonce.Job) { f.out.Fail = mail.ErrThrottled }, mail.ErrThrottled, ""},
		{"SES unavailable", func(f *fixture, _ *sendonce.Job) { f.out.Fail = mail.ErrUnavailable }, mail.ErrUnavailable, ""},
		{"SES rejects", func(f *fixture, _ *sendonce.Job) { f.out.Fail = fmt.Errorf("%w: MessageRejected", mail.ErrRejected) }, mail.ErrRejected, lead.RefusedBySES},
		// The account, not this message: nothing of the lead's to back off
		// (the tick stops, as for throttling, and tries again next time).
		{"the account cannot send", func(f *fixture, _ *sendonce.Job) {
			f.out.Fail = fmt.Errorf("%w: %w: SendingPausedException", mail.ErrRejected, mail.ErrAccount)
		}, mail.ErrAccount, ""},
		{"message fails its checks", func(f *fixture, _ *sendonce.Job) { f.out.Fail = fmt.Errorf("%w: bad tag", mail.ErrInvalid) }, mail.ErrInvalid, lead.RefusedInvalid},
		{"message cannot be built", func(_ *fixture, j *sendonce.Job) {
			j.Message = func(context.Context, lead.Lead) (mail.Message, error) { return mail.Message{}, errBadTemplate }
		}, errBadTemplate, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			l := f.lead(t)
			j := welcome(true)
			tc.breakIt(f, &j)
			if _, err := f.s.Do(context.Background(), l, j, "w1"); !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			got := f.read(t)
			if _, claimed := got.Claims[job]; len(f.out.Sent()) != 0 || claimed || got.Lease != nil || sends(got) != 0 {
				t.Fatalf("after a refused send: %d sent, claims %+v, lease %+v, sends %d; want nothing left", len(f.out.Sent()), got.Claims, got.Lease, sends(got))
			}
			f.out.Fail = nil
			if tc.refused != "" {
				r := got.RefusedToLead
				if r == nil || r.Reason != tc.refused || r.Job != job || !r.ToLead || r.Times != 1 || !r.Until.Equal(t0.Add(lead.RefusalFirstWait)) {
					t.Fatalf("refusal recorded: %+v", r)
				}
				if due := got.NextDue(); !due.Equal(r.Until) {
					t.Fatalf("the refused lead is due at %v, want at the back-off's end %v", due, r.Until)
				}
				tl, _ := f.st.Timeline(context.Background(), "L1")
				if len(tl) != 1 || tl[0].Kind != sendonce.EventRefused || tl[0].Data["reason"] != tc.refused {
					t.Fatalf("timeline after the refusal: %+v", tl)
				}
				// Within the back-off nothing is tried.
				f.now = r.Until.Add(-time.Second)
				if out, err := f.s.Do(context.Background(), got, welcome(true), "w2"); err != nil || out != sendonce.Deferred || len(f.out.Sent()) != 0 {
					t.Fatalf("during the back-off: %s, %v, %d sent", out, err, len(f.out.Sent()))
				}
				f.now = r.Until
			} else if got.RefusedToLead != nil {
				t.Fatalf("a failure that may pass by itself recorded a refusal: %+v", got.RefusedToLead)
			}
			// The next run sends it, and a sent email ends the refusal.
			out, err := f.s.Do(context.Background(), got, welcome(true), "w2")
			if after := f.read(t); err != nil || out != sendonce.Sent || len(f.out.Sent()) != 1 || sends(after) != 1 || after.RefusedToLead != nil {
				t.Fatalf("retry = %s, %v; %d sent, refusal %+v", out, err, len(f.out.Sent()), after.RefusedToLead)
			}
		})
	}
}

// A refusal of an email to sales does not hold up the lead's own emails.
func TestARefusalOfTheOtherSideDoesNotDefer(t *testing.T) {
	f := newFixture(t)
	l := f.lead(t)
	l.Refuse("handoff", false, lead.RefusedBySES, t0)
	if out, err := f.s.Do(context.Background(), l, welcome(true), "w1"); err != nil || out != sendonce.Sent {
		t.Fatalf("Do = %s, %v; want sent", out, err)
	}
	if r := f.read(t).RefusedToSales; r == nil || r.ToLead {
		t.Fatalf("the email to the lead cleared the refusal of sales' email: %+v", r)
	}
}

var errBadTemplate = errors.New("template: missing key")

// commitFails lets the claim through and fails the commit, as if the
// process died once the email was out.
type commitFails struct{ *memstore.Store }

func (c commitFails) Put(ctx context.Context, l lead.Lead, ch lead.Change) error {
	if _, claiming := l.Claims[job]; claiming {
		return c.Store.Put(ctx, l, ch)
	}
	return errors.New("lambda timed out")
}

// A claim left behind by a worker that died is settled by SES's record
// (the Send event's confirmation), never by guessing: confirmed → record
// it without sending; unconfirmed → wait for the event, then send again
// once the window has passed without one.
func TestClaimLeftByADeadWorker(t *testing.T) {
	for _, tc := range []struct {
		name string
		// die leaves the lead as a worker killed at some instant would.
		die func(t *testing.T, f *fixture, l lead.Lead)
		// confirmed: SES's Send event arrived for the claim.
		confirmed bool
		// emails sent by the worker that died.
		died int
	}{
		{"killed after the claim, before SES", func(t *testing.T, f *fixture, l lead.Lead) {
			f.out.Fail = errors.New("connection reset") // no answer: unknown
			if _, err := f.s.Do(context.Background(), l, welcome(true), "w1"); !errors.Is(err, sendonce.ErrUnknown) {
				t.Fatalf("err = %v, want ErrUnknown", err)
			}
			f.out.Fail = nil
		}, false, 0},
		{"killed after SES accepted, event arrived", func(t *testing.T, f *fixture, l lead.Lead) {
			f.s.Store = commitFails{f.st}
			if _, err := f.s.Do(context.Background(), l, welcome(true), "w1"); err == nil {
				t.Fatal("Do with a failing commit returned no error")
			}
			f.s.Store = f.st
		}, true, 1},
		{"killed after SES accepted, event lost", func(t *testing.T, f *fixture, l lead.Lead) {
			f.s.Store = commitFails{f.st}
			_, _ = f.s.Do(context.Background(), l, welcome(true), "w1")
			f.s.Store = f.st
		}, false, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			tc.die(t, f, f.lead(t))
			c, ok := f.claim(t)
			if !ok || f.read(t).Lease == nil || len(f.out.Sent()) != tc.died || sends(f.read(t)) != 0 {
				t.Fatalf("after the death: claim %+v, lease %+v, %d sent, sends %d", c, f.read(t).Lease, len(f.out.Sent()), sends(f.read(t)))
			}
			if tc.confirmed {
				l := f.read(t)
				c.Confirmed, c.ConfirmedAt = "msg-1", t0
				l.Claims = map[string]lead.Claim{job: c}
				l.Version++
				if err := f.st.Put(context.Background(), l, lead.Change{}); err != nil {
					t.Fatal(err)
				}
			}
			// While the lease holds, another worker leaves it alone.
			if out, err := f.s.Do(context.Background(), f.read(t), welcome(true), "w2"); err != nil || out != sendonce.Busy {
				t.Fatalf("during the lease: %s, %v; want busy", out, err)
			}
			f.now = t0.Add(2 * time.Minute)
			out, err := f.s.Do(context.Background(), f.read(t), welcome(true), "w3")
			if tc.confirmed {
				got := f.read(t)
				if err != nil || out != sendonce.Recovered || len(f.out.Sent()) != 1 || sends(got) != 1 || got.Nurture.Sends[0].MessageID != "msg-1" || got.Claims != nil || got.Lease != nil {
					t.Fatalf("recovery = %s, %v; %d sent, sends %+v, claims %+v; want recorded as msg-1, nothing resent", out, err, len(f.out.Sent()), got.Nurture.Sends, got.Claims)
				}
				return
			}
			if err != nil || out != sendonce.Unconfirmed || len(f.out.Sent()) != tc.died {
				t.Fatalf("inside the window = %s, %v; %d sent; want unconfirmed, nothing sent", out, err, len(f.out.Sent()))
			}
			// No Send event within the window: SES never accepted it (or
			// lost its event): send again.
			f.now = t0.Add(11 * time.Minute)
			out, err = f.s.Do(context.Background(), f.read(t), welcome(true), "w4")
			got := f.read(t)
			if err != nil || out != sendonce.Sent || len(f.out.Sent()) != tc.died+1 || sends(got) != 1 || got.Claims != nil {
				t.Fatalf("after the window = %s, %v; %d sent, sends %d, claims %+v", out, err, len(f.out.Sent()), sends(got), got.Claims)
			}
		})
	}
}

// TestClaimOfAnEarlierObligationIsSetAside: a claim SES confirmed but
// nobody recorded, left from before the job's current obligation began
// (Job.Since: a deal lost before the tick recovered its notice, then a new
// deal), is not this obligation's email: it is sent, not "recovered".
func TestClaimOfAnEarlierObligationIsSetAside(t *testing.T) {
	for _, tc := range []struct {
		name  string
		since time.Time // zero: the job has no Since
		want  sendonce.Outcome
		sent  int
	}{
		{"no Since: recovered as before", time.Time{}, sendonce.Recovered, 0},
		{"claim after the obligation began: recovered", t0.Add(-time.Hour), sendonce.Recovered, 0},
		{"claim before it: set aside, sent", t0.Add(time.Hour), sendonce.Sent, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			l := f.lead(t)
			l.Claims = map[string]lead.Claim{job: {ID: "C0", At: t0, Confirmed: "msg-old", ConfirmedAt: t0}}
			l.Version++
			if err := f.st.Put(context.Background(), l, lead.Change{}); err != nil {
				t.Fatal(err)
			}
			f.now = t0.Add(2 * time.Hour)
			j := welcome(true)
			if !tc.since.IsZero() {
				j.Since = func(*lead.Lead) time.Time { return tc.since }
			}
			out, err := f.s.Do(context.Background(), f.read(t), j, "w1")
			got := f.read(t)
			if err != nil || out != tc.want || len(f.out.Sent()) != tc.sent || sends(got) != 1 || got.Claims != nil {
				t.Fatalf("= %s, %v; %d sent, sends %+v, claims %+v; want %s, %d sent", out, err, len(f.out.Sent()), got.Nurture.Sends, got.Claims, tc.want, tc.sent)
			}
			if tc.sent == 1 && got.Nurture.Sends[0].MessageID == "msg-old" {
				t.Fatal("recorded the earlier obligation's message as this one's")
			}
		})
	}
}

func TestSuppressedAddressGetsNothing(t *testing.T) {
	f := newFixture(t)
	l := f.lead(t)
	l.Version++
	if err := f.st.Suppress(context.Background(), l, lead.Change{At: t0}, "bounce"); err != nil {
		t.Fatal(err)
	}
	l = f.read(t)
	if l.Suppressed != "bounce" {
		t.Fatalf("the lead's copy of its suppression = %q, want bounce", l.Suppressed)
	}
	out, err := f.s.Do(context.Background(), l, welcome(true), "w1")
	if err != nil || out != sendonce.Suppressed {
		t.Fatalf("Do = %s, %v; want suppressed", out, err)
	}
	if got := f.read(t); len(f.out.Sent()) != 0 || got.Claims != nil || got.Version != l.Version || got.Lease != nil {
		t.Fatalf("suppressed: %d sent, claims %+v, version %d → %d, lease %+v; want nothing written", len(f.out.Sent()), got.Claims, l.Version, got.Version, got.Lease)
	}
	// An email to sales about the lead is not the lead's to refuse.
	if out, err := f.s.Do(context.Background(), l, welcome(false), "w1"); err != nil || out != sendonce.Sent {
		t.Fatalf("email not to the lead = %s, %v; want sent", out, err)
	}
}

func TestBusyWhileAnotherOwnerHoldsTheLease(t *testing.T) {
	for _, tc := range []struct {
		name  string
		lease *lead.Lease
		want  sendonce.Outcome
	}{
		{"another owner, unexpired", &lead.Lease{Owner: "other", Until: t0.Add(30 * time.Second)}, sendonce.Busy},
		{"another owner, expired", &lead.Lease{Owner: "other", Until: t0.Add(-time.Second)}, sendonce.Sent},
		{"this owner", &lead.Lease{Owner: "w1", Until: t0.Add(30 * time.Second)}, sendonce.Sent},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			l := f.lead(t)
			l.Lease = tc.lease
			l.Version++
			if err := f.st.Save(context.Background(), l, lead.Change{At: t0}); err != nil {
				t.Fatal(err)
			}
			out, err := f.s.Do(context.Background(), l, welcome(true), "w1")
			if err != nil || out != tc.want {
				t.Fatalf("Do = %s, %v; want %s", out, err, tc.want)
			}
			wantSent := map[sendonce.Outcome]int{sendonce.Busy: 0, sendonce.Sent: 1}[tc.want]
			if got := f.read(t); len(f.out.Sent()) != wantSent || (tc.want == sendonce.Busy && got.Version != l.Version) {
				t.Fatalf("%d sent (want %d), version %d → %d", len(f.out.Sent()), wantSent, l.Version, got.Version)
			}
		})
	}
}

func TestStaleLeadIsBusy(t *testing.T) {
	f := newFixture(t)
	stale := f.lead(t)
	// Someone (a resubmission) wrote the lead after this worker read it.
	if _, err := lead.Update(context.Background(), f.st, "L1", func(l *lead.Lead) (lead.Change, error) {
		l.Touches++
		return lead.Change{At: t0}, nil
	}); err != nil {
		t.Fatal(err)
	}
	out, err := f.s.Do(context.Background(), stale, welcome(true), "w1")
	if _, claimed := f.claim(t); err != nil || out != sendonce.Busy || len(f.out.Sent()) != 0 || claimed {
		t.Fatalf("Do on a stale lead = %s, %v; %d sent, claimed %v; want busy and nothing", out, err, len(f.out.Sent()), claimed)
	}
}

// A write between claim and commit (a resubmission while SES was
// answering) is kept: the commit re-reads and re-applies.
func TestCommitReappliesOnALeadChangedMeanwhile(t *testing.T) {
	f := newFixture(t)
	l := f.lead(t)
	f.out.During = func() {
		if _, err := lead.Update(context.Background(), f.st, "L1", func(l *lead.Lead) (lead.Change, error) {
			l.Touches++
			return lead.Change{At: t0}, nil
		}); err != nil {
			t.Error(err)
		}
	}
	out, err := f.s.Do(context.Background(), l, welcome(true), "w1")
	if err != nil || out != sendonce.Sent {
		t.Fatalf("Do = %s, %v", out, err)
	}
	got := f.read(t)
	if got.Touches != l.Touches+1 || sends(got) != 1 || got.Lease != nil || len(f.out.Sent()) != 1 {
		t.Fatalf("touches %d (want %d), sends %d, lease %+v, %d sent", got.Touches, l.Touches+1, sends(got), got.Lease, len(f.out.Sent()))
	}
}

// Once claimed, the protocol finishes even when the caller's context is
// cancelled: no claim without an email, no email without its commit.
func TestCancelledCallerStillFinishes(t *testing.T) {
	f := newFixture(t)
	l := f.lead(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	out, err := f.s.Do(ctx, l, welcome(true), "w1")
	if err != nil || out != sendonce.Sent || len(f.out.Sent()) != 1 || sends(f.read(t)) != 1 {
		t.Fatalf("Do with a cancelled context = %s, %v; %d sent", out, err, len(f.out.Sent()))
	}
}

// Workers that read the lead at any moment and run the job when it is
// due (as the tick and capture do) send it once between them.
func TestConcurrentWorkersSendOnce(t *testing.T) {
	f := newFixture(t)
	f.lead(t)
	const n = 16
	outcomes := make(chan sendonce.Outcome, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			l, err := f.st.Lead(context.Background(), "L1")
			if err != nil {
				t.Error(err)
				return
			}
			j := welcome(true)
			if !j.Due(&l) {
				outcomes <- sendonce.NotDue
				return
			}
			out, err := f.s.Do(context.Background(), l, j, fmt.Sprint("w", i))
			if err != nil {
				t.Error(err)
			}
			outcomes <- out
		}()
	}
	wg.Wait()
	close(outcomes)
	count := map[sendonce.Outcome]int{}
	for o := range outcomes {
		count[o]++
	}
	if len(f.out.Sent()) != 1 || count[sendonce.Sent] != 1 || count[sendonce.Recovered] != 0 || sends(f.read(t)) != 1 {
		t.Fatalf("%d emails, outcomes %v, %d sends recorded; want exactly one", len(f.out.Sent()), count, sends(f.read(t)))
	}
}

// When the lease ran out during a slow send and another worker recovered
// and recorded the email, the commit finds it recorded and adds nothing.
func TestCommitSkipsWhatSomeoneElseRecorded(t *testing.T) {
	f := newFixture(t)
	l := f.lead(t)
	f.out.During = func() {
		if _, err := lead.Update(context.Background(), f.st, "L1", func(l *lead.Lead) (lead.Change, error) {
			welcome(true).Commit(l, "")
			l.Lease = nil
			return lead.Change{At: t0}, nil
		}); err != nil {
			t.Error(err)
		}
	}
	out, err := f.s.Do(context.Background(), l, welcome(true), "w1")
	if err != nil || out != sendonce.Sent {
		t.Fatalf("Do = %s, %v", out, err)
	}
	if got := f.read(t); sends(got) != 1 || len(f.out.Sent()) != 1 {
		t.Fatalf("sends recorded %d, emails %d; want 1 and 1", sends(got), len(f.out.Sent()))
	}
}
