#!/usr/bin/env bash
#
# fleet.bash - turn this one machine into N simulated Linux hosts for e2e tests.
#
# Usage (as root; source it, do not execute it):
#   source test/e2e/lib/fleet.bash
#   trap fleet_down EXIT               # or call fleet_down from teardown_file
#   fleet_up alpha bravo charlie       # alpha=10.77.0.11, bravo=.12, charlie=.13
#   fleet_sshd_start alpha bravo       # real sshd on each host's port 22
#   fleet_known_hosts_install          # every host trusts every host key
#   fleet_exec alpha hostname          # -> alpha
#   fleet_exec_as bravo kfl id -un     # -> kfl (if bravo has that user)
#   fleet_down                         # kill, unmount, delete netns, rmdir
#
# Design: a host is three persistent namespaces, no container runtime:
#   * net: `ip netns add kfl-NAME`, one veth into a bridge living in its own
#     netns kfl-br. The root namespace gets no interface, address or route, so
#     fleet traffic (10.77.0.0/24) can never leave the namespaces made here.
#   * mount + uts: `unshare --mount=FILE --uts=FILE` pins them to files in
#     STATE/ns. The host's root is a copy-on-write overlay of the machine's
#     root (it sees /usr, the repository... but its writes never reach the
#     real machine), over which fresh private dirs are bind-mounted: a copy
#     of /etc; /var/log, /var/spool/cron, /var/mail, /run (so /run/kindling)
#     with the real layout but no files; empty /archive, /tmp, /mnt,
#     /var/lib/postgresql-e2e, /root/.ssh. Nothing is added to the machine.
#   * fleet_exec enters all three with nsenter, with a clean environment.
# All state is in one dir (FLEET_STATE, default $BATS_TMPDIR/fleet), a tmpfs
# mounted by fleet_up; fleet_dir tells how a host's paths map into it.
# fleet_down works from that dir alone (recorded pids, created netns list,
# /proc/self/mountinfo), so it undoes a partial fleet_up, runs in an EXIT
# trap, and is idempotent. Namespace names are global: one fleet per machine
# at a time (or distinct host names and FLEET_STATE per fleet).

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
# The repository this library belongs to (test/e2e/lib/ is three levels down).
_FLEET_REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd -P)"

# Source name of the tmpfs mounted on the state dir; identifies it as ours.
readonly _FLEET_STATE_FS="kfl-state"
# Environment given to every command run inside a host: a clean, cron-like
# environment so results do not depend on the test runner's variables.
readonly -a _FLEET_ENV=(
  "HOME=/root" "USER=root" "LOGNAME=root" "SHELL=/bin/bash" "LANG=C.UTF-8"
  "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
)

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
# Runs a function in a subshell with the caller's shell options and
# DEBUG/ERR/RETURN traps cleared. bats runs tests under `set -eET` with a
# DEBUG trap that costs ~1 ms per command, which doubled the time of
# fleet_up/fleet_sshd_start; the library checks every status itself, so it
# behaves the same under bats, in a plain script and in an EXIT trap. Only
# for functions whose effects are all on disk, not in shell variables.
# Arguments:
#   Function name, arguments.
# Returns:
#   The function's status.
#######################################
_fleet_isolated() {
  (
    trap - DEBUG ERR RETURN
    set +eEuT +o pipefail
    "$@"
  )
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
# Prints the directory holding a host's private files, as seen from outside
# (the host itself cannot see the state dir). In DIR=STATE/hosts/NAME:
#   DIR/etc /etc     DIR/archive /archive   DIR/var-log /var/log
#   DIR/run /run     DIR/tmp /tmp           DIR/var-spool-cron /var/spool/cron
#   DIR/mnt /mnt     DIR/root-ssh /root/.ssh  DIR/var-mail /var/mail
#   DIR/postgresql-e2e /var/lib/postgresql-e2e
#   DIR/rootfs.upper: everything else the host changed (/usr/local/bin,
#     /home, /root, /opt, /var/lib...: upper dir of its copy-on-write root)
#   DIR/addr, DIR/pids, DIR/sshd.pid, DIR/logs/: bookkeeping and logs
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
# clean environment, cwd /, stdin/stdout/stderr passed through. A daemon
# started this way (pg_ctl start...) must not keep stdout/stderr open, or
# `run`/$(...) wait for it: redirect its output, or use fleet_spawn. Either
# way fleet_down kills it.
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
  # timeout runs the command in a background process group, where reading a
  # terminal would stop it (SIGTTIN) until the timeout: give it /dev/null
  # instead of a terminal. Nothing in a host needs one.
  if [[ -t 0 ]]; then
    _fleet_exec_timed "${state}" "${name}" "$@" </dev/null
  else
    _fleet_exec_timed "${state}" "${name}" "$@"
  fi
}

