package webui_test

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hotpass/hotpass/engine/store"
)

var (
	rowRE  = regexp.MustCompile(`<td class="mono"><a href="/runs/([^"]+)">`)
	nextRE = regexp.MustCompile(`<a href="([^"]+)" rel="next">`)
)

// walk follows a runs list from path through its "Older" links and
// returns every run id shown, in order, and the number of pages.
func (f *fixture) walk(t *testing.T, c *http.Client, path string) ([]string, int) {
	t.Helper()
	var ids []string
	pages := 0
	for path != "" {
		r := f.get(t, c, path)
		if r.code != http.StatusOK {
			t.Fatalf("GET %s: %d", path, r.code)
		}
		pages++
		for _, m := range rowRE.FindAllStringSubmatch(r.body, -1) {
			id, err := url.PathUnescape(m[1])
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, id)
		}
		path = ""
		if m := nextRE.FindStringSubmatch(r.body); m != nil {
			path = html.UnescapeString(m[1])
		}
		if pages > 100 {
			t.Fatal("paging does not end")
		}
	}
	return ids, pages
}

func TestRunsFiltersAndPaging(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "")
	ctx := context.Background()
	must(t, putDeployment(f.st, store.Deployment{Name: "weekly", SpecPath: f.spec, Tags: []string{"crm", "finance"}}))
	must(t, putDeployment(f.st, store.Deployment{Name: "hourly", SpecPath: f.spec, Tags: []string{"ops"}}))
	all, err := f.st.ListRuns(ctx, store.RunFilter{})
	must(t, err)
	t0 := time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)
	for i := range 130 {
		dep := []string{"", "nightly", "weekly", "hourly"}[i%4]
		status := []store.RunStatus{store.RunSucceeded, store.RunFailed, store.RunSucceeded, store.RunCancelled, store.RunSucceeded}[i%5]
		r, err := f.st.CreateRun(ctx, store.Run{ID: fmt.Sprintf("run-%03d", i), Pipeline: []string{"customers", "orders"}[i%2],
			Deployment: dep, Status: status, CreatedAt: t0.Add(time.Duration(i) * 7 * time.Hour),
			StartedBy: []string{"", store.StartedSchedule, store.StartedAPI, store.StartedUI, ""}[i%5]})
		must(t, err)
		all = append(all, r)
	}
	slices.SortFunc(all, func(a, b store.Run) int {
		if c := b.CreatedAt.Compare(a.CreatedAt); c != 0 {
			return c
		}
		return strings.Compare(b.ID, a.ID)
	})
	tags := map[string][]string{"nightly": {"crm"}, "weekly": {"crm", "finance"}, "hourly": {"ops"}}
	day := func(s string) time.Time { d, _ := time.Parse(time.DateOnly, s); return d }
	c := f.client(t)
	for _, tc := range []struct {
		query string
		keep  func(store.Run) bool
	}{
		{"", func(store.Run) bool { return true }},
		{"status=failed", func(r store.Run) bool { return r.Status == store.RunFailed }},
		{"pipeline=orders", func(r store.Run) bool { return r.Pipeline == "orders" }},
		{"deployment=weekly", func(r store.Run) bool { return r.Deployment == "weekly" }},
		{"tag=crm", func(r store.Run) bool { return slices.Contains(tags[r.Deployment], "crm") }},
		{"tag=crm&status=succeeded", func(r store.Run) bool {
			return slices.Contains(tags[r.Deployment], "crm") && r.Status == store.RunSucceeded
		}},
		{"tag=crm&deployment=hourly", func(store.Run) bool { return false }},
		{"tag=nobody", func(store.Run) bool { return false }},
		{"trigger=cli", func(r store.Run) bool { return r.Deployment == "" }},
		{"trigger=deployment&pipeline=customers", func(r store.Run) bool { return r.Deployment != "" && r.Pipeline == "customers" }},
		{"trigger=schedule", func(r store.Run) bool { return r.StartedBy == store.StartedSchedule }},
		{"trigger=api&pipeline=orders", func(r store.Run) bool { return r.StartedBy == store.StartedAPI && r.Pipeline == "orders" }},
		{"trigger=ui&tag=crm", func(r store.Run) bool {
			return r.StartedBy == store.StartedUI && slices.Contains(tags[r.Deployment], "crm")
		}},
		{"from=2026-04-10&to=2026-04-20", func(r store.Run) bool {
			return !r.CreatedAt.Before(day("2026-04-10")) && r.CreatedAt.Before(day("2026-04-21"))
		}},
		{"to=2026-04-05", func(r store.Run) bool { return r.CreatedAt.Before(day("2026-04-06")) }},
		{"from=2026-05-01&tag=ops", func(r store.Run) bool { return !r.CreatedAt.Before(day("2026-05-01")) && r.Deployment == "hourly" }},
	} {
		var want []string
		for _, r := range all {
			if tc.keep(r) {
				want = append(want, r.ID)
			}
		}
		got, pages := f.walk(t, c, "/?"+tc.query)
		if !slices.Equal(got, want) {
			t.Errorf("?%s: got %d runs %v\nwant %d %v", tc.query, len(got), got, len(want), want)
		}
		if wantPages := max(1, (len(want)+49)/50); pages != wantPages {
			t.Errorf("?%s: %d pages, want %d", tc.query, pages, wantPages)
		}
	}
	for _, bad := range []string{"status=lost", "trigger=robot", "from=yesterday", "before=zzz"} {
		r := f.get(t, c, "/?"+bad)
		if r.code != http.StatusOK || !strings.Contains(r.body, `class="error" role="alert"`) {
			t.Errorf("?%s: %d, want the list with the problem named", bad, r.code)
		}
	}
}
