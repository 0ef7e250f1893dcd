// Package exec provides the `exec` task type: run a command, through
// /bin/sh -c or as an argument vector, logging its output.
package exec

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	osexec "os/exec"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/hotpass/hotpass/engine"
	"github.com/hotpass/hotpass/specs"
	"github.com/hotpass/hotpass/specs/decode"
	"github.com/hotpass/hotpass/tasks"
)

func init() { tasks.Register(Type{}) }

// waitDelay is how long Run waits, after the command was killed or exited,
// for descendants that escaped its process group to close its output.
const waitDelay = 2 * time.Second

// Type is the exec task type.
type Type struct{}

// Name returns "exec".
func (Type) Name() string { return "exec" }

// ShellOptions names command, which runs with /bin/sh -c: the value of
// every template expression in it is quoted as one shell word.
func (Type) ShellOptions() []string { return []string{"command"} }

// Options returns the declaration of the `with:` block, for tests that
// walk every type's options.
func (Type) Options() any { return &options{} }

// Schema returns the JSON Schema of the `with:` block.
func (Type) Schema() json.RawMessage {
	return tasks.Schema("exec", "Runs a command. Its stdout and stderr go to the task log; a non-zero exit status fails the task.", &options{})
}

type options struct {
	Command string            `yaml:"command" minlen:"1" hint:"write the shell command to run" examples:"python scripts/fetch.py --date {{ run.date }}" doc:"A shell command line, run with /bin/sh -c. The value of each {{ }} in it becomes one shell word, quoted for where it stands; to use a value as shell code, pass it through env and write \"$NAME\". Give either command or argv."`
	Argv    []string          `yaml:"argv" minlen:"1" hint:"give the program first, then its arguments" examples:"[\"python\", \"scripts/fetch.py\"]" doc:"The program and its arguments, run without a shell (no quoting or globbing). Give either command or argv."`
	Env     map[string]string `yaml:"env" doc:"Environment variables added to (or overriding) the environment hotpass runs in."`
	Dir     string            `yaml:"dir" doc:"Working directory, relative to the spec file's directory. Defaults to the spec file's directory."`
	Timeout tasks.Duration    `yaml:"timeout" examples:"30s|10m" doc:"Kill the command (and every process it started) after this long, as a duration such as 30s or 5m. Applies to each attempt, within the task's own timeout."`
}

// OptionRules: a command line or an argument vector, never both.
func (options) OptionRules() []decode.Rule {
	return []decode.Rule{decode.OneOf("command", "argv").
		WhenNone("exec needs with.command or with.argv", `for example with: {command: "make data"} or with: {argv: [make, data]}`).
		WhenSeveral("with.command and with.argv cannot both be given", "use command for a shell line, or argv to run a program without a shell")}
}

// Prepare checks the options: exactly one of command and argv, a non-empty
// program, well-formed environment names.
func (Type) Prepare(spec *specs.Spec, task *specs.Task) (engine.Task, error) {
	var o options
	opts, err := tasks.Decode(spec, task, &o)
	if err != nil {
		return nil, err
	}
	var diags specs.Diagnostics
	hasCmd := opts.Has("command")
	if !hasCmd && len(o.Argv) > 0 && o.Argv[0] == "" {
		diags = append(diags, opts.Errorf("argv", "the program (first element) is empty"))
	}
	keys := make([]string, 0, len(o.Env))
	for k := range o.Env {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if k == "" || strings.ContainsAny(k, "=\x00") {
			diags = append(diags, opts.Errorf("env", "invalid variable name %q", k).
				WithHint("names must be non-empty and contain no '='"))
		}
	}
	if len(diags) > 0 {
		return nil, diags
	}
	t := &runner{dir: o.Dir, timeout: time.Duration(o.Timeout)}
	if hasCmd {
		t.argv = []string{"/bin/sh", "-c", o.Command}
	} else {
		t.argv = o.Argv
	}
	for _, k := range keys {
		t.env = append(t.env, k+"="+o.Env[k])
	}
	return t, nil
}

type runner struct {
	argv    []string
	env     []string // KEY=value, sorted
	dir     string
	timeout time.Duration
}

