package handoff

import (
	"cmp"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/leadflow/leadflow/shared/lead"
	"github.com/leadflow/leadflow/shared/mail"
	"github.com/leadflow/leadflow/shared/sendonce"
)

// Timeline is a lead's events as sentences a rep reads, oldest first;
// a time inside a sentence is in zone (the reader's; nil: UTC), as the
// rows' own times are.
func Timeline(events []lead.Event, labels Labels, zone *time.Location) []mail.TimelineEntry {
	out := make([]mail.TimelineEntry, 0, len(events))
	for _, e := range events {
		out = append(out, mail.TimelineEntry{At: e.At, What: describe(e, labels, zone)})
	}
	return out
}

// facts reads an event's data: as written (Go values) or as read back
// from the store (JSON values).
type facts map[string]any

func (f facts) str(k string) string {
	switch v := f[k].(type) {
	case string:
		return v
	case nil:
		return ""
	case fmt.Stringer:
		return v.String()
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	default:
		return fmt.Sprint(v)
	}
}

// time is a time the event recorded: as written, or read back as text.
func (f facts) time(k string) (time.Time, bool) {
	if t, ok := f[k].(time.Time); ok {
		return t, !t.IsZero()
	}
	t, err := time.Parse(time.RFC3339Nano, f.str(k))
	return t, err == nil
}

// campaign is the campaign of a submission event's source.
func (f facts) campaign() string {
	switch src := f["source"].(type) {
	case lead.Attribution:
		return src.Campaign
	case *lead.Attribution:
		if src != nil {
			return src.Campaign
		}
	case map[string]any:
		c, _ := src["campaign"].(string)
		return c
	}
	return ""
}

func stageLabel(code string) string { return lead.Stage(code).Label() }

// optOutWords says why a lead may not get marketing email, by the
// opt_out event's reason.
var optOutWords = map[string]string{
	lead.OptOutNoConsent: "no marketing consent",
	"unsubscribe":        "unsubscribed",
	"bounce":             "the address bounced",
	"complaint":          "marked an email as spam",
	"erasure":            "data erased on request",
}

