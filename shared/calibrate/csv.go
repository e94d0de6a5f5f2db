package calibrate

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/leadflow/leadflow/shared/yamlconf"
)

// Dataset is the labelled leads a model learns from, with what reading
// them found: skipped rows, how outcome values were read, data quality.
type Dataset struct {
	Name     string // the file (or source) name, for messages
	Rows     int    // data records read, skipped ones included
	Examples []Example
	Skipped  []Skip
	Fields   []FieldSpec
	Signals  []string
	// Columns of the CSV by role; empty for other sources.
	OutcomeColumn string
	Excluded      []string
	// ExcludedMissing are excluded columns the file does not have.
	ExcludedMissing []string
	Unused          []string // in the header, but neither mapped nor excluded
	// Outcomes are the outcome values seen and how each was read.
	Outcomes []OutcomeValue
	// Quality is what cleaning did, per mapped column, in mapping order.
	Quality []ColumnQuality
	// Keep are columns (or field names) the mapping keeps whatever the
	// screening finds: known when a lead arrives, however they look.
	Keep []string
	// ValueColumn is the column of deal values (outcome.value), if any;
	// HasValue says some example has a value.
	ValueColumn string
	HasValue    bool
	// FromForms: every field was captured from the lead's own forms when
	// it arrived (stored leads), so none can have been filled in after the
	// outcome: screening reports how well each predicts, but flags none.
	FromForms bool
	// Arrival: every CSV lead counts one form submission signal
	// (form:<form_type>, else form:contact), as capture records one for
	// every new lead.
	Arrival bool
	// NotUTF8 counts the cells (header included) that were not UTF-8 and
	// were read as Windows-1252.
	NotUTF8 int
	// DotThousands are the number columns (deal value included) written
	// the German or French way, "30.000" and "1.234,5": read as 30000 and
	// 1234.5, as the CRM stored them.
	DotThousands []string

	fromLeads  bool              // made by DatasetFromLeads: messages talk of stages, not a mapping
	fromSignal map[string]string // field → the signal column it was read from (not a kind qualify scores)
	arrival    map[string]bool   // signals that are the arrival form signal
}

// column is the CSV column of a use ("industry (category)", "signal x").
func (ds *Dataset) column(use string) string {
	for _, q := range ds.Quality {
		if q.Use == use {
			return q.Column
		}
	}
	return ""
}

// Skip is a row (or stored lead) left out, and why.
type Skip struct {
	Line    int    // first line of the record
	EndLine int    // last line, when the record spans several
	Lead    string // the lead's id, for a lead read from the product (Line is then 0)
	Kind    string // "ragged row", "CSV syntax", "empty row", "no outcome", "unknown outcome", "erased"
	Detail  string
}

// where is "line N", "lines N–M" or "lead ID".
func (s Skip) where() string {
	if s.Line == 0 && s.Lead != "" {
		return "lead " + s.Lead
	}
	if s.EndLine > s.Line {
		return fmt.Sprintf("lines %d–%d", s.Line, s.EndLine)
	}
	return fmt.Sprintf("line %d", s.Line)
}

func (s Skip) String() string {
	if s.Detail == "" {
		return s.where() + ": " + s.Kind
	}
	return s.where() + ": " + s.Kind + ": " + s.Detail
}

// OutcomeValue is one value of the outcome column and how it was read.
type OutcomeValue struct {
	Value string
	Count int
	Read  string // "positive", "negative" or "skipped"
}

// ColumnQuality counts what cleaning found in one mapped column.
type ColumnQuality struct {
	Column string
	Use    string // "job_title (words)", "signal pricing_page_view"
	Blank  int    // empty cells
	// Placeholders are cells that mean "not given" (Select, N/A, -, …),
	// read as blank.
	Placeholders int
	// Junk: cells of a number or signal column without a number, or of an
	// email column without an address; read as not given (signals: 0).
	Junk         int
	JunkExamples []string // the first few distinct ones
	// PlaceholderExamples are the first few distinct placeholders seen.
	PlaceholderExamples []string
}

