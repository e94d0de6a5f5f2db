package capture

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/leadflow/leadflow/shared/httpapi"
	"github.com/leadflow/leadflow/shared/lead"
)

// TestDecodeJSONRefusesBrokenText: encoding/json would turn these into
// U+FFFD and store them; the decoder names each field instead and leaves
// it out (so no second "is required" for it either).
func TestDecodeJSONRefusesBrokenText(t *testing.T) {
	const (
		notUTF8 = "is not valid UTF-8"
		half    = "holds half of a UTF-16 surrogate pair (\\u%04x) without the other half"
	)
	tests := []struct {
		name string
		body string
		want []lead.FieldError
		kept map[string]string // fields still decoded
	}{
		{"clean text and escapes", `{"email":"a@b.example","name":"Zo\u00eb \ud83d\ude00 \"q\" \\ud800"}`, nil,
			map[string]string{"email": "a@b.example", "name": "Zoë 😀 \"q\" \\ud800"}},
		{"invalid byte in a value", "{\"email\":\"a@b.example\",\"name\":\"Ann\xff\"}", []lead.FieldError{{Field: "name", Reason: notUTF8}},
			map[string]string{"email": "a@b.example"}},
		{"encoded surrogate bytes", "{\"name\":\"\xed\xa0\x80\",\"email\":\"a@b.example\"}", []lead.FieldError{{Field: "name", Reason: notUTF8}},
			map[string]string{"email": "a@b.example"}},
		{"truncated sequence", "{\"company\":\"Acme \xe2\x82\"}", []lead.FieldError{{Field: "company", Reason: notUTF8}}, map[string]string{}},
		{"lone high surrogate", `{"email":"a\ud800@b.example"}`, []lead.FieldError{{Field: "email", Reason: fmt.Sprintf(half, 0xd800)}}, map[string]string{}},
		{"lone low surrogate", `{"name":"x\udc00y","email":"a@b.example"}`, []lead.FieldError{{Field: "name", Reason: fmt.Sprintf(half, 0xdc00)}},
			map[string]string{"email": "a@b.example"}},
		{"high surrogate then a non-surrogate escape", `{"name":"\uD83D\u0041"}`, []lead.FieldError{{Field: "name", Reason: fmt.Sprintf(half, 0xd83d)}}, map[string]string{}},
		{"two highs", `{"name":"\ud83d\ud83d"}`, []lead.FieldError{{Field: "name", Reason: fmt.Sprintf(half, 0xd83d)}}, map[string]string{}},
		{"surrogate at the end", `{"name":"abc\ud83d"}`, []lead.FieldError{{Field: "name", Reason: fmt.Sprintf(half, 0xd83d)}}, map[string]string{}},
		{"in a key", `{"na\ud800me":"Ann","email":"a@b.example"}`, []lead.FieldError{{Field: "na\ufffdme", Reason: "its name " + fmt.Sprintf(half, 0xd800)}},
			map[string]string{"email": "a@b.example"}},
		{"invalid byte in a key", "{\"n\xffame\":\"Ann\"}", []lead.FieldError{{Field: "n\ufffdame", Reason: "its name " + notUTF8}}, map[string]string{}},
		{"in an answer", `{"email":"a@b.example","answers":{"crm":"Hub\udfffSpot","tool":"ok"}}`, []lead.FieldError{{Field: "answers.crm", Reason: fmt.Sprintf(half, 0xdfff)}},
			map[string]string{"email": "a@b.example"}},
		{"in an answer's key", "{\"answers\":{\"c\xc0rm\":\"x\"}}", []lead.FieldError{{Field: "answers.c\ufffdrm", Reason: "its name " + notUTF8}}, map[string]string{}},
		{"in the honeypot", `{"fax":"\udbff"}`, []lead.FieldError{{Field: "fax", Reason: fmt.Sprintf(half, 0xdbff)}}, map[string]string{}},
		{"twice in one field is named once", `{"name":"\ud800","name":"\udc00"}`, []lead.FieldError{{Field: "name", Reason: fmt.Sprintf(half, 0xd800)}}, map[string]string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := decodeJSON([]byte(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(d.problems) != fmt.Sprint(tt.want) {
				t.Fatalf("problems = %q, want %q", d.problems, tt.want)
			}
			if fmt.Sprint(d.input.Fields) != fmt.Sprint(tt.kept) {
				t.Fatalf("fields = %q, want %q", d.input.Fields, tt.kept)
			}
			if tt.name == "in an answer" && (d.input.Answers["tool"] != "ok" || len(d.input.Answers) != 1) {
				t.Fatalf("answers = %q, want only tool", d.input.Answers)
			}
		})
	}
}

// TestDecodeJSONRefusesDeepNesting: a lead is one object and its answers
// one more; a body nested thousands deep (60 KB of `{"a":`) cost seconds
// of CPU to take apart (every string's path walked the whole stack), so
// one request could hold the function until its timeout. It is refused
// before it is taken apart, while the shallow mistakes are still named
// field by field.
func TestDecodeJSONRefusesDeepNesting(t *testing.T) {
	deep := func(n int, open, close string) string {
		return `{"email":"a@b.example","x":` + strings.Repeat(open, n) + `1` + strings.Repeat(close, n) + `}`
	}
	for _, tt := range []struct {
		name, body string
		refused    bool
	}{
		{"objects thousands deep", deep(9999, `{"a":`, `}`), true},
		{"arrays thousands deep", deep(9999, `[`, `]`), true},
		{"just past the limit", deep(MaxJSONDepth, `[`, `]`), true},
		{"at the limit", deep(MaxJSONDepth-1, `[`, `]`), false},
		{"brackets inside strings do not count", `{"email":"a@b.example","message":"` + strings.Repeat(`{[`, 5000) + `"}`, false},
		{"escaped quotes do not end a string", `{"email":"a@b.example","message":"\"` + strings.Repeat(`[`, 100) + `"}`, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := decodeJSON([]byte(tt.body))
			if tt.refused {
				if !errors.Is(err, httpapi.ErrBadRequest) || !strings.Contains(err.Error(), "deep") {
					t.Fatalf("err = %v, want a bad request saying the body nests too deep", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("err = %v, want the body decoded", err)
			}
		})
	}
}

// TestDecodeRefusesFieldFloods: a lead has 25 fields, 30 answers and two
// transport fields, so a body naming more than MaxFieldNames is refused
// as a whole. Before, each of 8000 made-up names (60 KB of "&f1=&f2=…")
// was refused on its own: a 400 KB answer, a 300 KB log line and a
// quadratic search for duplicates among the problems.
func TestDecodeRefusesFieldFloods(t *testing.T) {
	form := func(n int, name string) string {
		var b strings.Builder
		b.WriteString("email=a%40b.example")
		for i := 1; i < n; i++ {
			fmt.Fprintf(&b, "&"+name+"=x", i)
		}
		return b.String()
	}
	object := func(n int) string {
		var b strings.Builder
		b.WriteString(`"k0":"x"`)
		for i := 1; i < n; i++ {
			fmt.Fprintf(&b, `,"k%d":"x"`, i)
		}
		return "{" + b.String() + "}"
	}
	for _, tt := range []struct {
		name, body    string
		json, refused bool
	}{
		{"a form of thousands of names", form(8000, "f%d"), false, true},
		{"a form of thousands of answers", form(8000, "answers[k%d]"), false, true},
		{"a form one name past the limit", form(MaxFieldNames+1, "f%d"), false, true},
		{"a form at the limit", form(MaxFieldNames, "f%d"), false, false},
		{"a JSON body of thousands of names", object(8000), true, true},
		{"JSON answers of thousands of keys", `{"email":"a@b.example","answers":` + object(8000) + `}`, true, true},
		{"JSON names and answers together past the limit", strings.TrimSuffix(object(40), "}") + `,"answers":` + object(40) + `}`, true, true},
		{"JSON at the limit", strings.TrimSuffix(object(MaxFieldNames-31), "}") + `,"answers":` + object(30) + `}`, true, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var err error
			if tt.json {
				_, err = decodeJSON([]byte(tt.body))
			} else {
				_, err = decodeForm([]byte(tt.body))
			}
			if tt.refused {
				if !errors.Is(err, httpapi.ErrBadRequest) || !strings.Contains(err.Error(), "fields") {
					t.Fatalf("err = %v, want a bad request saying the body has too many fields", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("err = %v, want the body decoded", err)
			}
		})
	}
}
