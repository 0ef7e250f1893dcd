// Package linkage is probabilistic record linkage (Fellegi–Sunter, as
// Splink does it) over hotpass tables, independent of the pipeline engine.
//
// A Linker binds validated settings (package settings) to input tables and
// runs the stages of a linkage:
//
//	l, err := linkage.New(s, []records.Input{{Name: "crm", Table: t}}, linkage.Options{})
//	res, err := l.Train(ctx)          // λ, u by sampling, m by EM
//	pred, err := l.Predict(ctx, linkage.PredictOptions{})
//	clusters, err := l.Cluster(pred, cluster.Constraints{})
//	err = l.Model().Save("model.json")
//
// The sub-packages hold the parts: rule (blocking rule syntax and keys),
// records (inputs as one numbered record set), compare (comparison
// vectors), blocking (candidate pairs), model (parameters, EM, model
// files), cluster (connected components with constraints), evaluate
// (pairwise precision and recall against ground truth), splink (Splink 4
// model files in and out) and strptime (dates read as DuckDB reads them).
//
// Work that scales with the number of pairs — training scans, prediction —
// is spread over Options.Workers goroutines, each with its own comparison
// scratch space and output buffers, and gives the same results for any
// worker count.
package linkage
