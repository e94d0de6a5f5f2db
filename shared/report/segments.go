package report

import (
	"context"
	"time"
)

// SegmentRow is a retargeting segment as the dashboard shows it: its
// last export's counts (nil before the first), read from the export's
// record, never from the leads.
type SegmentRow struct {
	ID          string `json:"id"`
	Description string `json:"description"`
	// Matching leads meet the segment's conditions; Exportable are those
	// with marketing consent in force and not suppressed: the rows of
	// its customer list.
	Matching   *int      `json:"matching"`
	Exportable *int      `json:"exportable"`
	CountedAt  time.Time `json:"counted_at,omitzero"`
	// Export is the file the last export wrote (s3://bucket/key).
	Export string `json:"export,omitempty"`
}

// Segments lists the deployment's segments with their last counts.
type Segments interface {
	SegmentRows(ctx context.Context) ([]SegmentRow, error)
}
