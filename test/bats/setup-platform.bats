#!/usr/bin/env bats
# The platform checks of the generated setup (wf-fleet.yaml: alpha plans America/Toronto,
# bravo UTC), function by function. What runs for real here (Debian 12): os-release,
# rrsync and python3, Debian's cron, the zone files. What cannot (Fedora's cronie, SELinux)
# is tested by its decision and the commands it issues: stub commands first in PATH
# (crond -V, getenforce, semanage, restorecon) record what setup runs. check_platform runs
# in a private mount namespace (helpers/host-sandbox.bash) with a substituted os-release
# and a hidden rrsync; the functions are read from the generated script without its
# `main "$@"` line, so nothing of setup's changes runs here. (A whole refused setup run,
# changing nothing: setup.bats.)
load common
load helpers/host-sandbox
bats_require_minimum_version 1.5.0

setup_file() {
  sandbox_generate_wf_fleet
}

setup() {
  STUBS="$BATS_TEST_TMPDIR/bin"
  CALLS="$BATS_TEST_TMPDIR/calls"
  mkdir -p -- "$STUBS"
  : >"$CALLS"
}

# Runs FUNCTION ARGS... of HOST's generated setup, with STUBS first in PATH and no log file:
# setup_function HOST FUNCTION ARGS...
setup_function() {
  local host=$1
  shift
  PATH="$STUBS:$PATH" bash -c 'source <(sed "\$d" "$0"); LOG_FILE=""; "$@"' \
    "$BATS_FILE_TMPDIR/dist/$host/setup" "$@"
}

# Writes the stub command NAME, which records "NAME ARGS" in CALLS and then runs BODY:
# stub NAME BODY
stub() {
  printf '#!/bin/bash\nprintf "%%s\\n" "%s $*" >>%q\n%s\n' "$1" "$CALLS" "$2" >"$STUBS/$1"
  chmod 0755 "$STUBS/$1"
}

# Writes an os-release with ID (and ID_LIKE) to FILE: os_release FILE ID [ID_LIKE]
os_release() {
  printf 'NAME=test\nID=%s\n' "$2" >"$1"
  [[ -z "${3:-}" ]] || printf 'ID_LIKE="%s"\n' "$3" >>"$1"
}

@test "os_family tells Fedora and its kin from Debian and Ubuntu, and reads this host's os-release" {
  local file="$BATS_TEST_TMPDIR/os-release"
  os_release "$file" fedora
  run setup_function bravo os_family "$file"
  assert_output fedora
  os_release "$file" rocky 'rhel centos fedora'
  run setup_function bravo os_family "$file"
  assert_output fedora
  os_release "$file" ubuntu debian
  run setup_function bravo os_family "$file"
  assert_output debian
  os_release "$file" arch
  run setup_function bravo os_family "$file"
  assert_output other
  run setup_function bravo os_family /etc/os-release
  assert_output debian
}

@test "the install hints name each distribution's package" {
  run setup_function bravo install_hint fedora rrsync
  assert_output 'dnf install rsync-rrsync'
  run setup_function bravo install_hint debian rrsync
  assert_output 'apt-get install rsync (Debian 12, Ubuntu 22.04 or later)'
  run setup_function bravo install_hint fedora sendmail
  assert_output 'dnf install postfix && systemctl enable --now postfix'
  run setup_function bravo install_hint fedora semanage
  assert_output 'dnf install policycoreutils-python-utils'
}

@test "cron_implementation finds cronie by crond -V, and Debian's cron here" {
  run setup_function bravo cron_implementation
  assert_output vixie
  stub crond 'echo "cronie 1.6.1"'
  run setup_function bravo cron_implementation
  assert_output cronie
  assert_equal "$(cat "$CALLS")" 'crond -V'
}

