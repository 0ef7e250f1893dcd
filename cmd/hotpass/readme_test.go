package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/spf13/cobra"
	"gopkg.in/yaml.v3"

	"github.com/hotpass/hotpass/internal/docblocks"
	"github.com/hotpass/hotpass/internal/pgtest"
)

// The README is a promise to a new user: every command it shows works as
// written, in a fresh checkout. These tests run its sh blocks and check its
// yaml blocks against the built binary, in a directory laid out as the
// checkout is (examples/ and the bundled linkage data), one block after the
// other as a reader would, so a block may use what an earlier one wrote.
//
// What a block needs is marked on it (see internal/docblocks): the test
// gives a block a PostgreSQL store (needs: postgres, through pgtest), a
// running `hotpass serve` (needs: server; 127.0.0.1:4200 in the block is
// replaced by its address, HOTPASS_API_TOKEN is its token) or a secret
// (needs: secret NAME: a placeholder, so such a block must work with any
// value, as one showing an unreachable service's warning does). A block
// marked skip: is not run and the reason printed.
//
// Inside sh blocks, `hotpass serve` starts the server, waits until it
// answers /api/health, and stops it with SIGTERM, expecting exit 0; `make
// demo` runs the Makefile's demo with the binary under test, writing into
// the block's directory. Other make targets build or test the checkout
// itself and are refused: mark such a block skip:.

// readmeBlockTimeout stops a block that hangs; it guards the test and
// measures nothing, so it is generous: a shared machine under load runs
// the linkage blocks many times slower than an idle one.
const readmeBlockTimeout = 10 * time.Minute

// readmeServeAddr is the address the README gives `hotpass serve`.
const readmeServeAddr = "127.0.0.1:4200"

func TestREADMEExamples(t *testing.T) {
	t.Parallel()
	bin := hotpassBinary(t)
	src, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	blocks, err := docblocks.Markdown(string(src))
	if err != nil {
		t.Fatalf("README.md: %v", err)
	}
	ws := newReadmeWorkspace(t, bin)
	ran := 0
	for _, b := range blocks {
		if b.Lang != "sh" && b.Lang != "yaml" {
			continue
		}
		ran++
		// Sequential on purpose: a block may use what an earlier one wrote.
		t.Run(fmt.Sprintf("README.md:%d", b.Line), func(t *testing.T) {
			ws.check(t, "README.md", b)
		})
	}
	if ran == 0 {
		t.Fatal("README.md has no sh or yaml block: the parser no longer finds them")
	}
}

// helpExamples lists the commands whose --help has an Examples section,
// each with why its examples are not run, if they are not; TestHelpExamples
// runs the others and fails when a command gains or loses a section
// without this table following.
var helpExamples = map[string]string{
	"hotpass archive":                  "",
	"hotpass backfill":                 "it reads a backfill configuration (a spec's orchestrator.backfill block, see the README's Backfills) the checkout does not hold",
	"hotpass completion bash":          "",
	"hotpass completion fish":          "",
	"hotpass completion powershell":    "",
	"hotpass completion zsh":           "",
	"hotpass deploy":                   "",
	"hotpass deployment ls":            "",
	"hotpass deployment pause":         "",
	"hotpass deployment resume":        "",
	"hotpass deployment rm":            "",
	"hotpass deployment run":           "",
	"hotpass deployment show":          "",
	"hotpass geo clusters":             "",
	"hotpass graph":                    "",
	"hotpass init":                     "",
	"hotpass linkage blocking-stats":   "",
	"hotpass linkage evaluate":         "",
	"hotpass linkage export-splink":    "it exports a model trained with levels DuckDB can score, which the bundled configurations do not all have",
	"hotpass linkage suggest-blocking": "",
	"hotpass orchestrate":              "",
	"hotpass privacy erase":            "its second example names a workbook of its own",
	"hotpass privacy scan":             "",
	"hotpass privacy verify-audit":     "",
	"hotpass profiles ls":              "",
	"hotpass profiles show":            "",
	"hotpass resolve":                  "",
	"hotpass run":                      "",
	"hotpass runs cancel":              "its examples name a run in progress by an id of their own",
	"hotpass runs logs":                "",
	"hotpass runs ls":                  "",
	"hotpass runs prune":               "",
	"hotpass runs show":                "",
	"hotpass schema":                   "",
	"hotpass serve":                    "it serves until stopped",
	"hotpass worker":                   "it needs a Temporal server and serves until stopped",
	"hotpass validate":                 "",
	"hotpass version":                  "",
}

