#!/usr/bin/env bats
#
# Proves that test/e2e/lib/fleet.bash gives real, isolated simulated hosts:
# own hostname, network, /etc and /archive, working sshd + ssh + rsync between
# hosts, and a teardown that leaves nothing behind. Needs root, iproute2,
# util-linux (unshare, nsenter), openssh-server/client and rsync.
#
# Run: BATS_LIB_PATH="$PWD/node_modules" npx bats test/e2e/fleet-infra.bats
# The runner sets BATS_LIB_PATH=node_modules (where bats-support and
# bats-assert are installed); the repository's node_modules is also appended
# below so a plain `bats test/e2e` from the repository works too.

bats_require_minimum_version 1.5.0
# The tests share one fleet and kfl-* names are global: never run them in
# parallel.
export BATS_NO_PARALLELIZE_WITHIN_FILE=true
BATS_LIB_PATH="${BATS_LIB_PATH:+${BATS_LIB_PATH}:}${BATS_TEST_DIRNAME}/../../node_modules"
bats_load_library bats-support
bats_load_library bats-assert

# shellcheck source-path=SCRIPTDIR source=lib/fleet.bash
source "${BATS_TEST_DIRNAME}/lib/fleet.bash"

# Options for every ssh between hosts: never prompt, never accept an unknown
# host key.
readonly SSH_OPTS="-o BatchMode=yes -o StrictHostKeyChecking=yes -o ConnectTimeout=5"

#######################################
# Prints the wall-clock time in seconds, with microseconds.
#######################################
now() {
  echo "${EPOCHREALTIME}"
}

#######################################
# Prints B - A for two now() values, with millisecond precision.
#######################################
elapsed() {
  awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'
}

#######################################
# Asserts that a fleet left nothing behind: no kfl- netns of these hosts nor
# the bridge, no mount at or under its state dir, no state dir, no sshd
# started by a fleet.
# Arguments:
#   State dir, host names.
#######################################
assert_fleet_gone() {
  local state="$1" name
  shift
  for name in br "$@"; do
    if [[ -e "/run/netns/kfl-${name}" ]]; then
      fail "netns kfl-${name} still exists"
    fi
  done
  if awk -v s="${state}" '$5 == s || index($5, s "/") == 1' \
    /proc/self/mountinfo | grep -q .; then
    fail "mounts left under ${state}: $(grep -F "${state}" /proc/self/mountinfo)"
  fi
  if [[ -e "${state}" ]]; then
    fail "state dir ${state} still exists"
  fi
  if pgrep -f 'sshd -D -e -o ListenAddress=10\.77\.0\.' >/dev/null; then
    fail "a fleet sshd is still running: $(pgrep -af 'ListenAddress=10\.77')"
  fi
}

#######################################
# Asserts that a process has exited. A zombie counts as exited: processes
# started by fleet_spawn are re-parented to init, which may reap them a bit
# later.
# Arguments:
#   Pid.
#######################################
assert_not_running() {
  local stat
  stat="$(cat "/proc/$1/stat" 2>/dev/null)" || return 0
  stat="${stat##*) }"
  if [[ "${stat:0:1}" != Z ]]; then
    fail "process $1 still running: $(tr '\0' ' ' <"/proc/$1/cmdline")"
  fi
}

setup_file() {
  if [[ "${EUID}" -ne 0 ]]; then
    echo "fleet-infra.bats must run as root (network/mount namespaces)" >&2
    return 1
  fi
  local tool
  for tool in ip unshare nsenter /usr/sbin/sshd ssh ssh-keygen rsync runuser; do
    if ! command -v "${tool}" >/dev/null; then
      echo "missing required tool: ${tool}" >&2
      return 1
    fi
  done

  local t0 t1 t2
  t0="$(now)"
  fleet_up alpha bravo charlie
  t1="$(now)"
  fleet_sshd_start alpha bravo charlie
  fleet_known_hosts_install alpha bravo charlie
  t2="$(now)"
  echo "# fleet_up of 3 hosts: $(elapsed "${t0}" "${t1}") s," \
    "sshd on 3 hosts: $(elapsed "${t1}" "${t2}") s" >&3

  # alpha's root may log in as root on bravo.
  local pub
  pub="$(fleet_ssh_keygen alpha root)"
  fleet_ssh_authorize bravo root "${pub}"
}