#######################################
# Implementation of fleet_exec.
# Arguments:
#   State dir, host name, command, arguments.
#######################################
_fleet_exec_timed() {
  local state="$1" name="$2"
  shift 2
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
# the caller (re-parented to init, so the caller never has to wait for it),
# and records its pid so fleet_down kills it.
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
  mkdir -p "${dest}/sshd" "${dest}/kindling" || return 1
  chmod 0755 "${dest}/sshd" "${dest}/kindling"
  mkdir -p "${dest}/lock" && chmod 1777 "${dest}/lock"
}

#######################################
# Writes the /etc/hosts of a host: localhost plus every fleet host.
# Arguments:
#   Destination file.
#######################################
_fleet_write_etc_hosts() {
  local dest="$1" host addr state
  state="$(fleet_state)"
  {
    printf '127.0.0.1\tlocalhost\n'
    printf '::1\t\tlocalhost ip6-localhost ip6-loopback\n'
    printf '# kindling e2e fleet\n'
    while read -r host; do
      read -r addr <"${state}/hosts/${host}/addr"
      printf '%s\t%s\n' "${addr}" "${host}"
    done <"${state}/hosts.list"
  } >"${dest}"
}

#######################################
# Builds, once per fleet, the tree every host starts from (its layout is
# that of STATE/hosts/NAME, see fleet_dir). Building it once and copying it
# per host keeps fleet_up to a handful of processes per host.
# Arguments:
#   Destination directory (must not exist).
#######################################
_fleet_make_template() {
  local t="$1"
  mkdir -p "${t}" || return 1
  # Private copy of /etc: own passwd/group/shadow, ssh config, aliases...
  # without the real machine's ssh host keys (each host makes its own in
  # fleet_sshd_start) and with the fleet's /etc/hosts.
  cp -a /etc "${t}/etc" || return 1
  rm -f "${t}"/etc/ssh/ssh_host_* "${t}/etc/ssh/ssh_known_hosts"
  _fleet_write_etc_hosts "${t}/etc/hosts" || return 1

  _fleet_copy_skeleton /var/log "${t}/var-log" || return 1
  _fleet_copy_skeleton /var/spool/cron "${t}/var-spool-cron" || return 1
  _fleet_copy_skeleton /var/mail "${t}/var-mail" || return 1
  _fleet_make_run "${t}/run" || return 1
  mkdir -p "${t}/archive" "${t}/mnt" "${t}/postgresql-e2e" \
    "${t}/root-ssh" "${t}/tmp" || return 1
  chmod 0755 "${t}/archive" "${t}/mnt" "${t}/postgresql-e2e"
  chmod 0700 "${t}/root-ssh"
  chmod 1777 "${t}/tmp"
  # Mount point, upper and work dirs of the copy-on-write root.
  mkdir -p "${t}"/rootfs{,.upper,.work}
}

#######################################
# Prepares everything a host will mount, under STATE/hosts/NAME: a copy of
# the template plus the host's own identity.
# Arguments:
#   Host name.
#######################################
_fleet_prepare_files() {
  local name="$1"
  local dir id
  dir="$(fleet_state)/hosts/${name}"
  cp -a "$(fleet_state)/template/." "${dir}/" || return 1
  echo "${name}" >"${dir}/etc/hostname" || return 1
  [[ ! -f "${dir}/etc/mailname" ]] || echo "${name}" >"${dir}/etc/mailname"
  if [[ -f "${dir}/etc/machine-id" ]]; then
    read -r id </proc/sys/kernel/random/uuid
    echo "${id//-/}" >"${dir}/etc/machine-id"
  fi
}

