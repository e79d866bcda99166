#!/usr/bin/env bash
# Start a throw-away PostgreSQL server for the test suite and print its connection URL.
#
#   URL=$(bash .ci/postgres.sh)        # start; stdout is exactly one line, the libpq URL
#   bash .ci/postgres.sh stop "$URL"   # stop it and delete its directory (a URL or the directory)
#
# Each start makes a new cluster in a fresh directory /tmp/cfdi-ar-pg.XXXXXX (data/, server.log and
# the unix socket; no TCP port is opened), superuser "cfdiar", trust authentication, and a database
# "cfdiar_test". Running it twice gives two independent servers. The server runs detached (pg_ctl -w
# returns once it accepts connections) and holds none of the caller's pipes, so nothing waits on it;
# CI machines are discarded afterwards.
#
# PostgreSQL's server binaries are taken from PATH, else the newest /usr/lib/postgresql/*/bin; if
# there are none they are installed with apt-get (Debian's package may also start its own cluster on
# port 5432; it is not used). postgres refuses to run as root, so as root the cluster belongs to the
# "postgres" user (created by Debian's package), else to a system user "cfdiar-pg" created here;
# as any other user it belongs to that user. Everything but the URL goes to stderr.
# Environment: CFDI_AR_PG_PORT (default 54329): the port number, which here only names the socket.
set -euo pipefail

PORT="${CFDI_AR_PG_PORT:-54329}"
SUPERUSER=cfdiar
DATABASE=cfdiar_test
MARKER=.cfdi-ar-pg   # marks a directory made by this script, so that "stop" deletes only those

# Settings from the caller's environment (PGHOST, PGDATA, PGOPTIONS, ...) must not leak in.
while read -r var; do unset "$var"; done < <(compgen -e | grep '^PG' || true)
export LC_ALL=C LANG=C

die() { echo "postgres.sh: error: $*" >&2; exit 1; }
say() { echo "postgres.sh: $*" >&2; }

# The user that owns and runs the cluster, and how to run a command as that user.
RUN_AS=
as_owner() {
  if [ -z "$RUN_AS" ]; then
    "$@"
  elif command -v runuser >/dev/null; then
    runuser -u "$RUN_AS" -- "$@"
  else
    setpriv --reuid="$RUN_AS" --regid="$(id -g "$RUN_AS")" --init-groups -- "$@"
  fi
}

# Prints the directory holding initdb, pg_ctl and postgres, or nothing.
find_bindir() {
  local initdb dir
  if initdb=$(command -v initdb) && command -v pg_ctl >/dev/null \
      && command -v postgres >/dev/null; then
    dirname "$(readlink -f "$initdb")"
    return
  fi
  for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    if [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ] && [ -x "$dir/postgres" ]; then
      echo "$dir"
      return
    fi
  done
}

# Runs "$@" without the file descriptors above 2 this script inherited: the server outlives the
# script, and holding a pipe of the caller open (a CI runner's output pipe, say) would make the
# caller wait for it forever.
without_inherited_fds() {
  (
    for fd in /proc/$BASHPID/fd/*; do
      fd=${fd##*/}
      if [ "$fd" -gt 2 ]; then eval "exec $fd>&-" 2>/dev/null || true; fi
    done
    "$@"
  )
}

# A program of the PostgreSQL installation: next to initdb, else on PATH.
pg_program() {
  if [ -x "$BINDIR/$1" ]; then echo "$BINDIR/$1"
  elif command -v "$1"; then :
  else die "$1 not found (neither in $BINDIR nor on PATH)"
  fi
}

install_postgres() {
  local sudo=
  if [ "$(id -u)" != 0 ]; then
    command -v sudo >/dev/null \
      || die "PostgreSQL is not installed, and installing it needs root (or sudo)"
    sudo="sudo -n"
  fi
  say "PostgreSQL server binaries not found; installing Debian's postgresql package"
  $sudo apt-get update -qq \
    && $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql \
    || die "apt-get install postgresql failed"
}