teardown_file() {
  # Safety net: each of these is a no-op when the test that used it already
  # cleaned up. All run even if one fails.
  local rc=0 which
  for which in partial trap crash; do
    FLEET_STATE="${BATS_FILE_TMPDIR}/fleet-${which}" fleet_down || rc=1
  done
  fleet_down || rc=1
  return "${rc}"
}

@test "each host has its own hostname" {
  local name
  for name in alpha bravo charlie; do
    run fleet_exec "${name}" hostname
    assert_success
    assert_output "${name}"
  done
  assert_not_equal "$(hostname)" alpha
}

@test "addresses are deterministic and live only inside the fleet" {
  assert_equal "$(fleet_addr alpha)" 10.77.0.11
  assert_equal "$(fleet_addr bravo)" 10.77.0.12
  assert_equal "$(fleet_addr charlie)" 10.77.0.13

  run fleet_exec bravo ip -4 -o addr show dev kfl-eth0
  assert_success
  assert_output --partial "inet 10.77.0.12/24"

  # Every fleet name resolves in every host, through the host's own /etc/hosts.
  run fleet_exec charlie getent hosts alpha
  assert_success
  assert_output --regexp '^10\.77\.0\.11[[:space:]]+alpha$'

  # No route out: anything but 10.77.0.0/24 is unreachable from a host.
  # (`ip route get` only asks the routing table; it sends nothing.)
  run fleet_exec alpha ip route get 192.0.2.1
  assert_failure

  # The root namespace has no fleet interface or address.
  run ip -o link show
  refute_output --partial "kfl-"
  run ip -o addr show
  refute_output --partial "10.77.0."
}

@test "/archive is private to each host" {
  run fleet_exec alpha sh -c 'echo from-alpha > /archive/only-in-alpha'
  assert_success

  run fleet_exec alpha cat /archive/only-in-alpha
  assert_output from-alpha
  run fleet_exec bravo test -e /archive/only-in-alpha
  assert_failure
  run fleet_exec charlie ls -A /archive
  assert_output ""
  [[ ! -e /archive/only-in-alpha ]]

  # Seen from outside, at the host's state dir...
  local file
  file="$(fleet_dir alpha)/archive/only-in-alpha"
  assert_equal "$(cat "${file}")" from-alpha
  # ...which the hosts themselves cannot see.
  run fleet_exec bravo test -e "${file}"
  assert_failure
  run fleet_exec alpha test -e "$(fleet_state)/hosts"
  assert_failure
}

@test "users added in one host exist only there" {
  run fleet_exec alpha useradd --create-home kflalpha
  assert_success

  run fleet_exec alpha id -un kflalpha
  assert_success
  assert_output kflalpha
  run fleet_exec alpha test -d /home/kflalpha
  assert_success

  run fleet_exec bravo id kflalpha
  assert_failure
  run fleet_exec charlie grep -q '^kflalpha:' /etc/passwd /etc/shadow /etc/group
  assert_failure
  run grep -q '^kflalpha:' /etc/passwd /etc/shadow /etc/group
  assert_failure
  [[ ! -e /home/kflalpha ]]
}

@test "hosts write only to their own copy of the file system" {
  # Private dirs and, through the copy-on-write root, everything else.
  local paths=(/tmp/kfl-t /run/kindling/kfl-r /root/kfl-x /var/log/kfl-l \
    /mnt/kfl-m /var/lib/postgresql-e2e/kfl-p /usr/local/bin/kfl-b \
    /opt/kfl-o /var/lib/kfl-v /home/kfl-h /etc/kfl-e /kfl-root)
  run fleet_exec alpha touch "${paths[@]}"
  assert_success
  run fleet_exec alpha sh -c 'echo "0 3 * * * /bin/true kfl" | crontab -'
  assert_success

  local path
  for path in "${paths[@]}"; do
    run fleet_exec alpha test -e "${path}"
    assert_success
    run fleet_exec bravo test -e "${path}"
    assert_failure
    [[ ! -e "${path}" ]] || fail "${path} leaked into the root namespace"
  done
  run fleet_exec alpha crontab -l
  assert_output --partial "/bin/true kfl"
  run fleet_exec bravo crontab -l
  refute_output --partial "/bin/true kfl"
  run crontab -l
  refute_output --partial "/bin/true kfl"

  # The real tree is readable (e.g. the repository and its generated files).
  run fleet_exec alpha cat "${BATS_TEST_FILENAME}"
  assert_success
  assert_output --partial "hosts write only to their own copy"
}

