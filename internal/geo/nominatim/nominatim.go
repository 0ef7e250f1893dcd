// Package nominatim is a client of a Nominatim-compatible geocoding
// server's /search API (format=jsonv2), for the addresses the embedded
// gazetteer cannot place. It is off unless configured: it keeps to a rate
// limit (Nominatim's usage policy allows one request a second), sends a
// User-Agent naming the application, backs off on 429 and 5xx answers
// (honouring Retry-After), and caches every answer on disk so that a
// re-run never asks the same question twice.
//
// After MaxFailures queries in a row have failed, the client stops asking
// for the rest of its life, so that a server that is down costs a run
// seconds rather than a timeout per row.
package nominatim

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hotpass/hotpass/internal/filelock"
	"github.com/hotpass/hotpass/internal/retry"
	"github.com/hotpass/hotpass/internal/retryafter"
	"github.com/hotpass/hotpass/internal/table/atomicfile"
)

// ErrUnavailable is returned once the server has failed MaxFailures
// queries in a row.
var ErrUnavailable = errors.New("online geocoder unavailable")

// Config configures a Client.
type Config struct {
	// URL is the server's base URL; /search is appended.
	URL string
	// UserAgent identifies the application, as the usage policy asks.
	UserAgent string
	// Rate is the most requests per second (default 1).
	Rate float64
	// CachePath is the JSON cache file; empty keeps answers in memory.
	CachePath string
	// CountryCodes restricts results (ISO 3166-1 alpha-2, comma-separated).
	CountryCodes string
	// Timeout bounds one request (default 10 s).
	Timeout time.Duration
	// Attempts per query, retries included (default 3).
	Attempts int
	// MaxFailures failed queries in a row make the client give up (default 3).
	MaxFailures int
	// Policy is the backoff between attempts (default 1 s doubling to 30 s).
	Policy *retry.Policy
	// Sleep waits; tests replace it (default retry.Sleep).
	Sleep retry.Sleeper
	// Log receives warnings (default slog.Default()).
	Log *slog.Logger
	// HTTP is the client to use (default one with Timeout).
	HTTP *http.Client
}

// answer is one cached reply.
type answer struct {
	Found   bool    `json:"found"`
	Lat     float64 `json:"lat,omitempty"`
	Lon     float64 `json:"lon,omitempty"`
	Display string  `json:"display,omitempty"`
}

// cacheFile is the on-disk form of the cache.
type cacheFile struct {
	Version int               `json:"version"`
	Server  string            `json:"server"`
	Answers map[string]answer `json:"answers"`
}

// Client asks the server. It is safe for concurrent use; requests are
// serialised by the rate limit anyway.
type Client struct {
	cfg      Config
	mu       sync.Mutex
	cache    map[string]answer
	dirty    bool
	last     time.Time
	failures int
	requests int
}

// New checks cfg and loads the cache. A cache file that is not valid JSON
// of the expected shape is an error naming the file, the offset and what
// to do.
func New(cfg Config) (*Client, error) {
	u, err := url.Parse(cfg.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		shown := ""
		if err == nil {
			shown = fmt.Sprintf(" %q", u.Redacted()) // a URL may carry a password
		}
		return nil, fmt.Errorf("geocoder url%s: want an http or https URL such as https://nominatim.example.org", shown)
	}
	if strings.TrimSpace(cfg.UserAgent) == "" {
		return nil, errors.New("geocoder user_agent is empty: Nominatim's usage policy asks every application to name itself")
	}
	// NaN compares false with everything: without the negation it would
	// pass as a rate and turn the pause between requests into nothing.
	if !(cfg.Rate > 0) || math.IsInf(cfg.Rate, 1) {
		cfg.Rate = 1
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Second
	}
	if cfg.Attempts <= 0 {
		cfg.Attempts = 3
	}
	if cfg.MaxFailures <= 0 {
		cfg.MaxFailures = 3
	}
	if cfg.Policy == nil {
		cfg.Policy = &retry.Policy{Backoff: retry.Backoff{Base: time.Second, Cap: 30 * time.Second, Jitter: retry.UpperHalf}}
	}
	if cfg.Sleep == nil {
		cfg.Sleep = retry.Sleep
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.HTTP == nil {
		cfg.HTTP = &http.Client{Timeout: cfg.Timeout}
	}
	c := &Client{cfg: cfg, cache: map[string]answer{}}
	if cfg.CachePath != "" {
		if err := c.load(); err != nil {
			return nil, err
		}
	}
	return c, nil
}

func (c *Client) load() error {
	answers, other, err := c.read()
	switch {
	case err != nil:
		return err
	case other:
		// Another server may answer differently: start afresh rather than
		// mix answers.
		c.cfg.Log.Warn("geocoder cache belongs to another server; starting an empty one", "cache", c.cfg.CachePath)
	case answers != nil:
		c.cache = answers
	}
	return nil
}

// read returns the answers in the cache file: none when there is no
// file, none and other when it belongs to another server, an error when
// it is corrupt.
func (c *Client) read() (answers map[string]answer, other bool, err error) {
	data, err := os.ReadFile(c.cfg.CachePath)
	if errors.Is(err, os.ErrNotExist) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("geocoder cache: %w", err)
	}
	var f cacheFile
	if err := json.Unmarshal(data, &f); err != nil {
		var se *json.SyntaxError
		where := ""
		if errors.As(err, &se) {
			where = fmt.Sprintf(" at byte %d", se.Offset)
		}
		return nil, false, fmt.Errorf("geocoder cache %s is corrupt%s: %w; delete it and the answers will be fetched again", c.cfg.CachePath, where, err)
	}
	if f.Version != 1 || f.Answers == nil {
		return nil, false, fmt.Errorf("geocoder cache %s is not a version 1 cache with answers; delete it and the answers will be fetched again", c.cfg.CachePath)
	}
	if f.Server != c.cfg.URL {
		return nil, true, nil
	}
	return f.Answers, false, nil
}

