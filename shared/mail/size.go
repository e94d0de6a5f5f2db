package mail

// Gmail clips a message whose HTML part is over about 102 KB: the rest
// hides behind "[Message clipped] View entire message" — a sales alert's
// footer, or a marketing email's unsubscribe link and postal address.
// Emails whose size follows what people typed keep under MaxHTMLSize.

// MaxHTMLSize bounds an email's HTML part as sent (EncodedSize), well
// under Gmail's 102 KB so that headers, the transfer encoding's own
// rounding and a client's additions leave a margin.
const MaxHTMLSize = 80 << 10

// EncodedSize is how many bytes s takes as a quoted-printable MIME body,
// the encoding that lengthens UTF-8 text the most (base64 adds a third;
// quoted-printable triples every byte beyond ASCII): printable ASCII
// takes one byte, "=" and every other byte three ("=XX"), a line break
// two (CRLF), and a line longer than 75 characters a soft break ("=" CRLF)
// every 75.
func EncodedSize(s string) int {
	n, line := 0, 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '\n' {
			n, line = n+2, 0
			continue
		}
		w := 3
		if c >= ' ' && c <= '~' && c != '=' || c == '\t' {
			w = 1
		}
		if line+w > 75 {
			n, line = n+3, 0
		}
		n, line = n+w, line+w
	}
	return n
}
