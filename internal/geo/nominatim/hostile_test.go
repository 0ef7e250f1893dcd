package nominatim

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hotpass/hotpass/internal/geo"
	"github.com/hotpass/hotpass/internal/table"
)

// hostile answers Nominatim's /search requests (format=jsonv2, limit=1)
// with what a broken, misconfigured or malicious server might send.
func hostile(answer func(w http.ResponseWriter, r *http.Request)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if r.URL.Path != "/search" || q.Get("format") != "jsonv2" || q.Get("limit") != "1" || q.Get("q") == "" {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		answer(w, r)
	})
}

func jsonAnswer(body string) func(http.ResponseWriter, *http.Request) {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(body))
	}
}

// secretAddress is personal data: no message may quote it.
const secretAddress = "12 Secret Street, Qwxzyville"

// Every hostile answer leaves the row ungeocoded and counted, names the
// row and what went wrong without quoting the address, panics nowhere and
// leaves nothing in the cache.
func TestHostileAnswersLeaveTheRowUngeocoded(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		answer func(http.ResponseWriter, *http.Request)
		// want is what the warning says happened.
		want string
	}{
		{"not JSON", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			_, _ = w.Write([]byte("<html><body>Service temporarily unavailable</body></html>"))
		}, "not a jsonv2 search result"},
		{"object instead of array", jsonAnswer(`{"lat":"-25.86","lon":"28.45","display_name":"x"}`), "not a jsonv2 search result"},
		{"lat as a number", jsonAnswer(`[{"lat":-25.86,"lon":"28.45","display_name":"x"}]`), "not a jsonv2 search result"},
		{"lat NaN", jsonAnswer(`[{"lat":"NaN","lon":"28.45","display_name":"x"}]`), "latitude is not a number from -90 to 90"},
		{"lat 1e999", jsonAnswer(`[{"lat":"1e999","lon":"28.45","display_name":"x"}]`), "latitude is not a number from -90 to 90"},
		{"lat out of range", jsonAnswer(`[{"lat":"-95.5","lon":"28.45","display_name":"x"}]`), "latitude is not a number from -90 to 90"},
		{"lon infinite", jsonAnswer(`[{"lat":"-25.86","lon":"-Inf","display_name":"x"}]`), "longitude is not a number from -180 to 180"},
		{"lon out of range", jsonAnswer(`[{"lat":"-25.86","lon":"181","display_name":"x"}]`), "longitude is not a number from -180 to 180"},
		{"lat echoing the query", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			q := strings.ReplaceAll(r.URL.Query().Get("q"), `"`, "")
			_, _ = w.Write([]byte(`[{"lat":"` + q + `","lon":"28.45","display_name":"x"}]`))
		}, "latitude is not a number"},
		{"huge body", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`[{"lat":"-25.86","lon":"28.45","display_name":"` + strings.Repeat("x", 2<<20) + `"}]`))
		}, "longer than 1048576 bytes"},
		{"endless body", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`[{"lat":"-25.86","lon":"28.45","display_name":"`))
			chunk := bytes.Repeat([]byte("x"), 64<<10)
			for r.Context().Err() == nil {
				if _, err := w.Write(chunk); err != nil {
					return
				}
			}
		}, "longer than 1048576 bytes"},
		{"redirect loop", func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, r.URL.String(), http.StatusFound)
		}, "redirects"},
		{"slower than the timeout", func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-r.Context().Done():
			case <-time.After(5 * time.Second):
			}
		}, "Timeout"},
	}
	g, err := geo.Load("ZA")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			ts := httptest.NewServer(hostile(c.answer))
			defer ts.Close()
			// Apply and the client log from the test's goroutine only.
			var logs bytes.Buffer
			log := slog.New(slog.NewTextHandler(&logs, nil))
			cache := filepath.Join(t.TempDir(), "geocode-cache.json")
			client, err := New(Config{URL: ts.URL, UserAgent: "hotpass-test/1", CachePath: cache,
				Sleep: (&sleeps{}).sleep, Timeout: 200 * time.Millisecond, Log: log})
			if err != nil {
				t.Fatal(err)
			}
			tab := addresses(t, "Durban", secretAddress)
			out, st, err := g.Apply(context.Background(), tab, geo.TableOptions{Texts: []string{"address"}, Online: client, Log: log})
			if err != nil {
				t.Fatalf("a hostile answer failed the table: %v", err)
			}
			if st.OnlineError != 1 || st.Online != 0 || st.Placed != 1 || st.Unplaced != 1 {
				t.Errorf("stats %+v: want the second row unplaced and counted as online_failed", st)
			}
			if lat := out.ColumnByName(geo.ColLatitude); !lat.IsNull(1) {
				t.Errorf("row 2 has latitude %v", lat.Value(1))
			}
			if m := out.ColumnByName(geo.ColMatch).Strings()[1]; m != "online_failed" {
				t.Errorf("row 2 geocode_match %q", m)
			}
			text := logs.String()
			if !strings.Contains(text, "row=2") || !strings.Contains(text, c.want) {
				t.Errorf("log does not name row 2 and say %q:\n%s", c.want, text)
			}
			if strings.Contains(text, "Secret") || strings.Contains(text, "Qwxzy") {
				t.Errorf("log quotes the address:\n%s", text)
			}
			// Nothing is cached, so the next run asks again, and the cache
			// file stays writable.
			if keys := client.Keys(); len(keys) != 0 {
				t.Errorf("cached after a hostile answer: %d keys", len(keys))
			}
			if err := client.Save(); err != nil {
				t.Errorf("save: %v", err)
			}
			if _, err := os.Stat(cache); !os.IsNotExist(err) {
				t.Errorf("cache file written after hostile answers only: %v", err)
			}
		})
	}
}

func addresses(t *testing.T, vals ...string) *table.Table {
	t.Helper()
	b := table.NewColumnBuilder(table.String, len(vals))
	for _, v := range vals {
		b.AppendString(v)
	}
	tab, err := table.New(table.MustSchema(table.Field{Name: "address", Type: table.String}), []*table.Column{b.Build()})
	if err != nil {
		t.Fatal(err)
	}
	return tab
}
