package backfill

import (
	"fmt"
	"io"
	"sync"
)

// Event reports a change in a backfill's progress: a run started
// (Started set) or ended (Finished set), with the counts after it.
type Event struct {
	Started  *Job
	Finished *RunResult
	// Total runs, Done of them ended, Running now.
	Total, Done, Running int
	Succeeded, Failed    int
	Skipped, Missing     int
}

// Printer shows progress on a terminal: one status line redrawn in place
// when live, else one plain line per finished run (for logs and CI).
type Printer struct {
	w    io.Writer
	live bool
	mu   sync.Mutex
	drew bool
}

// NewPrinter returns a Printer writing to w.
func NewPrinter(w io.Writer, live bool) *Printer { return &Printer{w: w, live: live} }

// Observe prints e. It is safe for concurrent use.
func (p *Printer) Observe(e Event) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.live {
		if r := e.Finished; r != nil {
			line := fmt.Sprintf("backfill [%d/%d] %s %s %s", e.Done, e.Total, r.Date, r.Version, r.Status)
			if r.Status == StatusSucceeded {
				line += fmt.Sprintf(" %s records in %s", Thousands(r.Records), FormatDuration(r.Duration))
			}
			if r.Error != "" {
				line += ": " + oneLine(r.Error, 200)
			}
			fmt.Fprintln(p.w, line)
		}
		return
	}
	p.clear()
	if r := e.Finished; r != nil && r.Status == StatusFailed {
		fmt.Fprintf(p.w, "failed: %s %s: %s\n", r.Date, r.Version, oneLine(r.Error, 200))
	}
	fmt.Fprintf(p.w, "backfill [%d/%d] %d running · %d succeeded · %d failed · %d skipped · %d missing",
		e.Done, e.Total, e.Running, e.Succeeded, e.Failed, e.Skipped, e.Missing)
	p.drew = true
}

// clear erases the live status line.
func (p *Printer) clear() {
	if p.drew {
		fmt.Fprint(p.w, "\r\033[K")
		p.drew = false
	}
}

// Close ends the live line so that what follows starts on its own line.
func (p *Printer) Close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.live && p.drew {
		fmt.Fprintln(p.w)
		p.drew = false
	}
}