#######################################
# Runs inside the new mount + uts namespaces (via unshare, itself run inside
# the host's netns) and builds the host's file system, then makes it the
# namespace's root. Must be self-contained: it is shipped to a new bash with
# `declare -f`.
# Arguments:
#   Host name, host dir, the repository's root (kept visible read-only).
#######################################
_fleet_inside_setup() {
  set -eu
  local name="$1" dir="$2" repo_root="$3"
  local new="${dir}/rootfs"

  hostname "${name}"

  # The whole real root file system, copy-on-write: the host reads the
  # machine's /usr, /var/lib, /opt, the repository..., and whatever it
  # writes anywhere lands in DIR/rootfs.upper. A script under test running
  # as root in a host can therefore never modify the real machine.
  if ! mount -t overlay kfl-rootfs \
    -o "lowerdir=/,upperdir=${dir}/rootfs.upper,workdir=${dir}/rootfs.work" \
    "${new}"; then
    echo "fleet: ${name}: cannot mount an overlay of / (overlayfs needed)" >&2
    return 1
  fi
  # Mount points the real root may lack exist only in the overlay.
  mkdir -p "${new}"/{archive,mnt,run,tmp,proc,sys,dev,root/.ssh} \
    "${new}"/var/{log,mail,spool/cron,lib/postgresql-e2e}
  # No cron daemon runs in a host: the tests run root's crontab block themselves, with its
  # CRON_TZ, as cronie does (e2e_schedule). setup asks `crond -V` which cron runs the block
  # (Debian's cron, also installed here, ignores CRON_TZ), so the host says so.
  mkdir -p "${new}/usr/local/sbin"
  printf '%s\n' '#!/bin/sh' \
    "echo 'cronie (kindling test fleet: its tests run the crontab block with CRON_TZ)'" \
    >"${new}/usr/local/sbin/crond"
  chmod 0755 "${new}/usr/local/sbin/crond"

  # Kernel file systems. sysfs is mounted afresh so that /sys/class/net
  # shows the host's own interfaces (we are inside its netns); /dev/shm is
  # private (PostgreSQL uses it).
  mount --rbind /proc "${new}/proc"
  mount -t sysfs kfl-sysfs "${new}/sys" || mount --rbind /sys "${new}/sys"
  mount --rbind /dev "${new}/dev"
  mount -t tmpfs -o mode=1777,nosuid,nodev kfl-shm "${new}/dev/shm"

  # Private state, fresh per host (see fleet_dir).
  mount --bind "${dir}/etc" "${new}/etc"
  mount --bind "${dir}/archive" "${new}/archive"
  mount --bind "${dir}/var-log" "${new}/var/log"
  mount --bind "${dir}/var-spool-cron" "${new}/var/spool/cron"
  mount --bind "${dir}/var-mail" "${new}/var/mail"
  mount --bind "${dir}/run" "${new}/run"
  mount --bind "${dir}/tmp" "${new}/tmp"
  mount --bind "${dir}/mnt" "${new}/mnt"
  mount --bind "${dir}/postgresql-e2e" "${new}/var/lib/postgresql-e2e"
  mount --bind "${dir}/root-ssh" "${new}/root/.ssh"

  # The repository under test stays visible (read-only) at its own path, even when
  # it lives under /tmp (hidden above by the private /tmp) or on another mount (an
  # overlay of / shows only the root file system): CI clones it anywhere.
  mkdir -p "${new}${repo_root}"
  mount --bind "${repo_root}" "${new}${repo_root}"
  mount -o remount,bind,ro "${new}${repo_root}"

  # Make it the root and drop every other mount of the real machine: the
  # state dir (so a host cannot reach other hosts' files) and the namespace
  # files under /run/netns and STATE/ns (so this namespace pins none of them
  # and `ip netns del` really frees them).
  cd "${new}"
  mkdir .kfl-old-root
  pivot_root . .kfl-old-root
  cd /
  umount -l /.kfl-old-root
  rmdir /.kfl-old-root
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
  if ! { ip -n "${_FLEET_BR_NS}" link add "${port}" type veth \
    peer name kfl-eth0 netns "kfl-${name}" &&
    ip -n "${_FLEET_BR_NS}" link set "${port}" master kfl-br0 up &&
    ip -n "kfl-${name}" link set lo up &&
    ip -n "kfl-${name}" addr add "${addr}/24" dev kfl-eth0 &&
    ip -n "kfl-${name}" link set kfl-eth0 up; }; then
    _fleet_err "${name}: network setup failed"
    return 1
  fi

  if ! _fleet_prepare_files "${name}"; then
    _fleet_err "${name}: preparing files failed"
    return 1
  fi

  touch "${state}/ns/${name}.mnt" "${state}/ns/${name}.uts" || return 1
  # unshare pins the new namespaces to the files; the setup script runs inside
  # them (and inside the host's netns, for sysfs) and exits, the namespaces
  # live on. Bounded by timeout.
  if ! timeout 60 nsenter --net="/run/netns/kfl-${name}" -- \
    unshare --mount="${state}/ns/${name}.mnt" \
    --uts="${state}/ns/${name}.uts" --propagation private \
    bash -c "$(declare -f _fleet_inside_setup); _fleet_inside_setup \"\$@\"" \
    _ "${name}" "${dir}" "${_FLEET_REPO_ROOT}" >"${dir}/logs/setup.log" 2>&1; then
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
  _fleet_isolated _fleet_up_impl "$@"
}

