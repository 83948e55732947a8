#!/usr/bin/env node
// Turns one bench/run's raw measurements (hyperfine JSON, /usr/bin/time -v output) into
// bench/results/LABEL.json, checks the targets of issue 7, and (with --readme) rewrites the
// table between the markers in bench/README.md.
//
// Usage: node bench/report.js WORK_DIR RESULT_JSON [--readme README] --sizes N...
'use strict';

const { readFileSync, writeFileSync, existsSync } = require('node:fs');
const { join } = require('node:path');

const BEGIN = '<!-- bench:results:begin (written by bench/run; edit outside the markers) -->';
const END = '<!-- bench:results:end -->';

const COMMANDS = [
  { key: 'validate', title: 'validate' },
  { key: 'generate', title: 'generate, empty folder' },
  { key: 'nochange', title: 'generate, nothing changed' },
  { key: 'floor', title: 'floor: write-floor.js' },
];

// Targets of issue 7 on a 2-core machine.
const LIMITS = {
  validateSeconds: 1,
  generateToFloor: 1.5,
  nochangeSeconds: 2,
  perHostGrowth: 1.5,
  peakRssMB: 500,
};

function parseArgs(argv) {
  const [workDir, resultFile, ...rest] = argv;
  const args = { workDir, resultFile, readme: undefined, sizes: [] };
  for (let i = 0; i < rest.length; i += 1) {
    if (rest[i] === '--readme') args.readme = rest[++i];
    else if (rest[i] === '--sizes') args.sizes = rest.slice(i + 1).map(Number);
    else continue;
    if (rest[i] === '--sizes') break;
  }
  if (!workDir || !resultFile || args.sizes.length === 0) {
    throw new Error('usage: node bench/report.js WORK_DIR RESULT_JSON [--readme README] --sizes N...');
  }
  return args;
}

function readTsv(file) {
  return Object.fromEntries(
    readFileSync(file, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => {
        const tab = line.indexOf('\t');
        return [line.slice(0, tab), line.slice(tab + 1)];
      }),
  );
}

/** Peak resident set size in MB (10^6 bytes, as the target says) from a /usr/bin/time -v report. */
function peakRssMB(file) {
  const match = /Maximum resident set size \(kbytes\): (\d+)/.exec(readFileSync(file, 'utf8'));
  if (!match) throw new Error(`${file}: no maximum resident set size`);
  return (Number(match[1]) * 1024) / 1e6;
}

const round = (x, digits) => Number(x.toFixed(digits));

function measureCommand(dir, key, hosts) {
  const hyperfine = JSON.parse(readFileSync(join(dir, `${key}.json`), 'utf8')).results[0];
  return {
    command: hyperfine.command,
    runs: hyperfine.times.length,
    meanSeconds: round(hyperfine.mean, 4),
    stddevSeconds: round(hyperfine.stddev ?? 0, 4),
    medianSeconds: round(hyperfine.median, 4),
    minSeconds: round(hyperfine.min, 4),
    maxSeconds: round(hyperfine.max, 4),
    cpuSeconds: round(hyperfine.user + hyperfine.system, 4),
    perHostMs: round((hyperfine.mean * 1000) / hosts, 4),
    peakRssMB: round(peakRssMB(join(dir, `${key}.time`)), 1),
    output: readFileSync(join(dir, `${key}.stdout`), 'utf8').trim(),
  };
}

function measureSize(workDir, hosts) {
  const dir = join(workDir, String(hosts));
  const manifest = readFileSync(join(dir, 'manifest.tsv'), 'utf8').split('\n').filter(Boolean);
  const commands = Object.fromEntries(COMMANDS.map(({ key }) => [key, measureCommand(dir, key, hosts)]));
  // The folder a command writes is its last argument, relative to the repository like the command.
  const prepare = (key) => `--prepare 'rm -rf ${commands[key].command.split(' ').pop()} && sync'`;
  const runs = commands.validate.runs;
  const reproduce = {
    validate: `hyperfine --warmup 1 --runs ${runs} '${commands.validate.command}'`,
    generate: `hyperfine ${prepare('generate')} --runs ${runs} '${commands.generate.command}'`,
    nochange: `hyperfine --warmup 1 --runs ${runs} '${commands.nochange.command}'`,
    floor: `hyperfine ${prepare('floor')} --runs ${runs} '${commands.floor.command}'`,
  };
  return {
    hosts,
    inventory: readFileSync(join(dir, 'generate-inventory.cmd'), 'utf8').trim(),
    inventoryBytes: readFileSync(join(dir, 'inventory.yaml')).length,
    files: manifest.length,
    treeBytes: manifest.reduce((sum, line) => sum + Number(line.split('\t')[1]), 0),
    generateToFloor: round(commands.generate.meanSeconds / commands.floor.meanSeconds, 2),
    generateToFloorCpu: round(commands.generate.cpuSeconds / commands.floor.cpuSeconds, 2),
    commands,
    reproduce,
  };
}

