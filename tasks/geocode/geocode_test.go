package geocode_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/hotpass/hotpass/engine"
	"github.com/hotpass/hotpass/internal/table"
	"github.com/hotpass/hotpass/internal/table/parquetio"
	"github.com/hotpass/hotpass/tasks/tasktest"

	_ "github.com/hotpass/hotpass/tasks/geocode"
	_ "github.com/hotpass/hotpass/tasks/read"
)

func plan(t *testing.T, dir, src string) (*engine.Plan, error) {
	t.Helper()
	return tasktest.Plan(t, dir, src)
}

// geoSpec is a spec reading orgs.csv (csvData, written into dir) and
// geocoding it with the options in with (YAML lines at the with: level).
func geoSpec(t *testing.T, dir, with string) string {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, "orgs.csv"), []byte(csvData), 0o644); err != nil {
		t.Fatal(err)
	}
	return "version: 1\nname: geo\ntasks:\n  read:\n    type: read\n    with: {path: orgs.csv}\n  geo:\n    type: geocode\n    with:\n      input: read\n" + with
}

const csvData = `name,address,province
Durban Flight Centre,"Virginia Airport, Durban",KwaZulu-Natal
Highveld Aero,FAGC,Western Cape
Kitty Hawk Flyers,Kitty Hawk Road 5,Gauteng
Nobody,,
`

func TestGeocodeTask(t *testing.T) {
	t.Parallel()
	var requests atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		if strings.Contains(r.URL.Query().Get("q"), "Kitty Hawk") {
			_, _ = w.Write([]byte(`[{"lat":"-25.86","lon":"28.45","display_name":"Kitty Hawk, Gauteng, South Africa"}]`))
			return
		}
		_, _ = w.Write([]byte(`[]`))
	}))
	defer srv.Close()
	dir := t.TempDir()
	src := geoSpec(t, dir, "      columns: [address, name]\n      geocoder: {url: \""+srv.URL+"\", rate_limit: 100/s, user_agent: hotpass-test, cache: cache.json}\n")
	for run := 1; run <= 2; run++ {
		p, err := plan(t, dir, src)
		if err != nil {
			t.Fatal(err)
		}
		rec, err := p.Run(context.Background(), engine.RunOptions{StateDir: filepath.Join(dir, ".hotpass")})
		if err != nil {
			t.Fatal(err)
		}
		tr := rec.Task("geo")
		if tr.Status != engine.StatusSucceeded {
			t.Fatalf("run %d: %s %s", run, tr.Status, tr.Error)
		}
		r, err := parquetio.Open(filepath.Join(dir, ".hotpass", "runs", rec.RunID, "geo.parquet"))
		if err != nil {
			t.Fatal(err)
		}
		out, err := table.ReadAll(r)
		_ = r.Close()
		if err != nil {
			t.Fatal(err)
		}
		names := out.Schema().Names()
		if got := strings.Join(names[3:], ","); got != "latitude,longitude,address_formatted,province_geocoded,area_geocoded,geocode_confidence,geocode_match" {
			t.Fatalf("columns %s", got)
		}
		prov := out.ColumnByName("province_geocoded")
		match := out.ColumnByName("geocode_match").Strings()
		want := []struct{ prov, match string }{{"KwaZulu-Natal", "airport:virginia airport"}, {"Gauteng", "icao:FAGC"}, {"Gauteng", "online"}, {"", "none"}}
		for i, w := range want {
			got := ""
			if !prov.IsNull(i) {
				got = prov.Strings()[i]
			}
			if got != w.prov || match[i] != w.match {
				t.Errorf("run %d row %d: %q %q, want %q %q", run, i+1, got, match[i], w.prov, w.match)
			}
		}
		// Only the first run asks the server: Kitty Hawk, and the empty
		// row's name. The second is answered from the cache.
		if n := requests.Load(); n != 2 {
			t.Errorf("after run %d the server had %d requests, want 2", run, n)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "cache.json")); err != nil {
		t.Errorf("cache not written beside the spec: %v", err)
	}
}

func TestGeocodeOptionErrors(t *testing.T) {
	t.Parallel()
	cases := map[string]string{
		"country":  "country: XX",
		"latitude": "latitude: lat",
		"rate":     "geocoder: {url: http://127.0.0.1:1, user_agent: x, rate_limit: fast}",
		"url":      "geocoder: {url: localhost, user_agent: x}",
	}
	for name, opt := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			_, err := plan(t, dir, geoSpec(t, dir, "      "+opt+"\n"))
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.Contains(err.Error(), "spec.yaml:") {
				t.Errorf("error without position: %v", err)
			}
			if name == "country" && !strings.Contains(err.Error(), "ZA") {
				t.Errorf("error does not list the available countries: %v", err)
			}
		})
	}
}

// A geocoder that is down costs the run nothing but the rows it would have
// placed: the task succeeds and counts them.
func TestGeocodeTaskWithServerDown(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	dir := t.TempDir()
	p, err := plan(t, dir, geoSpec(t, dir, "      columns: [address]\n      geocoder: {url: \""+url+"\", rate_limit: 1000/s, user_agent: hotpass-test, timeout: 200ms}\n"))
	if err != nil {
		t.Fatal(err)
	}
	rec, err := p.Run(context.Background(), engine.RunOptions{StateDir: filepath.Join(dir, ".hotpass")})
	if err != nil {
		t.Fatal(err)
	}
	tr := rec.Task("geo")
	if tr.Status != engine.StatusSucceeded {
		t.Fatalf("%s %s", tr.Status, tr.Error)
	}
	attrs, _ := tr.Attrs["geocode"].(map[string]any)
	// Kitty Hawk Road is the one address the gazetteer cannot place; the
	// empty one is never asked about.
	if attrs["online_failed"] != 1 || attrs["placed"] != 2 || attrs["unplaced"] != 2 {
		t.Errorf("geocode attrs %v", attrs)
	}
}
