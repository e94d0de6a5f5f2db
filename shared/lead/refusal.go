package lead

import "time"

// Refusal is the last email of one side (to the lead, or to sales about
// it) that could not go out for a reason sending it again at once does
// not cure: SES refused the message, or the message failed its checks.
// Until it ends, no email of that side is tried for the lead (NextDue
// and Deferred): a scheduler retrying it every minute would keep its
// alarm firing and, with many such leads, keep them at the head of the
// due index ahead of leads that can be mailed. The next email of that
// side that goes out clears it.
type Refusal struct {
	// Job is the email refused (sendonce's job name).
	Job string `json:"job"`
	// ToLead: the email was to the lead (nurture, confirmation), else to
	// sales (alerts, escalations, reminders).
	ToLead bool `json:"to_lead"`
	// Reason is RefusedBySES or RefusedInvalid; never SES's own text, which
	// can quote the address.
	Reason string    `json:"reason"`
	Times  int       `json:"times"` // refusals in a row
	At     time.Time `json:"at"`
	Until  time.Time `json:"until"`
}

// Refusal reasons.
const (
	RefusedBySES   = "rejected_by_ses"
	RefusedInvalid = "invalid_message"
)

// RefusalWords is a refusal reason as a person reads it ("" for a code
// it does not know).
func RefusalWords(reason string) string {
	switch reason {
	case RefusedBySES:
		return "SES rejected it"
	case RefusedInvalid:
		return "it failed the message checks"
	}
	return ""
}

// Back-off after refusals in a row: RefusalFirstWait, doubling, at most
// RefusalMaxWait (5 min, 10, 20 … 21 h 20 min, then daily).
const (
	RefusalFirstWait = 5 * time.Minute
	RefusalMaxWait   = 24 * time.Hour
)

// RefusalOf is the refusal of a side's emails (to the lead, or to
// sales), nil when there is none. Each side keeps its own count and
// back-off: an address SES refuses can fail both as the lead's To and as
// the alert's Reply-To.
func (l *Lead) RefusalOf(toLead bool) *Refusal { return *l.refusal(toLead) }

func (l *Lead) refusal(toLead bool) **Refusal {
	if toLead {
		return &l.RefusedToLead
	}
	return &l.RefusedToSales
}

// Refuse records that job's email was refused at now, and how long its
// side now waits.
func (l *Lead) Refuse(job string, toLead bool, reason string, now time.Time) {
	times := 1
	if r := l.RefusalOf(toLead); r != nil && !now.After(r.Until.Add(RefusalMaxWait)) {
		// In a row: tried again after its back-off and refused again. One
		// older than that (nothing of that side was due since) starts over.
		times = r.Times + 1
	}
	wait := RefusalMaxWait
	if times <= 10 {
		wait = min(RefusalMaxWait, RefusalFirstWait<<(times-1))
	}
	*l.refusal(toLead) = &Refusal{Job: job, ToLead: toLead, Reason: reason, Times: times, At: now, Until: now.Add(wait)}
}

// Deferred reports whether emails of a side (to the lead or to sales)
// wait at now for the back-off of an earlier refusal.
func (l *Lead) Deferred(toLead bool, now time.Time) bool {
	r := l.RefusalOf(toLead)
	return r != nil && now.Before(r.Until)
}

// Delivered clears the refusal of the side of an email that went out.
func (l *Lead) Delivered(toLead bool) { *l.refusal(toLead) = nil }
