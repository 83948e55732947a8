#!/usr/bin/env bash
#
# fleet.bash - turn this one machine into N simulated Linux hosts for e2e tests.
#
# Usage (as root; source it, do not execute it):
#   source test/e2e/lib/fleet.bash
#   trap fleet_down EXIT              # or call fleet_down from teardown_file
#   fleet_up alpha bravo charlie      # alpha=10.77.0.11, bravo=.12, charlie=.13
#   fleet_sshd_start alpha; fleet_sshd_start bravo
#   fleet_known_hosts_install         # every host trusts every host key
#   fleet_exec alpha hostname         # -> alpha
#   fleet_exec_as bravo backup id -un # -> backup (if the user exists in bravo)
#   fleet_down                        # kill, unmount, delete netns, rm state
#
# Design: a host is three persistent namespaces, no container runtime:
#   * net: `ip netns add kfl-NAME`, one veth into a bridge that lives in its
#     own netns kfl-br. The root namespace gets no interface, address or route,
#     so test traffic (10.77.0.0/24) cannot leave the namespaces we made.
#   * mount + uts: `unshare --mount=FILE --uts=FILE` pins them to files under
#     STATE/ns. Inside, private copies are mounted over /etc, /archive,
#     /var/log, /var/spool/cron, /var/mail, /run (incl. /run/kindling), /tmp,
#     /mnt, /var/lib/postgresql-e2e, /root/.ssh; /root, /home and
#     /usr/local/bin are copy-on-write overlays of the real directories.
#   * fleet_exec enters all three with nsenter; nothing else is shared except
#     the read-only-in-practice rest of the file system (/usr, /var/lib, ...).
# Everything lives under one state dir (FLEET_STATE, default
# $BATS_TMPDIR/fleet); STATE/hosts/NAME/X is what the host sees as /X, so tests
# can inspect a host from outside. fleet_down finds what to undo from the state
# dir alone (recorded pids, netns list, /proc/self/mountinfo), so it works
# after a partial failure, from an EXIT trap, and twice in a row.

# Guard against double sourcing (bats `load` may be called from several files).
[[ -n "${_FLEET_LIB_LOADED:-}" ]] && return 0
_FLEET_LIB_LOADED=1

# First host address is 10.77.0.11; the prefix is fixed because every
# namespace that uses it is private to the fleet.
readonly _FLEET_NET_PREFIX="10.77.0"
readonly _FLEET_FIRST_OCTET=11
readonly _FLEET_MAX_HOSTS=240
# Namespace holding the bridge every host is plugged into.
readonly _FLEET_BR_NS="kfl-br"
# Environment given to every command run inside a host: a clean, cron-like
# environment so results do not depend on the test runner's variables.
readonly -a _FLEET_ENV=(
  "HOME=/root" "USER=root" "LOGNAME=root" "SHELL=/bin/bash" "LANG=C.UTF-8"
  "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
)
# Directories that must exist in the real root file system to be used as
# mount points inside hosts. Missing ones are created empty and left in place:
# removing a directory from the root namespace would lazily detach the mounts
# of any other live fleet that uses it (Linux >= 3.18 semantics).
readonly -a _FLEET_MOUNTPOINTS=(/archive /var/lib/postgresql-e2e /var/mail /mnt)

#######################################
# Prints an error message to stderr.
# Arguments:
#   Message words.
# Outputs:
#   Writes "fleet: MESSAGE" to stderr.
#######################################
_fleet_err() {
  echo "fleet: $*" >&2
}

#######################################
# Prints the state directory of the current fleet.
# Globals:
#   FLEET_STATE, BATS_TMPDIR, TMPDIR
# Outputs:
#   Absolute path on stdout.
#######################################
fleet_state() {
  local dir="${FLEET_STATE:-${BATS_TMPDIR:-${TMPDIR:-/tmp}}/fleet}"
  # Absolute and without trailing slash: it is compared with mountinfo paths.
  [[ "${dir}" == /* ]] || dir="${PWD}/${dir}"
  while [[ "${dir}" == */ && "${dir}" != / ]]; do dir="${dir%/}"; done
  echo "${dir}"
}

#######################################
# Lists the fleet's host names, one per line, in address order.
# Outputs:
#   Host names on stdout (nothing if no fleet is up).
#######################################
fleet_hosts() {
  local list
  list="$(fleet_state)/hosts.list"
  [[ -f "${list}" ]] && cat "${list}"
  return 0
}

