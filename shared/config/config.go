// Package config reads each function's settings from environment variables.
// Every function has one struct here; its `env` tags are the variables that
// function reads, and a test checks template.yaml declares each of them for
// that function, so code and template cannot drift apart.
package config

import (
	"errors"
	"fmt"
	"net/mail"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"time"
)

// AWS holds the settings every function shares. The endpoint overrides are
// empty in AWS; the local stack and tests point them at the emulators.
type AWS struct {
	Region           string `env:"AWS_REGION" aws:"runtime"`
	DynamoDBEndpoint string `env:"DYNAMODB_ENDPOINT" optional:"true" local:"true"`
	SESEndpoint      string `env:"SES_ENDPOINT" optional:"true" local:"true"`
	// EventBridgeEndpoint points at the local stack's stand-in bus.
	EventBridgeEndpoint string `env:"EVENTBRIDGE_ENDPOINT" optional:"true" local:"true"`
	LogLevel            string `env:"LOG_LEVEL" optional:"true"`
	// MetricsNamespace is the CloudWatch namespace of the business metrics
	// written into log lines (EMF); "" is "leadflow".
	MetricsNamespace string `env:"METRICS_NAMESPACE" optional:"true"`
	// S3Endpoint points at the S3 emulator (path-style buckets).
	S3Endpoint string `env:"S3_ENDPOINT" optional:"true" local:"true"`
}

// Sales holds what every function that alerts sales needs.
type Sales struct {
	Table string `env:"TABLE_NAME"`
	Qualifying
	Sender       string `env:"SENDER_ADDRESS" param:"SenderAddress" is:"address"`
	SalesAddress string `env:"SALES_ADDRESS" param:"SalesAddress" is:"address"`
	// PublicBaseURL prefixes links in emails; "" means the API's own URL
	// as seen in the request (capture) or recorded with the lead.
	PublicBaseURL string `env:"PUBLIC_BASE_URL" param:"PublicBaseUrl" is:"baseurl" optional:"true"`
	// ConfigurationSet is the SES configuration set every email uses, so
	// bounces, complaints and deliveries come back as events.
	ConfigurationSet string `env:"SES_CONFIGURATION_SET" optional:"true"`
	Signing
	// AlertLimit is how many hot-lead alerts one source (campaign and
	// utm_source) may cause per window, e.g. "5/1h"; "" or "off": no limit.
	AlertLimit string `env:"ALERT_LIMIT" optional:"true"`
	// AlertCampaignLimit is how many one campaign may cause per
	// AlertLimit window, all its utm_sources together (the poster
	// chooses those), e.g. "20"; "" or "off": no limit.
	AlertCampaignLimit string `env:"ALERT_CAMPAIGN_LIMIT" optional:"true"`
	// AlertDedupWindow is how long after an alert its address gets no
	// other, e.g. "24h"; "" or "0": no de-duplication.
	AlertDedupWindow time.Duration `env:"ALERT_DEDUP_WINDOW" param:"AlertDedupWindow" optional:"true"`
}

// Qualifying names the files that say how leads are graded and nurtured.
type Qualifying struct {
	// QualifyConfig is a qualification YAML file; "" uses the embedded default.
	QualifyConfig string `env:"QUALIFY_CONFIG" optional:"true"`
	// NurtureConfig is a nurture sequences YAML file; "" uses the default.
	NurtureConfig string `env:"NURTURE_CONFIG" optional:"true"`
	// CampaignsDir holds the campaign files (hosted pages, spend, each
	// campaign's sequence); "" is config/campaigns in the build, if any.
	CampaignsDir string `env:"CAMPAIGNS_DIR" optional:"true"`
}

// Months is the business time zone the monthly counters and reports
// cut months in. Every function that writes or reads those counters
// reads it, and all must be given the same zone.
type Months struct {
	// ReportTimeZone is an IANA time zone such as America/New_York; ""
	// is UTC.
	ReportTimeZone string `env:"REPORT_TIME_ZONE" param:"ReportTimeZone" is:"zone" optional:"true"`
}

// MonthZone is the zone months are counted in (checked at Load).
func (m Months) MonthZone() *time.Location {
	z, err := LoadZone(m.ReportTimeZone)
	if err != nil {
		return time.UTC
	}
	return z
}

// LoadZone loads a business time zone (REPORT_TIME_ZONE): an IANA name;
// "" is UTC, and "Local" (the machine's, UTC in Lambda) is refused.
func LoadZone(name string) (*time.Location, error) {
	if name == "Local" {
		return nil, errors.New("the machine's zone is no business time zone")
	}
	return time.LoadLocation(name)
}

