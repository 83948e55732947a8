#!/usr/bin/env bash
# Makes a 30-day set of one host's own copies, as blaze leaves them in /archive/blaze-backup/HOST/:
# for each of 30 nights, one archive per kind (etc, cron, userlocalbin), named
# HOST-KIND-Mon-DD-YYYY.tar.bz2 and dated that night. The etc tree is synthetic (about 3,000
# files, 20 MB, seeded: the same bytes every time).
# Usage: bench/restore/make-set.sh HOST ARCHIVE_DIR WORK_DIR
set -Eeuo pipefail
[[ -n "${1:-}" && -n "${2:-}" && -n "${3:-}" ]] || { echo "usage: $0 HOST ARCHIVE_DIR WORK_DIR" >&2; exit 2; }
host=$1 archive=$2 work=$3
rm -rf -- "$archive" "$work"
mkdir -p -- "$archive" "$work/etc/conf.d" "$work/cron/crontabs" "$work/bin"
# 3,000 files of 1-13 KB of text under etc/ (20 MB), from a seeded generator.
for d in $(seq -f 'd%02g' 0 39); do mkdir -p -- "$work/etc/conf.d/$d"; done
awk -v work="$work" 'BEGIN {
  srand(1);
  for (i = 0; i < 3000; i++) {
    dir = (i % 30 == 0) ? "etc" : sprintf("etc/conf.d/d%02d", i % 40);
    file = sprintf("%s/%s/file-%04d.conf", work, dir, i);
    lines = 20 + int(rand() * 200);
    for (l = 0; l < lines; l++) printf "option_%d = %08x %08x %08x\n", l, rand() * 2^31, rand() * 2^31, rand() * 2^31 > file;
    close(file);
  }
}'
printf '127.0.0.1 localhost\n' >"$work/etc/hosts"
printf '20 2 * * * true\n' >"$work/cron/crontabs/root"
printf '#!/bin/sh\necho hi\n' >"$work/bin/hello"
# Compressed once per kind and copied to every night (restore picks a copy by its name; a
# night's content does not change what it costs to find and extract it).
tar -C "$work" -cf - etc | lbzip2 -n 2 >"$work/etc.tar.bz2"
tar -C "$work" -cf - cron | lbzip2 -n 2 >"$work/cron.tar.bz2"
tar -C "$work" -cf - bin | lbzip2 -n 2 >"$work/userlocalbin.tar.bz2"
for night in $(seq 1 30); do
  day=$(date -u -d "2026-10-31 + ${night} days" '+%b-%d-%Y')
  stamp=$(date -u -d "2026-10-31 + ${night} days 02:00" '+%Y%m%d%H%M')
  for kind in etc cron userlocalbin; do
    cp -- "$work/${kind}.tar.bz2" "$archive/${host}-${kind}-${day}.tar.bz2"
    touch -t "$stamp" "$archive/${host}-${kind}-${day}.tar.bz2"
  done
done
