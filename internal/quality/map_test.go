package quality

import (
	"strings"
	"testing"

	"github.com/hotpass/hotpass/internal/table"
)

func TestReportMapsLocatedRows(t *testing.T) {
	t.Parallel()
	b := table.NewBuilder(table.MustSchema(
		table.Field{Name: "organization_name", Type: table.String},
		table.Field{Name: "latitude", Type: table.Float64},
		table.Field{Name: "longitude", Type: table.Float64},
	), 3)
	for _, r := range [][]any{{"Rand", -26.2425, 28.1512}, {"Cape Town", -33.9649, 18.6017}, {"Nowhere", nil, nil}} {
		if err := b.AppendRow(r...); err != nil {
			t.Fatal(err)
		}
	}
	tab, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	rep := Evaluate(tab, nil).Report
	if rep.LocatedRows != 2 {
		t.Errorf("located rows %d, want 2", rep.LocatedRows)
	}
	html, err := rep.HTML()
	if err != nil {
		t.Fatal(err)
	}
	page := string(html)
	if !strings.Contains(page, "<h2>Locations</h2>") || strings.Count(page, "<circle") != 2 || !strings.Contains(page, "Gauteng") {
		t.Error("the report has no map with two dots")
	}
	js, err := rep.JSON()
	if err != nil || !strings.Contains(string(js), `"located_rows": 2`) {
		t.Errorf("JSON %s, %v", js, err)
	}

	// Without coordinates there is no map.
	plain, err := tab.Project("organization_name")
	if err != nil {
		t.Fatal(err)
	}
	html, err = Evaluate(plain, nil).Report.HTML()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(html), "Locations") {
		t.Error("map drawn without coordinates")
	}
}