function checkTargets(sizes) {
  const at = (n) => sizes.find((s) => s.hosts === n);
  const targets = [];
  const big = at(10000);
  if (big) {
    const v = big.commands.validate.meanSeconds;
    targets.push({ target: 'validate 10,000 hosts ≤ 1 s', measured: `${v.toFixed(2)} s`, met: v <= LIMITS.validateSeconds });
    const r = big.generateToFloor;
    targets.push({
      target: 'first generate 10,000 hosts ≤ 1.5 × floor',
      measured:
        `${r.toFixed(2)} × in wall time (${big.commands.generate.meanSeconds.toFixed(2)} s / ${big.commands.floor.meanSeconds.toFixed(2)} s), ` +
        `${big.generateToFloorCpu.toFixed(2)} × in CPU time (${big.commands.generate.cpuSeconds.toFixed(2)} s / ${big.commands.floor.cpuSeconds.toFixed(2)} s)`,
      met: r <= LIMITS.generateToFloor,
    });
    const c = big.commands.nochange;
    const zero = /: 0 written,/.test(c.output);
    targets.push({
      target: 'no-change generate 10,000 hosts writes 0 files in ≤ 2 s',
      measured: `${zero ? '0 written' : c.output}, ${c.meanSeconds.toFixed(2)} s`,
      met: zero && c.meanSeconds <= LIMITS.nochangeSeconds,
    });
  }
  // Wall time over N hides growth behind Node's start-up at small N, so the per-host cost is
  // also taken beyond the fixed cost of the smallest fleet, in CPU time (user + system), which
  // other load on the machine disturbs far less than wall time: (cpu(N) - cpu(7)) / (N - 7).
  const small = at(100);
  const base = at(7);
  if (small && big) {
    for (const { key, title } of COMMANDS.slice(0, 3)) {
      const growth = big.commands[key].perHostMs / small.commands[key].perHostMs;
      targets.push({
        target: `time per host flat, ${title}: N=10,000 ≤ 1.5 × N=100`,
        measured: `${growth.toFixed(2)} × (${big.commands[key].perHostMs.toFixed(3)} ms / ${small.commands[key].perHostMs.toFixed(3)} ms)`,
        met: growth <= LIMITS.perHostGrowth,
      });
      if (base) {
        const marginal = (s) => ((s.commands[key].cpuSeconds - base.commands[key].cpuSeconds) * 1000) / (s.hosts - base.hosts);
        const ratio = marginal(big) / marginal(small);
        targets.push({
          target: `marginal CPU time per host, ${title} (beyond N=7): N=10,000 ≤ 1.5 × N=100`,
          measured: `${ratio.toFixed(2)} × (${marginal(big).toFixed(3)} ms / ${marginal(small).toFixed(3)} ms)`,
          met: ratio <= LIMITS.perHostGrowth,
        });
      }
    }
  }
  const peaks = sizes.flatMap((s) => COMMANDS.slice(0, 3).map(({ key }) => ({ hosts: s.hosts, key, mb: s.commands[key].peakRssMB })));
  const worst = peaks.reduce((a, b) => (b.mb > a.mb ? b : a));
  targets.push({
    target: 'peak memory ≤ 500 MB (every kindling command, every N)',
    measured: `${worst.mb.toFixed(0)} MB (${worst.key}, N=${worst.hosts.toLocaleString('en-US')})`,
    met: worst.mb <= LIMITS.peakRssMB,
  });
  return targets;
}

function table(result) {
  const env = result.environment;
  const lines = [
    BEGIN,
    '',
    `Measured at commit \`${env.commit.slice(0, 12)}\`${Number(env.dirty) > 0 ? ` (with ${env.dirty} uncommitted changes in src/ or templates/)` : ''} on ${env.date}: ` +
      `${env.cpus} × ${env.cpu}, ${env.filesystem}, Node ${env.node}, ${env.hyperfine}. Raw numbers: [\`results/${result.label}.json\`](results/${result.label}.json).`,
    '',
    '| N | files | command | wall, mean ± σ | CPU (user + sys) | per host | peak RSS | reproduce (after `npm run -s build` and the inventory command) |',
    '|---:|---:|---|---:|---:|---:|---:|---|',
  ];
  for (const size of result.sizes) {
    for (const { key, title } of COMMANDS) {
      const c = size.commands[key];
      lines.push(
        `| ${size.hosts.toLocaleString('en-US')} | ${size.files.toLocaleString('en-US')} | ${title} | ${c.meanSeconds.toFixed(3)} s ± ${c.stddevSeconds.toFixed(3)} | ${c.cpuSeconds.toFixed(3)} s | ` +
          `${c.perHostMs.toFixed(3)} ms | ${c.peakRssMB.toFixed(0)} MB | \`${size.reproduce[key]}\` |`,
      );
    }
  }
  lines.push('', 'Inventories: ' + result.sizes.map((s) => `\`${s.inventory}\` (${(s.inventoryBytes / 1024).toFixed(0)} KiB)`).join(', ') + '.', '');
  lines.push('| target | measured | met |', '|---|---|---|');
  for (const t of result.targets) lines.push(`| ${t.target} | ${t.measured} | ${t.met ? 'yes' : '**no**'} |`);
  lines.push('', END);
  return lines.join('\n');
}

function main(argv) {
  const args = parseArgs(argv);
  const environment = readTsv(join(args.workDir, 'environment.tsv'));
  const sizes = args.sizes.map((n) => measureSize(args.workDir, n));
  const label = args.resultFile.replace(/^.*\//, '').replace(/\.json$/, '');
  const result = { label, environment, limits: LIMITS, sizes, targets: checkTargets(sizes) };
  writeFileSync(args.resultFile, `${JSON.stringify(result, null, 2)}\n`);
  const rendered = table(result);
  if (args.readme) {
    const text = existsSync(args.readme) ? readFileSync(args.readme, 'utf8') : `${BEGIN}\n${END}\n`;
    const begin = text.indexOf(BEGIN);
    const end = text.indexOf(END);
    if (begin === -1 || end === -1) throw new Error(`${args.readme}: the result markers are missing`);
    writeFileSync(args.readme, text.slice(0, begin) + rendered + text.slice(end + END.length));
  }
  process.stdout.write(`${rendered}\n`);
}

main(process.argv.slice(2));
