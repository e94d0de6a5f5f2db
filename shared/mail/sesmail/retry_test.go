package sesmail_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/leadflow/leadflow/shared/awsclients"
	"github.com/leadflow/leadflow/shared/config"
	leadmail "github.com/leadflow/leadflow/shared/mail"
	"github.com/leadflow/leadflow/shared/mail/sesmail"
)

// lossySES accepts every SendEmail it reads in full; the first answer is
// lost (the connection drops after SES took the message), later ones get
// answer.
type lossySES struct {
	mu       sync.Mutex
	accepted int
	answer   func(w http.ResponseWriter)
}

func (s *lossySES) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	if !strings.Contains(r.URL.Path, "/outbound-emails") || len(body) == 0 {
		http.Error(w, "unexpected", 400)
		return
	}
	s.mu.Lock()
	s.accepted++
	n := s.accepted
	s.mu.Unlock()
	if n == 1 {
		// SES took the message; its answer never reaches the client.
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			conn.Close()
		}
		return
	}
	if s.answer != nil {
		s.mu.Lock()
		s.accepted-- // this one was refused
		s.mu.Unlock()
		s.answer(w)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprintf(w, `{"MessageId":"msg-%d"}`, n)
}

// count is how many messages SES has accepted.
func (s *lossySES) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.accepted
}

func productionClient(t *testing.T, endpoint string) *sesmail.SES {
	t.Helper()
	b := awsclients.Base{
		Config:    aws.Config{Region: "eu-west-1", Credentials: credentials.NewStaticCredentialsProvider("AKID", "SECRET", "")},
		Endpoints: config.AWS{SESEndpoint: endpoint},
	}
	return sesmail.New(sesmail.NewClient(b))
}

// A SendEmail whose answer was lost may have been accepted: the client
// must not send it again by itself, or the lead gets the email twice
// (the sendonce protocol cannot see the SDK's second attempt).
func TestALostAnswerIsNotRetriedBehindTheProtocol(t *testing.T) {
	srv := &lossySES{}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	id, err := productionClient(t, ts.URL).Send(context.Background(), validMessage())
	t.Logf("Send = %q, %v; SES accepted %d messages", id, err, srv.count())
	if srv.count() != 1 {
		t.Fatalf("SES accepted %d messages for one Send (the SDK re-sent a message whose answer was lost)", srv.count())
	}
}

// When a retry after a lost answer is refused, the error must not claim
// that nothing was sent (sendonce would release the claim and send again).
func TestALostAnswerThenARefusalIsUnknown(t *testing.T) {
	srv := &lossySES{answer: func(w http.ResponseWriter) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Amzn-ErrorType", "TooManyRequestsException")
		w.WriteHeader(429)
		fmt.Fprint(w, `{"message":"Maximum sending rate exceeded."}`)
	}}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	_, err := productionClient(t, ts.URL).Send(context.Background(), validMessage())
	t.Logf("Send error: %v; SES accepted %d messages", err, srv.count())
	if srv.count() == 1 && (errors.Is(err, leadmail.ErrThrottled) || errors.Is(err, leadmail.ErrUnavailable) || errors.Is(err, leadmail.ErrRejected)) {
		t.Fatalf("SES accepted the message, but Send says it certainly did not: %v", err)
	}
}

// A request SES answered with throttling certainly went nowhere: the
// client still tries it again by itself.
func TestAThrottledSendIsStillRetried(t *testing.T) {
	var mu sync.Mutex
	calls := 0
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.ReadAll(r.Body)
		mu.Lock()
		calls++
		n := calls
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		if n == 1 {
			w.Header().Set("X-Amzn-ErrorType", "TooManyRequestsException")
			w.WriteHeader(429)
			fmt.Fprint(w, `{"message":"Maximum sending rate exceeded."}`)
			return
		}
		fmt.Fprint(w, `{"MessageId":"msg-ok"}`)
	}))
	defer ts.Close()
	id, err := productionClient(t, ts.URL).Send(context.Background(), validMessage())
	if err != nil || id != "msg-ok" || calls != 2 {
		t.Fatalf("Send = %q, %v after %d calls; want msg-ok after a retry", id, err, calls)
	}
}
