#!/usr/bin/env bats
#
# README "Adding a host", followed literally on the seed fleet (test/fixtures/inventories/
# seed.yaml, set up by the harness as in seed-fleet.bats) with peru, a machine already
# running beside it (sshd, its images in /srv/images/) but not yet in the inventory
# (E2E_SPARE_HOSTS). The fleet runs a night first. Then the administrator works in a git
# clone of the fleet (inventory.yaml and dist/, committed) and types what the README's code
# blocks say: the block of step 1 goes under hosts:, the output kindling prints is checked
# against the README's examples (readme.bash: "…" stands for any text), step 5's commands
# run on peru as written (the copy from the admin host goes through the harness, as root's
# own access would), the two lines setup printed go into the inventory. Publishing is README "Serving dist/": the
# reviewed dist/ at distServeDir on the admin host, then the admin host's kindling-fetch.
# Nothing else is run on iraq or scotland: the night runs every host's crontab as cron
# would (e2e_night), and peru's copies must arrive on both of its targets the next night.
#
# Needs root, and the Debian packages of scripts/test-all. Never run in parallel with the
# other files of test/e2e (one fleet per machine).

bats_require_minimum_version 1.5.0
export BATS_NO_PARALLELIZE_WITHIN_FILE=true
load ../bats/common
# shellcheck source=lib/e2e.bash
source "${BATS_TEST_DIRNAME}/lib/e2e.bash"
# shellcheck source=lib/readme.bash
source "${BATS_TEST_DIRNAME}/lib/readme.bash"
e2e_count_assertions

readonly SECTION='Adding a host'

setup_file() {
  export E2E_SPARE_HOSTS=peru
  e2e_setup_file "${REPO_ROOT}/test/fixtures/inventories/seed.yaml"
  # peru is a server already: the images it keeps are there before kindling.
  e2e_in_host peru fill-folder /srv/images/ 4
  # The administrator's clone of the fleet: the inventory the fleet runs and its dist/.
  local admin="${E2E_WORK}/admin"
  mkdir -p "${admin}"
  cp "${E2E_WORK}/inventory.yaml" "${admin}/inventory.yaml"
  (cd "${admin}" && kindling generate >/dev/null 2>&1 && git init -q &&
    git add inventory.yaml dist && admin_commit 'the fleet as it runs')
}

teardown_file() {
  fleet_down
}

setup() {
  e2e_begin_scenario
  cd "${E2E_WORK}/admin" || return 1
}

# The kindling command of the README, run in the administrator's clone.
kindling() {
  "${REPO_ROOT}/build/cli.js" "$@"
}

# Commits everything the administrator changed: admin_commit MESSAGE
admin_commit() {
  git add inventory.yaml dist &&
    git -c user.name=admin -c user.email=admin@localhost commit -q -m "$1"
}

# README "Serving dist/": the reviewed dist/ goes to distServeDir on the admin host (the
# harness's copy stands for the README's rsync -a --delete), then the admin host applies
# its own part at once with its kindling-fetch.
publish() {
  e2e_serve_dist "${E2E_WORK}/admin/dist" &&
    fleet_exec "${E2E_ADMIN}" /usr/local/bin/kindling-fetch
}

