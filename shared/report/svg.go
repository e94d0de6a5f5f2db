package report

import (
	"fmt"
	"strconv"
	"strings"
)

// chart is a horizontal bar chart laid out in Go, so the template only
// places numbers: one row per bar, its label right-aligned before it, its
// value after the longest possible bar. Widths are proportional to the
// largest value; with all values zero every bar is empty (no division).
type chart struct {
	ID, Title, Desc string
	Width, Height   int
	LabelX          int // right edge of the labels
	BarX, BarMax    int // where bars start and the longest bar
	BarH            int
	ValueX          int
	Bars            []bar
}

type bar struct {
	Label string // cut to fit
	Full  string // the whole label, in the bar's tooltip
	Class string // CSS class after "bar"
	Y     int    // top of the bar
	TextY int    // text baseline
	W     string // bar width
	Value string // "1,234"
	Note  string // "40.0%", "" for none
}

type barInput struct {
	label, class, note string
	value              int64
}

const (
	chartWidth = 400
	rowHeight  = 30
	barHeight  = 20
)

// newChart lays out bars; labelWidth is the room for labels, in chart units.
func newChart(id, title string, labelWidth int, in []barInput) chart {
	c := chart{
		ID: id, Title: title, Width: chartWidth, LabelX: labelWidth - 6,
		BarX: labelWidth, BarH: barHeight,
	}
	c.BarMax = 230 - labelWidth/2
	c.ValueX = c.BarX + c.BarMax + 8
	c.Height = len(in)*rowHeight + 4
	var maxV int64
	for _, b := range in {
		maxV = max(maxV, b.value)
	}
	maxRunes := (labelWidth - 10) / 7 // about 7 units per character at 13px
	var desc []string
	for i, b := range in {
		w := 0.0
		if maxV > 0 && b.value > 0 {
			w = float64(c.BarMax) * float64(b.value) / float64(maxV)
			w = max(w, 2) // a non-zero value stays visible
		}
		y := 4 + i*rowHeight
		c.Bars = append(c.Bars, bar{
			Label: cut(b.label, maxRunes),
			Full:  b.label,
			Class: b.class,
			Y:     y,
			TextY: y + barHeight/2 + 5,
			W:     strconv.FormatFloat(w, 'f', 1, 64),
			Value: Count(b.value),
			Note:  b.note,
		})
		d := fmt.Sprintf("%s %s", b.label, Count(b.value))
		if b.note != "" {
			d += " (" + b.note + ")"
		}
		desc = append(desc, d)
	}
	c.Desc = strings.Join(desc, ", ") + "."
	return c
}

func cut(s string, n int) string {
	r := []rune(s)
	if n < 2 || len(r) <= n {
		return s
	}
	return strings.TrimSpace(string(r[:n-1])) + "…"
}

// funnelChart has one bar per stage; each note is the rate from the stage
// before.
func funnelChart(id, who string, f Funnel) chart {
	var in []barInput
	for _, s := range f.Stages() {
		note := ""
		if s.Name != "Leads" && s.Rate.Defined() {
			note = s.Rate.String()
		}
		in = append(in, barInput{label: s.Name, class: "stage", value: s.Count, note: note})
	}
	c := newChart(id, "Funnel of "+who, 64, in)
	c.Desc = "Leads to won, each with the share of the stage before: " + c.Desc
	return c
}

// reasonChart has one bar per reason with its share of the total.
func reasonChart(id, title, class string, b Breakdown) chart {
	var in []barInput
	for _, r := range b.Reasons {
		in = append(in, barInput{label: r.Label, class: class, value: r.Count, note: r.Share.String()})
	}
	return newChart(id, title, 140, in)
}

// speedChart has one bar per response-time bucket, coloured by whether it
// meets the target.
func speedChart(id, who string, s Speed) chart {
	var total int64
	for _, b := range s.Buckets {
		total += b.Count
	}
	var in []barInput
	for i, b := range s.Buckets {
		class := "fast"
		switch m := responseBuckets[i].minutes; {
		case m > 60:
			class = "slow"
		case m > TargetMinutes:
			class = "late"
		}
		note := ""
		if total > 0 {
			note = ratio(b.Count, total).String()
		}
		in = append(in, barInput{label: b.Label, class: class, value: b.Count, note: note})
	}
	return newChart(id, "Time to first response, "+who, 80, in)
}
