package lead

import "testing"

func TestLabels(t *testing.T) {
	for _, tc := range []struct{ got, want string }{
		{FormLabel("demo_request"), "Demo request"},
		{FormLabel("newsletter"), "Newsletter"},
		{FormLabel("content_download"), "Content download"},
		{FormLabel("partner_inquiry"), "Partner inquiry"}, // unknown: humanised
		{FormLabel("free-trial"), "Free trial"},
		{FormLabel(""), ""},
		{StageMQL.Label(), "Marketing qualified (MQL)"},
		{StageSAL.Label(), "Accepted by sales (SAL)"},
		{StageSQL.Label(), "Sales qualified opportunity (SQL)"},
		{StageRejected.Label(), "Rejected by sales"},
		{Stage("on_hold").Label(), "On hold"},
		{Humanise("company_size"), "Company size"},
		{Humanise("élan"), "Élan"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
}
