#!/usr/bin/env bash
# Runs a command with HOTPASS_TEST_POSTGRES_URL pointing at a PostgreSQL server.
#
# When the variable is already set, the command runs against that server.
# Otherwise a throwaway cluster is created in a temporary directory, started on
# a free loopback port, and removed when the command ends, whatever its outcome.
# PostgreSQL refuses to run as root, so as root the cluster runs as `postgres`.
set -euo pipefail

if [[ -n "${HOTPASS_TEST_POSTGRES_URL:-}" ]]; then
  exec "$@"
fi

find_bin() {
  local name=$1
  if command -v "$name" >/dev/null 2>&1; then command -v "$name"; return; fi
  local c
  for c in /usr/lib/postgresql/*/bin/"$name"; do
    [[ -x "$c" ]] && { echo "$c"; return; }
  done
  return 1
}

if ! INITDB=$(find_bin initdb) || ! PG_CTL=$(find_bin pg_ctl); then
  if [[ "${CI:-}" == "true" ]]; then
    echo "with-postgres: initdb not found; install Debian's postgresql package" >&2
    exit 1
  fi
  echo "with-postgres: PostgreSQL is not installed; Postgres tests will be skipped" >&2
  echo "with-postgres: (apt-get install postgresql, or set HOTPASS_TEST_POSTGRES_URL)" >&2
  exec "$@"
fi

dir=$(mktemp -d "${TMPDIR:-/tmp}/hotpass-pg.XXXXXX")
as_pg=()
if [[ $(id -u) -eq 0 ]]; then
  id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
  chown postgres "$dir"
  as_pg=(runuser -u postgres --)
fi

cleanup() {
  "${as_pg[@]}" "$PG_CTL" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap cleanup EXIT INT TERM

"${as_pg[@]}" "$INITDB" -D "$dir/data" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
  || { cat "$dir/initdb.log" >&2; exit 1; }

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

started=
for _ in $(seq 1 20); do
  port=$(( 20000 + RANDOM % 20000 ))
  port_free "$port" || continue
  if "${as_pg[@]}" "$PG_CTL" -D "$dir/data" -l "$dir/server.log" -w -t 30 \
      -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
      start >/dev/null 2>&1; then
    started=1
    break
  fi
done
if [[ -z "$started" ]]; then
  echo "with-postgres: could not start PostgreSQL; server log:" >&2
  cat "$dir/server.log" >&2 || true
  exit 1
fi

export HOTPASS_TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:$port/postgres?sslmode=disable"
echo "with-postgres: PostgreSQL on 127.0.0.1:$port" >&2
set +e
"$@"
status=$?
set -e
exit $status
