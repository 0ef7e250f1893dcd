package webui_test

import (
	"bufio"
	"context"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hotpass/hotpass/engine"
	"github.com/hotpass/hotpass/engine/store"
	"github.com/hotpass/hotpass/internal/runner"
)

func TestPages(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "")
	c := f.client(t)
	failed := "/runs/" + f.failedID
	for _, tc := range []struct {
		path  string
		wants []string
	}{
		{"/", []string{"<h1>Runs</h1>", f.failedID, "20260301T070000Z-direct", `class="badge st-failed"`, `<label for="f-status">`}},
		{"/?status=failed", []string{f.failedID}},
		{failed, []string{"1 task failed: dedupe", `class="dag"`, `data-task="dedupe"`, "box st-failed", "Timeline",
			"http://tempo.example/trace/4bf92f3577b34da6a3ce929d0e0e4736", "owner", `action="/runs/` + f.failedID + `/rerun"`}},
		{failed + "/tasks/dedupe/log", []string{"starting dedupe", "duplicate key: 42", "Download as text"}},
		{failed + "/tasks/extract/log", []string{"without writing anything"}},
		{"/deployments", []string{"nightly", "every day at 06:30", "Africa/Johannesburg", `class="tick st-failed"`}},
		{"/deployments/nightly", []string{"Next 5 fires", `name="param.region"`, `<option value="us"`, `name="param.limit"`, "default: 10", "Run now"}},
		{"/deployments/nightly/delete", []string{"Type <strong>nightly</strong> to confirm"}},
		{"/static/app.css", []string{".dag .box"}},
		{"/static/app.js", []string{"EventSource"}},
	} {
		r := f.get(t, c, tc.path)
		if r.code != http.StatusOK {
			t.Errorf("GET %s: %d\n%s", tc.path, r.code, r.body)
			continue
		}
		contains(t, "GET "+tc.path, r.body, tc.wants...)
		if csp := r.hdr.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") || !strings.Contains(csp, "frame-ancestors 'none'") {
			t.Errorf("GET %s: Content-Security-Policy %q", tc.path, csp)
		}
		if r.hdr.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("GET %s: no X-Content-Type-Options: nosniff", tc.path)
		}
		if strings.Contains(r.body, "<script>") || strings.Contains(r.body, " style=") {
			t.Errorf("GET %s: inline script or style in the page", tc.path)
		}
	}
}

func TestNotFoundPages(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "")
	c := f.client(t)
	for _, tc := range []struct{ path, want string }{
		{"/runs/no-such-run", `There is no run &#34;no-such-run&#34;`},
		{"/runs/no-such-run/tasks/a/log", "There is no run"},
		{"/runs/" + f.failedID + "/tasks/nope/log", `has no task &#34;nope&#34;`},
		{"/deployments/nope", `There is no deployment &#34;nope&#34;`},
		{"/deployments/nope/delete", "There is no deployment"},
		{"/no/such/page", "There is no page at /no/such/page"},
	} {
		r := f.get(t, c, tc.path)
		if r.code != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", tc.path, r.code)
		}
		contains(t, "GET "+tc.path, r.body, tc.want, "<h1>Not found</h1>")
		if strings.Contains(r.body, "goroutine") {
			t.Errorf("GET %s: a stack trace in the page", tc.path)
		}
	}
}

func TestPrunedRun(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "")
	c := f.client(t)
	r := f.get(t, c, "/runs/20260301T070000Z-direct")
	if r.code != http.StatusOK {
		t.Fatalf("%d %s", r.code, r.body)
	}
	contains(t, "pruned run", r.body, "directory was pruned", `data-task="extract"`)
	r = f.get(t, c, "/runs/20260301T070000Z-direct/tasks/extract/log")
	contains(t, "pruned run's log", r.body, "is gone (pruned or on another machine)")
	if r = f.get(t, c, "/runs/20260301T070000Z-direct/tasks/extract/log.txt"); r.code != http.StatusNotFound {
		t.Errorf("download of a pruned log: %d, want 404", r.code)
	}
}

