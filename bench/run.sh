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

if [ -d bench/duckdb/node_modules ] && [ -x bench/duckdb/run.sh ]; then
  bench/duckdb/run.sh
fi
