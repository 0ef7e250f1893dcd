// Times DuckDB converting a CSV file to Parquet, the reference for the
// internal/table CSV → Parquet benchmark.
// Usage: node csv_to_parquet.mjs INPUT.csv OUTPUT.parquet [THREADS]
import { DuckDBInstance } from '@duckdb/node-api';

const [input, output, threads = '2'] = process.argv.slice(2);
if (!input || !output) {
  console.error('usage: node csv_to_parquet.mjs INPUT.csv OUTPUT.parquet [THREADS]');
  process.exit(2);
}
const q = (s) => `'${s.replaceAll("'", "''")}'`;
const db = await DuckDBInstance.create(':memory:', { threads });
const conn = await db.connect();
const start = process.hrtime.bigint();
await conn.run(`COPY (SELECT * FROM read_csv(${q(input)})) TO ${q(output)} (FORMAT parquet)`);
const ms = Number(process.hrtime.bigint() - start) / 1e6;
console.log(`duckdb threads=${threads} csv_to_parquet wall_ms=${ms.toFixed(0)}`);
