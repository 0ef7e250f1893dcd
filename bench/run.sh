#!/usr/bin/env bash
# Command-level benchmarks: whole `hotpass` runs, next to reference tools
# where there is one. Run from the repository root after `make build`.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=bin/hotpass
out=bench/out
rm -rf "$out" && mkdir -p "$out"
TIMEFORMAT='%R s wall'

echo "== load + validate a 1,000-task spec"
$bin gen spec --tasks 1000 --edges 3 --seed 1 > "$out/noop1k.yaml"
/usr/bin/time -o "$out/t" -f "%e s wall, %M KB max RSS" $bin validate "$out/noop1k.yaml" >/dev/null; cat "$out/t"

echo "== run a 10,000-task noop DAG (~3 edges per task) end to end"
$bin gen spec --tasks 10000 --edges 3 --seed 1 > "$out/noop10k.yaml"
/usr/bin/time -o "$out/t" -f "%e s wall, %M KB max RSS" $bin run --no-progress --state-dir "$out/state" "$out/noop10k.yaml" >/dev/null 2>&1; cat "$out/t"

echo "== 200 exec tasks of \`true\`, max concurrency 8, versus xargs -P 8"
$bin gen spec --exec-true 200 --max 8 > "$out/exec200.yaml"
echo -n "hotpass: "; { time $bin run --no-progress --state-dir "$out/state" "$out/exec200.yaml" >/dev/null 2>&1; } 2>&1
echo -n "xargs:   "; { time (seq 200 | xargs -P 8 -n 1 true) ; } 2>&1

echo "== read csv -> write parquet, 1,000,000 rows (hotpass run, with the read task's kept output)"
$bin gen table organisations --rows 1000000 --out "$out/orgs.csv"
ls -l "$out/orgs.csv" | awk '{printf "input: %.1f MB\n", $5/1e6}'
cat > "$out/csv2parquet.yaml" <<'SPEC'
version: 1
name: csv2parquet
tasks:
  load: {type: read, with: {path: orgs.csv}}
  save: {type: write, with: {input: load, path: orgs.parquet}}
SPEC
/usr/bin/time -o "$out/t" -f "%e s wall, %M KB max RSS" $bin run --no-progress --state-dir "$out/state" "$out/csv2parquet.yaml" >/dev/null 2>&1; cat "$out/t"

if command -v npm >/dev/null 2>&1; then
  echo "== the same conversion in DuckDB (COPY ... TO ... (FORMAT parquet)), 2 threads"
  (cd bench/duckdb && { [ -d node_modules ] || npm install --no-audit --no-fund --silent >/dev/null 2>&1; }) || true
  if [ -d bench/duckdb/node_modules ]; then
    /usr/bin/time -o "$out/t" -f "%e s wall, %M KB max RSS" node bench/duckdb/csv_to_parquet.mjs "$out/orgs.csv" "$out/orgs.duckdb.parquet" 2 >/dev/null; cat "$out/t"
  else
    echo "(DuckDB could not be installed from the npm registry; skipped)"
  fi
fi

echo "== orchestrate --profile aviation on 100,000 synthetic organisations (refine, validate, enrich, SSOT workbook)"
$bin gen aviation --dir "$out/aviation100k" --orgs 100000 >/dev/null
/usr/bin/time -o "$out/t" -f "%e s wall, %U s user, %M KB max RSS" $bin orchestrate --profile aviation --no-progress \
  --input-dir "$out/aviation100k" --output-path "$out/aviation100k-out/refined.xlsx" --report-path "$out/aviation100k-out/report" \
  --state-dir "$out/state" >"$out/orchestrate.log" 2>&1 || { cat "$out/orchestrate.log"; exit 1; }
cat "$out/t"
grep -E '^(refine|validate|enrich) ' "$out/orchestrate.log" || true
