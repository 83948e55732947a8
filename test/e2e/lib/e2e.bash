#!/usr/bin/env bash
#
# e2e.bash - a whole fleet of an inventory through real nights, on one machine (issue 5).
# Built on fleet.bash (one simulated host per inventory host: own network, mount and UTS
# namespaces, copy-on-write root, real sshd). Source it from a .bats file, after bats-assert.
#
#   e2e_prepare_fleet INVENTORY   the administrator's first day, for real:
#       1. a test copy of INVENTORY (test-inventory.js --fast-retries), generated into dist0;
#       2. every host up with sshd (and so with its ssh host key); no host key is installed
#          anywhere by the test: the generated known_hosts carry them;
#       3. each host gets what it would already have: its extra source folders, the
#          repository, a PostgreSQL cluster with data, a sendmail that records mail;
#       4. setup of dist0/<host>/ on every host (as root, from a copy on the host): users,
#          key, folders, scripts, crontab; it prints the host's kindling key and ssh host key;
#       5. the printed lines go into the inventory (hosts.<host>.sshPublicKey, sshHostKey),
#          generated into dist;
#       6. dist is served on the admin host at fleet.distServeDir, and every host runs the
#          new setup, which writes the restricted authorized_keys and the known_hosts of the
#          peers it connects to (README: Starting a new fleet).
#       E2E_SPARE_HOSTS names machines brought up and provisioned beside the fleet but
#       left out of its inventory (a host that joins later, test/e2e/add-host.bats).
#   e2e_night NAME [--except HOST...]
#       every entry of every host's dist/<host>/crontab (its exact command line, run by
#       /bin/sh -c in cron's environment), in the order of the schedule in UTC.
#   e2e_shift_calendar   every dated copy on every host one day older: the next night is
#       a new day (the fleet runs its nights minutes apart).
# Facts about the fleet (targets, kinds...) come from fleet-facts.js and are loaded into
# E2E_* variables by e2e_load_facts (call it from setup(): bats runs each test in a new
# process). Work files live in E2E_WORK (BATS_FILE_TMPDIR).
#
# Assertion counting: e2e_count_assertions wraps the bats-assert functions so each call
# adds one to E2E_ASSERTIONS; e2e_scenario_done NAME prints "# scenario NAME: N assertions".

[[ -n "${_E2E_LIB_LOADED:-}" ]] && return 0
_E2E_LIB_LOADED=1

E2E_LIB="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
readonly E2E_LIB
# shellcheck source=fleet.bash
source "${E2E_LIB}/fleet.bash"

# The environment cron gives a job (cronie and Debian's cron): the crontab's own variable
# lines are added to it by e2e_night.
readonly -a E2E_CRON_ENV=(SHELL=/bin/sh HOME=/root LOGNAME=root USER=root PATH=/usr/bin:/bin)
# Where each host's setup copy of dist/<host>/ goes (the administrator's scp target).
readonly E2E_SETUP_COPY=/root/kindling-setup
# Rows of the database table on each DBHOST.
readonly E2E_DB_ROWS=5000
# The bats-assert functions that count as one assertion each.
readonly -a E2E_ASSERT_FUNCTIONS=(
  assert refute assert_equal assert_not_equal assert_success assert_failure
  assert_output refute_output assert_line refute_line assert_regex refute_regex
)

E2E_ASSERTIONS=0

#######################################
# Makes every bats-assert function count its calls in E2E_ASSERTIONS, by adding one
# statement at the top of its own body: a wrapper would change FUNCNAME[1], which
# assert_output and friends check. Idempotent.
#######################################
e2e_count_assertions() {
  local name body
  for name in "${E2E_ASSERT_FUNCTIONS[@]}"; do
    body=$(declare -f "${name}") || continue
    [[ "${body}" != *E2E_ASSERTIONS* ]] || continue
    # shellcheck disable=SC2016 # the statement is inserted as text, to run in the function
    eval "$(sed '0,/^{ *$/s//{ E2E_ASSERTIONS=$((E2E_ASSERTIONS + 1));/' <<<"${body}")"
  done
}

#######################################
# Starts a test (call it from setup()): loads the facts, zeroes the assertion count.
#######################################
e2e_begin_scenario() {
  e2e_load_facts
  E2E_SCENARIO_START=${SECONDS}
  E2E_ASSERTIONS=0
}

#######################################
# Prints the scenario's summary line to the TAP stream.
# Arguments:
#   Scenario name.
#######################################
e2e_scenario_done() {
  echo "# scenario $1: ${E2E_ASSERTIONS} assertions, $((SECONDS - ${E2E_SCENARIO_START:-0})) s" >&3
}

#######################################
# Prints a timestamped progress line to the TAP stream.
#######################################
e2e_note() {
  echo "# $(date +%T) $*" >&3
}

