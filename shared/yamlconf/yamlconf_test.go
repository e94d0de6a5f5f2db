package yamlconf

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"
)

var errTest = errors.New("invalid test config")

// walk parses src and reads it as {name: text, size: number, on: bool,
// every: duration, tags: [text], items: [{id: text}]} with name required.
func walk(t *testing.T, src string) (map[string]any, error) {
	t.Helper()
	p := &Parser{File: "t.yaml"}
	root, err := Decode([]byte(src))
	if err != nil {
		p.SyntaxError(err, []byte(src))
		return nil, p.Err(errTest)
	}
	got := map[string]any{}
	p.Object(root, root, "",
		Required("name", func(_, v *yaml.Node) { got["name"], _ = p.Str(v, "name") }),
		Optional("size", func(_, v *yaml.Node) { got["size"], _ = p.Number(v, "size") }),
		Optional("on", func(_, v *yaml.Node) { got["on"], _ = p.Boolean(v, "on") }),
		Optional("every", func(_, v *yaml.Node) { got["every"], _ = p.Duration(v, "every") }),
		Optional("tags", func(_, v *yaml.Node) { got["tags"], _ = p.Strs(v, "tags") }),
		Optional("items", func(_, v *yaml.Node) {
			var ids []string
			p.List(v, "items", func(item *yaml.Node, path string) {
				p.Object(nil, item, path, Required("id", func(_, v *yaml.Node) {
					s, _ := p.Str(v, path+".id")
					ids = append(ids, s)
				}))
			})
			got["items"] = ids
		}),
	)
	return got, p.Err(errTest)
}

func TestWalkReadsValues(t *testing.T) {
	got, err := walk(t, "name: ' x '\nsize: 1_000.5\non: yes\nevery: 14d\ntags: solo\nitems: [{id: a}, {id: b}]\n")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"name": "x", "size": 1000.5, "on": true, "every": 14 * 24 * time.Hour,
		"tags": []string{"solo"}, "items": []string{"a", "b"}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("got %v\nwant %v", got, want)
	}
	if _, err := walk(t, "name: &n x\ntags: [*n, y]\n"); err != nil {
		t.Errorf("aliases: %v", err)
	}
}

func TestWalkProblems(t *testing.T) {
	tests := []struct{ src, want string }{
		{"nme: x\n", `t.yaml:1: unknown field "nme" (did you mean "name"?)`},
		{"name: x\nzzz: 1\n", `t.yaml:2: unknown field "zzz" (fields: name, size, on, every, tags, items)`},
		{"size: 1\n", "t.yaml:1: missing name"},
		{"name: x\nname: y\n", `t.yaml:2: duplicate field "name" (first at line 1)`},
		{"name: [x]\n", "t.yaml:1: name: expected a single value, got a list"},
		{"name: x\nsize: big\n", `t.yaml:2: size: expected a number, got "big"`},
		{"name: x\nsize: .inf\n", `t.yaml:2: size: expected a number, got ".inf"`},
		{"name: x\non: maybe\n", `t.yaml:2: on: expected true or false, got "maybe"`},
		{"name: x\nevery: 2 weeks\n", `t.yaml:2: every: bad duration "2 weeks" (use hours or minutes such as 336h or 90m, or days such as 14d)`},
		{"name: x\nevery: -1h\n", `t.yaml:2: every: duration must be positive, got "-1h"`},
		{"name: x\ntags: [a, '']\n", "t.yaml:2: tags[1]: empty value"},
		{"name: x\nitems: {id: a}\n", "t.yaml:2: items: expected a list (lines starting with -), got a mapping"},
		{"name: x\nitems:\n  - {}\n", "t.yaml:3: items[0]: missing id"},
		{"name: x\n? [a]\n: 1\n", "t.yaml:2: keys must be plain names, got a list"},
		{"- a\n", "t.yaml:1: expected a mapping of fields, got a list"},
		{"name: x\nsize: {a: 1\n", "t.yaml:2: YAML syntax: did not find expected ',' or '}'"},
		{"name: *nope\n", `t.yaml:1: YAML syntax: unknown anchor "nope" referenced`},
		{"a: b: c\n", "t.yaml:1: YAML syntax: mapping values are not allowed in this context"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			_, err := walk(t, tt.src)
			if err == nil || !strings.Contains(err.Error()+"\n", tt.want+"\n") {
				t.Errorf("got %v\nwant a line %q", err, tt.want)
			}
			if !errors.Is(err, errTest) {
				t.Errorf("error does not wrap its kind")
			}
		})
	}
}

func TestConfigErrorOrderAndCap(t *testing.T) {
	p := &Parser{File: "f"}
	if p.Err(errTest) != nil {
		t.Fatal("no problems is no error")
	}
	for i := MaxProblems + 5; i > 0; i-- {
		p.Errf(&yaml.Node{Line: i}, "problem %d", i)
	}
	p.Errf(nil, "no line")
	err := p.Err(errTest)
	var ce *ConfigError
	if !errors.As(err, &ce) || len(ce.Problems) != MaxProblems+1 {
		t.Fatalf("got %v", err)
	}
	lines := strings.Split(err.Error(), "\n")
	if lines[0] != "f: no line" || lines[1] != "f:1: problem 1" || lines[len(lines)-1] != "f:100: … and 6 more problems" {
		t.Errorf("lines: %q … %q", lines[:2], lines[len(lines)-1])
	}
}

func TestSuggest(t *testing.T) {
	names := []string{"grades", "rules", "sla"}
	for got, want := range map[string]string{"gradse": "grades", "Rules": "rules", "slaa": "sla", "xyz": "", "": "", strings.Repeat("a", 70): ""} {
		if s := Suggest(got, names); s != want {
			t.Errorf("Suggest(%q) = %q, want %q", got, s, want)
		}
	}
}

func TestFormatDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{5 * time.Minute: "5m", 168 * time.Hour: "168h", 90 * time.Minute: "1h30m", 90 * time.Second: "1m30s"} {
		if got := FormatDuration(d); got != want {
			t.Errorf("FormatDuration(%v) = %q, want %q", d, got, want)
		}
	}
}

func TestQuoteShortens(t *testing.T) {
	if got := Quote(strings.Repeat("é", 40)); got != `"`+strings.Repeat("é", 30)+`…"` {
		t.Errorf("Quote = %s", got)
	}
}

func TestFileStem(t *testing.T) {
	for name, want := range map[string]string{
		"q4-demo.yaml": "q4-demo", "dir/won.yml": "won", ".yaml": "", "README.md": "", "q4.yaml.bak": "",
		// Windows and macOS editors save upper-case extensions too: such a
		// file was left out of the folder without a word.
		"spring.YAML": "spring", "spring.Yml": "spring", ".YML": "",
	} {
		got, ok := FileStem(name)
		if got != want || ok != (want != "") {
			t.Errorf("FileStem(%q) = %q, %v; want %q", name, got, ok, want)
		}
	}
}

// TestWalkRefusesSecondDocument: a file holds one config; a second
// document after "---" (a campaign pasted below another, a merge
// leftover) would otherwise be ignored without a word.
func TestWalkRefusesSecondDocument(t *testing.T) {
	tests := []struct{ src, want string }{
		{"name: x\n---\nname: y\nsize: 2\n", "t.yaml:2: YAML syntax: a second document (---) starts here; a config file holds one (put each campaign or segment in its own file)"},
		{"---\nname: x\n...\n---\nname: y\n", "t.yaml:4: YAML syntax: a second document (---) starts here; a config file holds one (put each campaign or segment in its own file)"},
		{"name: x\n---\nname: y\n---\nname: z\n", "t.yaml:2: YAML syntax: a second document (---) starts here; a config file holds one (put each campaign or segment in its own file)"},
	}
	for _, tt := range tests {
		_, err := walk(t, tt.src)
		if err == nil || !strings.Contains(err.Error()+"\n", tt.want+"\n") {
			t.Errorf("%q: got %v\nwant a line %q", tt.src, err, tt.want)
		}
	}
	// An empty document after the first (a stray --- at the end, a
	// campaign commented out below one) holds nothing to lose.
	for _, src := range []string{"---\nname: x\n", "name: x\n...\n", "# only\n---\nname: x\n", "name: x\n---\n", "name: x\n---\n# name: y\n"} {
		if _, err := walk(t, src); err != nil {
			t.Errorf("%q: one document: %v", src, err)
		}
	}
}

// TestTabErrorNamesTheTabLine: the YAML library reports a tab that breaks
// indentation at the line of the value it was scanning — the line above —
// so a marketer looked for the tab in the wrong place.
func TestTabErrorNamesTheTabLine(t *testing.T) {
	const msg = "YAML syntax: found a tab character that violates indentation"
	tests := []struct{ src, want string }{
		{"name: x\nsize: 1\n\ton: yes\n", "t.yaml:3: " + msg},
		{"name: x\nitems:\n  - id: a\n\tid: b\n", "t.yaml:4: " + msg},
		{"name: x\nitems:\n  - id: a\n\n  \t\n", "t.yaml:5: " + msg},
		{"name: x\n\tsize: 1\n", "t.yaml:2: " + msg},
	}
	for _, tt := range tests {
		_, err := walk(t, tt.src)
		if err == nil || err.Error() != tt.want {
			t.Errorf("%q: got %v\nwant %q", tt.src, err, tt.want)
		}
	}
}

// TestEncodingErrorsNameTheirLine: a file saved as Windows-1252 (an é as
// the single byte 0xE9) or holding a stray control character was reported
// at line 1 with the YAML reader's words ("invalid trailing UTF-8 octet"),
// whatever line the byte was on.
func TestEncodingErrorsNameTheirLine(t *testing.T) {
	const notUTF8 = "YAML syntax: not UTF-8 text (was the file saved as Windows-1252 or Latin-1? save it as UTF-8)"
	tests := []struct{ src, want string }{
		{"name: x\ntags: [a]\nitems: [{id: caf\xe9}]\n", "t.yaml:3: " + notUTF8},
		{"name: Voil\xe0\n", "t.yaml:1: " + notUTF8},
		{"name: x\n\ntags: [\xe9t\xe9]\n", "t.yaml:3: " + notUTF8},
		{"name: x\ntags: [a\x01]\n", "t.yaml:2: YAML syntax: control character U+0001 (use plain text)"},
	}
	for _, tt := range tests {
		_, err := walk(t, tt.src)
		if err == nil || err.Error() != tt.want {
			t.Errorf("%q: got %v\nwant %q", tt.src, err, tt.want)
		}
	}
}

// TestFilesSkipHiddenFiles: what editors and file systems leave beside a
// config file — macOS's "._q4.yaml" (the resource fork of a file copied
// from a Mac, binary), an editor's ".#q4.yaml" lock link, a ".q4.yaml"
// swap file — is not marketing's config: read as one, it stopped every
// function at start with a syntax error about a file nobody wrote.
func TestFilesSkipHiddenFiles(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"q4.yaml", "won.YML", "._q4.yaml", ".q4.yaml", "README.md"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("\x00\x05\x16\x07"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink("ann@host.1234:1700000000", filepath.Join(dir, ".#q4.yaml")); err != nil {
		t.Fatal(err)
	}
	got, err := Files(dir)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"q4.yaml", "won.YML"}; !slices.Equal(got, want) {
		t.Errorf("Files = %q, want %q", got, want)
	}
}
