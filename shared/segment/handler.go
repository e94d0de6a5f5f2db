package segment

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/leadflow/leadflow/shared/customerlist"
	"github.com/leadflow/leadflow/shared/httpapi"
)

// Routes this handler serves (IAM-authorised in AWS).
var Routes = []string{"GET /reports/segments", "GET /reports/segments/{segment}/csv", "POST /reports/segments/export"}

// MaxDownload bounds a CSV answered by the download route: Lambda
// answers at most 6 MB through API Gateway. About 80,000 rows; a larger
// audience is in the export bucket.
const MaxDownload = 5 << 20

// Handler serves the segments' counts, a segment's customer list as a
// download, and the export on demand.
type Handler struct {
	Exporter *Exporter
	// Bucket names the export bucket in answers ("s3://bucket/key").
	Bucket string
	// MaxDownload overrides the package's MaxDownload (tests).
	MaxDownload int
	Log         *slog.Logger
}

// Summary is one segment as GET /reports/segments lists it: its last
// export's counts (nil before the first).
type Summary struct {
	ID          string     `json:"id"`
	Description string     `json:"description"`
	Matching    *int       `json:"matching"`
	Exportable  *int       `json:"exportable"`
	CountedAt   *time.Time `json:"counted_at"`
	Export      string     `json:"export,omitempty"`
}

// Summaries are the configured segments with their last runs; Export is
// s3://bucket/key, or the key when bucket is "".
func Summaries(set *Set, runs []Run, bucket string) []Summary {
	last := map[string]Run{}
	for _, r := range runs {
		last[r.Segment] = r
	}
	out := []Summary{}
	for _, s := range set.All() {
		sum := Summary{ID: s.ID, Description: s.Description}
		if r, ok := last[s.ID]; ok {
			sum.Matching, sum.Exportable, sum.CountedAt = &r.Matching, &r.Exportable, &r.At
			switch {
			case r.Key != "" && bucket != "":
				sum.Export = "s3://" + bucket + "/" + r.Key
			default:
				sum.Export = r.Key
			}
		}
		out = append(out, sum)
	}
	return out
}

// Handle serves the routes.
func (h *Handler) Handle(ctx context.Context, req httpapi.Request) (httpapi.Response, error) {
	log := h.Log.With("requestId", req.RequestContext.RequestID, "route", req.RouteKey)
	fail := func(err error) (httpapi.Response, error) {
		log.Error("segments", "status", http.StatusInternalServerError, "error", err.Error())
		return httpapi.JSON(http.StatusInternalServerError, map[string]string{"error": "internal error", "request_id": req.RequestContext.RequestID}, nil), nil
	}
	e := h.Exporter
	switch req.RouteKey {
	case "GET /reports/segments":
		runs, err := e.Runs.Runs(ctx)
		if err != nil {
			return fail(err)
		}
		log.Info("segments", "status", http.StatusOK, "segments", len(e.Segments.All()))
		return httpapi.JSON(http.StatusOK, map[string]any{"segments": Summaries(e.Segments, runs, h.Bucket),
			"counts": "as of each segment's last export (weekly, or POST /reports/segments/export)"}, noStore), nil
	case "POST /reports/segments/export":
		runs, err := e.Export(ctx)
		if err != nil {
			return fail(err)
		}
		if runs == nil {
			runs = []Run{}
		}
		log.Info("segments export", "status", http.StatusOK, "segments", len(runs))
		return httpapi.JSON(http.StatusOK, Exported{Bucket: h.Bucket, Exports: runs}, noStore), nil
	case "GET /reports/segments/{segment}/csv":
		return h.download(ctx, req, log)
	}
	return httpapi.JSON(http.StatusNotFound, map[string]string{"error": "not found"}, nil), nil
}

var noStore = map[string]string{"Cache-Control": "no-store"}

// download answers a segment's customer list as it is now.
func (h *Handler) download(ctx context.Context, req httpapi.Request, log *slog.Logger) (httpapi.Response, error) {
	e := h.Exporter
	seg, ok := e.Segments.Get(req.PathParameters["segment"])
	if !ok {
		var ids []string
		for _, s := range e.Segments.All() {
			ids = append(ids, s.ID)
		}
		log.Warn("segment download", "status", http.StatusNotFound)
		return httpapi.JSON(http.StatusNotFound, map[string]any{"error": "no such segment", "segments": ids}, noStore), nil
	}
	limit := h.MaxDownload
	if limit <= 0 {
		limit = MaxDownload
	}
	var b bytes.Buffer
	b.WriteString(customerlist.Header)
	w := &capped{buf: &b, max: limit}
	now := e.Clock()
	counts, err := Scan(ctx, e.Leads, []*Segment{seg}, []io.Writer{w}, now)
	if err != nil {
		log.Error("segment download", "segment", seg.ID, "status", http.StatusInternalServerError, "error", err.Error())
		return httpapi.JSON(http.StatusInternalServerError, map[string]string{"error": "internal error", "request_id": req.RequestContext.RequestID}, nil), nil
	}
	c := counts[0]
	// The scan read leads that may have been erased, or have
	// unsubscribed, bounced or complained, since: their rows leave the
	// list before it is handed over.
	fresh, err := customerlist.Fresh(ctx, e.Removals, map[string]bool{})
	if err != nil {
		log.Error("segment download", "segment", seg.ID, "status", http.StatusInternalServerError, "error", err.Error())
		return httpapi.JSON(http.StatusInternalServerError, map[string]string{"error": "internal error", "request_id": req.RequestContext.RequestID}, nil), nil
	}
	if len(fresh) > 0 && !w.over {
		kept, dropped := customerlist.Drop(b.Bytes(), fresh)
		b.Reset()
		b.Write(kept)
		c.Exportable -= dropped
	}
	if w.over {
		log.Warn("segment download", "segment", seg.ID, "status", http.StatusRequestEntityTooLarge, "exportable", c.Exportable)
		return httpapi.JSON(http.StatusRequestEntityTooLarge, map[string]any{
			"error":      fmt.Sprintf("%d rows are more than a download carries (%d MB): take the file the export writes to the bucket", c.Exportable, limit>>20),
			"exportable": c.Exportable, "export": "POST /reports/segments/export, then the file it names in s3://" + h.Bucket + "/" + customerlist.Prefix + seg.ID + "/",
		}, noStore), nil
	}
	log.Info("segment download", "segment", seg.ID, "status", http.StatusOK, "matching", c.Matching, "exportable", c.Exportable, "bytes", b.Len())
	return httpapi.Response{StatusCode: http.StatusOK, Body: b.String(), Headers: map[string]string{
		"Content-Type":           customerlist.ContentType,
		"Content-Disposition":    fmt.Sprintf(`attachment; filename="%s-%s.csv"`, seg.ID, now.UTC().Format("2006-01-02")),
		"Cache-Control":          "no-store",
		"X-Content-Type-Options": "nosniff",
		// What the file holds, without a second request.
		"X-Segment-Matching":   fmt.Sprint(c.Matching),
		"X-Segment-Exportable": fmt.Sprint(c.Exportable),
	}}, nil
}

// capped appends to buf until it would pass max bytes, then drops
// everything and reports over.
type capped struct {
	buf  *bytes.Buffer
	max  int
	over bool
}

func (c *capped) Write(p []byte) (int, error) {
	if c.over || c.buf.Len()+len(p) > c.max {
		c.over = true
		return len(p), nil
	}
	return c.buf.Write(p)
}
