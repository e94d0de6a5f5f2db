package segment

// Export: one scan of the leads evaluates every segment; each matching,
// exportable lead's hashed address is appended to its segment's file (a
// temporary file, so memory stays one page of leads whatever the
// audience's size); each file is then stored and the segment's counts
// recorded for the dashboard.

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/leadflow/leadflow/shared/customerlist"
	"github.com/leadflow/leadflow/shared/ids"
	"github.com/leadflow/leadflow/shared/lead"
)

// Leads is the scan of every lead profile (a batch read: the export is a
// weekly job, never a request's read path).
type Leads interface {
	ScanLeads(ctx context.Context, fn func(lead.Lead) error) error
}

// Objects stores a file under a key (the S3 bucket of the exports).
type Objects interface {
	Put(ctx context.Context, key, contentType string, body io.ReadSeeker, size int64) error
}

// Runs keeps each segment's last export: its counts, when, and where.
type Runs interface {
	SaveRun(ctx context.Context, r Run) error
	Runs(ctx context.Context) ([]Run, error)
}

// Run is one segment's export.
type Run struct {
	Segment string `json:"segment"`
	// Matching leads meet the conditions; Exportable are those of them
	// that may be uploaded (see Exportable): the file's rows.
	Matching   int       `json:"matching"`
	Exportable int       `json:"exportable"`
	At         time.Time `json:"at"`
	// Key is the file's key in the export bucket.
	Key string `json:"key"`
}

// Exported is the answer of POST /reports/segments/export: the bucket and
// each segment's export.
type Exported struct {
	Bucket  string `json:"bucket"`
	Exports []Run  `json:"exports"`
}

// Exporter writes every segment's customer list to the export bucket.
type Exporter struct {
	Segments *Set
	Leads    Leads
	Objects  Objects
	Runs     Runs
	// Removals are the addresses recently erased or suppressed: the
	// export takes their rows out of its files (nil: none are).
	Removals customerlist.Removals
	Clock    func() time.Time
	// TempDir holds the files while they are written ("" is the
	// system's: /tmp in Lambda).
	TempDir string
	Log     *slog.Logger
}

// Counts are what one scan found for a segment.
type Counts struct{ Matching, Exportable int }

// Scan evaluates segs over every lead (erased leads are nobody's: they
// count nowhere) and writes each exportable match's row to its segment's
// writer (nil: count only). A row is the lead's hashed address and a
// newline.
func Scan(ctx context.Context, leads Leads, segs []*Segment, out []io.Writer, now time.Time) ([]Counts, error) {
	counts := make([]Counts, len(segs))
	row := make([]byte, 0, 65)
	err := leads.ScanLeads(ctx, func(l lead.Lead) error {
		if l.Erased {
			return nil
		}
		exportable := Exportable(&l)
		row = row[:0]
		for i, s := range segs {
			if !s.Match(&l, now) {
				continue
			}
			counts[i].Matching++
			if !exportable {
				continue
			}
			counts[i].Exportable++
			if out[i] == nil {
				continue
			}
			if len(row) == 0 {
				row = append(append(row, HashEmail(l.Email)...), '\n')
			}
			if _, err := out[i].Write(row); err != nil {
				return err
			}
		}
		return nil
	})
	return counts, err
}

