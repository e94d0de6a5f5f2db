// Package httpapi translates API Gateway HTTP API (payload v2) events to and
// from plain Go values: bodies with size limits, content types, CORS, and
// responses with the error → status mapping done in one place.
package httpapi

import (
	"encoding/base64"
	"errors"
	"fmt"
	"mime"
	"slices"
	"strings"

	"github.com/aws/aws-lambda-go/events"
)

// Request is the event type every HTTP handler receives.
type Request = events.APIGatewayV2HTTPRequest

// Response is the event type every HTTP handler returns.
type Response = events.APIGatewayV2HTTPResponse

// Transport-level errors, mapped to statuses by StatusOf.
var (
	ErrBadRequest       = errors.New("bad request")
	ErrForbidden        = errors.New("forbidden")
	ErrNotFound         = errors.New("not found")
	ErrConflict         = errors.New("conflict")
	ErrTooLarge         = errors.New("request body too large")
	ErrUnsupportedMedia = errors.New("unsupported media type")
)

// Header returns a request header case-insensitively (HTTP API lower-cases
// header names, other callers may not).
func Header(r Request, name string) string {
	if v, ok := r.Headers[strings.ToLower(name)]; ok {
		return v
	}
	for k, v := range r.Headers {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	return ""
}

// Body returns the decoded request body, refusing bodies over max bytes.
func Body(r Request, max int) ([]byte, error) {
	if !r.IsBase64Encoded {
		if len(r.Body) > max {
			return nil, fmt.Errorf("%w: limit is %d bytes", ErrTooLarge, max)
		}
		return []byte(r.Body), nil
	}
	if base64.StdEncoding.DecodedLen(len(r.Body)) > max+3 {
		return nil, fmt.Errorf("%w: limit is %d bytes", ErrTooLarge, max)
	}
	b, err := base64.StdEncoding.DecodeString(r.Body)
	if err != nil {
		return nil, fmt.Errorf("%w: body is not valid base64", ErrBadRequest)
	}
	if len(b) > max {
		return nil, fmt.Errorf("%w: limit is %d bytes", ErrTooLarge, max)
	}
	return b, nil
}

// MediaType is the request's content type without parameters, lower-case.
func MediaType(r Request) string {
	mt, _, err := mime.ParseMediaType(Header(r, "content-type"))
	if err != nil {
		return ""
	}
	return mt
}

// SourceIP is the caller's address as API Gateway saw it.
func SourceIP(r Request) string { return r.RequestContext.HTTP.SourceIP }

// DeclaredBot reports whether a User-Agent says it is a machine: a link
// preview (Slack, LinkedIn, Facebook fetch a link pasted into a message),
// a crawler or a headless browser. Their fetch of a tracked link is no
// person's click, and their load of a landing page no person's view.
// Browsers, and clients that name no bot, are not. (Mail security
// gateways that open every link with a browser's User-Agent are not
// caught: see the README.)
func DeclaredBot(ua string) bool {
	return AgentHas(ua, "bot/", "bot-", "crawler", "spider", "headless", "+http", "externalhit", "preview")
}

// AgentHas reports whether a User-Agent holds one of parts (lower case),
// whatever its case.
func AgentHas(ua string, parts ...string) bool {
	ua = strings.ToLower(ua)
	return slices.ContainsFunc(parts, func(p string) bool { return strings.Contains(ua, p) })
}

// HTTPLibrary reports whether a User-Agent is an HTTP library's or a
// command-line tool's (curl, python-requests, Go's client …): a script,
// an uptime check or a link checker, which no person's browser sends.
func HTTPLibrary(ua string) bool { return AgentHas(ua, httpLibraries...) }

// httpLibraries are User-Agent parts of HTTP libraries and tools, lower
// case.
var httpLibraries = []string{
	"python-requests", "python-urllib", "python-httpx", "aiohttp", "go-http-client", "curl/", "wget/", "libwww-perl",
	"java/", "apache-httpclient", "okhttp", "node-fetch", "axios/", "undici",
}