// Save writes the cache when it changed (temp file and rename). Runs
// sharing the cache file may save at once: under a lock on the file, the
// answers another run saved since this one loaded it are kept, where
// replacing the file with this run's answers alone would lose them.
func (c *Client) Save() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cfg.CachePath == "" || !c.dirty {
		return nil
	}
	unlock, err := filelock.Lock(c.cfg.CachePath)
	if err != nil {
		return fmt.Errorf("geocoder cache: %w", err)
	}
	defer unlock()
	saved, _, err := c.read()
	if err != nil {
		return err
	}
	for k, a := range saved {
		if _, ok := c.cache[k]; !ok {
			c.cache[k] = a
		}
	}
	data, err := json.MarshalIndent(cacheFile{Version: 1, Server: c.cfg.URL, Answers: c.cache}, "", " ")
	if err != nil {
		return err
	}
	// The cache holds the addresses asked about: personal data.
	if err := atomicfile.WriteFile(c.cfg.CachePath, append(data, '\n'), atomicfile.Private()); err != nil {
		return fmt.Errorf("geocoder cache: %w", err)
	}
	c.dirty = false
	return nil
}

// Requests is how many HTTP requests the client has sent.
func (c *Client) Requests() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.requests
}

// Search returns the first result for query. found is false when the
// server knows no such place; err is set when it could not answer.
func (c *Client) Search(ctx context.Context, query string) (lat, lon float64, display string, found bool, err error) {
	k := strings.Join(strings.Fields(strings.ToLower(query)), " ")
	c.mu.Lock()
	defer c.mu.Unlock()
	if a, ok := c.cache[k]; ok {
		return a.Lat, a.Lon, a.Display, a.Found, nil
	}
	if c.failures >= c.cfg.MaxFailures {
		return 0, 0, "", false, ErrUnavailable
	}
	a, err := c.fetch(ctx, query)
	if err != nil {
		c.failures++
		if c.failures == c.cfg.MaxFailures {
			c.cfg.Log.Warn("online geocoder failed too often; the remaining rows stay ungeocoded", "failures", c.failures, "error", err)
		}
		return 0, 0, "", false, err
	}
	c.failures = 0
	c.cache[k] = a
	c.dirty = true
	return a.Lat, a.Lon, a.Display, a.Found, nil
}

// errRetry marks answers worth another attempt.
type errRetry struct {
	err   error
	asked time.Duration
}

func (e *errRetry) Error() string { return e.err.Error() }
func (e *errRetry) Unwrap() error { return e.err }

func (c *Client) fetch(ctx context.Context, query string) (answer, error) {
	var last error
	for attempt := 1; attempt <= c.cfg.Attempts; attempt++ {
		if attempt > 1 {
			var asked time.Duration
			var re *errRetry
			if errors.As(last, &re) {
				asked = re.asked
			}
			if err := c.cfg.Sleep(ctx, c.cfg.Policy.Wait(attempt-1, asked)); err != nil {
				return answer{}, err
			}
		}
		if err := c.pace(ctx); err != nil {
			return answer{}, err
		}
		a, err := c.once(ctx, query)
		if err == nil {
			return a, nil
		}
		last = err
		var re *errRetry
		if !errors.As(err, &re) {
			return answer{}, err
		}
	}
	return answer{}, fmt.Errorf("after %d attempts: %w", c.cfg.Attempts, last)
}

