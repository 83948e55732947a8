#!/usr/bin/env node
// Writes the e2e's copy of an inventory: the same fleet, with what a test fleet on one
// machine needs and nothing else changed (comments and order are kept):
//   --keys DIR        each host's sshPublicKey from DIR/<host>.pub and sshHostKey from
//                     DIR/<host>.hostkey (the lines setup printed), the step an administrator
//                     takes after the first setup of every host; a host without files keeps
//                     what the inventory has
//   --fast-retries    transfer settings that fail a dead target in seconds instead of the
//                     minutes of the default back-off (retries 1, 1 s pause, 5 s connect
//                     timeout): the fault scenarios stop sshd on purpose
//   --set PATH=VALUE  one more value, PATH dotted, VALUE JSON or else a string
//                     (defaults.retention.localDays=31); used to publish a changed set
// Usage: node test-inventory.js SOURCE OUT [--keys DIR] [--fast-retries] [--set PATH=VALUE]...
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const YAML = require('yaml');

function usage(message) {
  process.stderr.write(`test-inventory: ${message}\n`);
  process.exit(2);
}

function parseArgs(argv) {
  const options = { keys: null, fastRetries: false, sets: [] };
  const positional = [];
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    if (arg === '--keys') {
      options.keys = argv[++i] ?? usage('--keys needs a folder');
    } else if (arg === '--fast-retries') {
      options.fastRetries = true;
    } else if (arg === '--set') {
      const spec = argv[++i] ?? usage('--set needs PATH=VALUE');
      const eq = spec.indexOf('=');
      if (eq < 1) usage(`--set ${spec}: expected PATH=VALUE`);
      options.sets.push([spec.slice(0, eq).split('.'), spec.slice(eq + 1)]);
    } else {
      positional.push(arg);
    }
  }
  if (positional.length !== 2) usage('expected SOURCE and OUT');
  [options.source, options.out] = positional;
  return options;
}

// A --set value: JSON when it parses (numbers, booleans, lists), else the string itself.
function parseValue(text) {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function main() {
  const options = parseArgs(process.argv.slice(2));
  const doc = YAML.parseDocument(fs.readFileSync(options.source, 'utf8'));
  const hosts = doc.get('hosts');
  if (!YAML.isMap(hosts)) usage(`${options.source} has no hosts map`);

  if (options.keys) {
    for (const pair of hosts.items) {
      const name = String(pair.key.value ?? pair.key);
      for (const [extension, field] of [['pub', 'sshPublicKey'], ['hostkey', 'sshHostKey']]) {
        const file = path.join(options.keys, `${name}.${extension}`);
        if (!fs.existsSync(file)) continue;
        // "TYPE KEY [COMMENT]": the inventory wants the line as setup printed it.
        const line = fs.readFileSync(file, 'utf8').trim().split(/\s+/).slice(0, 3).join(' ');
        doc.setIn(['hosts', name, field], line);
      }
    }
  }
  if (options.fastRetries) {
    doc.setIn(['defaults', 'transfer', 'connectTimeoutSeconds'], 5);
    doc.setIn(['defaults', 'transfer', 'retries'], 1);
    doc.setIn(['defaults', 'transfer', 'retryDelaySeconds'], 1);
    // A host that states its own transfer block keeps it, but not its slow retries.
    for (const pair of hosts.items) {
      const name = String(pair.key.value ?? pair.key);
      if (doc.hasIn(['hosts', name, 'transfer', 'retries'])) doc.setIn(['hosts', name, 'transfer', 'retries'], 1);
      if (doc.hasIn(['hosts', name, 'transfer', 'retryDelaySeconds'])) doc.setIn(['hosts', name, 'transfer', 'retryDelaySeconds'], 1);
    }
  }
  for (const [keyPath, value] of options.sets) doc.setIn(keyPath, parseValue(value));

  fs.writeFileSync(options.out, doc.toString({ lineWidth: 0 }));
}

main();
