package campaign

// input is how a standard lead field is asked. max mirrors the capture
// API's limit for the field (shared/lead), so a browser never posts a value
// the API refuses for its length; the form tests check every field against
// lead.Validate.
type input struct {
	label        string
	typ          string // input type; "" for a textarea
	autocomplete string
	pattern      string // mirrors lead's format check, for the browser's own validation
	title        string // what pattern asks for, in words
	max          int
}

// inputs are the standard lead fields a form may ask as text.
var inputs = map[string]input{
	"email":        {label: "Work email", typ: "email", autocomplete: "email", max: 254},
	"name":         {label: "Name", typ: "text", autocomplete: "name", max: 200},
	"company":      {label: "Company", typ: "text", autocomplete: "organization", max: 200},
	"job_title":    {label: "Job title", typ: "text", autocomplete: "organization-title", max: 200},
	"phone":        {label: "Phone", typ: "tel", autocomplete: "tel", max: 40, pattern: `\+?[0-9 \(\)\.\/\-]{3,}`, title: "Digits, with optional +, spaces, brackets, dots, slashes or dashes"},
	"company_size": {label: "Company size", typ: "text", max: 40},
	"industry":     {label: "Industry", typ: "text", max: 100},
	"country":      {label: "Country code (e.g. DE)", typ: "text", autocomplete: "country", max: 2, pattern: `[A-Za-z]{2}`, title: "Two-letter country code, such as DE, FR or US"},
	"budget":       {label: "Budget", typ: "text", max: 100},
	"timeline":     {label: "Timeline", typ: "text", max: 100},
	"message":      {label: "Message", max: 5000},
}

// inputOrder lists inputs for messages, in the capture API's order.
var inputOrder = []string{"email", "name", "company", "job_title", "phone", "company_size", "industry", "country", "budget", "timeline", "message"}

// Limits on what the config's own text may be. Values sent in the form
// follow the capture API's limits: campaign, variant and form_type are
// slugs of at most 64, consent_text_version at most 40.
const (
	maxSlug        = 64
	maxConsentVer  = 40
	maxName        = 200
	maxHypothesis  = 1000
	maxHeadline    = 200
	maxOffer       = 1000
	maxCTA         = 60
	maxLabel       = 200
	maxConsentText = 1000
	maxURL         = 2048
	maxWeight      = 1_000_000
	maxVariants    = 26
	maxQuestions   = 30 // lead.MaxAnswers bounds the answers[...] ones
	maxChoices     = 50
	// maxBody is the capture API's limit on a request body (capture.MaxBody).
	maxBody = 16 << 10
	// maxChoicesSize bounds what the choices of a form add to a post, so
	// the config leaves most of maxBody to what people type.
	maxChoicesSize = 4 << 10
	// radioLimit is the most choices shown as radio buttons; longer
	// lists become a select, which stays short on a phone.
	radioLimit = 6
)
