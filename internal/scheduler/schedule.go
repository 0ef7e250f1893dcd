// Package scheduler runs deployments on their schedules: the Scheduler
// queues a run for every due fire of every deployment (claiming each fire
// in the store, so that several schedulers never fire the same time twice),
// and the Worker runs queued runs under concurrency limits shared through
// the store's slot leases.
package scheduler

import (
	"fmt"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
)

// parser accepts standard 5-field cron expressions and descriptors such
// as @daily and @every 1h.
var parser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// Schedule is a parsed cron expression in a time zone.
type Schedule struct {
	expr  string
	sched cron.Schedule
	loc   *time.Location
}

// ParseSchedule checks a cron expression and an IANA time zone name
// (empty means UTC). The error names the bad value.
func ParseSchedule(expr, tz string) (*Schedule, error) {
	loc := time.UTC
	if tz != "" {
		l, err := time.LoadLocation(tz)
		if err != nil {
			return nil, fmt.Errorf("time zone %q: unknown (use an IANA name such as Africa/Johannesburg or UTC): %w", tz, err)
		}
		loc = l
	}
	if strings.TrimSpace(expr) == "" {
		return nil, fmt.Errorf("schedule %q: empty cron expression", expr)
	}
	if strings.HasPrefix(strings.TrimSpace(expr), "TZ=") || strings.HasPrefix(strings.TrimSpace(expr), "CRON_TZ=") {
		return nil, fmt.Errorf("schedule %q: give the time zone with --timezone, not inside the expression", expr)
	}
	s, err := parser.Parse(expr)
	if err != nil {
		return nil, fmt.Errorf("schedule %q: %w (want 5 fields: minute hour day-of-month month day-of-week, or @hourly, @daily, @weekly, @monthly, @every 1h)", expr, err)
	}
	return &Schedule{expr: expr, sched: s, loc: loc}, nil
}

// Next returns the first fire strictly after t, evaluated in the
// schedule's time zone, or the zero time when there is none.
func (s *Schedule) Next(t time.Time) time.Time {
	return s.sched.Next(t.In(s.loc))
}

// Location is the schedule's time zone.
func (s *Schedule) Location() *time.Location { return s.loc }

// String returns the cron expression.
func (s *Schedule) String() string { return s.expr }