func TestHelpExamples(t *testing.T) {
	t.Parallel()
	var have []string
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		if c.Example != "" {
			have = append(have, c.CommandPath())
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(newRootCmd())
	slices.Sort(have)
	listed := slices.Sorted(maps.Keys(helpExamples))
	if !slices.Equal(have, listed) {
		t.Fatalf("commands with an Examples section: %q; helpExamples lists %q: update the table", have, listed)
	}
	bin := hotpassBinary(t)
	for _, path := range listed {
		t.Run(path, func(t *testing.T) {
			args := append(strings.Fields(path)[1:], "--help")
			out, err := exec.Command(bin, args...).Output()
			if err != nil {
				t.Fatalf("%s --help: %v", path, err)
			}
			b, ok, err := docblocks.HelpExamples(string(out))
			if err != nil || !ok {
				t.Fatalf("%s --help: examples found %v, error %v\n%s", path, ok, err, out)
			}
			if reason := helpExamples[path]; reason != "" {
				// Not run, but every hotpass command line must still parse.
				parseExampleLines(t, path, b.Text)
				t.Skipf("%s --help: examples parsed, not run: %s", path, reason)
			}
			// Each command's examples start from a fresh checkout.
			newReadmeWorkspace(t, bin).check(t, path+" --help", b)
		})
	}
}

// readmeWorkspace is the directory the examples run in, and what they run
// with.
type readmeWorkspace struct {
	dir, bin, repo string
}

// newReadmeWorkspace lays out a directory as the checkout is, for what the
// examples read: examples/ and the bundled fake_1000 people.
func newReadmeWorkspace(t *testing.T, bin string) *readmeWorkspace {
	t.Helper()
	repo, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "hotpass")
	for _, sub := range []string{"examples", "testdata/linkage/fake_1000"} {
		if err := os.CopyFS(filepath.Join(dir, sub), os.DirFS(filepath.Join(repo, sub))); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(dir, ".home"), 0o755); err != nil {
		t.Fatal(err)
	}
	return &readmeWorkspace{dir: dir, bin: bin, repo: repo}
}

// check runs or checks one block; doc names where it comes from.
func (w *readmeWorkspace) check(t *testing.T, doc string, b docblocks.Block) {
	where := fmt.Sprintf("%s:%d", doc, b.Line)
	if b.Skip != "" {
		t.Skipf("%s: not run: %s", where, b.Skip)
	}
	env := w.env(t)
	for _, name := range b.Secrets() {
		// Never the developer's own value: with it, a block could reach a
		// real service (a Label Studio project) from a test.
		env = append(env, name+"=readme-placeholder-"+strings.ToLower(name))
		t.Logf("%s: %s is a placeholder", where, name)
	}
	if b.Has("postgres") {
		env = append(env, "HOTPASS_DATABASE_URL="+pgtest.URL(t))
	}
	text := b.Text
	serveAddr := freeAddr(t)
	if b.Has("server") {
		addr, token := w.startServer(t, env)
		text = strings.ReplaceAll(text, readmeServeAddr, addr)
		env = append(env, "HOTPASS_API_TOKEN="+token, "HOTPASS_URL=http://"+addr)
	} else {
		text = strings.ReplaceAll(text, readmeServeAddr, serveAddr)
	}
	env = append(env, "HOTPASS_README_ADDR="+serveAddr)
	switch b.Lang {
	case "sh":
		w.runShell(t, where, text, env)
	case "yaml":
		w.checkYAML(t, where, b, text, env)
	}
}