// describers say what each kind of event was, in a sentence. Every kind
// any package writes to a timeline has one (TestDescribeEveryEventKind);
// Describe humanises a kind without one.
var describers = map[string]func(f facts, labels Labels, zone *time.Location) string{
	lead.EventCaptured:    func(f facts, l Labels, _ *time.Location) string { return submitted("Submitted a form", f, l) },
	lead.EventResubmitted: func(f facts, l Labels, _ *time.Location) string { return submitted("Submitted a form again", f, l) },
	lead.EventStage: func(f facts, _ Labels, _ *time.Location) string {
		if from := f.str("from"); from != "" {
			return "Stage: " + stageLabel(from) + " → " + stageLabel(f.str("to"))
		}
		return "Stage: " + stageLabel(f.str("to"))
	},
	lead.EventOptOut: func(f facts, _ Labels, _ *time.Location) string {
		return "No longer receives marketing email: " + cmp.Or(optOutWords[f.str("reason")], lead.Humanise(f.str("reason")))
	},
	lead.EventOptIn: func(facts, Labels, *time.Location) string {
		return "Receives marketing email from now on (consent given)"
	},
	lead.EventErased: func(facts, Labels, *time.Location) string { return "Personal data erased on request" },
	"qualified": func(f facts, _ Labels, _ *time.Location) string {
		s := "Scored: grade " + cmp.Or(f.str("grade"), "?")
		if sc, ok := f["score"].(float64); ok {
			s += fmt.Sprintf(", score %.0f", sc)
		}
		if dq := f.str("disqualified"); dq != "" {
			return s + " — disqualified (" + lead.Humanise(dq) + ")"
		}
		if t := f.str("temperature"); t != "" {
			s += " (" + t + ")"
		}
		return s
	},
	"optin_sent": func(facts, Labels, *time.Location) string {
		return "Sent the email asking to confirm marketing consent"
	},
	"optin_confirmed": func(facts, Labels, *time.Location) string { return "Confirmed marketing consent by email" },
	"enrolled": func(f facts, _ Labels, _ *time.Location) string {
		return "Started nurture sequence " + quoted(f.str("sequence"))
	},
	"nurture_exit": func(f facts, _ Labels, _ *time.Location) string {
		s := "Left nurture sequence " + quoted(f.str("sequence"))
		if r := f.str("reason"); r != "" {
			s += " (" + lead.Humanise(r) + ")"
		}
		return s
	},
	"nurture_handoff": func(f facts, _ Labels, _ *time.Location) string { return "Nurture handed the lead to sales" },
	"nurture_email": func(f facts, _ Labels, _ *time.Location) string {
		s := "Sent nurture email " + quoted(f.str("template"))
		if seq := f.str("sequence"); seq != "" {
			s += " (sequence " + quoted(seq)
			if st := f.str("step"); st != "" {
				s += ", step " + st
			}
			s += ")"
		}
		return s
	},
	"unsubscribed": func(facts, Labels, *time.Location) string { return "Unsubscribed from marketing email" },
	"email_click": func(f facts, _ Labels, _ *time.Location) string {
		return strings.TrimSuffix("Clicked a link in an email: "+f.str("url"), ": ")
	},
	"scanner_click": func(f facts, _ Labels, _ *time.Location) string {
		// track.EventScannerClick: a mail security scanner's fetch, not
		// the lead's click.
		return strings.TrimSuffix("A mail scanner opened a link in an email (not counted): "+f.str("url"), ": ")
	},
	"email_open": func(facts, Labels, *time.Location) string { return "Opened an email" },
	"page_view": func(f facts, _ Labels, _ *time.Location) string {
		return strings.TrimSuffix("Viewed "+f.str("url"), " ")
	},
	"handoff": func(f facts, _ Labels, _ *time.Location) string {
		if rep := f.str("rep"); rep != "" {
			return "Alert sent to " + rep
		}
		return "Alert sent to sales"
	},
	"sla_breach": func(f facts, _ Labels, _ *time.Location) string {
		return to("No response in time: escalated", f.str("escalated_to"))
	},
	"fresh_links": func(f facts, _ Labels, _ *time.Location) string { return to("Fresh alert links sent", f.str("rep")) },
	sendonce.EventRefused: func(f facts, _ Labels, zone *time.Location) string {
		s := "An email could not be sent"
		if why := lead.RefusalWords(f.str("reason")); why != "" {
			s += ": " + why
		}
		if at, ok := f.time("until"); ok {
			s += "; tried again from " + mail.When(at, zone)
		}
		return s
	},
	EventReturned: func(f facts, _ Labels, _ *time.Location) string {
		if f.str("held") != "" {
			return "The held alert was never released: back to nurturing"
		}
		who := f.str("rep")
		if esc := f.str("escalated_to"); esc != "" {
			who += ", escalated to " + esc
		}
		if who != "" {
			who = " (to " + who + ")"
		}
		return "Nobody answered the alert" + who + " in time: back to nurturing"
	},
	"alert_held": func(f facts, _ Labels, zone *time.Location) string {
		held := "Alert held for a summary (" + lead.Humanise(cmp.Or(f.str("reason"), "alert limit")) + ")"
		if at, ok := f.time("retry_at"); ok {
			held += "; it goes to sales by itself from " + mail.When(at, zone)
		}
		return held
	},
	"alert_released": func(facts, Labels, *time.Location) string { return "Held alert released to sales" },
	"outcome_reminder": func(f facts, _ Labels, _ *time.Location) string {
		if rep := f.str("rep"); rep != "" {
			return "Asked " + rep + " for the outcome"
		}
		return "Asked for the outcome"
	},
	EventToldAsked: func(f facts, _ Labels, _ *time.Location) string {
		return "Told " + cmp.Or(f.str("rep"), "the rep") + ", who holds its deal, that the lead asked again"
	},
	"accepted": func(f facts, _ Labels, _ *time.Location) string {
		return strings.TrimSuffix("Accepted by "+f.str("rep"), " by ")
	},
	"rejected": func(f facts, _ Labels, _ *time.Location) string {
		return "Rejected by sales: " + cmp.Or(f.str("label"), lead.Humanise(f.str("reason")), "no reason given")
	},
	string(lead.StageSQL): func(f facts, _ Labels, _ *time.Location) string {
		s := "Marked a sales qualified opportunity (SQL)"
		switch {
		case f.str(lead.DataCorrects) == string(lead.StageLost):
			return s + " — reopened after it was lost: the loss is taken out of the reports"
		case f["before_close"] == true:
			return s + " — before the deal was lost (delivered late): the loss now closes this SQL"
		}
		return s
	},
	string(lead.StageWon): func(f facts, _ Labels, _ *time.Location) string {
		s := "Won"
		if a := f.str("amount"); a != "" {
			s = strings.TrimSpace("Won: " + a + " " + f.str("currency"))
		}
		return s + impliedSQL(f) + corrects(f) + countedOn(f) + through(f)
	},
	"deal_corrected": func(f facts, _ Labels, _ *time.Location) string {
		was := strings.TrimSpace(f.str("previous_amount") + " " + f.str("previous_currency"))
		now := strings.TrimSpace(f.str("amount") + " " + f.str("currency"))
		if was == "" || was == "0" {
			return "Deal amount set: " + now + through(f)
		}
		return "Deal amount corrected: " + was + " → " + now + through(f)
	},
	"deal_merged": func(f facts, _ Labels, _ *time.Location) string {
		// Two contacts of one CRM deal closed before the CRM named it,
		// each counting it: one count kept, the other taken out.
		close := map[string]string{"won": "win", "lost": "loss"}[f.str("stage")]
		close = cmp.Or(close, "close")
		id := f.str("deal_id")
		if on := f.str("counted_on"); on != "" {
			was := strings.TrimSpace(f.str("previous_amount") + " " + f.str("previous_currency"))
			if was != "" {
				was = " (" + was + ")"
			}
			return "Named a contact of " + strings.TrimSpace("deal "+id) + ", which counts on the lead " + on + " (closed first): this lead's own " + close + was + " is taken out of the reports"
		}
		if via := f.str("via"); via != "" {
			s := strings.TrimSpace("Deal "+id) + " counts here once: the lead " + via + ", another contact of it, closed before the CRM named the deal, and its " + close + " is taken out of the reports"
			if a := strings.TrimSpace(f.str("amount") + " " + f.str("currency")); a != "" {
				s += "; the deal's amount, given only there, is " + a + " now"
			}
			return s
		}
		return "Two counts of one deal made one"
	},
	string(lead.StageLost): func(f facts, _ Labels, _ *time.Location) string {
		if r := f.str("reason"); r != "" {
			return "Lost: " + r + corrects(f) + countedOn(f) + through(f)
		}
		return "Lost" + corrects(f) + countedOn(f) + through(f)
	},
	"bounced": func(facts, Labels, *time.Location) string {
		return "An email bounced: the address no longer receives email"
	},
	"soft_bounce": func(facts, Labels, *time.Location) string { return "An email bounced temporarily" },
	"complained":  func(facts, Labels, *time.Location) string { return "Marked an email as spam: no more marketing email" },
}