#######################################
# Implementation of fleet_up (see there).
#######################################
_fleet_up_impl() {
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
  # A previous fleet (e.g. a crashed run) is torn down; anything else at that
  # path is left alone.
  if _fleet_state_mounted; then
    _fleet_down_impl || return 1
  elif [[ -e "${state}" ]] && ! rmdir "${state}" 2>/dev/null; then
    _fleet_err "${state} exists and is not a fleet state dir; set FLEET_STATE"
    return 1
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
      _fleet_down_impl || true
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
  local state name idx
  state="$(fleet_state)"
  mkdir -p "${state}" || return 1
  # The state dir is a tmpfs of its own:
  #  * speed: creating ~1300 files per /etc copy costs ~1.3 s on the ext4
  #    disk of the test VMs, ~0.05 s on tmpfs;
  #  * a mount namespace can only be pinned to a file on a mount with
  #    private propagation (a shared one could create a reference loop), so
  #    it is made private whatever the propagation of its parent;
  #  * teardown is "unmount, then rmdir an empty dir": no rm -rf ever.
  if ! { mount -t tmpfs -o mode=0755 "${_FLEET_STATE_FS}" "${state}" &&
    mount --make-private "${state}"; }; then
    _fleet_err "cannot mount the state tmpfs on ${state}"
    return 1
  fi
  mkdir -p "${state}/ns" "${state}/hosts" || return 1

  idx=0
  for name in "$@"; do
    mkdir -p "${state}/hosts/${name}/logs" || return 1
    echo "${_FLEET_NET_PREFIX}.$((_FLEET_FIRST_OCTET + idx))" \
      >"${state}/hosts/${name}/addr"
    echo "${name}" >>"${state}/hosts.list"
    idx=$((idx + 1))
  done

  # The bridge lives in its own namespace: nothing is attached to the root
  # namespace, which keeps test traffic away from real interfaces.
  _fleet_netns_add "${_FLEET_BR_NS}" || return 1
  ip -n "${_FLEET_BR_NS}" link set lo up &&
    ip -n "${_FLEET_BR_NS}" link add kfl-br0 type bridge forward_delay 0 &&
    ip -n "${_FLEET_BR_NS}" link set kfl-br0 up || return 1

  if ! _fleet_make_template "${state}/template"; then
    _fleet_err "cannot build the host template"
    return 1
  fi
  idx=0
  for name in "$@"; do
    _fleet_host_create "${name}" "${idx}" || return 1
    idx=$((idx + 1))
  done
  rm -rf "${state}/template"
}

#######################################
# Starts a real OpenSSH server inside each given host, listening on the
# host's fleet address and 127.0.0.1 (port 22, inside its netns). Generates
# each host's own host keys first, inside the host's own /etc (hosts in
# parallel). Waits at most ~10 s per host for the server to answer its
# banner. Hosts whose sshd already runs are skipped.
# Globals:
#   FLEET_SSH_HOST_KEY_TYPES (default "ed25519 ecdsa"; "all" runs
#   `ssh-keygen -A`, which adds RSA: ~1.4 CPU-seconds per host, the slowest
#   part of bringing a fleet up on 2 cores, and no ssh client here needs it).
#   FLEET_SSHD_USE_PAM (yes|no, default yes, as on a real Debian server:
#   with "no", sshd refuses accounts whose password is locked, e.g. users
#   made by `useradd` without a password).
# Arguments:
#   Host names.
# Returns:
#   0 once every sshd answers, 1 otherwise (sshd log on stderr).
#######################################
fleet_sshd_start() {
  _fleet_isolated _fleet_sshd_start_impl "$@"
}

