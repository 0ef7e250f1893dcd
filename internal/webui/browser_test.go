package webui_test

import (
	"context"
	"errors"
	"fmt"
	"github.com/hotpass/hotpass"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/hotpass/hotpass/engine"
	"github.com/hotpass/hotpass/engine/store"
	"github.com/hotpass/hotpass/internal/labelstudio"
	"github.com/hotpass/hotpass/internal/runner"
	"github.com/hotpass/hotpass/internal/scheduler"
	"github.com/hotpass/hotpass/internal/storetest"
	"github.com/hotpass/hotpass/internal/webui"
	"github.com/hotpass/hotpass/tasks"
	"github.com/hotpass/hotpass/tasks/linkage/linkjob"
)

// chromium is Debian's browser, which .ci/run installs.
const chromium = "/usr/bin/chromium"

// browser starts a headless chromium with a fresh profile, or skips the
// test when there is none, except under CI where a missing browser fails.
func browser(t *testing.T) context.Context {
	t.Helper()
	if _, err := os.Stat(chromium); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is missing (apt-get install chromium): %v", chromium, err)
		}
		t.Skipf("%s is missing (apt-get install chromium); the browser test needs it", chromium)
	}
	profile, err := os.MkdirTemp("", "hotpass-chromium-")
	must(t, err)
	t.Cleanup(func() {
		// Chromium's helpers may still write there for a moment after it
		// exits.
		for range 50 {
			if os.RemoveAll(profile) == nil {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
	})
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromium), chromedp.Headless, chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck,
		chromedp.NoSandbox, chromedp.DisableGPU, chromedp.UserDataDir(profile),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.WindowSize(1360, 900),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancelAlloc)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(cancel)
	ctx, cancelTimeout := context.WithTimeout(ctx, 3*time.Minute)
	t.Cleanup(cancelTimeout)
	// The first action starts the browser, which lives as long as the
	// context it was started with: start it here, not in a step's
	// shorter-lived context.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start %s: %v", chromium, err)
	}
	return ctx
}

// e2e is a serve-like setup: the UI, a worker running queued runs, a
// deployment whose middle task fails until a marker file exists, and a
// review directory.
type e2e struct {
	srv    *httptest.Server
	st     store.Store
	marker string
	review string
	shots  string
	// run runs specs as `hotpass run` does; spec is the deployment's.
	run  *hotpass.Runner
	spec string
}

