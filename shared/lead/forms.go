package lead

import (
	"crypto/sha256"
	"encoding/hex"
	"net/url"
	"path"
	"strings"
	"time"
)

// FormSent is a form a lead sent whose post counted as engagement: which
// form (FormID) and when. The lead keeps the latest (RecentForms), so the
// same form sent again soon after is told from a new one.
type FormSent struct {
	Form string    `json:"form"`
	At   time.Time `json:"at"`
}

// MaxRecentForms bounds Lead.RecentForms: the oldest go first.
const MaxRecentForms = 20

// FormID names the form a submission was sent with: its kind (form type),
// its campaign and the page it was on (host and path, case, a trailing
// slash, the query and the fragment aside), hashed. A double click, a
// reload of the page, the Back button and a corrected answer all post
// the same form again; another form type, another campaign's offer or
// another page is another form.
func FormID(s Submission) string {
	page := ""
	if u, err := url.Parse(s.Source.LandingPage); err == nil && u.Host != "" {
		page = strings.ToLower(u.Host) + path.Clean("/"+strings.ToLower(u.Path))
	}
	sum := sha256.Sum256([]byte(s.FormKind() + "\n" + s.Source.Campaign + "\n" + page))
	return hex.EncodeToString(sum[:8])
}

// RepeatsForm reports whether s is a form the lead already sent (the
// same FormID) and that counted within window of it, before or after
// (posts may be folded in out of order): the same person sending the
// same form again is one engagement, not two. Forms up to
// EngagementSince (sales sent the lead back, or it left) are not
// repeated by a later one: interest after that counts afresh. A window
// of 0 makes no form a repeat.
func (l *Lead) RepeatsForm(s Submission, window time.Duration) bool {
	if window <= 0 {
		return false
	}
	id, at, since := FormID(s), s.Source.At, l.EngagementSince()
	for _, f := range l.RecentForms {
		if f.Form == id && f.At.After(since) && at.Sub(f.At) < window && f.At.Sub(at) < window {
			return true
		}
	}
	return false
}

// NoteForm records that s counted as engagement (RecentForms), keeping
// the newest MaxRecentForms.
func (l *Lead) NoteForm(s Submission) {
	l.RecentForms = AppendKeepLast(l.RecentForms, MaxRecentForms, FormSent{Form: FormID(s), At: s.Source.At})
}

// EngagementSince is when the lead's engagement counts from: when sales
// sent it back, or when it left (Left: its deal lost, or it opted out),
// whichever is later; zero when neither happened. What it did before no
// longer counts: it must show interest again.
func (l *Lead) EngagementSince() time.Time {
	var since time.Time
	if l.SentBack != nil {
		since = l.SentBack.At
	}
	if left, gone := l.Left(); gone && left.After(since) {
		since = left
	}
	return since
}
