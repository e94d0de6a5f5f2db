package privacy

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

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
	// The work ends a moment before the function's deadline, so a call
	// that hangs still leaves time to answer; steps are not started
	// within Margin of it (Service).
	work := ctx
	if dl, ok := ctx.Deadline(); ok {
		var cancel context.CancelFunc
		work, cancel = context.WithDeadline(ctx, dl.Add(-answerTime))
		defer cancel()
	}
	var out any
	switch req.RouteKey {
	case "POST /admin/export":
		out, err = h.Service.Answer(work, in.Email)
	case "POST /admin/erase":
		out, err = h.Service.Erase(work, in.Email)
	default:
		return httpapi.JSON(http.StatusNotFound, map[string]string{"error": "not found"}, nil), nil
	}
	if err != nil && (errors.Is(err, ErrUnfinished) || errors.Is(work.Err(), context.DeadlineExceeded)) {
		return h.unfinished(log, req, out, err), nil
	}
	if err != nil {
		status := httpapi.StatusOf(err, map[error]int{lead.ErrInvalid: http.StatusBadRequest, lead.ErrVersionConflict: http.StatusConflict,
			ErrErasedMeanwhile: http.StatusConflict})
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
	// The audit line: route and caller; never the address nor its hash,
	// nor a stored export's download link.
	if st, ok := out.(Stored); ok {
		log.Info("privacy", "status", http.StatusOK, "stored", true, "bytes", st.Stored.Bytes)
	} else {
		log.Info("privacy", "status", http.StatusOK)
	}
	return httpapi.JSON(http.StatusOK, out, map[string]string{"Cache-Control": "no-store"}), nil
}

// answerTime is what a request keeps, after its work's end, to answer
// before the function's deadline.
const answerTime = time.Second

// unfinished answers a request that ran out of time: 503, not the
// gateway's bare one after 30 s (which an admin cannot tell from a
// failure, while the function works on), but what was done and that the
// request must be run again. An erasure that stopped between steps says
// what it did (the lead erased, the lists unlisted so far).
func (h *Handler) unfinished(log *slog.Logger, req httpapi.Request, out any, err error) httpapi.Response {
	log.Warn("privacy", "status", http.StatusServiceUnavailable, "finished", false, "error", err.Error())
	body := struct {
		Error     string `json:"error"`
		Finished  bool   `json:"finished"`
		RequestID string `json:"request_id"`
		*Result
	}{RequestID: req.RequestContext.RequestID}
	switch res, ok := out.(Result); {
	case req.RouteKey == "POST /admin/export":
		body.Error = "not finished in time: nothing was exported (nothing changed); run the request again"
	case ok && errors.Is(err, ErrUnfinished):
		body.Error = "not finished in time: the erasure stopped between steps (what it did is below); run the request again to finish it"
		body.Result = &res
	default:
		body.Error = "not finished in time: nothing or only part was erased; run the request again to finish the erasure"
	}
	return httpapi.JSON(http.StatusServiceUnavailable, body, map[string]string{"Retry-After": "1", "Cache-Control": "no-store"})
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