#######################################
# Prints the directory holding a host's private files, as seen from outside.
# STATE/hosts/NAME/etc is the host's /etc, .../archive its /archive, etc.
# Arguments:
#   Host name.
# Outputs:
#   Path on stdout.
# Returns:
#   1 if the host is not part of the fleet.
#######################################
fleet_dir() {
  local name="$1"
  local dir
  dir="$(fleet_state)/hosts/${name}"
  if [[ ! -f "${dir}/addr" ]]; then
    _fleet_err "unknown host '${name}'"
    return 1
  fi
  echo "${dir}"
}

#######################################
# Prints a host's fleet address (10.77.0.X).
# Arguments:
#   Host name.
# Outputs:
#   Address on stdout.
# Returns:
#   1 if the host is not part of the fleet.
#######################################
fleet_addr() {
  local dir
  dir="$(fleet_dir "$1")" || return 1
  cat "${dir}/addr"
}

#######################################
# Prints the start time (in clock ticks since boot) of a process; together
# with the pid it identifies the process across pid reuse.
# Arguments:
#   Pid.
# Outputs:
#   Start time on stdout; nothing if the process does not exist.
#######################################
_fleet_proc_starttime() {
  local stat
  stat="$(cat "/proc/$1/stat" 2>/dev/null)" || return 1
  # Field 2 (comm) may contain spaces; fields after the last ')' are fixed.
  stat="${stat##*) }"
  local -a fields
  read -r -a fields <<<"${stat}"
  # After comm, field 3 (state) is index 0, so field 22 is index 19.
  [[ "${fields[0]}" != "Z" ]] || return 1
  echo "${fields[19]}"
}

#######################################
# Records a process as belonging to a host so fleet_down will kill it.
# Arguments:
#   Host name, pid, label.
#######################################
_fleet_record_pid() {
  local dir start
  dir="$(fleet_dir "$1")" || return 1
  start="$(_fleet_proc_starttime "$2")" || start="?"
  echo "$2 ${start} $3" >>"${dir}/pids"
}

#######################################
# Runs a command inside a host (net, mount and uts namespaces) as root, with a
# clean environment, cwd /, stdin/stdout/stderr passed through.
# Globals:
#   FLEET_EXEC_TIMEOUT (seconds, default 300): the command is killed after it.
# Arguments:
#   Host name, command, arguments.
# Returns:
#   The command's exit status (124 on timeout).
#######################################
fleet_exec() {
  local name="$1"
  shift
  local state
  state="$(fleet_state)"
  fleet_dir "${name}" >/dev/null || return 1
  # fd 3 is bats' TAP stream: a daemon started inside must not hold it open,
  # or bats would wait for that daemon before finishing.
  timeout --kill-after=5 "${FLEET_EXEC_TIMEOUT:-300}" \
    nsenter --mount="${state}/ns/${name}.mnt" --uts="${state}/ns/${name}.uts" \
    --net="/run/netns/kfl-${name}" -- env -i "${_FLEET_ENV[@]}" "$@" 3>&-
}

#######################################
# Runs a command inside a host as USER (via runuser, which sets HOME, SHELL,
# USER and LOGNAME from the host's own /etc/passwd).
# Arguments:
#   Host name, user name, command, arguments.
# Returns:
#   The command's exit status.
#######################################
fleet_exec_as() {
  local name="$1" user="$2"
  shift 2
  fleet_exec "${name}" runuser -u "${user}" -- "$@"
}

#######################################
# Starts a long-running command inside a host in the background, detached from
# the caller (so it is reaped by init, never left as a zombie), and records
# its pid so fleet_down kills it.
# Arguments:
#   Host name, command, arguments.
# Outputs:
#   The pid on stdout. The command's output goes to
#   STATE/hosts/NAME/logs/spawn-<pid>.log (renamed once the pid is known).
# Returns:
#   1 if the process could not be started.
#######################################
fleet_spawn() {
  local name="$1"
  shift
  local dir log pid
  dir="$(fleet_dir "${name}")" || return 1
  log="$(mktemp "${dir}/logs/spawn-XXXXXX.log")" || return 1
  pid="$(_fleet_spawn_logged "${name}" "${log}" "$@")" || return 1
  mv -f "${log}" "${dir}/logs/spawn-${pid}.log" 2>/dev/null || true
  echo "${pid}"
}

