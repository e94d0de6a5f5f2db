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
