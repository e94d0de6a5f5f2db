package httpapi

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
)

// LevelOf is the log level of a request answered with status: ERROR for a
// 5xx (something failed: each function's error-log alarm counts these
// lines), WARN for anything else that went wrong (a 4xx: the link's lead
// is gone, the input was bad), which pages no one.
func LevelOf(status int) slog.Level {
	if status >= http.StatusInternalServerError {
		return slog.LevelError
	}
	return slog.LevelWarn
}

// StatusOf maps an error to an HTTP status: the transport sentinels of this
// package first, then the caller's domain sentinels, else 500.
func StatusOf(err error, domain map[error]int) int {
	for sentinel, status := range map[error]int{
		ErrBadRequest: http.StatusBadRequest, ErrForbidden: http.StatusForbidden,
		ErrNotFound: http.StatusNotFound, ErrConflict: http.StatusConflict,
		ErrTooLarge: http.StatusRequestEntityTooLarge, ErrUnsupportedMedia: http.StatusUnsupportedMediaType,
	} {
		if errors.Is(err, sentinel) {
			return status
		}
	}
	for sentinel, status := range domain {
		if errors.Is(err, sentinel) {
			return status
		}
	}
	return http.StatusInternalServerError
}

// JSON is a JSON response. Values that cannot be encoded are a programming
// error; they become a plain 500 rather than a panic.
func JSON(status int, v any, headers map[string]string) Response {
	b, err := json.Marshal(v)
	if err != nil {
		return Response{StatusCode: http.StatusInternalServerError, Body: `{"error":"internal error"}`,
			Headers: map[string]string{"Content-Type": "application/json", "X-Content-Type-Options": "nosniff"}}
	}
	h := map[string]string{"Content-Type": "application/json", "X-Content-Type-Options": "nosniff"}
	for k, v := range headers {
		h[k] = v
	}
	return Response{StatusCode: status, Body: string(b), Headers: h}
}

// HTML is an HTML page response under the strictest Policy: a page with
// no style, form or anything it loads.
func HTML(status int, page string, headers map[string]string) Response {
	return Page(status, page, Policy{}, headers)
}

// Page is an HTML page response under its policy; the policy's headers
// win over the caller's.
func Page(status int, page string, p Policy, headers map[string]string) Response {
	h := map[string]string{"Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store"}
	for k, v := range headers {
		h[k] = v
	}
	for k, v := range p.Headers() {
		h[k] = v
	}
	return Response{StatusCode: status, Body: page, Headers: h}
}

// SeeOther redirects a browser after a form post (POST → GET).
func SeeOther(location string, headers map[string]string) Response {
	h := map[string]string{"Location": location, "Cache-Control": "no-store"}
	for k, v := range headers {
		h[k] = v
	}
	return Response{StatusCode: http.StatusSeeOther, Headers: h}
}
