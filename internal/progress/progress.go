// Package progress shows progress on a terminal: a run's (Display) or a
// backfill's (Backfill). On a TTY, status lines are redrawn in place below
// the events and log lines; otherwise each event is one plain line.
package progress

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/hotpass/hotpass/engine"
)

// Display is an engine.Observer that renders progress. Close it when the run
// ends to stop its goroutine and flush what is pending.
type Display struct {
	live   bool
	events chan engine.Event
	done   chan struct{}
	start  time.Time

	mu      sync.Mutex
	screen  screen
	total   int
	final   int
	failed  int
	running map[string]*runningTask
	closed  bool // no live block is drawn once the run is over
}

type runningTask struct {
	id, typ string
	attempt int
	since   time.Time
}

// refresh is how often the live block is redrawn: fast enough to feel live,
// slow enough to cost nothing next to the tasks.
const refresh = 100 * time.Millisecond

// maxLiveLines bounds the live block so that a wide DAG does not scroll.
const maxLiveLines = 12

// New starts a display writing to w. With live set (a terminal), running
// tasks are redrawn in place; otherwise each event is one log line.
func New(w io.Writer, live bool) *Display {
	d := &Display{
		screen:  screen{w: w, live: live},
		live:    live,
		events:  make(chan engine.Event, 4096),
		done:    make(chan struct{}),
		start:   time.Now(),
		running: map[string]*runningTask{},
	}
	go d.loop()
	return d
}

// Observe queues an event; it never does I/O on the scheduler's goroutine.
func (d *Display) Observe(e engine.Event) { d.events <- e }

// Close drains pending events, clears the live block and stops the display.
func (d *Display) Close() {
	close(d.events)
	<-d.done
}

func (d *Display) loop() {
	defer close(d.done)
	var tick <-chan time.Time
	if d.live {
		t := time.NewTicker(refresh)
		defer t.Stop()
		tick = t.C
	}
	for {
		select {
		case e, ok := <-d.events:
			if !ok {
				d.mu.Lock()
				d.screen.setBlock("")
				d.closed = true
				d.mu.Unlock()
				return
			}
			d.handle(e)
		case <-tick:
			d.redraw()
		}
	}
}

func (d *Display) handle(e engine.Event) {
	d.mu.Lock()
	defer d.mu.Unlock()
	var line string
	switch e.Kind {
	case engine.EventRunStarted:
		d.total = e.Total
		d.start = e.Time
		line = fmt.Sprintf("run %s started: %d tasks", e.RunID, e.Total)
	case engine.EventTaskStarted:
		d.running[e.TaskID] = &runningTask{id: e.TaskID, typ: e.TaskType, attempt: e.Attempt, since: e.Time}
		if !d.live {
			line = fmt.Sprintf("task %s (%s) started%s", e.TaskID, e.TaskType, attemptSuffix(e.Attempt))
		}
	case engine.EventTaskRetrying:
		delete(d.running, e.TaskID)
		line = fmt.Sprintf("task %s attempt %d failed: %s; retrying in %s", e.TaskID, e.Attempt, firstLine(e.Error, 0), e.Delay.Round(time.Millisecond))
	case engine.EventTaskFinished:
		delete(d.running, e.TaskID)
		d.final++
		switch e.Status {
		case engine.StatusFailed:
			d.failed++
			line = fmt.Sprintf("task %s failed after %s: %s", e.TaskID, round(e.Duration), firstLine(e.Error, 0))
		case engine.StatusSkipped:
			if !d.live || d.total <= 100 {
				line = fmt.Sprintf("task %s skipped: %s", e.TaskID, e.Reason)
			}
		case engine.StatusCancelled:
			if !d.live || d.total <= 100 {
				line = fmt.Sprintf("task %s cancelled", e.TaskID)
			}
		default:
			if !d.live || d.total <= 100 {
				line = fmt.Sprintf("task %s %s in %s%s", e.TaskID, e.Status, round(e.Duration), rows(e))
			}
		}
	case engine.EventRunFinished:
		line = fmt.Sprintf("run %s %s in %s", e.RunID, e.Status, round(e.Duration))
	}
	if line == "" {
		return
	}
	if !d.live {
		d.screen.println(e.Time.Format("15:04:05") + " " + line)
		return
	}
	d.screen.printAbove(line, d.blockLocked())
}

func attemptSuffix(a int) string {
	if a > 1 {
		return fmt.Sprintf(" (attempt %d)", a)
	}
	return ""
}

func rows(e engine.Event) string {
	if e.RowsIn == 0 && e.RowsOut == 0 {
		return ""
	}
	return fmt.Sprintf(" (%d rows in, %d out)", e.RowsIn, e.RowsOut)
}

// firstLine returns the first line of s, marked " …" when more followed,
// cut to width characters when width > 0.
func firstLine(s string, width int) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i] + " …"
	}
	if r := []rune(s); width > 0 && len(r) > width {
		return string(r[:width-1]) + "…"
	}
	return s
}

func round(d time.Duration) time.Duration {
	switch {
	case d >= time.Minute:
		return d.Round(time.Second)
	case d >= time.Second:
		return d.Round(10 * time.Millisecond)
	default:
		return d.Round(time.Millisecond)
	}
}

// redraw refreshes the live block, whose elapsed times move on.
func (d *Display) redraw() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.screen.setBlock(d.blockLocked())
}

// blockLocked renders the live block: the running tasks, longest running
// first, and the counts; "" when nothing is to be drawn.
func (d *Display) blockLocked() string {
	if !d.live || d.closed {
		return ""
	}
	now := time.Now()
	tasks := make([]*runningTask, 0, len(d.running))
	for _, t := range d.running {
		tasks = append(tasks, t)
	}
	sort.Slice(tasks, func(i, j int) bool { return tasks[i].since.Before(tasks[j].since) })
	var b strings.Builder
	for i, t := range tasks {
		if i == maxLiveLines {
			fmt.Fprintf(&b, "  … and %d more running\n", len(tasks)-maxLiveLines)
			break
		}
		fmt.Fprintf(&b, "  ▸ %s (%s) %s%s\n", t.id, t.typ, now.Sub(t.since).Round(100*time.Millisecond), attemptSuffix(t.attempt))
	}
	failed := ""
	if d.failed > 0 {
		failed = fmt.Sprintf(" · %d failed", d.failed)
	}
	fmt.Fprintf(&b, "%d/%d done · %d running%s · %s elapsed\n", d.final, d.total, len(tasks), failed, now.Sub(d.start).Round(100*time.Millisecond))
	return b.String()
}

// Write prints p (whole log lines) above the live block, so that log records
// and progress share the terminal without tearing each other.
func (d *Display) Write(p []byte) (int, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.screen.write(p)
}
