// Package geocode provides the `geocode` task type: place the rows of a
// table offline with the embedded gazetteer (internal/geo), optionally
// asking a Nominatim-compatible server for what it cannot place, and add
// latitude, longitude, address_formatted, province_geocoded,
// area_geocoded, geocode_confidence and geocode_match. Config is also the
// `geocode:` option of the enrich task.
package geocode

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"time"

	"github.com/hotpass/hotpass/engine"
	"github.com/hotpass/hotpass/internal/geo"
	"github.com/hotpass/hotpass/internal/geo/nominatim"
	"github.com/hotpass/hotpass/internal/runstate"
	"github.com/hotpass/hotpass/internal/table"
	"github.com/hotpass/hotpass/specs"
	"github.com/hotpass/hotpass/tasks"
	"github.com/hotpass/hotpass/tasks/tableio"
)

func init() { tasks.Register(Type{}) }

// Type is the geocode task type.
type Type struct{}

// Name returns "geocode".
func (Type) Name() string { return "geocode" }

// Options returns the declaration of the `with:` block.
func (Type) Options() any { return &options{} }

// Schema returns the JSON Schema of the `with:` block.
func (Type) Schema() json.RawMessage {
	return tasks.Schema("geocode", "Places each row offline from its address, area and name columns with the embedded gazetteer of towns and airports (ICAO/IATA codes, names, aliases, misspellings), and adds latitude, longitude, address_formatted, province_geocoded, area_geocoded, geocode_confidence and geocode_match. Rows whose texts match nothing but that have coordinates get their province from the nearest towns. A confident geocode in another province than the stated one adds province_mismatch to the flags column. An online Nominatim-compatible geocoder is off unless configured.", &options{})
}

// Geocoder declares the optional online geocoder.
type Geocoder struct {
	URL       string         `yaml:"url" hotpass:"required" examples:"https://nominatim.example.org" doc:"Base URL of a Nominatim-compatible server; /search is appended."`
	RateLimit string         `yaml:"rate_limit" examples:"1/s|30/m" doc:"Most requests per second (N/s) or minute (N/m); default 1/s, the most Nominatim's usage policy allows."`
	UserAgent string         `yaml:"user_agent" hotpass:"required" examples:"acme-hotpass/1.0 (ops@example.com)" doc:"Names the application to the server, as its usage policy asks."`
	Cache     string         `yaml:"cache" doc:"Cache file of the server's answers, relative to the spec (default geocode-cache.json in the state directory); a re-run never asks a question twice."`
	Timeout   tasks.Duration `yaml:"timeout" doc:"Longest wait for one answer (default 10s)."`
}

// Config is the geocoding declaration of the geocode task and of enrich's
// geocode option.
type Config struct {
	Country   string    `yaml:"country" examples:"ZA" doc:"ISO 3166-1 alpha-2 code of the gazetteer (default ZA)."`
	Columns   []string  `yaml:"columns" doc:"Location columns, most telling first (default address_primary, area, organization_name); missing ones are skipped."`
	Province  string    `yaml:"province" doc:"Stated province column: it chooses among towns of one name and is compared with the geocode (default province)."`
	Latitude  string    `yaml:"latitude" doc:"Existing latitude column, used when the texts match nothing."`
	Longitude string    `yaml:"longitude" doc:"Existing longitude column, used with latitude."`
	Flags     string    `yaml:"flags" doc:"Flags column (;-separated, \"none\" when empty) that receives province_mismatch (default data_quality_flags when present)."`
	Geocoder  *Geocoder `yaml:"geocoder" doc:"Online geocoder for rows the gazetteer cannot place; off when absent."`
}

type options struct {
	Input  string `yaml:"input" hotpass:"required" doc:"The task whose output table is geocoded."`
	Config `yaml:",inline"`
}

// Prepare checks the options.
func (Type) Prepare(spec *specs.Spec, task *specs.Task) (engine.Task, error) {
	var o options
	opts, err := tasks.Decode(spec, task, &o)
	if err != nil {
		return nil, err
	}
	g, diags := Check(opts, "", &o.Config)
	if len(diags) > 0 {
		return nil, diags
	}
	return &runner{input: o.Input, g: g}, nil
}