@test "system_time_zone follows /etc/localtime, then /etc/timezone, and calls every UTC alias UTC" {
  local dir="$BATS_TEST_TMPDIR/zone"
  mkdir -p "$dir"
  ln -s /usr/share/zoneinfo/America/Toronto "$dir/localtime"
  run setup_function bravo system_time_zone "$dir/localtime" "$dir/timezone"
  assert_output America/Toronto
  ln -sfn /usr/share/zoneinfo/Etc/UTC "$dir/localtime"
  run setup_function bravo system_time_zone "$dir/localtime" "$dir/timezone"
  assert_output UTC
  rm "$dir/localtime"
  echo Europe/Dublin >"$dir/timezone"
  run setup_function bravo system_time_zone "$dir/localtime" "$dir/timezone"
  assert_output Europe/Dublin
  run setup_function bravo system_time_zone /etc/localtime /etc/timezone
  assert_output UTC
}

@test "cron_zone_problem accepts cronie or a matching system zone, and otherwise says what to do" {
  run setup_function alpha cron_zone_problem fedora cronie UTC America/Toronto
  assert_output ''
  run setup_function alpha cron_zone_problem debian vixie America/Toronto America/Toronto
  assert_output ''
  run setup_function alpha cron_zone_problem debian vixie UTC Etc/UTC
  assert_output ''
  run setup_function alpha cron_zone_problem debian vixie UTC America/Toronto
  assert_output --partial 'this cron ignores CRON_TZ, and the system zone is UTC,'
  assert_output --partial '(timedatectl set-timezone America/Toronto) or install cronie'
  run setup_function alpha cron_zone_problem fedora none UTC UTC
  assert_output 'no cron daemon here: install one (dnf install cronie && systemctl enable --now crond)'
}

@test "with SELinux enforcing, setup adds the ssh_home_t rule and relabels the homes, once" {
  stub getenforce 'echo Enforcing'
  # semanage lists the rules recorded so far; restorecon -n names a file until relabelled.
  stub semanage 'if [[ "$1 $2" == "fcontext -l" ]]; then grep "^semanage fcontext -a" '"$CALLS"' || true; fi'
  stub restorecon 'if [[ "$*" == *-n* ]] && ! grep -q "^restorecon -R -- " '"$CALLS"'; then echo "Would relabel /var/lib/kindling/home/kb-bravo/.ssh/authorized_keys"; fi'
  run setup_function bravo ensure_selinux_labels
  assert_success
  assert_output "$(printf '%s\n' "add the SELinux rule ssh_home_t for /var/lib/kindling/home(/.*)?" \
    'relabel /var/lib/kindling/home for sshd (restorecon)')"
  run grep -v -e '-l -C' -e ' -n -v ' "$CALLS"
  assert_output "$(printf '%s\n' 'getenforce ' \
    'semanage fcontext -a -t ssh_home_t /var/lib/kindling/home(/.*)?' \
    'restorecon -R -- /var/lib/kindling/home')"
  # A second run finds the rule and the labels in place: nothing issued, nothing said.
  run setup_function bravo ensure_selinux_labels
  assert_output ''
  run grep -c -e 'fcontext -a' -e '^restorecon -R -- ' "$CALLS"
  assert_output 2
}

@test "with SELinux permissive or absent, setup issues no SELinux command" {
  stub getenforce 'echo Permissive'
  stub semanage ''
  stub restorecon ''
  run setup_function bravo ensure_selinux_labels
  assert_success
  assert_output ''
  assert_equal "$(cat "$CALLS")" 'getenforce '
  rm "$STUBS/getenforce"
  : >"$CALLS"
  run setup_function bravo ensure_selinux_labels
  assert_output ''
  assert_equal "$(cat "$CALLS")" ''
}

# Runs bravo's check_platform in a sandbox (its /archive is a mount there):
# sandbox_check_platform
sandbox_check_platform() {
  SANDBOX_PATH_PREFIX="$STUBS" sandbox_run "$ROOT" \
    bash -c 'source <(sed "\$d" /usr/local/bin/setup); check_platform; printf "passed; notes: %s\n" "${NOTES[*]}"'
}

