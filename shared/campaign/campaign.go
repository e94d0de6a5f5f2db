package campaign

import (
	"errors"
	"fmt"
	"math"
	"net/url"
	"slices"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/leadflow/leadflow/shared/lead"
	"github.com/leadflow/leadflow/shared/qualify"
)

// Status says whether a campaign's landing page shows its form.
type Status string

const (
	// Live campaigns show their form.
	Live Status = "live"
	// Paused campaigns show "this offer has ended" instead of the form.
	// Posts from forms already out there (snippets, open tabs) are still
	// accepted: a lead is never lost because marketing paused a test.
	Paused Status = "paused"
)

// Campaign is one validated campaign file.
type Campaign struct {
	ID         string // slug, sent as the lead's campaign; the file is <ID>.yaml
	Name       string // for marketing's own lists and reports, never shown to visitors
	Hypothesis string // what the campaign tests, for reports
	Status     Status
	Spend      *Spend // nil when the file gives none
	// Variants are the offers of an A/B test, in file order; there is at
	// least one. PickVariant chooses between them by weight.
	Variants []Variant
	// Retired are the variants the file marks retired: true, in file
	// order: no visitor is shown them any more (neither drawn nor pinned
	// by ?variant=), but the leads they brought still carry their ids, so
	// segments may name them and alerts show their headlines.
	Retired []Variant
	Form    Form
	// ThankYouURL overrides the API's thank-you page for this campaign's
	// form posts; "" means the default. The form cannot carry it (capture
	// accepts no such field), so capture looks it up by the lead's campaign.
	ThankYouURL string
	// ThankYou is what the campaign's hosted thank-you page says (the
	// file's thank_you section); capture sends form posts there unless
	// ThankYouURL is set.
	ThankYou ThankYou
	// ConsentMode is how the form's consent box becomes consent:
	// lead.ConsentDouble (the default: a confirmation email) or
	// lead.ConsentSingle where single opt-in is lawful.
	ConsentMode string
	// PrivacyURL is the privacy notice linked next to the form's consent
	// checkbox (an absolute https URL); "" takes the deployment's default
	// (Set.DefaultPrivacyURL), so every consent box has one.
	PrivacyURL string
	// Sequence is the nurture sequence this campaign's leads enter first
	// (if its entry rules let them); "" leaves it to the sequences' own
	// entry rules. SequenceLine is where the file names it, for errors.
	Sequence     string
	SequenceLine int
	// File is the file the campaign was read from.
	File string

	idLine, currencyLine int // for LoadDir's messages about several files
	// nextStepLines are the lines of ThankYou.NextSteps' urls, for
	// LoadDir's check that a /c/<id> path names a campaign of the folder.
	nextStepLines []int
	// qualifyKey and qualify are the file's qualify: section (scoring
	// overrides), applied to the qualification config by Set.Qualify.
	qualifyKey, qualify *yaml.Node
}

// Spend is what a campaign cost, for cost per lead and per SAL.
type Spend struct {
	Amount   float64
	Currency string // ISO 4217, e.g. EUR
}

// Variant is one offer of a campaign's A/B test.
type Variant struct {
	ID       string // slug, sent as the lead's variant
	Weight   int    // relative share of visitors, positive
	Headline string
	Offer    string // the line under the headline; may be ""
	CTA      string // the submit button's text
}

// Form is what a campaign's form asks.
type Form struct {
	FormType       string // sent as form_type (qualification signal "form:<type>")
	ConsentText    string // the marketing consent checkbox's label
	ConsentVersion string // sent as consent_text_version
	// Fields are the standard lead fields asked as text inputs, in order;
	// email is always the first and always required.
	Fields []Field
	// Questions are multiple-choice qualifying questions, after the fields.
	Questions []Question
}

// Field is a standard lead field asked in the form.
type Field struct {
	Name     string // lead field name: email, name, company, …
	Label    string
	Required bool
}

// Question is a multiple-choice qualifying question.
type Question struct {
	// ID is the answer key (posted as answers[ID]), or one of the standard
	// fields company_size, budget, timeline, industry (posted as itself).
	ID       string
	Label    string
	Choices  []string
	Required bool
}

// questionFields are the standard lead fields a question may fill.
var questionFields = map[string]bool{"company_size": true, "budget": true, "timeline": true, "industry": true}

// InputName is the form field a question posts: the standard field itself
// for company_size, budget, timeline and industry, answers[ID] otherwise.
func (q Question) InputName() string {
	if questionFields[q.ID] {
		return q.ID
	}
	return "answers[" + q.ID + "]"
}

// Variant looks up one of the campaign's shown variants by id (not a
// retired one).
func (c *Campaign) Variant(id string) (Variant, bool) {
	return variantIn(c.Variants, id)
}

// VariantIDs are the ids of every variant the file lists, shown or
// retired: those its leads may carry.
func (c *Campaign) VariantIDs() []string {
	ids := make([]string, 0, len(c.Variants)+len(c.Retired))
	for _, vs := range [][]Variant{c.Variants, c.Retired} {
		for _, v := range vs {
			ids = append(ids, v.ID)
		}
	}
	return ids
}

func variantIn(vs []Variant, id string) (Variant, bool) {
	for _, v := range vs {
		if v.ID == id {
			return v, true
		}
	}
	return Variant{}, false
}

// Set is every campaign of a directory, by id.
type Set struct {
	byID map[string]*Campaign
	all  []*Campaign // sorted by id
}