func TestHostileValuesAreText(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "")
	c := f.client(t)
	id := url.PathEscape("evil" + hostile)
	// A notice is chosen by key; a crafted one shows nothing.
	if r := f.get(t, c, "/runs/"+f.failedID+"?notice="+url.QueryEscape(hostile)); strings.Contains(r.body, "script&gt;") || strings.Contains(r.body, "<script>") {
		t.Error("a crafted notice reached the page")
	}
	for _, path := range []string{"/", "/runs/" + id, "/runs/" + f.failedID + "/tasks/dedupe/log", "/runs/" + id + "/tasks/" + url.PathEscape(hostile) + "/log",
		"/?pipeline=" + url.QueryEscape(hostile) + "&status=" + url.QueryEscape(hostile)} {
		r := f.get(t, c, path)
		if r.code != http.StatusOK {
			t.Errorf("GET %s: %d", path, r.code)
		}
		if strings.Contains(r.body, hostile) || strings.Contains(r.body, "<script>") {
			t.Errorf("GET %s: the hostile value reached the page unescaped", path)
		}
		if !strings.Contains(r.body, "&lt;script&gt;") && !strings.Contains(r.body, "%3cscript%3e") {
			t.Errorf("GET %s: the hostile value is not shown as text", path)
		}
	}
	// Links to a hostile run stay on its page: the id is one path segment.
	r := f.get(t, c, "/")
	contains(t, "runs list", r.body, `href="/runs/evil%3Cscript%3Ealert%28%22x%22%29%3C%2Fscript%3E"`)
}

func TestAuth(t *testing.T) {
	t.Parallel()
	f := newFixture(t, testToken)
	anon := f.client(t)

	r := f.get(t, anon, "/runs/"+f.failedID)
	if r.code != http.StatusSeeOther || r.hdr.Get("Location") != "/login?next="+url.QueryEscape("/runs/"+f.failedID) {
		t.Fatalf("page without a session: %d to %q, want 303 to the login page", r.code, r.hdr.Get("Location"))
	}
	bad := f.client(t)
	u, _ := url.Parse(f.srv.URL)
	bad.Jar.SetCookies(u, []*http.Cookie{{Name: "hotpass_session", Value: "forged.9999999999.c2lnbmF0dXJl"}})
	if r := f.get(t, bad, "/"); r.code != http.StatusSeeOther {
		t.Errorf("page with a forged cookie: %d, want 303", r.code)
	}
	if r := f.post(t, anon, "/login", url.Values{"token": {"wrong"}}); r.code != http.StatusUnauthorized || !strings.Contains(r.body, "not the server") {
		t.Errorf("wrong token: %d", r.code)
	}
	if r := f.post(t, anon, "/login", url.Values{"token": {testToken}, "next": {"//evil.example/"}}); r.code != http.StatusSeeOther || r.hdr.Get("Location") != "/" {
		t.Errorf("login with an off-site next: %d to %q, want 303 to /", r.code, r.hdr.Get("Location"))
	} else {
		ck := r.hdr.Get("Set-Cookie")
		for _, attr := range []string{"HttpOnly", "SameSite=Strict", "Path=/"} {
			if !strings.Contains(ck, attr) {
				t.Errorf("session cookie %q lacks %s", ck, attr)
			}
		}
		if strings.Contains(ck, testToken) {
			t.Error("the session cookie holds the token")
		}
	}
	good := f.client(t)
	f.login(t, good)
	if r := f.get(t, good, "/"); r.code != http.StatusOK {
		t.Fatalf("signed in: %d", r.code)
	}
	csrf := f.csrf(t, good, "/deployments/nightly")

	pause := "/deployments/nightly/pause"
	for _, tc := range []struct {
		name string
		c    func() *http.Client
		form url.Values
	}{
		{"no cookie", func() *http.Client { return f.client(t) }, url.Values{"csrf": {csrf}}},
		{"forged cookie", func() *http.Client { return bad }, url.Values{"csrf": {csrf}}},
		{"no csrf token", func() *http.Client { return good }, url.Values{}},
		{"wrong csrf token", func() *http.Client { return good }, url.Values{"csrf": {csrf + "x"}}},
		{"another session's token", func() *http.Client { other := f.client(t); f.login(t, other); return other }, url.Values{"csrf": {csrf}}},
	} {
		r := f.post(t, tc.c(), pause, tc.form)
		if r.code != http.StatusForbidden {
			t.Errorf("%s: %d, want 403", tc.name, r.code)
		}
		if f.deployment(t, "nightly").Paused {
			t.Fatalf("%s: the deployment was paused", tc.name)
		}
	}
	for _, path := range []string{"/runs/20260301T090000Z-pending/cancel", "/deployments/nightly/run", "/deployments/nightly/delete", "/runs/" + f.failedID + "/rerun"} {
		before := f.runCount(t)
		if r := f.post(t, good, path, url.Values{"confirm": {"nightly"}}); r.code != http.StatusForbidden {
			t.Errorf("POST %s without csrf: %d, want 403", path, r.code)
		}
		if f.runCount(t) != before {
			t.Errorf("POST %s without csrf queued a run", path)
		}
	}
	if run, _ := f.st.GetRun(context.Background(), "20260301T090000Z-pending"); run.Status != store.RunPending {
		t.Errorf("pending run is %s after refused cancels", run.Status)
	}
	f.deployment(t, "nightly") // still there

	if r := f.post(t, good, pause, url.Values{"csrf": {csrf}}); r.code != http.StatusSeeOther {
		t.Fatalf("pause with the token: %d %s", r.code, r.body)
	}
	if !f.deployment(t, "nightly").Paused {
		t.Error("pause with the token did not pause")
	}
	if r := f.post(t, good, "/logout", url.Values{"csrf": {csrf}}); r.code != http.StatusSeeOther {
		t.Errorf("logout: %d", r.code)
	}
	if r := f.get(t, good, "/"); r.code != http.StatusSeeOther {
		t.Errorf("after logout: %d, want 303 to login", r.code)
	}
}

