package app_test

import (
	"net/http/httptest"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"

	"github.com/leadflow/leadflow/local/sesproxy"
	"github.com/leadflow/leadflow/local/testenv"
	"github.com/leadflow/leadflow/shared/logx"
)

// sesWithSendEvents puts the SES proxy in front of the emulator: every
// message it accepts gets its Send event, delivered to the sesevents
// function on table (built with clock), as SES and EventBridge do in AWS.
// It returns the proxy's endpoint and an SES client for it.
func sesWithSendEvents(t *testing.T, table string, clock func() time.Time) (string, *sesv2.Client, *sesproxy.Proxy) {
	t.Helper()
	h, _, _ := buildAt(t, "sesevents", nil, clock, table)
	p := &sesproxy.Proxy{Target: testenv.Get(t).SES, Deliver: h.Event, Clock: clock, Log: logx.New(t.Output(), "ses-proxy", "error")}
	srv := httptest.NewServer(p)
	t.Cleanup(func() { p.Wait(); srv.Close() })
	ses := sesv2.New(testenv.Clients(t).SES.Options(), func(o *sesv2.Options) { o.BaseEndpoint = aws.String(srv.URL) })
	return srv.URL, ses, p
}
