package sesstore_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/leadflow/leadflow/shared/mail/sesstore"
)

// stored is what aws-ses-v2-local answers on GET /store (body.html may be
// absent for text-only mail).
const stored = `{"templates":{},"emails":[
 {"messageId":"ses-1","from":"a@leadflow.example","replyTo":[],"destination":{"to":["Rep One <Rep1@Sales.example>"],"cc":[],"bcc":[]},
  "subject":"one","body":{"text":"hi"},"attachments":[],"at":1795435200},
 {"messageId":"ses-2","from":"a@leadflow.example","replyTo":["ann@acme.example"],"destination":{"to":["x@y.example"],"cc":["rep1@sales.example"],"bcc":[]},
  "subject":"two","body":{"html":"<p>hi</p>","text":"hi"},"headers":[{"name":"List-Unsubscribe","value":"<https://u.example>"}],"at":1795435260},
 {"messageId":"ses-3","from":"a@leadflow.example","replyTo":[],"destination":{"to":["rep2@sales.example"]},
  "subject":"three","body":{"text":"hi"},"at":1795435320}]}`

// storedSince is what it answers on GET /store?since=1795435260.
const storedSince = `{"templates":{},"emails":[
 {"messageId":"ses-2","from":"a@leadflow.example","replyTo":[],"destination":{"to":["x@y.example"]},"subject":"two","body":{"text":"hi"},"at":1795435260},
 {"messageId":"ses-3","from":"a@leadflow.example","replyTo":[],"destination":{"to":["rep2@sales.example"]},"subject":"three","body":{"text":"hi"},"at":1795435320}]}`

func TestFetchAndFilter(t *testing.T) {
	var cleared bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Method + " " + r.URL.Path {
		case "GET /store":
			if since := r.URL.Query().Get("since"); since != "" {
				if since != "1795435260" {
					http.Error(w, "since "+since, http.StatusBadRequest)
					return
				}
				_, _ = w.Write([]byte(storedSince))
				return
			}
			_, _ = w.Write([]byte(stored))
		case "POST /clear-store":
			cleared = true
			_, _ = w.Write([]byte(`{"message":"Store cleared"}`))
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	ctx := context.Background()

	all, err := sesstore.Fetch(ctx, srv.URL+"/")
	if err != nil || len(all) != 3 {
		t.Fatalf("Fetch = %d emails, %v", len(all), err)
	}
	e := all[1]
	if e.MessageID != "ses-2" || e.HTML != "<p>hi</p>" || e.ReplyTo[0] != "ann@acme.example" || e.CC[0] != "rep1@sales.example" ||
		e.Header("list-unsubscribe") != "<https://u.example>" || e.Header("X-Missing") != "" || !e.At.Equal(time.Unix(1795435260, 0)) {
		t.Fatalf("email decoded as %+v", e)
	}
	// Since a time: the emulator filters by its whole-second stamps.
	later, err := sesstore.FetchSince(ctx, srv.URL, time.Unix(1795435260, 900_000_000))
	if err != nil || len(later) != 2 || later[0].MessageID != "ses-2" {
		t.Fatalf("FetchSince = %+v, %v", later, err)
	}
	if everything, err := sesstore.FetchSince(ctx, srv.URL, time.Time{}); err != nil || len(everything) != 3 {
		t.Fatalf("FetchSince(zero) = %d emails, %v: want all", len(everything), err)
	}
	got := sesstore.To(all, "REP1@sales.example")
	if len(got) != 2 || got[0].MessageID != "ses-1" || got[1].MessageID != "ses-2" {
		t.Fatalf("To(rep1) = %+v, want ses-1 (display name, case) and ses-2 (cc)", got)
	}
	if got := sesstore.To(all, "nobody@example.com"); len(got) != 0 {
		t.Fatalf("To(nobody) = %+v", got)
	}
	if err := sesstore.Clear(ctx, srv.URL); err != nil || !cleared {
		t.Fatalf("Clear = %v, cleared %v", err, cleared)
	}
}

func TestFetchReportsHTTPErrors(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	defer srv.Close()
	if _, err := sesstore.Fetch(context.Background(), srv.URL); err == nil {
		t.Fatal("Fetch of a 404 succeeded")
	}
}
