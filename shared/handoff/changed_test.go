package handoff

import (
	"strings"
	"testing"
	"time"

	"github.com/leadflow/leadflow/shared/lead"
	"github.com/leadflow/leadflow/shared/mail"
)

func TestAlertShowsWhatLaterFormsChanged(t *testing.T) {
	t0 := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	first := lead.New("L1", lead.Submission{Email: "ann@acme.example", Name: "Ann", Company: "Acme", Source: lead.Attribution{At: t0}})
	tests := []struct {
		name string
		sub  lead.Submission
		want []mail.KV
	}{
		{"nothing new", lead.Submission{Email: "ann@acme.example", Company: "Acme"}, nil},
		{"company and phone", lead.Submission{Email: "ann@acme.example", Company: "Evil <b>Corp</b>", Phone: "+1 555 0100"},
			[]mail.KV{{Key: "Company", Value: "Acme → Evil <b>Corp</b>"}, {Key: "Phone", Value: "(not given) → +1 555 0100"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.sub.Source.At = t0.Add(time.Hour)
			l := lead.Merge(first, tt.sub)
			got := Changed(&l)
			if len(got) != len(tt.want) {
				t.Fatalf("changed = %+v, want %+v", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Fatalf("changed = %+v, want %+v", got, tt.want)
				}
			}
		})
	}
	l := lead.Merge(first, lead.Submission{Email: "ann@acme.example", Company: "Evil <b>Corp</b>", Source: lead.Attribution{At: t0}})
	_, html, text, err := mail.RenderAlert(mail.Alert{Name: l.Name, Email: l.Email, Changed: Changed(&l), AcceptURL: "https://x.example/feedback/t"})
	if err != nil {
		t.Fatal(err)
	}
	if want := "Company: Acme → Evil <b>Corp</b>"; !strings.Contains(text, want) || !strings.Contains(html, "Evil &lt;b&gt;Corp&lt;/b&gt;") {
		t.Fatalf("alert lacks the change (or does not escape it):\n%s\n%s", text, html)
	}
}