#######################################
# Implementation of fleet_spawn with an explicit log file.
# Arguments:
#   Host name, log file, command, arguments.
# Outputs:
#   The pid on stdout.
#######################################
_fleet_spawn_logged() {
  local name="$1" log="$2"
  shift 2
  local state pid
  state="$(fleet_state)"
  # The inner subshell exits right after forking, so the command is
  # re-parented to init. nsenter execs the command (no fork without
  # --pid), so $! is the command's own pid.
  pid="$(
    nsenter --mount="${state}/ns/${name}.mnt" --uts="${state}/ns/${name}.uts" \
      --net="/run/netns/kfl-${name}" -- env -i "${_FLEET_ENV[@]}" "$@" \
      </dev/null >>"${log}" 2>&1 3>&- &
    echo "$!"
  )"
  [[ -n "${pid}" ]] || return 1
  _fleet_record_pid "${name}" "${pid}" "$1"
  echo "${pid}"
}

#######################################
# Copies a file from the test runner into a host.
# Arguments:
#   Host name, source path (outside), destination path (inside),
#   optional mode (default 0644), optional owner[:group] (default root).
# Returns:
#   install's exit status.
#######################################
fleet_put() {
  local name="$1" src="$2" dest="$3" mode="${4:-0644}" owner="${5:-root:root}"
  local -a ids=(-o "${owner%%:*}")
  [[ "${owner}" != *:* ]] || ids+=(-g "${owner#*:}")
  fleet_exec "${name}" install -D -m "${mode}" "${ids[@]}" /dev/stdin "${dest}" \
    <"${src}"
}

#######################################
# Copies a directory's layout (directories with owner and mode, no files).
# Used for /var/log, /var/spool/cron, /var/mail: a fresh host has the
# directories its packages expect but none of the real machine's logs,
# crontabs or mail.
# Arguments:
#   Source directory, destination directory (must not exist).
#######################################
_fleet_copy_skeleton() {
  local src="$1" dest="$2"
  if [[ ! -d "${src}" ]]; then
    mkdir -p "${dest}"
    return
  fi
  cp -a --attributes-only "${src}" "${dest}" || return 1
  find "${dest}" -mindepth 1 ! -type d -delete
}

#######################################
# Builds a host's /run: every top-level directory (and symlink) of the real
# /run with its owner and mode, empty, plus /run/sshd and /run/kindling.
# Sockets, pid files and the real /run/netns are not carried over.
# Arguments:
#   Destination directory (must not exist).
#######################################
_fleet_make_run() {
  local dest="$1" entry base
  mkdir -p "${dest}" || return 1
  chmod 0755 "${dest}"
  for entry in /run/*; do
    base="${entry##*/}"
    [[ "${base}" != netns ]] || continue
    if [[ -L "${entry}" ]]; then
      cp -P "${entry}" "${dest}/${base}"
    elif [[ -d "${entry}" ]] && ! mountpoint -q "${entry}"; then
      mkdir "${dest}/${base}" &&
        chmod --reference="${entry}" "${dest}/${base}" &&
        chown --reference="${entry}" "${dest}/${base}"
    fi
  done
  mkdir -p -m 0755 "${dest}/sshd" "${dest}/kindling"
  mkdir -p "${dest}/lock" && chmod 1777 "${dest}/lock"
}

#######################################
# Writes the /etc/hosts of a host: localhost plus every fleet host.
# Arguments:
#   Destination file.
#######################################
_fleet_write_etc_hosts() {
  local dest="$1" host dir
  {
    printf '127.0.0.1\tlocalhost\n'
    printf '::1\t\tlocalhost ip6-localhost ip6-loopback\n'
    printf '# kindling e2e fleet\n'
    while read -r host; do
      dir="$(fleet_state)/hosts/${host}"
      printf '%s\t%s\n' "$(cat "${dir}/addr")" "${host}"
    done < <(fleet_hosts)
  } >"${dest}"
}

