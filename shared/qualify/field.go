package qualify

import (
	"sort"
	"strings"

	"github.com/leadflow/leadflow/shared/lead"
)

// fieldID names a lead field a rule can look at.
type fieldID uint8

const (
	fEmail fieldID = iota
	fEmailDomain
	fName
	fCompany
	fJobTitle
	fPhone
	fCompanySize
	fIndustry
	fCountry
	fBudget
	fTimeline
	fMessage
	fFormType
	fTimeZone
	fUTMSource
	fUTMMedium
	fUTMCampaign
	fUTMTerm
	fUTMContent
	fReferrer
	fLandingPage
	fCampaign
	fVariant
	fAnswer // answers.<key>
	numFields
)

// fieldNames maps the names rules use (the lead's json names) to fields.
var fieldNames = map[string]fieldID{
	"email":        fEmail,
	"email_domain": fEmailDomain,
	"name":         fName,
	"company":      fCompany,
	"job_title":    fJobTitle,
	"phone":        fPhone,
	"company_size": fCompanySize,
	"industry":     fIndustry,
	"country":      fCountry,
	"budget":       fBudget,
	"timeline":     fTimeline,
	"message":      fMessage,
	"form_type":    fFormType,
	"time_zone":    fTimeZone,
	"utm_source":   fUTMSource,
	"utm_medium":   fUTMMedium,
	"utm_campaign": fUTMCampaign,
	"utm_term":     fUTMTerm,
	"utm_content":  fUTMContent,
	"referrer":     fReferrer,
	"landing_page": fLandingPage,
	"campaign":     fCampaign,
	"variant":      fVariant,
}

// fieldList is the names above, sorted, for error messages.
var fieldList = func() []string {
	names := make([]string, 0, len(fieldNames)+1)
	for n := range fieldNames {
		names = append(names, n)
	}
	names = append(names, "answers.<key>")
	sort.Strings(names)
	return names
}()

// fieldRef is a resolved rule field.
type fieldRef struct {
	id  fieldID
	key string // answer key for fAnswer
}

// display is how reasons name the field: "job title", "answer crm".
func (f fieldRef) display(name string) string {
	if f.id == fAnswer {
		return "answer " + f.key
	}
	return strings.ReplaceAll(name, "_", " ")
}

// subject is one lead being evaluated, with the lowercased field values
// computed at most once per evaluation (contains rules on the message share
// one lowercased copy).
type subject struct {
	l     *lead.Lead
	src   *lead.Attribution
	lower [numFields]string
	done  uint32 // bit i set: lower[i] is computed
}

func newSubject(l *lead.Lead) subject {
	return subject{l: l, src: touch(l)}
}

// touch is the attribution rules see: the lead's last touch, or the
// submission's own source for a lead that was never stored.
func touch(l *lead.Lead) *lead.Attribution {
	if l.LastTouch == (lead.Attribution{}) {
		return &l.Source
	}
	return &l.LastTouch
}

func (s *subject) value(f fieldRef) string {
	l := s.l
	switch f.id {
	case fEmail:
		return l.Email
	case fEmailDomain:
		if at := strings.LastIndexByte(l.Email, '@'); at >= 0 {
			return l.Email[at+1:]
		}
		return ""
	case fName:
		return l.Name
	case fCompany:
		return l.Company
	case fJobTitle:
		return l.JobTitle
	case fPhone:
		return l.Phone
	case fCompanySize:
		return l.CompanySize
	case fIndustry:
		return l.Industry
	case fCountry:
		return l.Country
	case fBudget:
		return l.Budget
	case fTimeline:
		return l.Timeline
	case fMessage:
		return l.Message
	case fFormType:
		return l.FormType
	case fTimeZone:
		return l.TimeZone
	case fUTMSource:
		return s.src.UTMSource
	case fUTMMedium:
		return s.src.UTMMedium
	case fUTMCampaign:
		return s.src.UTMCampaign
	case fUTMTerm:
		return s.src.UTMTerm
	case fUTMContent:
		return s.src.UTMContent
	case fReferrer:
		return s.src.Referrer
	case fLandingPage:
		return s.src.LandingPage
	case fCampaign:
		return s.src.Campaign
	case fVariant:
		return s.src.Variant
	case fAnswer:
		return l.Answers[f.key]
	}
	return ""
}

// lowered is value lowercased, cached per evaluation.
func (s *subject) lowered(f fieldRef) string {
	if f.id == fAnswer {
		return strings.ToLower(s.value(f))
	}
	if s.done&(1<<f.id) == 0 {
		s.lower[f.id] = strings.ToLower(strings.TrimSpace(s.value(f)))
		s.done |= 1 << f.id
	}
	return s.lower[f.id]
}