func TestNoTokenStillNeedsCSRF(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "")
	if r := f.get(t, f.client(t), "/login"); r.code != http.StatusSeeOther {
		t.Errorf("login page without a token: %d, want a redirect to /", r.code)
	}
	if r := f.post(t, f.client(t), "/deployments/nightly/pause", url.Values{}); r.code != http.StatusForbidden {
		t.Errorf("POST without a session: %d, want 403", r.code)
	}
	c := f.client(t)
	f.get(t, c, "/")
	if r := f.post(t, c, "/deployments/nightly/pause", url.Values{}); r.code != http.StatusForbidden {
		t.Errorf("POST without the csrf token: %d, want 403", r.code)
	}
	if f.deployment(t, "nightly").Paused {
		t.Error("paused without a csrf token")
	}
}

func TestRequestTooLarge(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "")
	c := f.client(t)
	csrf := f.csrf(t, c, "/deployments/nightly")
	body := "csrf=" + csrf + "&param.owner=" + strings.Repeat("x", 10<<20)
	before := f.runCount(t)
	resp, err := c.Post(f.srv.URL+"/deployments/nightly/run", "application/x-www-form-urlencoded", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	r := read(t, resp)
	if r.code != http.StatusRequestEntityTooLarge {
		t.Errorf("10 MB form: %d, want 413", r.code)
	}
	if f.runCount(t) != before {
		t.Error("a run was queued from a 10 MB form")
	}
}

func TestRunNowParams(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "")
	c := f.client(t)
	for _, tc := range []struct {
		name, dep string
		form      url.Values
		wants     []string
	}{
		{"wrong type", "nightly", url.Values{"param.limit": {"ten"}}, []string{`param &#34;limit&#34;: must be an integer, got &#34;ten&#34;`, `aria-invalid="true"`, `value="ten"`}},
		{"outside the enum", "nightly", url.Values{"param.region": {"uk"}}, []string{`param &#34;region&#34;`, "uk"}},
		{"unknown param", "nightly", url.Values{"param.limt": {"5"}}, []string{`unknown param &#34;limt&#34; (did you mean &#34;limit&#34;?)`}},
		{"missing required param", "adhoc", url.Values{}, []string{`param &#34;owner&#34; is required (declared at`, "pipe.yaml:"}},
	} {
		csrf := f.csrf(t, c, "/deployments/"+tc.dep)
		tc.form.Set("csrf", csrf)
		before := f.runCount(t)
		r := f.post(t, c, "/deployments/"+tc.dep+"/run", tc.form)
		if r.code != http.StatusUnprocessableEntity {
			t.Errorf("%s: %d, want 422", tc.name, r.code)
		}
		contains(t, tc.name, r.body, tc.wants...)
		if f.runCount(t) != before {
			t.Errorf("%s: a run was queued", tc.name)
		}
	}
	csrf := f.csrf(t, c, "/deployments/nightly")
	r := f.post(t, c, "/deployments/nightly/run", url.Values{"csrf": {csrf}, "param.limit": {"5"}, "param.region": {"us"}})
	if r.code != http.StatusSeeOther {
		t.Fatalf("valid params: %d %s", r.code, r.body)
	}
	id := strings.TrimPrefix(strings.Split(r.hdr.Get("Location"), "?")[0], "/runs/")
	run, err := f.st.GetRun(context.Background(), id)
	if err != nil {
		t.Fatalf("queued run %q: %v", id, err)
	}
	if run.Status != store.RunPending || run.Deployment != "nightly" {
		t.Errorf("queued run: %s of %q", run.Status, run.Deployment)
	}
	if got := string(run.Params); got != `{"limit":5,"owner":"ops","region":"us"}` {
		t.Errorf("queued params %s", got)
	}
	if p := f.get(t, c, r.hdr.Get("Location")); !strings.Contains(p.body, "Run queued") {
		t.Error("the queued run's page does not confirm it")
	}
}

