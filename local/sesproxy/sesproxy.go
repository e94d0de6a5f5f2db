// Package sesproxy stands in front of the SES emulator (aws-ses-v2-local)
// and does what SES does and the emulator does not: for every message the
// emulator accepts it publishes a Send event (eventType "Send", the
// message's id, destination and tags) to the functions the template
// subscribes to SES events, asynchronously and retried, as the
// configuration set's EventBridge destination would. The event is emitted
// by this process, not by the sender, so a sender killed after SES took
// its message still has its Send event, exactly as in AWS.
package sesproxy

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-lambda-go/events"
)

// Deliver hands one EventBridge event to the subscribed functions.
type Deliver func(ctx context.Context, ev events.EventBridgeEvent) error

// Proxy forwards SES API calls to Target and publishes Send events.
type Proxy struct {
	Target  string // the emulator's endpoint, e.g. http://127.0.0.1:8005
	Deliver Deliver
	Clock   func() time.Time
	Log     *slog.Logger
	// Delay is how long after the accepted send the event is delivered
	// (SES and EventBridge take a second or two in AWS; 0: at once).
	Delay time.Duration

	client  http.Client
	pending sync.WaitGroup
	seq     atomic.Int64
}

// sendPath is SES v2 SendEmail.
const sendPath = "/v2/email/outbound-emails"

// ServeHTTP forwards the call; an accepted SendEmail gets its Send event.
func (p *Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	req, err := http.NewRequestWithContext(context.WithoutCancel(r.Context()), r.Method, p.Target+r.URL.RequestURI(), bytes.NewReader(body))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	req.Header = r.Header.Clone()
	resp, err := p.client.Do(req)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	if r.Method == http.MethodPost && r.URL.Path == sendPath && resp.StatusCode == http.StatusOK {
		p.published(body, out)
	}
	for k, vs := range resp.Header {
		if k == "Content-Length" {
			continue
		}
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	w.WriteHeader(resp.StatusCode)
	_, _ = w.Write(out)
}

// sendRequest is the part of SendEmail's input an event repeats.
type sendRequest struct {
	FromEmailAddress string `json:"FromEmailAddress"`
	Destination      struct {
		ToAddresses []string `json:"ToAddresses"`
	} `json:"Destination"`
	EmailTags []struct {
		Name, Value string
	} `json:"EmailTags"`
	ConfigurationSetName string `json:"ConfigurationSetName"`
}

// published builds the Send event of an accepted message and delivers it
// in the background.
func (p *Proxy) published(reqBody, respBody []byte) {
	var in sendRequest
	var out struct {
		MessageID string `json:"MessageId"`
	}
	if json.Unmarshal(reqBody, &in) != nil || json.Unmarshal(respBody, &out) != nil || out.MessageID == "" {
		p.Log.Error("ses proxy: cannot read an accepted send; no Send event")
		return
	}
	now := p.Clock()
	tags := map[string][]string{}
	for _, t := range in.EmailTags {
		tags[t.Name] = []string{t.Value}
	}
	if in.ConfigurationSetName != "" {
		tags["ses:configuration-set"] = []string{in.ConfigurationSetName}
	}
	detail, _ := json.Marshal(map[string]any{
		"eventType": "Send",
		"mail": map[string]any{"timestamp": now.UTC(), "messageId": out.MessageID, "source": in.FromEmailAddress,
			"destination": in.Destination.ToAddresses, "tags": tags},
		"send": map[string]any{},
	})
	ev := events.EventBridgeEvent{Version: "0", ID: "local-send-" + strconv.FormatInt(p.seq.Add(1), 10),
		DetailType: "Email Sent", Source: "aws.ses", Region: "us-east-1", Time: now, Detail: detail}
	p.pending.Add(1)
	go func() {
		defer p.pending.Done()
		if p.Delay > 0 {
			time.Sleep(p.Delay)
		}
		// EventBridge retries a failing target with back-off for hours;
		// here a few seconds' worth.
		var err error
		for attempt := range 20 {
			if err = p.Deliver(context.Background(), ev); err == nil {
				return
			}
			time.Sleep(time.Duration(50*(attempt+1)) * time.Millisecond)
		}
		p.Log.Error("ses proxy: Send event not delivered", "messageId", out.MessageID, "error", fmt.Sprint(err))
	}()
}

// Wait blocks until every Send event so far is delivered (or given up).
func (p *Proxy) Wait() { p.pending.Wait() }
