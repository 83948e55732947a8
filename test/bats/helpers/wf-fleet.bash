# wf-fleet.bash: the fleet of test/fixtures/inventories/wf-fleet.yaml (alpha, bravo,
# charlie) in network namespaces with a real sshd each (test/e2e/lib/fleet.bash), set up
# the way an administrator does it:
#   1. start sshd everywhere (each host has its ssh host key, as a real host has);
#   2. kindling generate; copy dist/<host>/ to each host and run its setup there (users,
#      key, folders, crontab, scripts); setup prints the host's kindling key and ssh host key;
#   3. put the printed lines into the inventory (hosts.<host>.sshPublicKey and sshHostKey),
#      generate again, serve dist/ on the admin host (alpha) and run the new setup on every
#      host, which writes the authorized_keys and the known_hosts of its peers.
# Nothing else is installed by hand: no known_hosts, no keys.
# Each host gets private tmpfs mounts on /var/lib/kindling (and alpha on /srv, where dist/
# is served), which the fleet library does not make private. Debian's own `backup` system
# account (home /var/backups, on the shared root file system) is removed from each host's
# private /etc first, so that setup creates the user as on a fresh Fedora host.
#
# Usage (root; from setup_file, with wf_fleet_down in teardown_file):
#   load helpers/wf-fleet
#   wf_fleet_up [EXTRA_YAML_FILE]   the whole fleet, set up; EXTRA ("dotted.key: value" lines)
#                                   is merged into the inventory first (e.g. fleet.signing)
#   wf_hosts_up HOST...             fresh hosts only (nothing set up), e.g. to test setup
# Afterwards: WF_DIR (scratch), WF_INVENTORY, WF_DIST (the served dist/), fleet_* functions.

# shellcheck source=../../e2e/lib/fleet.bash
source "$REPO_ROOT/test/e2e/lib/fleet.bash"

WF_HOSTS=(alpha bravo charlie)

# Prints the file of the fixture inventory.
wf_fixture() {
  printf '%s\n' "$REPO_ROOT/test/fixtures/inventories/wf-fleet.yaml"
}

# Sets KEY (a dotted path) to the JSON VALUE in the YAML FILE, in place:
# wf_yaml_set FILE KEY JSON_VALUE
wf_yaml_set() {
  node -e '
    const fs = require("fs");
    const YAML = require(process.argv[1] + "/node_modules/yaml");
    const [file, key, value] = process.argv.slice(2);
    const doc = YAML.parseDocument(fs.readFileSync(file, "utf8"));
    doc.setIn(key.split("."), JSON.parse(value));
    fs.writeFileSync(file, String(doc));
  ' "$REPO_ROOT" "$1" "$2" "$3"
}

# Generates the inventory INVENTORY into DIR (fresh): wf_generate INVENTORY DIR
wf_generate() {
  rm -rf -- "$2"
  "${KINDLING[@]}" generate -i "$1" -o "$2" >/dev/null 2>&1
}

# Copies DIST/<host>/ into the host's /tmp/NAME: wf_copy_in HOST DIST NAME
wf_copy_in() {
  local dir
  dir=$(fleet_dir "$1") || return 1
  rm -rf -- "${dir}/tmp/$3"
  cp -r -- "$2/$1" "${dir}/tmp/$3"
}

# Serves DIST on alpha (the admin host) as /srv/kindling/dist: wf_serve DIST
wf_serve() {
  fleet_exec alpha bash -c 'rm -rf /srv/kindling/dist && mkdir -p /srv/kindling/dist' || return 1
  tar -C "$1" -cf - . | fleet_exec alpha tar -C /srv/kindling/dist --no-same-owner -xf -
}

# Runs the setup of the copy in the host's /tmp/NAME: wf_setup HOST NAME
wf_setup() {
  fleet_exec "$1" bash "/tmp/$2/setup"
}

# Brings up fresh hosts, not yet set up: private /var/lib/kindling (and /srv on alpha),
# no backup user. Sets FLEET_STATE under BATS_FILE_TMPDIR: wf_hosts_up HOST...
wf_hosts_up() {
  export FLEET_STATE="${BATS_FILE_TMPDIR}/fleet-state"
  [[ -d /var/lib/kindling ]] || mkdir -p /var/lib/kindling
  fleet_up "$@" || return 1
  local host
  for host in "$@"; do
    fleet_exec "$host" mount -t tmpfs -o mode=0755,size=64m wf-kindling /var/lib/kindling || return 1
    fleet_exec "$host" bash -c 'if getent passwd backup >/dev/null; then userdel backup; fi' || return 1
    if [[ "$host" == alpha ]]; then
      fleet_exec alpha mount -t tmpfs -o mode=0755,size=64m wf-srv /srv || return 1
    fi
  done
}

# Brings the fleet up and sets it up (see the header): wf_fleet_up [EXTRA_YAML]
wf_fleet_up() {
  WF_DIR="${BATS_FILE_TMPDIR}/wf"
  WF_INVENTORY="${WF_DIR}/inventory.yaml"
  WF_DIST="${WF_DIR}/dist"
  export WF_DIR WF_INVENTORY WF_DIST
  mkdir -p -- "$WF_DIR"
  cp -- "$(wf_fixture)" "$WF_INVENTORY"
  wf_hosts_up "${WF_HOSTS[@]}" || return 1
  local host key field
  if [[ -n "${1:-}" ]]; then
    node -e '
      const fs = require("fs");
      const YAML = require(process.argv[1] + "/node_modules/yaml");
      const doc = YAML.parseDocument(fs.readFileSync(process.argv[2], "utf8"));
      const extra = YAML.parse(fs.readFileSync(process.argv[3], "utf8"));
      for (const [path, value] of Object.entries(extra)) doc.setIn(path.split("."), value);
      fs.writeFileSync(process.argv[2], String(doc));
    ' "$REPO_ROOT" "$WF_INVENTORY" "$1" || return 1
  fi
  wf_generate "$WF_INVENTORY" "${WF_DIR}/dist-first" || return 1
  # sshd first: its host keys exist before setup prints them for the inventory.
  fleet_sshd_start "${WF_HOSTS[@]}" || return 1
  for host in "${WF_HOSTS[@]}"; do
    wf_copy_in "$host" "${WF_DIR}/dist-first" dist-first || return 1
    wf_setup "$host" dist-first >"${WF_DIR}/setup-first-${host}.out" 2>&1 || {
      cat "${WF_DIR}/setup-first-${host}.out" >&2
      return 1
    }
    # The two lines setup printed for the inventory, nothing read from the host by hand.
    for field in sshPublicKey sshHostKey; do
      key=$(setup_printed_value "${WF_DIR}/setup-first-${host}.out" "$host" "$field") || {
        echo "setup on ${host} printed no ${field}" >&2
        return 1
      }
      wf_yaml_set "$WF_INVENTORY" "hosts.${host}.${field}" "\"${key}\"" || return 1
    done
  done
  wf_generate "$WF_INVENTORY" "$WF_DIST" || return 1
  wf_serve "$WF_DIST" || return 1
  for host in "${WF_HOSTS[@]}"; do
    wf_copy_in "$host" "$WF_DIST" dist || return 1
    wf_setup "$host" dist >"${WF_DIR}/setup-${host}.out" 2>&1 || {
      cat "${WF_DIR}/setup-${host}.out" >&2
      return 1
    }
  done
}

# Tears the fleet down; safe after a partial wf_fleet_up.
wf_fleet_down() {
  fleet_down
}
