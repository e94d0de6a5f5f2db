package enrol_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/leadflow/leadflow/shared/app/enrol"
	"github.com/leadflow/leadflow/shared/config"
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
