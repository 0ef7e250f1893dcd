package specs_test

import (
	"slices"
	"testing"

	"github.com/hotpass/hotpass/specs"
)

// TestSelected: the option values stand in for datasource names (any
// option's plain value counts, as source: and sink: do).
func TestSelected(t *testing.T) {
	t.Parallel()
	const src = `version: 1
name: n
datasources:
  contacts: {type: csv, path: a.csv}
  crm: {type: csv, path: b.csv}
tasks:
  load: {type: noop, with: {sleep: contacts}}
  publish: {type: noop, needs: [load], with: {sleep: crm}}
  export: {type: noop, needs: [load]}
  dynamic: {type: noop, with: {sleep: "{{ run.date }}"}}
  alone: {type: noop}
`
	s, err := specs.Parse("f.yaml", []byte(src), testValidator(t))
	if err != nil {
		t.Fatal(err)
	}
	ids := func(s *specs.Spec) (tasks, ds []string) {
		for _, t := range s.Tasks {
			tasks = append(tasks, t.ID)
		}
		for _, d := range s.Datasources {
			ds = append(ds, d.Name)
		}
		return tasks, ds
	}
	tests := []struct {
		only      []string
		ok        bool
		tasks, ds []string
	}{
		{[]string{"export"}, true, []string{"load", "export"}, []string{"contacts"}},
		{[]string{"publish", "alone"}, true, []string{"load", "publish", "alone"}, []string{"contacts", "crm"}},
		{[]string{"alone"}, true, []string{"alone"}, nil},
		// A templated option may name any datasource: all are kept.
		{[]string{"dynamic"}, true, []string{"dynamic"}, []string{"contacts", "crm"}},
		// An unknown id is left for the run to report.
		{[]string{"exprot"}, false, []string{"load", "publish", "export", "dynamic", "alone"}, []string{"contacts", "crm"}},
		{nil, false, []string{"load", "publish", "export", "dynamic", "alone"}, []string{"contacts", "crm"}},
	}
	for _, tt := range tests {
		got, ok := s.Selected(tt.only)
		tasks, ds := ids(got)
		if ok != tt.ok || !slices.Equal(tasks, tt.tasks) || !slices.Equal(ds, tt.ds) {
			t.Errorf("Selected(%q) = tasks %q, datasources %q, %v; want %q, %q, %v", tt.only, tasks, ds, ok, tt.tasks, tt.ds, tt.ok)
		}
	}
	if len(s.Tasks) != 5 || len(s.Datasources) != 2 {
		t.Error("Selected changed the spec it was called on")
	}
}
