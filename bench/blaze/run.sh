#!/usr/bin/env bash
#
# Benchmark of the generated blaze against the bare pipeline it wraps, on a fixed
# corpus of about 300 MB (bench/blaze/make-corpus.mjs: the same bytes on every run).
# hyperfine runs these, side by side, in RUNS rounds (default 5) of one run each, so that
# a change in the machine's load falls on every command alike:
#   blaze (lbzip2)          the generated blaze of host bench (bench/blaze/inventory.yaml)
#                           in the host sandbox of test/bats/helpers/host-sandbox.bash
#   tar | lbzip2            tar -cf - corpus | lbzip2 > corpus.tar.bz2
#   tar | lbzip2, read back the same, then lbzip2 -dc | tar -tf -: the check blaze makes
#                           before it gives an archive its final name, done by hand
#   blaze (zstd)            the generated blaze of host benchzstd
#   tar | zstd              tar -cf - corpus | zstd -T0 > corpus.tar.zst
# and prints the medians, over the rounds, and their ratios. Needs root (mount namespaces), node, hyperfine,
# lbzip2, zstd. Scratch data goes to BENCH_DIR (default /var/tmp/kindling-bench-blaze,
# about 1 GB).
#
# Usage: bench/blaze/run.sh [RUNS]
set -Eeuo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

readonly RUNS=${1:-5}
readonly WORK=${BENCH_DIR:-/var/tmp/kindling-bench-blaze}
# sha256 of the corpus files' contents in name order: proof that the corpus is the fixed one.
readonly CORPUS_SHA256=f2d71e1e54e9586f9e437793b3e2d0d1e9341c1be6fd0baf17d8717e9c7bded0

# Prints the digest of the corpus in DIR.
corpus_digest() {
  (cd "$1" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 cat | sha256sum | cut -d' ' -f1)
}

# Makes the corpus once; later runs reuse it after checking its digest.
make_corpus() {
  local corpus="$WORK/mnt/bench/corpus"
  if [[ -d "$corpus" && "$(corpus_digest "$corpus")" == "$CORPUS_SHA256" ]]; then
    return 0
  fi
  rm -rf -- "$corpus"
  node bench/blaze/make-corpus.mjs "$corpus"
  if [[ "$(corpus_digest "$corpus")" != "$CORPUS_SHA256" ]]; then
    echo "run.sh: the corpus does not have the expected digest" >&2
    exit 1
  fi
}

# Writes WORK/NAME.sh, a command for hyperfine, with BODY after strict mode: write_command NAME BODY
write_command() {
  printf '#!/usr/bin/env bash\nset -euo pipefail\n%s\n' "$2" >"$WORK/$1.sh"
  chmod 0755 "$WORK/$1.sh"
}

# Prepares a sandbox for HOST's generated blaze and writes the command that runs it.
prepare_blaze() {
  local host=$1
  # shellcheck disable=SC1091 # a repository file: `shellcheck -x` follows it
  source test/bats/helpers/host-sandbox.bash
  sandbox_init "$WORK/root-$host"
  sandbox_install "$WORK/root-$host" "$WORK/dist/$host/blaze"
  write_command "blaze-$host" "source '$PWD/test/bats/helpers/host-sandbox.bash'
SANDBOX_BINDS=('$WORK/mnt:/mnt')
SANDBOX_TIMEOUT=3600
sandbox_run '$WORK/root-$host' /usr/local/bin/blaze"
}

main() {
  mkdir -p "$WORK/out"
  make_corpus
  npm run -s build
  node build/cli.js generate -i bench/blaze/inventory.yaml -o "$WORK/dist" >/dev/null
  prepare_blaze bench
  prepare_blaze benchzstd
  write_command pipeline "tar -C '$WORK/mnt/bench' -cf - corpus | lbzip2 >'$WORK/out/corpus.tar.bz2'"
  write_command pipeline-read-back "tar -C '$WORK/mnt/bench' -cf - corpus | lbzip2 >'$WORK/out/corpus.tar.bz2'
lbzip2 -dc <'$WORK/out/corpus.tar.bz2' | tar -tf - >/dev/null"
  write_command pipeline-zstd "tar -C '$WORK/mnt/bench' -cf - corpus | zstd -q -T0 >'$WORK/out/corpus.tar.zst'"
  local round
  rm -f "$WORK"/round-*.json
  for ((round = 1; round <= RUNS; round++)); do
    # Every run starts from empty archive folders and a corpus in the page cache.
    hyperfine --runs 1 --style basic --export-json "$WORK/round-$round.json" \
      --prepare "rm -rf '$WORK'/root-*/archive/blaze-backup '$WORK'/out/corpus.*; cat '$WORK'/mnt/bench/corpus/*/* >/dev/null" \
      -n 'blaze (lbzip2)' "$WORK/blaze-bench.sh" \
      -n 'tar | lbzip2' "$WORK/pipeline.sh" \
      -n 'tar | lbzip2, read back' "$WORK/pipeline-read-back.sh" \
      -n 'blaze (zstd)' "$WORK/blaze-benchzstd.sh" \
      -n 'tar | zstd' "$WORK/pipeline-zstd.sh"
  done
  node bench/blaze/summarize.mjs "$WORK"/round-*.json
}

main "$@"