// pace waits until the rate limit allows the next request.
func (c *Client) pace(ctx context.Context) error {
	// A very low rate makes a gap beyond time.Duration's range, whose
	// conversion would wrap to a negative pause: cap it instead.
	gap := time.Duration(math.Min(float64(time.Second)/c.cfg.Rate, math.MaxInt64/2))
	if wait := time.Until(c.last.Add(gap)); wait > 0 {
		if err := c.cfg.Sleep(ctx, wait); err != nil {
			return err
		}
	}
	c.last = time.Now()
	return nil
}

func (c *Client) once(ctx context.Context, query string) (answer, error) {
	v := url.Values{"q": {query}, "format": {"jsonv2"}, "limit": {"1"}}
	if c.cfg.CountryCodes != "" {
		v.Set("countrycodes", strings.ToLower(c.cfg.CountryCodes))
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(c.cfg.URL, "/")+"/search?"+v.Encode(), nil)
	if err != nil {
		return answer{}, err
	}
	req.Header.Set("User-Agent", c.cfg.UserAgent)
	req.Header.Set("Accept", "application/json")
	c.requests++
	resp, err := c.cfg.HTTP.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return answer{}, ctx.Err()
		}
		// The request URL holds the address asked about (and may hold
		// credentials): keep it out of the error, which is logged.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		// Timeouts and refused connections may pass.
		return answer{}, &errRetry{err: fmt.Errorf("geocoder request to %s: %w", c.host(), err)}
	}
	defer resp.Body.Close()
	// One more byte than allowed tells a body that is too long from one
	// that just fits; an endless body costs no more than that.
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	if err != nil {
		return answer{}, &errRetry{err: fmt.Errorf("geocoder response: %w", err)}
	}
	if len(body) > maxBody {
		return answer{}, fmt.Errorf("geocoder answer is longer than %d bytes, far more than a search result of one place; is the url a Nominatim server?", maxBody)
	}
	switch {
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
		return answer{}, &errRetry{err: fmt.Errorf("geocoder answered %s", resp.Status), asked: retryafter.Parse(resp.Header.Get("Retry-After"))}
	case resp.StatusCode != http.StatusOK:
		return answer{}, fmt.Errorf("geocoder answered %s", resp.Status)
	}
	var results []struct {
		Lat         string `json:"lat"`
		Lon         string `json:"lon"`
		DisplayName string `json:"display_name"`
	}
	if err := json.Unmarshal(body, &results); err != nil {
		return answer{}, fmt.Errorf("geocoder answer is not a jsonv2 search result: %w", err)
	}
	if len(results) == 0 {
		return answer{Found: false}, nil
	}
	// The server's text is not quoted: it may echo the address asked about.
	lat, ok := coordinate(results[0].Lat, 90)
	if !ok {
		return answer{}, errors.New("geocoder answer's latitude is not a number from -90 to 90")
	}
	lon, ok := coordinate(results[0].Lon, 180)
	if !ok {
		return answer{}, errors.New("geocoder answer's longitude is not a number from -180 to 180")
	}
	return answer{Found: true, Lat: lat, Lon: lon, Display: results[0].DisplayName}, nil
}

// maxBody bounds the bytes read of one answer: a result of one place is
// well under a kilobyte.
const maxBody = 1 << 20

// coordinate reads a latitude (limit 90) or longitude (limit 180) as
// jsonv2 writes it, a decimal string. NaN and infinities, which
// strconv.ParseFloat accepts, are refused: they would poison the cache,
// whose JSON cannot hold them.
func coordinate(s string, limit float64) (float64, bool) {
	x, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || math.IsNaN(x) || x < -limit || x > limit {
		return 0, false
	}
	return x, true
}

// ParseRate reads a rate such as "1/s", "30/m" or "0.5" (per second).
func ParseRate(s string) (float64, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 1, nil
	}
	num, unit, hasUnit := strings.Cut(s, "/")
	n, err := strconv.ParseFloat(strings.TrimSpace(num), 64)
	if err != nil || !(n > 0) || math.IsInf(n, 1) {
		return 0, fmt.Errorf("rate %q: want a positive, finite number of requests per second or minute, such as 1/s or 30/m", s)
	}
	if !hasUnit {
		return n, nil
	}
	switch strings.TrimSpace(unit) {
	case "s", "sec", "second":
		return n, nil
	case "m", "min", "minute":
		return n / 60, nil
	}
	return 0, fmt.Errorf("rate %q: unit %q is neither s nor m", s, unit)
}

// Keys returns the cached queries, sorted, for tests and diagnostics.
func (c *Client) Keys() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]string, 0, len(c.cache))
	for k := range c.cache {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// host is the server's host, for messages.
func (c *Client) host() string {
	if u, err := url.Parse(c.cfg.URL); err == nil {
		return u.Host
	}
	return "the geocoder"
}
