package lead

import (
	"slices"
	"time"
)

// ClickSeen is one click on a link of an email, counted or not, kept on
// the lead a short while (RecentClicks) so that a mail security scanner
// walking an email's links is told from a person clicking one.
type ClickSeen struct {
	// Email is when the email the link was in was sent (its links carry
	// it): the clicks of one email have the same.
	Email time.Time `json:"email"`
	// Link is a hash of the link's target (no URL is kept).
	Link string    `json:"link"`
	At   time.Time `json:"at"`
}

// MaxRecentClicks bounds Lead.RecentClicks: the oldest go first.
const MaxRecentClicks = 20

// Reasons SeeClick gives for a scanner's click.
const (
	// ScannerTooSoon: within the scan window of the email's send, when
	// mail security opens every link of an email as it arrives.
	ScannerTooSoon = "too_soon"
	// ScannerBurst: another link of the same email was clicked within the
	// burst gap: a machine walking the links, not a person reading.
	ScannerBurst = "burst"
)

// SeeClick records a click (RecentClicks) and says whether it is a mail
// scanner's — ScannerTooSoon when it comes within window of the email's
// send, ScannerBurst when a click on another link of the same email
// came within gap of it (before or after: writes race) — or a person's
// (""). The signals of kind that the clicks it bursts with added are
// taken back (they leave Signals): every click of a burst ends up
// uncounted, whichever came first. takenBack is how many.
func (l *Lead) SeeClick(kind string, c ClickSeen, window, gap time.Duration) (scanner string, takenBack int) {
	if c.At.Sub(c.Email) < window {
		scanner = ScannerTooSoon
	}
	var burst []time.Time
	for _, o := range l.RecentClicks {
		if o.Email.Equal(c.Email) && o.Link != c.Link && c.At.Sub(o.At) <= gap && o.At.Sub(c.At) <= gap {
			burst = append(burst, o.At)
		}
	}
	if len(burst) > 0 {
		if scanner == "" {
			scanner = ScannerBurst
		}
		kept := l.Signals[:0:0]
		for _, s := range l.Signals {
			if s.Kind == kind && slices.ContainsFunc(burst, s.At.Equal) {
				takenBack++
				continue
			}
			kept = append(kept, s)
		}
		if takenBack > 0 {
			l.Signals = kept
		}
	}
	l.RecentClicks = AppendKeepLast(l.RecentClicks, MaxRecentClicks, c)
	return scanner, takenBack
}