// impliedSQL tells, after a won outcome, that the deal was won straight
// from SAL and so counts as a sales qualified opportunity too (the stage
// history shows SAL → won: the reports count the SQL between).
func impliedSQL(f facts) string {
	if v, _ := f[lead.DataSQLImplied].(bool); v {
		return " (won straight after acceptance: counts as an SQL too)"
	}
	return ""
}

// corrects tells, after a won or lost outcome that reversed the deal's
// earlier one (a mis-click, a cancelled deal), what it replaced.
func corrects(f facts) string {
	switch f.str(lead.DataCorrects) {
	case string(lead.StageWon):
		was := strings.TrimSpace(f.str("previous_amount") + " " + f.str("previous_currency"))
		if was != "" {
			was = " (" + was + ")"
		}
		return " — instead of won" + was + ": the win is taken out of the reports"
	case string(lead.StageLost):
		return " — instead of lost: the loss is taken out of the reports"
	}
	return ""
}

// countedOn tells, after a won or lost outcome of one contact of a CRM
// deal, that another contact's lead counts the deal (its win or loss and
// amount are in the reports once, there).
func countedOn(f facts) string {
	if on := f.str("counted_on"); on != "" {
		return " — deal " + f.str("deal_id") + ", counted with the lead " + on + " (another contact of it)"
	}
	return ""
}

// through tells, after an outcome or amount of a deal that counts on
// this lead, that it was given for another contact of the deal (a CRM's
// close of that contact, a rep's page of it).
func through(f facts) string {
	if via := f.str("via"); via != "" {
		return " — through the lead " + via + ", another contact of deal " + f.str("deal_id")
	}
	return ""
}

// to appends " to <who>" when who is known.
func to(what, who string) string {
	if who == "" {
		return what
	}
	return what + " to " + who
}

func quoted(s string) string {
	if s == "" {
		return "(unnamed)"
	}
	return "“" + s + "”"
}

// submitted is a submission event: the form and the campaign by name.
func submitted(what string, f facts, labels Labels) string {
	if ft := f.str("form_type"); ft != "" {
		what += " (" + lead.FormLabel(ft) + ")"
	}
	if c := f.campaign(); c != "" {
		what += " via campaign " + campaignName(labels, c)
	}
	return what
}

// Describe says what an event was in a sentence, never empty (a time in
// it in UTC; Timeline gives the reader's zone).
func Describe(e lead.Event, labels Labels) string { return describe(e, labels, time.UTC) }

func describe(e lead.Event, labels Labels, zone *time.Location) string {
	if d, ok := describers[e.Kind]; ok {
		if s := strings.TrimSpace(d(facts(e.Data), labels, zone)); s != "" {
			return s
		}
	}
	return cmp.Or(lead.Humanise(e.Kind), "Event")
}
