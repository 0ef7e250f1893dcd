package store

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestSQLitePragmas(t *testing.T) {
	t.Parallel()
	s, err := OpenSQLite(context.Background(), filepath.Join(t.TempDir(), "h.db"), SQLiteOptions{BusyTimeout: 1500 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for pragma, want := range map[string]string{"journal_mode": "wal", "foreign_keys": "1", "busy_timeout": "1500", "synchronous": "1"} {
		var got string
		if err := s.db.QueryRow("PRAGMA " + pragma).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("PRAGMA %s = %s, want %s", pragma, got, want)
		}
	}
}

// TestSQLiteLocked holds the write lock from another connection for longer
// than the store's busy timeout.
func TestSQLiteLocked(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "h.db")
	s, err := OpenSQLite(ctx, path, SQLiteOptions{BusyTimeout: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	mustCreate(t, s, Run{ID: "r", Pipeline: "p"})

	other, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	conn, err := other.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		t.Fatal(err)
	}
	_, err = s.CreateRun(ctx, Run{ID: "r2", Pipeline: "p"})
	wantErr(t, err, ErrLocked, path, "50ms", "retry")
	// Readers do not wait for the writer in WAL mode.
	if _, err := s.GetRun(ctx, "r"); err != nil {
		t.Errorf("read while another process writes: %v", err)
	}
	// Opening an up-to-date database needs no write lock either.
	s2, err := OpenSQLite(ctx, path, SQLiteOptions{BusyTimeout: 50 * time.Millisecond})
	if err != nil {
		t.Errorf("open while another process writes: %v", err)
	} else {
		s2.Close()
	}
	if _, err := conn.ExecContext(ctx, "ROLLBACK"); err != nil {
		t.Fatal(err)
	}
	mustCreate(t, s, Run{ID: "r2", Pipeline: "p"})
}

func TestOpen(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "new", "dirs", "hotpass.db")
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ss, ok := s.(*SQLiteStore)
	if !ok {
		t.Fatalf("Open(%s) = %T, want *SQLiteStore", path, s)
	}
	if ss.Path() != path {
		t.Errorf("Path() = %s, want %s", ss.Path(), path)
	}
	if _, err := os.Stat(path); err != nil {
		t.Errorf("database file not created: %v", err)
	}
	if _, err := Open(ctx, filepath.Join(t.TempDir(), "what?.db")); !errors.Is(err, ErrInvalid) {
		t.Errorf("path with '?': %v, want ErrInvalid", err)
	}
	// A URL goes to PostgreSQL, whose failure to connect names the database
	// but not the password.
	_, err = Open(ctx, "postgres://u:secret@127.0.0.1:1/hotpass?connect_timeout=1")
	if err == nil || !strings.Contains(err.Error(), `PostgreSQL database "hotpass"`) || strings.Contains(err.Error(), "secret") {
		t.Errorf("unreachable PostgreSQL: %v", err)
	}
}

func TestIsPostgresURL(t *testing.T) {
	t.Parallel()
	for target, want := range map[string]bool{
		"postgres://u@h/db":         true,
		"postgresql://u@h:5432/db":  true,
		"POSTGRES://u@h/db":         true,
		".hotpass/hotpass.db":       false,
		"/var/lib/hotpass.db":       false,
		"":                          false,
		"postgres.db":               false,
		"file:postgres://x":         false,
		"mysql://u@h/db":            false,
		"postgres:/missing-slashes": false,
	} {
		if got := IsPostgresURL(target); got != want {
			t.Errorf("IsPostgresURL(%q) = %v, want %v", target, got, want)
		}
	}
}

func TestMigrationsLoad(t *testing.T) {
	t.Parallel()
	var latest []int
	for _, dialect := range []string{"sqlite", "postgres"} {
		ms, err := loadMigrations(dialect)
		if err != nil {
			t.Fatal(err)
		}
		if len(ms) == 0 {
			t.Fatalf("%s: no migrations", dialect)
		}
		for _, m := range ms {
			if strings.TrimSpace(m.SQL) == "" || m.Name == "" {
				t.Errorf("%s migration %d is empty or unnamed", dialect, m.Version)
			}
		}
		latest = append(latest, latestVersion(ms))
	}
	if latest[0] != latest[1] {
		t.Errorf("SQLite schema is at version %d, PostgreSQL at %d: every change needs a migration in both", latest[0], latest[1])
	}
	if _, err := loadMigrations("oracle"); err == nil {
		t.Error("unknown dialect loaded")
	}
}