// Run starts the command in its own process group and waits for it. On
// cancellation or timeout the whole group is killed. Processes the command
// left running in its group when it exits are killed too, so a task never
// leaves stray children behind.
func (t *runner) Run(ctx context.Context, env *engine.Env) (*engine.Result, error) {
	parent := ctx
	if t.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, t.timeout)
		defer cancel()
	}
	dir := env.SpecDir
	if t.dir != "" {
		dir = env.ResolvePath(t.dir)
	}
	if dir != "" {
		if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
			return nil, fmt.Errorf("working directory %s does not exist or is not a directory (with.dir is relative to the spec file)", dir)
		}
	}
	out := env.Output
	if out == nil {
		out = io.Discard
	}
	tail := &tailBuffer{}
	cmd := osexec.CommandContext(ctx, t.argv[0], t.argv[1:]...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), t.env...)
	cmd.Stdout = out
	cmd.Stderr = io.MultiWriter(out, tail)
	cmd.SysProcAttr = procAttr()
	cmd.Cancel = func() error { return killGroup(cmd.Process.Pid) }
	cmd.WaitDelay = waitDelay
	if env.Log != nil {
		env.Log.Info("running command", "argv", t.argv, "dir", dir)
	}
	err := cmd.Run()
	if cmd.Process != nil {
		_ = killGroup(cmd.Process.Pid)
	}
	res := &engine.Result{}
	if cmd.ProcessState != nil {
		res.Attrs = map[string]any{"exit_code": cmd.ProcessState.ExitCode()}
	}
	if env.Log != nil && cmd.ProcessState != nil {
		env.Log.Info("command finished", "exit_code", cmd.ProcessState.ExitCode())
	}
	switch {
	case err == nil:
		return res, nil
	case parent.Err() != nil:
		return res, fmt.Errorf("command cancelled: %w", context.Cause(parent))
	case t.timeout > 0 && errors.Is(ctx.Err(), context.DeadlineExceeded):
		return res, &engine.TimeoutError{After: t.timeout}
	case cmd.ProcessState == nil:
		return res, fmt.Errorf("start %s: %w", t.argv[0], err)
	}
	return res, exitError(cmd.ProcessState, err, tail)
}

// exitError describes how the command ended, quoting the end of stderr so
// that the reason shows up without opening the log.
func exitError(ps *os.ProcessState, err error, tail *tailBuffer) error {
	var msg string
	if ws, ok := ps.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		msg = "killed by signal " + ws.Signal().String()
	} else if code := ps.ExitCode(); code > 0 {
		msg = fmt.Sprintf("exit status %d", code)
	} else {
		// The command exited 0 but its output outlived it (WaitDelay).
		return fmt.Errorf("command exited but its output was not closed: %w", err)
	}
	if lines := tail.lastLines(5); len(lines) > 0 {
		msg += "; stderr: " + strings.Join(lines, " | ")
	}
	return errors.New(msg)
}

// killGroup kills the process group led by pid.
func killGroup(pid int) error {
	if err := syscall.Kill(-pid, syscall.SIGKILL); err != nil {
		if errors.Is(err, syscall.ESRCH) {
			return os.ErrProcessDone
		}
		return fmt.Errorf("kill process group %d: %w", pid, err)
	}
	return nil
}

// tailBuffer keeps the last few KiB written to it. Only exec's stderr
// copier writes to it, and it is read after the command is done.
type tailBuffer struct {
	buf []byte
}

const tailMax = 4 << 10

func (b *tailBuffer) Write(p []byte) (int, error) {
	b.buf = append(b.buf, p...)
	if len(b.buf) > tailMax {
		b.buf = append(b.buf[:0], b.buf[len(b.buf)-tailMax:]...)
	}
	return len(p), nil
}

// lastLines returns up to n last non-blank lines, each cut to 200 bytes.
func (b *tailBuffer) lastLines(n int) []string {
	var out []string
	lines := strings.Split(string(b.buf), "\n")
	for i := len(lines) - 1; i >= 0 && len(out) < n; i-- {
		l := strings.TrimSpace(lines[i])
		if l == "" {
			continue
		}
		if len(l) > 200 {
			l = strings.ToValidUTF8(l[:200], "") + "…"
		}
		out = append(out, l)
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out
}