func TestRerunAndCancel(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "")
	c := f.client(t)
	ctx := context.Background()
	csrf := f.csrf(t, c, "/runs/"+f.failedID)

	r := f.post(t, c, "/runs/"+f.failedID+"/rerun", url.Values{"csrf": {csrf}})
	if r.code != http.StatusSeeOther {
		t.Fatalf("rerun: %d %s", r.code, r.body)
	}
	id := strings.TrimPrefix(strings.Split(r.hdr.Get("Location"), "?")[0], "/runs/")
	run, err := f.st.GetRun(ctx, id)
	if err != nil || run.Deployment != "nightly" || string(run.Params) != `{"limit":7,"owner":"ops"}` {
		t.Errorf("re-run %q: %+v %v", id, run, err)
	}
	// A direct run that did not record its spec's hash is re-run from its
	// spec file once the person agrees to run the file as it is now.
	r = f.post(t, c, "/runs/20260301T070000Z-direct/rerun", url.Values{"csrf": {csrf}})
	if r.code != http.StatusConflict || !strings.Contains(r.body, "did not record its spec&#39;s hash") {
		t.Errorf("rerun of a direct run without a spec hash: %d, want 409 asking to confirm\n%s", r.code, r.body)
	}
	m := specHashRE.FindStringSubmatch(r.body)
	if m == nil {
		t.Fatalf("the confirmation page carries no spec hash:\n%s", r.body)
	}
	// Its params, checked against the file, lack the required owner: the
	// error names it and where the spec declares it, and nothing is queued.
	before := f.runCount(t)
	r = f.post(t, c, "/runs/20260301T070000Z-direct/rerun", url.Values{"csrf": {csrf}, "spec_hash": {m[1]}})
	if r.code != http.StatusUnprocessableEntity || !strings.Contains(r.body, `param &#34;owner&#34; is required`) ||
		!strings.Contains(r.body, "pipe.yaml:6:3") {
		t.Errorf("confirmed rerun of a direct run without its required param: %d, want 422 naming owner at pipe.yaml:6:3\n%s", r.code, r.body)
	}
	if n := f.runCount(t); n != before {
		t.Errorf("a refused re-run queued a run: %d runs, want %d", n, before)
	}

	if r := f.post(t, c, "/runs/20260301T090000Z-pending/cancel", url.Values{"csrf": {csrf}}); r.code != http.StatusSeeOther {
		t.Errorf("cancel pending: %d %s", r.code, r.body)
	}
	if run, _ := f.st.GetRun(ctx, "20260301T090000Z-pending"); run.Status != store.RunCancelled {
		t.Errorf("cancelled pending run is %s", run.Status)
	}
	if r := f.post(t, c, "/runs/20260301T100000Z-running/cancel", url.Values{"csrf": {csrf}}); r.code != http.StatusSeeOther {
		t.Errorf("cancel running: %d %s", r.code, r.body)
	}
	f.mu.Lock()
	asked := append([]string(nil), f.cancels...)
	f.mu.Unlock()
	if len(asked) != 1 || asked[0] != "20260301T100000Z-running" {
		t.Errorf("cancel asked for %v", asked)
	}
	if r := f.post(t, c, "/runs/"+f.failedID+"/cancel", url.Values{"csrf": {csrf}}); r.code != http.StatusConflict {
		t.Errorf("cancel of a finished run: %d, want 409", r.code)
	}
	if r := f.post(t, c, "/runs/nope/cancel", url.Values{"csrf": {csrf}}); r.code != http.StatusNotFound {
		t.Errorf("cancel of an unknown run: %d, want 404", r.code)
	}
}