func newE2E(t *testing.T) *e2e {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	st := storetest.OpenAt(t, filepath.Join(dir, "hotpass.db"))
	l, err := engine.NewLoader(tasks.Default())
	must(t, err)
	e := &e2e{st: st, marker: filepath.Join(dir, "marker"), review: filepath.Join(dir, "linkage"), shots: filepath.Join(t.TempDir(), "screenshots")}
	must(t, os.MkdirAll(e.shots, 0o755))
	spec := filepath.Join(dir, "customers.yaml")
	src := fmt.Sprintf(`version: 1
name: customers
params:
  region: {type: string, default: za, enum: [za, us, uk], description: "Market whose customers are loaded"}
  limit: {type: integer, default: 1000}
tasks:
  extract: {type: exec, with: {command: "echo reading 1200 customers for {{ params.region }}"}}
  clean: {type: exec, needs: [extract], with: {command: "echo trimming names; echo '<script>alert(1)</script> kept as text'"}}
  enrich: {type: exec, needs: [extract], with: {command: "echo geocoding; sleep 0.3"}}
  dedupe:
    type: exec
    needs: [clean, enrich]
    with: {command: "test -f %s || { echo 'duplicate key: customer 42 appears twice' >&2; exit 1; }; sleep 2; echo 1100 unique"}
  publish: {type: exec, needs: [dedupe], with: {command: "echo published"}}
`, e.marker)
	must(t, os.WriteFile(spec, []byte(src), 0o644))
	d, err := st.PutDeployment(ctx, store.Deployment{Name: "nightly-customers", SpecPath: spec, Schedule: "30 6 * * 1-5",
		Timezone: "Africa/Johannesburg", Tags: []string{"crm"}})
	must(t, err)
	writeReviewQueue(t, e.review, reviewPairs)

	run, err := hotpass.New(hotpass.WithStore(st), hotpass.WithLoader(l), hotpass.WithStateDir(filepath.Join(dir, "state")))
	must(t, err)
	e.run, e.spec = run, spec
	w := &scheduler.Worker{Store: st, Runner: run, Poll: 50 * time.Millisecond}
	ui := webui.New(webui.Config{
		Runs: st, Deployments: st, Loader: l, StateDir: filepath.Join(dir, "state"), Token: testToken,
		Enqueue: func(ctx context.Context, q runner.QueueRequest) (store.Run, error) {
			return runner.Enqueue(ctx, st, l, q)
		},
		Queued: func(store.Run) { w.Wake() }, Cancel: w.Cancel, ReviewDirs: []string{e.review}, Poll: 200 * time.Millisecond,
	})
	e.srv = httptest.NewServer(ui)
	t.Cleanup(e.srv.Close)
	stop, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { w.Run(stop, ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })

	// The failed run the scenario opens.
	r, err := runner.Enqueue(ctx, st, l, runner.QueueRequest{Deployment: d})
	must(t, err)
	w.Wake()
	deadline := time.Now().Add(time.Minute)
	for {
		got, err := st.GetRun(ctx, r.ID)
		must(t, err)
		if got.Status == store.RunFailed {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the first run is %s", got.Status)
		}
		time.Sleep(50 * time.Millisecond)
	}
	return e
}

