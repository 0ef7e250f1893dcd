package webui

import (
	"fmt"
	"math"
	"net/http"
	"net/url"
	"path/filepath"
	"strconv"

	"github.com/hotpass/hotpass/internal/labelstudio"
	"github.com/hotpass/hotpass/internal/table"
	"github.com/hotpass/hotpass/internal/table/parquetio"
	"github.com/hotpass/hotpass/tasks/linkage/linkjob"
)

// maxClusterShown bounds the records a cluster view draws.
const maxClusterShown = 200

// clusterIndex maps records to clusters, from linkage_clusters.parquet.
// With one input the file has no source column; records are then keyed by
// id alone.
type clusterIndex struct {
	bySource bool
	// idColumn names the record ids' column, for the review masker.
	idColumn string
	of       map[string]int64
	members  map[int64][]labelstudio.RecordRef
}

func (c *clusterIndex) key(r labelstudio.RecordRef) string {
	if !c.bySource {
		return r.ID
	}
	return r.Source + "\x00" + r.ID
}

// loadClusters reads a clusters file; its first column is the record id.
func loadClusters(path string) (*clusterIndex, error) {
	rd, err := parquetio.Open(path)
	if err != nil {
		return nil, err
	}
	defer rd.Close()
	t, err := table.ReadAll(rd)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	cl := t.ColumnByName(linkjob.ClusterColumn)
	if cl == nil || cl.Type() != table.Int64 || t.NumCols() < 2 {
		return nil, fmt.Errorf("%s has no %s column: it is not a hotpass clusters file", path, linkjob.ClusterColumn)
	}
	src := t.ColumnByName(linkjob.SourceColumn)
	c := &clusterIndex{bySource: src != nil, idColumn: t.Schema().Names()[0], of: map[string]int64{}, members: map[int64][]labelstudio.RecordRef{}}
	ids, labels := t.Column(0), cl.Int64s()
	for i := range t.NumRows() {
		r := labelstudio.RecordRef{ID: ids.Format(i)}
		if src != nil {
			r.Source = src.Format(i)
		}
		c.of[c.key(r)] = labels[i]
		c.members[labels[i]] = append(c.members[labels[i]], r)
	}
	return c, nil
}

type clusterNode struct {
	Ref  labelstudio.RecordRef
	X, Y int
	// Open marks the record the page was opened from.
	Open bool
}

type clusterEdge struct {
	A, B           labelstudio.RecordRef
	X1, Y1, X2, Y2 int
	Probability    string
	Strong         bool
	PairHref       string
}

type clusterData struct {
	Dir, DirHref string
	Cluster      int64
	Record       labelstudio.RecordRef
	Nodes        []clusterNode
	Edges        []clusterEdge
	Size         int
	Shown        int
	W, H         int
}

func (clusterData) title() (string, string) { return "Cluster", "review" }

// clusterPage shows the cluster of ?record= (source/id): its records and
// the scored pairs between them, drawn as a ring (Splink's cluster studio
// idea), so a reviewer sees why records ended up together.
func (u *UI) clusterPage(w http.ResponseWriter, r *http.Request, s *session) {
	q := r.URL.Query()
	dir, rq, ok := u.openQueue(w, r, s, q.Get("dir"))
	if !ok {
		return
	}
	ci, err := u.clusters.get(filepath.Join(dir, linkjob.ClustersFile), loadClusters)
	if err != nil {
		u.notFound(w, r, s, "The directory "+dir+" has no readable clusters file ("+linkjob.ClustersFile+"): "+err.Error())
		return
	}
	rec := labelstudio.RecordRef{Source: q.Get("source"), ID: q.Get("id")}
	if pair := q.Get("pair"); pair != "" {
		// The pair page links here by pair and side when it masks the
		// records' ids, so that no raw id is in the link.
		i, ok := rq.index[pair]
		if !ok || q.Get("side") != "l" && q.Get("side") != "r" {
			u.notFound(w, r, s, "The review queue of "+dir+" has no pair "+strconv.Quote(pair)+" with side l or r.")
			return
		}
		rec = rq.Pairs[i].Left
		if q.Get("side") == "r" {
			rec = rq.Pairs[i].Right
		}
	}
	id, ok := ci.of[ci.key(rec)]
	if !ok {
		shown := rec
		if m := u.c.ReviewMasker; m != nil {
			shown.ID = m.Field(ci.idColumn, shown.ID)
		}
		u.notFound(w, r, s, "No cluster holds record "+shown.String()+".")
		return
	}
	members := ci.members[id]
	d := clusterData{Dir: dir, DirHref: "/review/queue?dir=" + url.QueryEscape(dir), Cluster: id, Record: rec,
		Size: len(members), Shown: min(len(members), maxClusterShown), W: 520, H: 420}
	members = members[:d.Shown]
	at := map[string][2]int{}
	for i, m := range members {
		a := 2 * math.Pi * float64(i) / float64(len(members))
		x, y := d.W/2+int(170*math.Cos(a)), d.H/2+int(170*math.Sin(a))
		if len(members) == 1 {
			x, y = d.W/2, d.H/2
		}
		at[ci.key(m)] = [2]int{x, y}
		d.Nodes = append(d.Nodes, clusterNode{Ref: m, X: x, Y: y, Open: m == rec})
	}
	if matches, err := u.queues.get(filepath.Join(dir, linkjob.MatchesFile), u.loadQueue); err == nil {
		for _, p := range matches.Pairs {
			a, okA := at[ci.key(p.Left)]
			b, okB := at[ci.key(p.Right)]
			if !okA || !okB {
				continue
			}
			d.Edges = append(d.Edges, clusterEdge{A: p.Left, B: p.Right, X1: a[0], Y1: a[1], X2: b[0], Y2: b[1],
				Probability: strconv.FormatFloat(p.Probability, 'f', 3, 64), Strong: p.Probability >= matches.Threshold,
				PairHref: d.DirHref + "&pair=" + url.QueryEscape(p.ID)})
		}
	}
	if m := u.c.ReviewMasker; m != nil {
		// A record id may itself be personal data (an email as the key);
		// the page shows it as the review desk shows the records' values.
		// Masking comes last: the ring and the edges are built from the
		// raw ids.
		mask := func(r *labelstudio.RecordRef) { r.ID = m.Field(ci.idColumn, r.ID) }
		mask(&d.Record)
		for i := range d.Nodes {
			mask(&d.Nodes[i].Ref)
		}
		for i := range d.Edges {
			mask(&d.Edges[i].A)
			mask(&d.Edges[i].B)
		}
	}
	u.render(w, r, http.StatusOK, "cluster", s, d)
}