start() {
  BINDIR=$(find_bindir)
  if [ -z "$BINDIR" ]; then
    install_postgres
    BINDIR=$(find_bindir)
    [ -n "$BINDIR" ] || die "installed postgresql, but still no initdb, pg_ctl and postgres" \
      "on PATH or in /usr/lib/postgresql/*/bin"
  fi
  local initdb pg_ctl psql
  initdb=$(pg_program initdb); pg_ctl=$(pg_program pg_ctl); psql=$(pg_program psql)
  say "using $("$BINDIR/postgres" --version 2>/dev/null || echo "postgres") from $BINDIR"

  if [ "$(id -u)" = 0 ]; then
    if id -u postgres >/dev/null 2>&1; then
      RUN_AS=postgres
    else
      RUN_AS=cfdiar-pg
      if ! id -u "$RUN_AS" >/dev/null 2>&1; then
        say "creating system user $RUN_AS (postgres does not run as root)"
        useradd -r -M -d /nonexistent -s /usr/sbin/nologin "$RUN_AS" 2>/dev/null \
          || id -u "$RUN_AS" >/dev/null 2>&1 || die "could not create user $RUN_AS"
      fi
    fi
  fi

  DIR=$(mktemp -d /tmp/cfdi-ar-pg.XXXXXX) || die "mktemp failed"
  touch "$DIR/$MARKER"
  [ -z "$RUN_AS" ] || chown "$RUN_AS:" "$DIR" || die "chown $RUN_AS $DIR failed"
  local data="$DIR/data" log="$DIR/server.log"
  cd "$DIR"  # a directory the owner can read (initdb and pg_ctl complain about an unreadable one)

  say "initdb $data (owner ${RUN_AS:-$(id -un)})"
  as_owner "$initdb" -D "$data" -A trust -U "$SUPERUSER" --encoding=UTF8 --locale=C \
    >"$DIR/initdb.log" 2>&1 \
    || { cat "$DIR/initdb.log" >&2; die "initdb failed (files kept in $DIR)"; }

  say "starting the server: socket $DIR/.s.PGSQL.$PORT, log $log"
  STARTED=$data
  without_inherited_fds as_owner "$pg_ctl" start -D "$data" -w -t 60 -l "$log" \
    -o "-k '$DIR' -p $PORT -c listen_addresses=''" </dev/null >&2 \
    || { tail -n 30 "$log" >&2 2>/dev/null; die "the server did not start (log: $log)"; }

  URL="postgresql://$SUPERUSER@/$DATABASE?host=$DIR&port=$PORT"
  "$psql" -X -q -v ON_ERROR_STOP=1 "postgresql://$SUPERUSER@/postgres?host=$DIR&port=$PORT" \
    -c "CREATE DATABASE $DATABASE" </dev/null >&2 || die "could not create database $DATABASE"
  STARTED=
  say "ready: $URL (stop: bash .ci/postgres.sh stop $DIR)"
}

stop() {
  local arg="${1:-}" dir owner
  [ -n "$arg" ] || die "usage: $0 stop DIR|URL"
  case "$arg" in  # a URL made by start: the directory is its host= parameter
    postgres://*|postgresql://*) dir=$(sed -n 's/.*[?&]host=\([^&]*\).*/\1/p' <<<"$arg") ;;
    *) dir=$arg ;;
  esac
  [ -f "$dir/$MARKER" ] || die "$dir is not a directory made by $0"
  if [ -f "$dir/data/PG_VERSION" ]; then  # else initdb failed: nothing to stop
    BINDIR=$(find_bindir)
    [ -n "$BINDIR" ] || die "no pg_ctl found"
    owner=$(stat -c %U "$dir/data")
    [ "$(id -u)" != 0 ] || RUN_AS=$owner
    cd "$dir"
    if as_owner "$(pg_program pg_ctl)" status -D "$dir/data" >/dev/null 2>&1; then
      as_owner "$(pg_program pg_ctl)" stop -D "$dir/data" -m fast -w </dev/null >&2 \
        || die "pg_ctl stop failed"
    fi
    cd /
  fi
  rm -rf -- "$dir"
  say "stopped and removed $dir"
}

# On failure after the server started, stop it: nothing is left running behind an error.
STARTED=
cleanup() {
  if [ -n "$STARTED" ]; then
    as_owner "$(pg_program pg_ctl)" stop -D "$STARTED" -m immediate >/dev/null 2>&1 || true
  fi
}
trap cleanup EXIT

case "${1:-start}" in
  start)
    URL=
    start >&2
    printf '%s\n' "$URL"
    ;;
  stop) stop "${2:-}" ;;
  *) die "usage: $0 [start] | $0 stop DIR|URL" ;;
esac