// NewDataset is a dataset of examples from another source than a CSV
// (an OutcomeSource), learning from the given fields and signals.
func NewDataset(name string, examples []Example, fields []FieldSpec, signals []string) *Dataset {
	return &Dataset{Name: name, Rows: len(examples), Examples: examples, Fields: fields, Signals: signals}
}

// ReadCSV reads a CSV export of historical leads as the mapping describes.
// It copes with what real exports contain: a byte order mark, CRLF line
// ends, quoted fields with commas and newlines, a semicolon or tab
// delimiter, blank cells and placeholders. A row it cannot use (a CSV
// syntax error, more or fewer cells than the header, no outcome) is
// skipped and listed with its line number. Problems no row can survive —
// no header, a column the mapping names missing from it — are an error;
// for columns it wraps ErrMapping and names the mapping's line.
// ReadCSV never panics.
func ReadCSV(r io.Reader, m *Mapping, name string) (*Dataset, error) {
	if name == "" {
		name = "leads.csv"
	}
	br := bufio.NewReaderSize(r, 64<<10)
	if bom, _ := br.Peek(3); bytes.Equal(bom, []byte("\xEF\xBB\xBF")) {
		_, _ = br.Discard(3)
	}
	delim := m.Options.Delimiter
	if delim == 0 {
		delim = sniffDelimiter(br)
	}
	cr := csv.NewReader(br)
	cr.Comma = delim
	cr.FieldsPerRecord = -1

	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%s: empty file: expected a header row naming the columns", name)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: reading the header: %w", name, err)
	}
	notUTF8 := 0
	recode := func(rec []string) {
		for i, c := range rec {
			if d, ok := fromWindows1252(c); ok {
				rec[i] = d
				notUTF8++
			}
		}
	}
	recode(header)
	for i := range header {
		header[i] = cleanHeader(header[i])
	}
	cols, err := resolveColumns(m, header, name)
	if err != nil {
		return nil, err
	}

	extra := map[string]bool{}
	for _, p := range m.Options.Placeholders {
		extra[strings.ToLower(strings.TrimSpace(p))] = true
		extra[placeholderKey(p)] = true
	}
	ds := &Dataset{Name: name, OutcomeColumn: m.Outcome.Column.Name, ValueColumn: m.Outcome.Value.Name, Arrival: true,
		arrival: map[string]bool{}}
	for _, c := range m.Keep {
		ds.Keep = append(ds.Keep, c.Name)
	}
	for _, f := range m.Fields {
		ds.Fields = append(ds.Fields, f.FieldSpec)
		ds.Quality = append(ds.Quality, ColumnQuality{Column: f.Column.Name, Use: f.Name + " (" + string(f.Kind) + ")"})
	}
	for _, s := range m.Signals {
		ds.Signals = append(ds.Signals, s.Name)
		ds.Quality = append(ds.Quality, ColumnQuality{Column: s.Column.Name, Use: "signal " + s.Name})
	}
	for _, i := range cols.exclude {
		ds.Excluded = append(ds.Excluded, header[i])
	}
	ds.ExcludedMissing = cols.excludedMissing
	used := map[int]bool{cols.outcome: true, cols.value: true}
	for _, i := range cols.fields {
		used[i] = true
	}
	for _, i := range cols.signals {
		used[i] = true
	}
	for _, i := range cols.exclude {
		used[i] = true
	}
	for i, h := range header {
		if !used[i] && h != "" {
			ds.Unused = append(ds.Unused, h)
		}
	}

	pos := lowerSet(m.Outcome.Positive)
	neg := lowerSet(m.Outcome.Negative)
	outcomes := map[string]*OutcomeValue{}
	var outcomeOrder []string
	var dealValues []string // the deal value cell of each example, read once the column's style is known
	var records [][]string  // each example's cells, to find a lead exported twice

	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			ds.Rows++
			s := Skip{Line: pe.StartLine, Kind: "CSV syntax", Detail: csvProblem(pe)}
			if pe.Line > pe.StartLine {
				s.EndLine = pe.Line
			}
			ds.Skipped = append(ds.Skipped, s)
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		recode(rec)
		ds.Rows++
		line := 0
		if len(rec) > 0 {
			line, _ = cr.FieldPos(0)
		}
		if n := len(rec); n != len(header) && !(n > len(header) && allBlank(rec[len(header):])) {
			ds.Skipped = append(ds.Skipped, Skip{Line: line, Kind: "ragged row",
				Detail: fmt.Sprintf("%d cells, the header has %d", n, len(header))})
			continue
		}
		if allBlank(rec) {
			ds.Skipped = append(ds.Skipped, Skip{Line: line, Kind: "empty row"})
			continue
		}

		raw := strings.TrimSpace(rec[cols.outcome])
		key := strings.ToLower(raw)
		read := ""
		switch {
		case pos[key]:
			read = "positive"
		case neg[key]:
			read = "negative"
		case len(neg) == 0:
			read = "negative"
		default:
			read = "skipped"
		}
		ov := outcomes[key]
		if ov == nil {
			ov = &OutcomeValue{Value: raw, Read: read}
			outcomes[key] = ov
			outcomeOrder = append(outcomeOrder, key)
		}
		ov.Count++
		if read == "skipped" {
			s := Skip{Line: line, Kind: "unknown outcome", Detail: fmt.Sprintf("%s is %s, neither positive nor negative",
				m.Outcome.Column.Name, yamlconf.Quote(raw))}
			if raw == "" {
				s.Kind, s.Detail = "no outcome", m.Outcome.Column.Name+" is blank"
			}
			ds.Skipped = append(ds.Skipped, s)
			continue
		}

		e := Example{Line: line, Positive: read == "positive", Fields: make(map[string]string, len(m.Fields))}
		q := 0
		for i, f := range m.Fields {
			v := qualityText(&ds.Quality[q], rec[cols.fields[i]], extra)
			q++
			if v == "" {
				continue
			}
			switch {
			case f.Name == "email_domain":
				d := emailDomain(v)
				if d == "" {
					ds.Quality[q-1].junk(v)
					continue
				}
				v = d
			case f.Kind == KindNumber:
				if _, ok := parseNumber(v); !ok {
					// Kept as is: the range rules will not match it either.
					ds.Quality[q-1].junk(v)
				}
			}
			e.Fields[f.Name] = v
		}
		for i, s := range m.Signals {
			cell := rec[cols.signals[i]]
			qualityText(&ds.Quality[q], cell, extra)
			n, ok := parseCount(cell, extra)
			if !ok {
				ds.Quality[q].junk(strings.TrimSpace(cell))
			}
			q++
			if n > 0 {
				if e.Signals == nil {
					e.Signals = make(map[string]float64, len(m.Signals))
				}
				e.Signals[s.Name] = n
			}
		}
		// Capture records a form submission signal for every new lead.
		kind := "form:contact"
		if ft := strings.ToLower(strings.TrimSpace(e.Fields["form_type"])); formSlug.MatchString(ft) && len(ft) <= 64 {
			kind = "form:" + ft
		}
		if e.Signals == nil {
			e.Signals = map[string]float64{}
		}
		e.Signals[kind]++
		if !ds.arrival[kind] && !slices.Contains(ds.Signals, kind) {
			ds.arrival[kind] = true
		}
		if cols.value >= 0 {
			dealValues = append(dealValues, cleanText(rec[cols.value], extra))
		}
		if len(cols.exclude) > 0 {
			e.excluded = make([]string, len(cols.exclude))
			for i, c := range cols.exclude {
				e.excluded[i] = cleanText(rec[c], extra)
			}
		}
		ds.Examples = append(ds.Examples, e)
		records = append(records, rec[:len(header)])
	}
	dealValues = dropDuplicates(ds, records, dealValues, cols.outcome, outcomes)
	for _, f := range m.Fields {
		if f.Kind != KindNumber || f.Name == "email_domain" {
			continue
		}
		vals := make([]string, len(ds.Examples))
		for i, e := range ds.Examples {
			vals[i] = e.Fields[f.Name]
		}
		if dotThousands(vals) {
			ds.DotThousands = append(ds.DotThousands, f.Column.Name)
			for _, e := range ds.Examples {
				if v, ok := e.Fields[f.Name]; ok {
					e.Fields[f.Name] = undotThousands(v)
				}
			}
		}
	}
	if cols.value >= 0 {
		dots := dotThousands(dealValues)
		if dots {
			ds.DotThousands = append(ds.DotThousands, m.Outcome.Value.Name)
		}
		for i := range ds.Examples {
			e, v := &ds.Examples[i], dealValues[i]
			if dots {
				v = undotThousands(v)
			}
			if n, ok := parseNumber(v); ok && n > 0 && e.Positive {
				e.Value = n
				ds.HasValue = true
			}
		}
	}
	for _, k := range outcomeOrder {
		ds.Outcomes = append(ds.Outcomes, *outcomes[k])
	}
	for _, k := range sortedKeys(ds.arrival) {
		ds.Signals = append(ds.Signals, k)
	}
	sort.SliceStable(ds.Outcomes, func(i, j int) bool { return ds.Outcomes[i].Count > ds.Outcomes[j].Count })
	ds.NotUTF8 = notUTF8
	return ds, nil
}

