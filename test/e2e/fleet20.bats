#!/usr/bin/env bats
#
# The 20-host fixture fleet (test/fixtures/inventories/fleet20.yaml: five time zones, two
# PostgreSQL hosts, a repository with two copy hosts, zstd and bzip2, bandwidth limits),
# each host a simulated host of its own, through setup and one night: the lighter pass of
# the e2e (test/e2e/seed-fleet.bats runs the seed's fleet through faults). Each host runs
# the exact command line of its dist/<host>/crontab, in the order of the schedule in UTC.
# The expected layout comes from the fixture's YAML (test/e2e/lib/fleet-facts.js).
#
# The test copy of the inventory differs from the fixture only by each host's
# sshPublicKey (made by the first setup) and by 1 s transfer retries.
#
# Needs root, and the Debian packages of scripts/test-all. Never run in parallel with the
# other files of test/e2e (one fleet per machine).

bats_require_minimum_version 1.5.0
export BATS_NO_PARALLELIZE_WITHIN_FILE=true
load ../bats/common
# shellcheck source=lib/e2e.bash
source "${BATS_TEST_DIRNAME}/lib/e2e.bash"
e2e_count_assertions

setup_file() {
  e2e_setup_file "${REPO_ROOT}/test/fixtures/inventories/fleet20.yaml"
}

teardown_file() {
  fleet_down
}

setup() {
  e2e_begin_scenario
}

@test "setup sets up all twenty hosts of the fixture fleet" {
  local host round
  assert_equal "${#E2E_HOSTS[@]}" 20
  for host in "${E2E_HOSTS[@]}"; do
    for round in first second; do
      run cat "${E2E_WORK}/setup/${round}/${host}.out"
      assert_equal "${host} ${round} setup: $(cat "${E2E_WORK}/setup/${round}/${host}.status")" "${host} ${round} setup: 0"
    done
    # The second setup installed the generated scripts and the crontab block.
    run fleet_exec "${host}" sha256sum /usr/local/bin/blaze /usr/local/bin/wildfire /usr/local/bin/kindling-fetch
    assert_output "$(cd "${E2E_WORK}/dist/${host}" && sha256sum blaze wildfire kindling-fetch |
      sed 's|  |  /usr/local/bin/|')"
    run fleet_exec "${host}" crontab -l
    assert_output --partial "$(cat "${E2E_WORK}/dist/${host}/crontab")"
  done
  e2e_scenario_done fleet20-setup
}

@test "one night of twenty hosts: every copy locally and on each target, nowhere else" {
  local host previous=-1 minute
  e2e_night first
  # In the order of the schedule in UTC.
  while read -r minute _; do
    assert [ "${minute}" -ge "${previous}" ]
    previous=${minute}
  done <"${E2E_WORK}/nights/first/order"
  assert_equal "$(grep -c ' night ' "${E2E_WORK}/nights/first/order")" 20

  e2e_assert_night_ok first "${E2E_HOSTS[@]}"
  # The dead-man check on the aggregator runs at 12:00 in its zone: on this first night the
  # hosts whose night comes later in the UTC day have not reported yet. The switch records
  # when it first expected them and stays silent (it names them only 26 hours later).
  local deadman late
  deadman=$(awk '$3 == "kindling-deadman" { print $1 }' "${E2E_WORK}/nights/first/order")
  late=$(awk -v d="${deadman}" '$3 == "night" && $1 > d { print $2 }' "${E2E_WORK}/nights/first/order" | sort | paste -sd ' ')
  assert_regex "${deadman}" '^[0-9]+$'
  assert_equal "dead-man status: $(e2e_night_status first "${E2E_AGGREGATOR}" kindling-deadman)" \
    "dead-man status: 0"
  assert_equal "expected: $(fleet_exec "${E2E_AGGREGATOR}" cat /var/lib/kindling/deadman-expected 2>/dev/null |
    awk '{ print $1 }' | sort | paste -sd ' ')" "expected: ${late}"
  e2e_refute_mailed first "${E2E_AGGREGATOR}"
  e2e_hosts_but "${E2E_AGGREGATOR}"
  e2e_refute_mailed first "${E2E_OTHERS[@]}"
  e2e_assert_night_layout first
  local repo_host
  for repo_host in "${!E2E_REPOSITORY[@]}"; do
    e2e_assert_repository_copies "${repo_host}" "${E2E_COPYREPO[@]}"
  done
  # The aggregated log (on the AGGREGHOST): one line per host and run.
  for host in "${E2E_HOSTS[@]}"; do
    e2e_assert_reports first "${host}" kindling-fetch 1
    e2e_assert_reports first "${host}" blaze 1
    e2e_assert_reports first "${host}" wildfire 1
    assert [ -s "$(fleet_dir "${host}")/var-log/blaze-backup.log" ]
    assert [ -s "$(fleet_dir "${host}")/var-log/wildfire-sync.log" ]
  done
  e2e_scenario_done fleet20-night
}