// Check validates c (found under prefix in opts, "" at the top) and
// returns the prepared geocoder.
func Check(opts *tasks.Options, prefix string, c *Config) (*Prepared, specs.Diagnostics) {
	var diags specs.Diagnostics
	at := func(name string) string {
		if prefix == "" {
			return name
		}
		return prefix
	}
	country := c.Country
	if country == "" {
		country = "ZA"
	}
	if _, err := geo.Load(country); err != nil {
		diags = append(diags, opts.Errorf(at("country"), "%v", err))
	}
	if (c.Latitude == "") != (c.Longitude == "") {
		diags = append(diags, opts.Errorf(at("latitude"), "latitude and longitude go together: give both column names or neither"))
	}
	p := &Prepared{country: country, opts: geo.TableOptions{
		Texts: c.Columns, Province: c.Province, Latitude: c.Latitude, Longitude: c.Longitude, Flags: c.Flags,
	}}
	if len(p.opts.Texts) == 0 {
		p.opts.Texts = []string{"address_primary", "area", "organization_name"}
	}
	if p.opts.Province == "" {
		p.opts.Province = "province"
	}
	p.flagsDefault = c.Flags == ""
	if p.flagsDefault {
		p.opts.Flags = "data_quality_flags"
	}
	if gc := c.Geocoder; gc != nil {
		rate, err := nominatim.ParseRate(gc.RateLimit)
		if err != nil {
			diags = append(diags, opts.Errorf(at("geocoder"), "%v", err))
		}
		p.online = &nominatim.Config{URL: gc.URL, UserAgent: gc.UserAgent, Rate: rate, CountryCodes: country, Timeout: time.Duration(gc.Timeout)}
		if gc.Cache != "" {
			p.cache = gc.Cache
		}
		if _, err := nominatim.New(nominatim.Config{URL: gc.URL, UserAgent: gc.UserAgent}); err != nil {
			diags = append(diags, opts.Errorf(at("geocoder"), "%v", err))
		}
	}
	return p, diags
}

// Prepared is a checked Config, ready to run.
type Prepared struct {
	country      string
	opts         geo.TableOptions
	flagsDefault bool
	online       *nominatim.Config
	cache        string
}

// Apply geocodes t. The online geocoder's cache is saved before it
// returns, also when it fails.
func (p *Prepared) Apply(ctx context.Context, env *engine.Env, t *table.Table) (out *table.Table, st geo.Stats, err error) {
	g, err := geo.Load(p.country)
	if err != nil {
		return nil, st, err
	}
	o := p.opts
	if p.flagsDefault && t.ColumnByName(o.Flags) == nil {
		o.Flags = ""
	}
	if p.online != nil {
		cfg := *p.online
		cfg.Log = env.Log
		cfg.CachePath = filepath.Join(runstate.OfRun(env.RunDir).Home(), "geocode-cache.json")
		if p.cache != "" {
			cfg.CachePath = env.ResolvePath(p.cache)
		}
		client, err := nominatim.New(cfg)
		if err != nil {
			return nil, st, err
		}
		defer func() {
			if serr := client.Save(); serr != nil {
				err = errors.Join(err, serr)
			}
		}()
		o.Online = client
		o.Log = env.Log
	}
	out, st, err = g.Apply(ctx, t, o)
	if err != nil {
		return nil, st, err
	}
	logStats(env.Log, st)
	return out, st, nil
}

// Attrs is the run record's account of a geocoding.
func Attrs(st geo.Stats) map[string]any {
	return map[string]any{
		"rows": st.Rows, "placed": st.Placed, "unplaced": st.Unplaced, "from_point": st.FromPoint,
		"online": st.Online, "online_failed": st.OnlineError, "bad_coordinates": st.BadPoints,
		"province_mismatch": st.Mismatch,
	}
}

func logStats(log *slog.Logger, st geo.Stats) {
	if log == nil {
		return
	}
	log.Info("geocoded", "rows", st.Rows, "placed", st.Placed, "unplaced", st.Unplaced, "from_point", st.FromPoint,
		"online", st.Online, "online_failed", st.OnlineError, "bad_coordinates", st.BadPoints, "province_mismatch", st.Mismatch)
	if st.OnlineError > 0 {
		log.Warn("the online geocoder could not answer for some rows; they stay ungeocoded", "rows", st.OnlineError)
	}
}

type runner struct {
	input string
	g     *Prepared
}

// Run geocodes the input table.
func (r *runner) Run(ctx context.Context, env *engine.Env) (*engine.Result, error) {
	in, err := tableio.Input(env, r.input)
	if err != nil {
		return nil, err
	}
	out, st, err := r.g.Apply(ctx, env, in)
	if err != nil {
		return nil, fmt.Errorf("geocode %s: %w", r.input, err)
	}
	res, err := tableio.Persist(env, out, int64(in.NumRows()))
	if err != nil {
		return nil, err
	}
	res.Attrs["geocode"] = Attrs(st)
	return res, nil
}

// Columns are the columns geocoding adds, in order.
func Columns() []string { return geo.Columns() }
