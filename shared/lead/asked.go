package lead

import "time"

// AskedNoticeGap is the least time between two notices to a rep that the
// same lead asked again: forms sent meanwhile go together in the next,
// so a customer who fills three forms in an hour (or someone posting its
// address over and over) makes one email a day at most.
const AskedNoticeGap = 24 * time.Hour

// Asked is what a lead sales holds (SAL, SQL) or has won asked for with
// forms since its rep was last told. Sales set its stage, so such a form
// neither moves it nor alerts the rotation: the rep who holds the deal is
// told instead (Deal.Rep, or who stands in for them), once per
// AskedNoticeGap at most.
type Asked struct {
	// Since and Last are the times of the oldest and the newest form the
	// rep has not been told of; zero when none.
	Since time.Time `json:"since,omitzero"`
	Last  time.Time `json:"last,omitzero"`
	// Upto is the newest form the notice being sent lists, set with its
	// claim: a form posted while that notice is sent stays owed.
	Upto time.Time `json:"upto,omitzero"`
	// ToldAt is when the rep was last told; Times how often.
	ToldAt time.Time `json:"told_at,omitzero"`
	Times  int       `json:"times,omitempty"`
	// Untold counts the forms noted since the rep was last told, Listed
	// those of them the claimed notice lists: the notice says how many
	// forms it does not show without reading them all.
	Untold int `json:"untold,omitempty"`
	Listed int `json:"listed,omitempty"`
}

// heldOrWon reports whether a form from the lead goes to the rep who
// holds its deal: accepted (SAL), a qualified opportunity (SQL), or won.
func (l *Lead) heldOrWon() bool {
	switch l.Stage {
	case StageSAL, StageSQL, StageWon:
		return l.Deal != nil
	}
	return false
}

// asked is a copy of the lead's Asked (zero when none), for a change that
// must not write through to other copies of the lead.
func (l *Lead) asked() Asked {
	if l.Deal == nil || l.Deal.Asked == nil {
		return Asked{}
	}
	return *l.Deal.Asked
}

// setAsked puts a on a copy of the lead's deal.
func (l *Lead) setAsked(a Asked) {
	d := *l.Deal
	d.Asked = &a
	l.Deal = &d
}

// AskAgain notes a form that shows interest, sent at `at` by a lead sales
// holds or has won: its rep is owed a notice (AskedDue). A lead in any
// other stage is left as it is: qualification answers its form.
func (l *Lead) AskAgain(at time.Time) {
	if !l.heldOrWon() || l.Erased {
		return
	}
	a := l.asked()
	if a.Since.IsZero() || at.Before(a.Since) {
		a.Since = at
	}
	if at.After(a.Last) {
		a.Last = at
	}
	a.Untold++
	if !a.Upto.IsZero() && !at.After(a.Upto) {
		// Folded after the claim but posted before its newest form: in
		// the window the claimed notice lists.
		a.Listed++
	}
	l.setAsked(a)
}

// AskedDue is when the lead's rep is next told that it asked again: at its
// oldest untold form, but not within AskedNoticeGap of the last notice;
// zero when nothing is owed (no untold form, or the lead is no longer
// held or won: a lost deal's forms are qualification's).
func (l *Lead) AskedDue() time.Time {
	a := l.asked()
	if !l.heldOrWon() || l.Erased || a.Since.IsZero() {
		return time.Time{}
	}
	if next := a.ToldAt.Add(AskedNoticeGap); !a.ToldAt.IsZero() && a.Since.Before(next) {
		return next
	}
	return a.Since
}

// AskedUntold is the window of untold forms the notice due lists: from
// Since to Last, or to Upto once a notice is claimed.
func (l *Lead) AskedUntold() (since, upto time.Time) {
	a := l.asked()
	if !a.Upto.IsZero() {
		return a.Since, a.Upto
	}
	return a.Since, a.Last
}

// ClaimAsked fixes which forms the notice about to be claimed lists: those
// up to the newest noted now.
func (l *Lead) ClaimAsked() {
	a := l.asked()
	a.Upto, a.Listed = a.Last, a.Untold
	l.setAsked(a)
}

// AskedCount is how many forms the notice due lists: those noted up to
// its claim, or all untold before it (0: not counted, a lead noted
// before forms were).
func (l *Lead) AskedCount() int {
	a := l.asked()
	if !a.Upto.IsZero() {
		return a.Listed
	}
	return a.Untold
}

// ToldAsked records the notice sent at now: the forms it listed are told,
// and a form noted after its claim stays owed.
func (l *Lead) ToldAsked(now time.Time) {
	a := l.asked()
	if a.Upto.IsZero() || !a.Last.After(a.Upto) {
		a.Since, a.Last, a.Untold = time.Time{}, time.Time{}, 0
	} else {
		a.Since, a.Untold = a.Upto.Add(time.Nanosecond), max(a.Untold-a.Listed, 1)
	}
	a.Upto, a.Listed, a.ToldAt, a.Times = time.Time{}, 0, now, a.Times+1
	l.setAsked(a)
}
