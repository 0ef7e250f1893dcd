package nominatim

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// server follows Nominatim's documented /search API: q, format=jsonv2 and
// limit; a JSON array of places with lat and lon as strings and a
// display_name. The real service cannot be reached from tests.
type server struct {
	mu      sync.Mutex
	queries []string
	agents  []string
	status  []int // statuses to answer before answering normally
}

func (s *server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.queries = append(s.queries, r.URL.Query().Get("q"))
	s.agents = append(s.agents, r.UserAgent())
	var st int
	if len(s.status) > 0 {
		st, s.status = s.status[0], s.status[1:]
	}
	s.mu.Unlock()
	if r.URL.Path != "/search" || r.URL.Query().Get("format") != "jsonv2" || r.URL.Query().Get("limit") != "1" {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	if st != 0 {
		w.Header().Set("Retry-After", "7")
		http.Error(w, http.StatusText(st), st)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	if strings.Contains(r.URL.Query().Get("q"), "Kitty Hawk") {
		_, _ = w.Write([]byte(`[{"place_id":1,"lat":"-25.8600","lon":"28.4500","display_name":"Kitty Hawk, Tshwane, Gauteng, South Africa","category":"aeroway","type":"aerodrome","importance":0.3}]`))
		return
	}
	_, _ = w.Write([]byte(`[]`))
}

type sleeps struct {
	mu sync.Mutex
	d  []time.Duration
}

func (s *sleeps) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	s.d = append(s.d, d)
	s.mu.Unlock()
	return ctx.Err()
}

func newClient(t *testing.T, url, cache string, sl *sleeps) *Client {
	t.Helper()
	c, err := New(Config{URL: url, UserAgent: "hotpass-test/1", CachePath: cache, Sleep: sl.sleep, Timeout: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestSearchCachesAcrossRuns(t *testing.T) {
	t.Parallel()
	srv := &server{}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	cache := filepath.Join(t.TempDir(), "geocode-cache.json")
	sl := &sleeps{}
	c := newClient(t, ts.URL, cache, sl)
	ctx := context.Background()
	lat, lon, disp, found, err := c.Search(ctx, "Kitty Hawk Airfield, South Africa")
	if err != nil || !found || lat != -25.86 || lon != 28.45 || !strings.Contains(disp, "Gauteng") {
		t.Fatalf("Search = %v %v %q %v %v", lat, lon, disp, found, err)
	}
	if _, _, _, found, err := c.Search(ctx, "Nowhere 9, South Africa"); found || err != nil {
		t.Fatalf("unknown place: found %v, err %v", found, err)
	}
	// The same question again, spelt with other case and spaces: cached.
	if _, _, _, found, _ := c.Search(ctx, "kitty hawk  airfield, south africa"); !found {
		t.Fatal("cached answer lost")
	}
	if c.Requests() != 2 || len(srv.queries) != 2 {
		t.Fatalf("%d requests, server saw %q", c.Requests(), srv.queries)
	}
	if srv.agents[0] != "hotpass-test/1" {
		t.Errorf("User-Agent %q", srv.agents[0])
	}
	// The second request waited for the rate limit (1/s).
	if len(sl.d) != 1 || sl.d[0] <= 0 || sl.d[0] > time.Second {
		t.Errorf("rate-limit waits %v, want one of at most 1s", sl.d)
	}
	if err := c.Save(); err != nil {
		t.Fatal(err)
	}
	// The cache holds the addresses asked about: its owner's alone.
	if st, err := os.Stat(cache); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("cache file mode %v (%v), want 0600", st.Mode().Perm(), err)
	}
	// A re-run asks nothing twice, not even the question without answer.
	c2 := newClient(t, ts.URL, cache, &sleeps{})
	for _, q := range []string{"Kitty Hawk Airfield, South Africa", "Nowhere 9, South Africa"} {
		if _, _, _, _, err := c2.Search(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	if c2.Requests() != 0 || len(srv.queries) != 2 {
		t.Errorf("re-run sent %d requests", c2.Requests())
	}
}

func TestBacksOffOn429(t *testing.T) {
	t.Parallel()
	srv := &server{status: []int{http.StatusTooManyRequests, http.StatusServiceUnavailable}}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	sl := &sleeps{}
	c := newClient(t, ts.URL, "", sl)
	if _, _, _, found, err := c.Search(context.Background(), "Kitty Hawk"); err != nil || !found {
		t.Fatalf("found %v, err %v", found, err)
	}
	if len(srv.queries) != 3 {
		t.Errorf("%d requests, want 3", len(srv.queries))
	}
	var backoffs []time.Duration
	for _, d := range sl.d {
		if d >= 7*time.Second {
			backoffs = append(backoffs, d)
		}
	}
	if len(backoffs) != 2 {
		t.Errorf("waits %v: want two of at least the 7s Retry-After", sl.d)
	}
}

func TestDownAndSlowServersGiveUp(t *testing.T) {
	t.Parallel()
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	}))
	defer slow.Close()
	down := httptest.NewServer(http.NotFoundHandler())
	downURL := down.URL
	down.Close()
	for name, url := range map[string]string{"slow": slow.URL, "down": downURL} {
		t.Run(name, func(t *testing.T) {
			c := newClient(t, url, "", &sleeps{})
			ctx := context.Background()
			for i := range 3 {
				_, _, _, _, err := c.Search(ctx, "12 Secret Street "+string(rune('a'+i)))
				if err == nil || errors.Is(err, ErrUnavailable) {
					t.Fatalf("query %d: err %v, want a request error", i+1, err)
				}
				// Errors are logged: the address asked about stays out.
				if strings.Contains(err.Error(), "Secret") {
					t.Errorf("error names the query: %v", err)
				}
			}
			sent := c.Requests()
			if sent != 9 {
				t.Errorf("%d requests for 3 queries of 3 attempts", sent)
			}
			if _, _, _, _, err := c.Search(ctx, "another"); !errors.Is(err, ErrUnavailable) {
				t.Errorf("after 3 failures: %v, want ErrUnavailable", err)
			}
			if c.Requests() != sent {
				t.Error("asked again after giving up")
			}
		})
	}
}

func TestCorruptCache(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cases := map[string]string{
		"truncated": `{"version":1,"server":"http://x","answers":{"a":`,
		"garbage":   "\x00\x01not json",
		"shape":     `{"version":2}`,
	}
	for name, body := range cases {
		path := filepath.Join(dir, name+".json")
		if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := New(Config{URL: "http://127.0.0.1:1", UserAgent: "t", CachePath: path})
		if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "delete it") {
			t.Errorf("%s: error %v, want one naming the file and what to do", name, err)
		}
	}
}

func TestCacheOfAnotherServerStartsEmpty(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "c.json")
	data, _ := json.Marshal(cacheFile{Version: 1, Server: "http://other", Answers: map[string]answer{"x": {Found: true, Lat: 1, Lon: 2}}})
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := New(Config{URL: "http://127.0.0.1:1", UserAgent: "t", CachePath: path})
	if err != nil || len(c.Keys()) != 0 {
		t.Errorf("keys %v, err %v", c.Keys(), err)
	}
}

