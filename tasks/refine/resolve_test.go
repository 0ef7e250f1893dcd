package refine_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hotpass/hotpass/engine"
	"github.com/hotpass/hotpass/internal/synth"
	"github.com/hotpass/hotpass/internal/table"
	"github.com/hotpass/hotpass/internal/table/parquetio"
	"github.com/hotpass/hotpass/internal/table/xlsxio"
	"github.com/hotpass/hotpass/tasks/linkage/linkjob"
)

// truthIndex maps the source_record_ids of SSOT rows ("reachout:7",
// "contact_database:C00012", "sacaa:Cleaned!5") to the true organisation
// synth wrote them for.
func truthIndex(tr synth.Truth) map[string]string {
	return tr.Rows
}

// mergeFigures are what entity resolution is judged by.
type mergeFigures struct {
	rows      int
	mixedRows int // rows holding records of two or more true organisations
	// falsePairs and pairs count record pairs placed in one row: pairs of
	// different true organisations, and all.
	falsePairs, pairs int
}

func figures(t *testing.T, ssot *table.Table, idx map[string]string) mergeFigures {
	t.Helper()
	col := ssot.ColumnByName("source_record_ids")
	f := mergeFigures{rows: ssot.NumRows()}
	for r := 0; r < ssot.NumRows(); r++ {
		ents := map[string]int{}
		n := 0
		for _, id := range strings.Split(col.Format(r), ";") {
			e, ok := idx[id]
			if !ok {
				t.Fatalf("row %d: record %q is not in the truth", r+1, id)
			}
			ents[e]++
			n++
		}
		if len(ents) > 1 {
			f.mixedRows++
		}
		f.pairs += n * (n - 1) / 2
		same := 0
		for _, k := range ents {
			same += k * (k - 1) / 2
		}
		f.falsePairs += n*(n-1)/2 - same
	}
	return f
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

func refineSynthetic(t *testing.T, dir string, er bool) *table.Table {
	t.Helper()
	return refineWithProfile(t, dir, "aviation", er)
}

// refineWithProfile refines the workbooks in dir/data with profile (a
// built-in name or a path), with or without entity resolution, and
// returns the SSOT table.
func refineWithProfile(t testing.TB, dir, profile string, er bool) *table.Table {
	t.Helper()
	opt := ""
	if er {
		opt = "\n      entity_resolution: {enabled: \"{{ params.er }}\", output_dir: out/linkage}"
	}
	p, err := load(t, dir, `version: 1
name: er
params:
  er: {type: boolean, default: true}
tasks:
  refine:
    type: refine
    with:
      profile: `+profile+`
      input_dir: data`+opt+`
`)
	if err != nil {
		t.Fatal(err)
	}
	rec, err := p.Run(context.Background(), engine.RunOptions{StateDir: filepath.Join(dir, ".hotpass")})
	if err != nil {
		t.Fatal(err)
	}
	task := rec.Task("refine")
	if task.Status != engine.StatusSucceeded {
		t.Fatalf("refine: %s %s", task.Status, task.Error)
	}
	if er && task.Attrs["entity_resolution"] != true {
		t.Fatalf("entity resolution did not run: %v", task.Attrs)
	}
	r, err := parquetio.Open(filepath.Join(dir, ".hotpass", "runs", rec.RunID, "refine.parquet"))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	out, err := table.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// With entity resolution, organisations that synth wrote under different
// spellings in different workbooks merge into one row: the row count gets
// closer to the true number of organisations, while rows mixing two true
// organisations stay rare.
func TestEntityResolutionMergesSpellings(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		seed int64
		orgs int
		// closer: the row count must get closer to the truth. With 1,500
		// organisations synth's vocabulary repeats names (and the
		// websites derived from them) across different organisations, so
		// name keys over-merge and the row count alone flatters them.
		closer bool
	}{{"orgs200", 42, 200, true}, {"orgs1500", 7, 1500, false}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			tr, err := synth.WriteAviationWorkbooks(filepath.Join(dir, "data"), tc.seed, tc.orgs)
			if err != nil {
				t.Fatal(err)
			}
			idx := truthIndex(tr)
			base := figures(t, refineSynthetic(t, dir, false), idx)
			er := figures(t, refineSynthetic(t, dir, true), idx)
			t.Logf("%d true organisations; by name key: %d rows (%d mixed, %d of %d merged pairs false); with entity resolution: %d rows (%d mixed, %d of %d merged pairs false)",
				tr.Organisations, base.rows, base.mixedRows, base.falsePairs, base.pairs, er.rows, er.mixedRows, er.falsePairs, er.pairs)
			// Grouping by name key merges different organisations that
			// share a name; linkage keeps most of them apart, so it must
			// find more true merges and make fewer false ones.
			if er.pairs-er.falsePairs < base.pairs-base.falsePairs {
				t.Errorf("entity resolution merged %d true pairs, name key %d", er.pairs-er.falsePairs, base.pairs-base.falsePairs)
			}
			if er.mixedRows > base.mixedRows || er.mixedRows*100 > er.rows*3 {
				t.Errorf("%d of %d rows mix true organisations (name key: %d); at most 3%% allowed", er.mixedRows, er.rows, base.mixedRows)
			}
			if tc.closer && abs(er.rows-tr.Organisations) >= abs(base.rows-tr.Organisations) {
				t.Errorf("entity resolution left %d rows, name key %d, truth %d", er.rows, base.rows, tr.Organisations)
			}
			for _, f := range []string{linkjob.MatchesFile, linkjob.ClustersFile, linkjob.MetadataFile, linkjob.ReportFile} {
				if _, err := os.Stat(filepath.Join(dir, "out", "linkage", f)); err != nil {
					t.Error(err)
				}
			}
		})
	}
}