func TestDeploymentActions(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "")
	c := f.client(t)
	csrf := f.csrf(t, c, "/deployments/nightly")
	for _, step := range []struct {
		path   string
		paused bool
	}{{"/deployments/nightly/pause", true}, {"/deployments/nightly/resume", false}} {
		if r := f.post(t, c, step.path, url.Values{"csrf": {csrf}}); r.code != http.StatusSeeOther {
			t.Fatalf("POST %s: %d", step.path, r.code)
		}
		if got := f.deployment(t, "nightly").Paused; got != step.paused {
			t.Errorf("after %s paused = %v", step.path, got)
		}
	}
	if r := f.post(t, c, "/deployments/nightly/delete", url.Values{"csrf": {csrf}, "confirm": {"nightl"}}); r.code != http.StatusUnprocessableEntity {
		t.Errorf("delete with a wrong confirmation: %d, want 422", r.code)
	}
	f.deployment(t, "nightly")
	if r := f.post(t, c, "/deployments/nightly/delete", url.Values{"csrf": {csrf}, "confirm": {"nightly"}}); r.code != http.StatusSeeOther {
		t.Fatalf("delete: %d", r.code)
	}
	if _, err := f.st.GetDeployment(context.Background(), "nightly"); err == nil {
		t.Error("deployment still there after delete")
	}
	if _, err := f.st.GetRun(context.Background(), f.failedID); err != nil {
		t.Errorf("run history lost with the deployment: %v", err)
	}
	if r := f.post(t, c, "/deployments/nightly/pause", url.Values{"csrf": {csrf}}); r.code != http.StatusNotFound {
		t.Errorf("pause of a deleted deployment: %d, want 404", r.code)
	}
}

func TestLogPaging(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "")
	c := f.client(t)
	var b strings.Builder
	for i := range 20000 {
		b.WriteString("line ")
		b.WriteString(strings.Repeat("=", i%7))
		b.WriteString(" ")
		b.WriteString(strconv.Itoa(i))
		b.WriteString("\n")
	}
	path := engine.TaskLogPath(runner.RunDir(f.state, f.failedID), "dedupe")
	must(t, os.WriteFile(path, []byte(b.String()), 0o644))
	base := "/runs/" + f.failedID + "/tasks/dedupe/log"

	tail := f.get(t, c, base)
	contains(t, "tail", tail.body, " 19999\n", "« Older")
	if strings.Contains(tail.body, "line  0\n") {
		t.Error("the tail shows the head")
	}
	head := f.get(t, c, base+"?offset=0")
	contains(t, "head", head.body, ">line  0\n", "Newer »")
	// A page that starts mid-line begins at the next whole line.
	mid := f.get(t, c, base+"?offset=3")
	contains(t, "offset 3", mid.body, ">line = 1\n")
	if r := f.get(t, c, base+"?offset=-1"); r.code != http.StatusBadRequest {
		t.Errorf("negative offset: %d, want 400", r.code)
	}
	dl := f.get(t, c, base+".txt")
	if dl.body != b.String() || !strings.HasPrefix(dl.hdr.Get("Content-Disposition"), "attachment") {
		t.Errorf("download: %d bytes, disposition %q", len(dl.body), dl.hdr.Get("Content-Disposition"))
	}
}

// A 1 GB log is paged: showing its tail reads one chunk, not the file.
func TestHugeLogIsPaged(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "")
	c := f.client(t)
	path := engine.TaskLogPath(runner.RunDir(f.state, f.failedID), "dedupe")
	fh, err := os.OpenFile(path, os.O_RDWR|os.O_TRUNC, 0o644)
	must(t, err)
	const size = 1 << 30
	must(t, fh.Truncate(size)) // sparse: no disk used
	_, err = fh.WriteAt([]byte("the very last line\n"), size)
	must(t, err)
	must(t, fh.Close())

	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	r := f.get(t, c, "/runs/"+f.failedID+"/tasks/dedupe/log")
	runtime.ReadMemStats(&after)
	if r.code != http.StatusOK {
		t.Fatalf("%d", r.code)
	}
	contains(t, "1 GB log", r.body, "the very last line", "of 1073741843")
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 32<<20 {
		t.Errorf("showing the tail of a 1 GB log allocated %d MB", grew>>20)
	}
	req, _ := http.NewRequest(http.MethodGet, f.srv.URL+"/runs/"+f.failedID+"/tasks/dedupe/log.txt", nil)
	req.Header.Set("Range", "bytes=1073741824-")
	resp, err := c.Do(req)
	must(t, err)
	dl := read(t, resp)
	if dl.code != http.StatusPartialContent || dl.body != "the very last line\n" {
		t.Errorf("ranged download: %d %q", dl.code, dl.body)
	}
}

