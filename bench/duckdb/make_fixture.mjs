// Writes the DuckDB fixtures of testdata/table/ that prove the Parquet reader
// understands files written by DuckDB:
//   duckdb_sample.parquet   flat columns of every supported kind, with nulls
//   duckdb_decimal.parquet  DECIMAL columns (read as float64)
//   duckdb_nested.parquet   a LIST column (must be rejected with a clear error)
//   duckdb_dict.parquet     5000 rows of repetitive strings in several row
//                           groups, so DuckDB dictionary-encodes them
// Usage: node make_fixture.mjs OUTPUT_DIR
import { DuckDBInstance } from '@duckdb/node-api';

const dir = process.argv[2];
if (!dir) {
  console.error('usage: node make_fixture.mjs OUTPUT_DIR');
  process.exit(2);
}
const q = (s) => `'${s.replaceAll("'", "''")}'`;
const out = `${dir}/duckdb_sample.parquet`;
const db = await DuckDBInstance.create(':memory:');
const conn = await db.connect();
// A dictionary-encoded repeated string, nulls in every column, an empty
// string next to a NULL, and a timestamp with microseconds.
await conn.run(`
  COPY (
    SELECT * FROM (VALUES
      (1::INTEGER,  10000000000::BIGINT, 1.5::DOUBLE,  'Acme Aviation',   DATE '2024-01-31', TIMESTAMP '2024-01-31 08:30:00',        true,  'Gauteng'),
      (2,           NULL,                -2.25,        NULL,              DATE '1969-12-31', TIMESTAMP '1969-12-31 23:59:59.123456', false, 'Gauteng'),
      (NULL,        -7,                  NULL,         'Zoë Café',        NULL,              NULL,                                  NULL,  'Western Cape'),
      (4,           42,                  0.1,          '',                DATE '2000-02-29', TIMESTAMP '2000-02-29 12:00:00.5',     true,  'Gauteng'),
      (5,           0,                   1e300,        'line1' || chr(10) || 'line2', DATE '2100-12-31', TIMESTAMP '2100-12-31 23:59:59', false, NULL)
    ) AS t(id, big, score, name, founded, seen_at, active, province)
  ) TO ${q(out)} (FORMAT parquet)
`);
await conn.run(`
  COPY (SELECT 12.34::DECIMAL(4,2) AS small, -123456789.123::DECIMAL(18,3) AS wide,
               12345678901234567890.5::DECIMAL(38,1) AS huge)
  TO ${q(dir + '/duckdb_decimal.parquet')} (FORMAT parquet)
`);
await conn.run(`
  COPY (SELECT 1 AS id, [1, 2, 3] AS tags)
  TO ${q(dir + '/duckdb_nested.parquet')} (FORMAT parquet)
`);
await conn.run(`
  COPY (SELECT i::BIGINT AS id,
               (['Gauteng', 'Western Cape', 'Limpopo'])[i % 3 + 1] AS province,
               CASE WHEN i % 10 = 0 THEN NULL ELSE 'org-' || (i % 7) END AS org
        FROM range(5000) t(i) ORDER BY i)
  TO ${q(dir + '/duckdb_dict.parquet')} (FORMAT parquet, ROW_GROUP_SIZE 2048)
`);
console.log('wrote fixtures to', dir);