#######################################
# Implementation of fleet_sshd_start (see there).
#######################################
_fleet_sshd_start_impl() {
  local name dir
  local -a todo=() jobs=()
  for name in "$@"; do
    dir="$(fleet_dir "${name}")" || return 1
    if [[ -f "${dir}/sshd.pid" ]] &&
      _fleet_proc_starttime "$(cat "${dir}/sshd.pid")" >/dev/null; then
      continue
    fi
    todo+=("${name}")
  done
  for name in "${todo[@]}"; do
    dir="$(fleet_dir "${name}")"
    fleet_exec "${name}" bash -c \
      "$(declare -f _fleet_hostkeys_inside); _fleet_hostkeys_inside \"\$@\"" \
      _ "${FLEET_SSH_HOST_KEY_TYPES:-ed25519 ecdsa}" \
      >"${dir}/logs/ssh-keygen.log" 2>&1 &
    jobs+=("$!")
  done
  local i rc=0
  for i in "${!todo[@]}"; do
    if ! wait "${jobs[i]}"; then
      dir="$(fleet_dir "${todo[i]}")"
      _fleet_err "${todo[i]}: ssh-keygen failed:" \
        "$(cat "${dir}/logs/ssh-keygen.log")"
      rc=1
    fi
  done
  ((rc == 0)) || return 1
  for name in "${todo[@]}"; do
    _fleet_sshd_spawn "${name}" || return 1
  done
  for name in "${todo[@]}"; do
    _fleet_sshd_wait "${name}" || return 1
  done
}

#######################################
# Runs inside a host (shipped with declare -f): makes the missing ssh host
# keys in its /etc/ssh, like the openssh-server package does on install.
# Arguments:
#   Key types separated by spaces, or "all" for `ssh-keygen -A`.
#######################################
_fleet_hostkeys_inside() {
  set -e
  if [[ "$1" == all ]]; then
    ssh-keygen -A
    return
  fi
  local type
  for type in $1; do
    if [[ ! -f "/etc/ssh/ssh_host_${type}_key" ]]; then
      ssh-keygen -q -t "${type}" -N "" -C "root@$(hostname)" \
        -f "/etc/ssh/ssh_host_${type}_key"
    fi
  done
}

#######################################
# Starts sshd in a host (keys must exist) and records its pid.
# Arguments:
#   Host name.
#######################################
_fleet_sshd_spawn() {
  local name="$1"
  local dir addr pid
  dir="$(fleet_dir "${name}")" || return 1
  addr="$(cat "${dir}/addr")"
  rm -f "${dir}/run/sshd.pid"
  # Only the keys that exist, so that sshd does not complain about the
  # default ones that were not generated.
  local key
  local -a keys=()
  for key in "${dir}"/etc/ssh/ssh_host_*_key; do
    [[ -f "${key}" ]] && keys+=(-o "HostKey=/etc/ssh/${key##*/}")
  done
  # -D: stay in the foreground so the recorded pid is sshd itself.
  # PidFile /run/sshd.pid is STATE/hosts/NAME/run/sshd.pid; sshd writes it
  # only after its sockets are bound, which makes it a readiness signal.
  pid="$(_fleet_spawn_logged "${name}" "${dir}/logs/sshd.log" /usr/sbin/sshd -D -e \
    -o "ListenAddress=${addr}:22" -o "ListenAddress=127.0.0.1:22" \
    -o "PidFile=/run/sshd.pid" -o "UsePAM=${FLEET_SSHD_USE_PAM:-yes}" \
    -o "PermitRootLogin=prohibit-password" -o "PasswordAuthentication=no" \
    -o "KbdInteractiveAuthentication=no" "${keys[@]}")" || return 1
  echo "${pid}" >"${dir}/sshd.pid"
}

