package qualify

import (
	"time"

	"github.com/leadflow/leadflow/shared/lead"
)

// Signal is one engagement event of a lead: a form submission, a page
// view, an email click. A zero At counts as now.
type Signal struct {
	Kind string
	At   time.Time
}

// Signal kinds besides form submissions, which are FormSignal(form_type).
const (
	SignalPageView        = lead.SignalPageView
	SignalPricingPageView = lead.SignalPricingPageView
	SignalEmailOpen       = "email_open"
	SignalEmailClick      = "email_click"
	SignalReply           = "reply"
	SignalResubmission    = "resubmission"
)

// signalKinds are the kinds a config may score, besides form:<form_type>
// and the named page views of TRACK_PAGES (page_view:<name>).
var signalKinds = []string{
	SignalPageView, SignalPricingPageView, SignalEmailOpen,
	SignalEmailClick, SignalReply, SignalResubmission,
}

const formPrefix = "form:"

// FormSignal is the signal kind of a submission of the given form type:
// "form:demo_request".
func FormSignal(formType string) string { return formPrefix + formType }
