// Writes what DuckDB's try_strptime makes of date strings under date-only
// layouts, the reference internal/linkage/strptime is tested against:
// layout,value,days (days since 1970-01-01; empty when DuckDB returns NULL).
// Values: the date of birth column of fake_1000, hand-picked edge cases and
// strings drawn (seeded) from digits, separators and whitespace.
// Usage: node strptime_golden.mjs FAKE_1000.csv OUT.csv
import { writeFileSync, renameSync } from 'node:fs';
import { DuckDBInstance } from '@duckdb/node-api';

const [dataPath, outPath] = process.argv.slice(2);
if (!outPath) {
  console.error('usage: node strptime_golden.mjs FAKE_1000.csv OUT.csv');
  process.exit(2);
}
const db = await DuckDBInstance.create(':memory:');
const conn = await db.connect();
const str = (s) => `'${s.replaceAll("'", "''")}'`;
const dobs = (await conn.runAndReadAll(`SELECT DISTINCT dob FROM read_csv(${str(dataPath)}, header = true, all_varchar = true) WHERE dob IS NOT NULL ORDER BY dob LIMIT 200`)).getRows().map((r) => r[0]);
const edge = ['', ' ', '1990-01-05', '1990-1-5', ' 1990-01-05 ', '\t1990-01-05\n', '\v\f\r1990-01-05\r', '\u00a01990-01-05',
  '1990-13-01', '1990-02-29', '2000-02-29', '1900-02-29', '1990-02-30', '1990-04-31', '1990-00-10', '1990-01-00', '990-01-05',
  '19900-01-05', '01990-01-05', '+1990-01-05', '-1990-01-05', '1990-001-05', '1990-01-005', '1990/01/05', '1990-01-05x',
  '1990-01-05 x', '1990--01-05', '1990-01', '0000-01-01', '0001-01-01', '1-1-1', '12-01-01', '9999-12-31', '1990 -01-05',
  '1990- 01-05', '19900105', '1990105', '05/01/1990', '5/1/1990', '05.01.1990', '31/12/1999', '12/31/1999', '%1990-01-05'];
// A small seeded generator (mulberry32), so the file is reproducible.
let seed = 20261207;
const rand = () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const alphabet = '0123456789012345678901234567890123456789-/. ';
const random = [];
for (let k = 0; k < 1500; k++) {
  let s = '';
  const n = Math.floor(rand() * 12);
  for (let i = 0; i < n; i++) s += alphabet[Math.floor(rand() * alphabet.length)];
  random.push(s);
}
const layouts = ['%Y-%m-%d', '%Y%m%d', '%d/%m/%Y', '%m/%d/%Y', '%d.%m.%Y', '%%%Y-%m-%d'];
const values = [...new Set([...dobs, ...edge, ...random])];
const q = (s) => `"${s.replaceAll('"', '""')}"`;
const lines = ['layout,value,days'];
for (const layout of layouts) {
  const list = values.map((v) => `(${str(v)})`).join(',');
  const res = await conn.runAndReadAll(`SELECT v, CAST(epoch(try_strptime(v, ${str(layout)})) / 86400 AS BIGINT) FROM (VALUES ${list}) AS t(v)`);
  for (const [v, d] of res.getRows()) lines.push(`${q(layout)},${q(v)},${d === null ? '' : String(d)}`);
}
const tmp = outPath + '.tmp';
writeFileSync(tmp, lines.join('\n') + '\n');
renameSync(tmp, outPath);
console.error(`${outPath}: ${lines.length - 1} rows`);
