package config

import (
	"reflect"
	"slices"
	"strings"
	"testing"
)

// TestPublicBaseURLIsCheckedAtLoad: every emailed link (unsubscribe links
// among them) is PUBLIC_BASE_URL + a path, so a value without its scheme
// made them relative and one with a trailing slash doubled it; the
// function stops at init naming the variable and its template parameter.
func TestPublicBaseURLIsCheckedAtLoad(t *testing.T) {
	for _, tc := range []struct{ value, want string }{
		{"", ""}, // the API's own URL
		{"https://leads.example.com", ""},
		{"https://www.example.com/leads", ""},
		{"http://127.0.0.1:3000", ""}, // the local stack
		{"leads.example.com", `PUBLIC_BASE_URL="leads.example.com" is not a base URL like https://leads.example.com`},
		{"https://leads.example.com/", `PUBLIC_BASE_URL="https://leads.example.com/" ends with a slash`},
		{"https://www.example.com/leads/", `ends with a slash`},
		{"//leads.example.com", `is not a base URL`},
		{"https://", `is not a base URL`},
		{"ftp://leads.example.com", `is not a base URL`},
		{"https://leads.example.com?x=1", `has a query or fragment`},
		{"https://leads.example.com#top", `has a query or fragment`},
		{" https://leads.example.com", `is not a base URL`},
		{"https://leads.example.com/a b", `is not a base URL`},
	} {
		var cfg struct {
			URL string `env:"PUBLIC_BASE_URL" param:"PublicBaseUrl" is:"baseurl" optional:"true"`
		}
		err := Load(&cfg, func(string) string { return tc.value })
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%q: %v", tc.value, err)
		case tc.want == "" && cfg.URL != tc.value:
			t.Errorf("%q: loaded %q", tc.value, cfg.URL)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "(template parameter PublicBaseUrl)")):
			t.Errorf("%q: err = %v, want %q and the template parameter", tc.value, err, tc.want)
		}
	}
	// Every function that reads it checks it.
	readers := 0
	for name, cfg := range Functions {
		if declared, _ := Vars(cfg); !slices.Contains(declared, "PUBLIC_BASE_URL") {
			continue
		}
		readers++
		ptr := reflect.New(reflect.TypeOf(cfg)).Interface()
		err := Load(ptr, func(k string) string {
			if k == "PUBLIC_BASE_URL" {
				return "leads.example.com"
			}
			return ""
		})
		if err == nil || !strings.Contains(err.Error(), `PUBLIC_BASE_URL="leads.example.com"`) {
			t.Errorf("%s with PUBLIC_BASE_URL=leads.example.com: %v", name, err)
		}
	}
	if readers == 0 {
		t.Fatal("no function reads PUBLIC_BASE_URL")
	}
}

// TestAlertDedupWindowErrorNamesTheParameter: "7d" (the qualification
// config's durations take days) is no Go duration; capture, nurture,
// track and feedback stop at init, and the error must say which template
// parameter to fix, as it does for the other alert limits.
func TestAlertDedupWindowErrorNamesTheParameter(t *testing.T) {
	env := map[string]string{"TABLE_NAME": "t", "SENDER_ADDRESS": "a@x.example", "SALES_ADDRESS": "s@x.example", "ALERT_DEDUP_WINDOW": "7d"}
	var cfg Sales
	err := Load(&cfg, func(k string) string { return env[k] })
	if err == nil || !strings.Contains(err.Error(), `ALERT_DEDUP_WINDOW="7d" is not a duration like 24h`) ||
		!strings.Contains(err.Error(), "(template parameter AlertDedupWindow)") {
		t.Errorf("err = %v", err)
	}
	env["ALERT_DEDUP_WINDOW"] = "168h"
	if err := Load(&cfg, func(k string) string { return env[k] }); err != nil || cfg.AlertDedupWindow.Hours() != 168 {
		t.Errorf("168h: %v, %v", cfg.AlertDedupWindow, err)
	}
}

