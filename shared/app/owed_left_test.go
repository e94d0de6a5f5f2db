package app_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	sestypes "github.com/aws/aws-sdk-go-v2/service/sesv2/types"

	"github.com/leadflow/leadflow/local/faults"
	"github.com/leadflow/leadflow/local/testenv"
	"github.com/leadflow/leadflow/shared/app"
	"github.com/leadflow/leadflow/shared/app/capturefn"
	"github.com/leadflow/leadflow/shared/config"
	"github.com/leadflow/leadflow/shared/lead"
	"github.com/leadflow/leadflow/shared/store"
)

// TestOwedAlertOfARepWhoLeftGoesToTheTeam: a hot lead comes in while SES
// has paused the account's sending, so its alert, addressed to a rep of
// the enterprise team, is still owed. Meanwhile that rep leaves and the
// routing config deployed without them; the account sends again. The
// tick (built on the new config) sends the alert to the team's other
// rep, not to the address of someone who left, whose first-response
// deadline nobody would meet.
func TestOwedAlertOfARepWhoLeftGoesToTheTeam(t *testing.T) {
	ctx := context.Background()
	clock := &clockAt{t: testenv.Now(t)}
	table := testenv.NewTable(t)
	var mu sync.Mutex
	paused := true
	inj := faults.New(&faults.Rule{Operation: "SendEmail", Count: -1,
		Err:  &sestypes.SendingPausedException{Message: ptr("Sending is paused for this account.")},
		When: func() bool { mu.Lock(); defer mu.Unlock(); return paused }})
	clients := testenv.Clients(t)
	ses := sesv2.New(clients.SES.Options(), func(o *sesv2.Options) { o.APIOptions = append(o.APIOptions, inj.Middleware) })
	c := clients.App(nil, ses)
	capture, err := capturefn.New(ctx, config.Capture{AWS: testenv.AWS(t), AllowedOrigins: "*", ThankYouURL: "https://x.example/t", PrivacyNoticeURL: "https://www.example.com/privacy",
		Sales: config.Sales{Table: table, Sender: "leads@example.com", SalesAddress: "sales@example.com", PublicBaseURL: "https://leads.example.com",
			Signing: config.Signing{SigningKeys: testKeys}, Qualifying: config.Qualifying{CampaignsDir: filepath.Join(testenv.Root(t), "config", "campaigns")}}},
		c.DynamoDB, c.Mail, c.Parameter, app.Env{Logs: logsTo(&strings.Builder{}), Clock: clock.now})
	if err != nil {
		t.Fatal(err)
	}
	email := fmt.Sprintf("owed-left.%d@bigcorp.example", time.Now().UnixNano())
	accepted(t)(capture.Handle(ctx, jsonLead(hotBody(email, "1000+"))))
	st := store.New(clients.DynamoDB, table)
	l, err := st.Lead(ctx, capturedID(t, table, email))
	if err != nil {
		t.Fatal(err)
	}
	rep := l.Handoff.Rep
	if _, failed := inj.Counts("SendEmail"); failed != 1 || l.Handoff.State != lead.HandoffPending || rep == "" || l.Handoff.Team != "enterprise" {
		t.Fatalf("fixture: %d refused sends, hand-off %+v; want the alert owed to an enterprise rep", failed, l.Handoff)
	}
	cfg := qualifyWithout(t, rep)
	mu.Lock()
	paused = false
	mu.Unlock()
	tick, _, logs := buildAt(t, "nurture", map[string]string{"QUALIFY_CONFIG": cfg, "PUBLIC_BASE_URL": "https://leads.example.com"}, clock.now, table)
	clock.add(time.Minute)
	if err := tick.Event(ctx, tickEvent(fmt.Sprint(time.Now().UnixNano()))); err != nil {
		t.Fatal(err)
	}
	alerts := mailFor(t, email, 1)
	if len(alerts) != 1 || len(alerts[0].To) != 1 || alerts[0].To[0] == rep || !strings.HasSuffix(alerts[0].To[0], "@example.com") {
		var to [][]string
		for _, a := range alerts {
			to = append(to, a.To)
		}
		t.Fatalf("alerts to %v; want one to the enterprise rep still routed, not %s\n%s", to, rep, logs.String())
	}
	if l, _ = st.Lead(ctx, l.ID); l.Handoff.State != lead.HandoffSent || l.Handoff.Rep != alerts[0].To[0] {
		t.Fatalf("hand-off after the tick: %+v", l.Handoff)
	}
}
