package backfill

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hotpass/hotpass"
	"github.com/hotpass/hotpass/engine"
	"github.com/hotpass/hotpass/engine/store"
	"github.com/hotpass/hotpass/internal/archive"
	"github.com/hotpass/hotpass/internal/storetest"
	"github.com/hotpass/hotpass/tasks"
	_ "github.com/hotpass/hotpass/tasks/noop"
	_ "github.com/hotpass/hotpass/tasks/read"
	_ "github.com/hotpass/hotpass/tasks/write"
)

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }
func jsonEqual(a, b any) bool             { return reflect.DeepEqual(a, b) }

// pipelineSpec reads the archive's orgs.csv and writes it as the run's
// output workbook.
const pipelineSpec = `version: 1
name: replay
params:
  input_dir: {type: string}
  output_path: {type: string}
  region: {type: string, default: za}
tasks:
  load:
    type: read
    with: {path: "{{ params.input_dir }}/orgs.csv"}
  publish:
    type: write
    with: {input: load, path: "{{ params.output_path }}"}
`

// fixture is a sandbox with an archive root, a restore root and a pipeline.
type fixture struct {
	dir, archives, restore, state string
	cfg                           *Config
	loader                        *engine.Loader
}

func newFixture(t *testing.T, block string) *fixture {
	t.Helper()
	dir := t.TempDir()
	f := &fixture{dir: dir, archives: filepath.Join(dir, "archives"), restore: filepath.Join(dir, "restore"), state: filepath.Join(dir, "state")}
	if err := os.WriteFile(filepath.Join(dir, "pipeline.yaml"), []byte(pipelineSpec), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := "version: 1\nname: bf\norchestrator:\n  backfill:\n    archive_root: archives\n    restore_root: restore\n    pipeline: {spec: pipeline.yaml}\n" + block
	if err := os.WriteFile(filepath.Join(dir, "backfill.yaml"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	l, err := engine.NewLoader(tasks.Default())
	if err != nil {
		t.Fatal(err)
	}
	f.loader = l
	f.cfg, err = LoadConfig(l, filepath.Join(dir, "backfill.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// addArchive archives a directory holding files for date and version.
func (f *fixture) addArchive(t *testing.T, date, version string, files map[string]string) string {
	t.Helper()
	in := filepath.Join(t.TempDir(), "in")
	for name, body := range files {
		p := filepath.Join(in, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	name, err := f.cfg.ArchivePattern.Render(day(date), version)
	if err != nil {
		t.Fatal(err)
	}
	dest := filepath.Join(f.archives, name)
	_ = os.Remove(dest)
	if _, err := archive.Create(in, dest); err != nil {
		t.Fatal(err)
	}
	return dest
}

// runnerPipeline runs backfill pipelines through a Runner keeping runs
// under stateDir, recorded in its own history there.
func runnerPipeline(t testing.TB, l *engine.Loader, stateDir string) *RunnerPipeline {
	t.Helper()
	r, err := hotpass.New(hotpass.WithLoader(l), hotpass.WithStateDir(stateDir))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = r.Close() })
	return &RunnerPipeline{Runner: r, ParentID: "backfill-parent"}
}

func (f *fixture) run(t *testing.T, ctx context.Context, sel Selection, o Options) *Summary {
	t.Helper()
	jobs, err := f.cfg.Jobs(sel)
	if err != nil {
		t.Fatal(err)
	}
	if o.Pipeline == nil {
		o.Pipeline = runnerPipeline(t, f.loader, f.state)
	}
	s, err := Run(ctx, f.cfg, jobs, o)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func statuses(s *Summary) string {
	var out []string
	for _, r := range s.Runs {
		out = append(out, fmt.Sprintf("%s/%s=%s", r.Date, r.Version, r.Status))
	}
	return strings.Join(out, " ")
}

const orgs = "id,name\n1,Skyward\n2,Blue Air\n3,Kestrel\n"

func TestRunReplaysAndResumes(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "    on_missing: skip\n    concurrency_limit: 2\n")
	f.addArchive(t, "2024-01-01", "1", map[string]string{"orgs.csv": orgs})
	f.addArchive(t, "2024-01-02", "1", map[string]string{"other.csv": orgs}) // the pipeline fails on this one
	f.addArchive(t, "2024-01-04", "1", map[string]string{"orgs.csv": orgs, "nested/extra.txt": "x"})
	sel := Selection{Start: "2024-01-01", End: "2024-01-04", Versions: []string{"1"}}
	s := f.run(t, context.Background(), sel, Options{})

	if got, want := statuses(s), "2024-01-01/1=succeeded 2024-01-02/1=failed 2024-01-03/1=missing 2024-01-04/1=succeeded"; got != want {
		t.Fatalf("statuses = %s, want %s", got, want)
	}
	if s.Total != 4 || s.Succeeded != 2 || s.Failed != 1 || s.Missing != 1 || s.Records != 6 || s.OK() {
		t.Errorf("summary counts: %+v", s)
	}
	failed := s.Runs[1]
	if !strings.Contains(failed.Error, "task load failed") || !strings.Contains(failed.Error, "orgs.csv") {
		t.Errorf("failed run error = %q, want it to name the task and the file", failed.Error)
	}
	ok := s.Runs[0]
	if ok.RunID != "backfill-2024-01-01-1" || ok.Records != 3 {
		t.Errorf("succeeded run: %+v", ok)
	}
	if _, err := os.Stat(filepath.Join(f.restore, "outputs", "refined-2024-01-01-1.xlsx")); err != nil {
		t.Errorf("output workbook: %v", err)
	}
	if _, err := os.Stat(filepath.Join(f.restore, "2024-01-04--1", "nested", "extra.txt")); err != nil {
		t.Errorf("restored tree: %v", err)
	}
	var onDisk Summary
	data, err := os.ReadFile(filepath.Join(f.restore, SummaryFile))
	if err != nil || json.Unmarshal(data, &onDisk) != nil || onDisk.Failed != 1 || len(onDisk.Runs) != 4 {
		t.Errorf("summary file: %v %+v", err, onDisk)
	}
	var table bytes.Buffer
	if err := s.WriteTable(&table); err != nil {
		t.Fatal(err)
	}
	row := ""
	for _, line := range strings.Split(table.String(), "\n") {
		if strings.HasPrefix(line, "2024-01-02") {
			row = line
		}
	}
	if !strings.Contains(table.String(), "4 runs: 2 succeeded, 1 failed, 0 skipped, 1 missing · 6 records") ||
		!strings.Contains(row, " failed ") || !strings.HasSuffix(row, failed.Error) {
		t.Errorf("table:\n%s", table.String())
	}

	// A second run skips what succeeded and retries the failure, under a
	// fresh run id since the first one's directory exists.
	f.addArchive(t, "2024-01-02", "1", map[string]string{"orgs.csv": orgs})
	s = f.run(t, context.Background(), sel, Options{})
	if got, want := statuses(s), "2024-01-01/1=skipped 2024-01-02/1=succeeded 2024-01-03/1=missing 2024-01-04/1=skipped"; got != want {
		t.Errorf("second pass = %s, want %s", got, want)
	}
	if s.Runs[1].RunID != "backfill-2024-01-02-1.2" {
		t.Errorf("retry run id = %s", s.Runs[1].RunID)
	}
	// A changed archive is not skipped, and --force redoes everything.
	f.addArchive(t, "2024-01-01", "1", map[string]string{"orgs.csv": orgs + "4,Osprey\n"})
	s = f.run(t, context.Background(), sel, Options{})
	if got := statuses(s); !strings.HasPrefix(got, "2024-01-01/1=succeeded 2024-01-02/1=skipped") || s.Runs[0].Records != 4 {
		t.Errorf("changed archive pass = %s", got)
	}
	s = f.run(t, context.Background(), sel, Options{Force: true})
	if s.Succeeded != 3 || s.Skipped != 0 {
		t.Errorf("forced pass = %s", statuses(s))
	}
}

func TestRunMissingArchiveFails(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "")
	s := f.run(t, context.Background(), Selection{Start: "2024-01-01", End: "2024-01-01"}, Options{})
	r := s.Runs[0]
	if r.Status != StatusFailed || !r.Missing || !strings.Contains(r.Error, "archive not found") || s.Missing != 1 || s.OK() {
		t.Errorf("on_missing fail: %+v", r)
	}
}

// TestRunHostileArchives replays each attack as one date's archive and
// checks that the run fails and nothing outside the restore root changes.
func TestRunHostileArchives(t *testing.T) {
	t.Parallel()
	zeros := make([]byte, 8<<20)
	attacks := []struct {
		name    string
		members []zipMember
		raw     []byte
		want    string
	}{
		{name: "zip slip", members: []zipMember{{name: "../../outside.txt", body: "x"}}, want: "escapes"},
		{name: "absolute path", members: []zipMember{{name: "/tmp/hotpass-backfill-evil.txt", body: "x"}}, want: "absolute"},
		{name: "symlink", members: []zipMember{{name: "link", body: "../..", mode: os.ModeSymlink | 0o777}, {name: "link/x", body: "x"}}, want: "symlink"},
		{name: "zip bomb", members: []zipMember{{name: "orgs.csv", body: string(zeros)}}, want: "zip bomb"},
		{name: "duplicate names", members: []zipMember{{name: "orgs.csv", body: orgs}, {name: "orgs.csv", body: "id\n"}}, want: "twice"},
		{name: "checksum mismatch", members: []zipMember{{name: "orgs.csv", body: orgs}, {name: archive.ChecksumsName, body: strings.Repeat("0", 64) + "  orgs.csv\n"}}, want: "checksum mismatch"},
		{name: "truncated", raw: []byte("PK\x03\x04\x14\x00\x00\x00\x08\x00"), want: "corrupt"},
	}
	for _, a := range attacks {
		t.Run(a.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, "")
			f.addArchive(t, "2024-01-01", "1", map[string]string{"orgs.csv": orgs})
			name, _ := f.cfg.ArchivePattern.Render(day("2024-01-02"), "1")
			path := filepath.Join(f.archives, name)
			if a.raw != nil {
				if err := os.WriteFile(path, a.raw, 0o644); err != nil {
					t.Fatal(err)
				}
			} else {
				writeTestZip(t, path, a.members)
			}
			before := treeOutside(t, f.dir, f.restore, f.state)
			s := f.run(t, context.Background(), Selection{Start: "2024-01-01", End: "2024-01-02", Versions: []string{"1"}}, Options{})
			if got := statuses(s); got != "2024-01-01/1=succeeded 2024-01-02/1=failed" {
				t.Fatalf("statuses = %s", got)
			}
			if !strings.Contains(s.Runs[1].Error, a.want) {
				t.Errorf("error = %q, want it to mention %q", s.Runs[1].Error, a.want)
			}
			if after := treeOutside(t, f.dir, f.restore, f.state); !reflect.DeepEqual(before, after) {
				t.Errorf("files outside the restore root changed:\nbefore %v\nafter  %v", before, after)
			}
			if _, err := os.Lstat(filepath.Join(f.restore, "2024-01-02--1")); !errors.Is(err, os.ErrNotExist) {
				t.Error("the hostile archive left a restore directory")
			}
			if _, err := os.Lstat("/tmp/hotpass-backfill-evil.txt"); err == nil {
				t.Error("absolute-path member was written")
			}
			entries, _ := os.ReadDir(f.restore)
			for _, e := range entries {
				if strings.Contains(e.Name(), ".tmp-") {
					t.Errorf("temporary directory left behind: %s", e.Name())
				}
			}
		})
	}
}

func TestRunRestoreRootNotWritable(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "")
	blocker := filepath.Join(f.dir, "blocker")
	if err := os.WriteFile(blocker, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	f.cfg.RestoreRoot = filepath.Join(blocker, "restore") // a path under a file
	jobs, _ := f.cfg.Jobs(Selection{Start: "2024-01-01", End: "2024-01-01"})
	_, err := Run(context.Background(), f.cfg, jobs, Options{Pipeline: runnerPipeline(t, f.loader, f.state)})
	if !errors.Is(err, ErrRestoreRoot) {
		t.Fatalf("err = %v, want ErrRestoreRoot", err)
	}
}

func TestRunPipelineWithoutParams(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "")
	spec := filepath.Join(f.dir, "plain.yaml")
	if err := os.WriteFile(spec, []byte("version: 1\nname: plain\ntasks:\n  a: {type: noop}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	f.cfg.Pipeline = PipelineRef{Spec: spec}
	jobs, _ := f.cfg.Jobs(Selection{Start: "2024-01-01", End: "2024-01-01"})
	_, err := Run(context.Background(), f.cfg, jobs, Options{Pipeline: runnerPipeline(t, f.loader, f.state)})
	if err == nil || !strings.Contains(err.Error(), "does not declare the param input_dir") {
		t.Fatalf("err = %v", err)
	}
	f.cfg.Pipeline = PipelineRef{Profile: "no-such-profile"}
	_, err = Run(context.Background(), f.cfg, jobs, Options{Pipeline: runnerPipeline(t, f.loader, f.state)})
	if !errors.Is(err, ErrNoProfile) {
		t.Fatalf("profile: err = %v, want ErrNoProfile", err)
	}
}

// gatePipeline is a Pipeline that counts runs in flight. Each run waits
// until `gate` runs are in flight together (or the test's patience runs
// out), which proves that the backfill let that many overlap.
type gatePipeline struct {
	inFlight, maxSeen, calls atomic.Int64
	gate                     int64
	onRun                    func(n int64)
}

func newGate(gate int64) *gatePipeline {
	return &gatePipeline{gate: gate}
}

func (g *gatePipeline) Check(context.Context, PipelineRef) error { return nil }

func (g *gatePipeline) Run(ctx context.Context, req Request) (*engine.RunRecord, error) {
	n := g.calls.Add(1)
	cur := g.inFlight.Add(1)
	defer g.inFlight.Add(-1)
	for {
		m := g.maxSeen.Load()
		if cur <= m || g.maxSeen.CompareAndSwap(m, cur) {
			break
		}
	}
	deadline := time.Now().Add(5 * time.Second)
	for g.inFlight.Load() < g.gate && time.Now().Before(deadline) && ctx.Err() == nil {
		time.Sleep(time.Millisecond)
	}
	if g.onRun != nil {
		g.onRun(n)
	}
	if _, err := os.Stat(req.InputDir); err != nil {
		return nil, err
	}
	if req.Params[ParamInputDir] != req.InputDir || req.Params["region"] != "eu" {
		return nil, fmt.Errorf("params = %v", req.Params)
	}
	return &engine.RunRecord{RunID: req.RunID, Status: engine.StatusSucceeded,
		Tasks: []engine.TaskRecord{{ID: "x", Status: engine.StatusSucceeded, RowsOut: 10}}}, nil
}

func TestRunConcurrencyLimit(t *testing.T) {
	t.Parallel()
	for _, limit := range []int{0, 1, 3} {
		t.Run(fmt.Sprint(limit), func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, fmt.Sprintf("    concurrency_limit: %d\n    parameters: {region: eu}\n", limit))
			for d := 1; d <= 6; d++ {
				f.addArchive(t, fmt.Sprintf("2024-01-%02d", d), "1", map[string]string{"orgs.csv": orgs})
			}
			st := storetest.Open(t)
			g := newGate(int64(max(limit, 1)))
			s := f.run(t, context.Background(), Selection{Start: "2024-01-01", End: "2024-01-06", Versions: []string{"1"}}, Options{Pipeline: g, Store: st})
			if s.Succeeded != 6 || s.Records != 60 {
				t.Fatalf("summary: %s", statuses(s))
			}
			if got, want := g.maxSeen.Load(), int64(max(limit, 1)); got != want {
				t.Errorf("max runs in flight = %d, want %d", got, want)
			}
			leases, err := st.ListLeases(context.Background(), DefaultConcurrencyKey)
			if err != nil || len(leases) != 0 {
				t.Errorf("leases left after the backfill: %v, %v", leases, err)
			}
		})
	}
}

// TestRunLimitAcrossProcesses runs two backfills at once against one
// database, as two processes would: together they stay within the limit.
func TestRunLimitAcrossProcesses(t *testing.T) {
	t.Parallel()
	db := filepath.Join(t.TempDir(), "hotpass.db")
	var inFlight, maxSeen atomic.Int64
	track := func(int64) {
		cur := inFlight.Add(1)
		for m := maxSeen.Load(); cur > m && !maxSeen.CompareAndSwap(m, cur); m = maxSeen.Load() {
		}
		time.Sleep(20 * time.Millisecond) // hold the slot so that the two backfills contend
		inFlight.Add(-1)
	}
	var wg sync.WaitGroup
	for p := range 2 {
		f := newFixture(t, "    concurrency_limit: 2\n    parameters: {region: eu}\n")
		for d := 1; d <= 4; d++ {
			f.addArchive(t, fmt.Sprintf("2024-01-%02d", d), "1", map[string]string{"orgs.csv": orgs})
		}
		st, err := store.OpenSQLite(context.Background(), db, store.SQLiteOptions{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = st.Close() })
		g := newGate(1)
		g.onRun = track
		wg.Go(func() {
			s := f.run(t, context.Background(), Selection{Start: "2024-01-01", End: "2024-01-04", Versions: []string{"1"}}, Options{Pipeline: g, Store: st})
			if s.Succeeded != 4 {
				t.Errorf("process %d: %s", p, statuses(s))
			}
		})
	}
	wg.Wait()
	if got := maxSeen.Load(); got > 2 {
		t.Errorf("%d runs in flight across both backfills, limit 2", got)
	}
}

// brokenStore fails every slot request, as an unreachable database would.
type brokenStore struct{ store.Store }

func (brokenStore) AcquireSlot(context.Context, string, int, string, time.Duration) (store.Lease, bool, error) {
	return store.Lease{}, false, errors.New("connection refused")
}

func TestRunFallsBackWhenStoreFails(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "    concurrency_limit: 2\n    parameters: {region: eu}\n")
	for d := 1; d <= 4; d++ {
		f.addArchive(t, fmt.Sprintf("2024-01-%02d", d), "1", map[string]string{"orgs.csv": orgs})
	}
	var logs bytes.Buffer
	var mu sync.Mutex
	log := slog.New(slog.NewTextHandler(lockedWriter{&mu, &logs}, nil))
	g := newGate(2)
	s := f.run(t, context.Background(), Selection{Start: "2024-01-01", End: "2024-01-04", Versions: []string{"1"}}, Options{Pipeline: g, Store: brokenStore{}, Logger: log})
	if s.Succeeded != 4 || g.maxSeen.Load() != 2 {
		t.Errorf("fallback: %s, max in flight %d", statuses(s), g.maxSeen.Load())
	}
	mu.Lock()
	defer mu.Unlock()
	if n := strings.Count(logs.String(), "limiting runs in this process only"); n != 1 {
		t.Errorf("fallback warned %d times, want once:\n%s", n, logs.String())
	}
}

type lockedWriter struct {
	mu *sync.Mutex
	w  *bytes.Buffer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// TestRunInterruptedThenResumed cancels a backfill partway (as Ctrl-C
// does) and checks that running it again does only what is left.
func TestRunInterruptedThenResumed(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "    concurrency_limit: 0\n    parameters: {region: eu}\n")
	for d := 1; d <= 5; d++ {
		f.addArchive(t, fmt.Sprintf("2024-01-%02d", d), "1", map[string]string{"orgs.csv": orgs})
	}
	ctx, cancel := context.WithCancel(context.Background())
	g := newGate(1)
	g.onRun = func(n int64) {
		if n == 2 {
			cancel()
		}
	}
	sel := Selection{Start: "2024-01-01", End: "2024-01-05", Versions: []string{"1"}}
	s := f.run(t, ctx, sel, Options{Pipeline: g})
	if s.Succeeded != 2 || s.Cancelled != 3 || s.OK() {
		t.Fatalf("interrupted pass: %s", statuses(s))
	}
	g2 := newGate(1)
	s = f.run(t, context.Background(), sel, Options{Pipeline: g2})
	if s.Skipped != 2 || s.Succeeded != 3 || g2.calls.Load() != 3 {
		t.Errorf("resumed pass: %s, %d pipeline runs", statuses(s), g2.calls.Load())
	}
}

func TestInspect(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "    parameters: {region: eu}\n")
	f.addArchive(t, "2024-01-01", "1", map[string]string{"orgs.csv": orgs})
	f.addArchive(t, "2024-01-02", "1", map[string]string{"orgs.csv": orgs})
	sel := Selection{Start: "2024-01-01", End: "2024-01-03", Versions: []string{"1"}}
	f.run(t, context.Background(), Selection{Start: "2024-01-01", End: "2024-01-01", Versions: []string{"1"}}, Options{Pipeline: newGate(1)})
	jobs, _ := f.cfg.Jobs(sel)
	before := treeOutside(t, f.dir)
	plan, err := Inspect(f.cfg, jobs)
	if err != nil {
		t.Fatal(err)
	}
	if !plan[0].Exists || !plan[0].Done || !plan[1].Exists || plan[1].Done || plan[2].Exists {
		t.Errorf("plan = %+v", plan)
	}
	var b bytes.Buffer
	if err := WritePlan(&b, plan, f.cfg.OnMissing, false); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "skip (already succeeded)") || !strings.Contains(b.String(), "missing (fail)") ||
		!strings.Contains(b.String(), "3 runs: 1 to run, 1 already done, 1 archives missing") {
		t.Errorf("plan table:\n%s", b.String())
	}
	if after := treeOutside(t, f.dir); !reflect.DeepEqual(before, after) {
		t.Error("Inspect changed the filesystem")
	}
}

