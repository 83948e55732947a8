#!/usr/bin/env bash
#
# in-host.sh - small tools the e2e runs as root inside one simulated host (fleet_exec HOST
# bash in-host.sh COMMAND ARGS...). They prepare what a real host would already have (source
# folders, a repository, a PostgreSQL cluster with data), move time forward between nights
# and age copies; they never run any part of kindling's scripts.
#
# Commands:
#   fill-folder DIR FILES           DIR with FILES small files (text and random bytes)
#   pg-init DATADIR                 initdb a cluster owned by postgres (no server started)
#   pg-wait SECONDS                 wait until the server on the default socket answers
#   pg-load DB ROWS                 create role and database DB and a table of ROWS rows
#   pg-rows DB                      print "count sum-of-ids md5-of-names" of DB's table
#   shift-calendar                  make every dated copy (and repository snapshot) one day
#                                   older (name and mtime; the snapshot's name)
#   age-copies DAYS...              beside the newest copy of every kind, copies DAYS older
#   verify FILE...                  print "ok FILE" or "BAD FILE" (does it read back whole?)
#   verify-folder DIR [DATE]        verify every copy in DIR (of DATE only, if given)
set -Eeuo pipefail
shopt -s nullglob
export LC_ALL=C

readonly BACKUP_ROOT=/archive/blaze-backup
readonly REPOSITORY_SNAPSHOTS=/archive/repo-backup
# Copy names end in -Mon-DD-YYYY plus an extension (the seed's australia-etc-Feb-27-2012.tar.bz2).
readonly COPY_NAME_RE='^([^.].*-)([A-Z][a-z]{2})-([0-3][0-9])-([0-9]{4})(\..+)$'
readonly DAY_SECONDS=86400

die() {
  printf 'in-host: %s\n' "$*" >&2
  exit 1
}

# Writes FILES files into DIR: a readable one and random ones (so archives differ nightly
# only where the host changed): fill_folder DIR FILES
fill_folder() {
  local dir=$1 files=$2 i
  mkdir -p -- "$dir/sub"
  printf 'kindling e2e data of %s in %s\n' "$(hostname)" "$dir" >"$dir/README"
  for ((i = 1; i < files; i++)); do
    head -c $((4096 + i * 512)) /dev/urandom >"$dir/sub/file-$i.bin"
  done
}

