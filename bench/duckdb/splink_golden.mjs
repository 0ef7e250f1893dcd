// Scores every blocked pair of a CSV under a Splink 4 model file the way
// Splink's DuckDB backend does, from the model's own SQL: the pairs are
// the union of its blocking_rules_to_generate_predictions, each level is
// a CASE WHEN over the levels' sql_condition, term frequencies are computed
// from the data, and
//   match_weight      = log2(λ/(1−λ) · Π m/u · Π (u / max(tf_l, tf_r, tf_min))^w)
//   match_probability = B / (1 + B), B the product inside the log.
// Writes unique_id_l,unique_id_r,gamma_<comparison>...,match_weight,match_probability
// (floats in shortest round-trip form). Every CSV column is read as text and
// empty fields are NULL, as in Splink's demos; with --trim-after-delimiter,
// the space after each comma is dropped (FEBRL writes ", ").
// dedupe_only reads one CSV. link_only takes several, comma-separated: they
// are the source datasets, named after their files, ids are written as
// name/id, and only pairs across files are scored.
// Usage: node splink_golden.mjs [--trim-after-delimiter] MODEL.json DATA.csv[,DATA2.csv] OUT.csv
import { readFileSync, writeFileSync, renameSync } from 'node:fs';
import { DuckDBInstance } from '@duckdb/node-api';

const args = process.argv.slice(2);
const trimAfterDelimiter = args[0] === '--trim-after-delimiter';
if (trimAfterDelimiter) args.shift();
const [modelPath, dataPaths, outPath] = args;
if (!outPath) {
  console.error('usage: node splink_golden.mjs [--trim-after-delimiter] MODEL.json DATA.csv[,DATA2.csv] OUT.csv');
  process.exit(2);
}
const m = JSON.parse(readFileSync(modelPath, 'utf8'));
const linkType = m.link_type ?? 'dedupe_only';
const files = dataPaths.split(',');
if (!((linkType === 'dedupe_only' && files.length === 1) || (linkType === 'link_only' && files.length > 1))) {
  console.error(`${modelPath}: link_type ${linkType} with ${files.length} input(s): only dedupe_only on one file and link_only on several are supported`);
  process.exit(2);
}
const uid = m.unique_id_column_name ?? 'unique_id';
const str = (s) => `'${s.replaceAll("'", "''")}'`;
const id = (s) => `"${s.replaceAll('"', '""')}"`;
const num = (x) => {
  if (typeof x !== 'number' || !Number.isFinite(x)) throw new Error(`not a number: ${x}`);
  // Full precision, as a DOUBLE (a bare 0.92 would be a DECIMAL).
  return `${x.toPrecision(17)}::DOUBLE`;
};

const db = await DuckDBInstance.create(':memory:');
const conn = await db.connect();
// One table of every input, with the input's name in source_dataset.
for (const [k, f] of files.entries()) {
  const name = f.split('/').pop().replace(/\.csv$/, '');
  await conn.run(`CREATE TABLE in${k} AS SELECT * FROM read_csv(${str(f)}, header = true, all_varchar = true, delim = ',')`);
  const raw = (await conn.runAndReadAll(`SELECT column_name FROM (DESCRIBE in${k})`)).getRows().map((r) => r[0]);
  const sel = raw.map((c) => {
    const clean = trimAfterDelimiter ? c.replace(/^ /, '') : c;
    const v = trimAfterDelimiter ? `NULLIF(regexp_replace(${id(c)}, '^ ', ''), '')` : id(c);
    return `${v} AS ${id(clean)}`;
  });
  await conn.run(`${k === 0 ? 'CREATE TABLE t AS' : 'INSERT INTO t'} SELECT ${str(name)} AS source_dataset, ${sel.join(', ')} FROM in${k}`);
}
const cols = (await conn.runAndReadAll('SELECT column_name FROM (DESCRIBE t)')).getRows().map((r) => r[0]).filter((c) => c !== 'source_dataset');

// Term-frequency tables, as Splink's compute_tf_table builds them.
const tfCols = new Set();
for (const c of m.comparisons) for (const l of c.comparison_levels) if (l.tf_adjustment_column && (l.tf_adjustment_weight ?? 1) > 0) tfCols.add(l.tf_adjustment_column);
for (const c of tfCols) {
  await conn.run(`CREATE TABLE ${id('tf_' + c)} AS SELECT ${id(c)} AS v, CAST(count(*) AS DOUBLE) / (SELECT count(${id(c)}) FROM t) AS tf
    FROM t WHERE ${id(c)} IS NOT NULL GROUP BY ${id(c)}`);
}

