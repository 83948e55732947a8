#!/usr/bin/env node
// Writes a synthetic, valid inventory of N hosts to stdout (or -o FILE) for the benchmarks.
// Deterministic: the same N and seed always give the same bytes (a seeded PRNG, no clock).
// The fleet resembles the seed's, scaled up: exactly one ADMHOST and one AGGREGHOST, one
// REPOHOST with a repository and a few COPYREPOHOSTs, RBDHOST only where a repository is,
// DBHOSTs with database settings, SYNCHOSTs that store copies, BUDDYHOSTs that trade them;
// every host has 1-3 targets (never itself), varied zones, start times, sources, archive
// volumes, and a few overrides of retention, transfer and compression.
//
// Usage: node bench/generate-inventory.js N [--seed S] [-o FILE]
'use strict';

const { writeFileSync } = require('node:fs');

const USAGE = 'usage: node bench/generate-inventory.js N [--seed S] [-o FILE]';

/** mulberry32: a small, fast, well-mixed 32-bit PRNG; the same seed gives the same stream. */
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Places for readable host names; a number keeps them unique at any N.
const PLACES = [
  'australia', 'chile', 'hongkong', 'iraq', 'ireland', 'romania', 'scotland', 'peru', 'kenya', 'norway',
  'japan', 'ghana', 'nepal', 'malta', 'cuba', 'fiji', 'laos', 'oman', 'chad', 'togo',
];

const ZONES = [
  'UTC', 'America/Toronto', 'Europe/Bucharest', 'Asia/Hong_Kong', 'America/Vancouver', 'Europe/Dublin',
  'Australia/Sydney', 'America/Santiago', 'Africa/Nairobi', 'Asia/Kolkata', 'Europe/London', 'Pacific/Auckland',
];

// Extra folders some hosts archive besides the defaults (etc, cron, userlocalbin).
const EXTRA_SOURCES = [
  { name: 'bcfg2', path: '/var/lib/bcfg2/', dataType: 'BCFG2 DB' },
  { name: 'etherpad', path: '/var/lib/etherpad-lite/', dataType: 'Etherpad Lite DB' },
  { name: 'www', path: '/var/www/', dataType: 'Web content' },
  { name: 'git', path: '/srv/git/', dataType: 'Git repositories' },
  { name: 'ldap', path: '/var/lib/ldap/', dataType: 'LDAP directory' },
  { name: 'mail', path: '/var/spool/mail/', dataType: 'Mail spool' },
  { name: 'koji', path: '/etc/koji-hub/', dataType: 'Koji hub configuration' },
  { name: 'home', path: '/home/', dataType: 'Home folders' },
];

const DATABASE_NAMES = ['koji', 'wiki', 'billing', 'inventory', 'tracker', 'metrics', 'auth'];

const EXTRA_SOURCE_POOL = pool(EXTRA_SOURCES);
const DATABASE_POOL = pool(DATABASE_NAMES);

function parseArgs(argv) {
  const args = { n: undefined, seed: 1, out: undefined };
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    if (arg === '--seed') args.seed = Number(argv[++i]);
    else if (arg === '-o') args.out = argv[++i];
    else if (args.n === undefined) args.n = Number(arg);
    else throw new Error(USAGE);
  }
  if (!Number.isInteger(args.n) || args.n < 7) throw new Error(`${USAGE}\nN must be a whole number of at least 7`);
  if (!Number.isInteger(args.seed)) throw new Error(`${USAGE}\nS must be a whole number`);
  if (args.out === '') throw new Error(USAGE);
  return args;
}

/** Host i's name: a place and a zero-padded number, e.g. peru-0042. */
function hostName(i, width) {
  return `${PLACES[i % PLACES.length]}-${String(i).padStart(width, '0')}`;
}

/** Decides every host's roles; the fixed roles sit on the first hosts, the rest are drawn. */
function assignRoles(n, random) {
  const copyHosts = Math.max(2, Math.min(8, Math.round(n / 1000)));
  const hosts = [];
  for (let i = 0; i < n; i += 1) {
    const roles = [];
    if (i === 0) roles.push('ADMHOST', 'SYNCHOST');
    else if (i === 1) roles.push('AGGREGHOST', 'SYNCHOST');
    else if (i === 2) roles.push('REPOHOST', 'RBDHOST');
    else if (i < 3 + copyHosts) roles.push('COPYREPOHOST', 'SYNCHOST', ...(i % 2 === 1 ? ['RBDHOST'] : []));
    else {
      const r = random();
      if (r < 0.06) roles.push('SYNCHOST');
      else if (r < 0.16) roles.push('DBHOST', 'BUDDYHOST');
      else if (r < 0.2) roles.push('DBHOST');
      else if (r < 0.9) roles.push('BUDDYHOST');
      // else: no written role (ALLSYS only): it sends copies but receives none.
    }
    hosts.push({ roles });
  }
  return hosts;
}

function pick(list, random) {
  return list[Math.floor(random() * list.length)];
}

/** A list to draw from, with a set for O(1) membership. */
function pool(items) {
  return { items, set: new Set(items) };
}

/** Up to K distinct items of POOL, none of them in EXCLUDED (a list of at most a few items). */
function pickDistinct({ items: list, set }, k, excluded, random) {
  const available = list.length - excluded.filter((x) => set.has(x)).length;
  const chosen = new Set();
  while (chosen.size < Math.min(k, available)) {
    const item = pick(list, random);
    if (!excluded.includes(item)) chosen.add(item);
  }
  return [...chosen];
}

