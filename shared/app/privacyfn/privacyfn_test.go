package privacyfn

import (
	"io"
	"strings"
	"testing"
	"time"

	"github.com/leadflow/leadflow/shared/app"
	"github.com/leadflow/leadflow/shared/config"
)

// TestRetentionDaysAreCheckedAtInit: a retention period the deploy would
// refuse (a typo like 7 days would erase leads still being nurtured)
// stops the function at init, naming the variable and the parameter; 0
// (off) and a real period start it.
func TestRetentionDaysAreCheckedAtInit(t *testing.T) {
	env := app.Env{Logs: io.Discard, Clock: time.Now}
	for _, tc := range []struct {
		days int
		ok   bool
	}{{0, true}, {730, true}, {30, true}, {7, false}, {-1, false}, {40000, false}} {
		h, err := Handlers(config.Privacy{Table: "t", Bucket: "b", RetentionDays: tc.days}, nil, nil, env)
		switch {
		case tc.ok && (err != nil || h.Event == nil || h.HTTP == nil):
			t.Errorf("LEAD_RETENTION_DAYS=%d: %v (event handler %v)", tc.days, err, h.Event != nil)
		case !tc.ok && (err == nil || !strings.Contains(err.Error(), "LEAD_RETENTION_DAYS") || !strings.Contains(err.Error(), "LeadRetentionDays")):
			t.Errorf("LEAD_RETENTION_DAYS=%d: %v, want a refusal naming the variable and the parameter", tc.days, err)
		}
	}
}
