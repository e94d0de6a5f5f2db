// Package sesstore reads what the local SES emulator (aws-ses-v2-local)
// has "sent", for integration tests in any package: GET /store lists the
// emails with their headers, POST /clear-store empties it.
//
// The emulator may be shared by packages testing in parallel, so prefer
// filtering by a recipient unique to the test (To) over Clear.
package sesstore

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/mail"
	"strconv"
	"strings"
	"time"
)

// Email is one stored email.
type Email struct {
	MessageID   string
	From        string
	ReplyTo     []string
	To, CC, BCC []string
	Subject     string
	HTML, Text  string
	Headers     []Header // custom headers as sent, in order
	At          time.Time
}

// Header is one custom header.
type Header struct{ Name, Value string }

// Header returns the value of the first custom header called name (case
// does not matter), or "".
func (e Email) Header(name string) string {
	for _, h := range e.Headers {
		if strings.EqualFold(h.Name, name) {
			return h.Value
		}
	}
	return ""
}

// wire is the emulator's JSON shape (dist/store.js, dist/v2/sendEmail.js).
type wire struct {
	Emails []struct {
		MessageID   string   `json:"messageId"`
		From        string   `json:"from"`
		ReplyTo     []string `json:"replyTo"`
		Destination struct {
			To  []string `json:"to"`
			CC  []string `json:"cc"`
			BCC []string `json:"bcc"`
		} `json:"destination"`
		Subject string `json:"subject"`
		Body    struct {
			HTML string `json:"html"`
			Text string `json:"text"`
		} `json:"body"`
		Headers []struct {
			Name  string `json:"name"`
			Value string `json:"value"`
		} `json:"headers"`
		At int64 `json:"at"` // Unix seconds
	} `json:"emails"`
}

// Fetch returns every email in the emulator at endpoint (e.g.
// "http://127.0.0.1:8005"), oldest first.
func Fetch(ctx context.Context, endpoint string) ([]Email, error) {
	return fetch(ctx, endpoint, "/store")
}

// FetchSince returns the emails stored at since or later (the emulator
// stamps each in whole seconds, so those of since's second are in),
// oldest first. A test reading its own emails asks for those since it
// started: the emulator keeps every email of the suite, and reading and
// decoding all of them at each poll took seconds by the end of it.
func FetchSince(ctx context.Context, endpoint string, since time.Time) ([]Email, error) {
	if since.IsZero() {
		return Fetch(ctx, endpoint)
	}
	return fetch(ctx, endpoint, "/store?since="+strconv.FormatInt(since.Unix(), 10))
}

func fetch(ctx context.Context, endpoint, path string) ([]Email, error) {
	body, err := do(ctx, http.MethodGet, endpoint, path)
	if err != nil {
		return nil, err
	}
	var w wire
	if err := json.Unmarshal(body, &w); err != nil {
		return nil, fmt.Errorf("ses store: decode: %w", err)
	}
	out := make([]Email, 0, len(w.Emails))
	for _, e := range w.Emails {
		m := Email{
			MessageID: e.MessageID, From: e.From, ReplyTo: e.ReplyTo,
			To: e.Destination.To, CC: e.Destination.CC, BCC: e.Destination.BCC,
			Subject: e.Subject, HTML: e.Body.HTML, Text: e.Body.Text,
			At: time.Unix(e.At, 0).UTC(),
		}
		for _, h := range e.Headers {
			m.Headers = append(m.Headers, Header{Name: h.Name, Value: h.Value})
		}
		out = append(out, m)
	}
	return out, nil
}

// Clear empties the emulator's store (emails and templates).
func Clear(ctx context.Context, endpoint string) error {
	_, err := do(ctx, http.MethodPost, endpoint, "/clear-store")
	return err
}

// To returns the emails with addr among their To, Cc or Bcc recipients.
// Addresses compare case-insensitively and ignore display names.
func To(emails []Email, addr string) []Email {
	want := bare(addr)
	var out []Email
	for _, e := range emails {
		for _, list := range [][]string{e.To, e.CC, e.BCC} {
			if containsAddr(list, want) {
				out = append(out, e)
				break
			}
		}
	}
	return out
}

func containsAddr(list []string, want string) bool {
	for _, a := range list {
		if bare(a) == want {
			return true
		}
	}
	return false
}

func bare(addr string) string {
	if a, err := mail.ParseAddress(addr); err == nil {
		addr = a.Address
	}
	return strings.ToLower(strings.TrimSpace(addr))
}

func do(ctx context.Context, method, endpoint, path string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimRight(endpoint, "/")+path, nil)
	if err != nil {
		return nil, fmt.Errorf("ses store: %w", err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("ses store: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return nil, fmt.Errorf("ses store: read: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("ses store: %s %s: %s", method, path, resp.Status)
	}
	return body, nil
}