#######################################
# Prepares everything a host will mount, under STATE/hosts/NAME.
# Arguments:
#   Host name.
#######################################
_fleet_prepare_files() {
  local name="$1"
  local dir
  dir="$(fleet_state)/hosts/${name}"
  # Private copy of /etc: own passwd/group/shadow, ssh config, aliases...
  cp -a /etc "${dir}/etc" || return 1
  # Fresh identity: each host gets its own ssh host keys (fleet_sshd_start)
  # and machine-id, not the real machine's.
  rm -f "${dir}"/etc/ssh/ssh_host_*
  echo "${name}" >"${dir}/etc/hostname"
  [[ ! -f "${dir}/etc/mailname" ]] || echo "${name}" >"${dir}/etc/mailname"
  if [[ -f "${dir}/etc/machine-id" ]]; then
    local id
    id="$(cat /proc/sys/kernel/random/uuid)"
    echo "${id//-/}" >"${dir}/etc/machine-id"
  fi
  rm -f "${dir}/etc/ssh/ssh_known_hosts"
  _fleet_write_etc_hosts "${dir}/etc/hosts" || return 1

  _fleet_copy_skeleton /var/log "${dir}/var-log" || return 1
  _fleet_copy_skeleton /var/spool/cron "${dir}/var-spool-cron" || return 1
  _fleet_copy_skeleton /var/mail "${dir}/var-mail" || return 1
  _fleet_make_run "${dir}/run" || return 1
  mkdir -p -m 0755 "${dir}/archive" "${dir}/mnt" "${dir}/postgresql-e2e" &&
    mkdir -p -m 0700 "${dir}/root-ssh" &&
    mkdir -p -m 1777 "${dir}/tmp" &&
    chmod 1777 "${dir}/tmp" || return 1
  local ov
  for ov in root home usr-local-bin; do
    mkdir -p "${dir}/${ov}.upper" "${dir}/${ov}.work" || return 1
  done
}

#######################################
# Runs inside the new mount + uts namespaces (via unshare) and mounts the
# host's private directories. Must be self-contained: it is shipped to a new
# bash with `declare -f`.
# Arguments:
#   Host name, host dir, state dir.
#######################################
_fleet_inside_setup() {
  set -eu
  local name="$1" dir="$2" state="$3"
  local mp

  hostname "${name}"

  # Drop the copies of the real /run's submounts (notably /run/netns, whose
  # netns bind mounts would otherwise be pinned by this namespace and
  # survive `ip netns del`). Deepest first.
  while read -r mp; do
    umount -l "${mp}" 2>/dev/null || true
  done < <(awk '$5 ~ "^/run/" {print $5}' /proc/self/mountinfo | sort -r)

  # Copy-on-write views: reads fall through to the real directory, writes
  # land in STATE/hosts/NAME/X.upper. Copying these would be too big (the
  # real /usr/local/bin and /root can be gigabytes). If overlayfs is not
  # usable (e.g. the state dir is itself on overlayfs) use an empty dir.
  mount_overlay() {
    local target="$1" key="$2"
    if ! mount -t overlay "kfl-${key}" \
      -o "lowerdir=${target},upperdir=${dir}/${key}.upper,workdir=${dir}/${key}.work" \
      "${target}" 2>/dev/null; then
      echo "fleet: ${name}: overlayfs failed; ${target} starts empty" >&2
      mount --bind "${dir}/${key}.upper" "${target}"
    fi
  }
  mount_overlay /root root
  mount_overlay /home home
  mount_overlay /usr/local/bin usr-local-bin
  # /root/.ssh is fresh and empty: never the real root's keys.
  mkdir -p -m 0700 /root/.ssh
  mount --bind "${dir}/root-ssh" /root/.ssh

  mount --bind "${dir}/etc" /etc
  mount --bind "${dir}/archive" /archive
  mount --bind "${dir}/var-log" /var/log
  mount --bind "${dir}/var-spool-cron" /var/spool/cron
  mount --bind "${dir}/var-mail" /var/mail
  mount --bind "${dir}/run" /run
  mount --bind "${dir}/mnt" /mnt
  mount --bind "${dir}/postgresql-e2e" /var/lib/postgresql-e2e
  # Last: if the state dir is under /tmp, this also hides it.
  mount --bind "${dir}/tmp" /tmp

  # A host must not see the other hosts' private files through the state dir.
  if [[ -d "${state}" ]]; then
    mount -t tmpfs -o ro,size=4k,mode=0755 kfl-hidden "${state}"
  fi
  return 0
}

