# host-sandbox.bash: run a generated script (blaze, wildfire, ...) as if on its host,
# with real programs, without touching the host's own backup paths.
#
# A sandbox is a scratch folder ROOT. sandbox_run starts a private mount namespace
# (unshare --mount --propagation private) and a private network namespace (only a
# loopback interface: an ssh to another host fails at once, nothing leaves the machine),
# bind-mounts ROOT/<path> over each of the host paths of src/plan/plan.ts hostPaths():
#   /archive /var/log /etc/sysconfig /usr/local/bin /var/lib/kindling /run/lock /run/kindling
# and runs the command there with cron's bare environment (PATH=/usr/bin:/bin). Mounts
# vanish with the namespace, so nothing needs undoing, even after a failed test. The
# mount points must exist on the real root: missing ones are created empty and left in
# place (removing them could detach other namespaces' mounts).
#
# Usage, as root (load it with `load helpers/host-sandbox`):
#   sandbox_init ROOT                  make ROOT/<path> for every host path
#   sandbox_install ROOT FILE          install a generated script as ROOT/usr/local/bin/NAME
#   sandbox_sendmail_recorder DIR FILE write DIR/sendmail, which appends each mail to FILE
#   sandbox_run ROOT COMMAND ARGS...   run COMMAND in the sandbox; returns its status
# Settings (plain variables, read by sandbox_run):
#   SANDBOX_BINDS=(SRC:DEST ...)   more bind mounts, e.g. scratch sources or a socket folder
#   SANDBOX_TMPFS=(DEST:SIZE ...)  tmpfs mounts made after the binds, e.g. /archive:4m
#   SANDBOX_HIDE=(FILE ...)        programs hidden by mounting /dev/null over them
#   SANDBOX_PATH_PREFIX=DIR        first in PATH, e.g. the sendmail recorder's folder
#   SANDBOX_PIDFILE=FILE           receives the pid of COMMAND (to signal it)
#   SANDBOX_TIMEOUT=SECONDS        bound on the whole run (default 120; 124 when hit)

SANDBOX_HOST_PATHS=(/archive /var/log /etc/sysconfig /usr/local/bin /var/lib/kindling /run/lock /run/kindling)

# Creates ROOT and ROOT/<path> for every host path: sandbox_init ROOT
sandbox_init() {
  local root=$1 path
  for path in "${SANDBOX_HOST_PATHS[@]}"; do
    mkdir -p -- "$root$path"
    [[ -d "$path" ]] || mkdir -p -- "$path"
  done
}

# Installs FILE as ROOT/usr/local/bin/<name>, mode 0755: sandbox_install ROOT FILE
sandbox_install() {
  install -m 0755 -- "$2" "$1/usr/local/bin/${2##*/}"
}

# Writes DIR/sendmail, a sendmail stand-in that appends its arguments and the message
# to FILE: sandbox_sendmail_recorder DIR FILE
sandbox_sendmail_recorder() {
  mkdir -p -- "$1"
  cat >"$1/sendmail" <<RECORDER
#!/bin/bash
{ printf '=== sendmail %s\n' "\$*"; cat; } >>'$2'
RECORDER
  chmod 0755 "$1/sendmail"
}

# The part that runs inside the new namespaces, as `bash -c`. Arguments: the number of
# bind arguments, then SRC DEST pairs, the number of tmpfs arguments, DEST SIZE pairs,
# the number of hidden files, the files, the PATH prefix, the pid file, then the command.
# shellcheck disable=SC2016 # expanded by the inner bash, not here
_SANDBOX_INNER='
set -euo pipefail
count=$1; shift
while ((count > 0)); do mount --bind -- "$1" "$2"; shift 2; count=$((count - 2)); done
count=$1; shift
while ((count > 0)); do mount -t tmpfs -o "size=$2,mode=0755" sandbox-tmpfs "$1"; shift 2; count=$((count - 2)); done
count=$1; shift
while ((count > 0)); do mount --bind /dev/null "$1"; shift; count=$((count - 1)); done
prefix=$1 pidfile=$2; shift 2
ip link set lo up
[[ -z "$pidfile" ]] || echo "$$" >"$pidfile"
exec env -i HOME=/root LOGNAME=root USER=root SHELL=/bin/sh LANG=C.UTF-8 \
  PATH="${prefix:+$prefix:}/usr/bin:/bin" "$@"
'

# Runs COMMAND ARGS... in the sandbox ROOT: sandbox_run ROOT COMMAND ARGS...
sandbox_run() {
  local root=$1 path pair
  shift
  local -a binds=() tmpfs=()
  for path in "${SANDBOX_HOST_PATHS[@]}"; do binds+=("$root$path" "$path"); done
  for pair in "${SANDBOX_BINDS[@]}"; do binds+=("${pair%%:*}" "${pair#*:}"); done
  for pair in "${SANDBOX_TMPFS[@]}"; do tmpfs+=("${pair%%:*}" "${pair#*:}"); done
  timeout --kill-after=10 "${SANDBOX_TIMEOUT:-120}" \
    unshare --mount --propagation private --net -- \
    bash -c "$_SANDBOX_INNER" sandbox \
    "${#binds[@]}" "${binds[@]}" "${#tmpfs[@]}" "${tmpfs[@]}" "${#SANDBOX_HIDE[@]}" "${SANDBOX_HIDE[@]}" \
    "${SANDBOX_PATH_PREFIX:-}" "${SANDBOX_PIDFILE:-}" "$@"
}

SANDBOX_BINDS=()
SANDBOX_TMPFS=()
SANDBOX_HIDE=()

# Generates the 3-host fixture fleet (wf-fleet.yaml) into BATS_FILE_TMPDIR/dist, whose host
# folders the tests install into their sandboxes; from setup_file: sandbox_generate_wf_fleet
sandbox_generate_wf_fleet() {
  "${KINDLING[@]}" generate -i "$REPO_ROOT/test/fixtures/inventories/wf-fleet.yaml" \
    -o "$BATS_FILE_TMPDIR/dist" >/dev/null 2>&1
}
