// Package runlog is what `make run` shows a person: the functions' JSON
// log goes whole to a file, and the terminal gets one human line per
// business event (lead captured, alert sent, email sent, feedback
// recorded, unsubscribe, bounce, …) rendered from those records.
//
// The log has no PII by design (lead ids, email hashes). A human line may
// name the lead's address and name: the renderer looks the lead up in the
// local table by id. That text goes to the developer's own terminal only,
// never into the log file.
package runlog

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/leadflow/leadflow/shared/lead"
)

// Finder looks up the lead a record is about (*store.Store is one).
type Finder interface {
	Lead(ctx context.Context, id string) (lead.Lead, error)
}

// Writer takes the JSON log lines of every function (an io.Writer shared
// by their slog handlers): each line goes to File at once; Term gets the
// raw line too when Verbose, else the human line of a known record.
// Rendering (with its lookup) runs on its own goroutine, in log order, so
// a function never waits for the terminal.
type Writer struct {
	file, term io.Writer
	verbose    bool
	find       Finder
	product    func(wall time.Time) time.Time

	mu      sync.Mutex
	partial []byte
	queue   chan []byte
	done    chan struct{}
	dropped int
	closed  bool
}

// New starts a Writer; Close drains it.
func New(file, term io.Writer, verbose bool, find Finder) *Writer {
	w := &Writer{file: file, term: term, verbose: verbose, find: find, queue: make(chan []byte, 4096), done: make(chan struct{})}
	go w.render()
	return w
}

// ProductClock makes each line say the product's time too (the sped-up
// clock the emails and make leads show) beside the wall time it was
// logged at; nil shows the wall time only (SPEED=1). Call it before the
// first Write.
func (w *Writer) ProductClock(product func(wall time.Time) time.Time) { w.product = product }

// Write takes any number of log bytes; complete lines are handled.
func (w *Writer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.partial = append(w.partial, p...)
	for {
		i := bytes.IndexByte(w.partial, '\n')
		if i < 0 {
			break
		}
		line := w.partial[:i+1]
		_, _ = w.file.Write(line)
		if w.verbose {
			_, _ = w.term.Write(line)
		} else if !w.closed {
			select {
			case w.queue <- bytes.Clone(line[:i]):
			default:
				w.dropped++ // the terminal fell behind; the file has it all
			}
		}
		w.partial = w.partial[i+1:]
	}
	if len(w.partial) == 0 {
		w.partial = nil
	}
	return len(p), nil
}

// Close renders what is queued and stops.
func (w *Writer) Close() {
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		return
	}
	w.closed = true
	close(w.queue)
	w.mu.Unlock()
	<-w.done
	if w.dropped > 0 {
		fmt.Fprintf(w.term, "(%d log lines were not shown here; the log file has them)\n", w.dropped)
	}
}

func (w *Writer) render() {
	defer close(w.done)
	for line := range w.queue {
		var r Record
		if err := json.Unmarshal(line, &r); err != nil {
			// Not a structured record (a panic, a stray print): show it.
			fmt.Fprintf(w.term, "%s\n", line)
			continue
		}
		l := w.lookup(r)
		if s := Line(r, l); s != "" {
			fmt.Fprintf(w.term, "%s  %s\n", r.clock(w.product), s)
		}
	}
}

// lookup finds the record's lead (nil when it names none, or none is
// stored), for known messages only.
func (w *Writer) lookup(r Record) *lead.Lead {
	if w.find == nil || !known[r.Str("msg")] {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	var l lead.Lead
	var err error
	switch {
	case r.Str("leadId") != "":
		l, err = w.find.Lead(ctx, r.Str("leadId"))
	default:
		return nil
	}
	if err != nil {
		return nil
	}
	return &l
}

// Record is one JSON log line.
type Record map[string]any

// Str is a string attribute ("" when missing).
func (r Record) Str(k string) string {
	switch v := r[k].(type) {
	case string:
		return v
	case float64, bool:
		return fmt.Sprint(v)
	}
	return ""
}

// Num is a numeric attribute (0 when missing).
func (r Record) Num(k string) float64 {
	v, _ := r[k].(float64)
	return v
}

// clock is the record's time as the terminal shows it: local wall time
// with its zone, and the product's time when product is set.
func (r Record) clock(product func(time.Time) time.Time) string {
	t, err := time.Parse(time.RFC3339Nano, r.Str("time"))
	if err != nil {
		return "        "
	}
	s := t.Local().Format("15:04:05 MST")
	if product != nil {
		s += " (product time " + product(t).Local().Format("Mon 2 Jan 15:04 MST") + ")"
	}
	return s
}