// The bundled example is synth's seed 1 with 200 organisations, so its
// truth is known here (and only here: the workbooks carry none). Entity
// resolution must leave fewer rows that mix organisations than the name
// key, and every slug it leaves on several rows must belong to different
// organisations of one name.
func TestEntityResolutionOnBundledExample(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	tr, err := synth.WriteAviationWorkbooks(filepath.Join(dir, "data"), 1, 200)
	if err != nil {
		t.Fatal(err)
	}
	// The workbooks' cells, not their bytes: zip entry order may differ.
	for _, f := range []string{synth.ReachoutFile, synth.ContactFile, synth.SACAAFile} {
		bundled := filepath.Join("..", "..", "examples", "aviation", "data", f)
		sheets, err := xlsxio.Sheets(bundled)
		if err != nil {
			t.Fatal(err)
		}
		for _, sh := range sheets {
			want, _, err := xlsxio.ReadFile(bundled, xlsxio.ReadOptions{Sheet: sh})
			if err != nil {
				t.Fatal(err)
			}
			got, _, err := xlsxio.ReadFile(filepath.Join(dir, "data", f), xlsxio.ReadOptions{Sheet: sh})
			if err != nil {
				t.Fatal(err)
			}
			if d := want.Diff(got); d != "" {
				t.Fatalf("examples/aviation/data/%s is not synth's seed 1 with 200 organisations (%s: %s); regenerate it with: hotpass gen aviation --dir examples/aviation/data --orgs 200 --seed 1", f, sh, d)
			}
		}
	}
	idx := truthIndex(tr)
	type figs struct {
		mergeFigures
		dupSlugs int
		// namesakes are rows whose slug was made distinct.
		namesakes int
	}
	measure := func(ssot *table.Table) figs {
		f := figs{mergeFigures: figures(t, ssot, idx)}
		slugs := ssot.ColumnByName("organization_slug")
		rows := map[string][]int{}
		for i := 0; i < ssot.NumRows(); i++ {
			rows[slugs.Format(i)] = append(rows[slugs.Format(i)], i)
		}
		for _, rs := range rows {
			f.dupSlugs += len(rs) - 1
		}
		flags := ssot.ColumnByName("data_quality_flags")
		for i := 0; i < ssot.NumRows(); i++ {
			if strings.Contains(flags.Format(i), "namesake") {
				f.namesakes++
			}
		}
		return f
	}
	base := measure(refineSynthetic(t, dir, false))
	er := measure(refineSynthetic(t, dir, true))
	t.Logf("bundled example, %d true organisations: by name key %d rows, %d duplicate slugs, %d mixed rows; with entity resolution %d rows, %d duplicate slugs (%d namesakes made distinct), %d mixed rows",
		tr.Organisations, base.rows, base.dupSlugs, base.mixedRows, er.rows, er.dupSlugs, er.namesakes, er.mixedRows)
	if er.mixedRows >= base.mixedRows && base.mixedRows > 0 {
		t.Errorf("entity resolution leaves %d mixed rows, the name key %d", er.mixedRows, base.mixedRows)
	}
	if er.dupSlugs != 0 || base.dupSlugs != 0 {
		t.Errorf("duplicate slugs: %d with entity resolution, %d by name key; want none", er.dupSlugs, base.dupSlugs)
	}
	if er.namesakes == 0 {
		t.Error("no organisations of one name kept apart; the bundled example has some")
	}
	if er.rows >= base.rows {
		t.Errorf("entity resolution left %d rows, the name key %d, truth %d", er.rows, base.rows, tr.Organisations)
	}
}