// env is the environment of every block: the test's, less what would
// change how hotpass behaves, with the binary first on PATH.
func (w *readmeWorkspace) env(t *testing.T) []string {
	t.Helper()
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(name, "HOTPASS_") || strings.HasPrefix(name, "OTEL_") || name == "PATH" || name == "HOME" {
			continue
		}
		env = append(env, kv)
	}
	return append(env,
		"PATH="+filepath.Dir(w.bin)+string(os.PathListSeparator)+os.Getenv("PATH"),
		"HOME="+filepath.Join(w.dir, ".home"),
		"HOTPASS_README_BIN="+w.bin,
		"HOTPASS_README_REPO="+w.repo,
	)
}

// readmeShell is put before every sh block: it stops at the first failing
// command, as a reader would, and provides `hotpass serve` and `make demo`
// in forms that end.
const readmeShell = `set -euo pipefail
hotpass() {
	if [ "${1-}" = serve ]; then shift; readme_serve "$@"; return; fi
	command hotpass "$@"
}
readme_serve() {
	command hotpass serve --addr "$HOTPASS_README_ADDR" "$@" &
	local pid=$! i
	for i in $(seq 200); do
		curl -fsS -o /dev/null "http://$HOTPASS_README_ADDR/api/health" && break
		if ! kill -0 "$pid" 2>/dev/null; then wait "$pid"; return; fi
		sleep 0.05
	done
	curl -fsS -o /dev/null "http://$HOTPASS_README_ADDR/api/health"
	kill -TERM "$pid"
	wait "$pid"
}
make() {
	if [ "$*" != demo ]; then
		echo "the README test runs only 'make demo', not 'make $*': mark the block skip: with the reason" >&2
		return 1
	fi
	HOTPASS_HOME="$PWD/.hotpass" command make --no-print-directory -C "$HOTPASS_README_REPO" -o build demo \
		BIN="$HOTPASS_README_BIN" DEMO_DIR="$PWD/dist/demo"
}
`

func (w *readmeWorkspace) runShell(t *testing.T, where, text string, env []string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), readmeBlockTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "--noprofile", "--norc", "-c", readmeShell+text)
	cmd.Dir, cmd.Env = w.dir, env
	// A server the block started goes down with it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("%s: still running after %v:\n%s\n%s", where, readmeBlockTimeout, text, tail(out.String()))
	}
	if err != nil {
		t.Fatalf("%s no longer works as written (%v):\n%s\noutput:\n%s", where, err, text, tail(out.String()))
	}
	t.Logf("%s:\n%s", where, tail(out.String()))
}

// topKey matches a top-level key of a YAML mapping.
var topKey = regexp.MustCompile(`(?m)^([A-Za-z_][A-Za-z0-9_-]*):`)

// checkYAML checks a yaml block for what it is: a pre-commit configuration
// against the hooks this repository ships, anything else (specs and
// profiles) with `hotpass validate`, a part of a spec (no version:)
// completed into a spec first.
// With file:, the block is also written where later blocks find it.
func (w *readmeWorkspace) checkYAML(t *testing.T, where string, b docblocks.Block, text string, env []string) {
	t.Helper()
	if strings.HasPrefix(text, " ") {
		t.Fatalf("%s: an indented yaml block cannot be checked: show a whole spec (or its top-level part), or mark it skip: with the reason", where)
	}
	var keys []string
	for _, m := range topKey.FindAllStringSubmatch(text, -1) {
		keys = append(keys, m[1])
	}
	if slices.Contains(keys, "repos") {
		w.checkPreCommit(t, where, text)
		return
	}
	path := b.File
	if path == "" {
		path = filepath.Join(".readme", fmt.Sprintf("line%d.yaml", b.Line))
	}
	spec := text
	profile := slices.Contains(keys, "sources") || slices.Contains(keys, "fields")
	if !profile && !slices.Contains(keys, "version") {
		spec = fmt.Sprintf("version: 1\nname: readme-line-%d\n%s", b.Line, spec)
		if !slices.Contains(keys, "tasks") && !slices.Contains(keys, "orchestrator") {
			spec += "tasks:\n  readme: {type: noop}\n"
		}
	}
	full := filepath.Join(w.dir, path)
	if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(full, []byte(spec), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(w.bin, "validate", path)
	cmd.Dir, cmd.Env = w.dir, env
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s: hotpass validate %s (%v):\n%s\n%s", where, path, err, spec, out)
	}
}