// zipMember is one entry of a hand-built test archive.
type zipMember struct {
	name, body string
	mode       os.FileMode
}

func writeTestZip(t *testing.T, path string, members []zipMember) {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, m := range members {
		h := &zip.FileHeader{Name: m.name, Method: zip.Deflate}
		h.SetMode(0o644)
		if m.mode != 0 {
			h.SetMode(m.mode)
		}
		w, err := zw.CreateHeader(h)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = w.Write([]byte(m.body))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// treeOutside lists every path under dir with its size and mtime, except
// under the excluded directories.
func treeOutside(t *testing.T, dir string, exclude ...string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		for _, x := range exclude {
			if p == x {
				return filepath.SkipDir
			}
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		line := fmt.Sprintf("%s %s", p, info.Mode())
		if info.Mode().IsRegular() {
			line += fmt.Sprintf(" %d %d", info.Size(), info.ModTime().UnixNano())
		}
		out = append(out, line)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(out)
	return out
}

// TestRunHashesTheArchiveItExtracts replaces the archive between its hashing
// and its extraction: the hash recorded must be that of the data the run
// used, or a later run of the first archive would be skipped for the
// second's result.
func TestRunHashesTheArchiveItExtracts(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "")
	path := f.addArchive(t, "2024-01-01", "1", map[string]string{"orgs.csv": orgs})
	sumA, err := archive.FileSHA256(path)
	if err != nil {
		t.Fatal(err)
	}
	in := filepath.Join(t.TempDir(), "in")
	if err := os.MkdirAll(in, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(in, "orgs.csv"), []byte(orgs+"4,Osprey\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	other := filepath.Join(f.dir, "other.zip")
	if _, err := archive.Create(in, other); err != nil {
		t.Fatal(err)
	}
	sumB, err := archive.FileSHA256(other)
	if err != nil {
		t.Fatal(err)
	}
	var replaced error
	var key string
	s := f.run(t, context.Background(), Selection{Start: "2024-01-01", End: "2024-01-01", Versions: []string{"1"}},
		Options{afterHash: func(j Job) { key, replaced = j.Key(), os.Rename(other, path) }})
	if replaced != nil {
		t.Fatalf("replacing the archive: %v", replaced)
	}
	r := s.Runs[0]
	if r.Status != StatusSucceeded {
		t.Fatalf("run: %+v", r)
	}
	used := map[int64]string{3: sumA, 4: sumB}[r.Records]
	if r.ArchiveSHA256 != used {
		t.Errorf("recorded hash %s, but the run read the archive whose hash is %s (A %s, B %s)", r.ArchiveSHA256, used, sumA, sumB)
	}
	st, err := OpenState(f.restore)
	if err != nil {
		t.Fatal(err)
	}
	if e, ok := st.Get(key); !ok || e.ArchiveSHA256 != used {
		t.Errorf("state entry %q = %+v, want hash %s", key, e, used)
	}
}