@test "each host has its own identity" {

  # Fresh ssh host keys and machine-id per host, not the real machine's.
  local key_a key_b
  key_a="$(cat "$(fleet_dir alpha)/etc/ssh/ssh_host_ed25519_key.pub")"
  key_b="$(cat "$(fleet_dir bravo)/etc/ssh/ssh_host_ed25519_key.pub")"
  assert_not_equal "${key_a}" "${key_b}"
  if [[ -f /etc/ssh/ssh_host_ed25519_key.pub ]]; then
    assert_not_equal "${key_a}" "$(cat /etc/ssh/ssh_host_ed25519_key.pub)"
  fi
  assert_not_equal "$(fleet_exec alpha cat /etc/machine-id)" \
    "$(fleet_exec bravo cat /etc/machine-id)"
}

@test "root on alpha reaches root on bravo with ssh (BatchMode, strict host keys)" {
  # shellcheck disable=SC2086 # SSH_OPTS is a list of words on purpose
  run fleet_exec alpha ssh ${SSH_OPTS} root@bravo 'hostname; id -un'
  assert_success
  assert_output $'bravo\nroot'

  # By address too: known_hosts lists both.
  # shellcheck disable=SC2086
  run fleet_exec alpha ssh ${SSH_OPTS} root@10.77.0.12 hostname
  assert_success
  assert_output bravo
}

@test "ssh refuses a host whose key is not known" {
  # shellcheck disable=SC2086
  run fleet_exec alpha ssh ${SSH_OPTS} -o GlobalKnownHostsFile=/dev/null \
    -o UserKnownHostsFile=/dev/null root@bravo true
  assert_failure 255
  assert_output --partial "Host key verification failed"
}

@test "ssh from alpha's root to a created user on bravo" {
  run fleet_exec bravo useradd --create-home --shell /bin/bash kflbackup
  assert_success
  fleet_ssh_authorize bravo kflbackup "$(fleet_ssh_keygen alpha root)"

  # shellcheck disable=SC2086
  run fleet_exec alpha ssh ${SSH_OPTS} kflbackup@bravo 'id -un; pwd'
  assert_success
  assert_output $'kflbackup\n/home/kflbackup'

  # Not authorized on charlie.
  fleet_exec charlie useradd --create-home kflbackup
  # shellcheck disable=SC2086
  run fleet_exec alpha ssh ${SSH_OPTS} kflbackup@charlie true
  assert_failure 255
}

@test "rsync over ssh copies a file from alpha to bravo" {
  fleet_exec alpha sh -c 'head -c 100000 /dev/urandom > /archive/blob &&
    mkdir -p /archive/tree/sub && echo hi > /archive/tree/sub/f'
  run fleet_exec alpha rsync -a -e "ssh ${SSH_OPTS}" \
    /archive/blob /archive/tree root@bravo:/archive/
  assert_success

  assert_equal "$(fleet_exec bravo sha256sum /archive/blob)" \
    "$(fleet_exec alpha sha256sum /archive/blob)"
  run fleet_exec bravo cat /archive/tree/sub/f
  assert_output hi
  run fleet_exec charlie test -e /archive/blob
  assert_failure
}

