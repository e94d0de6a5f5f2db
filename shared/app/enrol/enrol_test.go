package enrol_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/leadflow/leadflow/shared/app/enrol"
	"github.com/leadflow/leadflow/shared/campaign"
	"github.com/leadflow/leadflow/shared/config"
	"github.com/leadflow/leadflow/shared/nurture"
)

// The three files are read at once; what Load reports must not depend on
// which finished first: the qualification rules' error, then the
// sequences', then the campaigns'.
func TestLoadReportsTheFirstBrokenFile(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	badRules := write("qualify.yaml", "thresholds: [\n")
	badSeq := write("nurture.yaml", "sequences: [\n")
	campaigns := filepath.Join(dir, "campaigns")
	if err := os.Mkdir(campaigns, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(campaigns, "broken.yaml"), []byte("id: [\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	empty := t.TempDir()
	tests := []struct {
		name string
		cfg  config.Qualifying
		want string // "" loads
	}{
		{"defaults", config.Qualifying{CampaignsDir: empty}, ""},
		{"all broken: the rules first", config.Qualifying{QualifyConfig: badRules, NurtureConfig: badSeq, CampaignsDir: campaigns}, "qualify.yaml"},
		{"sequences and campaigns broken", config.Qualifying{NurtureConfig: badSeq, CampaignsDir: campaigns}, "nurture.yaml"},
		{"campaigns broken", config.Qualifying{CampaignsDir: campaigns}, "broken.yaml"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for i := 0; i < 20; i++ { // the loads race each other every time
				e, _, err := enrol.Load(tt.cfg)
				if tt.want == "" {
					if err != nil || e.Rules == nil || e.Sequences == nil {
						t.Fatalf("Load = %v, %v", e, err)
					}
					continue
				}
				if err == nil || !strings.Contains(err.Error(), tt.want) {
					t.Fatalf("Load error = %v, want one naming %s", err, tt.want)
				}
			}
		})
	}
}

// A campaign file naming a sequence by an id the sequences file renamed
// (replaces: [that id]) sends its leads to the renamed sequence; an id
// neither has is refused with the campaign file's line.
func TestCampaignSequencesFollowARename(t *testing.T) {
	dir := t.TempDir()
	campaignFile := func(id, seq string) {
		t.Helper()
		body := "version: 1\nid: " + id + "\nname: " + id + "\nhypothesis: test\n" +
			"variants:\n  - {id: main, headline: Join us, cta: Join}\n" +
			"form:\n  form_type: newsletter\n  consent_text: Send me the newsletter.\n  consent_version: \"1\"\n  fields: [email]\n  required: [email]\n" +
			"sequence: " + seq + "\n"
		if err := os.WriteFile(filepath.Join(dir, id+".yaml"), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	campaignFile("webinar-old", "warm-followup")
	def, err := os.ReadFile(filepath.Join("..", "..", "nurture", "default.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	renamed := strings.Replace(string(def), "  - id: warm-followup\n", "  - id: warm-2027\n    replaces: [warm-followup]\n", 1)
	seq, err := nurture.Parse([]byte(renamed), "nurture.yaml")
	if err != nil {
		t.Fatal(err)
	}
	set, err := campaign.LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	got, err := enrol.CampaignSequences(set, seq)
	if err != nil || got["webinar-old"] != "warm-2027" {
		t.Fatalf("CampaignSequences = %v, %v; want webinar-old → warm-2027", got, err)
	}
	campaignFile("webinar-gone", "warm-followup-v9")
	if set, err = campaign.LoadDir(dir); err != nil {
		t.Fatal(err)
	}
	if _, err := enrol.CampaignSequences(set, seq); err == nil || !strings.Contains(err.Error(), `webinar-gone.yaml:13: sequence "warm-followup-v9" is not in the nurture sequences`) {
		t.Fatalf("an unknown sequence: %v", err)
	}
}
