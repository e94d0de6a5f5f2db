package lead

import "testing"

func TestPageSignals(t *testing.T) {
	tests := []struct {
		kind     string
		page     bool
		pageView bool // SignalIs(kind, page_view)
	}{
		{"page_view", true, true},
		{"pricing_page_view", true, false},
		{"page_view:demo", true, true},
		{"page_view:/case-studies/acme", true, true},
		{"page_view:", false, false},
		{"page_view:Demo", false, false},
		{"page_view:demo page", false, false},
		{"page_viewer", false, false},
		{"email_click", false, false},
		{"form:demo_request", false, false},
		{"page_view:" + string(make([]byte, 65)), false, false},
	}
	for _, tt := range tests {
		if got := IsPageSignal(tt.kind); got != tt.page {
			t.Errorf("IsPageSignal(%q) = %v, want %v", tt.kind, got, tt.page)
		}
		if got := SignalIs(tt.kind, SignalPageView); got != tt.pageView {
			t.Errorf("SignalIs(%q, page_view) = %v, want %v", tt.kind, got, tt.pageView)
		}
	}
	if SignalIs("page_view", "page_view:demo") {
		t.Error("a plain page view counts as the named page demo")
	}
	if !SignalIs("email_click", "email_click") || SignalIs("email_open", "email_click") {
		t.Error("SignalIs of other kinds is not plain equality")
	}
}
