// Package refine turns messy organisation and contact sheets into one
// clean, deduplicated single-source-of-truth (SSOT) table, driven by a
// Profile. It knows nothing of the engine: tasks/refine wires it into
// pipelines.
//
// The stages, each usable on its own:
//
//   - Match maps a sheet's header onto SSOT input fields by synonym,
//     ignoring case, spaces and punctuation, and reports what it could
//     not match.
//   - Ingest reads a profile's source workbooks, joins each sheet's rows
//     to their organisation records and normalises every value (text,
//     emails, phones, websites, provinces, dates).
//   - Aggregate groups records per organisation and picks each field's
//     surviving value by source priority, then record completeness, then
//     recency, recording why in selection_provenance.
//   - Score rates each contact's email and phone offline and the
//     organisation's data quality; Build lays the result out as the SSOT
//     table in its fixed column order.
//
// Entity resolution plugs in through MergeClusters, which aggregates
// records by cluster assignments instead of by name.
package refine