#######################################
# Loads the facts of E2E_WORK/facts into E2E_HOSTS, E2E_TARGETS[h], E2E_KINDS[h],
# E2E_SOURCES[h], E2E_DATABASES[h], E2E_REPOSITORY[h], E2E_COPYREPO, E2E_ADMIN,
# E2E_AGGREGATOR, E2E_SERVE_DIR, E2E_MAIL_ALIAS, E2E_MAIL_ADDRESS.
#######################################
e2e_load_facts() {
  declare -g -a E2E_HOSTS=() E2E_COPYREPO=()
  declare -g -A E2E_TARGETS=() E2E_KINDS=() E2E_SOURCES=() E2E_DATABASES=() E2E_REPOSITORY=()
  declare -g E2E_ADMIN='' E2E_AGGREGATOR='' E2E_SERVE_DIR='' E2E_MAIL_ALIAS='' E2E_MAIL_ADDRESS=''
  local fact name rest
  while read -r fact name rest; do
    case ${fact} in
      host) E2E_HOSTS+=("${name}") ;;
      targets) E2E_TARGETS[${name}]=${rest} ;;
      kinds) E2E_KINDS[${name}]=${rest} ;;
      source) E2E_SOURCES[${name}]="${E2E_SOURCES[${name}]:-}${E2E_SOURCES[${name}]:+ }${rest}" ;;
      database) E2E_DATABASES[${name}]=${rest} ;;
      repository) E2E_REPOSITORY[${name}]=${rest} ;;
      copyrepo) E2E_COPYREPO+=("${name}") ;;
      role)
        [[ "${name}" != ADMHOST ]] || E2E_ADMIN=${rest}
        [[ "${name}" != AGGREGHOST ]] || E2E_AGGREGATOR=${rest}
        ;;
      distServeDir) E2E_SERVE_DIR=${name} ;;
      mail)
        E2E_MAIL_ALIAS=${name}
        E2E_MAIL_ADDRESS=${rest}
        ;;
    esac
  done <"${E2E_WORK}/facts"
}

#######################################
# Generates INVENTORY into DIR (fresh), signed with E2E_SIGN_KEY when it is set. Fails
# with kindling's messages on stderr.
# Arguments:
#   Inventory file, output dir.
#######################################
e2e_generate() {
  rm -rf -- "$2"
  local out
  if ! out=$(node "${REPO_ROOT}/build/cli.js" generate -i "$1" -o "$2" 2>&1); then
    echo "kindling generate -i $1 failed: ${out}" >&2
    return 1
  fi
  # A signed fleet's reviewer signs every set before it is published (README).
  [[ -n "${E2E_SIGN_KEY:-}" ]] || return 0
  if ! out=$(node "${REPO_ROOT}/build/cli.js" sign -i "$1" --key "${E2E_SIGN_KEY}" -o "$2" 2>&1); then
    echo "kindling sign -o $2 failed: ${out}" >&2
    return 1
  fi
}

#######################################
# Copies a local folder into a host (replacing DEST) through tar, as root.
# Arguments:
#   Host, source dir, destination dir inside the host.
#######################################
e2e_copy_in() {
  # shellcheck disable=SC2016 # $1 is expanded by the bash inside the host
  tar -C "$2" -cf - . | fleet_exec "$1" bash -c \
    'rm -rf -- "$1" && mkdir -p -- "$1" && tar -C "$1" --no-same-owner -xf -' _ "$3"
}

#######################################
# Serves a generated dist on the admin host at fleet.distServeDir (the admin's rsync).
# Arguments:
#   Dist dir.
#######################################
e2e_serve_dist() {
  e2e_copy_in "${E2E_ADMIN}" "$1" "${E2E_SERVE_DIR}"
}

#######################################
# Runs in-host.sh inside a host.
# Arguments:
#   Host, in-host command, arguments.
#######################################
e2e_in_host() {
  local host=$1
  shift
  fleet_exec "${host}" bash "${E2E_LIB}/in-host.sh" "$@"
}

