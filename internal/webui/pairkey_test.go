package webui_test

import (
	"bytes"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/hotpass/hotpass/internal/labelstudio"
	"github.com/hotpass/hotpass/internal/runstate"
	"github.com/hotpass/hotpass/internal/webui"
)

// A pair's id on the page is keyed: it is not the plain hash of the
// records' ids that anyone holding candidate ids could compute, it is the
// same for two serve processes sharing a state directory (so a link one
// gave opens on the other, and after a restart), and another key gives
// another id.
func TestPairIDsAreKeyedByTheStateDirectory(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "q")
	writeReviewQueue(t, dir, reviewPairs)
	shared, other := t.TempDir(), t.TempDir()
	serve := func(stateDir string) (*fixture, *http.Client, string) {
		key, err := webui.LoadPairKey(stateDir)
		must(t, err)
		f := newFixture(t, "", func(c *webui.Config) {
			c.ReviewDirs = []string{dir}
			c.PairKey = key
		})
		c := f.client(t)
		r := f.get(t, c, "/review/queue?dir="+url.QueryEscape(dir))
		return f, c, pairIDRE.FindStringSubmatch(r.body)[1]
	}
	_, _, first := serve(shared)
	f2, c2, second := serve(shared)
	_, _, elsewhere := serve(other)

	// The first pair shown is c2/e2, closest to the threshold.
	plain := labelstudio.PairID(labelstudio.RecordRef{Source: "crm", ID: "c2"}, labelstudio.RecordRef{Source: "erp", ID: "e2"})
	if first == plain || !strings.HasPrefix(first, "pair-") {
		t.Errorf("pair id %q: want a keyed id, not the plain hash %q", first, plain)
	}
	if second != first {
		t.Errorf("two servers sharing a state directory name the pair %q and %q", first, second)
	}
	if elsewhere == first {
		t.Errorf("another key gives the same pair id %q", first)
	}
	r := f2.get(t, c2, "/review/queue?dir="+url.QueryEscape(dir)+"&pair="+url.QueryEscape(first))
	contains(t, "link from the other server", r.body, "Pair 1 of 4", "Cape Town")

	info, err := os.Stat(runstate.New(shared).ReviewKey())
	must(t, err)
	if runtime.GOOS != "windows" && info.Mode().Perm() != 0o600 {
		t.Errorf("the pair key file has mode %s, want 0600", info.Mode().Perm())
	}
}

// Serve processes starting together agree on one key.
func TestLoadPairKeyConcurrentStarts(t *testing.T) {
	t.Parallel()
	state := t.TempDir()
	keys := make([][]byte, 8)
	var wg sync.WaitGroup
	for i := range keys {
		wg.Go(func() {
			k, err := webui.LoadPairKey(state)
			if err != nil {
				t.Error(err)
			}
			keys[i] = k
		})
	}
	wg.Wait()
	for i, k := range keys {
		if len(k) == 0 || !bytes.Equal(k, keys[0]) {
			t.Errorf("start %d got key %x, start 0 %x", i, k, keys[0])
		}
	}
}

// A key file others can read, or one that holds no key, is refused with
// its path and what to do, never replaced silently.
func TestLoadPairKeyRefusesABadFile(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		data string
		mode os.FileMode
		want string
	}{
		{"readable by others", strings.Repeat("ab", 32) + "\n", 0o644, "chmod 600"},
		{"not hex", strings.Repeat("zz", 32), 0o600, "delete it"},
		{"too short", "abcd\n", 0o600, "delete it"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if tc.mode&0o077 != 0 && runtime.GOOS == "windows" {
				t.Skip("Windows has no group and other permission bits")
			}
			state := t.TempDir()
			path := runstate.New(state).ReviewKey()
			must(t, os.WriteFile(path, []byte(tc.data), 0o600))
			must(t, os.Chmod(path, tc.mode))
			_, err := webui.LoadPairKey(state)
			if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v: want one naming %s and saying %q", err, path, tc.want)
			}
			if data, _ := os.ReadFile(path); string(data) != tc.data {
				t.Errorf("the key file was changed to %q", data)
			}
		})
	}
}
