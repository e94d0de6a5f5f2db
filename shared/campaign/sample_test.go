package campaign

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

// go test ./shared/campaign -update writes the example campaigns' pages and
// a snippet pasted into a plain page to testdata/, to look at (e.g. as a
// headless-browser screenshot).
var update = flag.Bool("update", false, "write the example pages to testdata/")

func TestWriteSamplePages(t *testing.T) {
	if !*update {
		t.Skip("run with -update to write testdata/*.html")
	}
	set, err := LoadDir(examplesDir)
	if err != nil {
		t.Fatal(err)
	}
	write := func(name string, b []byte) {
		t.Helper()
		if err := os.WriteFile(filepath.Join("testdata", name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.MkdirAll("testdata", 0o755); err != nil {
		t.Fatal(err)
	}
	for _, c := range set.All() {
		for _, v := range c.Variants {
			var b bytes.Buffer
			if err := c.RenderPage(&b, samplePageData(v)); err != nil {
				t.Fatal(err)
			}
			write(c.ID+"-"+v.ID+".html", b.Bytes())
		}
	}
	q4, _ := set.Get("q4-demo")
	paused := *q4
	paused.Status = Paused
	var b bytes.Buffer
	if err := paused.RenderPage(&b, samplePageData(Variant{})); err != nil {
		t.Fatal(err)
	}
	write("paused.html", b.Bytes())
	host := `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Snippet on a host page</title></head>
<body style="font-family:Georgia,serif;max-width:40rem;margin:2rem auto;padding:0 1rem">
<h1>Our blog post</h1><p>Some text of the site the snippet is pasted into.</p>
` + q4.Snippet("https://api.example.com/") + `</body></html>`
	write("snippet.html", []byte(host))
}

const examplesDir = "../../config/campaigns"

func samplePageData(v Variant) PageData {
	return PageData{
		Action:      "https://api.example.com/leads",
		LandingPage: "https://go.example.com/c/q4-demo?utm_source=linkedin",
		Referrer:    "https://www.linkedin.com/",
		UTM:         map[string]string{"utm_source": "linkedin", "utm_medium": "paid_social", "utm_campaign": "q4-demo"},
		Idem:        "0f6c2b1e9a4d4b7c8e2f1a3b5c7d9e0f",
		Variant:     v,
	}
}
