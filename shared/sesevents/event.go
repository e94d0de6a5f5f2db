// Package sesevents turns SES sending events (delivered through the
// configuration set's EventBridge destination) into lead state: a
// permanent bounce or a complaint suppresses the address for good, soft
// bounces are counted and suppress after a few in a row (an email
// delivered in between starts the count again), deliveries are counted,
// and a Send event confirms the claim its email was sent under (package
// sendonce).
// It imports no AWS code.
package sesevents

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Event is the detail of an SES event (the same JSON SES publishes to
// SNS and Firehose).
type Event struct {
	EventType string     `json:"eventType"`
	Mail      Mail       `json:"mail"`
	Bounce    *Bounce    `json:"bounce,omitempty"`
	Complaint *Complaint `json:"complaint,omitempty"`
	Delivery  *Delivery  `json:"delivery,omitempty"`
	Reject    *Reject    `json:"reject,omitempty"`
}

// Mail says which email an event is about.
type Mail struct {
	Timestamp   time.Time           `json:"timestamp"`
	MessageID   string              `json:"messageId"`
	Destination []string            `json:"destination"`
	Tags        map[string][]string `json:"tags"`
}

// Bounce is a bounce notification.
type Bounce struct {
	BounceType        string      `json:"bounceType"` // Permanent, Transient, Undetermined
	BounceSubType     string      `json:"bounceSubType"`
	BouncedRecipients []Recipient `json:"bouncedRecipients"`
	Timestamp         time.Time   `json:"timestamp"`
}

// Complaint is a complaint (marked as spam).
type Complaint struct {
	ComplainedRecipients  []Recipient `json:"complainedRecipients"`
	ComplaintFeedbackType string      `json:"complaintFeedbackType"`
	Timestamp             time.Time   `json:"timestamp"`
}

// Delivery is a successful delivery.
type Delivery struct {
	Recipients []string  `json:"recipients"`
	Timestamp  time.Time `json:"timestamp"`
}

// Reject means SES refused to deliver (a virus).
type Reject struct {
	Reason string `json:"reason"`
}

// Recipient is one address an event names.
type Recipient struct {
	EmailAddress string `json:"emailAddress"`
}

// Event types handled.
const (
	TypeSend      = "Send"
	TypeBounce    = "Bounce"
	TypeComplaint = "Complaint"
	TypeDelivery  = "Delivery"
	TypeReject    = "Reject"
)

// ErrMalformed is an event that cannot be used.
var ErrMalformed = errors.New("malformed SES event")

// MaxDetail bounds an event's size (EventBridge events are at most 256 KB).
const MaxDetail = 256 << 10

// Parse decodes and checks an event's detail.
func Parse(detail []byte) (Event, error) {
	if len(detail) > MaxDetail {
		return Event{}, fmt.Errorf("%w: %d bytes", ErrMalformed, len(detail))
	}
	var ev Event
	if err := json.Unmarshal(detail, &ev); err != nil {
		return Event{}, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	switch {
	case ev.Mail.MessageID == "":
		return Event{}, fmt.Errorf("%w: no mail.messageId", ErrMalformed)
	case ev.EventType == TypeBounce && (ev.Bounce == nil || len(ev.Bounce.BouncedRecipients) == 0):
		return Event{}, fmt.Errorf("%w: bounce without recipients", ErrMalformed)
	case ev.EventType == TypeComplaint && (ev.Complaint == nil || len(ev.Complaint.ComplainedRecipients) == 0):
		return Event{}, fmt.Errorf("%w: complaint without recipients", ErrMalformed)
	}
	return ev, nil
}

// Tag is the first value of a mail tag.
func (m Mail) Tag(name string) string {
	if v := m.Tags[name]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// Recipients are the addresses the event is about, lower-cased: bounced
// or complained recipients, else the delivery's.
func (ev Event) Recipients() []string {
	var out []string
	add := func(a string) {
		if a = strings.ToLower(strings.TrimSpace(a)); a != "" {
			out = append(out, a)
		}
	}
	switch {
	case ev.Bounce != nil:
		for _, r := range ev.Bounce.BouncedRecipients {
			add(r.EmailAddress)
		}
	case ev.Complaint != nil:
		for _, r := range ev.Complaint.ComplainedRecipients {
			add(r.EmailAddress)
		}
	default:
		for _, a := range ev.Mail.Destination {
			add(a)
		}
	}
	return out
}
