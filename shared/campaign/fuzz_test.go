package campaign

import (
	"bytes"
	"os"
	"strings"
	"testing"
)

// FuzzParse feeds Parse arbitrary bytes: it must never panic, every
// problem must name the file, and for a campaign it accepts, every
// variant's page and snippet must render, hold no markup from the config,
// and post only what the capture API accepts.
func FuzzParse(f *testing.F) {
	f.Add([]byte(full))
	f.Add([]byte(everything))
	f.Add([]byte(choices))
	for _, name := range []string{"q4-demo.yaml", "webinar-nov.yaml"} {
		if b, err := os.ReadFile(examplesDir + "/" + name); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte(strings.Replace(full, "status: live", "status: paused", 1)))
	f.Add([]byte(strings.Replace(full, `"1000+"]`, `"1000+", "<script>x</script>"]`, 1)))
	f.Add([]byte(strings.Replace(full, "weight: 50", "weight: 0", 1)))
	f.Add([]byte(strings.Replace(full, "choices: [Salesforce", "choices: [\"\\u2028\", Salesforce", 1)))
	f.Add([]byte(""))
	f.Add([]byte("version: 1\nvariants: *a\n"))
	f.Add([]byte("a: &a [*a]\nversion: *a\n"))
	f.Add([]byte("- [\n\t"))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, name := range []string{"q4-demo.yaml", ""} {
			_, err := Parse(data, name)
			if err == nil {
				continue
			}
			prefix := name
			if prefix == "" {
				prefix = "campaign.yaml"
			}
			for _, line := range strings.Split(err.Error(), "\n") {
				if !strings.HasPrefix(line, prefix+":") {
					t.Fatalf("problem without file: %q", line)
				}
			}
		}
		c, err := Parse(data, "")
		if err != nil {
			return
		}
		if len(c.Variants) == 0 || c.Form.Fields[0].Name != "email" || !c.Form.Fields[0].Required {
			t.Fatalf("accepted a campaign without variants or email: %+v", c)
		}
		for _, v := range c.Variants {
			var b bytes.Buffer
			p := samplePageData(v)
			if err := c.RenderPage(&b, p); err != nil {
				t.Fatalf("render %s: %v", v.ID, err)
			}
			snip, err := c.VariantSnippet("https://api.example.com", v.ID)
			if err != nil {
				t.Fatal(err)
			}
			for _, doc := range []string{b.String(), snip} {
				if strings.Contains(strings.ToLower(doc), "<script") {
					t.Fatalf("markup from the config in the page:\n%s", doc)
				}
			}
			if c.Status == Paused {
				if strings.Contains(b.String(), "<form") {
					t.Fatal("paused page has a form")
				}
			} else {
				checkForm(t, c, b.String(), p.Action, nil)
			}
			checkForm(t, c, snip, "https://api.example.com/leads", nil)
		}
	})
}