#######################################
# Creates one host: netns + veth into the bridge, files, mount/uts namespaces.
# Arguments:
#   Host name, index (0-based).
#######################################
_fleet_host_create() {
  local name="$1" idx="$2"
  local state dir addr port
  state="$(fleet_state)"
  dir="${state}/hosts/${name}"
  addr="$(cat "${dir}/addr")"
  port="kfl-p$((_FLEET_FIRST_OCTET + idx))"

  _fleet_netns_add "kfl-${name}" || return 1
  # The veth is created inside kfl-br with its peer moved straight into the
  # host, so it never exists in the root namespace. Names are index-based
  # (IFNAMSIZ is 15) and kfl- prefixed.
  ip -n "${_FLEET_BR_NS}" link add "${port}" type veth \
    peer name kfl-eth0 netns "kfl-${name}" &&
    ip -n "${_FLEET_BR_NS}" link set "${port}" master kfl-br0 up &&
    ip -n "kfl-${name}" link set lo up &&
    ip -n "kfl-${name}" addr add "${addr}/24" dev kfl-eth0 &&
    ip -n "kfl-${name}" link set kfl-eth0 up || {
    _fleet_err "${name}: network setup failed"
    return 1
  }

  _fleet_prepare_files "${name}" || {
    _fleet_err "${name}: preparing files failed"
    return 1
  }

  touch "${state}/ns/${name}.mnt" "${state}/ns/${name}.uts" || return 1
  # unshare pins the new namespaces to the files; the setup script runs inside
  # them and exits, the namespaces live on. Bounded by timeout.
  if ! timeout 60 unshare --mount="${state}/ns/${name}.mnt" \
    --uts="${state}/ns/${name}.uts" --propagation private \
    bash -c "$(declare -f _fleet_inside_setup); _fleet_inside_setup \"\$@\"" \
    _ "${name}" "${dir}" "${state}" >"${dir}/logs/setup.log" 2>&1; then
    _fleet_err "${name}: namespace setup failed: $(cat "${dir}/logs/setup.log")"
    return 1
  fi
}

#######################################
# Adds a network namespace and records it as ours (fleet_down deletes only
# recorded namespaces, never one created by someone else).
# Arguments:
#   Namespace name.
#######################################
_fleet_netns_add() {
  local ns="$1"
  if ! ip netns add "${ns}"; then
    _fleet_err "cannot create netns ${ns}"
    return 1
  fi
  echo "${ns}" >>"$(fleet_state)/netns.created"
}

