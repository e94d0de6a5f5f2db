package feedback

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/leadflow/leadflow/shared/httpapi"
	"github.com/leadflow/leadflow/shared/lead"
	"github.com/leadflow/leadflow/shared/links"
	"github.com/leadflow/leadflow/shared/token"
)

// heldRow is one held lead on the "release all" page.
type heldRow struct{ Name, Company string }

// releaseAll serves a held-alerts summary's "release all" link (c.Subject:
// the window's flood-control key). GET lists the window's leads still
// held and asks; POST releases each of them, as its own release link
// would (a lead answered or released meanwhile is left alone), and says
// how many. Opening it again releases what a first try could not.
func (h *Handler) releaseAll(ctx context.Context, req httpapi.Request, log *slog.Logger, c token.Claims, now time.Time) httpapi.Response {
	v := view{Title: "Release held alerts", Action: links.ActionReleaseAll}
	failed := func(status int, err error, msg string) httpapi.Response {
		log.Error("feedback", "status", status, "action", links.ActionReleaseAll, "error", err.Error())
		v.Message = msg
		return render(status, v)
	}
	ids, more, err := h.Store.HeldAlerts(ctx, c.Subject)
	if err != nil {
		return failed(http.StatusInternalServerError, err, "We could not read the held alerts. Please try again in a minute.")
	}
	held, err := h.stillHeld(ctx, ids, c.Subject)
	if err != nil {
		return failed(http.StatusInternalServerError, err, "We could not read the held alerts. Please try again in a minute.")
	}
	v.NotListed = more
	if req.RequestContext.HTTP.Method != http.MethodPost || len(held) == 0 {
		for _, l := range held {
			v.Held = append(v.Held, heldRow{Name: l.Name, Company: l.Company})
		}
		if len(held) == 0 {
			v.Done, v.Message = true, "No alert of this window is held any more; nothing changed."
		}
		return render(http.StatusOK, v)
	}
	released, errs := 0, 0
	for i, l := range held {
		if dl, ok := ctx.Deadline(); ok && time.Until(dl) < time.Second {
			errs += len(held) - i // left for the next try
			break
		}
		out, _, err := h.record(ctx, token.Claims{Action: links.ActionRelease, Subject: l.ID}, links.ActionRelease, answer{}, now,
			func(l *lead.Lead) bool { return heldBy(l, c.Subject) })
		switch {
		case err != nil && !errors.Is(err, lead.ErrNotFound):
			log.Error("feedback", "action", links.ActionRelease, "leadId", l.ID, "error", err.Error())
			errs++
		case out == "recorded":
			released++
		}
	}
	status := http.StatusOK
	if errs > 0 {
		status = http.StatusInternalServerError
	}
	log.Info("feedback", "status", status, "action", links.ActionReleaseAll, "released", released, "failed", errs)
	v.Done, v.Message = true, fmt.Sprintf("Recorded: %s %s to sales now.", alerts(released), map[bool]string{true: "goes", false: "go"}[released == 1])
	if released == 0 && errs == 0 {
		v.Message = "Nothing released: these alerts were released or answered meanwhile."
	}
	if errs > 0 {
		v.Message += fmt.Sprintf(" %s could not be released: open this link again to retry.", alerts(errs))
	}
	return render(status, v)
}

// heldBy reports whether the window (its flood-control key) holds the
// lead's alert now.
func heldBy(l *lead.Lead, key string) bool {
	return l.Handoff != nil && l.Handoff.Held != nil && l.Handoff.Held.Source == key
}

// alerts counts alerts in words: "1 alert", "3 alerts".
func alerts(n int) string {
	if n == 1 {
		return "1 alert"
	}
	return fmt.Sprintf("%d alerts", n)
}

// stillHeld reads the leads of ids whose alert the window (key) still
// holds, a few at a time: erased ones, those answered or released
// meanwhile and those held since by another window are left out.
func (h *Handler) stillHeld(ctx context.Context, ids []string, key string) ([]lead.Lead, error) {
	leads := make([]*lead.Lead, len(ids))
	errs := make([]error, len(ids))
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	for i, id := range ids {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			l, err := h.Store.Lead(ctx, id)
			switch {
			case errors.Is(err, lead.ErrNotFound):
			case err != nil:
				errs[i] = err
			case spent(&l, token.Claims{}, links.ActionRelease) == "" && heldBy(&l, key):
				leads[i] = &l
			}
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	var out []lead.Lead
	for _, l := range leads {
		if l != nil {
			out = append(out, *l)
		}
	}
	return out, nil
}
