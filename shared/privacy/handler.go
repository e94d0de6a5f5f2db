package privacy

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/leadflow/leadflow/shared/httpapi"
	"github.com/leadflow/leadflow/shared/lead"
)

// Routes this handler serves. In AWS they are IAM-authorised (SigV4):
// only principals allowed to invoke them can export or erase.
var Routes = []string{"POST /admin/export", "POST /admin/erase"}

// Handler is the Lambda handler behind the privacy admin routes. Both
// take {"email": "…"} in a POST body, so addresses never appear in URLs
// or access logs.
type Handler struct {
	Service *Service
	Log     *slog.Logger
}

// Handle serves one request.
func (h *Handler) Handle(ctx context.Context, req httpapi.Request) (httpapi.Response, error) {
	log := h.Log.With("requestId", req.RequestContext.RequestID, "route", req.RouteKey, "caller", callerARN(req))
	body, err := httpapi.Body(req, maxBody)
	var in struct {
		Email string `json:"email"`
	}
	var decodeErr error
	var typeErr *json.UnmarshalTypeError
	if err == nil {
		decodeErr = json.Unmarshal(body, &in)
	}
	// Each refusal names the field and the true reason.
	reason := ""
	switch {
	case err != nil:
		reason = fmt.Sprintf("too long: the body holds at most %d bytes", maxBody)
	case errors.As(decodeErr, &typeErr) && typeErr.Field == "email":
		reason = "must be a string, not " + article(typeErr.Value)
	case decodeErr != nil:
		reason = "must be given as a JSON body {\"email\": \"…\"}"
	case in.Email == "":
		reason = "is required"
	}
	if reason != "" {
		log.Warn("privacy", "status", http.StatusBadRequest)
		return httpapi.JSON(http.StatusBadRequest, map[string]any{"error": "body must be {\"email\": \"…\"}",
			"fields": []lead.FieldError{{Field: "email", Reason: reason}}, "request_id": req.RequestContext.RequestID}, nil), nil
	}
	var out any
	switch req.RouteKey {
	case "POST /admin/export":
		out, err = h.Service.Export(ctx, in.Email)
	case "POST /admin/erase":
		out, err = h.Service.Erase(ctx, in.Email)
	default:
		return httpapi.JSON(http.StatusNotFound, map[string]string{"error": "not found"}, nil), nil
	}
	if err != nil {
		status := httpapi.StatusOf(err, map[error]int{lead.ErrInvalid: http.StatusBadRequest, lead.ErrVersionConflict: http.StatusConflict})
		log.Log(ctx, map[bool]slog.Level{true: slog.LevelError, false: slog.LevelWarn}[status >= 500], "privacy", "status", status, "error", err.Error())
		body := map[string]any{"error": err.Error(), "request_id": req.RequestContext.RequestID}
		if status >= 500 {
			body["error"] = "internal error: nothing or only part was erased; run the request again"
			if req.RouteKey == "POST /admin/export" {
				body["error"] = "internal error: nothing was exported (nothing changed); run the request again"
			}
		}
		if ve := (*lead.ValidationError)(nil); errors.As(err, &ve) {
			body["fields"] = ve.Fields
		}
		return httpapi.JSON(status, body, nil), nil
	}
	log.Info("privacy", "status", http.StatusOK) // the audit line: route and caller; never the address nor its hash
	return httpapi.JSON(http.StatusOK, out, map[string]string{"Cache-Control": "no-store"}), nil
}

// article is a JSON value's kind as the refusal names it ("an array").
func article(kind string) string {
	if kind == "array" || kind == "object" {
		return "an " + kind
	}
	return "a " + kind
}

// maxBody bounds a request's body: an address is at most 254 bytes.
const maxBody = 1024

// callerARN is the IAM principal API Gateway authenticated, for the audit
// trail in the logs.
func callerARN(req httpapi.Request) string {
	if a := req.RequestContext.Authorizer; a != nil && a.IAM != nil {
		return a.IAM.UserARN
	}
	return ""
}