// Signing says where the link signing keys come from.
type Signing struct {
	// SigningKeysParam names the SSM SecureString holding the link signing
	// keys ("k2:secret,k1:older"); SigningKeys gives them directly (local).
	SigningKeysParam string `env:"SIGNING_KEYS_PARAM" optional:"true"`
	SigningKeys      string `env:"SIGNING_KEYS" optional:"true" local:"true"`
}

// Endpoints returns the shared AWS settings; every function's config
// embeds AWS and so has this method.
func (a AWS) Endpoints() AWS { return a }

// Capture is the capture function's configuration.
type Capture struct {
	AWS
	Sales
	Months
	AllowedOrigins string `env:"ALLOWED_ORIGINS" param:"AllowedOrigins"`
	// ThankYouURL is where form posts of no known campaign land; "" is
	// the API's generic thank-you page (GET /thanks).
	ThankYouURL string `env:"THANK_YOU_URL" optional:"true"`
	// PrivacyNoticeURL is linked next to the consent checkbox of every
	// campaign form whose file names no privacy_url of its own.
	PrivacyNoticeURL string `env:"PRIVACY_NOTICE_URL" param:"PrivacyNoticeURL"`
}

// Nurture is the scheduled function's configuration: it sends alerts
// still owed to sales and escalates leads past their first-response SLA.
type Nurture struct {
	AWS
	Sales
	Months
	// SESMaxSendRate caps emails per second; "" asks SES (GetAccount).
	SESMaxSendRate string `env:"SES_MAX_SEND_RATE" optional:"true"`
	// UnsubscribeMailbox is offered as a mailto: unsubscribe in nurture
	// emails besides the one-click link; "" offers none. Set it only to a
	// mailbox someone processes.
	UnsubscribeMailbox string `env:"UNSUBSCRIBE_MAILBOX" param:"UnsubscribeMailbox" is:"mailbox" optional:"true"`
	// TrackOpens ("true"/"false", "" = false) adds an open-tracking pixel
	// to nurture emails.
	TrackOpens string `env:"TRACK_OPENS" optional:"true"`
	// SenderPostalAddress is the sender's postal address, in the footer
	// of every marketing email (one line).
	SenderPostalAddress string `env:"SENDER_POSTAL_ADDRESS" param:"SenderPostalAddress"`
}

// Unsubscribe is the unsubscribe function's configuration.
type Unsubscribe struct {
	AWS
	Signing
	// Qualifying re-grades a lead that confirmed its consent and places
	// it in its nurture sequence (/confirm/{token}).
	Qualifying
	// Months: unsubscribes and opt-ins are counted.
	Months
	Table string `env:"TABLE_NAME"`
	// AllowedOrigins are the sites an expired confirmation link's page
	// may link back to (the lead's landing page on one of them).
	AllowedOrigins string `env:"ALLOWED_ORIGINS" param:"AllowedOrigins"`
	// PublicBaseURL: the campaign pages the API hosts there are sites of
	// ours too; "" means the API's own address (the request's domain).
	PublicBaseURL string `env:"PUBLIC_BASE_URL" param:"PublicBaseUrl" is:"baseurl" optional:"true"`
}

// Feedback is the feedback function's configuration (sales' answers).
type Feedback struct {
	AWS
	// Sales: a lead sales sends back is re-graded and placed in
	// nurturing, and a rep whose alert links expired is sent the alert
	// again with fresh ones.
	Sales
	Months
}

// SESEvents is the configuration of the function that handles SES
// bounce, complaint and delivery events.
type SESEvents struct {
	AWS
	// Months: bounces and complaints are counted.
	Months
	Table string `env:"TABLE_NAME"`
}

// Publisher is the configuration of the function that publishes lead
// events from the table's stream to the event bus.
type Publisher struct {
	AWS
	// Months: the counters a send's commit leaves pending on the lead
	// are added here, in the month of their time.
	Months
	Table        string `env:"TABLE_NAME"`
	EventBusName string `env:"EVENT_BUS_NAME"`
}

// Track is the tracking function's configuration (email clicks, site
// page views); it alerts sales when engagement makes a lead hot.
type Track struct {
	AWS
	Sales
	Months
	AllowedOrigins string `env:"ALLOWED_ORIGINS" param:"AllowedOrigins"`
	// TrackPages maps path prefixes to signals: "/pricing=pricing_page_view".
	TrackPages string `env:"TRACK_PAGES" optional:"true"`
}

