package progress

import (
	"fmt"
	"io"
	"sync"

	"github.com/hotpass/hotpass/internal/backfill"
)

// Backfill shows a backfill's progress, its runs being whole runs rather
// than tasks: on a terminal one status line of counts, redrawn in place,
// with each failed run printed above it; otherwise one plain line per
// finished run (for logs and CI). It is safe for concurrent use; Observe is
// its backfill.Options.Progress.
type Backfill struct {
	mu     sync.Mutex
	live   bool
	screen screen
}

// NewBackfill returns a display writing to w, live when w is a terminal.
func NewBackfill(w io.Writer, live bool) *Backfill {
	return &Backfill{live: live, screen: screen{w: w, live: live}}
}

// errorWidth bounds a run's error on its progress line.
const errorWidth = 200

// Observe shows e.
func (p *Backfill) Observe(e backfill.Event) {
	p.mu.Lock()
	defer p.mu.Unlock()
	r := e.Finished
	if !p.live {
		if r == nil {
			return
		}
		line := fmt.Sprintf("backfill [%d/%d] %s %s %s", e.Done, e.Total, r.Date, r.Version, r.Status)
		if r.Status == backfill.StatusSucceeded {
			line += fmt.Sprintf(" %s records in %s", backfill.Thousands(r.Records), backfill.FormatDuration(r.Duration))
		}
		if r.Error != "" {
			line += ": " + firstLine(r.Error, errorWidth)
		}
		p.screen.println(line)
		return
	}
	status := fmt.Sprintf("backfill [%d/%d] %d running · %d succeeded · %d failed · %d skipped · %d missing",
		e.Done, e.Total, e.Running, e.Succeeded, e.Failed, e.Skipped, e.Missing)
	if e.NotStarted > 0 {
		status += fmt.Sprintf(" · %d not started", e.NotStarted)
	}
	status += "\n"
	if r != nil && r.Status == backfill.StatusFailed {
		p.screen.printAbove(fmt.Sprintf("failed: %s %s: %s", r.Date, r.Version, firstLine(r.Error, errorWidth)), status)
		return
	}
	p.screen.setBlock(status)
}

// Write prints p (whole log lines) above the status line, so that log
// records and progress share the terminal without tearing each other.
func (p *Backfill) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.screen.write(b)
}

// Close leaves the last status line on the terminal, as the backfill's
// final counts, and stops redrawing it.
func (p *Backfill) Close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.screen.keep()
}