// minLeadsForDuplicates: below this many different rows, a column that
// tells them apart may do so by chance.
const minLeadsForDuplicates = 10

// dropDuplicates skips the rows that repeat an earlier one cell for cell
// when some column tells leads apart (each of its values in one kind of
// row only: a lead id, an address, a timestamp): such a row is one lead
// exported twice, and would count twice and could sit in both training
// and holdout. Without such a column, identical rows are leads that
// answered alike, and all count. It returns the deal values kept.
func dropDuplicates(ds *Dataset, records [][]string, dealValues []string, outcomeCol int, outcomes map[string]*OutcomeValue) []string {
	first := map[string]int{} // a row's cells → its example index
	keys := make([]string, len(records))
	for i, rec := range records {
		keys[i] = strings.Join(rec, "\x1f")
		if _, ok := first[keys[i]]; !ok {
			first[keys[i]] = i
		}
	}
	if len(first) == len(records) || len(first) < minLeadsForDuplicates {
		return dealValues
	}
	identifies := func(c int) bool {
		kindOf := map[string]string{}
		for i, rec := range records {
			if k, ok := kindOf[rec[c]]; ok && k != keys[i] {
				return false
			}
			kindOf[rec[c]] = keys[i]
		}
		return len(kindOf) == len(first)
	}
	found := false
	for c := range records[0] {
		if c != outcomeCol && identifies(c) {
			found = true
			break
		}
	}
	if !found {
		return dealValues
	}
	lines := make([]int, len(ds.Examples))
	for i, e := range ds.Examples {
		lines[i] = e.Line
	}
	kept, keptValues := ds.Examples[:0], dealValues[:0]
	for i, e := range ds.Examples {
		if j := first[keys[i]]; j != i {
			ds.Skipped = append(ds.Skipped, Skip{Line: e.Line, Kind: "duplicate row",
				Detail: fmt.Sprintf("the same cells as line %d", lines[j])})
			outcomes[strings.ToLower(strings.TrimSpace(records[i][outcomeCol]))].Count--
			continue
		}
		kept = append(kept, e)
		if len(dealValues) > 0 {
			keptValues = append(keptValues, dealValues[i])
		}
	}
	ds.Examples = kept
	sort.SliceStable(ds.Skipped, func(a, b int) bool { return ds.Skipped[a].Line < ds.Skipped[b].Line })
	return keptValues
}