// Privacy is the configuration of the admin function for data-subject
// requests (export, erase).
type Privacy struct {
	AWS
	// Months: an erasure first records the counters a send's commit
	// left pending on the lead, in the month of their time.
	Months
	Table string `env:"TABLE_NAME"`
	// Bucket is the export bucket: an erasure takes the address out of
	// the segment exports' customer lists in it, and an export too large
	// to answer is stored in it.
	Bucket string `env:"SEGMENTS_BUCKET"`
	// InlineLimit is the largest export answered inline, in bytes; ""
	// is privacy.InlineLimit (5 MB, within Lambda's 6 MB answer). Tests
	// and the local stack lower it to show a stored export.
	InlineLimit int `env:"EXPORT_INLINE_LIMIT" optional:"true" local:"true"`
	// RetentionDays is how many days a lead may stay without activity
	// before the retention sweep erases it (package retention); 0 keeps
	// leads until erased on request.
	RetentionDays int `env:"LEAD_RETENTION_DAYS" param:"LeadRetentionDays"`
}

// Reports is the reports function's configuration: the dashboard and
// API, and the weekly digest to marketing.
type Reports struct {
	AWS
	// Months: the reports' and digests' months, and "this month".
	Months
	// Signing signs the outcome links of the weekly open-leads lists.
	Signing
	// QualifyConfig names the reps who get those lists.
	QualifyConfig    string `env:"QUALIFY_CONFIG" optional:"true"`
	Table            string `env:"TABLE_NAME"`
	Sender           string `env:"SENDER_ADDRESS" param:"SenderAddress" is:"address"`
	MarketingAddress string `env:"MARKETING_ADDRESS" param:"MarketingAddress" is:"address"`
	PublicBaseURL    string `env:"PUBLIC_BASE_URL" param:"PublicBaseUrl" is:"baseurl" optional:"true"`
	ConfigurationSet string `env:"SES_CONFIGURATION_SET" optional:"true"`
	// SalesAddress gets the open leads of reps who left whose team has
	// no team lead.
	SalesAddress string `env:"SALES_ADDRESS" param:"SalesAddress" is:"address" optional:"true"`
	// Economics of sales time: minutes per lead that reaches sales, cost
	// of a sales hour, currency; spend per campaign "q4-demo=1200,…".
	MinutesPerLead string `env:"MINUTES_PER_LEAD" optional:"true"`
	HourlyCost     string `env:"HOURLY_COST" optional:"true"`
	Currency       string `env:"CURRENCY" optional:"true"`
	CampaignSpend  string `env:"CAMPAIGN_SPEND" optional:"true"`
	CampaignsDir   string `env:"CAMPAIGNS_DIR" optional:"true"`
	// SegmentsDir holds the retargeting segments whose last counts the
	// dashboard shows; "" is config/segments in the build, if any.
	SegmentsDir string `env:"SEGMENTS_DIR" optional:"true"`
}

// Segments is the configuration of the function that exports the
// retargeting segments (config/segments) to the export bucket, weekly
// and on request, and serves their counts and downloads.
type Segments struct {
	AWS
	Table string `env:"TABLE_NAME"`
	// The segments' variants and reason codes are checked against the
	// campaign files and the qualification config at start.
	QualifyConfig string `env:"QUALIFY_CONFIG" optional:"true"`
	CampaignsDir  string `env:"CAMPAIGNS_DIR" optional:"true"`
	// SegmentsDir holds the segment files; "" is config/segments in the
	// build, if any.
	SegmentsDir string `env:"SEGMENTS_DIR" optional:"true"`
	// Bucket is the export bucket.
	Bucket string `env:"SEGMENTS_BUCKET"`
}

// Functions maps each function folder under functions/ to its config type.
var Functions = map[string]any{
	"capture":     Capture{},
	"nurture":     Nurture{},
	"unsubscribe": Unsubscribe{},
	"feedback":    Feedback{},
	"sesevents":   SESEvents{},
	"publisher":   Publisher{},
	"track":       Track{},
	"privacy":     Privacy{},
	"reports":     Reports{},
	"segments":    Segments{},
}