// checkPreCommit checks that every hook a pre-commit configuration in the
// README names for this repository is one the repository ships.
func (w *readmeWorkspace) checkPreCommit(t *testing.T, where, text string) {
	t.Helper()
	var cfg struct {
		Repos []struct {
			Repo  string `yaml:"repo"`
			Hooks []struct {
				ID string `yaml:"id"`
			} `yaml:"hooks"`
		} `yaml:"repos"`
	}
	if err := yaml.Unmarshal([]byte(text), &cfg); err != nil {
		t.Fatalf("%s: %v", where, err)
	}
	shipped, err := os.ReadFile(filepath.Join(w.repo, ".pre-commit-hooks.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var hooks []struct {
		ID string `yaml:"id"`
	}
	if err := yaml.Unmarshal(shipped, &hooks); err != nil {
		t.Fatalf(".pre-commit-hooks.yaml: %v", err)
	}
	ids := map[string]bool{}
	for _, h := range hooks {
		ids[h.ID] = true
	}
	found := 0
	for _, r := range cfg.Repos {
		if !strings.HasSuffix(r.Repo, "/hotpass/hotpass") {
			continue
		}
		for _, h := range r.Hooks {
			found++
			if !ids[h.ID] {
				t.Errorf("%s: hook %q is not in .pre-commit-hooks.yaml", where, h.ID)
			}
		}
	}
	if found == 0 {
		t.Errorf("%s: names no hook of this repository", where)
	}
}

// startServer starts `hotpass serve` for a block that needs one, stopped
// when the block's test ends, and returns its address and token.
func (w *readmeWorkspace) startServer(t *testing.T, env []string) (addr, token string) {
	t.Helper()
	addr = freeAddr(t)
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		t.Fatal(err)
	}
	token = hex.EncodeToString(raw)
	cmd := exec.Command(w.bin, "serve", "--addr", addr)
	cmd.Dir, cmd.Env = w.dir, append(slices.Clone(env), "HOTPASS_API_TOKEN="+token)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		if err := <-exited; err != nil {
			t.Errorf("hotpass serve for the block: %v\n%s", err, out.String())
		}
	})
	deadline := time.Now().Add(guardTime)
	for {
		resp, err := http.Get("http://" + addr + "/api/health")
		if err == nil {
			_ = resp.Body.Close()
			return addr, token
		}
		select {
		case err := <-exited:
			exited <- err
			t.Fatalf("hotpass serve exited before it answered: %v\n%s", err, out.String())
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("hotpass serve did not answer on %s within %v\n%s", addr, guardTime, out.String())
		}
	}
}

// freeAddr returns a loopback address with a port nothing listens on now.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	if err := l.Close(); err != nil && !errors.Is(err, net.ErrClosed) {
		t.Fatal(err)
	}
	return addr
}

// TestMakeDemoSuggestsNextSteps: `make demo` ends with three numbered
// things to try, and the commands among them work as printed.
func TestMakeDemoSuggestsNextSteps(t *testing.T) {
	t.Parallel()
	bin := hotpassBinary(t)
	ws := newReadmeWorkspace(t, bin)
	cmd := exec.Command("bash", "--noprofile", "--norc", "-c", readmeShell+"make demo")
	cmd.Dir, cmd.Env = ws.dir, ws.env(t)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("make demo: %v\n%s", err, out)
	}
	_, next, ok := strings.Cut(string(out), "\nNext, try:\n")
	if !ok {
		t.Fatalf("make demo does not end with what to try next:\n%s", out)
	}
	var commands []string
	for _, line := range strings.Split(next, "\n") {
		if trimmed := strings.TrimSpace(line); strings.HasPrefix(trimmed, bin+" ") || strings.HasPrefix(trimmed, "mkdir ") {
			commands = append(commands, trimmed)
		}
	}
	for _, n := range []string{"1. ", "2. ", "3. "} {
		if !strings.Contains(next, "\n  "+n) && !strings.HasPrefix(next, "  "+n) {
			t.Errorf("make demo's suggestions lack item %q:\n%s", n, next)
		}
	}
	if strings.Contains(next, "4. ") {
		t.Errorf("make demo suggests more than three things:\n%s", next)
	}
	if len(commands) == 0 {
		t.Fatalf("make demo suggests no command:\n%s", next)
	}
	ws.runShell(t, "make demo's suggestions", strings.Join(commands, "\n")+"\n", ws.env(t))
}