# Runs one line of a README shell block as root on HOST. A copy from another host as root
# (`scp -rp root@SOURCE:DIR DEST`) goes through the harness: kindling sets up no root
# access between hosts, and the README says to use the one the administrator has.
run_readme_line() {
  local host=$1 line=$2 option source dest
  if [[ "${line}" == 'scp '* ]]; then
    read -r _ option source dest _ <<<"${line%%#*}"
    [[ "${option}" == -rp && "${source}" == root@*:* ]] || {
      echo "an scp line this test cannot follow: ${line}" >&2
      return 1
    }
    source=${source#root@}
    # shellcheck disable=SC2016 # expanded by the shell inside the host
    fleet_exec "${source%%:*}" tar -C "${source#*:}" -cf - . |
      fleet_exec "${host}" sh -c 'mkdir -p "$1" && tar -C "$1" -xpf -' _ "${dest}"
    return
  fi
  fleet_exec "${host}" bash -c "${line}"
}

@test "the seed fleet runs a night before peru joins" {
  e2e_night before
  e2e_assert_night_ok before "${E2E_HOSTS[@]}"
  e2e_assert_night_layout before
  e2e_scenario_done add-host-before
}

@test "Adding a host, steps 1-4: peru as the README writes it validates, plans, reviews and is published" {
  local block
  # Step 1: the README's block, under hosts:.
  block=$(readme_block "${SECTION}" 1)
  awk -v block="${block}" '{ print } /^hosts:$/ { print block }' inventory.yaml >inventory.new
  mv inventory.new inventory.yaml
  # Step 2: valid, with the one warning a new host has before its setup.
  run --separate-stderr kindling validate
  assert_success
  assert_output --regexp '^inventory\.yaml: valid, 8 hosts( |$)'
  # shellcheck disable=SC2154 # bats sets stderr
  assert_regex "${stderr}" 'warning: hosts\.peru: sshPublicKey missing: iraq and scotland do not let peru in'
  run kindling plan peru
  assert_success
  readme_assert_example "$(readme_block "${SECTION}" 2)"
  run kindling plan iraq
  assert_success
  assert_line --regexp '^  peru +copies into /archive/blaze-backup/peru/, after its night starts at '
  # Step 3: the review, as the README shows its start.
  run --separate-stderr kindling diff --stat
  assert_failure 1
  readme_assert_example "$(readme_block "${SECTION}" 3)"
  # Step 4: generate, commit, publish.
  run kindling generate
  assert_success
  assert [ -x dist/peru/setup ]
  admin_commit 'fleet: peru joins'
  run kindling generate --check
  assert_success
  run publish
  assert_success
  e2e_scenario_done add-host-review
}

@test "Adding a host, steps 5-6: peru's setup as the README runs it prints both keys; they go into the inventory and are published" {
  local line n=0 key_line
  mkdir -p "${E2E_WORK}/setup/peru"
  # Step 5, line by line as written, on peru.
  while IFS= read -r line; do
    n=$((n + 1))
    run run_readme_line peru "${line}"
    assert_success
    printf '%s\n' "${output}" >"${E2E_WORK}/setup/peru/step5-${n}.out"
  done < <(readme_block "${SECTION}" 4)
  assert_equal "step 5 lines: ${n}" "step 5 lines: 3"
  run cat "${E2E_WORK}/setup/peru/step5-2.out"
  assert_line --regexp '^setup: dry run, [0-9]+ change\(s\) would be made$'
  run cat "${E2E_WORK}/setup/peru/step5-3.out"
  assert_line --regexp '^setup: [0-9]+ change\(s\) made$'
  readme_assert_example "$(readme_block "${SECTION}" 5)"

  # Step 6: the two printed lines under peru, as sshPublicKey: and sshHostKey:.
  local -a keys=()
  for key_line in sshPublicKey sshHostKey; do
    keys+=("    ${key_line}: $(setup_printed_value "${E2E_WORK}/setup/peru/step5-3.out" peru "${key_line}")")
  done
  awk -v keys="$(printf '%s\n' "${keys[@]}")" '{ print } /^  peru:$/ { print keys }' inventory.yaml \
    >inventory.new
  mv inventory.new inventory.yaml
  run --separate-stderr kindling validate
  assert_success
  assert_equal "missing: $(grep -c missing <<<"${stderr}")" "missing: 0"
  run kindling generate
  assert_success
  # The review says what the README says it says, on both targets.
  local says
  says=$(awk -v title="## ${SECTION}" '$0 == title { f = 1; next } f && /^## / { exit } f' \
    "${README_FILE}" | tr -s '\n ' '  ' | sed -n 's/.*`kindling diff` says "\([^"]*\)" on iraq and scotland.*/\1/p')
  assert_regex "${says}" "^peru's key "
  run kindling diff
  assert_failure 1
  assert_line "  iraq: ${says}"
  assert_line "  scotland: ${says}"
  admin_commit "fleet: peru's keys"
  run publish
  assert_success
  e2e_scenario_done add-host-keys
}

@test "Adding a host, the next night: peru's copies arrive on iraq and scotland, nothing run there by hand" {
  local host date
  # The fleet as the administrator published it: the night runs every host's crontab of it.
  node "${E2E_LIB}/fleet-facts.js" "${E2E_WORK}/admin/inventory.yaml" >"${E2E_WORK}/facts"
  e2e_load_facts
  assert_equal "${E2E_HOSTS[*]}" 'peru australia chile hongkong iraq ireland romania scotland'
  rm -rf "${E2E_WORK}/dist" && cp -r "${E2E_WORK}/admin/dist" "${E2E_WORK}/dist"
  # Before the night iraq (the admin host, which applied its part when the set was
  # published) takes peru's copies, scotland not yet: nothing was run there.
  run fleet_exec peru /usr/local/bin/wildfire --dry-run
  assert_success
  run fleet_exec peru tail -n 1 /var/log/wildfire-sync.log
  assert_output --regexp ' peru wildfire\[[0-9]+\] INFO dry run finished: copied to iraq; failed: scotland$'

  e2e_shift_calendar
  e2e_night peru-first
  e2e_assert_night_ok peru-first "${E2E_HOSTS[@]}"
  e2e_refute_mailed peru-first "${E2E_HOSTS[@]}"
  # Every host's copies where the inventory says, peru's on iraq and scotland and nowhere else.
  e2e_assert_night_layout peru-first
  date=$(e2e_night_date peru-first peru)
  e2e_assert_copies peru "${date}" iraq scotland
  # peru's night in the aggregated log on iraq.
  for host in kindling-fetch blaze wildfire; do
    e2e_assert_reports peru-first peru "${host}" 1
  done
  run e2e_night_log peru-first iraq blaze-wildfire.log
  assert_line --regexp '^[^ ]+ peru wildfire OK copied to iraq, scotland; failed: none$'
  e2e_scenario_done add-host-night
}
