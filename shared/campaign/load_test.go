package campaign

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// campaignYAML is a small valid campaign file for id.
func campaignYAML(id, spend string) string {
	s := "version: 1\nid: " + id + "\nname: " + id + "\nhypothesis: it works\n"
	if spend != "" {
		s += "spend: " + spend + "\n"
	}
	return s + `variants: [{id: a, headline: Hello, cta: Go}]
form: {form_type: demo_request, consent_text: News, consent_version: v1, fields: [email]}
`
}

func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, src := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestLoadDir(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"zeta.yaml": campaignYAML("zeta", "{amount: 300.5, currency: USD}"),
		"alpha.yml": campaignYAML("alpha", ""),
		"mid.yaml":  campaignYAML("mid", "{amount: 0, currency: USD}"),
		"README.md": "not a campaign",
		"notes.txt": "version: 2",
		".yaml":     "hidden, no name",
	})
	set, err := LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, c := range set.All() {
		ids = append(ids, c.ID)
	}
	if strings.Join(ids, ",") != "alpha,mid,zeta" {
		t.Errorf("All = %v", ids)
	}
	if c, ok := set.Get("zeta"); !ok || c.ID != "zeta" {
		t.Errorf("Get(zeta) = %v, %v", c, ok)
	}
	if _, ok := set.Get("nope"); ok {
		t.Error("Get(nope) found something")
	}
	if got, err := set.SpendIn("USD", nil); err != nil || !reflect.DeepEqual(got, map[string]float64{"zeta": 300.5, "mid": 0}) {
		t.Errorf("SpendIn(USD) = %v, %v", got, err)
	}
	// All hands out a copy
	set.All()[0] = nil
	if set.All()[0] == nil {
		t.Error("All exposes the set's slice")
	}
}

func TestLoadDirReportsEveryFile(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"a.yaml":    strings.Replace(campaignYAML("a", ""), "headline: Hello", "headlin: Hello", 1),
		"b.yaml":    campaignYAML("wrong-name", ""),
		"c.yaml":    campaignYAML("c", "{amount: 1, currency: EUR}"),
		"d.yaml":    campaignYAML("d", "{amount: 2, currency: USD}"),
		"e.yaml":    campaignYAML("e", ""),
		"e.yml":     campaignYAML("e", ""),
		"fine.yaml": campaignYAML("fine", ""),
	})
	_, err := LoadDir(dir)
	if !errors.Is(err, ErrInvalid) {
		t.Fatalf("err = %v", err)
	}
	p := func(name string) string { return filepath.Join(dir, name) }
	want := []string{
		p("a.yaml") + `:5: unknown field "headlin" in variants[0] (did you mean "headline"?)`,
		p("a.yaml") + `:5: variants[0]: missing headline`,
		p("b.yaml") + `:2: id "wrong-name" does not match the file name "b.yaml" (name the file wrong-name.yaml, or change the id)`,
		p("e.yml") + `:2: duplicate campaign id "e" (also in ` + p("e.yaml") + `)`,
	}
	if got := strings.Split(err.Error(), "\n"); !reflect.DeepEqual(got, want) {
		t.Errorf("got\n  %s\nwant\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
}

func TestLoadDirEmptyAndMissing(t *testing.T) {
	set, err := LoadDir(t.TempDir())
	if spend, serr := set.SpendIn("EUR", nil); err != nil || len(set.All()) != 0 || len(spend) != 0 || serr != nil {
		t.Errorf("empty dir: %v, %v", set, err)
	}
	_, err = LoadDir(filepath.Join(t.TempDir(), "missing"))
	if !errors.Is(err, fs.ErrNotExist) || errors.Is(err, ErrInvalid) {
		t.Errorf("missing dir: %v", err)
	}
	var nilSet *Set
	if _, ok := nilSet.Get("x"); ok || nilSet.All() != nil {
		t.Error("nil set is not empty")
	}
	if spend, _ := nilSet.SpendIn("EUR", nil); len(spend) != 0 {
		t.Error("nil set is not empty")
	}
}

// The example campaigns marketing copies from must stay valid.
func TestExampleCampaigns(t *testing.T) {
	set, err := LoadDir(examplesDir)
	if err != nil {
		t.Fatal(err)
	}
	q4, ok := set.Get("q4-demo")
	if !ok || len(q4.Variants) != 2 || q4.Variants[0].Weight != q4.Variants[1].Weight {
		t.Errorf("q4-demo: %+v", q4)
	}
	web, ok := set.Get("webinar-nov")
	if !ok || len(web.Variants) != 1 || web.Form.FormType != "content_download" {
		t.Errorf("webinar-nov: %+v", web)
	}
	if got, err := set.SpendIn("EUR", nil); err != nil || got["q4-demo"] != 1200 {
		t.Errorf("spend = %v, %v", got, err)
	}
	// A content download's form promises the content: the person who
	// fills it must get it on the thank-you page, consent box or not.
	for _, c := range set.All() {
		if c.Form.FormType == "content_download" && len(c.ThankYou.NextSteps) == 0 && c.ThankYouURL == "" {
			t.Errorf("%s: a content download whose thank-you page does not hand over the content", c.ID)
		}
	}
}

// TestNamesForPeople: the names alerts show for a campaign (its name and
// id), its variants (their headlines) and its questions (their labels).
func TestNamesForPeople(t *testing.T) {
	set, err := LoadDir(examplesDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ got, want string }{
		{pair(set.CampaignName("q4-demo")), "Q4 demo push — ops leaders (q4-demo) true"},
		{pair(set.VariantHeadline("q4-demo", "b")), "Answer every hot lead in 5 minutes true"},
		{pair(set.AnswerLabel("q4-demo", "crm")), "Which CRM do you use? true"},
		// A lead of no campaign file (the site's own form): the question
		// as a campaign file asks it; a campaign that does not ask it has
		// no label for it.
		{pair(set.AnswerLabel("", "crm")), "Which CRM do you use? true"},
		{pair(set.AnswerLabel("", "timeline")), "When do you want to start? true"},
		{pair(set.AnswerLabel("webinar-nov", "crm")), " false"},
		{pair(set.CampaignName("nope")), " false"},
		{pair(set.VariantHeadline("q4-demo", "z")), " false"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
	var none *Set
	if _, ok := none.CampaignName("q4-demo"); ok {
		t.Error("a nil set names a campaign")
	}
}

func pair(s string, ok bool) string { return fmt.Sprint(s, " ", ok) }

// TestSpendIn: spends are converted into the reporting currency at the
// configured rate, whatever currency each campaign file gives (ads in
// dollars and in euros); a spend in a currency without a rate is refused
// with its file and line.
func TestSpendIn(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"a.yaml": campaignYAML("a", "{amount: 1000, currency: USD}"),
		"b.yaml": campaignYAML("b", "{amount: 333.33, currency: USD}"),
		"c.yaml": campaignYAML("c", ""),
		"d.yaml": campaignYAML("d", "{amount: 500, currency: EUR}"),
	})
	set, err := LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name     string
		currency string
		rates    map[string]float64
		want     map[string]float64
		err      string
	}{
		{"converted into dollars", "USD", map[string]float64{"EUR": 1.08}, map[string]float64{"a": 1000, "b": 333.33, "d": 540}, ""},
		{"converted into euros", "EUR", map[string]float64{"USD": 0.92}, map[string]float64{"a": 920, "b": 306.66, "d": 500}, ""},
		{"no rate", "EUR", map[string]float64{"GBP": 1.17}, nil, filepath.Join(dir, "a.yaml") +
			":5: spend.currency: no rate converts USD into EUR, the currency reports count revenue in: add outcomes.rates.USD to the qualify config, or give the spend in EUR"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := set.SpendIn(tt.currency, tt.rates)
			if tt.err != "" {
				if !errors.Is(err, ErrInvalid) || strings.Split(err.Error(), "\n")[0] != tt.err {
					t.Fatalf("err = %v, want %s", err, tt.err)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("SpendIn = %v, %v; want %v", got, err, tt.want)
			}
		})
	}
}