@test "fleet_down kills everything, unmounts and deletes the namespaces" {
  local state sshd_pids=() pid name
  state="$(fleet_state)"
  for name in alpha bravo charlie; do
    sshd_pids+=("$(cat "$(fleet_dir "${name}")/sshd.pid")")
  done
  # A recorded background process, and a daemon nobody recorded.
  pid="$(fleet_spawn charlie sleep 1000)"
  fleet_exec bravo bash -c 'setsid sleep 1001 </dev/null >/dev/null 2>&1 &'
  run pgrep -x -f 'sleep 1001'
  assert_success
  run ip netns list
  assert_output --partial kfl-alpha
  run fleet_exec alpha findmnt -n -o TARGET /archive
  assert_output /archive
  fleet_exec alpha sh -c 'echo "a night" >/var/log/blaze-backup.log'

  # With FLEET_SAVE_LOGS, each host's logs are copied out before the fleet goes.
  FLEET_SAVE_LOGS="${BATS_TEST_TMPDIR}/saved" run fleet_down
  assert_success
  assert_output ""
  run cat "${BATS_TEST_TMPDIR}"/saved/*/alpha/var-log/blaze-backup.log
  assert_output "a night"

  assert_fleet_gone "${state}" alpha bravo charlie
  for pid in "${sshd_pids[@]}" "${pid}"; do
    assert_not_running "${pid}"
  done
  run pgrep -f 'sleep 100[01]$'
  assert_failure
  run ip netns list
  refute_output --partial kfl-

  # Idempotent.
  run fleet_down
  assert_success
}

@test "fleet_up of 7 hosts with sshd stays under 20 s" {
  local hosts=(australia brazil chile denmark egypt finland greece)
  local t0 t1 t2 t3 state
  state="$(fleet_state)"
  fleet_down # the 3-host fleet, if this test runs alone
  t0="$(now)"
  fleet_up "${hosts[@]}"
  t1="$(now)"
  fleet_sshd_start "${hosts[@]}"
  fleet_known_hosts_install "${hosts[@]}"
  t2="$(now)"

  assert_equal "$(fleet_addr greece)" 10.77.0.17
  fleet_ssh_authorize greece root "$(fleet_ssh_keygen australia root)"
  # shellcheck disable=SC2086
  run fleet_exec australia ssh ${SSH_OPTS} greece hostname
  assert_success
  assert_output greece

  t3="$(now)"
  run fleet_down
  assert_success
  local t4
  t4="$(now)"
  assert_fleet_gone "${state}" "${hosts[@]}"

  echo "# 7 hosts: fleet_up $(elapsed "${t0}" "${t1}") s, sshd" \
    "$(elapsed "${t1}" "${t2}") s, fleet_down $(elapsed "${t3}" "${t4}") s" >&3
  (($(awk -v a="${t0}" -v b="${t2}" 'BEGIN { print (b - a < 20) }')))
}

@test "a fleet_up that fails half-way leaves nothing behind" {
  fleet_down # the default fleet holds kfl-br
  local state="${BATS_FILE_TMPDIR}/fleet-partial"
  # Runs in its own bash so that the sabotage below stays there: building the
  # second host fails after the first one is fully built.
  cat >"${BATS_TEST_TMPDIR}/partial.sh" <<'EOF'
source "$1"
export FLEET_STATE="$2"
eval "$(declare -f _fleet_prepare_files | sed '1s/.*/_orig_prepare() /')"
_fleet_prepare_files() { [[ "$1" != yankee ]] && _orig_prepare "$@"; }
FLEET_KEEP_ON_FAILURE=1 fleet_up xray yankee zulu && exit 10
[[ -e /run/netns/kfl-xray ]] || exit 11 # partial state was kept...
fleet_down || exit 12                   # ...and fleet_down removes it
fleet_up xray yankee && exit 13         # by default fleet_up cleans up itself
exit 0
EOF
  run bash "${BATS_TEST_TMPDIR}/partial.sh" \
    "${BATS_TEST_DIRNAME}/lib/fleet.bash" "${state}"
  assert_success
  assert_output --partial "yankee: preparing files failed"
  assert_fleet_gone "${state}" xray yankee zulu
}

@test "fleet_down in an EXIT trap cleans up after a failing script" {
  fleet_down # the default fleet holds kfl-br
  local state="${BATS_FILE_TMPDIR}/fleet-trap"
  cat >"${BATS_TEST_TMPDIR}/trap.sh" <<'EOF'
source "$1"
export FLEET_STATE="$2"
trap fleet_down EXIT
fleet_up xray yankee || exit 10
fleet_sshd_start xray || exit 11
fleet_spawn yankee sleep 1002 >/dev/null || exit 12
exit 3
EOF
  run bash "${BATS_TEST_TMPDIR}/trap.sh" \
    "${BATS_TEST_DIRNAME}/lib/fleet.bash" "${state}"
  assert_failure 3
  assert_fleet_gone "${state}" xray yankee
  run pgrep -f 'sleep 1002$'
  assert_failure
}

@test "fleet_up cleans up what a killed run left in the same state dir" {
  fleet_down # the default fleet holds kfl-br
  local state="${BATS_FILE_TMPDIR}/fleet-crash"
  cat >"${BATS_TEST_TMPDIR}/crash.sh" <<'EOF'
source "$1"
export FLEET_STATE="$2"
fleet_up xray yankee || exit 10
fleet_sshd_start xray || exit 11
kill -KILL "$$" # no trap, no teardown
EOF
  run bash "${BATS_TEST_TMPDIR}/crash.sh" \
    "${BATS_TEST_DIRNAME}/lib/fleet.bash" "${state}"
  assert_failure 137
  [[ -e /run/netns/kfl-xray ]]

  # Only for this test (each bats test is a process of its own).
  export FLEET_STATE="${state}"
  fleet_up xray
  run fleet_exec xray hostname
  assert_output xray
  run fleet_down
  assert_success
  assert_fleet_gone "${state}" xray yankee
}