// shot saves a screenshot of the page under the test's temp dir.
func (e *e2e) shot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	// A live page may be between a reload and its first layout, when
	// Chrome has no size to capture; the next frame has one.
	var buf []byte
	var err error
	for range 20 {
		if buf, err = chromedp.Run(ctx, chromedp.FullScreenshot(100)); err == nil || !strings.Contains(err.Error(), "0 width") {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	must(t, err)
	path := filepath.Join(e.shots, name+".png")
	must(t, os.WriteFile(path, buf, 0o644))
	t.Logf("screenshot %s", path)
	if dir := os.Getenv("HOTPASS_WEBUI_SHOTS"); dir != "" {
		must(t, os.WriteFile(filepath.Join(dir, name+".png"), buf, 0o644))
	}
}

// step runs browser actions, failing the test with the step's name.
func step(t *testing.T, ctx context.Context, name string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, 45*time.Second)
	defer cancel()
	if err := chromedp.Do(sctx, actions...); err != nil {
		html, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body ? document.body.innerText.slice(0, 2000) : ""`))
		t.Fatalf("%s: %v\npage text:\n%s", name, err, html)
	}
}

// waitText waits for text on the page, across the navigation a form
// submission makes.
func waitText(t *testing.T, ctx context.Context, text string) {
	t.Helper()
	waitJS(t, ctx, strconv.Quote(text), fmt.Sprintf(`document.body !== null && document.body.innerText.includes(%q)`, text))
}

// waitJS waits until js is true on the page, across navigations.
func waitJS(t *testing.T, ctx context.Context, what, js string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, 45*time.Second)
	defer cancel()
	for {
		if ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](js)); err == nil && ok {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("waiting for %s: %v", what, ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func evalBool(t *testing.T, ctx context.Context, what, js string) {
	t.Helper()
	ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](js))
	if err != nil || !ok {
		t.Errorf("%s: %v", what, err)
	}
}

// unlabelled lists form controls a screen reader could not name.
const unlabelled = `Array.from(document.querySelectorAll("input:not([type=hidden]), select, textarea"))
	.filter(el => el.labels.length === 0 && !el.getAttribute("aria-label")).map(el => el.name || el.id)`

func TestBrowserScenario(t *testing.T) {
	ctx := browser(t)
	e := newE2E(t)
	base := e.srv.URL

	// Sign in with the keyboard only: the token field has focus.
	step(t, ctx, "login page", chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.CSS(`#token`)))
	e.shot(t, ctx, "01-login")
	step(t, ctx, "sign in", chromedp.KeyEvent(testToken), chromedp.KeyEvent("\r"),
		chromedp.WaitVisible(chromedp.CSS(`table.runs`)))
	step(t, ctx, "a run finished", chromedp.WaitVisible(chromedp.CSS(`table.runs .badge.st-failed`)))
	e.shot(t, ctx, "02-runs")
	if names, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](unlabelled)); err != nil || len(names) > 0 {
		t.Errorf("runs page: controls without a label: %v %v", names, err)
	}
	// The first Tab reaches the skip link, the second the brand link.
	step(t, ctx, "tab", chromedp.KeyEvent("\t"))
	evalBool(t, ctx, "first Tab stop is the skip link", `document.activeElement.classList.contains("skip")`)

	// Open the failed run: its DAG shows the failed node.
	step(t, ctx, "open the failed run", chromedp.Click(chromedp.CSS(`table.runs tbody tr td.mono a`)), chromedp.WaitVisible(chromedp.CSS(`svg.dag`)))
	evalBool(t, ctx, "dedupe is drawn failed", `document.querySelector('[data-task="dedupe"] .box').classList.contains("st-failed")`)
	evalBool(t, ctx, "publish is drawn skipped", `document.querySelector('[data-task="publish"] .box').classList.contains("st-skipped")`)
	e.shot(t, ctx, "03-failed-run")
	failedURL, err := chromedp.Run(ctx, chromedp.Location())
	must(t, err)

	// Its log, through the failed node.
	step(t, ctx, "read the log", chromedp.Click(chromedp.CSS(`svg.dag a[data-task="dedupe"]`)), chromedp.WaitVisible(chromedp.CSS(`#log`)))
	text, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`#log`)))
	must(t, err)
	if !strings.Contains(text, "duplicate key: customer 42 appears twice") {
		t.Errorf("log of dedupe: %q", text)
	}
	e.shot(t, ctx, "04-log")

	// Fix the cause, re-run, and watch the new run finish live.
	must(t, os.WriteFile(e.marker, nil, 0o644))
	step(t, ctx, "back to the run", chromedp.Navigate(failedURL), chromedp.WaitVisible(chromedp.CSS(`svg.dag`)))
	step(t, ctx, "re-run", chromedp.Click(chromedp.CSS(`form[action$="/rerun"] button`)), chromedp.WaitVisible(chromedp.CSS(`.notice`)))
	step(t, ctx, "live updates", chromedp.WaitVisible(chromedp.CSS(`#live`)))
	// Under load the page may open after dedupe finished; either state
	// will do before the end is awaited.
	waitJS(t, ctx, "dedupe running or done", `document.querySelector('[data-task="dedupe"] .box.st-running, [data-task="dedupe"] .box.st-succeeded') !== null`)
	e.shot(t, ctx, "05-rerun-running")
	step(t, ctx, "the run succeeds", chromedp.WaitVisible(chromedp.CSS(`#run-status .badge.st-succeeded`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-task="publish"] .box.st-succeeded`)))
	e.shot(t, ctx, "06-rerun-succeeded")

	// A deployment, triggered with a param.
	step(t, ctx, "deployments", chromedp.Navigate(base+"/deployments"), chromedp.WaitVisible(chromedp.CSS(`table.deployments`)))
	e.shot(t, ctx, "07-deployments")
	step(t, ctx, "open the deployment", chromedp.Click(chromedp.CSS(`table.deployments a[href="/deployments/nightly-customers"]`)),
		chromedp.WaitVisible(chromedp.CSS(`form.params-form`)))
	if names, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](unlabelled)); err != nil || len(names) > 0 {
		t.Errorf("deployment page: controls without a label: %v %v", names, err)
	}
	step(t, ctx, "choose a region", chromedp.SetValue(chromedp.CSS(`#p-region`), "uk"), chromedp.SendKeys(chromedp.CSS(`#p-limit`), "250"))
	e.shot(t, ctx, "08-deployment")
	step(t, ctx, "run now", chromedp.Click(chromedp.CSS(`form.params-form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`#run-status .badge.st-succeeded`)))
	params, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`table.params`)))
	must(t, err)
	if !strings.Contains(params, `"uk"`) || !strings.Contains(params, "250") {
		t.Errorf("params of the triggered run: %q", params)
	}
	e.shot(t, ctx, "09-triggered")

	// A run started by `hotpass run` is re-run from its page by the worker,
	// with the params it was run with.
	res, err := e.run.Run(context.Background(), hotpass.File(e.spec), hotpass.Params(map[string]any{"region": "us"}))
	must(t, err)
	step(t, ctx, "open the direct run", chromedp.Navigate(base+"/runs/"+res.Record.RunID), chromedp.WaitVisible(chromedp.CSS(`form[action$="/rerun"] button`)))
	step(t, ctx, "re-run the direct run", chromedp.Click(chromedp.CSS(`form[action$="/rerun"] button`)), chromedp.WaitVisible(chromedp.CSS(`.notice`)),
		chromedp.WaitVisible(chromedp.CSS(`#run-status .badge.st-succeeded`)))
	head, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`.head`)))
	must(t, err)
	params, err = chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`table.params`)))
	must(t, err)
	if !strings.Contains(head, "started directly") || !strings.Contains(params, `"us"`) {
		t.Errorf("re-run of the direct run: heading %q, params %q", head, params)
	}
	e.shot(t, ctx, "09b-direct-rerun")

	// Review three pairs with the keyboard: m, n, m.
	step(t, ctx, "review desk", chromedp.Navigate(base+"/review"), chromedp.WaitVisible(chromedp.CSS(`a.button.primary`)))
	step(t, ctx, "open the queue", chromedp.Click(chromedp.CSS(`a.button.primary`)), chromedp.WaitVisible(chromedp.CSS(`svg.waterfall`)))
	e.shot(t, ctx, "10-review")
	for i, key := range []string{"m", "n", "m"} {
		// A key pressed before the script listens would be lost.
		step(t, ctx, "page ready", chromedp.WaitVisible(chromedp.CSS(`html[data-ready] svg.waterfall`)))
		step(t, ctx, "decide with "+key, chromedp.KeyEvent(key))
		waitText(t, ctx, fmt.Sprintf("%d of 4 decided", i+1))
	}
	e.shot(t, ctx, "11-reviewed")
	step(t, ctx, "cluster view", chromedp.Navigate(base+"/review/cluster?dir="+url.QueryEscape(e.review)+"&source=crm&id=c3"),
		chromedp.WaitVisible(chromedp.CSS(`svg.cluster circle.rec-open`)))
	e.shot(t, ctx, "13-cluster")
	step(t, ctx, "overview", chromedp.Navigate(base+"/overview"), chromedp.WaitVisible(chromedp.CSS(`svg.days rect.bar`)))
	e.shot(t, ctx, "12-overview")
	ds, err := labelstudio.ReadDecisions(filepath.Join(e.review, linkjob.DecisionsFile), nil)
	must(t, err)
	var got []string
	for _, d := range ds {
		got = append(got, string(d.Decision))
	}
	if strings.Join(got, ",") != "match,non_match,match" {
		t.Errorf("decisions file holds %v", got)
	}
	if must, cannot := labelstudio.Constraints(ds); len(must) != 2 || len(cannot) != 1 {
		t.Errorf("constraints: %d must-link, %d cannot-link", len(must), len(cannot))
	}
	if err := ctx.Err(); errors.Is(err, context.DeadlineExceeded) {
		t.Error("the scenario ran out of time")
	}
}
