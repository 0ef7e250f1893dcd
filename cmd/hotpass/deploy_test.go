package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// paramSpec writes a spec with an integer param and returns its path.
func paramSpec(t *testing.T, dir string) string {
	t.Helper()
	path := filepath.Join(dir, "nightly.yaml")
	src := "version: 1\nname: nightly\nparams:\n  limit: {type: integer, default: 10}\ntasks:\n  a: {type: noop}\n"
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestDeployValidation(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	spec := paramSpec(t, dir)
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"bad cron", []string{"--name", "n", "--spec", spec, "--schedule", "61 * * * *"}, `schedule "61 * * * *"`},
		{"six fields", []string{"--name", "n", "--spec", spec, "--schedule", "0 0 6 * * *"}, "want 5 fields"},
		{"bad time zone", []string{"--name", "n", "--spec", spec, "--schedule", "@daily", "--timezone", "Africa/Jozi"}, `time zone "Africa/Jozi"`},
		{"time zone without schedule", []string{"--name", "n", "--spec", spec, "--timezone", "UTC"}, "without --schedule"},
		{"no name", []string{"--spec", spec}, "--name is required"},
		{"spec and profile", []string{"--name", "n", "--spec", spec, "--profile", "aviation"}, "exactly one of --spec and --profile"},
		{"bad overlap", []string{"--name", "n", "--spec", spec, "--overlap", "sometimes"}, `--overlap "sometimes"`},
		{"bad catchup", []string{"--name", "n", "--spec", spec, "--catchup-window", "soon"}, "--catchup-window"},
		{"param type", []string{"--name", "n", "--spec", spec, "--params", `{"limit": "ten"}`}, `param "limit"`},
		{"unknown param", []string{"--name", "n", "--spec", spec, "--params", `{"limt": 1}`}, `did you mean "limit"`},
		{"missing spec", []string{"--name", "n", "--spec", filepath.Join(dir, "gone.yaml")}, "gone.yaml"},
		{"unknown profile", []string{"--name", "n", "--profile", "nosuch"}, `unknown profile "nosuch"; built-in profiles: aviation, generic`},
		{"misspelt profile", []string{"--name", "n", "--profile", "aviaton"}, `did you mean "aviation"?`},
		{"profile unknown param", []string{"--name", "n", "--profile", "aviation", "--params", `{"polcy": "warn"}`}, `unknown param "polcy"`},
		{"profile param type", []string{"--name", "n", "--profile", "generic", "--params", `{"policy": 3}`}, `param "policy": must be a string`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			state := t.TempDir()
			_, stderr, code := cli(t, append([]string{"deploy", "--state-dir", state}, tt.args...)...)
			if code != exitInvalid || !strings.Contains(stderr, tt.want) {
				t.Errorf("exit %d, stderr %q; want 2 and %q", code, stderr, tt.want)
			}
			stdout, _, _ := cli(t, "deployment", "ls", "--state-dir", state)
			if stdout != "no deployments\n" {
				t.Errorf("a rejected deployment was saved:\n%s", stdout)
			}
		})
	}
}

// TestDeployProfileRejected records what a refused profile deployment
// prints: one error naming the flag, and exit status 2.
func TestDeployProfileRejected(t *testing.T) {
	t.Parallel()
	tests := []struct {
		golden string
		args   []string
	}{
		{"deploy_profile_unknown", []string{"--profile", "aviaton"}},
		{"deploy_profile_unknown_param", []string{"--profile", "aviation", "--params", `{"polcy": "warn"}`}},
	}
	for _, tt := range tests {
		t.Run(tt.golden, func(t *testing.T) {
			t.Parallel()
			state := t.TempDir()
			stdout, stderr, code := cli(t, append([]string{"deploy", "--state-dir", state, "--name", "nightly"}, tt.args...)...)
			if code != exitInvalid {
				t.Errorf("exit %d, want %d", code, exitInvalid)
			}
			golden(t, tt.golden, transcript(stdout, stderr, code))
		})
	}
}

