package report

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestHTMLSegmentsTable(t *testing.T) {
	n := func(v int) *int { return &v }
	r := knownReport()
	r.Segments = []SegmentRow{
		{ID: "won-customers", Description: "Customers <b>won</b>", Matching: n(1234), Exportable: n(987),
			CountedAt: time.Date(2026, 11, 23, 6, 0, 0, 0, time.UTC), Export: "segments/won-customers/2026-11-23.csv"},
		{ID: "not-a-fit", Description: "Disqualified"},
	}
	var b bytes.Buffer
	if err := r.HTML(&b); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	i := strings.Index(page, `<section id="segments"`)
	if i < 0 {
		t.Fatalf("no segments section:\n%s", page)
	}
	sec := page[i:]
	sec = sec[:strings.Index(sec, "</section>")]
	for _, want := range []string{
		`<th scope="row">won-customers</th>`, `<td class="who">Customers &lt;b&gt;won&lt;/b&gt;</td>`,
		`<td>1,234</td>`, `<td>987</td>`, `<td>2026-11-23<small>segments/won-customers/2026-11-23.csv</small></td>`,
		`<th scope="row">not-a-fit</th>`, `<span class="wait">not exported yet</span>`,
	} {
		if !strings.Contains(sec, want) {
			t.Errorf("segments section lacks %q:\n%s", want, sec)
		}
	}
	if !strings.Contains(page, `<a href="#segments">Retargeting segments</a>`) {
		t.Error("no link to the segments section")
	}

	r.Segments = nil
	b.Reset()
	if err := r.HTML(&b); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "No segment files in config/segments.") {
		t.Error("no segments: the section says so")
	}
}