#######################################
# Waits (at most ~10 s) until a host's sshd answers on its fleet address.
# Arguments:
#   Host name.
# Returns:
#   0 once it answers, 1 if sshd died or timed out (log on stderr).
#######################################
_fleet_sshd_wait() {
  local name="$1"
  local dir addr pid
  dir="$(fleet_dir "${name}")" || return 1
  addr="$(cat "${dir}/addr")"
  pid="$(cat "${dir}/sshd.pid")"
  # SECONDS has a 1 s resolution: +11 gives 10 to 11 s.
  local deadline=$((SECONDS + 11))
  while ((SECONDS < deadline)); do
    if ! _fleet_proc_starttime "${pid}" >/dev/null; then
      break # sshd died: its log says why
    fi
    if [[ -s "${dir}/run/sshd.pid" ]] &&
      _fleet_port_answers "${name}" "${addr}" 22; then
      return 0
    fi
    sleep 0.1
  done
  _fleet_err "${name}: sshd did not come up: $(cat "${dir}/logs/sshd.log")"
  return 1
}

#######################################
# Tells whether an SSH server answers (sends its banner) on ADDR:PORT, as
# seen from inside a host's network namespace. Bounded to 1 s.
# Arguments:
#   Host name, address, port.
#######################################
_fleet_port_answers() {
  timeout 1 nsenter --net="/run/netns/kfl-$1" -- \
    bash -c "$(declare -f _fleet_banner_inside); _fleet_banner_inside \"\$@\"" \
    _ "$2" "$3" 2>/dev/null
}

#######################################
# Runs inside a netns (shipped with declare -f): reads an SSH banner.
# Arguments:
#   Address, port.
#######################################
_fleet_banner_inside() {
  local line
  exec 3<>"/dev/tcp/$1/$2" || return 1
  IFS= read -r -t 1 line <&3 && [[ "${line}" == SSH-* ]]
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
  file="$(fleet_known_hosts "$(fleet_state)/known_hosts")" || return 1
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
  fleet_exec_as "$1" "$2" \
    bash -c "$(declare -f _fleet_keygen_inside); _fleet_keygen_inside"
}

#######################################
# Runs inside a host as the user (shipped with declare -f): makes the key.
# Outputs:
#   The public key line on stdout.
#######################################
_fleet_keygen_inside() {
  set -e
  umask 077
  mkdir -p "${HOME}/.ssh"
  if [[ ! -f "${HOME}/.ssh/id_ed25519" ]]; then
    ssh-keygen -q -t ed25519 -N "" -C "$(id -un)@$(hostname)" \
      -f "${HOME}/.ssh/id_ed25519"
  fi
  cat "${HOME}/.ssh/id_ed25519.pub"
}

#######################################
# Appends a public key to USER's authorized_keys inside a host.
# Arguments:
#   Host name, user, public key line.
#######################################
fleet_ssh_authorize() {
  fleet_exec_as "$1" "$2" bash -c \
    "$(declare -f _fleet_authorize_inside); _fleet_authorize_inside \"\$@\"" \
    _ "$3"
}