# Prints the bin folder of the newest installed PostgreSQL server.
pg_bindir() {
  local dirs=(/usr/lib/postgresql/*/bin/postgres)
  ((${#dirs[@]} > 0)) || die "no PostgreSQL server installed"
  printf '%s\n' "$(printf '%s\n' "${dirs[@]%/postgres}" | sort -V | tail -n 1)"
}

# initdb as postgres into DATADIR, peer authentication on the socket only: pg_init DATADIR
pg_init() {
  local datadir=$1 bindir
  bindir=$(pg_bindir)
  install -d -o postgres -g postgres -m 0700 -- "$datadir"
  # The socket folder Debian's clients look in (/run is private to the host).
  install -d -o postgres -g postgres -m 2775 /run/postgresql
  runuser -u postgres -- "$bindir/initdb" --pgdata="$datadir" --username=postgres \
    --auth-local=peer --auth-host=reject --no-sync --encoding=UTF8 --locale=C >/dev/null
}

# Waits until the server answers on the default socket: pg_wait SECONDS
pg_wait() {
  local tenths=$(($1 * 10)) i
  for ((i = 0; i < tenths; i++)); do
    runuser -u postgres -- pg_isready -q -h /run/postgresql 2>/dev/null && return 0
    sleep 0.1
  done
  die "PostgreSQL did not answer within $1 s"
}

# Creates role and database DB (owned by the role) with a table of ROWS rows: pg_load DB ROWS
pg_load() {
  local db=$1 rows=$2
  runuser -u postgres -- psql -q -X -v ON_ERROR_STOP=1 -d postgres \
    -c "CREATE ROLE \"$db\" LOGIN" -c "CREATE DATABASE \"$db\" OWNER \"$db\""
  runuser -u postgres -- psql -q -X -v ON_ERROR_STOP=1 -d "$db" \
    -c "SET ROLE \"$db\"" \
    -c "CREATE TABLE build (id integer PRIMARY KEY, name text NOT NULL, state integer NOT NULL)" \
    -c "INSERT INTO build SELECT i, 'pkg-' || md5(i::text), i % 5 FROM generate_series(1, $rows) AS i"
}

# Prints "ROWS SUM MD5" of DB's table, a fingerprint of every row: pg_rows DB
pg_rows() {
  runuser -u postgres -- psql -X -A -t -v ON_ERROR_STOP=1 -d "$1" \
    -c "SELECT count(*) || ' ' || sum(id) || ' ' || md5(string_agg(id || ':' || name || ':' || state, ',' ORDER BY id)) FROM build"
}

# Epochs (UTC midnight) of copy dates, and copy dates of epochs: a night has a handful of
# dates and hundreds of copies, so each is computed once.
declare -A EPOCH_OF=() DATE_OF=()

# Sets EPOCH to the UTC midnight of a copy date (Mon-DD-YYYY): date_epoch DATE
date_epoch() {
  if [[ -z "${EPOCH_OF[$1]:-}" ]]; then
    local mon day year
    IFS=- read -r mon day year <<<"$1"
    EPOCH_OF[$1]=$(date -u -d "${day} ${mon} ${year}" +%s)
  fi
  EPOCH=${EPOCH_OF[$1]}
}

# Sets DATE to the copy date DAYS days before DATE: date_before DATE DAYS
date_before() {
  local key="$1-$2"
  if [[ -z "${DATE_OF[$key]:-}" ]]; then
    date_epoch "$1"
    DATE_OF[$key]=$(date -u -d "@$((EPOCH - $2 * DAY_SECONDS))" +%b-%d-%Y)
  fi
  DATE=${DATE_OF[$key]}
}

# Prints "MTIME EPOCH PATH" for every dated copy under BACKUP_ROOT (EPOCH: of its date).
dated_copies() {
  local mtime file base
  local -a files=("$BACKUP_ROOT"/*/*)
  ((${#files[@]} > 0)) || return 0
  while read -r mtime file; do
    base=${file##*/}
    [[ "$base" =~ $COPY_NAME_RE ]] || continue
    date_epoch "${BASH_REMATCH[2]}-${BASH_REMATCH[3]}-${BASH_REMATCH[4]}"
    printf '%s %s %s\n' "$mtime" "$EPOCH" "$file"
  done < <(stat -c '%Y %n' -- "${files[@]}")
}

# Makes every dated copy under BACKUP_ROOT one day older: the date in its name goes back a
# day and so does its mtime. Oldest first, so no rename lands on a name still in use.
shift_calendar() {
  local mtime file base new
  while read -r mtime _ file; do
    base=${file##*/}
    [[ "$base" =~ $COPY_NAME_RE ]]
    date_before "${BASH_REMATCH[2]}-${BASH_REMATCH[3]}-${BASH_REMATCH[4]}" 1
    new="${file%/*}/${BASH_REMATCH[1]}${DATE}${BASH_REMATCH[5]}"
    mv -n -T -- "$file" "$new"
    [[ ! -e "$file" ]] || die "cannot shift $file: the older name is taken"
    [[ "$new" != *-manifest-*.sha256 ]] || shift_manifest_names "$new"
    touch -m -d "@$((mtime - DAY_SECONDS))" -- "$new"
  done < <(dated_copies | sort -k2,2n)
  shift_arrivals
  shift_snapshots
}

# Moves the repository snapshots of a copy host (/archive/repo-backup/YYYY-MM-DD, named by
# the night that made them) back a day, oldest first, with their lines in blaze's ledger.
shift_snapshots() {
  local snapshot day ledger=/var/lib/kindling/arrivals/repository-snapshots epoch name
  for snapshot in "$REPOSITORY_SNAPSHOTS"/[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]; do
    day=$(date -u -d "${snapshot##*/} 12:00 UTC - 1 day" +%F)
    mv -n -T -- "$snapshot" "$REPOSITORY_SNAPSHOTS/$day"
    [[ ! -e "$snapshot" ]] || die "cannot shift $snapshot: the older name is taken"
  done
  [[ -f "$ledger" ]] || return 0
  while read -r epoch name; do
    printf '%s %s\n' "$((epoch - DAY_SECONDS))" "$(date -u -d "${name} 12:00 UTC - 1 day" +%F)"
  done <"$ledger" >"${ledger}.shifted"
  mv -f -- "${ledger}.shifted" "$ledger"
}

# A night's manifest names that night's copies: shifted with them, its lines name the
# shifted copies too (as if that night had been a day earlier): shift_manifest_names FILE
shift_manifest_names() {
  local sum name
  while read -r sum name; do
    [[ "$name" =~ $COPY_NAME_RE ]] || die "cannot shift the manifest line of $name in $1"
    date_before "${BASH_REMATCH[2]}-${BASH_REMATCH[3]}-${BASH_REMATCH[4]}" 1
    printf '%s  %s\n' "$sum" "${BASH_REMATCH[1]}${DATE}${BASH_REMATCH[5]}"
  done <"$1" >"$1.shifted"
  mv -f -- "$1.shifted" "$1"
}

# Moves blaze's arrival ledgers (/var/lib/kindling/arrivals) back a day with the copies:
# each arrival a day earlier, under the copy's new name.
shift_arrivals() {
  local ledger epoch name odd
  for ledger in /var/lib/kindling/arrivals/*; do
    [[ -f "$ledger" ]] || continue
    while read -r epoch name odd; do
      [[ "$name" =~ $COPY_NAME_RE ]] || continue
      date_before "${BASH_REMATCH[2]}-${BASH_REMATCH[3]}-${BASH_REMATCH[4]}" 1
      printf '%s %s%s\n' "$((epoch - DAY_SECONDS))" "${BASH_REMATCH[1]}${DATE}${BASH_REMATCH[5]}" "${odd:+ odd}"
    done <"$ledger" >"${ledger}.shifted"
    mv -f -- "${ledger}.shifted" "$ledger"
  done
}

# Beside the newest copy of every kind in every folder under BACKUP_ROOT, writes a copy
# DAYS older (name and mtime) for each DAYS; prints "DAYS PATH" per copy made:
# age_copies DAYS...
age_copies() {
  local mtime file base kind days new
  local -A newest=() newest_mtime=()
  while read -r mtime _ file; do
    base=${file##*/}
    [[ "$base" =~ $COPY_NAME_RE ]]
    kind="${file%/*}/${BASH_REMATCH[1]}|${BASH_REMATCH[5]}"
    if [[ -z "${newest[$kind]:-}" ]] || ((mtime > newest_mtime[$kind])); then
      newest[$kind]=$file
      newest_mtime[$kind]=$mtime
    fi
  done < <(dated_copies)
  for kind in "${!newest[@]}"; do
    file=${newest[$kind]}
    base=${file##*/}
    [[ "$base" =~ $COPY_NAME_RE ]]
    for days in "$@"; do
      date_before "${BASH_REMATCH[2]}-${BASH_REMATCH[3]}-${BASH_REMATCH[4]}" "$days"
      new="${file%/*}/${BASH_REMATCH[1]}${DATE}${BASH_REMATCH[5]}"
      cp -p -- "$file" "$new"
      touch -m -d "@$((newest_mtime[$kind] - days * DAY_SECONDS))" -- "$new"
      # blaze ages copies from their arrival, in its root-owned ledger: as if this copy had
      # arrived DAYS days before the newest.
      mkdir -p /var/lib/kindling/arrivals
      printf '%s %s\n' "$((newest_mtime[$kind] - days * DAY_SECONDS))" "${new##*/}" \
        >>"/var/lib/kindling/arrivals/${BASH_REMATCH[1]}${BASH_REMATCH[5]}"
      printf '%s %s\n' "$days" "$new"
    done
  done
}

# Prints "ok FILE" when FILE decompresses and lists whole, "BAD FILE" otherwise.
verify() {
  local file ok
  for file in "$@"; do
    ok=0
    case $file in
      *.tar.bz2) bzip2 -dc -- "$file" | tar -tf - >/dev/null 2>&1 && ok=1 ;;
      *.tar.zst) zstd -qdc -- "$file" | tar -tf - >/dev/null 2>&1 && ok=1 ;;
      *.tar.gz) gzip -dc -- "$file" | tar -tf - >/dev/null 2>&1 && ok=1 ;;
      *.sql.bz2) bzip2 -t -- "$file" 2>/dev/null && ok=1 ;;
      *.sql.zst) zstd -qt -- "$file" 2>/dev/null && ok=1 ;;
      *.sql.gz) gzip -t -- "$file" 2>/dev/null && ok=1 ;;
      *.dump) pg_restore --list -- "$file" >/dev/null 2>&1 && ok=1 ;;
      # A night's manifest: sha256sum -c lines, one per copy of that night.
      *.sha256) [[ -s "$file" ]] && ! grep -qvE '^[0-9a-f]{64}  [^/ ]+$' -- "$file" && ok=1 ;;
    esac
    if ((ok)); then printf 'ok %s\n' "$file"; else printf 'BAD %s\n' "$file"; fi
  done
}

# Verifies every copy (not hidden) in DIR, or those of DATE: verify_folder DIR [DATE]
verify_folder() {
  local -a files
  if (($# > 1)); then files=("$1"/*-"$2".*); else files=("$1"/*); fi
  ((${#files[@]} > 0)) || die "no copy in $1"
  verify "${files[@]}"
}

main() {
  (($# >= 1)) || die "usage: in-host.sh COMMAND ARGS..."
  local command=$1
  shift
  case $command in
    fill-folder) fill_folder "$@" ;;
    pg-init) pg_init "$@" ;;
    pg-wait) pg_wait "$@" ;;
    pg-load) pg_load "$@" ;;
    pg-rows) pg_rows "$@" ;;
    shift-calendar) shift_calendar ;;
    age-copies) age_copies "$@" ;;
    verify) verify "$@" ;;
    verify-folder) verify_folder "$@" ;;
    *) die "unknown command ${command}" ;;
  esac
}

main "$@"
