// Package lead holds the domain model of a captured lead: a submission as it
// arrives from a form, its validation and normalisation, and the profile that
// accumulates submissions (touches) over time. It imports no AWS code.
package lead

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Stage is a lead's lifecycle stage.
type Stage string

// Lifecycle stages. Sales-set stages (SAL and later, rejected) are never
// downgraded by automatic re-grading.
const (
	StageNew          Stage = "new"
	StageNurturing    Stage = "nurturing"
	StageMQL          Stage = "mql"
	StageSAL          Stage = "sal"
	StageSQL          Stage = "sql"
	StageWon          Stage = "won"
	StageLost         Stage = "lost"
	StageDisqualified Stage = "disqualified"
	StageRejected     Stage = "rejected"
	StageUnsubscribed Stage = "unsubscribed"
)

// stageLabels are the stages as people read them.
var stageLabels = map[Stage]string{
	StageNew:          "New",
	StageNurturing:    "Nurturing",
	StageMQL:          "Marketing qualified (MQL)",
	StageSAL:          "Accepted by sales (SAL)",
	StageSQL:          "Sales qualified opportunity (SQL)",
	StageWon:          "Won",
	StageLost:         "Lost",
	StageDisqualified: "Disqualified",
	StageRejected:     "Rejected by sales",
	StageUnsubscribed: "Unsubscribed",
}

// Label is the stage as a person reads it ("Accepted by sales (SAL)");
// a stage without a label is its code with '_' as spaces.
func (s Stage) Label() string {
	if l, ok := stageLabels[s]; ok {
		return l
	}
	return Humanise(string(s))
}

// formLabels name the form types the product knows.
var formLabels = map[string]string{
	"demo_request":     "Demo request",
	"contact":          "Contact request",
	"contact_sales":    "Contact sales",
	"newsletter":       "Newsletter",
	"content_download": "Content download",
	"webinar":          "Webinar registration",
	"trial":            "Free trial",
	"pricing":          "Pricing request",
}

// FormKind is the form a submission came from, as its engagement signal
// names it: its form_type, or "contact" for a form that gave none.
func (s Submission) FormKind() string {
	if s.FormType == "" {
		return "contact"
	}
	return s.FormType
}

// FormLabel is a form type as a person reads it: "demo_request" is
// "Demo request"; an unknown code is humanised ("partner_inquiry" is
// "Partner inquiry").
func FormLabel(formType string) string {
	if l, ok := formLabels[formType]; ok {
		return l
	}
	return Humanise(formType)
}

// Humanise turns a code into words: '_' and '-' become spaces and the
// first letter is upper case ("company_size" is "Company size").
func Humanise(code string) string {
	s := strings.TrimSpace(strings.NewReplacer("_", " ", "-", " ").Replace(code))
	if s == "" {
		return ""
	}
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(r)) + s[n:]
}

// Submission is one form post, validated and normalised. Every field except
// Email is optional.
type Submission struct {
	Email       string            `json:"email"`
	Name        string            `json:"name,omitempty"`
	Company     string            `json:"company,omitempty"`
	JobTitle    string            `json:"job_title,omitempty"`
	Phone       string            `json:"phone,omitempty"`
	CompanySize string            `json:"company_size,omitempty"`
	Industry    string            `json:"industry,omitempty"`
	Country     string            `json:"country,omitempty"`
	Budget      string            `json:"budget,omitempty"`
	Timeline    string            `json:"timeline,omitempty"`
	Message     string            `json:"message,omitempty"`
	FormType    string            `json:"form_type,omitempty"`
	Answers     map[string]string `json:"answers,omitempty"`
	TimeZone    string            `json:"time_zone,omitempty"`

	Consent Consent     `json:"consent"`
	Source  Attribution `json:"source"`
}

// Consent records what the person agreed to, when, how, and from where.
// On a submission it is what the form stated (Method "form"); on a lead
// it is the consent in force (Method says how it was given: see
// AskConsent), never raw IP or user agent, only their keyed hashes
// (Evidence: "<kid>:<hex>"; plain SHA-256 hex in records made before).
type Consent struct {
	MarketingOptIn bool      `json:"marketing_opt_in"`
	TextVersion    string    `json:"text_version,omitempty"`
	At             time.Time `json:"at"`
	// ConfirmedAt is when the confirmation link was used (double opt-in).
	ConfirmedAt   time.Time `json:"confirmed_at,omitzero"`
	Method        string    `json:"method,omitempty"`
	IPHash        string    `json:"ip_hash,omitempty"`
	UserAgentHash string    `json:"user_agent_hash,omitempty"`
	// ConfirmIPHash and ConfirmUserAgentHash are those of the request that
	// confirmed (double opt-in): who confirmed, beside who asked.
	ConfirmIPHash        string `json:"confirm_ip_hash,omitempty"`
	ConfirmUserAgentHash string `json:"confirm_user_agent_hash,omitempty"`
}

