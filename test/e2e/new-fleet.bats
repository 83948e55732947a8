#!/usr/bin/env bats
#
# README "Starting a new fleet", followed literally on a fleet of its own: `kindling init`
# writes the inventory (alpha: admin host and aggregator; bravo: a PostgreSQL host; charlie:
# a web host), whose signing is on; the reviewer's key replaces the placeholder signer and
# alpha and charlie get the addresses they have here (peers then reach alpha by address).
# Every set is signed (kindling sign) before it is served. Each host is installed from the
# first set (setup prints its two keys), the keys go into the inventory, each host is
# installed again from the keyed set, and then the first night runs with nothing else done:
# every fetch verifies a signed set, every copy flows, every report arrives. No known_hosts,
# key or configuration is installed by the test itself.
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
  local dir="${BATS_FILE_TMPDIR}/reviewer"
  mkdir -p "${dir}"
  # Step 1: kindling init, and the reviewer's own signing key as the allowed signer.
  "${REPO_ROOT}/build/cli.js" init "${dir}/inventory.yaml" >/dev/null
  ssh-keygen -q -t ed25519 -N '' -C reviewer -f "${dir}/kindling-sign"
  node -e '
    const fs = require("fs");
    const YAML = require(process.argv[1] + "/node_modules/yaml");
    const doc = YAML.parseDocument(fs.readFileSync(process.argv[2], "utf8"));
    const key = fs.readFileSync(process.argv[3], "utf8").trim();
    doc.setIn(["fleet", "signing", "allowedSigners"], [`reviewer@example.org namespaces="kindling" ${key}`]);
    // The addresses the hosts have here (fleet.bash: .11, .12, .13 in name order): every
    // peer then reaches alpha by its address, as the inventory says, not by its name.
    doc.setIn(["hosts", "alpha", "address"], "10.77.0.11");
    doc.setIn(["hosts", "charlie", "address"], "10.77.0.13");
    fs.writeFileSync(process.argv[2], doc.toString({ lineWidth: 0 }));
  ' "${REPO_ROOT}" "${dir}/inventory.yaml" "${dir}/kindling-sign.pub"
  export E2E_SIGN_KEY="${dir}/kindling-sign"
  e2e_setup_file "${dir}/inventory.yaml"
}

teardown_file() {
  fleet_down
}

setup() {
  e2e_begin_scenario
}

@test "a fleet from kindling init: both setup rounds succeed and the keyed inventory validates without a key warning" {
  local host
  assert_equal "${E2E_HOSTS[*]}" 'alpha bravo charlie'
  assert_equal "alpha at $(fleet_addr alpha), charlie at $(fleet_addr charlie)" \
    'alpha at 10.77.0.11, charlie at 10.77.0.13'
  # Peers know alpha by the address they reach it at.
  run fleet_exec bravo cat /var/lib/kindling/ssh/known_hosts
  assert_line --regexp '^10\.77\.0\.11 ssh-ed25519 AAAA[A-Za-z0-9+/]+=*$'
  for host in "${E2E_HOSTS[@]}"; do
    assert_equal "${host} first: $(cat "${E2E_WORK}/setup/first/${host}.status")" "${host} first: 0"
    assert_equal "${host} second: $(cat "${E2E_WORK}/setup/second/${host}.status")" "${host} second: 0"
    # The keyed set's known_hosts names every peer with its key: no peer left unverified.
    run fleet_exec "${host}" cat /var/lib/kindling/ssh/known_hosts
    refute_line --partial 'no sshHostKey in the inventory yet'
    assert_output "$(cat "${E2E_WORK}/dist/${host}/known_hosts")"
    # shellcheck disable=SC2016 # expanded by the shell inside the host
    run fleet_exec "${host}" sh -c 'cat /var/lib/kindling/home/kb-*/.ssh/authorized_keys 2>/dev/null | grep -c "no sshPublicKey"'
    assert_output 0
  done
  run "${REPO_ROOT}/build/cli.js" validate -i "${E2E_WORK}/inventory.yaml"
  assert_success
  refute_output --partial 'missing'
  refute_output --partial 'fleet.signing'
  e2e_scenario_done new-fleet-setup
}

@test "the first night of the new fleet: every signed fetch verifies, every copy flows, every report arrives" {
  local host
  e2e_night first
  e2e_assert_night_ok first "${E2E_HOSTS[@]}"
  e2e_assert_night_layout first
  for host in "${E2E_HOSTS[@]}"; do
    run e2e_night_log first "${host}" blaze-backup.log
    assert_line --regexp " ${host} kindling-fetch\[[0-9]+\] INFO MANIFEST serial [0-9]+ signed by reviewer@example.org$"
    e2e_assert_reports first "${host}" kindling-fetch 1
    e2e_assert_reports first "${host}" wildfire 1
  done
  e2e_scenario_done new-fleet-first-night
}
