package progress

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hotpass/hotpass/internal/backfill"
)

// Stages shows a job made of stages run one after another, such as a
// linkage job's train, predict, cluster and write. On a terminal the
// current stage is redrawn in place with its elapsed time and, for a stage
// that counts its work, done / total, percent and ETA; each finished stage
// stays above as one line. Elsewhere it prints nothing: the job's own
// summary is the record. It is safe for concurrent use.
type Stages struct {
	noun string

	mu     sync.Mutex
	screen screen
	name   string
	since  time.Time
	done   *atomic.Int64
	total  int64
	closed bool

	stop chan struct{}
	wg   sync.WaitGroup
}

// NewStages returns a display writing to w; live says whether w is a
// terminal. noun names what counted stages count ("pairs").
func NewStages(w io.Writer, live bool, noun string) *Stages {
	s := &Stages{noun: noun, screen: screen{w: w, live: live}, stop: make(chan struct{})}
	if live {
		s.wg.Add(1)
		go s.loop()
	}
	return s
}

func (s *Stages) loop() {
	defer s.wg.Done()
	t := time.NewTicker(refresh)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
			s.mu.Lock()
			s.screen.setBlock(s.blockLocked(time.Now()))
			s.mu.Unlock()
		}
	}
}

// Begin ends the current stage, if any, and starts the stage called name.
// done, when not nil, counts its work so far out of total.
func (s *Stages) Begin(name string, done *atomic.Int64, total int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := time.Now()
	s.finishLocked(now)
	s.name, s.since, s.done, s.total = name, now, done, total
	s.screen.setBlock(s.blockLocked(now))
}

// finishLocked prints the current stage as finished above the block.
func (s *Stages) finishLocked(now time.Time) {
	if s.name == "" || !s.screen.live {
		return
	}
	line := fmt.Sprintf("  ✓ %s %s", s.name, round(now.Sub(s.since)))
	if s.done != nil {
		line += fmt.Sprintf(" · %s %s", backfill.Thousands(s.done.Load()), s.noun)
	}
	s.screen.printAbove(line, "")
	s.name = ""
}

// blockLocked renders the current stage's status line.
func (s *Stages) blockLocked(now time.Time) string {
	if s.name == "" || s.closed {
		return ""
	}
	elapsed := now.Sub(s.since)
	var b strings.Builder
	fmt.Fprintf(&b, "  ▸ %s", s.name)
	if s.done != nil && s.total > 0 {
		done := min(s.done.Load(), s.total)
		fmt.Fprintf(&b, " · %s / %s %s · %d%%", backfill.Thousands(done), backfill.Thousands(s.total), s.noun, done*100/s.total)
		if done > 0 && done < s.total {
			eta := time.Duration(float64(elapsed) * float64(s.total-done) / float64(done))
			fmt.Fprintf(&b, " · ETA %s", eta.Round(time.Second))
		}
	}
	fmt.Fprintf(&b, " · %s\n", elapsed.Round(100*time.Millisecond))
	return b.String()
}

// Write prints p (whole log lines) above the status line.
func (s *Stages) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.screen.write(p)
}

// Close ends the last stage and stops redrawing.
func (s *Stages) Close() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.finishLocked(time.Now())
	s.closed = true
	s.screen.setBlock("")
	s.mu.Unlock()
	close(s.stop)
	s.wg.Wait()
}
