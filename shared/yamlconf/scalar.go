package yamlconf

import (
	"math"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Str reads a text value. Numbers and booleans are text too: "in: [100]".
func (p *Parser) Str(n *yaml.Node, where string) (string, bool) {
	n = Resolve(n)
	if IsNull(n) {
		p.Errf(n, "%sexpected a value, got nothing", At(where))
		return "", false
	}
	if n.Kind != yaml.ScalarNode {
		p.Errf(n, "%sexpected a single value, got %s", At(where), What(n))
		return "", false
	}
	return strings.TrimSpace(n.Value), true
}

// Strs reads a list of values; a single value is a list of one. It returns
// each value's node for line numbers.
func (p *Parser) Strs(n *yaml.Node, where string) ([]string, []*yaml.Node) {
	n = Resolve(n)
	if n != nil && n.Kind == yaml.ScalarNode && !IsNull(n) {
		return []string{strings.TrimSpace(n.Value)}, []*yaml.Node{n}
	}
	var vals []string
	var nodes []*yaml.Node
	p.List(n, where, func(item *yaml.Node, path string) {
		v, ok := p.Str(item, path)
		if !ok {
			return
		}
		if v == "" {
			p.Errf(item, "%sempty value", At(path))
			return
		}
		vals = append(vals, v)
		nodes = append(nodes, item)
	})
	return vals, nodes
}

// Number reads a finite number; "_" may group digits.
func (p *Parser) Number(n *yaml.Node, where string) (float64, bool) {
	s, ok := p.Str(n, where)
	if !ok {
		return 0, false
	}
	v, err := strconv.ParseFloat(strings.ReplaceAll(s, "_", ""), 64)
	if err != nil || math.IsInf(v, 0) || math.IsNaN(v) {
		p.Errf(n, "%sexpected a number, got %s", At(where), Quote(s))
		return 0, false
	}
	return v, true
}

// Boolean reads true/false (also yes/no, on/off).
func (p *Parser) Boolean(n *yaml.Node, where string) (bool, bool) {
	s, ok := p.Str(n, where)
	if !ok {
		return false, false
	}
	switch strings.ToLower(s) {
	case "true", "yes", "on":
		return true, true
	case "false", "no", "off":
		return false, true
	}
	p.Errf(n, "%sexpected true or false, got %s", At(where), Quote(s))
	return false, false
}

// Duration reads a positive Go duration ("336h", "90m"), or whole days
// ("14d"), which Go durations lack but people write.
func (p *Parser) Duration(n *yaml.Node, where string) (time.Duration, bool) {
	s, ok := p.Str(n, where)
	if !ok {
		return 0, false
	}
	d, err := ParseDuration(s)
	if err != nil {
		p.Errf(n, "%sbad duration %s (use hours or minutes such as 336h or 90m, or days such as 14d)", At(where), Quote(s))
		return 0, false
	}
	if d <= 0 {
		p.Errf(n, "%sduration must be positive, got %s", At(where), Quote(s))
		return 0, false
	}
	return d, true
}

// ParseDuration is time.ParseDuration that also reads whole days, "14d"
// (1 to 3650 of them).
func ParseDuration(s string) (time.Duration, error) {
	d, err := time.ParseDuration(s)
	if days, isDays := strings.CutSuffix(s, "d"); isDays && err != nil {
		if n, err2 := strconv.Atoi(days); err2 == nil && n > 0 && n <= 3650 {
			return time.Duration(n) * 24 * time.Hour, nil
		}
	}
	return d, err
}

// FormatDuration is a duration as a config would write it: Go's form
// without zero units, "5m" rather than "5m0s", "72h" rather than "72h0m0s".
func FormatDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}
