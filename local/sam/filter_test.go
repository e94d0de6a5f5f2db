package sam

import "testing"

func TestFilterMatches(t *testing.T) {
	line := map[string]any{"level": "INFO", "msg": "feedback", "status": 200.0, "action": "accept"}
	tests := []struct {
		pattern string
		want    bool
		err     bool
	}{
		{`{ $.msg = "feedback" && $.status = 200 }`, true, false},
		{`{$.msg="feedback"&&$.status=200}`, true, false},
		{`{ $.msg = "feedback" && $.status = 500 }`, false, false},
		{`{ $.msg = "feedback" && $.status = "200" }`, false, false}, // a number is not the string
		{`{ $.level = "ERROR" }`, false, false},
		{`{ $.level = "info" }`, false, false}, // case matters
		{`{ $.reason != "x" }`, false, false},  // absent fields match no !=
		{`{ $.action != "reject" }`, true, false},
		{`{ $.severity = "INFO" }`, false, false},
		{`feedback`, false, true},
		{`{ $.msg = "feed*" }`, false, true},
		{`{ ($.msg = "feedback") || $.status = 200 }`, false, true},
	}
	for _, tt := range tests {
		got, err := FilterMatches(tt.pattern, line)
		if got != tt.want || (err != nil) != tt.err {
			t.Errorf("FilterMatches(%s) = %v, %v; want %v, error %v", tt.pattern, got, err, tt.want, tt.err)
		}
	}
}

// TestFilterPatternFromTemplate: the template's metric filters are read.
func TestFilterPatternFromTemplate(t *testing.T) {
	root, err := Root()
	if err != nil {
		t.Fatal(err)
	}
	tm, err := Load(root + "/template.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if p, ok := tm.FilterPattern("SalesAnswersFilter"); !ok || p == "" {
		t.Errorf("SalesAnswersFilter pattern = %q, %v", p, ok)
	}
	if ps := tm.MetricPatterns("SalesAnswers"); ps["SalesAnswersFilter"] == "" || len(ps) < 2 {
		t.Errorf("the filters writing SalesAnswers: %v; want the links' answers and the CRM's", ps)
	}
	if ps := tm.MetricPatterns("NoSuchMetric"); len(ps) != 0 {
		t.Errorf("filters for a metric nothing writes: %v", ps)
	}
}
