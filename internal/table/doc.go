// Package table is the typed columnar table that flows between pipeline
// tasks.
//
// A *Table is immutable once built: tasks may share one table, slice it or
// project it without copying and without locks. Columns hold one of six
// types (see Type) plus a validity bitmap for nulls. Tables are produced by a
// Builder or by a codec Reader (sub-packages csvio, jsonlio, parquetio) and
// consumed column by column through the typed accessors, which return the
// underlying slices so loops stay allocation free.
//
// Row numbers in errors reported by this package (ConversionError.Row) are
// 1-based data rows: the first row of data is row 1, whatever header a file
// format may have.
package table