// Attribution is where a submission came from.
type Attribution struct {
	UTMSource   string    `json:"utm_source,omitempty"`
	UTMMedium   string    `json:"utm_medium,omitempty"`
	UTMCampaign string    `json:"utm_campaign,omitempty"`
	UTMTerm     string    `json:"utm_term,omitempty"`
	UTMContent  string    `json:"utm_content,omitempty"`
	Referrer    string    `json:"referrer,omitempty"`
	LandingPage string    `json:"landing_page,omitempty"`
	Campaign    string    `json:"campaign,omitempty"`
	Variant     string    `json:"variant,omitempty"`
	At          time.Time `json:"at"`
}

// CampaignOrDefault is the campaign id counters are kept under.
func (a Attribution) CampaignOrDefault() string {
	if a.Campaign != "" {
		return a.Campaign
	}
	return "unattributed"
}

// CampaignFacts is the attribution an erasure keeps: the campaign facts,
// not the URLs (their queries can carry the address or a token), the
// search term nor the ad content.
func (a Attribution) CampaignFacts() Attribution {
	return Attribution{UTMSource: a.UTMSource, UTMMedium: a.UTMMedium, UTMCampaign: a.UTMCampaign,
		Campaign: a.Campaign, Variant: a.Variant, At: a.At}
}

// Lead is the accumulated profile of one person (one normalised email).
type Lead struct {
	ID        string `json:"id"`
	EmailHash string `json:"email_hash"`
	Submission
	Stage      Stage       `json:"stage"`
	FirstTouch Attribution `json:"first_touch"`
	LastTouch  Attribution `json:"last_touch"`
	Consents   []Consent   `json:"consents"`
	// FirstProfile is what the first touch said the person is (name,
	// company, phone, …: ProfileFields); later forms may change the
	// profile, the alert shows what changed (ChangedSinceFirst).
	FirstProfile map[string]string `json:"first_profile,omitempty"`
	Touches      int               `json:"touches"`
	CreatedAt    time.Time         `json:"created_at"`
	UpdatedAt    time.Time         `json:"updated_at"`
	Signals      []Signal          `json:"signals,omitempty"`
	// CappedDays are the kinds of keyed signal (a page, a link) whose
	// daily cap DropRepeatSignals reached, as "<kind>#<UTC day>": the
	// signals past it were dropped, so their keys no longer mark repeats,
	// and AddSignal takes any further one of that kind and day for a
	// repeat instead. Only the latest days are kept.
	CappedDays []string `json:"capped_days,omitempty"`
	// RecentForms are the latest forms whose posts counted as engagement
	// (FormID and time): the same form sent again within the repeat
	// window is a touch, not more interest (RepeatsForm).
	RecentForms []FormSent `json:"recent_forms,omitempty"`
	// RecentClicks are the latest clicks on email links, counted or not,
	// to tell a mail scanner walking an email's links (SeeClick).
	RecentClicks  []ClickSeen    `json:"recent_clicks,omitempty"`
	Qualification *Qualification `json:"qualification,omitempty"`
	Handoff       *Handoff       `json:"handoff,omitempty"`
	// AlertedAt is when sales was last alerted about the lead (its first
	// alert's send; a send-back ends the handoff but not this).
	AlertedAt time.Time `json:"alerted_at,omitzero"`
	Lease     *Lease    `json:"lease,omitempty"`
	Nurture   *Nurture  `json:"nurture,omitempty"`
	// Deal is what sales recorded after accepting the lead.
	Deal *Deal `json:"deal,omitempty"`
	// OptIn is consent asked for on a form and not confirmed yet.
	OptIn *ConsentRequest `json:"opt_in_request,omitempty"`
	// SentBack is set when sales returned the lead to nurturing.
	SentBack *SentBack `json:"sent_back,omitempty"`
	// RejectedFor is the reject reason code sales gave when it rejected
	// the lead for good (a reason whose action is disqualify: stage
	// rejected); a reason that sends it back to nurturing is SentBack's.
	RejectedFor string `json:"rejected_for,omitempty"`
	// Returned is set when the lead came back after it had left (its
	// deal lost, or opted out of marketing email) with a form that made
	// it hot: a new request for contact, handed to sales anew.
	Returned *Return `json:"returned,omitempty"`
	// LinkBase is the API address capture saw; links in emails use it when
	// no public base URL is configured.
	LinkBase string `json:"link_base,omitempty"`
	// Erased marks a lead whose personal data was removed on request.
	Erased bool `json:"erased,omitempty"`
	// CountedNonTarget is set once the lead was counted as non-target
	// (its campaign's "disqualified" counter): disqualified again after a
	// later form cleared it, it is not counted twice.
	CountedNonTarget bool `json:"counted_non_target,omitempty"`
	// SoftBounces are the message ids of transient bounces (deduplicated)
	// since the last email that reached the address; SoftBouncedAt is
	// when the latest of those messages was sent.
	SoftBounces   []string  `json:"soft_bounces,omitempty"`
	SoftBouncedAt time.Time `json:"soft_bounced_at,omitzero"`
	// Complaints are the message ids of the complaints recorded (the
	// latest few): each is counted once however often SES delivers it.
	Complaints []string `json:"complaints,omitempty"`
	// Suppressed is the lead's copy of its address's entry on the
	// suppression list (the reason: unsubscribe, bounce, complaint,
	// erasure). Every write that suppresses sets both, so a send checks
	// the lead it claims instead of a second item.
	Suppressed string `json:"suppressed,omitempty"`
	// Claims are the emails being sent for this lead, by job: written
	// with the lead before the email goes to SES, removed by the write
	// that records it (package sendonce).
	Claims map[string]Claim `json:"claims,omitempty"`
	// RefusedToLead and RefusedToSales are the last email of each side SES
	// refused (or that failed its checks) for this lead, while that side
	// waits out its back-off; see Refusal.
	RefusedToLead  *Refusal `json:"refused_to_lead,omitempty"`
	RefusedToSales *Refusal `json:"refused_to_sales,omitempty"`
	// Recorded is the lifecycle (stage, opt-out) the timeline last
	// recorded; see Record.
	Recorded *Lifecycle `json:"lifecycle,omitempty"`
	// History is the lead's whole timeline when the code holding the lead
	// wrote all of it (capture, creating the lead); never stored. The
	// sales alert shows it without reading it back.
	History []Event `json:"-"`
	// Version increases with every write; stores use it for optimistic locking.
	Version int `json:"version"`
}