// DefaultPrivacyURL gives every campaign without a privacy_url of its own
// the deployment's privacy notice (template parameter PrivacyNoticeURL),
// so every consent checkbox links one. It refuses a URL that is not
// absolute https.
func (s *Set) DefaultPrivacyURL(u string) error {
	if !httpsURL(u) {
		return fmt.Errorf("the privacy notice URL must be an absolute https URL, got %q", u)
	}
	if s == nil {
		return nil
	}
	for _, c := range s.all {
		if c.PrivacyURL == "" {
			c.PrivacyURL = u
		}
	}
	return nil
}

func newSet(cs []*Campaign) *Set {
	s := &Set{byID: make(map[string]*Campaign, len(cs)), all: append([]*Campaign(nil), cs...)}
	sort.Slice(s.all, func(i, j int) bool { return s.all[i].ID < s.all[j].ID })
	for _, c := range s.all {
		s.byID[c.ID] = c
	}
	return s
}

// Qualify returns rules with every campaign's qualify: overrides applied,
// or every problem as file:line (a campaign overridden both here and in
// the qualification config's campaigns section is one).
func (s *Set) Qualify(rules *qualify.Config) (*qualify.Config, error) {
	if s == nil {
		return rules, nil
	}
	var errs []error
	for _, c := range s.all {
		if c.qualify == nil {
			continue
		}
		next, err := rules.WithCampaign(c.File, c.ID, c.qualifyKey, c.qualify)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		rules = next
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return rules, nil
}

// ConsentMode is the consent mode of a campaign's leads: its file's, else
// double opt-in (also for leads of no known campaign).
func (s *Set) ConsentMode(id string) string {
	if c, ok := s.Get(id); ok && c.ConsentMode != "" {
		return c.ConsentMode
	}
	return lead.ConsentDouble
}

// Get is the campaign with an id.
func (s *Set) Get(id string) (*Campaign, bool) {
	if s == nil {
		return nil, false
	}
	c, ok := s.byID[id]
	return c, ok
}

// Known reports whether id is a campaign the config lists.
func (s *Set) Known(id string) bool {
	_, ok := s.Get(id)
	return ok
}

// AnswerLabel is the label campaign id's form shows for the question
// whose answer key (or standard field) is key.
func (s *Set) AnswerLabel(id, key string) (string, bool) {
	if c, ok := s.Get(id); ok {
		return c.questionLabel(key)
	}
	// A lead of no campaign file (the site's own form, the API): a
	// question id means the same in every file, so the first file (by
	// name) that asks it labels it.
	for _, c := range s.All() {
		if label, ok := c.questionLabel(key); ok {
			return label, true
		}
	}
	return "", false
}

// questionLabel is the label of the campaign's question key.
func (c *Campaign) questionLabel(key string) (string, bool) {
	for _, q := range c.Form.Questions {
		if q.ID == key {
			return q.Label, true
		}
	}
	return "", false
}

// CampaignName is how people read campaign id: its name and id, "Q4 demo
// push — ops leaders (q4-demo)"; false for an unknown campaign.
func (s *Set) CampaignName(id string) (string, bool) {
	c, ok := s.Get(id)
	if !ok {
		return "", false
	}
	if c.Name == "" || c.Name == c.ID {
		return c.ID, true
	}
	return c.Name + " (" + c.ID + ")", true
}

// VariantHeadline is the headline campaign id's variant showed (or, for
// a retired one, used to show).
func (s *Set) VariantHeadline(id, variant string) (string, bool) {
	c, ok := s.Get(id)
	if !ok {
		return "", false
	}
	v, ok := c.Variant(variant)
	if !ok {
		v, ok = variantIn(c.Retired, variant)
	}
	if !ok || v.Headline == "" {
		return "", false
	}
	return v.Headline, true
}

// All is every campaign, sorted by id.
func (s *Set) All() []*Campaign {
	if s == nil {
		return nil
	}
	return append([]*Campaign(nil), s.all...)
}

// SpendIn is each campaign's spend converted into currency (the
// reporting currency): a spend in another currency is multiplied by its
// rate (one unit of it in currency); one without a rate is a
// *ConfigError naming its file and line, never summed as it is.
func (s *Set) SpendIn(currency string, rates map[string]float64) (map[string]float64, error) {
	out := map[string]float64{}
	if s == nil {
		return out, nil
	}
	var probs []Problem
	for _, c := range s.all {
		if c.Spend == nil {
			continue
		}
		amount, cur := c.Spend.Amount, c.Spend.Currency
		if cur != currency {
			rate, ok := rates[cur]
			if !ok {
				probs = append(probs, Problem{File: c.File, Line: c.currencyLine, Msg: fmt.Sprintf(
					"spend.currency: no rate converts %s into %s, the currency reports count revenue in: add outcomes.rates.%s to the qualify config, or give the spend in %s",
					cur, currency, cur, currency)})
				continue
			}
			amount = math.Round(amount*rate*100) / 100
		}
		out[c.ID] = amount
	}
	if len(probs) > 0 {
		return nil, &ConfigError{Problems: probs, Kind: ErrInvalid}
	}
	return out, nil
}

// Origins are the https origins campaign id's file names — its
// thank_you_url, privacy_url and next steps' absolute urls — lowercased:
// sites marketing vouches for by naming them; nil for an unknown
// campaign.
func (s *Set) Origins(id string) []string {
	c, ok := s.Get(id)
	if !ok {
		return nil
	}
	var out []string
	add := func(raw string) {
		u, err := url.Parse(raw)
		if err != nil || u.Scheme != "https" || u.Host == "" || u.User != nil {
			return
		}
		if o := strings.ToLower("https://" + u.Host); !slices.Contains(out, o) {
			out = append(out, o)
		}
	}
	add(c.ThankYouURL)
	add(c.PrivacyURL)
	for _, l := range c.ThankYou.NextSteps {
		add(l.URL)
	}
	return out
}
