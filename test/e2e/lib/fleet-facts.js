#!/usr/bin/env node
// Prints what an inventory says each host of the fleet has and where its copies go, read
// straight from the YAML (not through kindling's plan, which the e2e checks), one fact a
// line, for bash:
//   host NAME
//   targets NAME TARGET...           LAN targets (the seed's Backup Layout)
//   kinds NAME KIND...               one archive kind per source, pg_dump per database, the manifest
//   source NAME PATH                 a source folder the host must have (not the defaults)
//   database NAME DB...              the host's PostgreSQL databases (DBHOST)
//   repository NAME PATH             the repository the host serves (REPOHOST)
//   copyrepo NAME                    a repository copy host (COPYREPOHOST)
//   role ROLE NAME                   the host holding ADMHOST or AGGREGHOST
//   distServeDir PATH                where the admin host serves dist/
//   mail ALIAS ADDRESS
// Usage: node fleet-facts.js INVENTORY
'use strict';

const fs = require('node:fs');
const YAML = require('yaml');

// Folders every Debian host has already; only the others need making.
const PRESENT = new Set(['/etc/', '/var/spool/cron/', '/usr/local/bin/']);

function main() {
  const file = process.argv[2];
  if (!file) {
    process.stderr.write('usage: fleet-facts.js INVENTORY\n');
    process.exit(2);
  }
  // merge: host groups (<<: *web) as kindling reads them.
  const inv = YAML.parse(fs.readFileSync(file, 'utf8'), { merge: true });
  const defaults = inv.defaults ?? {};
  const out = [];
  out.push(`distServeDir ${inv.fleet.distServeDir}`);
  out.push(`mail ${inv.fleet.mailAlias} ${inv.fleet.mailAddress}`);
  for (const [name, host] of Object.entries(inv.hosts)) {
    const roles = host.roles ?? defaults.roles ?? [];
    const sources = [...(defaults.sources ?? []), ...(host.sources ?? [])];
    const kinds = sources.map((s) => s.name);
    out.push(`host ${name}`);
    out.push(`targets ${name} ${(host.targets ?? []).join(' ')}`.trimEnd());
    for (const s of sources) if (!PRESENT.has(s.path)) out.push(`source ${name} ${s.path}`);
    if (host.database) {
      const dbs = host.database.databases;
      kinds.push(...dbs.map((db) => `postgresql-${db}`), 'postgresql-globals');
      out.push(`database ${name} ${dbs.join(' ')}`);
    }
    kinds.push('manifest'); // blaze's checksum manifest of the night travels with the copies
    out.push(`kinds ${name} ${kinds.join(' ')}`);
    if (roles.includes('REPOHOST') && host.repository) out.push(`repository ${name} ${host.repository.path}`);
    if (roles.includes('COPYREPOHOST')) out.push(`copyrepo ${name}`);
    for (const role of ['ADMHOST', 'AGGREGHOST']) if (roles.includes(role)) out.push(`role ${role} ${name}`);
  }
  process.stdout.write(`${out.join('\n')}\n`);
}

main();