// numberTokens calls fn with each run of digits, dots and commas that
// starts with a digit and ends with one ("1.234,5" in "€1.234,5 p.a.").
func numberTokens(v string, fn func(start, end int)) {
	for i := 0; i < len(v); {
		if !isDigitByte(v[i]) {
			i++
			continue
		}
		j := i
		for j < len(v) && (isDigitByte(v[j]) || v[j] == '.' || v[j] == ',') {
			j++
		}
		end := j
		for !isDigitByte(v[end-1]) {
			end--
		}
		fn(i, end)
		i = j
	}
}

func isDigitByte(c byte) bool { return c >= '0' && c <= '9' }

// dotGrouped reports how a number token uses dots: 1 when they group
// thousands ("30.000", "1.234,5"), -1 when one is a decimal point or a
// comma groups thousands ("1.5", "30,000"), 0 when it has neither.
func dotGrouped(tok string) int {
	intPart, _, hasComma := strings.Cut(tok, ",")
	groups := strings.Split(intPart, ".")
	if len(groups) == 1 {
		if hasComma && strings.Count(tok, ",") > 1 || hasComma && len(tok)-len(intPart)-1 == 3 {
			return -1 // 30,000 or 1,200,000
		}
		return 0
	}
	if hasComma && strings.Contains(tok[len(intPart)+1:], ".") {
		return -1
	}
	for _, g := range groups[1:] {
		if len(g) != 3 {
			return -1
		}
	}
	return 1
}