// A thank-you page's next step given as a path on the API, /c/<id>, must
// name a campaign of the folder: a typo would be a dead link on the page
// every lead of the campaign sees. A campaign whose own file is broken
// still counts (its problems are reported, not a second one here).
func TestLoadDirChecksNextStepCampaignLinks(t *testing.T) {
	withSteps := func(id string, urls ...string) string {
		s := campaignYAML(id, "") + "thank_you:\n  next_steps:\n"
		for _, u := range urls {
			s += "    - {label: Next, url: \"" + u + "\"}\n"
		}
		return s
	}
	dir := writeFiles(t, map[string]string{
		"a.yaml":           withSteps("a", "/c/webinar-nov", "/c/webinar-nvo", "/c/a/thanks", "/c/broken?variant=b", "/c/webinar-nov/form#x"),
		"c.yaml":           withSteps("c", "https://www.example.com/c/nope", "/thanks", "/c/zzz"),
		"webinar-nov.yaml": campaignYAML("webinar-nov", ""),
		"broken.yaml":      strings.Replace(campaignYAML("broken", ""), "cta: Go", "ctaa: Go", 1),
	})
	_, err := LoadDir(dir)
	if !errors.Is(err, ErrInvalid) {
		t.Fatalf("err = %v", err)
	}
	p := func(name string) string { return filepath.Join(dir, name) }
	want := []string{
		p("a.yaml") + `:10: thank_you.next_steps[1].url: "/c/webinar-nvo" is the page of no campaign: there is no webinar-nvo.yaml in ` + dir + ` (did you mean "/c/webinar-nov"?)`,
		p("broken.yaml") + `:5: unknown field "ctaa" in variants[0] (did you mean "cta"?)`,
		p("broken.yaml") + `:5: variants[0]: missing cta`,
		p("c.yaml") + `:11: thank_you.next_steps[2].url: "/c/zzz" is the page of no campaign: there is no zzz.yaml in ` + dir + ` (campaigns: a, broken, c, webinar-nov)`,
	}
	if got := strings.Split(err.Error(), "\n"); !reflect.DeepEqual(got, want) {
		t.Errorf("got\n  %s\nwant\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
}
