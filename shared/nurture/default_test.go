package nurture

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/leadflow/leadflow/shared/lead"
)

func TestDefaultConfigIsValid(t *testing.T) {
	if _, err := Parse(defaultYAML, "default.yaml"); err != nil {
		t.Fatalf("embedded default.yaml:\n%v", err)
	}
	c := Default()
	if got := strings.Join(c.Sequences(), ","); got != "not-now,cold-education,pricing-interest,warm-followup" {
		t.Errorf("sequences = %s", got)
	}
	sends := func(id string) (n int) {
		for _, st := range c.byID[id].steps {
			if st.kind == stepSend {
				n++
			}
		}
		return n
	}
	if sends("not-now") != 3 || sends("cold-education") != 4 || sends("warm-followup") != 2 || sends("pricing-interest") != 1 {
		t.Errorf("emails: cold %d, warm %d, pricing %d", sends("cold-education"), sends("warm-followup"), sends("pricing-interest"))
	}
	if e := c.byID["pricing-interest"].entry; len(e.signals) != 1 || e.signals[0] != "pricing_page_view" {
		t.Errorf("pricing-interest is not triggered by pricing page views: %+v", e)
	}
	if max, per := c.FrequencyCap(); max != 2 || per != 7*24*time.Hour || c.Window().String() != "09:00–17:00 Mon–Fri" {
		t.Errorf("defaults: %s", c.Summary())
	}
	if c.defaultZone.String() != "Europe/Berlin" {
		t.Errorf("default zone %s", c.defaultZone)
	}
}

// TestDefaultTemplates: every default email renders for a full and an
// empty lead, links only to https pages, and loads nothing from outside
// (no images, scripts or style sheets).
func TestDefaultTemplates(t *testing.T) {
	c := Default()
	external := regexp.MustCompile(`(?i)<(img|script|link|iframe)\b|\bsrc\s*=|url\(`)
	empty := lead.Lead{}
	for _, id := range c.Templates() {
		t.Run(id, func(t *testing.T) {
			for _, l := range []lead.Lead{newLead("cold", "A"), empty} {
				e, err := c.Render(id, l, unsubscribeURL)
				if err != nil {
					t.Fatal(err)
				}
				if strings.Contains(e.Subject, "there,") || strings.Contains(e.Subject, "{{") || e.Subject == "" {
					t.Errorf("subject %q", e.Subject)
				}
				if external.MatchString(e.HTML) {
					t.Errorf("HTML loads something from outside:\n%s", e.HTML)
				}
				if len(e.Links) == 0 {
					t.Error("no call to action link")
				}
				for _, link := range e.Links {
					if !strings.HasPrefix(link, "https://") || !strings.Contains(e.Text, link) {
						t.Errorf("link %s: not https, or missing from the text part", link)
					}
				}
			}
		})
	}
}

func TestLoad(t *testing.T) {
	c, err := Load("")
	if err != nil || c != Default() {
		t.Fatalf("Load(\"\") = %v, %v", c, err)
	}
	dir := t.TempDir()
	good := filepath.Join(dir, "sequences.yaml")
	os.WriteFile(good, []byte(full), 0o600)
	if c, err := Load(good); err != nil || len(c.Sequences()) != 2 {
		t.Errorf("Load(good) = %v", err)
	}
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte(strings.Replace(full, "wait: 72h", "wait: soon", 1)), 0o600)
	if _, err := Load(bad); err == nil || !strings.HasPrefix(err.Error(), bad+":12: ") {
		t.Errorf("Load(bad) = %v", err)
	}
	if _, err := Load(filepath.Join(dir, "missing.yaml")); err == nil || !strings.Contains(err.Error(), "no such file") {
		t.Errorf("Load(missing) = %v", err)
	}
}