// parseExampleLines runs each hotpass command line of an Examples section
// through the command-line parser: the command, its flags and its
// arguments must all be accepted.
func parseExampleLines(t *testing.T, path, text string) {
	t.Helper()
	text = strings.ReplaceAll(text, "\\\n", " ")
	for _, line := range strings.Split(text, "\n") {
		words := shellWords(line)
		if len(words) == 0 || words[0] != "hotpass" {
			continue
		}
		cmd, rest, err := newRootCmd().Find(words[1:])
		if err != nil {
			t.Errorf("%s example %q: %v", path, line, err)
			continue
		}
		if err := cmd.ParseFlags(rest); err != nil {
			t.Errorf("%s example %q: %v", path, line, err)
			continue
		}
		if err := cmd.ValidateArgs(cmd.Flags().Args()); err != nil {
			t.Errorf("%s example %q: %v", path, line, err)
		}
	}
}

// shellWords splits a command line as sh would for these examples: words
// apart by blanks, quotes kept together; a comment, a redirection or a
// following command ends it; a leading VAR=value is skipped.
func shellWords(line string) []string {
	var words []string
	var cur strings.Builder
	inWord, quote, depth, prev := false, rune(0), 0, rune(0)
	for _, r := range line {
		last := prev
		prev = r
		switch {
		case depth > 0:
			// Inside $( ... ): one word, whatever it holds.
			cur.WriteRune(r)
			if r == '(' {
				depth++
			} else if r == ')' {
				depth--
			}
		case quote == 0 && r == '(' && last == '$':
			cur.WriteRune(r)
			depth = 1
		case quote != 0 && r == quote:
			quote = 0
		case quote != 0:
			cur.WriteRune(r)
		case r == '\'' || r == '"':
			quote, inWord = r, true
		case r == ' ' || r == '\t':
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		case r == '#' && !inWord, r == '>' || r == '|' || r == '&' || r == ';':
			if inWord {
				words = append(words, cur.String())
			}
			return dropAssignments(words)
		default:
			cur.WriteRune(r)
			inWord = true
		}
	}
	if inWord {
		words = append(words, cur.String())
	}
	return dropAssignments(words)
}

func dropAssignments(words []string) []string {
	for len(words) > 0 && strings.Contains(words[0], "=") && !strings.HasPrefix(words[0], "-") {
		words = words[1:]
	}
	return words
}

func TestShellWords(t *testing.T) {
	t.Parallel()
	tests := []struct {
		line string
		want []string
	}{
		{`hotpass deploy --name n --schedule "0 2 * * *"`, []string{"hotpass", "deploy", "--name", "n", "--schedule", "0 2 * * *"}},
		{`hotpass deploy --params '{"a": 1}'   # why`, []string{"hotpass", "deploy", "--params", `{"a": 1}`}},
		{`hotpass schema > out.json`, []string{"hotpass", "schema"}},
		{`HOTPASS_API_TOKEN=$(openssl rand -hex 32) hotpass serve`, []string{"hotpass", "serve"}},
		{`cd dir && hotpass run p.yaml`, []string{"cd", "dir"}},
		{`  # only a comment`, nil},
	}
	for _, tt := range tests {
		if got := shellWords(tt.line); !slices.Equal(got, tt.want) {
			t.Errorf("shellWords(%q) = %q, want %q", tt.line, got, tt.want)
		}
	}
}
