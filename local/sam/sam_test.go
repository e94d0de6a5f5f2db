package sam_test

import (
	"path/filepath"
	"slices"
	"testing"

	"github.com/leadflow/leadflow/local/sam"
)

// TestRuleDetailTypes: the local stack routes an injected event only to
// the functions whose rules take its detail type, as EventBridge does
// (an SES event handed to the CRM-outcome listener is an error there).
func TestRuleDetailTypes(t *testing.T) {
	root, err := sam.Root()
	if err != nil {
		t.Fatal(err)
	}
	tm, err := sam.Load(filepath.Join(root, "template.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]struct{ takes, refuses string }{
		"sesevents": {"Email Bounced", "leadflow.outcome"},
		"feedback":  {"leadflow.outcome", "Email Sent"},
	}
	found := 0
	for _, f := range tm.Functions {
		w, ok := want[f.Name]
		if !ok {
			continue
		}
		found++
		if !slices.Contains(f.DetailTypes, w.takes) || slices.Contains(f.DetailTypes, w.refuses) || slices.Contains(f.DetailTypes, "*") {
			t.Errorf("%s: detail types %q, want %q and not %q", f.Name, f.DetailTypes, w.takes, w.refuses)
		}
	}
	if found != len(want) {
		t.Fatalf("found %d of the functions %v in template.yaml", found, want)
	}
}