func TestConfigErrors(t *testing.T) {
	t.Parallel()
	for _, cfg := range []Config{{URL: "", UserAgent: "x"}, {URL: "ftp://h", UserAgent: "x"}, {URL: "http://h", UserAgent: " "}} {
		if _, err := New(cfg); err == nil {
			t.Errorf("%+v accepted", cfg)
		}
	}
	// A URL's password never reaches the message; the rest does.
	_, err := New(Config{URL: "ftp://geo:s3cret-pw@h.example", UserAgent: "x"})
	if err == nil || strings.Contains(err.Error(), "s3cret-pw") || !strings.Contains(err.Error(), "h.example") {
		t.Errorf("bad URL with a password: %v", err)
	}
}

func TestParseRate(t *testing.T) {
	t.Parallel()
	cases := []struct {
		in   string
		want float64
		bad  bool
	}{
		{"1/s", 1, false}, {"", 1, false}, {"30/m", 0.5, false}, {"0.5", 0.5, false},
		{"0/s", 0, true}, {"x/s", 0, true}, {"1/h", 0, true}, {"-1", 0, true},
		// ParseFloat reads these; as rates they would lift the limit.
		{"NaN/s", 0, true}, {"Inf", 0, true}, {"+Inf/m", 0, true},
	}
	for _, c := range cases {
		got, err := ParseRate(c.in)
		if (err != nil) != c.bad || got != c.want {
			t.Errorf("ParseRate(%q) = %v, %v", c.in, got, err)
		}
	}
}

// Whatever the configured rate, the second request waits: a NaN rate
// used to pass the check and a vanishing one to overflow into a negative
// pause, both sending requests as fast as the server answered.
func TestRateNeverLiftsThePause(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(&server{})
	defer srv.Close()
	for _, c := range []struct {
		rate    float64
		atLeast time.Duration
	}{
		{math.NaN(), 500 * time.Millisecond}, // the default, one a second
		{math.Inf(1), 500 * time.Millisecond},
		{1e-300, time.Hour},
	} {
		var sl sleeps
		cl, err := New(Config{URL: srv.URL, UserAgent: "hotpass-test/1", Rate: c.rate, Sleep: sl.sleep})
		if err != nil {
			t.Fatal(err)
		}
		for _, q := range []string{"Kitty Hawk", "Nowhere"} {
			if _, _, _, _, err := cl.Search(context.Background(), q); err != nil {
				t.Fatal(err)
			}
		}
		if len(sl.d) != 1 || sl.d[0] < c.atLeast {
			t.Errorf("rate %v: pauses %v, want one of at least %v", c.rate, sl.d, c.atLeast)
		}
	}
}

// Two runs sharing a cache file each load it, ask their own questions and
// save: the file must end with the answers of both. Replacing it with one
// run's answers lost the other's, and the next run asked them again.
func TestConcurrentRunsKeepEachOthersAnswers(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(&server{})
	defer srv.Close()
	path := filepath.Join(t.TempDir(), "cache.json")
	queries := []string{"Kitty Hawk", "Nowhere", "Elsewhere", "Anywhere"}
	clients := make([]*Client, len(queries))
	for i := range clients {
		clients[i] = newClient(t, srv.URL, path, &sleeps{})
	}
	var wg sync.WaitGroup
	errs := make([]error, len(clients))
	for i, cl := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, _, _, _, errs[i] = cl.Search(context.Background(), queries[i]); errs[i] == nil {
				errs[i] = cl.Save()
			}
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	got := newClient(t, srv.URL, path, &sleeps{}).Keys()
	want := []string{"anywhere", "elsewhere", "kitty hawk", "nowhere"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("cache holds %v, want %v", got, want)
	}
}