// Candidate pairs: every rule, each pair once.
const rules = m.blocking_rules_to_generate_predictions.map((r) => (typeof r === 'string' ? r : r.blocking_rule));
// A record is its source and id; dedupe_only has one source, link_only
// pairs records of different sources only.
const key = (a) => `${a}.source_dataset || '/' || ${a}.${id(uid)}`;
const cross = linkType === 'link_only' ? 'l.source_dataset < r.source_dataset' : `l.${id(uid)} < r.${id(uid)}`;
const blocked = rules.map((r) => `SELECT ${key('l')} AS uid_l, ${key('r')} AS uid_r FROM t AS l JOIN t AS r ON (${r}) AND ${cross}`).join('\nUNION\n');

// The pair table has every column twice, suffixed _l and _r, as the
// levels' SQL expects.
const sides = cols.map((c) => `l.${id(c)} AS ${id(c + '_l')}, r.${id(c)} AS ${id(c + '_r')}`).join(', ');
const tfJoins = [...tfCols].map((c) => `LEFT JOIN ${id('tf_' + c)} AS ${id('tfl_' + c)} ON l.${id(c)} = ${id('tfl_' + c)}.v
  LEFT JOIN ${id('tf_' + c)} AS ${id('tfr_' + c)} ON r.${id(c)} = ${id('tfr_' + c)}.v`).join('\n');
const tfSel = [...tfCols].map((c) => `${id('tfl_' + c)}.tf AS ${id('tf_' + c + '_l')}, ${id('tfr_' + c)}.tf AS ${id('tf_' + c + '_r')}`).join(', ');

const gammas = [];
const factors = [];
for (const c of m.comparisons) {
  const g = id('gamma_' + c.output_column_name);
  const whens = c.comparison_levels.map((l, k) => (l.sql_condition.trim().toUpperCase() === 'ELSE' ? `ELSE ${k}` : `WHEN ${l.sql_condition} THEN ${k}`));
  gammas.push(`CASE ${whens.join(' ')} END AS ${g}`);
  const bf = c.comparison_levels.map((l, k) => (l.is_null_level ? `WHEN ${k} THEN 1.0::DOUBLE` : `WHEN ${k} THEN ${num(l.m_probability)} / ${num(l.u_probability)}`));
  factors.push(`(CASE ${g} ${bf.join(' ')} END)`);
  c.comparison_levels.forEach((l, k) => {
    const w = l.tf_adjustment_weight ?? 1;
    if (!l.tf_adjustment_column || w === 0) return;
    const tl = id('tf_' + l.tf_adjustment_column + '_l'), tr = id('tf_' + l.tf_adjustment_column + '_r');
    const floor = l.tf_minimum_u_value ?? 0;
    factors.push(`(CASE WHEN ${g} = ${k} AND ${tl} IS NOT NULL AND ${tr} IS NOT NULL
      THEN POW(${num(l.u_probability)} / GREATEST(${tl}, ${tr}, ${num(floor)}), ${num(w)}) ELSE 1.0::DOUBLE END)`);
  });
}
const lambda = m.probability_two_random_records_match;
const prior = `(${num(lambda)} / (1.0::DOUBLE - ${num(lambda)}))`;
const sql = `
WITH pairs AS (${blocked}),
cmp AS (
  SELECT ${linkType === 'dedupe_only' ? `l.${id(uid)}` : key('l')} AS unique_id_l, ${linkType === 'dedupe_only' ? `r.${id(uid)}` : key('r')} AS unique_id_r,
    ${sides}${tfSel ? ', ' + tfSel : ''}
  FROM pairs JOIN t AS l ON ${key('l')} = pairs.uid_l JOIN t AS r ON ${key('r')} = pairs.uid_r
  ${tfJoins}
),
g AS (SELECT *, ${gammas.join(', ')} FROM cmp),
b AS (SELECT *, ${prior} * ${factors.join(' * ')} AS bayes FROM g)
SELECT unique_id_l, unique_id_r, ${m.comparisons.map((c) => id('gamma_' + c.output_column_name)).join(', ')},
  log2(bayes) AS match_weight, bayes / (1 + bayes) AS match_probability
FROM b ORDER BY unique_id_l, unique_id_r`;
const res = await conn.runAndReadAll(sql);
const header = res.columnNames();
const lines = [header.join(',')];
for (const row of res.getRows()) {
  lines.push(row.map((v) => (typeof v === 'number' ? String(v) : String(v))).join(','));
}
const tmp = outPath + '.tmp';
writeFileSync(tmp, lines.join('\n') + '\n');
renameSync(tmp, outPath);
console.error(`${outPath}: ${lines.length - 1} pairs`);
