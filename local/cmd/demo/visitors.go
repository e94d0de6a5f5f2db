package main

import (
	"fmt"
	"html"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"time"
)

// browserUA is what the demo's visitors say they are: a person's browser
// (a client that names no browser could be taken for a machine's).
const browserUA = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15"

// visitor is person n on a landing page: an HTTP client whose connections
// come from a loopback address of its own, which the local gateway passes
// on as the caller's address, as API Gateway does a visitor's (a page's
// visitor of the day is an address and a browser).
func visitor(n int) *http.Client {
	ip := net.IPv4(127, 0, byte(1+n/250), byte(2+n%250))
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: ip}, Timeout: 5 * time.Second}
	return &http.Client{
		Transport:     &http.Transport{DialContext: d.DialContext, DisableKeepAlives: true},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

var hiddenRe = regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)"`)

// view loads a campaign's page showing variant (the ad's link to that
// offer) as c's visitor — one view of it — and returns the page form's
// hidden fields: posted with them, a lead is the page's.
func view(c *http.Client, base, campaign, variant string) (url.Values, error) {
	req, _ := http.NewRequest(http.MethodGet, base+"/c/"+url.PathEscape(campaign)+"?variant="+url.QueryEscape(variant)+"&utm_source=demo", nil)
	req.Header.Set("User-Agent", browserUA)
	resp, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET /c/%s: %s", campaign, resp.Status)
	}
	hidden := url.Values{}
	for _, m := range hiddenRe.FindAllStringSubmatch(string(b), -1) {
		hidden.Set(m[1], html.UnescapeString(m[2]))
	}
	return hidden, nil
}