// TestUnsubscribeMailboxIsCheckedAtLoad: UNSUBSCRIBE_MAILBOX goes into
// every nurture email's List-Unsubscribe header as <mailto:…>; a display
// name, a mailto: prefix or two addresses broke that header in every
// email, so the nurture function stops at init naming the parameter.
func TestUnsubscribeMailboxIsCheckedAtLoad(t *testing.T) {
	for value, ok := range map[string]bool{
		"":                                true,
		"unsubscribe@example.com":         true,
		"list+unsub@mail.example.org":     true,
		"Acme <unsubscribe@example.com>":  false,
		"mailto:unsubscribe@example.com":  false,
		"a@example.com,b@example.com":     false,
		"unsubscribe@example.com?subject": false,
		"unsubscribe@localhost":           false,
		"unsubscribe":                     false,
		" unsubscribe@example.com":        false,
	} {
		var cfg Nurture
		err := Load(&cfg, func(k string) string {
			switch k {
			case "UNSUBSCRIBE_MAILBOX":
				return value
			case "SENDER_ADDRESS", "SALES_ADDRESS":
				return "leads@example.com"
			case "TABLE_NAME", "SENDER_POSTAL_ADDRESS", "AWS_REGION":
				return "x"
			}
			return ""
		})
		switch {
		case ok && err != nil:
			t.Errorf("%q: %v", value, err)
		case ok && cfg.UnsubscribeMailbox != value:
			t.Errorf("%q: loaded %q", value, cfg.UnsubscribeMailbox)
		case !ok && (err == nil || !strings.Contains(err.Error(), "UNSUBSCRIBE_MAILBOX=") || !strings.Contains(err.Error(), "(template parameter UnsubscribeMailbox)")):
			t.Errorf("%q: err = %v, want it refused, naming the variable and the template parameter", value, err)
		}
	}
}

// TestReportTimeZoneIsCheckedAtLoad: every function that writes or reads
// the monthly counters reads REPORT_TIME_ZONE (one zone for all of them,
// or a month's counters would be split between two zones' months), and
// a zone the database does not know stops it at init with one line
// naming the variable and its template parameter; "" is UTC.
func TestReportTimeZoneIsCheckedAtLoad(t *testing.T) {
	counting := []string{"capture", "nurture", "unsubscribe", "feedback", "sesevents", "track", "reports", "publisher", "privacy"}
	for _, name := range counting {
		if declared, _ := Vars(Functions[name]); !slices.Contains(declared, "REPORT_TIME_ZONE") {
			t.Errorf("%s writes or reads monthly counters but does not read REPORT_TIME_ZONE", name)
		}
	}
	for _, tc := range []struct{ value, want, zone string }{
		{"", "", "UTC"},
		{"UTC", "", "UTC"},
		{"America/New_York", "", "America/New_York"},
		{"Australia/Sydney", "", "Australia/Sydney"},
		{"Mars/Olympus_Mons", `REPORT_TIME_ZONE="Mars/Olympus_Mons" is not an IANA time zone like America/New_York or UTC`, ""},
		{"EST5", `REPORT_TIME_ZONE="EST5" is not an IANA time zone`, ""},
		{"Local", `REPORT_TIME_ZONE="Local" is not an IANA time zone`, ""},
		{"america/new_york ", `is not an IANA time zone`, ""},
	} {
		var cfg Reports
		env := map[string]string{"AWS_REGION": "us-east-1", "TABLE_NAME": "t", "SENDER_ADDRESS": "a@x.example", "MARKETING_ADDRESS": "m@x.example", "REPORT_TIME_ZONE": tc.value}
		err := Load(&cfg, func(k string) string { return env[k] })
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%q: %v", tc.value, err)
		case tc.want == "" && cfg.MonthZone().String() != tc.zone:
			t.Errorf("%q: zone %v, want %s", tc.value, cfg.MonthZone(), tc.zone)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "(template parameter ReportTimeZone)")):
			t.Errorf("%q: err = %v, want %q and the template parameter", tc.value, err, tc.want)
		}
	}
}