// dotThousands reports whether a column writes its numbers the German or
// French way: some group thousands with dots, none has a dot decimal or
// groups thousands with commas.
func dotThousands(vals []string) bool {
	seen := false
	for _, v := range vals {
		bad := false
		numberTokens(v, func(i, j int) {
			switch dotGrouped(v[i:j]) {
			case 1:
				seen = true
			case -1:
				bad = true
			}
		})
		if bad {
			return false
		}
	}
	return seen
}

// undotThousands rewrites the numbers of a value written the German or
// French way as qualify reads them: "1.234,5 €" → "1234.5 €".
func undotThousands(v string) string {
	var b strings.Builder
	last := 0
	numberTokens(v, func(i, j int) {
		b.WriteString(v[last:i])
		b.WriteString(strings.ReplaceAll(strings.ReplaceAll(v[i:j], ".", ""), ",", "."))
		last = j
	})
	b.WriteString(v[last:])
	return b.String()
}

// formSlug is a form type as capture records it.
var formSlug = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]*$`)

// qualityText cleans a cell, counting blanks and placeholders.
func qualityText(q *ColumnQuality, cell string, extra map[string]bool) string {
	v := cleanText(cell, extra)
	if v == "" {
		if t := strings.TrimSpace(cell); t == "" {
			q.Blank++
		} else {
			q.Placeholders++
			q.PlaceholderExamples = addExample(q.PlaceholderExamples, t)
		}
	}
	return v
}

func (q *ColumnQuality) junk(v string) {
	q.Junk++
	q.JunkExamples = addExample(q.JunkExamples, v)
}

func addExample(list []string, v string) []string {
	if len(list) >= 4 {
		return list
	}
	for _, x := range list {
		if x == v {
			return list
		}
	}
	return append(list, shorten(v, 40))
}

type columnIndexes struct {
	outcome         int
	value           int // -1: none
	fields, signals []int
	exclude         []int
	excludedMissing []string
}

// resolveColumns finds every column the mapping names in the header; a
// missing or ambiguous one is a problem at the mapping's line.
func resolveColumns(m *Mapping, header []string, csvName string) (columnIndexes, error) {
	idx := map[string][]int{}
	for i, h := range header {
		idx[h] = append(idx[h], i)
	}
	names := make([]string, 0, len(header))
	lower := map[string]string{}
	for _, h := range header {
		if h != "" {
			names = append(names, strings.ToLower(h))
			lower[strings.ToLower(h)] = h
		}
	}
	p := &yamlconf.Parser{File: m.File}
	find := func(c Column, role string) int {
		at := &yaml.Node{Line: c.Line}
		switch is := idx[c.Name]; len(is) {
		case 1:
			return is[0]
		case 0:
			hint := ""
			if s := yamlconf.Suggest(c.Name, names); s != "" {
				hint = fmt.Sprintf(" (did you mean %s?)", yamlconf.Quote(lower[s]))
			} else if len(header) <= 40 {
				hint = " (its columns: " + strings.Join(header, ", ") + ")"
			}
			p.Errf(at, "%s column %s is not in the header of %s%s", role, yamlconf.Quote(c.Name), csvName, hint)
		default:
			pos := make([]string, len(is))
			for i, n := range is {
				pos[i] = fmt.Sprint(n + 1)
			}
			p.Errf(at, "%s column %s appears %d times in the header of %s (columns %s): rename one",
				role, yamlconf.Quote(c.Name), len(is), csvName, strings.Join(pos, ", "))
		}
		return -1
	}
	var cols columnIndexes
	cols.outcome = find(m.Outcome.Column, "outcome")
	cols.value = -1
	if m.Outcome.Value.Name != "" {
		cols.value = find(m.Outcome.Value, "deal value")
	}
	for _, f := range m.Fields {
		cols.fields = append(cols.fields, find(f.Column, f.Name))
	}
	for _, s := range m.Signals {
		cols.signals = append(cols.signals, find(s.Column, "signal "+s.Name))
	}
	for _, c := range m.Exclude {
		// An excluded column that is not there is no danger; just say so.
		if len(idx[c.Name]) == 0 {
			cols.excludedMissing = append(cols.excludedMissing, c.Name)
			continue
		}
		if i := find(c, "excluded"); i >= 0 {
			cols.exclude = append(cols.exclude, i)
		}
	}
	if err := p.Err(ErrMapping); err != nil {
		return cols, err
	}
	return cols, nil
}

// sniffDelimiter picks comma, semicolon or tab, whichever the first line
// has most of outside quotes (comma when none).
func sniffDelimiter(br *bufio.Reader) rune {
	buf, _ := br.Peek(br.Size())
	counts := map[byte]int{}
	quoted := false
	for _, c := range buf {
		if c == '"' {
			quoted = !quoted
		}
		if quoted {
			continue
		}
		if c == '\n' {
			break
		}
		counts[c]++
	}
	best, n := rune(','), counts[',']
	for _, c := range []byte{';', '\t'} {
		if counts[c] > n {
			best, n = rune(c), counts[c]
		}
	}
	return best
}

func cleanHeader(h string) string {
	return strings.TrimSpace(strings.ToValidUTF8(strings.TrimPrefix(h, "\uFEFF"), "\uFFFD"))
}

func csvProblem(pe *csv.ParseError) string {
	switch {
	case errors.Is(pe.Err, csv.ErrBareQuote):
		return fmt.Sprintf("a \" inside a cell that does not start with one (at character %d of the line)", pe.Column)
	case errors.Is(pe.Err, csv.ErrQuote) && pe.Line > pe.StartLine:
		return "a quoted cell is never closed; the lines up to its end could not be read"
	case errors.Is(pe.Err, csv.ErrQuote):
		return fmt.Sprintf("a quoted cell has text after its closing quote (at character %d of the line)", pe.Column)
	}
	return pe.Err.Error()
}

func allBlank(cells []string) bool {
	for _, c := range cells {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

func lowerSet(vals []string) map[string]bool {
	out := make(map[string]bool, len(vals))
	for _, v := range vals {
		out[strings.ToLower(strings.TrimSpace(v))] = true
	}
	return out
}

// shorten cuts s to about n bytes on a rune boundary, ending in "…".
func shorten(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n] + "…"
}
