package webui

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/hotpass/hotpass/engine/store"
)

// keepAlive is how often an idle event stream sends a comment, so that
// proxies do not close it.
const keepAlive = 15 * time.Second

// poller returns the current state of what a stream watches, as one line of
// text, and whether the stream may end after sending it.
type poller func(ctx context.Context) (data string, done bool, err error)

// stream sends a server-sent event named event whenever the state poll
// returns changes, checking every Config.Poll, until the viewer leaves or
// poll reports done. The first state is always sent.
func (u *UI) stream(w http.ResponseWriter, r *http.Request, event string, poll poller) {
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	rc := http.NewResponseController(w)
	ctx := r.Context()
	tick := time.NewTicker(u.c.Poll)
	defer tick.Stop()
	last, lastSent := "", time.Now()
	first := true
	for {
		// The server's write timeout is meant for ordinary pages; a stream
		// moves its own deadline forward as long as the viewer stays.
		_ = rc.SetWriteDeadline(time.Now().Add(keepAlive + 10*time.Second))
		data, done, err := poll(ctx)
		if err != nil {
			if ctx.Err() == nil {
				u.log.Warn("web ui: event stream", "path", r.URL.Path, "error", err)
			}
			return
		}
		switch {
		case first || data != last:
			if _, err := fmt.Fprintf(w, "event: %s\ndata: %s\n\n", event, oneLine(data)); err != nil {
				return
			}
			last, lastSent, first = data, time.Now(), false
		case time.Since(lastSent) >= keepAlive:
			if _, err := fmt.Fprint(w, ": keep-alive\n\n"); err != nil {
				return
			}
			lastSent = time.Now()
		}
		if err := rc.Flush(); err != nil {
			return
		}
		if done {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// oneLine keeps an event's data on one line, as the format requires.
func oneLine(s string) string {
	return strings.NewReplacer("\r", "", "\n", " ").Replace(s)
}

// runsEvents tells an open runs list that runs started, changed state or
// were queued, so it reloads.
func (u *UI) runsEvents(w http.ResponseWriter, r *http.Request, _ *session) {
	u.stream(w, r, "runs", func(ctx context.Context) (string, bool, error) {
		var b strings.Builder
		newest, err := u.c.Runs.ListRuns(ctx, store.RunFilter{Limit: 1})
		if err != nil {
			return "", false, err
		}
		for _, run := range newest {
			fmt.Fprintf(&b, "%s=%s;", run.ID, run.Status)
		}
		for _, st := range []store.RunStatus{store.RunRunning, store.RunPending} {
			active, err := u.c.Runs.ListRuns(ctx, store.RunFilter{Status: st, Limit: 200})
			if err != nil {
				return "", false, err
			}
			fmt.Fprintf(&b, "%s:%d;", st, len(active))
			for _, run := range active {
				b.WriteString(run.ID)
				b.WriteByte(',')
			}
		}
		return b.String(), false, nil
	})
}