@test "check_platform passes on this Debian host for a UTC host, noting a missing sendmail" {
  ROOT="$BATS_TEST_TMPDIR/root"
  sandbox_init "$ROOT"
  sandbox_install "$ROOT" "$BATS_FILE_TMPDIR/dist/bravo/setup"
  run --separate-stderr sandbox_check_platform
  assert_success
  if command -v sendmail >/dev/null; then
    assert_output 'passed; notes: '
  else
    assert_output 'passed; notes: no sendmail here: failure mail goes nowhere; install apt-get install postfix (or exim4-daemon-light)'
  fi
  stub sendmail ''
  run --separate-stderr sandbox_check_platform
  assert_output 'passed; notes: '
}

@test "check_platform refuses (2) without rrsync, naming the Fedora or Debian package, and every other problem at once" {
  ROOT="$BATS_TEST_TMPDIR/root"
  sandbox_init "$ROOT"
  sandbox_install "$ROOT" "$BATS_FILE_TMPDIR/dist/bravo/setup"
  SANDBOX_HIDE=(/usr/bin/rrsync)
  run --separate-stderr sandbox_check_platform
  assert_failure 2
  assert_output ''
  assert_equal "$stderr" "$(printf '%s\n' 'setup: /usr/bin/rrsync is missing (every transfer needs it):' \
    '  apt-get install rsync (Debian 12, Ubuntu 22.04 or later)' 'setup: 1 problem(s); nothing was changed')"
  os_release "$BATS_TEST_TMPDIR/fedora-release" fedora
  SANDBOX_BINDS=("$BATS_TEST_TMPDIR/fedora-release:/etc/os-release")
  stub getenforce 'echo Enforcing'
  run --separate-stderr sandbox_check_platform
  assert_failure 2
  [[ "$stderr" == *'  dnf install rsync-rrsync'* ]]
  [[ "$stderr" == *'SELinux is enforcing and semanage is missing'*'dnf install policycoreutils-python-utils'* ]]
  [[ "$stderr" == *'setup: 2 problem(s); nothing was changed' ]]
}

@test "check_platform refuses alpha (America/Toronto) under Debian's cron in UTC, and accepts it under cronie" {
  ROOT="$BATS_TEST_TMPDIR/root"
  sandbox_init "$ROOT"
  sandbox_install "$ROOT" "$BATS_FILE_TMPDIR/dist/alpha/setup"
  run --separate-stderr sandbox_check_platform
  assert_failure 2
  [[ "$stderr" == *'this cron ignores CRON_TZ, and the system zone is UTC,'*'not America/Toronto'* ]]
  [[ "$stderr" == *'(timedatectl set-timezone America/Toronto) or install cronie'* ]]
  stub crond 'echo "cronie 1.6.1"'
  stub sendmail ''
  run --separate-stderr sandbox_check_platform
  assert_success
  assert_output 'passed; notes: '
}

@test "check_platform refuses when /archive is not mounted and its device is absent" {
  ROOT="$BATS_TEST_TMPDIR/root"
  sandbox_init "$ROOT"
  sandbox_install "$ROOT" "$BATS_FILE_TMPDIR/dist/bravo/setup"
  # /archive stays a folder of the root file system: bind ROOT/archive onto nothing else.
  run --separate-stderr env SANDBOX_PATH_PREFIX="$STUBS" bash -c '
    source "$0"
    SANDBOX_HOST_PATHS=(/var/log /etc/sysconfig /usr/local/bin /var/lib/kindling /run/lock /run/kindling)
    sandbox_run "$1" bash -c "umount -l /archive 2>/dev/null; source <(sed \"\\\$d\" /usr/local/bin/setup); check_platform"
  ' "$REPO_ROOT/test/bats/helpers/host-sandbox.bash" "$ROOT"
  assert_failure 2
  [[ "$stderr" == *'/archive is not mounted and its device /dev/mapper/bravo-archive is not attached:'* ]]
  [[ "$stderr" == *'setup creates'*'no folder under /archive on the root file system'* ]]
}