#######################################
# Runs inside a host as the user (shipped with declare -f): adds the key.
# Arguments:
#   Public key line.
#######################################
_fleet_authorize_inside() {
  set -e
  umask 077
  mkdir -p "${HOME}/.ssh"
  printf '%s\n' "$1" >>"${HOME}/.ssh/authorized_keys"
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
      # "?": the process had already exited when it was recorded; its pid
      # may belong to anyone now (the namespace sweep covers the rest).
      [[ "${start}" != "?" ]] || continue
      now="$(_fleet_proc_starttime "${pid}")" || continue
      [[ "${now}" == "${start}" ]] && echo "${pid}"
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
    # mountinfo escapes space, tab, newline and backslash as \ooo.
    [[ "${mp}" != *\\* ]] || mp="$(printf '%b' "${mp}")"
    if [[ "${mp}" == "${dir}" || "${mp}" == "${dir}"/* ]]; then
      echo "${mp}"
    fi
  done < <(awk '{print $5}' /proc/self/mountinfo) | sort -r
}

#######################################
# Tells whether the state dir is mounted as the fleet's tmpfs.
# Returns:
#   0 if it is, 1 otherwise.
#######################################
_fleet_state_mounted() {
  local state mp src
  state="$(fleet_state)"
  # mountinfo: field 5 is the mount point; the source follows the " - TYPE".
  while read -r mp src; do
    [[ "${mp}" != *\\* ]] || mp="$(printf '%b' "${mp}")"
    [[ "${mp}" == "${state}" && "${src}" == "${_FLEET_STATE_FS}" ]] && return 0
  done < <(awk '{for (i = 7; $i != "-"; i++) {}; print $5, $(i + 2)}' \
    /proc/self/mountinfo)
  return 1
}

#######################################
# Tears the fleet down: kills its processes (recorded pids, then anything
# still inside its namespaces), unmounts the namespace files and the state
# tmpfs, deletes the network namespaces it created and removes the (then
# empty) state dir. Idempotent, works after a partial fleet_up, safe in an
# EXIT trap. Every wait is bounded (~8 s in total for processes).
# Returns:
#   0 if nothing is left, 1 otherwise (what is left is reported on stderr).
#######################################
fleet_down() {
  _fleet_isolated _fleet_down_impl
}

#######################################
# With FLEET_SAVE_LOGS set to a folder, copies each host's /var/log and
# /var/mail there (FOLDER/SECONDS-NANOSECONDS/HOST/) before the fleet goes:
# a run's logs can then be read whole, every warning and error of every night,
# not only what a failing test printed.
# Arguments:
#   The fleet's state dir.
#######################################
_fleet_save_logs() {
  local state="$1" into host
  [[ -n "${FLEET_SAVE_LOGS:-}" ]] || return 0
  into="${FLEET_SAVE_LOGS}/$(date +%s-%N)"
  for host in "${state}"/hosts/*/; do
    host="$(basename "${host}")"
    [[ -d "${state}/hosts/${host}/var-log" ]] || continue # none yet (or the glob itself)
    mkdir -p "${into}/${host}" &&
      cp -a "${state}/hosts/${host}/var-log" "${state}/hosts/${host}/var-mail" "${into}/${host}/" 2>/dev/null
  done
  return 0
}

#######################################
# Implementation of fleet_down (see there).
#######################################
_fleet_down_impl() {
  local state
  state="$(fleet_state)"
  [[ -e "${state}" ]] || return 0
  if ! _fleet_state_mounted; then
    # fleet_up creates the dir right before mounting the tmpfs, and
    # fleet_down removes it right after unmounting: an empty dir is ours.
    rmdir "${state}" 2>/dev/null && return 0
    _fleet_err "fleet_down: ${state} is not a fleet state dir; left alone"
    return 1
  fi

  _fleet_save_logs "${state}"

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
  local round
  local -a pids
  for ((round = 0; round < 80; round++)); do
    mapfile -t pids < <(
      _fleet_recorded_pids
      _fleet_pids_in_ns "${inos[@]}"
    )
    ((${#pids[@]})) || break
    if ((round == 0)); then
      kill -s TERM "${pids[@]}" 2>/dev/null || true
    elif ((round >= 50)); then
      kill -s KILL "${pids[@]}" 2>/dev/null || true
    fi
    sleep 0.1
  done
  local ok=0 left
  left="$(
    _fleet_recorded_pids
    _fleet_pids_in_ns "${inos[@]}"
  )"
  if [[ -n "${left}" ]]; then
    _fleet_err "fleet_down: processes left: ${left//$'\n'/ }"
    ok=1
  fi

  # Deepest first: the namespace files, then the state tmpfs itself. Once a
  # namespace has neither a process nor a file bound to it, the kernel frees
  # it with every mount inside it.
  local mp
  while read -r mp; do
    umount "${mp}" 2>/dev/null || umount -l "${mp}" 2>/dev/null || true
  done < <(_fleet_mounts_under "${state}")

  for ns in "${netns[@]}"; do
    if [[ -e "/run/netns/${ns}" ]]; then
      ip netns del "${ns}" 2>/dev/null || true
    fi
    if [[ -e "/run/netns/${ns}" ]]; then
      _fleet_err "fleet_down: netns ${ns} still exists"
      ok=1
    fi
  done

  left="$(_fleet_mounts_under "${state}")"
  if [[ -n "${left}" ]]; then
    _fleet_err "fleet_down: still mounted: ${left//$'\n'/ }"
    return 1
  fi
  if ! rmdir "${state}"; then
    _fleet_err "fleet_down: cannot remove ${state}"
    ok=1
  fi
  return "${ok}"
}

#######################################
# Prints the value setup printed for the inventory's hosts.HOST.FIELD: the line after its
# "(hosts.HOST.FIELD):" heading, as the README has the administrator copy it.
# Arguments:
#   File with setup's output, host, field (sshPublicKey or sshHostKey).
#######################################
setup_printed_value() {
  awk -v want="(hosts.$2.$3):" \
    'found { sub(/^ +/, ""); print; exit } index($0, want) { found = 1 }' "$1" | grep .
}

