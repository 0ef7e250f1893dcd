// Package synth generates deterministic synthetic aviation data for tests,
// benchmarks and demos: organisation and contact tables with realistic
// South African dirt (province aliases, website and phone formats, several
// emails to a cell, duplicates under variant names), and the three
// workbooks whose layouts users bring to Hotpass.
//
// Every row is a pure function of the seed and its index, so a table of
// any size comes out the same whether generated at once or streamed in
// batches, and two runs with one seed are identical.
package synth