func TestDeploymentLifecycle(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	spec := paramSpec(t, dir)
	state := filepath.Join(dir, "state")
	run := func(args ...string) (string, string, int) {
		t.Helper()
		return cli(t, append(args, "--state-dir", state)...)
	}
	steps := []struct {
		name string
		args []string
		code int
	}{
		{"deploy_create", []string{"deploy", "--name", "nightly", "--spec", spec, "--schedule", "0 2 * * *", "--timezone", "Africa/Johannesburg",
			"--tag", "prod", "--tag", "aviation", "--params", `{"limit": 5}`, "--catchup-window", "6h", "--overlap", "queue"}, exitOK},
		{"deploy_update", []string{"deploy", "--name", "nightly", "--spec", spec, "--schedule", "@hourly", "--paused"}, exitOK},
		{"deploy_profile", []string{"deploy", "--name", "by-profile", "--profile", "aviation", "--params",
			`{"input_dir": "../../examples/aviation/data", "output_path": "` + filepath.Join(dir, "out", "refined.xlsx") +
				`", "report_path": "` + filepath.Join(dir, "out", "report") + `"}`}, exitOK},
		{"deployment_ls", []string{"deployment", "ls"}, exitOK},
		{"deployment_show", []string{"deployment", "show", "nightly"}, exitOK},
		{"deployment_ls_json", []string{"deployment", "ls", "--format", "json"}, exitOK},
		{"deployment_ls_bad_format", []string{"deployment", "ls", "--format", "xml"}, exitInvalid},
		{"deployment_show_json", []string{"deployment", "show", "nightly", "--format", "json"}, exitOK},
		{"deployment_show_bad_format", []string{"deployment", "show", "nightly", "--format", "xml"}, exitInvalid},
		{"deployment_resume", []string{"deployment", "resume", "nightly"}, exitOK},
		{"deployment_pause_unknown", []string{"deployment", "pause", "daily"}, exitInvalid},
		{"deployment_run_bad_params", []string{"deployment", "run", "nightly", "--params", `{"limit": 1.5}`}, exitInvalid},
		{"deployment_run_queue", []string{"deployment", "run", "nightly", "--params", `{"limit": 7}`}, exitOK},
		{"deployment_run_wait", []string{"deployment", "run", "nightly", "--wait", "--no-progress"}, exitOK},
		{"deployment_run_profile", []string{"deployment", "run", "by-profile", "--wait", "--no-progress"}, exitOK},
		{"deployment_runs", []string{"runs", "ls", "--deployment", "nightly"}, exitOK},
		{"deployment_show_runs_json", []string{"deployment", "show", "nightly", "--format", "json"}, exitOK},
		{"deployment_rm", []string{"deployment", "rm", "by-profile"}, exitOK},
	}
	for _, s := range steps {
		stdout, stderr, code := run(s.args...)
		if code != s.code {
			t.Errorf("%s: exit %d, want %d\n%s%s", s.name, code, s.code, stdout, stderr)
		}
		if strings.HasSuffix(s.name, "_json") {
			stdout = normalizeJSON(t, stdout)
		}
		golden(t, s.name, normalizeDeploy(transcript(stdout, stderr, code), dir))
	}
}

// normalizeDeploy hides what changes between runs of the deployment tests:
// next-fire times and ids.
func normalizeDeploy(s, dir string) string {
	s = regexpNextFire.ReplaceAllString(s, "$1 NEXT")
	return normalizeHistory(s, dir)
}

func TestDeploymentSpecGone(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	spec := paramSpec(t, dir)
	state := filepath.Join(dir, "state")
	if _, stderr, code := cli(t, "deploy", "--state-dir", state, "--name", "n", "--spec", spec); code != exitOK {
		t.Fatal(stderr)
	}
	if err := os.Remove(spec); err != nil {
		t.Fatal(err)
	}
	_, stderr, code := cli(t, "deployment", "run", "--state-dir", state, "n", "--wait", "--no-progress")
	if code != exitInvalid || !strings.Contains(stderr, spec) {
		t.Errorf("exit %d, stderr %q; want 2 naming %s", code, stderr, spec)
	}
}

func TestServeRefusesOpenAddressWithoutToken(t *testing.T) {
	if os.Getenv("HOTPASS_API_TOKEN") != "" {
		t.Skip("HOTPASS_API_TOKEN is set in the environment")
	}
	t.Parallel()
	for _, addr := range []string{"0.0.0.0:0", ":0"} {
		_, stderr, code := cli(t, "serve", "--state-dir", t.TempDir(), "--addr", addr)
		if code != exitInvalid || !strings.Contains(stderr, "without an API token") || !strings.Contains(stderr, "HOTPASS_API_TOKEN") {
			t.Errorf("%s: exit %d, stderr %q", addr, code, stderr)
		}
	}
}

// TestServeRunsTriggeredRun starts serve, triggers a deployment over the
// API, waits for the run to succeed, and stops serve as SIGTERM would.
func TestServeRunsTriggeredRun(t *testing.T) {
	if os.Getenv("HOTPASS_API_TOKEN") != "" {
		t.Skip("HOTPASS_API_TOKEN is set in the environment")
	}
	t.Parallel()
	dir := t.TempDir()
	state := filepath.Join(dir, "state")
	if _, stderr, code := cli(t, "deploy", "--state-dir", state, "--name", "nightly", "--spec", paramSpec(t, dir)); code != exitOK {
		t.Fatal(stderr)
	}
	addr := freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan int)
	var errb bytes.Buffer
	go func() {
		done <- execute(ctx, []string{"serve", "--state-dir", state, "--addr", addr, "--tick", "50ms"}, io.Discard, &errb)
	}()
	base := "http://" + addr
	for i := 0; ; i++ {
		if resp, err := http.Get(base + "/api/health"); err == nil {
			resp.Body.Close()
			break
		}
		if i > 500 {
			t.Fatalf("serve did not come up: %s", errb.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	resp, err := http.Post(base+"/api/deployments/nightly/runs", "application/json", strings.NewReader(`{"params": {"limit": 3}}`))
	if err != nil {
		t.Fatal(err)
	}
	var run struct {
		ID string `json:"id"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&run)
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted || run.ID == "" {
		t.Fatalf("trigger: %d %+v", resp.StatusCode, run)
	}
	for i := 0; ; i++ {
		resp, err := http.Get(base + "/api/runs/" + run.ID)
		if err != nil {
			t.Fatal(err)
		}
		var got struct {
			Status string `json:"status"`
		}
		_ = json.NewDecoder(resp.Body).Decode(&got)
		resp.Body.Close()
		if got.Status == "succeeded" {
			break
		}
		if got.Status == "failed" || i > 1000 {
			t.Fatalf("run %s: %s\n%s", run.ID, got.Status, errb.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	if code := <-done; code != exitOK {
		t.Errorf("serve exit %d after stop\n%s", code, errb.String())
	}
}

var regexpNextFire = regexp.MustCompile(`(next fire:?\s*)\S+`)
