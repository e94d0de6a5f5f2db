package logx

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func TestErrorTextLosesItsAddresses(t *testing.T) {
	var buf bytes.Buffer
	log := New(&buf, "capture", "info")
	ses := errors.New("MessageRejected: Email address is not verified. The following identities failed the check in region EU-WEST-1: Ann.Lee+x@Acme.example, rep@sales.example.com")
	log.Error("tick", "error", ses.Error(), "handoffError", "to ann.lee+x@acme.example: refused", "outcome", "failed")
	out := buf.String()
	for _, leak := range []string{"Ann.Lee", "ann.lee", "rep@sales", "acme.example"} {
		if strings.Contains(out, leak) {
			t.Errorf("log carries %q: %s", leak, out)
		}
	}
	// Each address, and nothing else, is gone: not even a hash is left.
	if strings.Count(out, "<address>") != 3 || !strings.Contains(out, "region EU-WEST-1") || strings.Contains(out, "addr:") {
		t.Errorf("scrubbed too much or inconsistently: %s", out)
	}
}

func TestScrubLeavesTextWithoutAddresses(t *testing.T) {
	for _, s := range []string{"", "ses send: throttled", "user@ (no domain)", "a@b"} {
		if got := Scrub(s); got != s {
			t.Errorf("Scrub(%q) = %q", s, got)
		}
	}
}

// TestErrorTextLosesNonASCIIAddresses: capture takes addresses with
// letters beyond ASCII before the @ (renée.dupont@…, δοκιμή@…) and
// international domains; an error quoting one loses all of it, not only
// its ASCII tail.
func TestErrorTextLosesNonASCIIAddresses(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"refused renée.dupont@acme.de today", "refused <address> today"},
		{"refused δοκιμή@xn--hxajbheg2az3al.gr", "refused <address>"},
		{"identity jörg@münchen.de failed", "identity <address> failed"},
		{"to: Müller.Jürgen+news@Bücher.example, done", "to: <address>, done"},
	} {
		if got := Scrub(tt.in); got != tt.want {
			t.Errorf("Scrub(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestErrorTextUnderOtherKeysLosesItsAddresses: the nurture tick logs the
// SES error that stopped it as "cause" (an account-level refusal quotes
// the identity it refused); error text is scrubbed whatever key carries
// it: "cause" too.
func TestErrorTextUnderOtherKeysLosesItsAddresses(t *testing.T) {
	var buf bytes.Buffer
	log := New(&buf, "nurture", "info")
	log.Info("tick", "stopped", true, "cause", "ses send: the SES account cannot send: MailFromDomainNotVerifiedException: identity news@acme.example")
	if out := buf.String(); strings.Contains(out, "news@acme.example") || !strings.Contains(out, "identity <address>") {
		t.Errorf("log carries the address: %s", out)
	}
}
