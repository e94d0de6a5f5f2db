package mail

import (
	"bytes"
	"fmt"
	htmltemplate "html/template"
	"sync"
)

// Confirmation asks the owner of an address to confirm the consent a form
// asked for (double opt-in). It repeats nothing the form's poster typed:
// whoever posted the address may not own it.
type Confirmation struct {
	// Sender names who will email them (the company), from configuration.
	Sender     string
	ConfirmURL string
	// Until is when the link stops working, as people read it.
	Until string
}

var confirmationHTML = sync.OnceValue(func() *htmltemplate.Template {
	return htmltemplate.Must(htmltemplate.New("confirmation").Parse(emailHead("Please confirm") + `<body style="font-family:system-ui,sans-serif;color:#1d2433;background:#ffffff;line-height:1.5;max-width:36rem">
<p>Hello,</p>
<p>Someone, hopefully you, asked to receive emails from {{.Sender}} at this address. Please confirm that you want them:</p>
<p><a href="{{.ConfirmURL}}" style="display:inline-block;padding:.6rem 1.1rem;border-radius:6px;background:#2957d8;color:#fff;text-decoration:none">Yes, send me emails</a></p>
<p style="color:#5b6475;font-size:.9rem">The link works until {{.Until}}. If you did not ask for this, ignore this email: without your confirmation you get no marketing email from us.</p>
</body></html>`))
})

// RenderConfirmation renders the confirmation email: subject, HTML, text.
func RenderConfirmation(c Confirmation) (subject, html, text string, err error) {
	if err := checkURL("confirmation link", c.ConfirmURL); err != nil {
		return "", "", "", err
	}
	sender := firstNonEmpty(OneLine(c.Sender), "us")
	c.Sender = sender
	var hb bytes.Buffer
	if err := confirmationHTML().Execute(&hb, c); err != nil {
		return "", "", "", fmt.Errorf("render confirmation: %w", err)
	}
	subject = "Please confirm: emails from " + sender
	text = fmt.Sprintf("Hello,\n\nSomeone, hopefully you, asked to receive emails from %s at this address. Please confirm that you want them:\n\n%s\n\n"+
		"The link works until %s. If you did not ask for this, ignore this email: without your confirmation you get no marketing email from us.\n",
		sender, c.ConfirmURL, c.Until)
	return subject, hb.String(), text, nil
}

// emailHead opens an email's HTML as the alert's does: its language, its
// charset, a viewport (phones otherwise lay it out 980 px wide and shrink
// it), the light colour scheme it is designed in (with the body's white
// background: a client's dark mode otherwise darkens the background the
// email left unset and keeps its dark text) and a title.
func emailHead(title string) string {
	return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><meta name="color-scheme" content="light"><title>` +
		htmltemplate.HTMLEscapeString(title) + "</title></head>\n"
}