#######################################
# Gives a host what it has before kindling: the sendmail recorder, its extra source
# folders, its repository, and for a DBHOST a running PostgreSQL with its databases.
# Arguments:
#   Host.
#######################################
e2e_provision_host() {
  local host=$1 path db bindir pid
  # A server's /usr/local/bin holds its own scripts, not this machine's tools (the host's
  # root is a copy of this machine's): an empty one, which setup fills.
  fleet_exec "${host}" mount -t tmpfs -o mode=0755,size=64m kfl-usr-local-bin /usr/local/bin || return 1
  # ssh's default key exchange (sntrup761x25519, post-quantum) costs ~0.3 s of CPU per
  # connection here, and a host makes about seven a night: the classic curve25519 halves
  # the time of a fleet's night. Only the key exchange changes; keys, host key checking
  # and the scripts' options stay as generated.
  fleet_exec "${host}" bash -c 'mkdir -p /etc/ssh/ssh_config.d &&
    echo "KexAlgorithms curve25519-sha256" >/etc/ssh/ssh_config.d/kfl-e2e.conf' || return 1
  fleet_exec "${host}" rm -f /usr/sbin/sendmail || return 1
  fleet_put "${host}" "${E2E_LIB}/sendmail-recorder" /usr/sbin/sendmail 0755 || return 1
  for path in ${E2E_SOURCES[${host}]:-}; do
    e2e_in_host "${host}" fill-folder "${path}" 4 || return 1
  done
  if [[ -n "${E2E_REPOSITORY[${host}]:-}" ]]; then
    e2e_in_host "${host}" fill-folder "${E2E_REPOSITORY[${host}]}" 12 || return 1
    # A file system of its own (a bind mount here) that an admin marked once, as wildfire
    # and the drives require before they copy it.
    fleet_exec "${host}" touch "${E2E_REPOSITORY[${host}]%/}/.kindling-repository" || return 1
    fleet_exec "${host}" mount --bind "${E2E_REPOSITORY[${host}]}" "${E2E_REPOSITORY[${host}]}" \
      || return 1
  fi
  [[ -n "${E2E_DATABASES[${host}]:-}" ]] || return 0
  e2e_in_host "${host}" pg-init /var/lib/postgresql-e2e/data || return 1
  bindir=$(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
  # setpriv execs the server, so the recorded pid is the postmaster's own.
  pid=$(fleet_spawn "${host}" setpriv --reuid=postgres --regid=postgres --init-groups -- \
    "${bindir}/postgres" -D /var/lib/postgresql-e2e/data -c listen_addresses= \
    -c unix_socket_directories=/run/postgresql -c port=5432 -c fsync=off) || return 1
  echo "${pid}" >"${E2E_WORK}/postgres-${host}.pid"
  e2e_in_host "${host}" pg-wait 30 || return 1
  for db in ${E2E_DATABASES[${host}]}; do
    e2e_in_host "${host}" pg-load "${db}" "${E2E_DB_ROWS}" || return 1
  done
}

#######################################
# Copies DIST/<host>/ into the host and runs its setup there as root; output and status
# go to E2E_WORK/setup/ROUND/HOST.{out,status}.
# Arguments:
#   Round name, dist dir, host.
#######################################
_e2e_setup_host() {
  local round=$1 dist=$2 host=$3 status=0
  e2e_copy_in "${host}" "${dist}/${host}" "${E2E_SETUP_COPY}" &&
    fleet_exec "${host}" "${E2E_SETUP_COPY}/setup" \
      >"${E2E_WORK}/setup/${round}/${host}.out" 2>&1 || status=$?
  echo "${status}" >"${E2E_WORK}/setup/${round}/${host}.status"
}

#######################################
# Runs setup on hosts (see _e2e_setup_host), E2E_SETUP_JOBS (default 3) at a time: setup
# on one host does not depend on another's. Never fails (tests assert the statuses).
# Arguments:
#   Round name, dist dir, hosts.
#######################################
e2e_setup_round() {
  local round=$1 dist=$2 host
  shift 2
  local -a running=()
  mkdir -p "${E2E_WORK}/setup/${round}"
  for host in "$@"; do
    _e2e_setup_host "${round}" "${dist}" "${host}" 3>&- &
    running+=("$!")
    if ((${#running[@]} >= ${E2E_SETUP_JOBS:-3})); then
      wait "${running[0]}" || true
      running=("${running[@]:1}")
    fi
  done
  for host in "${running[@]}"; do wait "${host}" || true; done
}

#######################################
# Writes E2E_WORK/keys/HOST.{pub,hostkey}: the two lines setup printed on each host in
# ROUND for the inventory (hosts.HOST.sshPublicKey and sshHostKey), as an administrator
# copies them; nothing is read from the hosts directly.
# Arguments:
#   Round name, optional hosts (default every host).
#######################################
e2e_collect_keys() {
  local round=$1 host out
  shift
  ((${#} > 0)) || set -- "${E2E_HOSTS[@]}"
  mkdir -p "${E2E_WORK}/keys" || return 1
  for host in "$@"; do
    out="${E2E_WORK}/setup/${round}/${host}.out"
    setup_printed_value "${out}" "${host}" sshPublicKey >"${E2E_WORK}/keys/${host}.pub" \
      && setup_printed_value "${out}" "${host}" sshHostKey >"${E2E_WORK}/keys/${host}.hostkey" || {
      echo "${host}: setup printed no keys: $(cat "${out}")" >&2
      return 1
    }
  done
}

#######################################
# The administrator's first day (see the header). Writes E2E_WORK/facts, dist0, dist,
# inventory.yaml, keys/, setup/first and setup/second.
# Arguments:
#   Inventory file.
#######################################
e2e_prepare_fleet() {
  local source_inventory=$1 host
  mkdir -p "${E2E_WORK}/keys" || return 1
  node "${E2E_LIB}/fleet-facts.js" "${source_inventory}" >"${E2E_WORK}/facts" || return 1
  e2e_load_facts
  node "${E2E_LIB}/test-inventory.js" "${source_inventory}" "${E2E_WORK}/inventory-first.yaml" \
    --fast-retries || return 1
  e2e_generate "${E2E_WORK}/inventory-first.yaml" "${E2E_WORK}/dist0" || return 1

  # E2E_SPARE_HOSTS (space-separated): machines that run beside the fleet but are not in
  # its inventory yet (README "Adding a host"): up, with sshd and a host key, provisioned.
  local -a spare=()
  read -r -a spare <<<"${E2E_SPARE_HOSTS:-}"
  fleet_up "${E2E_HOSTS[@]}" "${spare[@]}" || return 1
  fleet_sshd_start "${E2E_HOSTS[@]}" "${spare[@]}" || return 1
  e2e_note "fleet of ${#E2E_HOSTS[@]} hosts (and ${#spare[@]} spare) up with sshd"
  for host in "${E2E_HOSTS[@]}" "${spare[@]}"; do
    e2e_provision_host "${host}" || {
      echo "provisioning ${host} failed" >&2
      return 1
    }
  done

  e2e_note "hosts provisioned"
  e2e_setup_round first "${E2E_WORK}/dist0" "${E2E_HOSTS[@]}"
  e2e_note "first setup done"
  e2e_collect_keys first || return 1
  node "${E2E_LIB}/test-inventory.js" "${source_inventory}" "${E2E_WORK}/inventory.yaml" \
    --fast-retries --keys "${E2E_WORK}/keys" || return 1
  e2e_generate "${E2E_WORK}/inventory.yaml" "${E2E_WORK}/dist" || return 1
  e2e_serve_dist "${E2E_WORK}/dist" || return 1
  # The admin and the aggregator first: the others' setup fetches from the one and
  # reports to the other.
  local -a first=("${E2E_ADMIN}")
  [[ "${E2E_AGGREGATOR}" == "${E2E_ADMIN}" ]] || first+=("${E2E_AGGREGATOR}")
  e2e_hosts_but "${first[@]}"
  e2e_setup_round second "${E2E_WORK}/dist" "${first[@]}"
  e2e_setup_round second "${E2E_WORK}/dist" "${E2E_OTHERS[@]}"
  e2e_note "second setup done"
}

#######################################
# The setup_file of an e2e .bats file: checks the runner, then e2e_prepare_fleet into
# E2E_WORK (the file's BATS_FILE_TMPDIR).
# Arguments:
#   Inventory file.
#######################################
e2e_setup_file() {
  if [[ "${EUID}" -ne 0 ]]; then
    echo "the e2e tests must run as root (namespaces, sshd, PostgreSQL)" >&2
    return 1
  fi
  if [[ ! -f "${REPO_ROOT}/build/cli.js" ]]; then
    echo "build/cli.js is missing: run npm run -s build first" >&2
    return 1
  fi
  export E2E_WORK="${BATS_FILE_TMPDIR}"
  local start=${SECONDS}
  e2e_prepare_fleet "$1" || return 1
  echo "# fleet of ${#E2E_HOSTS[@]} hosts up and set up in $((SECONDS - start)) s" >&3
}

#######################################
# Prints every crontab entry of the hosts' DIST/<host>/crontab kindling block, sorted by
# the time it fires in UTC today, as "MINUTE<TAB>HOST<TAB>VARIABLES<TAB>COMMAND" (MINUTE
# of the UTC day; VARIABLES the block's NAME=VALUE lines, space-separated). Fails on a
# line that is neither a daily "M H * * * COMMAND" nor a recurring "*/N * * * * COMMAND"
# (the kinds kindling writes); recurring entries are left to e2e_recurring.
# Arguments:
#   Dist dir, hosts.
#######################################
e2e_schedule() {
  _e2e_crontab_entries daily "$@"
}

#######################################
# Prints every recurring crontab entry ("*/N * * * * COMMAND": the aggregator's merge of the
# spooled reports) of the hosts' kindling blocks as "HOST<TAB>VARIABLES<TAB>COMMAND".
# Arguments:
#   Dist dir, hosts.
#######################################
e2e_recurring() {
  _e2e_crontab_entries recurring "$@"
}

#######################################
# The daily (sorted by UTC minute) or the recurring entries of the hosts' kindling blocks.
# Arguments:
#   daily or recurring, dist dir, hosts.
#######################################
_e2e_crontab_entries() {
  local kind=$1 dist=$2 host line in_block tz m h dom mon dow command utc today
  shift 2
  today=$(date -u +%F)
  for host in "$@"; do
    local -a vars=()
    in_block=0
    tz=UTC
    while IFS= read -r line; do
      case ${line} in
        '# BEGIN kindling'*) in_block=1 && continue ;;
        '# END kindling'*) in_block=0 && continue ;;
      esac
      ((in_block)) || continue
      [[ ! "${line}" =~ ^[[:space:]]*(#|$) ]] || continue
      if [[ "${line}" =~ ^([A-Za-z_][A-Za-z0-9_]*)=([^[:space:]]*)$ ]]; then
        vars+=("${line}")
        [[ "${BASH_REMATCH[1]}" != CRON_TZ ]] || tz=${BASH_REMATCH[2]}
        continue
      fi
      read -r m h dom mon dow command <<<"${line}"
      if [[ "${m}" =~ ^\*/[0-9]+$ && "${h}${dom}${mon}${dow}" == '****' && "${command}" != *%* ]]; then
        [[ "${kind}" != recurring ]] || printf '%s\t%s\t%s\n' "${host}" "${vars[*]}" "${command}"
        continue
      fi
      if [[ ! "${m}" =~ ^[0-9]+$ || ! "${h}" =~ ^[0-9]+$ || "${dom}${mon}${dow}" != '***' ||
        "${command}" == *%* ]]; then
        echo "e2e_schedule: ${host}: not a daily entry without %: ${line}" >&2
        return 1
      fi
      [[ "${kind}" == daily ]] || continue
      utc=$(TZ=UTC date -d "TZ=\"${tz}\" ${today} ${h}:${m}" '+%H %M') || return 1
      read -r h m <<<"${utc}"
      printf '%d\t%s\t%s\t%s\n' $((10#${h} * 60 + 10#${m})) "${host}" "${vars[*]}" "${command}"
    done <"${dist}/${host}/crontab"
  done | if [[ "${kind}" == daily ]]; then sort -t $'\t' -k1,1n -k2,2; else cat; fi
}

#######################################
# Prints the key of a crontab command: "night" for the one that runs blaze, else the name
# of the program it runs (kindling-deadman).
# Arguments:
#   Command line.
#######################################
e2e_entry_key() {
  local first
  if [[ "$1" == *bin/blaze* ]]; then
    echo night
  else
    read -r first _ <<<"$1"
    echo "${first##*/}"
  fi
}

#######################################
# Prints the copy date (Mon-DD-YYYY, as blaze names copies) a host sees now.
# Arguments:
#   Host.
#######################################
e2e_host_date() {
  fleet_exec "$1" env LC_ALL=C date +%b-%d-%Y
}

#######################################
# Starts the record of a night (or of any run of scripts): what the logs and mail
# spools hold now, so that e2e_night_log and e2e_night_mail show only what came after.
# Arguments:
#   Night name.
#######################################
e2e_mark_night() {
  mkdir -p "${E2E_WORK}/nights/$1" && _e2e_mark_logs "${E2E_WORK}/nights/$1"
}

#######################################
# Records the number of lines of a host's logs (and of the aggregated log) before a night,
# after merging the spooled reports, so that the night's own lines can be read later
# (e2e_night_log).
# Arguments:
#   Night dir.
#######################################
_e2e_mark_logs() {
  local dir=$1 host file
  # Reports that scripts run outside a night left in the aggregator's spool belong before the
  # mark: cron's merge would have appended them minutes after they were sent.
  e2e_run_recurring_once || true
  for host in "${E2E_HOSTS[@]}"; do
    for file in blaze-backup.log wildfire-sync.log blaze-wildfire.log; do
      local path
      path="$(fleet_dir "${host}")/var-log/${file}"
      if [[ -f "${path}" ]]; then wc -l <"${path}"; else echo 0; fi >"${dir}/mark.${host}.${file}"
    done
    find "$(fleet_dir "${host}")/var-mail/recorded" -name '*.eml' 2>/dev/null | sort >"${dir}/mail-before.${host}"
  done
}

#######################################
# Runs one night of the fleet: every crontab entry of E2E_WORK/dist, in UTC order, each as
# cron would (/bin/sh -c with cron's environment and the crontab's variables). For each
# entry E2E_WORK/nights/NAME/HOST.KEY.{out,status,date} hold its output, exit status and
# the copy date; hosts named with --except do not run (they are down).
# Arguments:
#   Night name, optional --except HOST...
#######################################
e2e_night() {
  local name=$1 minute host vars command key status before after
  shift
  local -A down=()
  if [[ "${1:-}" == --except ]]; then
    shift
    for host in "$@"; do down[${host}]=1; done
  fi
  local dir="${E2E_WORK}/nights/${name}"
  e2e_mark_night "${name}" || return 1
  # Every night of a test runs on one calendar day: the aggregator's count of report lines
  # per caller and night (root's merge, at most 8) starts afresh, as after midnight.
  if [[ -z "${down[${E2E_AGGREGATOR}]:-}" ]]; then
    fleet_exec "${E2E_AGGREGATOR}" rm -rf /var/lib/kindling/report-counts || return 1
  fi
  # Recurring entries (the merge of the reports, every few minutes) run after every entry,
  # as cron runs them many times a night.
  local -a recurring=()
  mapfile -t recurring < <(e2e_recurring "${E2E_WORK}/dist" "${E2E_HOSTS[@]}")
  local start=${SECONDS}
  while IFS=$'\t' read -r minute host vars command; do
    [[ -z "${down[${host}]:-}" ]] || continue
    key=$(e2e_entry_key "${command}")
    local -a env_vars=()
    read -r -a env_vars <<<"${vars}"
    before=$(e2e_host_date "${host}")
    status=0
    fleet_exec "${host}" env -i "${E2E_CRON_ENV[@]}" "${env_vars[@]}" /bin/sh -c "${command}" \
      </dev/null >"${dir}/${host}.${key}.out" 2>&1 || status=$?
    after=$(e2e_host_date "${host}")
    echo "${status}" >"${dir}/${host}.${key}.status"
    # Midnight between the two: the copies carry the date blaze logged when it started.
    if [[ "${before}" != "${after}" ]]; then
      before=$(e2e_night_log "${name}" "${host}" blaze-backup.log |
        sed -n 's/.* blaze\[[0-9]*\] INFO started: archives dated \([A-Z][a-z][a-z]-[0-9][0-9]-[0-9]*\).*/\1/p' | tail -n 1)
    fi
    echo "${before}" >"${dir}/${host}.${key}.date"
    echo "${minute} ${host} ${key} ${status}" >>"${dir}/order"
    _e2e_run_recurring down "${recurring[@]}"
  done < <(e2e_schedule "${E2E_WORK}/dist" "${E2E_HOSTS[@]}")
  e2e_note "night ${name}: $((SECONDS - start)) s"
}

#######################################
# Runs every host's recurring crontab entries once, as cron would within a few minutes (the
# aggregator's merge of the spooled reports), for a test that ran a script outside a night.
# Arguments:
#   None.
#######################################
e2e_run_recurring_once() {
  local -A none=()
  local -a recurring=()
  mapfile -t recurring < <(e2e_recurring "${E2E_WORK}/dist" "${E2E_HOSTS[@]}")
  _e2e_run_recurring none "${recurring[@]}"
}

#######################################
# Runs each recurring entry as cron would, on the hosts that are up; its output goes to
# E2E_WORK/recurring.out.
# Arguments:
#   Name of the caller's associative array of the hosts that are down, entries
#   ("HOST<TAB>VARIABLES<TAB>COMMAND").
#######################################
_e2e_run_recurring() {
  local -n _down=$1
  shift
  local entry host vars command
  for entry in "$@"; do
    IFS=$'\t' read -r host vars command <<<"${entry}"
    [[ -z "${_down[${host}]:-}" ]] || continue
    local -a env_vars=()
    read -r -a env_vars <<<"${vars}"
    fleet_exec "${host}" env -i "${E2E_CRON_ENV[@]}" "${env_vars[@]}" /bin/sh -c "${command}" \
      </dev/null >>"${E2E_WORK}/recurring.out" 2>&1 || true
  done
}

#######################################
# Prints the exit status of a host's crontab entry in a night ("none" if it did not run).
# Arguments:
#   Night name, host, optional entry key (default: night).
#######################################
e2e_night_status() {
  local file="${E2E_WORK}/nights/$1/$2.${3:-night}.status"
  if [[ -f "${file}" ]]; then cat "${file}"; else echo none; fi
}

#######################################
# Prints the copy date of a host's night.
# Arguments:
#   Night name, host.
#######################################
e2e_night_date() {
  cat "${E2E_WORK}/nights/$1/$2.night.date"
}

#######################################
# Prints the lines a log of a host gained during a night (blaze-backup.log,
# wildfire-sync.log, or blaze-wildfire.log on the aggregator).
# Arguments:
#   Night name, host, log file name.
#######################################
e2e_night_log() {
  local mark path
  mark=$(cat "${E2E_WORK}/nights/$1/mark.$2.$3")
  path="$(fleet_dir "$2")/var-log/$3"
  [[ -f "${path}" ]] || return 0
  tail -n "+$((mark + 1))" "${path}"
}

#######################################
# Prints the mails a host recorded during a night, each file's content, separated by a
# line "----".
# Arguments:
#   Night name, host.
#######################################
e2e_night_mail() {
  local file
  while read -r file; do
    cat "${file}"
    echo ----
  done < <(comm -13 "${E2E_WORK}/nights/$1/mail-before.$2" \
    <(find "$(fleet_dir "$2")/var-mail/recorded" -name '*.eml' 2>/dev/null | sort))
}

#######################################
# Makes every dated copy on every host one day older (in-host.sh shift-calendar).
#######################################
e2e_shift_calendar() {
  local host
  for host in "${E2E_HOSTS[@]}"; do
    e2e_in_host "${host}" shift-calendar || return 1
  done
}

#######################################
# Lists the files under a host's /archive with their sha256, "SHA PATH" (PATH relative
# to /archive), sorted by path. Read from outside the host (its state dir).
# Arguments:
#   Host.
#######################################
e2e_archive_index() {
  local root
  root="$(fleet_dir "$1")/archive"
  (cd "${root}" && find . -type f ! -path './lost+found/*' -printf '%P\0' | sort -z |
    xargs -0 -r sha256sum) | sed 's/  / /'
}

#######################################
# Writes the archive index of every host to E2E_WORK/index/HOST (see e2e_archive_index).
#######################################
e2e_index_all() {
  local host
  mkdir -p "${E2E_WORK}/index"
  for host in "${E2E_HOSTS[@]}"; do
    e2e_archive_index "${host}" >"${E2E_WORK}/index/${host}"
  done
}

#######################################
# Prints the index lines ("SHA PATH") of a host's copies of SENDER dated DATE (from the
# last e2e_index_all), sorted.
# Arguments:
#   Host whose index is read, sender, date.
#######################################
e2e_copy_lines() {
  awk -v p="blaze-backup/$2/$2-" -v d="-$3." \
    'index($2, p) == 1 && index(substr($2, length(p)), d) > 0' "${E2E_WORK}/index/$1"
}

#######################################
# Asserts each check a generator prints, one assert_equal per check. A generator runs
# outside bats' per-command DEBUG trap (_fleet_isolated, from fleet.bash), which makes
# bash ten times slower: checks over a fleet's hundreds of copies are computed there, as
# lines "LABEL<US>ACTUAL<US>EXPECTED" (US: the unit separator, \x1f).
# Arguments:
#   Generator function, its arguments.
#######################################
e2e_check() {
  local label actual expected
  local checks
  checks=$(_fleet_isolated "$@") || {
    echo "e2e_check: $1 failed" >&2
    return 1
  }
  while IFS=$'\x1f' read -r label actual expected; do
    assert_equal "${label}: ${actual}" "${label}: ${expected}"
  done <<<"${checks}"
}

#######################################
# Prints one check line (see e2e_check).
# Arguments:
#   Label, actual, expected.
#######################################
_e2e_check_line() {
  printf '%s\x1f%s\x1f%s\n' "$1" "$2" "$3"
}

#######################################
# Check generator: SENDER's copies of DATE, one per kind, in its own folder on SENDER
# and, the same bytes under the same names, on each TARGET (from the last e2e_index_all).
# Arguments:
#   Sender, date, targets.
#######################################
_e2e_copies_checks() {
  local sender=$1 date=$2 kind own target expected=''
  shift 2
  own=$(e2e_copy_lines "${sender}" "${sender}" "${date}" | paste -sd ' ')
  for kind in ${E2E_KINDS[${sender}]}; do expected+=" ${sender}-${kind}-${date}"; done
  _e2e_check_line "${sender}'s copies of ${date} on ${sender}" \
    "$(sed -E 's|[0-9a-f]{64} blaze-backup/[^/]+/([^ ]+-[A-Z][a-z]{2}-[0-9]{2}-[0-9]{4})\.[a-z0-9.]+|\1|g' <<<"${own}" | tr ' ' '\n' | sort | paste -sd ' ')" \
    "$(tr ' ' '\n' <<<"${expected# }" | sort | paste -sd ' ')"
  for target in "$@"; do
    _e2e_check_line "${sender}'s copies of ${date} on ${target}" \
      "$(e2e_copy_lines "${target}" "${sender}" "${date}" | paste -sd ' ')" "${own}"
  done
}

#######################################
# Asserts _e2e_copies_checks (one assertion, then one per target).
# Arguments:
#   Sender, date, targets.
#######################################
e2e_assert_copies() {
  e2e_check _e2e_copies_checks "$@"
}

#######################################
# Asserts that HOST has no copy of SENDER of DATE (from the last e2e_index_all).
# Arguments:
#   Host, sender, date.
#######################################
e2e_refute_copies() {
  assert_equal "$1 has $2's copies of $3: $(e2e_copy_lines "$1" "$2" "$3")" "$1 has $2's copies of $3: "
}

#######################################
# Check generator: no host outside SENDER and its targets holds a copy of SENDER, nor a
# folder for it (from the last e2e_index_all).
# Arguments:
#   Sender.
#######################################
_e2e_nowhere_else_checks() {
  local sender=$1 host
  local -a others=()
  for host in "${E2E_HOSTS[@]}"; do
    [[ "${host}" == "${sender}" || " ${E2E_TARGETS[${sender}]} " == *" ${host} "* ]] ||
      others+=("${host}")
  done
  ((${#others[@]} > 0)) || return 0
  _e2e_check_line "copies of ${sender} elsewhere" "$(cd "${E2E_WORK}/index" &&
    grep -E "(^| |/)${sender}-[a-z0-9-]+-[A-Z][a-z]{2}-[0-9]{2}-[0-9]{4}\." "${others[@]}" | paste -sd ' ')" ''
  _e2e_check_line "folders for ${sender} elsewhere" "$(for host in "${others[@]}"; do
    ls -d "$(fleet_dir "${host}")/archive/blaze-backup/${sender}" 2>/dev/null; done | paste -sd ' ')" ''
}

#######################################
# Check generator: the layout after a night (see e2e_assert_night_layout).
# Arguments:
#   Night name, "HOST>TARGET" pairs to leave out.
#######################################
_e2e_layout_checks() {
  local night=$1 host target
  shift
  local -n targets_of=${E2E_LAYOUT_TARGETS:-E2E_TARGETS}
  local skip=" $* "
  for host in "${E2E_HOSTS[@]}"; do
    [[ "$(e2e_night_status "${night}" "${host}")" != none ]] || continue
    local -a targets=()
    for target in ${targets_of[${host}]}; do
      [[ "${skip}" == *" ${host}>${target} "* ]] || targets+=("${target}")
    done
    _e2e_copies_checks "${host}" "$(e2e_night_date "${night}" "${host}")" "${targets[@]}"
    _e2e_nowhere_else_checks "${host}"
  done
}

#######################################
# Asserts the layout after a night: every host's copies of its night's date in its own
# folder and, the same bytes, on each of its LAN targets but the "HOST>TARGET" pairs
# given; and no copy of a host on any host outside it and its targets. The targets are
# E2E_TARGETS, or the associative array named by E2E_LAYOUT_TARGETS (the seed's table).
# Arguments:
#   Night name, pairs to leave out.
#######################################
e2e_assert_night_layout() {
  e2e_index_all
  e2e_check _e2e_layout_checks "$@"
}

#######################################
# Check generator: the night's entry (fetch, blaze, wildfire) exited 0 on the hosts, and
# kindling-fetch, blaze and wildfire logged a clean finish and no warning or error.
# Arguments:
#   Night name, hosts.
#######################################
_e2e_night_ok_checks() {
  local night=$1 host log
  shift
  for host in "$@"; do
    _e2e_check_line "${host} night" "$(e2e_night_status "${night}" "${host}")" 0
    log=$(e2e_night_log "${night}" "${host}" blaze-backup.log)
    _e2e_check_line "${host} blaze finished" \
      "$(grep -cE " ${host} blaze\[[0-9]+\] INFO finished with status 0: " <<<"${log}")" 1
    # E2E_EXPECTED_WARNINGS (an ERE, empty: none) names warnings a scenario causes on purpose.
    _e2e_check_line "${host} blaze and kindling-fetch warnings and errors" \
      "$(grep -E " (blaze|kindling-fetch)\[[0-9]+\] (WARN|ERROR) " <<<"${log}" \
        | { grep -vE "${E2E_EXPECTED_WARNINGS:-^\$}" || true; } | paste -sd ' ')" ''
    log=$(e2e_night_log "${night}" "${host}" wildfire-sync.log)
    _e2e_check_line "${host} wildfire finished" \
      "$(grep -cE " ${host} wildfire\[[0-9]+\] INFO finished: copied to " <<<"${log}")" 1
    _e2e_check_line "${host} wildfire warnings and errors" \
      "$(grep -E " wildfire\[[0-9]+\] (WARN|ERROR) " <<<"${log}" | paste -sd ' ')" ''
  done
}

#######################################
# Asserts that every crontab entry of a night exited 0 on the hosts, that blaze and
# wildfire logged a clean finish and no warning or error. Five assertions per host.
# Arguments:
#   Night name, hosts.
#######################################
e2e_assert_night_ok() {
  e2e_check _e2e_night_ok_checks "$@"
}

#######################################
# Asserts that the aggregated log gained, during a night, exactly COUNT lines of SCRIPT
# from HOST.
# Arguments:
#   Night name, host, script, count.
#######################################
e2e_assert_reports() {
  local lines
  lines=$(e2e_night_log "$1" "${E2E_AGGREGATOR}" blaze-wildfire.log |
    awk -v h="$2" -v s="$3" '$2 == h && $3 == s')
  assert_equal "$2 $3 reports: $(grep -c . <<<"${lines}")" "$2 $3 reports: $4"
}

#######################################
# Stops a host's sshd (the host stays up; nothing can reach it by ssh), by its pid.
# Waits at most 5 s. fleet_sshd_start HOST starts it again with the same host keys.
# Arguments:
#   Host.
#######################################
e2e_sshd_stop() {
  local pid i
  pid=$(cat "$(fleet_dir "$1")/sshd.pid") || return 1
  kill -TERM "${pid}" 2>/dev/null || return 0
  for ((i = 0; i < 50; i++)); do
    [[ -e "/proc/${pid}" && "$(awk '{print $3}' "/proc/${pid}/stat" 2>/dev/null)" != Z ]] || return 0
    sleep 0.1
  done
  echo "sshd of $1 (pid ${pid}) did not stop" >&2
  return 1
}

#######################################
# Prints a copy date (Mon-DD-YYYY) DAYS days before another.
# Arguments:
#   Date, days.
#######################################
e2e_days_before() {
  local mon day year
  IFS=- read -r mon day year <<<"$1"
  LC_ALL=C date -u -d "${day} ${mon} ${year} -$2 days" +%b-%d-%Y
}

#######################################
# Prints the pids of a process and of all its descendants.
# Arguments:
#   Pid.
#######################################
e2e_process_tree() {
  local -a todo=("$1")
  local pid child
  while ((${#todo[@]} > 0)); do
    pid=${todo[0]}
    todo=("${todo[@]:1}")
    echo "${pid}"
    for child in $(ps -o pid= --ppid "${pid}" 2>/dev/null); do todo+=("${child}"); done
  done
}

#######################################
# Asserts that the repository host's repository is mirrored, file for file, into
# /archive/repo-backup/incoming/ of each copy host given, that tonight's snapshot there
# (/archive/repo-backup/YYYY-MM-DD, made by the copy host's blaze) holds the same files,
# owned by root, or, when that blaze ran before the mirror arrived, that it said so, and
# that no other host has anything in /archive/repo-backup.
# Arguments:
#   Repository host, copy hosts.
#######################################
e2e_assert_repository_copies() {
  local repo_host=$1 host sums today
  shift
  sums=$(e2e_tree_sums "${repo_host}" "${E2E_REPOSITORY[${repo_host}]}")
  assert_regex "${sums}" ' \./README'
  assert_regex "${sums}" ' \./\.kindling-repository'
  today=$(date +%F)
  for host in "${E2E_HOSTS[@]}"; do
    if [[ " $* " == *" ${host} "* ]]; then
      assert_equal "${host} incoming: $(e2e_tree_sums "${host}" /archive/repo-backup/incoming)" "${host} incoming: ${sums}"
      if fleet_exec "${host}" test -d "/archive/repo-backup/${today}"; then
        assert_equal "${host} snapshot: $(e2e_tree_sums "${host}" "/archive/repo-backup/${today}")" "${host} snapshot: ${sums}"
        assert_equal "${host} snapshot not root's: $(fleet_exec "${host}" find "/archive/repo-backup/${today}" ! -uid 0)" \
          "${host} snapshot not root's: "
        # The repository is held once: the snapshot's files are incoming's, made read-only.
        assert_equal "${host} writable: $(fleet_exec "${host}" find "/archive/repo-backup/${today}" -type f -perm /6222)" \
          "${host} writable: "
        assert_equal "${host} README inode: $(fleet_exec "${host}" stat -c %i "/archive/repo-backup/${today}/README")" \
          "${host} README inode: $(fleet_exec "${host}" stat -c %i /archive/repo-backup/incoming/README)"
      else
        # The copy host's night came before the repository host's: nothing had arrived yet.
        run fleet_exec "${host}" grep -c \
          'INFO repository-snapshot: nothing has arrived in /archive/repo-backup/incoming yet' \
          /var/log/blaze-backup.log
        assert_output 1
      fi
    else
      assert_equal "${host} repo-backup: $(fleet_exec "${host}" find /archive/repo-backup -mindepth 1 2>/dev/null)" \
        "${host} repo-backup: "
    fi
  done
}

#######################################
# Prints "SHA  ./PATH" of every file under a folder of a host, sorted by path.
# Arguments:
#   Host, folder.
#######################################
e2e_tree_sums() {
  # shellcheck disable=SC2016 # $1 is expanded by the bash inside the host
  fleet_exec "$1" bash -c 'cd "$1" && find . -type f -print0 | sort -z | xargs -0 -r sha256sum' _ "$2"
}

#######################################
# Asserts that HOST mailed, during NIGHT, a failure report with SUBJECT to the fleet's
# alias, which the host's /etc/aliases (written by setup) sends to the fleet's address.
# Arguments:
#   Night name, host, subject.
#######################################
e2e_assert_mailed() {
  run e2e_night_mail "$1" "$2"
  assert_line "Subject: $3"
  assert_line "To: ${E2E_MAIL_ALIAS}"
  assert_line "X-Recorder-Alias: ${E2E_MAIL_ALIAS} -> ${E2E_MAIL_ADDRESS}"
}

#######################################
# Asserts that hosts mailed nothing during a night.
# Arguments:
#   Night name, hosts.
#######################################
e2e_refute_mailed() {
  local night=$1 host
  shift
  for host in "$@"; do
    assert_equal "${host} mail: $(e2e_night_mail "${night}" "${host}")" "${host} mail: "
  done
}

#######################################
# Sets E2E_OTHERS to the fleet's hosts but the ones given.
# Arguments:
#   Hosts to leave out.
#######################################
e2e_hosts_but() {
  local host
  declare -g -a E2E_OTHERS=()
  for host in "${E2E_HOSTS[@]}"; do
    [[ " $* " == *" ${host} "* ]] || E2E_OTHERS+=("${host}")
  done
}

#######################################
# Waits until a file exists (seen from outside the host), at most SECONDS.
# Arguments:
#   Path, seconds.
#######################################
e2e_wait_for_file() {
  local i
  for ((i = 0; i < $2 * 20; i++)); do
    [[ ! -e "$1" ]] || return 0
    sleep 0.05
  done
  echo "timed out after $2 s waiting for $1" >&2
  return 1
}
