package main

import (
	"context"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"unicode"
	"unicode/utf8"

	"github.com/spf13/cobra"

	"github.com/hotpass/hotpass/internal/geo"
	"github.com/hotpass/hotpass/internal/refine"
)

func newGeoCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "geo",
		Short: "Work with locations: proximity clusters of geocoded rows",
	}
	cmd.AddCommand(newGeoClustersCmd())
	return cmd
}

type geoClustersOptions struct {
	input    string
	sheet    string
	radiusKm float64
	label    string
	labelSet bool // --label given: a column it does not name is a mistake
	country  string
	columns  []string
	format   string
}

func newGeoClustersCmd() *cobra.Command {
	o := &geoClustersOptions{}
	cmd := &cobra.Command{
		Use:   "clusters --input F --radius-km R",
		Short: "Group rows whose locations lie within a radius of each other",
		Long: "Read a table (CSV, Parquet or xlsx) and group its rows into proximity clusters: rows within\n" +
			"--radius-km of each other are in one cluster, and so are their neighbours in turn. Locations come\n" +
			"from the latitude and longitude columns (as the geocode task and the aviation SSOT write them);\n" +
			"a table without them is geocoded offline from --columns first. Clusters are listed largest first.",
		Args: exactArgs(0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkFormat(o.format); err != nil {
				return err
			}
			if !(o.radiusKm > 0) || math.IsInf(o.radiusKm, 1) {
				return fmt.Errorf("%w: --radius-km must be a positive, finite number of kilometres", errUsage)
			}
			o.labelSet = cmd.Flags().Changed("label")
			return runGeoClusters(cmd.Context(), cmd.OutOrStdout(), o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.input, "input", "", "table to read (CSV, Parquet or xlsx)")
	f.StringVar(&o.sheet, "sheet", "", "sheet of an xlsx input (default the first)")
	f.Float64Var(&o.radiusKm, "radius-km", 0, "largest distance in kilometres between neighbours of one cluster")
	f.StringVar(&o.label, "label", "organization_name", "column naming each row in the listing")
	f.StringVar(&o.country, "country", "ZA", "gazetteer for rows without coordinates (ISO 3166-1 alpha-2)")
	f.StringSliceVar(&o.columns, "columns", []string{"address_primary", "area", "organization_name"}, "location columns to geocode when the table has no latitude and longitude")
	addFormatFlag(cmd, &o.format)
	requireFlags(cmd, "input", "radius-km")
	return cmd
}

type geoCluster struct {
	ID        int      `json:"id"`
	Size      int      `json:"size"`
	Latitude  float64  `json:"latitude"`
	Longitude float64  `json:"longitude"`
	Area      string   `json:"area"`
	Province  string   `json:"province"`
	Members   []string `json:"members"`
}

type geoClustersResult struct {
	Input    string  `json:"input"`
	RadiusKm float64 `json:"radius_km"`
	Rows     int     `json:"rows"`
	Located  int     `json:"located"`
	Unplaced int     `json:"unplaced"`
	// BadCoordinates counts unplaced rows whose coordinates are out of
	// range, look swapped, are unreadable or only half given.
	BadCoordinates int          `json:"bad_coordinates"`
	Clusters       []geoCluster `json:"clusters"`
}

func runGeoClusters(ctx context.Context, w io.Writer, o *geoClustersOptions) error {
	t, err := refine.ReadTable(o.input, o.sheet)
	if err != nil {
		return fmt.Errorf("read %s: %w", o.input, err)
	}
	g, err := geo.Load(o.country)
	if err != nil {
		return fmt.Errorf("%w: --country: %v", errUsage, err)
	}
	if t.ColumnByName(geo.ColLatitude) == nil || t.ColumnByName(geo.ColLongitude) == nil {
		if t, _, err = g.Apply(ctx, t, geo.TableOptions{Texts: o.columns}); err != nil {
			return fmt.Errorf("%s has no latitude and longitude columns, and geocoding it failed: %w", o.input, err)
		}
	}
	lat, lon := t.ColumnByName(geo.ColLatitude), t.ColumnByName(geo.ColLongitude)
	label := t.ColumnByName(o.label)
	if label == nil && o.labelSet {
		return fmt.Errorf("%w: --label %s: %s has no such column (columns: %s)", errUsage, o.label, o.input, strings.Join(t.Schema().Names(), ", "))
	}
	res := geoClustersResult{Input: o.input, RadiusKm: o.radiusKm, Rows: t.NumRows()}
	var pts []geo.Point
	var rows []int
	for i := 0; i < t.NumRows(); i++ {
		la, lo, ok := geo.PointAt(lat, lon, i)
		if !ok {
			res.Unplaced++
			if geo.PointWritten(lat, lon, i) {
				res.BadCoordinates++
			}
			continue
		}
		if geo.CheckLatLon(la, lo, g.Country()) != nil {
			res.Unplaced++
			res.BadCoordinates++
			continue
		}
		pts = append(pts, geo.Point{Lat: la, Lon: lo})
		rows = append(rows, i)
	}
	res.Located = len(pts)
	ids := geo.Clusters(pts, o.radiusKm)
	// Clusters numbers clusters in order of first appearance, so a slice
	// indexed by number keeps that order for the stable sort below: ties
	// of size and first member then list in row order on every run.
	var byID []*geoCluster
	for k, id := range ids {
		for len(byID) <= id {
			byID = append(byID, &geoCluster{})
		}
		c := byID[id]
		c.Size++
		c.Latitude += pts[k].Lat
		c.Longitude += pts[k].Lon
		name := fmt.Sprintf("row %d", rows[k]+1)
		if label != nil && !label.IsNull(rows[k]) {
			name = label.Format(rows[k])
		}
		c.Members = append(c.Members, name)
	}
	for _, c := range byID {
		c.Latitude /= float64(c.Size)
		c.Longitude /= float64(c.Size)
		c.Area, _ = g.NearestPlace(c.Latitude, c.Longitude)
		c.Province, _, _ = g.ProvinceAt(c.Latitude, c.Longitude)
		sort.Strings(c.Members)
		res.Clusters = append(res.Clusters, *c)
	}
	sort.SliceStable(res.Clusters, func(i, j int) bool {
		a, b := res.Clusters[i], res.Clusters[j]
		if a.Size != b.Size {
			return a.Size > b.Size
		}
		return a.Members[0] < b.Members[0]
	})
	for i := range res.Clusters {
		res.Clusters[i].ID = i + 1
	}
	res.Clusters = nonNil(res.Clusters)
	if o.format == formatJSON {
		return writeJSON(w, res)
	}
	fmt.Fprintf(w, "%d rows: %d located, %d without a location", res.Rows, res.Located, res.Unplaced)
	if res.BadCoordinates > 0 {
		fmt.Fprintf(w, " (%d with coordinates out of range, swapped or unreadable)", res.BadCoordinates)
	}
	fmt.Fprintf(w, "; %d clusters within %g km\n\n", len(res.Clusters), o.radiusKm)
	if len(res.Clusters) == 0 {
		return nil
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "CLUSTER\tSIZE\tAREA\tPROVINCE\tLATITUDE\tLONGITUDE\tMEMBERS")
	for _, c := range res.Clusters {
		shown := make([]string, 0, 3)
		for _, m := range c.Members[:min(3, len(c.Members))] {
			shown = append(shown, terminalSafe(m))
		}
		members := strings.Join(shown, "; ")
		if len(c.Members) > 3 {
			members += fmt.Sprintf("; +%d more", len(c.Members)-3)
		}
		fmt.Fprintf(tw, "%d\t%d\t%s\t%s\t%.4f\t%.4f\t%s\n", c.ID, c.Size, c.Area, c.Province, c.Latitude, c.Longitude, members)
	}
	return tw.Flush()
}

// terminalSafe quotes a label from the data when printing it as it is
// would act on the terminal or the table: control characters (escape
// sequences that retitle the window or hide lines, tabs and newlines that
// break the columns), bidirectional overrides that reorder what is shown,
// and invalid UTF-8.
func terminalSafe(s string) string {
	if utf8.ValidString(s) && strings.IndexFunc(s, func(r rune) bool { return !unicode.IsPrint(r) }) < 0 {
		return s
	}
	return strconv.Quote(s)
}