// Export writes every segment's file and records its run. A segment whose
// file could not be stored is reported in the error and keeps its
// previous run; the others are stored.
func (e *Exporter) Export(ctx context.Context) ([]Run, error) {
	now := e.Clock()
	segs := e.Segments.All()
	if len(segs) == 0 {
		return nil, nil
	}
	files := make([]*os.File, len(segs))
	bufs := make([]*bufio.Writer, len(segs))
	out := make([]io.Writer, len(segs))
	defer func() {
		for _, f := range files {
			if f != nil {
				f.Close()
				os.Remove(f.Name())
			}
		}
	}()
	for i, s := range segs {
		f, err := os.CreateTemp(e.TempDir, "segment-"+s.ID+"-*.csv")
		if err != nil {
			return nil, fmt.Errorf("segments: temporary file: %w", err)
		}
		files[i], bufs[i] = f, bufio.NewWriterSize(f, 64<<10)
		if _, err := bufs[i].WriteString(customerlist.Header); err != nil {
			return nil, err
		}
		out[i] = bufs[i]
	}
	counts, err := Scan(ctx, e.Leads, segs, out, now)
	if err != nil {
		return nil, fmt.Errorf("segments: scan: %w", err)
	}
	runs := make([]Run, len(segs))
	run := ids.New(now) // this export's files: see customerlist.Key
	for i, s := range segs {
		if err := bufs[i].Flush(); err != nil {
			return nil, fmt.Errorf("segments: write %s: %w", s.ID, err)
		}
		runs[i] = Run{Segment: s.ID, Matching: counts[i].Matching, Exportable: counts[i].Exportable, At: now, Key: customerlist.Key(s.ID, now, run)}
	}
	// The scan read leads an erasure may have erased since, or that
	// unsubscribed, bounced or complained since; an erasure takes its
	// address out of the lists already in the bucket, not out of one
	// stored after it looked, and a suppression takes it out of none.
	// So the rows of every erasure and suppression recorded are taken
	// out before the files are stored, and after each storing they are
	// read again: one recorded meanwhile is taken out and the files it
	// was in stored again, until a read finds none new. A file is thus
	// handed over without anyone suppressed or erased before its last
	// write; an erasure recorded after that read finds the files in the
	// bucket (customerlist.Removals).
	stored := make([]bool, len(segs))
	failed := make([]bool, len(segs))
	var errs []error
	taken := map[string]bool{}
	for round := 0; ; round++ {
		fresh, err := customerlist.Fresh(ctx, e.Removals, taken)
		if err != nil {
			return nil, fmt.Errorf("segments: erasures and suppressions: %w", err)
		}
		if round > 0 && len(fresh) == 0 {
			break
		}
		if round > customerlist.MaxRounds {
			return nil, fmt.Errorf("segments: erasures and suppressions kept coming for %d rounds: run the export again", round)
		}
		for i, s := range segs {
			if failed[i] {
				continue
			}
			dropped, err := e.drop(i, files, fresh)
			if err != nil {
				return nil, fmt.Errorf("segments: %s: %w", s.ID, err)
			}
			if stored[i] && dropped == 0 {
				continue
			}
			runs[i].Exportable -= dropped
			size, err := rewind(files[i])
			if err != nil {
				return nil, fmt.Errorf("segments: %s: %w", s.ID, err)
			}
			if err := e.Objects.Put(ctx, runs[i].Key, customerlist.ContentType, files[i], size); err != nil {
				e.Log.Error("segment export", "segment", s.ID, "error", err.Error())
				errs = append(errs, fmt.Errorf("segment %s: %w", s.ID, err))
				failed[i] = true
				continue
			}
			stored[i] = true
		}
	}
	var done []Run
	for i, s := range segs {
		if failed[i] {
			continue
		}
		r := runs[i]
		if err := e.Runs.SaveRun(ctx, r); err != nil {
			errs = append(errs, fmt.Errorf("segment %s: record the run: %w", s.ID, err))
			continue
		}
		size, _ := files[i].Seek(0, io.SeekEnd)
		e.Log.Info("segment export", "segment", s.ID, "matching", r.Matching, "exportable", r.Exportable, "key", r.Key, "bytes", size)
		done = append(done, r)
	}
	return done, errors.Join(errs...)
}

// drop rewrites files[i] without the rows of the hashes in drop (a new
// temporary file), and says how many it dropped.
func (e *Exporter) drop(i int, files []*os.File, drop map[string]bool) (int, error) {
	if len(drop) == 0 {
		return 0, nil
	}
	old := files[i]
	if _, err := old.Seek(0, io.SeekStart); err != nil {
		return 0, err
	}
	f, err := os.CreateTemp(e.TempDir, "segment-*.csv")
	if err != nil {
		return 0, fmt.Errorf("temporary file: %w", err)
	}
	files[i] = f // removed with the others
	defer func() {
		old.Close()
		os.Remove(old.Name())
	}()
	w := bufio.NewWriterSize(f, 64<<10)
	n, err := customerlist.Filter(w, old, drop)
	if err == nil {
		err = w.Flush()
	}
	return n, err
}

// rewind is a file's size, read from its start.
func rewind(f *os.File) (int64, error) {
	size, err := f.Seek(0, io.SeekEnd)
	if err == nil {
		_, err = f.Seek(0, io.SeekStart)
	}
	return size, err
}
