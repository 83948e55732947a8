#!/usr/bin/env bats
#
# The root inventory.yaml and dist/ are the admin's fleet: following README "Adding a host"
# (peru) in a clone of this repository, then committing, must leave the unit suite green.
# It runs the unit suite once more, in the clone: this is the one file that does (slow, so
# only here). No network namespace: it needs no lock.

bats_require_minimum_version 1.5.0
load common

setup_file() {
  CLONE="$BATS_FILE_TMPDIR/clone"
  export CLONE
  git clone -q "$REPO_ROOT" "$CLONE"
  ln -s "$REPO_ROOT/node_modules" "$CLONE/node_modules"
  (cd "$CLONE" && npm run -s build)
}

# Adds the host of README step 1 ("Describe it in the inventory") under hosts: of $CLONE/inventory.yaml.
add_peru_as_the_readme_says() {
  node - "$CLONE" <<'JS'
const { readFileSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');
const { parseDocument } = require(join(process.argv[2], 'node_modules', 'yaml'));
const readme = readFileSync(join(process.argv[2], 'README.md'), 'utf8');
const step = readme.slice(readme.indexOf('## Adding a host'));
const block = step.match(/Add under `hosts:`\n\n {3}```yaml\n([\s\S]*?)\n {3}```/)[1];
const peru = parseDocument(block.replace(/^ {3}/gm, '')).toJS();
const file = join(process.argv[2], 'inventory.yaml');
const document = parseDocument(readFileSync(file, 'utf8'));
document.setIn(['hosts', 'peru'], document.createNode(peru.hosts ? peru.hosts.peru : peru.peru));
writeFileSync(file, document.toString());
JS
}

@test "an admin who adds peru as the README says, generates and commits keeps the unit suite green" {
  add_peru_as_the_readme_says
  run grep -c 'Koji builder images' "$CLONE/inventory.yaml"
  assert_output 1
  cd "$CLONE"
  run node build/cli.js generate
  assert_success
  assert [ -x dist/peru/blaze ]
  git add inventory.yaml dist
  git -c user.name=admin -c user.email=admin@localhost commit -q -m 'fleet: peru joins'
  run node build/cli.js generate --check
  assert_success
  run npm run -s test:unit
  assert_success
}