/** A JSON string is a valid YAML double-quoted scalar: safe for any text. */
const q = (text) => JSON.stringify(text);

function startTime(random) {
  const minutes = Math.floor(random() * 6 * 60); // 00:00-05:59, the quiet hours
  return `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
}

function generate(n, seed) {
  const random = prng(seed);
  const width = String(n - 1).length;
  const names = Array.from({ length: n }, (_, i) => hostName(i, width));
  const hosts = assignRoles(n, random);
  const receivers = pool(names.filter((_, i) => hosts[i].roles.includes('SYNCHOST') || hosts[i].roles.includes('BUDDYHOST')));
  const storage = pool(names.filter((_, i) => hosts[i].roles.includes('SYNCHOST')));

  const lines = [
    `# A synthetic fleet of ${n} hosts for kindling's benchmarks (bench/generate-inventory.js ${n} --seed ${seed}).`,
    'version: 1',
    'fleet:',
    '  name: bench-fleet',
    '  distServeDir: /srv/kindling/dist',
    '  mailAlias: blaze-wildfire',
    '  mailAddress: ops@bench.example',
    '  removableLabelPrefix: bench-backup-',
    '  signing:',
    '    allowedSigners:',
    `      - ${q('admin@bench namespaces="kindling" ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBenchmarkKeyOnlyNotARealOne')}`,
    'defaults:',
    '  schedule: { start: "01:00", timeZone: UTC }',
    '  sources:',
    '    - { name: etc, path: /etc/, dataType: Configurations, estimatedSize: 20M }',
    '    - { name: cron, path: /var/spool/cron/, dataType: Cronjobs, estimatedSize: 1M }',
    '    - { name: userlocalbin, path: /usr/local/bin/, dataType: Scripts, estimatedSize: 5M }',
    '  archive: { fsType: ext4, options: defaults }',
    '  retention: { localDays: 30, networkDays: 30, removableDays: 3 }',
    '  compression: bzip2',
    'hosts:',
  ];

  for (let i = 0; i < n; i += 1) {
    const name = names[i];
    const { roles } = hosts[i];
    const has = (role) => roles.includes(role);
    lines.push(`  ${name}:`);
    if (random() < 0.3) lines.push(`    description: ${q(`Synthetic host ${i} of the benchmark fleet`)}`);
    if (roles.length > 0) lines.push(`    roles: [${roles.join(', ')}]`);

    const zone = random() < 0.4 ? undefined : pick(ZONES, random); // undefined: the default, UTC
    lines.push(`    schedule: { start: ${q(startTime(random))}${zone ? `, timeZone: ${zone}` : ''} }`);

    // The first target stores copies (a SYNCHOST) when one other than the host exists.
    const targetCount = 1 + Math.floor(random() * 3);
    const first = pickDistinct(storage, 1, [name], random);
    const rest = pickDistinct(receivers, targetCount - first.length, [name, ...first], random);
    lines.push(`    targets: [${[...first, ...rest].join(', ')}]`);

    const extra = random() < 0.35 ? pickDistinct(EXTRA_SOURCE_POOL, 1 + Math.floor(random() * 3), [], random) : [];
    if (extra.length > 0) {
      lines.push('    sources:');
      for (const s of extra) {
        lines.push(`      - { name: ${s.name}, path: ${s.path}, dataType: ${q(s.dataType)}, estimatedSize: ${10 + Math.floor(random() * 90)}M }`);
      }
    }
    if (has('DBHOST')) {
      const dbs = pickDistinct(DATABASE_POOL, 1 + Math.floor(random() * 3), [], random);
      lines.push(`    database: { engine: postgresql, osUser: postgres, databases: [${dbs.join(', ')}], estimatedSize: ${50 + Math.floor(random() * 450)}M }`);
    }
    if (has('REPOHOST')) lines.push('    repository: { path: /mnt/koji/, estimatedSize: 2TB }');
    if (random() < 0.05) lines.push(`    retention: { localDays: ${7 + Math.floor(random() * 53)}, networkDays: ${7 + Math.floor(random() * 53)} }`);
    if (random() < 0.05) lines.push(`    transfer: { bandwidthLimitKiBps: ${1000 * (1 + Math.floor(random() * 20))}, retries: ${Math.floor(random() * 5)} }`);
    if (random() < 0.15) lines.push('    compression: zstd');

    // Sizes that hold the host's copies; about 1 host in 200 is too small, so the capacity
    // warning path runs too, as it does in real fleets.
    let size;
    if (has('COPYREPOHOST')) size = '3.0T';
    else if (has('SYNCHOST') || has('REPOHOST')) size = `${2 + Math.floor(random() * 3)}.0T`;
    else if (has('DBHOST')) size = `${500 + Math.floor(random() * 700)}G`;
    else size = random() < 0.005 ? '5.0G' : `${100 + Math.floor(random() * 400)}G`;
    const fsType = random() < 0.2 ? ', fsType: xfs' : '';
    lines.push(`    archive: { device: /dev/mapper/${name}-archive, size: ${size}${fsType} }`);
  }
  return `${lines.join('\n')}\n`;
}

function main(argv) {
  let args;
  try {
    args = parseArgs(argv);
  } catch (error) {
    process.stderr.write(`${error.message}\n`);
    return 2;
  }
  const text = generate(args.n, args.seed);
  if (args.out) writeFileSync(args.out, text);
  else process.stdout.write(text);
  return 0;
}

process.exitCode = main(process.argv.slice(2));
