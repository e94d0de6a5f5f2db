package qualify

import (
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/leadflow/leadflow/shared/lead"
	"github.com/leadflow/leadflow/shared/yamlconf"
)

// qualifySection is the qualify: key and value of a campaign-file-like
// document.
func qualifySection(t *testing.T, src string) (k, v *yaml.Node) {
	t.Helper()
	root, err := yamlconf.Decode([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	m := yamlconf.Resolve(root)
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == "qualify" {
			return m.Content[i], m.Content[i+1]
		}
	}
	t.Fatalf("no qualify: in\n%s", src)
	return nil, nil
}

func TestWithCampaignAppliesACampaignFilesOverrides(t *testing.T) {
	base := mustParse(t, full)
	tests := []struct {
		name, id, src string
		err           string // "" = valid
	}{
		{"thresholds", "webinar-nov", "id: webinar-nov\nqualify:\n  thresholds: {A: {hot: 1}, B: {hot: 1}, C: {hot: 1}, D: {}}\n", ""},
		{"unknown field", "webinar-nov", "id: webinar-nov\nqualify:\n  threshold: {A: {hot: 1}}\n",
			`webinar-nov.yaml:3: unknown field "threshold" in qualify (did you mean "thresholds"?)`},
		{"overlapping", "webinar-nov", "id: webinar-nov\nqualify:\n  thresholds:\n    A: {hot: 5, warm: 20}\n",
			"webinar-nov.yaml:4: qualify.thresholds.A: hot (5) must be above warm (20)"},
		{"nothing", "webinar-nov", "id: webinar-nov\nqualify: {}\n", "webinar-nov.yaml:2: qualify: overrides nothing"},
		{"also in the qualification config", "webinar-2026", "id: webinar-2026\nqualify:\n  thresholds: {A: {hot: 1}, B: {}, C: {}, D: {}}\n",
			`webinar-2026.yaml:2: qualify: campaign "webinar-2026" is also overridden in the qualification config`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			k, v := qualifySection(t, tc.src)
			got, err := base.WithCampaign(tc.id+".yaml", tc.id, k, v)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
			l := stored(lead.Submission{JobTitle: "CMO", Source: lead.Attribution{Campaign: tc.id}})
			sig := []Signal{{Kind: "pricing_page_view", At: now}}
			if d := base.Evaluate(l, sig, now); d.Campaign != "" || d.Temperature == Hot {
				t.Fatalf("the original config changed: %+v", d)
			}
			if d := got.Evaluate(l, sig, now); d.Campaign != tc.id || d.Temperature != Hot {
				t.Fatalf("with the campaign's overrides: campaign %q, %s; want %s hot", d.Campaign, d.Temperature, tc.id)
			}
			other := stored(lead.Submission{JobTitle: "CMO", Source: lead.Attribution{Campaign: "other"}})
			if d := got.Evaluate(other, sig, now); d.Campaign != "" {
				t.Fatalf("another campaign's lead used the overrides: %+v", d)
			}
		})
	}
}

// TestRepeatWindowPerCampaign: the window in which capture takes the same
// form sent again for one engagement is engagement.repeat_window of the
// campaign the post names, else the base config's (default 24h).
func TestRepeatWindowPerCampaign(t *testing.T) {
	c := mustParse(t, strings.Replace(full, "campaigns:\n", "campaigns:\n  quick:\n    engagement: {repeat_window: 1h, signals: [{signal: \"form:demo_request\", points: 30}]}\n", 1))
	tests := []struct {
		campaign string
		want     time.Duration
	}{
		{"quick", time.Hour},
		{"webinar-2026", DefaultRepeatWindow}, // overrides thresholds only
		{"", DefaultRepeatWindow},
		{"unknown", DefaultRepeatWindow},
	}
	for _, tt := range tests {
		if got := c.RepeatWindow(tt.campaign); got != tt.want {
			t.Errorf("RepeatWindow(%q) = %s, want %s", tt.campaign, got, tt.want)
		}
	}
}
