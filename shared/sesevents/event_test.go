package sesevents

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func sample(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "events", name))
	if err != nil {
		t.Fatal(err)
	}
	var env struct{ Detail json.RawMessage }
	if err := json.Unmarshal(b, &env); err != nil {
		t.Fatal(err)
	}
	return env.Detail
}

func TestParseSamples(t *testing.T) {
	tests := []struct {
		file, typ, recipient string
	}{
		{"ses-bounce-permanent.json", TypeBounce, "maria.schmidt@acme-industrial.example"},
		{"ses-bounce-transient.json", TypeBounce, "maria.schmidt@acme-industrial.example"},
		{"ses-complaint.json", TypeComplaint, "maria.schmidt@acme-industrial.example"},
		{"ses-delivery.json", TypeDelivery, "maria.schmidt@acme-industrial.example"},
		{"ses-send.json", TypeSend, "maria.schmidt@acme-industrial.example"},
	}
	for _, tt := range tests {
		ev, err := Parse(sample(t, tt.file))
		if err != nil {
			t.Fatalf("%s: %v", tt.file, err)
		}
		if ev.EventType != tt.typ || len(ev.Recipients()) != 1 || ev.Recipients()[0] != tt.recipient || ev.Mail.Tag(TagLead) == "" {
			t.Errorf("%s: %+v recipients %v", tt.file, ev.EventType, ev.Recipients())
		}
	}
}

func TestParseRefusesMalformed(t *testing.T) {
	for name, detail := range map[string]string{
		"not json":             `{"eventType":`,
		"no message id":        `{"eventType":"Bounce","mail":{},"bounce":{"bouncedRecipients":[{"emailAddress":"a@b.example"}]}}`,
		"bounce no recipients": `{"eventType":"Bounce","mail":{"messageId":"m"},"bounce":{"bounceType":"Permanent"}}`,
		"complaint no body":    `{"eventType":"Complaint","mail":{"messageId":"m"}}`,
		"array":                `[]`,
	} {
		if _, err := Parse([]byte(detail)); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: err = %v, want ErrMalformed", name, err)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, name := range []string{"ses-bounce-permanent.json", "ses-complaint.json", "ses-delivery.json"} {
		f.Add(sample(f, name))
	}
	f.Add([]byte(`{"eventType":"Bounce","mail":{"messageId":"x","tags":{"lead":[]}},"bounce":{"bouncedRecipients":[{}]}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		ev, err := Parse(b)
		if err == nil {
			_ = ev.Recipients()
			_ = ev.Mail.Tag(TagLead)
		}
	})
}