// Claim is one email claimed for sending. Until its commit, whether it
// went out is known only to SES: the message carries the claim's ID as a
// tag, and the Send event SES publishes for it sets Confirmed.
type Claim struct {
	ID string    `json:"id"`
	At time.Time `json:"at"`
	// Confirmed is the SES message id from the Send event; "" while SES
	// has not said it accepted the message.
	Confirmed   string    `json:"confirmed,omitempty"`
	ConfirmedAt time.Time `json:"confirmed_at,omitzero"`
}

// HashEmail is the stable, non-reversible key for a normalised email. It is
// what logs, keys and suppression lists carry instead of the address.
func HashEmail(normalised string) string {
	sum := sha256.Sum256([]byte(normalised))
	return hex.EncodeToString(sum[:])
}

// Storage outcomes the domain packages react to; stores return them. They
// live here, with the lead, so a store adapter depends on this package
// only, not on every service that uses it.
var (
	ErrNotFound        = errors.New("not found")
	ErrVersionConflict = errors.New("lead changed concurrently")
	// ErrAlreadySuppressed: the address was on the suppression list already.
	ErrAlreadySuppressed = errors.New("already suppressed")
	// ErrEmailTaken: a lead with this email exists (capture then merges).
	ErrEmailTaken = errors.New("a lead with this email exists")
	// ErrDuplicateRequest: the idempotency key was used already.
	ErrDuplicateRequest = errors.New("idempotency key already used")
	// ErrAlreadySent: an email's send marker exists (an earlier attempt
	// sent, or is sending, it). Nothing was written.
	ErrAlreadySent = errors.New("already sent")
	// ErrSuppressed: the lead's address is on the suppression list.
	// Nothing was written.
	ErrSuppressed = errors.New("address suppressed")
)

// Idempotency remembers which lead a request key produced, and a hash of
// the body, so a replay gets the same answer and a reused key with another
// body is refused.
type Idempotency struct {
	Key      string
	BodyHash string
	// Receipt is what the request was answered with (the same for a new
	// and a known address), so a replay gets the same answer.
	Receipt   string
	LeadID    string
	Outcome   Outcome
	ExpiresAt time.Time
}
