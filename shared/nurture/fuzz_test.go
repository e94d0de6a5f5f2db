package nurture

import (
	"strings"
	"testing"
	"time"

	"github.com/leadflow/leadflow/shared/lead"
)

// FuzzParse feeds Parse arbitrary bytes: it must never panic, every
// problem must name the file, and a config it accepts must enrol, plan,
// apply and render for a lead without panicking, and bring every sequence
// to an end.
func FuzzParse(f *testing.F) {
	f.Add(defaultYAML)
	f.Add([]byte(full))
	f.Add([]byte(withSequence("{id: a, send: welcome}")))
	f.Add([]byte(withSequence("{id: a, branch: {if: {score_at_least: 1e308}, then: b}}", "{id: b, send: welcome}")))
	f.Add([]byte(""))
	f.Add([]byte("version: 1\nsequences: *a\n"))
	f.Add([]byte("a: &a [*a]\nversion: *a\n"))
	f.Add([]byte(strings.Replace(full, "then: fast-track", "then: welcome", 1)))
	f.Add([]byte(strings.Replace(full, `"09:00"`, `"24:00"`, 1)))
	f.Add([]byte(strings.Replace(full, "{{.FirstName}},</p>", "{{.FirstName}</p>", 1)))
	f.Add([]byte(strings.Replace(full, "{{.FirstName}},</p>", `<a href="{{.Name}}">`, 1)))
	f.Add([]byte(strings.Replace(full, "Europe/Berlin", "../../etc/passwd", 1)))
	f.Add([]byte("- [\n\t"))
	start := time.Date(2026, 3, 27, 16, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse(data, "fuzz.yaml")
		if err != nil {
			for _, line := range strings.Split(err.Error(), "\n") {
				if !strings.HasPrefix(line, "fuzz.yaml") {
					t.Fatalf("problem without file: %q", line)
				}
			}
			return
		}
		c.Summary()
		c.Outline()
		for _, id := range c.Templates() {
			if _, err := c.Render(id, lead.Lead{Submission: lead.Submission{Name: "<b>x</b>\r\n"}}, "https://x.example/u"); err != nil {
				t.Fatalf("template %s: %v", id, err)
			}
		}
		for _, temp := range []string{"cold", "warm", "hot", ""} {
			l := newLead(temp, "A")
			l.AddSignal(lead.Signal{Kind: "email_click", At: start.Add(48 * time.Hour)})
			if c.Enrol(&l, start) == "" {
				continue
			}
			now := start
			for i := 0; ; i++ {
				if i > 200 {
					t.Fatalf("sequence %s did not end: %+v", l.Nurture.Sequence, l.Nurture)
				}
				p := c.Plan(l, now)
				if p.Kind == KindLater && !p.At.After(now) {
					t.Fatalf("later plan not in the future: %+v at %s", p, now)
				}
				c.Apply(&l, p, now, "m")
				if l.Nurture.NextAt.IsZero() {
					break
				}
				now = l.Nurture.NextAt
			}
		}
	})
}
