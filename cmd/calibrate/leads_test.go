package main

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/leadflow/leadflow/shared/lead"
	"github.com/leadflow/leadflow/shared/qualify"
)

// storedLeads is a feedback-loop population in which only the industry
// decides acceptance; every tenth lead has no outcome yet.
func storedLeads(n int) []lead.Lead {
	rng := rand.New(rand.NewPCG(3, 4))
	industries := []string{"Software", "Retail", "Education", "Manufacturing"}
	titles := []string{"Marketing Manager", "Head of Sales", "Analyst", "Engineer"}
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	out := make([]lead.Lead, n)
	for i := range out {
		ind := industries[rng.IntN(len(industries))]
		l := lead.Lead{ID: fmt.Sprintf("L%05d", i), CreatedAt: at, UpdatedAt: at,
			Submission: lead.Submission{
				Email: fmt.Sprintf("p%d@c%d.example", i, rng.IntN(300)), JobTitle: titles[rng.IntN(len(titles))],
				CompanySize: fmt.Sprint(10 + rng.IntN(990)), Industry: ind, Country: []string{"DE", "US"}[rng.IntN(2)],
				Answers: map[string]string{"crm": []string{"HubSpot", "Salesforce"}[rng.IntN(2)]},
			}}
		for range rng.IntN(3) {
			l.Signals = append(l.Signals, lead.Signal{Kind: "pricing_page_view", At: at})
		}
		p := 0.15
		if ind == "Software" {
			p = 0.8
		}
		switch {
		case i%10 == 9:
			l.Stage = lead.StageMQL
		case rng.Float64() < p:
			l.Stage = []lead.Stage{lead.StageSAL, lead.StageSQL, lead.StageWon}[rng.IntN(3)]
		default:
			l.Stage = []lead.Stage{lead.StageRejected, lead.StageLost}[rng.IntN(2)]
		}
		out[i] = l
	}
	return out
}

func TestLeadsEndToEnd(t *testing.T) {
	dir := t.TempDir()
	leads := storedLeads(2000)
	wrapped, err := json.MarshalIndent(map[string]any{"count": len(leads), "leads": leads}, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	list, _ := json.Marshal(leads)
	wrappedPath, listPath := filepath.Join(dir, "local-leads.json"), filepath.Join(dir, "list.json")
	os.WriteFile(wrappedPath, wrapped, 0o644)
	os.WriteFile(listPath, list, 0o644)

	var configs [][]byte
	for _, in := range []string{wrappedPath, listPath} {
		name := strings.TrimSuffix(filepath.Base(in), ".json")
		out, report := filepath.Join(dir, name+".yaml"), filepath.Join(dir, name+".md")
		code, stdout, stderr := runCLI(t, "-leads", in, "-out", out, "-report", report)
		if code != 0 {
			t.Fatalf("%s: exit %d\n%s", in, code, stderr)
		}
		if !strings.Contains(stderr, in+": 2000 rows, 1800 leads used (") || !strings.Contains(stdout, "200 skipped (leads L00009, L00019, L00029, …)") {
			t.Errorf("%s: stderr:\n%s\nstdout:\n%s", in, stderr, stdout)
		}
		cfgData, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := qualify.Parse(cfgData, out); err != nil {
			t.Fatalf("exported config does not parse:\n%v", err)
		}
		if !strings.HasPrefix(string(cfgData), "# Calibrated by leadflow calibrate on 2026-03-01 from "+filepath.Base(in)+" (sha256 ") {
			t.Errorf("header:\n%.200s", cfgData)
		}
		if m := regexp.MustCompile(`\{field: industry, op: in, values: \["Software"\], points: (\d+),`).FindSubmatch(cfgData); m == nil {
			t.Errorf("no positive Software rule in:\n%s", cfgData)
		}
		rep, _ := os.ReadFile(report)
		for _, want := range []string{"# Lead score calibration", "Outcome column “stage”: ", "“mql” × 200 → skipped", `- lead L00009: no outcome: stage "mql": no outcome yet`} {
			if !strings.Contains(string(rep), want) {
				t.Errorf("report lacks %q", want)
			}
		}
		configs = append(configs, cfgData)
	}
	// Both shapes are the same leads: the same fit (only the header's file differs).
	if cut := func(b []byte) string { return string(b[strings.Index(string(b), "\nfit:"):]) }; cut(configs[0]) != cut(configs[1]) {
		t.Error("the two JSON shapes gave different fits")
	}
}

func TestLeadsFileProblems(t *testing.T) {
	dir := t.TempDir()
	for _, tt := range []struct{ name, data, want string }{
		{"empty", " \n", "empty file: expected a JSON list of leads or an object"},
		{"single lead", `{"id": "L1", "stage": "won"}`, `no "leads" in the object`},
		{"not json", "id,stage\n", "not JSON"},
		{"broken", "[\n{\"id\": \"L1\",\n}]", "line 3: invalid character"},
		{"wrong type", `{"leads": [{"id": 7}]}`, "line 1: json: cannot unmarshal number"},
		// A value a field's own decoder refuses (a time) has no offset in
		// json's error: the line is the lead's that holds it.
		{"bad time in a list", "[\n{\"id\": \"L1\", \"stage\": \"won\"},\n{\"id\": \"L2\",\n \"created_at\": \"yesterday\"}\n]",
			`line 3: lead 2 (L2): parsing time "yesterday"`},
		{"bad time in the object", "{\"count\": 2, \"leads\": [\n{\"id\": \"L1\"}, {\"id\": \"L2\", \"created_at\": \"2026-13-01\"},\n{\"id\": \"L3\"}]}",
			`line 2: lead 2 (L2): parsing time "2026-13-01"`},
		{"no outcomes", `{"count": 1, "leads": [{"id": "L1", "stage": "new", "email": "a@b.example"}]}`,
			"0 converted and 0 other leads; at least 10 of each are needed (a stored lead counts once sales accepted (sal, sql) or won it, or lost, rejected or sent it back)"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(tt.name, " ", "_")+".json")
			os.WriteFile(path, []byte(tt.data), 0o644)
			code, _, stderr := runCLI(t, "-quiet", "-leads", path)
			if code != 1 || !strings.Contains(stderr, tt.want) {
				t.Errorf("exit %d; stderr:\n%s\nwant %q", code, stderr, tt.want)
			}
		})
	}
}