#######################################
# Creates the fleet. Hosts get 10.77.0.11, .12, ... in argument order.
# If a previous fleet's state is found in the state dir it is torn down
# first. On failure everything created so far is torn down (set
# FLEET_KEEP_ON_FAILURE=1 to keep it for debugging; fleet_down cleans up).
# Arguments:
#   Host names: lower case, [a-z][a-z0-9-]*.
# Returns:
#   0 on success, 1 on failure (with a message on stderr).
#######################################
fleet_up() {
  if [[ "${EUID}" -ne 0 ]]; then
    _fleet_err "fleet_up must run as root"
    return 1
  fi
  if (($# == 0 || $# > _FLEET_MAX_HOSTS)); then
    _fleet_err "usage: fleet_up NAME... (1..${_FLEET_MAX_HOSTS} hosts)"
    return 1
  fi
  local name
  local -A seen=()
  for name in "$@"; do
    if [[ ! "${name}" =~ ^[a-z][a-z0-9-]{0,62}$ || -n "${seen[${name}]:-}" ]]; then
      _fleet_err "invalid or duplicate host name '${name}'"
      return 1
    fi
    seen["${name}"]=1
  done

  local state
  state="$(fleet_state)"
  if [[ -e "${state}" ]]; then
    fleet_down || return 1
  fi
  # Refuse to adopt a namespace we did not create (another fleet, or a crashed
  # run with another state dir). Checked before creating anything.
  for name in br "$@"; do
    if [[ -e "/run/netns/kfl-${name}" ]]; then
      _fleet_err "netns kfl-${name} already exists (another fleet?);" \
        "remove it with: ip netns del kfl-${name}"
      return 1
    fi
  done

  if ! _fleet_up_all "$@"; then
    _fleet_err "fleet_up failed"
    if [[ "${FLEET_KEEP_ON_FAILURE:-0}" != 1 ]]; then
      fleet_down || true
    fi
    return 1
  fi
}

#######################################
# Body of fleet_up, after validation.
# Arguments:
#   Host names.
#######################################
_fleet_up_all() {
  local state name idx mp
  state="$(fleet_state)"
  mkdir -p "${state}/ns" "${state}/hosts" || return 1
  # A mount namespace can only be bind-mounted onto a file in a mount with
  # private propagation (a shared one could create a reference loop), so
  # make STATE/ns such a mount whatever the propagation of its parent.
  mount --bind "${state}/ns" "${state}/ns" &&
    mount --make-private "${state}/ns" || return 1

  idx=0
  for name in "$@"; do
    mkdir -p "${state}/hosts/${name}/logs" || return 1
    echo "${_FLEET_NET_PREFIX}.$((_FLEET_FIRST_OCTET + idx))" \
      >"${state}/hosts/${name}/addr"
    echo "${name}" >>"${state}/hosts.list"
    idx=$((idx + 1))
  done

  for mp in "${_FLEET_MOUNTPOINTS[@]}"; do
    [[ -d "${mp}" ]] || mkdir -p -m 0755 "${mp}" || return 1
  done

  # The bridge lives in its own namespace: nothing is attached to the root
  # namespace, which keeps test traffic away from real interfaces.
  _fleet_netns_add "${_FLEET_BR_NS}" || return 1
  ip -n "${_FLEET_BR_NS}" link set lo up &&
    ip -n "${_FLEET_BR_NS}" link add kfl-br0 type bridge forward_delay 0 &&
    ip -n "${_FLEET_BR_NS}" link set kfl-br0 up || return 1

  idx=0
  for name in "$@"; do
    _fleet_host_create "${name}" "${idx}" || return 1
    idx=$((idx + 1))
  done
}

#######################################
# Starts a real OpenSSH server inside a host, listening on the host's fleet
# address and 127.0.0.1 (port 22, inside its netns). Generates the host's
# own keys first. Waits at most ~10 s for the server to answer. Idempotent.
# Globals:
#   FLEET_SSHD_USE_PAM (yes|no, default yes, as on a real Debian server:
#   with "no", sshd refuses accounts whose password is locked, e.g. users
#   made by `useradd` without a password).
# Arguments:
#   Host name.
# Returns:
#   0 once sshd answers, 1 otherwise (sshd log on stderr).
#######################################
fleet_sshd_start() {
  local name="$1"
  local dir addr pid
  dir="$(fleet_dir "${name}")" || return 1
  addr="$(fleet_addr "${name}")"
  if [[ -f "${dir}/sshd.pid" ]] &&
    kill -0 "$(cat "${dir}/sshd.pid")" 2>/dev/null; then
    return 0
  fi
  if ! fleet_exec "${name}" ssh-keygen -A >"${dir}/logs/ssh-keygen.log" 2>&1; then
    _fleet_err "${name}: ssh-keygen -A failed: $(cat "${dir}/logs/ssh-keygen.log")"
    return 1
  fi
  rm -f "${dir}/run/sshd.pid"
  # -D: stay in the foreground so the recorded pid is sshd itself.
  # PidFile /run/sshd.pid is STATE/hosts/NAME/run/sshd.pid; sshd writes it
  # only after its sockets are bound, which makes it a readiness signal.
  pid="$(_fleet_spawn_logged "${name}" "${dir}/logs/sshd.log" /usr/sbin/sshd -D -e \
    -o "ListenAddress=${addr}:22" -o "ListenAddress=127.0.0.1:22" \
    -o "PidFile=/run/sshd.pid" -o "UsePAM=${FLEET_SSHD_USE_PAM:-yes}" \
    -o "PermitRootLogin=prohibit-password" -o "PasswordAuthentication=no" \
    -o "KbdInteractiveAuthentication=no")" || return 1
  echo "${pid}" >"${dir}/sshd.pid"

  local i
  for ((i = 0; i < 100; i++)); do
    if ! kill -0 "${pid}" 2>/dev/null; then
      break
    fi
    if [[ -s "${dir}/run/sshd.pid" ]] && _fleet_port_answers "${name}" "${addr}" 22; then
      return 0
    fi
    sleep 0.1
  done
  _fleet_err "${name}: sshd did not come up: $(cat "${dir}/logs/sshd.log")"
  return 1
}

#######################################
# Tells whether an SSH server answers (sends its banner) on ADDR:PORT, as
# seen from inside a host's network namespace. Bounded to 2 s.
# Arguments:
#   Host name, address, port.
#######################################
_fleet_port_answers() {
  timeout 2 nsenter --net="/run/netns/kfl-$1" -- bash -c '
    exec 3<>"/dev/tcp/$0/$1" || exit 1
    IFS= read -r -t 2 line <&3 && [[ "${line}" == SSH-* ]]' "$2" "$3" \
    2>/dev/null
}

#######################################
# Writes a known_hosts file with every fleet host's ssh host keys under both
# its name and its address, so that ssh with StrictHostKeyChecking=yes works
# between hosts. Hosts whose sshd was never started have no keys and are
# skipped.
# Arguments:
#   Optional output file (default STATE/known_hosts).
# Outputs:
#   The file's path on stdout.
#######################################
fleet_known_hosts() {
  local out
  out="${1:-$(fleet_state)/known_hosts}"
  local name dir addr pub
  : >"${out}" || return 1
  while read -r name; do
    dir="$(fleet_dir "${name}")" || return 1
    addr="$(cat "${dir}/addr")"
    for pub in "${dir}"/etc/ssh/ssh_host_*_key.pub; do
      [[ -f "${pub}" ]] || continue
      # A .pub line is "TYPE KEY COMMENT"; known_hosts wants "HOSTS TYPE KEY".
      local type key _
      read -r type key _ <"${pub}"
      printf '%s,%s %s %s\n' "${name}" "${addr}" "${type}" "${key}" >>"${out}"
    done
  done < <(fleet_hosts)
  echo "${out}"
}

#######################################
# Installs the fleet's known_hosts as /etc/ssh/ssh_known_hosts of hosts.
# Call it after every fleet_sshd_start (keys are made there).
# Arguments:
#   Host names (default: every host).
#######################################
fleet_known_hosts_install() {
  local file name dir
  file="$(fleet_known_hosts)" || return 1
  local -a names=("$@")
  ((${#names[@]})) || mapfile -t names < <(fleet_hosts)
  for name in "${names[@]}"; do
    dir="$(fleet_dir "${name}")" || return 1
    install -m 0644 "${file}" "${dir}/etc/ssh/ssh_known_hosts" || return 1
  done
}

#######################################
# Makes (if missing) an ed25519 key pair for USER inside a host.
# Arguments:
#   Host name, user (must exist in the host, with its home directory).
# Outputs:
#   The public key line on stdout.
#######################################
fleet_ssh_keygen() {
  fleet_exec_as "$1" "$2" bash -c '
    set -e
    umask 077
    mkdir -p "${HOME}/.ssh"
    [[ -f "${HOME}/.ssh/id_ed25519" ]] ||
      ssh-keygen -q -t ed25519 -N "" -C "$(id -un)@$(hostname)" \
        -f "${HOME}/.ssh/id_ed25519"
    cat "${HOME}/.ssh/id_ed25519.pub"'
}

#######################################
# Appends a public key to USER's authorized_keys inside a host.
# Arguments:
#   Host name, user, public key line.
#######################################
fleet_ssh_authorize() {
  fleet_exec_as "$1" "$2" bash -c '
    set -e
    umask 077
    mkdir -p "${HOME}/.ssh"
    printf "%s\n" "$0" >>"${HOME}/.ssh/authorized_keys"' "$3"
}

#######################################
# Prints the pids of processes in any of the given namespaces.
# Arguments:
#   Namespace inode numbers (net or mnt).
# Outputs:
#   Pids, one per line.
#######################################
_fleet_pids_in_ns() {
  (($#)) || return 0
  local -A want=()
  local ino path pid
  for ino in "$@"; do want["${ino}"]=1; done
  # One stat call for all processes; vanished processes are just skipped.
  while read -r ino path; do
    if [[ -n "${want[${ino}]:-}" ]]; then
      pid="${path#/proc/}"
      pid="${pid%%/*}"
      [[ "${pid}" != "$$" && "${pid}" != "${BASHPID}" ]] && echo "${pid}"
    fi
  done < <(stat -L -c '%i %n' /proc/[0-9]*/ns/net /proc/[0-9]*/ns/mnt \
    2>/dev/null || true)
  return 0
}

#######################################
# Prints the fleet's recorded pids that still denote the recorded process
# (same start time, so a reused pid is never killed).
# Outputs:
#   Pids, one per line.
#######################################
_fleet_recorded_pids() {
  local state f pid start _ now
  state="$(fleet_state)"
  for f in "${state}"/hosts/*/pids; do
    [[ -f "${f}" ]] || continue
    while read -r pid start _; do
      now="$(_fleet_proc_starttime "${pid}")" || continue
      [[ "${start}" == "?" || "${now}" == "${start}" ]] && echo "${pid}"
    done <"${f}"
  done
  return 0
}

#######################################
# Prints the mount points at or below a directory, deepest first.
# Arguments:
#   Directory.
#######################################
_fleet_mounts_under() {
  local dir="$1" mp
  while read -r mp; do
    mp="$(printf '%b' "${mp}")" # mountinfo escapes spaces etc. as \040
    if [[ "${mp}" == "${dir}" || "${mp}" == "${dir}"/* ]]; then
      echo "${mp}"
    fi
  done < <(awk '{print $5}' /proc/self/mountinfo) | sort -r
}

#######################################
# Tears the fleet down: kills its processes (recorded pids, then anything
# still inside its namespaces), unmounts the namespace files, deletes the
# network namespaces it created and removes the state dir. Idempotent, works
# after a partial fleet_up, safe in an EXIT trap. Every wait is bounded.
# Returns:
#   0 if nothing is left, 1 otherwise (what is left is reported on stderr).
#######################################
fleet_down() {
  local state
  state="$(fleet_state)"
  [[ -e "${state}" ]] || return 0

  # Namespaces that identify "our" processes, collected before anything is
  # removed (after that they would no longer be reachable by name).
  local -a netns=() inos=()
  local ns f ino
  if [[ -f "${state}/netns.created" ]]; then
    mapfile -t netns <"${state}/netns.created"
  fi
  for ns in "${netns[@]}"; do
    ino="$(stat -L -c '%i' "/run/netns/${ns}" 2>/dev/null)" && inos+=("${ino}")
  done
  for f in "${state}"/ns/*.mnt; do
    mountpoint -q "${f}" 2>/dev/null || continue
    ino="$(stat -L -c '%i' "${f}" 2>/dev/null)" && inos+=("${ino}")
  done

  # TERM first (sshd and friends clean up), KILL after ~5 s, give up ~3 s
  # later.
  local round sig
  local -a pids
  for ((round = 0; round < 80; round++)); do
    mapfile -t pids < <(
      _fleet_recorded_pids
      _fleet_pids_in_ns "${inos[@]}"
    )
    ((${#pids[@]})) || break
    sig=TERM
    ((round < 50)) || sig=KILL
    if ((round == 0 || round == 50 || round > 50)); then
      kill -s "${sig}" "${pids[@]}" 2>/dev/null || true
    fi
    sleep 0.1
  done

  local mp
  while read -r mp; do
    umount "${mp}" 2>/dev/null || umount -l "${mp}" 2>/dev/null || true
  done < <(_fleet_mounts_under "${state}")

  for ns in "${netns[@]}"; do
    if [[ -e "/run/netns/${ns}" ]]; then
      ip netns del "${ns}" 2>/dev/null || true
    fi
  done

  # Verify before removing anything: rm -rf must never descend into a mount.
  local ok=0 left
  left="$(_fleet_mounts_under "${state}")"
  if [[ -n "${left}" ]]; then
    _fleet_err "fleet_down: still mounted: ${left//$'\n'/ }"
    ok=1
  fi
  for ns in "${netns[@]}"; do
    if [[ -e "/run/netns/${ns}" ]]; then
      _fleet_err "fleet_down: netns ${ns} still exists"
      ok=1
    fi
  done
  left="$(
    _fleet_recorded_pids
    _fleet_pids_in_ns "${inos[@]}"
  )"
  if [[ -n "${left}" ]]; then
    _fleet_err "fleet_down: processes left: ${left//$'\n'/ }"
    ok=1
  fi
  if ((ok == 0)); then
    rm -rf "${state}" || ok=1
  fi
  return "${ok}"
}
