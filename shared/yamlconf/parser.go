package yamlconf

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// Parser collects the problems of one file while a config package walks
// its nodes. The zero value is not useful: set File.
type Parser struct {
	File  string
	probs []Problem
}

// MaxProblems bounds the report for a file that is not a config at all.
const MaxProblems = 100

// Errf records a problem at a node's line (0 when at is nil).
func (p *Parser) Errf(at *yaml.Node, format string, args ...any) {
	line := 0
	if at != nil {
		line = at.Line
	}
	p.probs = append(p.probs, Problem{File: p.File, Line: line, Msg: fmt.Sprintf(format, args...)})
}

// Count is the number of problems so far, so a caller can tell whether
// walking one part of a file found any.
func (p *Parser) Count() int { return len(p.probs) }

// Err is the collected problems in file order as a *ConfigError wrapping
// kind, or nil when there are none.
func (p *Parser) Err(kind error) error {
	if len(p.probs) == 0 {
		return nil
	}
	sort.SliceStable(p.probs, func(i, j int) bool { return p.probs[i].Line < p.probs[j].Line })
	if len(p.probs) > MaxProblems {
		more := len(p.probs) - MaxProblems
		p.probs = append(p.probs[:MaxProblems], Problem{File: p.File, Line: p.probs[MaxProblems].Line,
			Msg: fmt.Sprintf("… and %d more problems", more)})
	}
	return &ConfigError{Problems: p.probs, Kind: kind}
}

var (
	yamlLineRe   = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)
	yamlAnchorRe = regexp.MustCompile(`^yaml: unknown anchor '(.*)' referenced$`)
)

// yamlParserErrors are the YAML library's parser (not scanner) errors: it
// reports their line zero-based, one too low.
var yamlParserErrors = []string{
	"did not find expected key",
	"did not find expected ',' or",
	"did not find expected '-' indicator",
	"did not find expected node content",
	"did not find expected <document start>",
}

// SyntaxError records an error of Decode as a problem with its line.
func (p *Parser) SyntaxError(err error, data []byte) {
	msg := err.Error()
	line := 1 // the library leaves out the line when it is the first
	if m := yamlLineRe.FindStringSubmatch(msg); m != nil {
		line, _ = strconv.Atoi(m[1])
		msg = m[2]
		for _, pe := range yamlParserErrors {
			if strings.HasPrefix(msg, pe) {
				line++
				break
			}
		}
		if strings.HasPrefix(msg, "found a tab character that violates indentation") {
			line = tabLine(data, line)
		}
	} else if strings.Contains(msg, "UTF-8") || strings.Contains(msg, "Unicode character") {
		// The reader's errors carry no line.
		line, msg = badByteLine(data), "not UTF-8 text (was the file saved as Windows-1252 or Latin-1? save it as UTF-8)"
	} else if strings.HasSuffix(msg, "control characters are not allowed") {
		var r rune
		line, r = controlLine(data)
		msg = fmt.Sprintf("control character %U (use plain text)", r)
	} else if m := yamlAnchorRe.FindStringSubmatch(msg); m != nil {
		line = 0
		if i := bytes.Index(data, []byte("*"+m[1])); i >= 0 {
			line = bytes.Count(data[:i], []byte("\n")) + 1
		}
		msg = "unknown anchor " + Quote(m[1]) + " referenced"
	}
	msg = strings.TrimPrefix(msg, "yaml: ")
	p.probs = append(p.probs, Problem{File: p.File, Line: line, Msg: "YAML syntax: " + msg})
}

// badByteLine is the line of the first byte that is not UTF-8.
func badByteLine(data []byte) int {
	for i := 0; i < len(data); {
		r, size := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && size <= 1 {
			return bytes.Count(data[:i], []byte("\n")) + 1
		}
		i += size
	}
	return 1
}

// controlLine is the line and rune of the first character YAML does not
// allow in a file (control characters other than tab and line breaks).
func controlLine(data []byte) (int, rune) {
	line := 1
	for _, r := range string(data) {
		switch {
		case r == '\n':
			line++
		case r == '\t' || r == '\r' || r == 0x85 || r == utf8.RuneError:
		case r < 0x20 || r >= 0x7F && r < 0xA0 || r >= 0xD800 && r < 0xE000 || r == 0xFFFE || r == 0xFFFF:
			return line, r
		}
	}
	return 1, 0
}

// tabLine is the line of the first tab in leading whitespace at or after
// line from: the library reports a tab that breaks indentation at the
// line of the value it was scanning, which may be lines above.
func tabLine(data []byte, from int) int {
	for i, l := range bytes.Split(data, []byte("\n")) {
		if i+1 < from {
			continue
		}
		indent := l[:len(l)-len(bytes.TrimLeft(l, " \t"))]
		if bytes.IndexByte(indent, '\t') >= 0 {
			return i + 1
		}
	}
	return from
}

// Decode reads the document's root node, nil for an empty file. A config
// file holds one document: a second one after "---" is an error at its
// line, never ignored. The YAML library is third-party code: a panic in it
// becomes an error, so a Parse built on Decode never panics.
func Decode(data []byte) (root *yaml.Node, err error) {
	defer func() {
		if r := recover(); r != nil {
			root, err = nil, fmt.Errorf("yaml: %v", r)
		}
	}()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, nil
		}
		return nil, err
	}
	for {
		var next yaml.Node
		err := dec.Decode(&next)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		// An empty one (a stray --- at the end, a commented-out
		// campaign) holds nothing to lose.
		if len(next.Content) > 0 && !IsNull(next.Content[0]) {
			return nil, fmt.Errorf("yaml: line %d: %s", next.Line, secondDocument)
		}
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
		return nil, nil
	}
	return doc.Content[0], nil
}

const secondDocument = "a second document (---) starts here; a config file holds one (put each campaign or segment in its own file)"