// Load fills a config struct from getenv. A missing required variable or a
// malformed value is an error naming the variable; functions call it at
// init and fail fast.
func Load(dst any, getenv func(string) string) error {
	v := reflect.ValueOf(dst)
	if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
		return errors.New("config: Load needs a pointer to a struct")
	}
	var problems []string
	walk(v.Elem(), func(f reflect.StructField, fv reflect.Value) {
		name := f.Tag.Get("env")
		raw := getenv(name)
		if raw == "" {
			if f.Tag.Get("optional") != "true" {
				problems = append(problems, name+" is not set"+paramHint(f))
			}
			return
		}
		switch fv.Interface().(type) {
		case string:
			if f.Tag.Get("is") == "address" {
				// Every email from or to it would fail: say so at init.
				if _, err := mail.ParseAddress(raw); err != nil {
					problems = append(problems, fmt.Sprintf(`%s=%q is not an email address like leads@example.com or "Acme <leads@example.com>"%s`, name, raw, paramHint(f)))
					return
				}
			}
			if f.Tag.Get("is") == "mailbox" {
				// Offered as <mailto:…> in a header: a display name or a
				// second address would break it in every email.
				if err := Mailbox(raw); err != nil {
					problems = append(problems, fmt.Sprintf("%s=%q %v%s", name, raw, err, paramHint(f)))
					return
				}
			}
			if f.Tag.Get("is") == "zone" {
				// Every month would be cut at the wrong midnight: say so at init.
				if _, err := LoadZone(raw); err != nil {
					problems = append(problems, fmt.Sprintf("%s=%q is not an IANA time zone like America/New_York or UTC%s", name, raw, paramHint(f)))
					return
				}
			}
			if f.Tag.Get("is") == "baseurl" {
				// Every link in every email would be broken: say so at init.
				if why := baseURLProblem(raw); why != "" {
					problems = append(problems, fmt.Sprintf("%s=%q %s%s", name, raw, why, paramHint(f)))
					return
				}
			}
			fv.SetString(raw)
		case int:
			n, err := strconv.Atoi(raw)
			if err != nil {
				problems = append(problems, fmt.Sprintf("%s=%q is not a whole number%s", name, raw, paramHint(f)))
				return
			}
			fv.SetInt(int64(n))
		case time.Duration:
			d, err := time.ParseDuration(raw)
			if err != nil {
				problems = append(problems, fmt.Sprintf("%s=%q is not a duration like 24h or 90m (no days: 168h is a week)%s", name, raw, paramHint(f)))
				return
			}
			fv.SetInt(int64(d))
		}
	})
	if len(problems) > 0 {
		return fmt.Errorf("config: %s", strings.Join(problems, "; "))
	}
	return nil
}

// Mailbox checks a bare mailbox address (unsubscribe@example.com): no
// display name, no "mailto:", one address, a domain with a dot, nothing a
// mailto: URL would read as more than the address.
func Mailbox(raw string) error {
	a, err := mail.ParseAddress(raw)
	_, domain, _ := strings.Cut(raw, "@")
	if err != nil || a.Name != "" || a.Address != raw || !strings.Contains(domain, ".") || strings.ContainsAny(raw, "?&#%:/ ") {
		return errors.New("is not a bare mailbox address like unsubscribe@example.com (no name, no mailto:)")
	}
	return nil
}

// baseURLProblem says what is wrong with a base URL links are built on
// (base + "/u/…"), "" when nothing is: an absolute http(s) URL with a
// host, and no trailing slash, query or fragment (a link would double the
// slash, or land inside the query).
func baseURLProblem(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil || u.Opaque != "" ||
		strings.ContainsAny(raw, " \t\r\n") {
		return "is not a base URL like https://leads.example.com (scheme and host: without them every emailed link is relative)"
	}
	if u.RawQuery != "" || u.Fragment != "" || strings.ContainsAny(raw, "?#") {
		return "has a query or fragment: give the base URL alone, like https://leads.example.com"
	}
	if strings.HasSuffix(raw, "/") {
		return "ends with a slash: give it without, like https://leads.example.com (links add their own path)"
	}
	return ""
}

// InTask resolves a config path inside the function's build: relative
// paths are under LAMBDA_TASK_ROOT in Lambda (config/ ships there), and
// under the working directory elsewhere.
func InTask(path string) string {
	if root := os.Getenv("LAMBDA_TASK_ROOT"); path != "" && root != "" && !filepath.IsAbs(path) {
		return filepath.Join(root, path)
	}
	return path
}

// paramHint names the template parameter behind a variable, so an
// operator knows what to set at deploy time.
func paramHint(f reflect.StructField) string {
	if p := f.Tag.Get("param"); p != "" {
		return " (template parameter " + p + ")"
	}
	return ""
}

// Vars lists the variables a config type reads, split into those the
// template must declare and those Lambda or the local stack provide.
func Vars(cfg any) (declared, provided []string) {
	walk(reflect.New(reflect.TypeOf(cfg)).Elem(), func(f reflect.StructField, _ reflect.Value) {
		if f.Tag.Get("aws") == "runtime" || f.Tag.Get("local") == "true" {
			provided = append(provided, f.Tag.Get("env"))
			return
		}
		declared = append(declared, f.Tag.Get("env"))
	})
	return declared, provided
}

func walk(v reflect.Value, fn func(reflect.StructField, reflect.Value)) {
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		f, fv := t.Field(i), v.Field(i)
		if f.Anonymous && f.Type.Kind() == reflect.Struct {
			walk(fv, fn)
			continue
		}
		if f.Tag.Get("env") != "" {
			fn(f, fv)
		}
	}
}