// readEvent reads the next server-sent event's data.
func readEvent(t *testing.T, br *bufio.Reader) (string, string) {
	t.Helper()
	var name, data string
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			t.Fatalf("event stream: %v", err)
		}
		line = strings.TrimRight(line, "\n")
		switch {
		case strings.HasPrefix(line, "event: "):
			name = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "data: "):
			data = strings.TrimPrefix(line, "data: ")
		case line == "" && data != "":
			return name, data
		}
	}
}

func TestRunEventsFollowTaskChanges(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "")
	c := f.client(t)
	f.get(t, c, "/")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, f.srv.URL+"/runs/20260301T100000Z-running/events", nil)
	resp, err := c.Do(req)
	must(t, err)
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("content type %q", ct)
	}
	br := bufio.NewReader(resp.Body)
	name, data := readEvent(t, br)
	if name != "state" || !strings.Contains(data, `"extract":"running"`) {
		t.Fatalf("first event %s %s", name, data)
	}
	must(t, f.st.RecordTask(ctx, store.TaskRun{RunID: "20260301T100000Z-running", TaskID: "extract", Type: "noop", Status: "succeeded", Attempts: 1}))
	if _, data = readEvent(t, br); !strings.Contains(data, `"extract":"succeeded"`) {
		t.Errorf("after the change: %s", data)
	}
	_, err = f.st.UpdateRun(ctx, "20260301T100000Z-running", store.RunUpdate{Status: store.RunSucceeded})
	must(t, err)
	if _, data = readEvent(t, br); !strings.Contains(data, `"status":"succeeded"`) {
		t.Errorf("after the run ended: %s", data)
	}
	if _, err := br.ReadString('\n'); err == nil {
		t.Error("the stream went on after the run ended")
	}
}

func TestLogEventsTail(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "")
	c := f.client(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	id := "20260301T100000Z-running"
	dir := runner.RunDir(f.state, id)
	must(t, os.MkdirAll(filepath.Join(dir, "logs"), 0o755))
	path := engine.TaskLogPath(dir, "extract")
	must(t, os.WriteFile(path, []byte("first\n"), 0o644))
	f.get(t, c, "/")
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, f.srv.URL+"/runs/"+id+"/tasks/extract/log/events?offset=6", nil)
	resp, err := c.Do(req)
	must(t, err)
	defer resp.Body.Close()
	br := bufio.NewReader(resp.Body)
	if _, data := readEvent(t, br); !strings.Contains(data, `"text":""`) {
		t.Fatalf("first event %s", data)
	}
	fh, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	must(t, err)
	_, err = fh.WriteString(hostile + "\n")
	must(t, err)
	must(t, fh.Close())
	if _, data := readEvent(t, br); !strings.Contains(data, `"text":"\u003cscript\u003e`) {
		t.Errorf("appended line: %s", data)
	}
}

// Resume queues a run of the same deployment that reuses what the failed
// run finished; a run that succeeded, or was started directly, is refused.
func TestResumeFromFailedRun(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "")
	c := f.client(t)
	ctx := context.Background()
	page := f.get(t, c, "/runs/"+f.failedID)
	if !strings.Contains(page.body, `action="/runs/`+f.failedID+`/resume"`) {
		t.Fatalf("the failed run's page offers no Resume button")
	}
	csrf := f.csrf(t, c, "/runs/"+f.failedID)
	r := f.post(t, c, "/runs/"+f.failedID+"/resume", url.Values{"csrf": {csrf}})
	if r.code != http.StatusSeeOther {
		t.Fatalf("resume: %d %s", r.code, r.body)
	}
	id := strings.TrimPrefix(strings.Split(r.hdr.Get("Location"), "?")[0], "/runs/")
	run, err := f.st.GetRun(ctx, id)
	if err != nil || run.ResumeFrom != f.failedID || run.Deployment != "nightly" || run.Status != store.RunPending || run.StartedBy != store.StartedUI {
		t.Errorf("resumed run %q: %+v %v; want pending, of nightly, resuming %s, started by ui", id, run, err, f.failedID)
	}
	if r := f.post(t, c, "/runs/20260301T070000Z-direct/resume", url.Values{"csrf": {csrf}}); r.code != http.StatusConflict {
		t.Errorf("resume of a direct run: %d, want 409", r.code)
	}
	if r := f.post(t, c, "/runs/"+f.failedID+"/resume", url.Values{}); r.code != http.StatusForbidden {
		t.Errorf("resume without a CSRF token: %d, want 403", r.code)
	}
}
