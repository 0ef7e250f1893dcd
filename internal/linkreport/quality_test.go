package linkreport

import (
	"strings"
	"testing"
)

// The prior's source and warnings, one_to_one displacements and cluster
// quality are shown when given, and absent otherwise.
func TestPriorAndClusterQuality(t *testing.T) {
	t.Parallel()
	plain := render(t, fixture())
	for _, absent := range []string{"Cluster quality", "; from ", "one_to_one"} {
		if strings.Contains(plain, absent) {
			t.Errorf("a report without the new sections shows %q", absent)
		}
	}
	r := fixture()
	r.PriorSource = "em"
	r.PriorWarnings = []string{`λ 1e-05 is more than 3× below what EM finds inside training rule "amount": suspect <rule>`}
	r.Displaced = 7
	r.Clusters = &Clusters{Count: 40, Sparse: 2, SparseDensity: 0.5, Split: 1, Weakest: []ClusterQuality{
		{ID: "17", Size: 5, Edges: 4, Density: 0.4, WeakestEdge: 0.91},
		{ID: "3", Size: 4, Edges: 3, Density: 0.5, WeakestEdge: 0.93},
	}}
	out := render(t, r)
	for _, want := range []string{
		"; from em</td>",
		`<p class="warning">λ 1e-05 is more than 3× below what EM finds inside training rule &#34;amount&#34;: suspect &lt;rule&gt;</p>`,
		"one_to_one: 7 match pairs lost to a stronger pair",
		`<h2 id="clusters">Cluster quality</h2>`,
		"40 clusters; 2 of three or more records have density (match edges over possible pairs) below 0.5; 1 sparse clusters were split.",
		`<tr><td>17</td><td class="num">5</td><td class="num">4</td><td class="num">0.4</td><td class="num">0.91</td></tr>`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	if strings.Index(out, "<td>17</td>") > strings.Index(out, "<td>3</td>") {
		t.Error("clusters are not listed in the order given (least dense first)")
	}
}