func TestCrashReason(t *testing.T) {
	t.Parallel()
	now := t0.Add(time.Hour)
	probe := func(s procState) func(int, time.Time) procState {
		return func(int, time.Time) procState { return s }
	}
	tests := []struct {
		name     string
		run      Run
		state    procState
		crashed  bool
		mentions string
	}{
		{"local gone", Run{Hostname: "me", PID: 9, HeartbeatAt: now}, procGone, true, "process 9 on host me is gone"},
		{"local reused", Run{Hostname: "me", PID: 9, HeartbeatAt: now}, procReused, true, "newer process"},
		{"local alive, stale heartbeat", Run{Hostname: "me", PID: 9, HeartbeatAt: t0}, procAlive, false, ""},
		{"local unknown, stale heartbeat", Run{Hostname: "me", PID: 9, HeartbeatAt: t0}, procUnknown, true, "no heartbeat"},
		{"local unknown, fresh heartbeat", Run{Hostname: "me", PID: 9, HeartbeatAt: now.Add(-time.Minute)}, procUnknown, false, ""},
		{"remote stale", Run{Hostname: "there", PID: 9, HeartbeatAt: t0}, procGone, true, "host there"},
		{"remote fresh", Run{Hostname: "there", PID: 9, HeartbeatAt: now}, procGone, false, ""},
		{"no pid, stale start", Run{Hostname: "me", StartedAt: t0}, procGone, true, "no heartbeat"},
		{"no heartbeat, fresh start", Run{StartedAt: now}, procGone, false, ""},
		{"nothing but creation, stale", Run{CreatedAt: t0}, procGone, true, "its process"},
		{"exactly stale-after old", Run{Hostname: "there", HeartbeatAt: now.Add(-10 * time.Minute)}, procGone, false, ""},
		{"on Temporal, worker gone", Run{Hostname: "me", PID: 9, StartedAt: t0, WorkflowID: "hotpass-r1"}, procGone, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.run.Status = RunRunning
			reason, crashed := crashReason(tt.run, "me", now, 10*time.Minute, probe(tt.state))
			if crashed != tt.crashed || !strings.Contains(reason, tt.mentions) {
				t.Errorf("crashReason = %q, %v; want %v mentioning %q", reason, crashed, tt.crashed, tt.mentions)
			}
		})
	}
	if _, crashed := crashReason(Run{Status: RunSucceeded, CreatedAt: t0}, "me", now, time.Minute, probe(procGone)); crashed {
		t.Error("a finished run was judged crashed")
	}
}

func TestDefaultTarget(t *testing.T) {
	t.Setenv(EnvDatabaseURL, "")
	if got := DefaultTarget(); got != DefaultPath {
		t.Errorf("unset: %q, want %q", got, DefaultPath)
	}
	t.Setenv(EnvDatabaseURL, "postgres://u@h/db")
	if got := DefaultTarget(); got != "postgres://u@h/db" {
		t.Errorf("set: %q", got)
	}
}

// TestListRunsUsesIndex checks that every ListRuns filter is answered by
// walking an index in order, without sorting: what keeps a page fast
// however many runs the history holds.
func TestListRunsUsesIndex(t *testing.T) {
	t.Parallel()
	s, err := OpenSQLite(context.Background(), filepath.Join(t.TempDir(), "h.db"), SQLiteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	before := RunCursor{CreatedAt: t0, ID: "x"}
	for _, f := range []RunFilter{
		{Limit: 50},
		{Limit: 50, Before: before},
		{Limit: 50, Status: RunFailed},
		{Limit: 50, Deployment: "d", Before: before},
		{Limit: 50, Pipeline: "p"},
		{Limit: 50, Status: RunFailed, Deployment: "d", Pipeline: "p"},
	} {
		q, args := sqliteRunsQuery(f)
		rows, err := s.db.Query("EXPLAIN QUERY PLAN "+q, args...)
		if err != nil {
			t.Fatal(err)
		}
		var plan []string
		for rows.Next() {
			var id, parent, unused int
			var detail string
			if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, detail)
		}
		rows.Close()
		all := strings.Join(plan, "; ")
		if !strings.Contains(all, "USING INDEX runs_by_") || strings.Contains(all, "TEMP B-TREE") {
			t.Errorf("filter %+v: plan %q; want an index walk without a sort", f, all)
		}
	}
}
