// The topology picture: `kindling graph` and the Mermaid block of dist/README.md parse with
// the real Mermaid parser and the real Graphviz, and draw exactly the plan's copies.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import { FLEET20_INVENTORY, GOLDEN_SEED, REPO_ROOT, SEED_INVENTORY, runCli } from '../support/cli';
import { scratchDirFor } from '../support/scratch';

const MERMAID_PARSE = join(REPO_ROOT, 'test', 'unit', 'support', 'mermaid-parse.mjs');
const FLEETS = [SEED_INVENTORY, FLEET20_INVENTORY];

interface JsonPlan {
  hosts: { name: string; targets: string[]; repoTargets: string[]; removableDrives: boolean }[];
}

function planOf(inventory: string): JsonPlan {
  const result = runCli(['plan', '--json', '-i', inventory]);
  assert.equal(result.status, 0, result.stderr);
  return JSON.parse(result.stdout) as JsonPlan;
}

function graphOf(inventory: string, format: string): string {
  const result = runCli(['graph', '--format', format, '-i', inventory]);
  assert.equal(result.status, 0, result.stderr);
  return result.stdout;
}

function parseMermaid(files: string[]): { status: number | null; output: string } {
  const result = spawnSync(process.execPath, [MERMAID_PARSE, ...files], { encoding: 'utf8', timeout: 120_000 });
  return { status: result.status, output: result.stdout + result.stderr };
}

test('the Mermaid text of both fleets and of awkward host names parses with the mermaid package, and a broken one does not', (t) => {
  const dir = scratchDirFor(t);
  const files = [join(GOLDEN_SEED, 'README.md'), join(REPO_ROOT, 'test', 'golden', 'fleet20', 'README.md')];
  // Host names that are Mermaid words or edge syntax on their own: end, o-x (--o), x1.
  const document = parseDocument(readFileSync(SEED_INVENTORY, 'utf8'));
  for (const name of ['end', 'o-x', 'x1']) {
    document.setIn(['hosts', name], document.createNode({ schedule: { start: '04:00' }, targets: ['iraq'], archive: { device: `/dev/mapper/${name}`, size: '20G' } }));
  }
  document.setIn(['hosts', 'iraq', 'targets'], ['chile', 'end', 'o-x', 'x1']);
  const awkward = join(dir, 'inventory.yaml');
  writeFileSync(awkward, document.toString());
  [...FLEETS, awkward].forEach((inventory, i) => {
    const file = join(dir, `graph-${i}.mmd`);
    writeFileSync(file, graphOf(inventory, 'mermaid'));
    files.push(file);
  });
  assert.match(readFileSync(files.at(-1)!, 'utf8'), /\n  h_iraq -->\|LAN copy\| h_o_x\n/);
  const good = parseMermaid(files);
  assert.equal(good.status, 0, good.output);
  assert.equal(good.output.match(/: diagram 1: flowchart/g)?.length, 5, good.output);

  // The parser must be able to say no: "end" is a Mermaid keyword, not a node.
  const broken = join(dir, 'broken.mmd');
  writeFileSync(broken, graphOf(SEED_INVENTORY, 'mermaid').replace('h_australia -->|LAN copy| h_iraq', 'h_australia -->|LAN copy| end'));
  const bad = parseMermaid([broken]);
  assert.equal(bad.status, 1, bad.output);
  assert.match(bad.output, /Parse error/);
});

test('the README\'s diagram is the graph command\'s Mermaid text', () => {
  const readme = readFileSync(join(GOLDEN_SEED, 'README.md'), 'utf8');
  assert.ok(readme.includes(`\`\`\`mermaid\n${graphOf(SEED_INVENTORY, 'mermaid')}\`\`\`\n`));
});

test('the Mermaid edges are the plan\'s LAN copies, repository copies and removable drives', () => {
  for (const inventory of FLEETS) {
    const plan = planOf(inventory);
    const lines = graphOf(inventory, 'mermaid').split('\n');
    const id = (host: string): string => `h_${host.replace(/-/g, '_')}`;
    const expected = plan.hosts.flatMap((h) => [
      ...h.targets.map((t) => `  ${id(h.name)} -->|LAN copy| ${id(t)}`),
      ...h.repoTargets.map((t) => `  ${id(h.name)} ==>|repository| ${id(t)}`),
      ...(h.removableDrives ? [`  ${id(h.name)} -.->|drives| d_${h.name.replace(/-/g, '_')}`] : []),
    ]);
    assert.deepEqual(lines.filter((l) => / (-->|==>|-\.->)/.test(l)), expected);
  }
});

test('the DOT text of both fleets is accepted by Graphviz and has one edge per copy', () => {
  for (const inventory of FLEETS) {
    const plan = planOf(inventory);
    const dot = spawnSync('dot', ['-Tplain'], { input: graphOf(inventory, 'dot'), encoding: 'utf8', timeout: 60_000 });
    assert.equal(dot.error, undefined, 'Graphviz (dot) must be installed: scripts/test-all installs it');
    assert.equal(dot.status, 0, dot.stderr);
    const edges = dot.stdout.split('\n').filter((l) => l.startsWith('edge ')).length;
    const copies = plan.hosts.reduce((n, h) => n + h.targets.length + h.repoTargets.length + (h.removableDrives ? 1 : 0), 0);
    assert.equal(edges, copies);
  }
});

test('both pictures mark the admin host, and only it', () => {
  for (const inventory of FLEETS) {
    const plan = planOf(inventory) as JsonPlan & { adminHost: string };
    const admin = plan.adminHost;
    const id = `h_${admin.replace(/-/g, '_')}`;
    const mermaid = graphOf(inventory, 'mermaid');
    assert.ok(mermaid.includes(`\n  ${id}["${admin} (admin host)"]\n`), mermaid);
    assert.ok(mermaid.endsWith(`  classDef admin stroke-width:4px\n  class ${id} admin\n`), mermaid);
    assert.equal(mermaid.match(/\(admin host\)/g)?.length, 1);
    // Graphviz lays it out: the admin node carries the label; every other host its own name.
    const plain = spawnSync('dot', ['-Tplain'], { input: graphOf(inventory, 'dot'), encoding: 'utf8', timeout: 60_000 });
    assert.equal(plain.status, 0, plain.stderr);
    const nodes = plain.stdout.split('\n').filter((l) => l.startsWith('node '));
    const labelled = nodes.filter((l) => l.includes('"(admin host)"') || l.includes('"' + admin + ' (admin host)"'));
    assert.equal(labelled.length, 1, nodes.join('\n'));
    assert.ok(labelled[0]!.startsWith(`node ${admin} `), labelled[0]);
  }
});

test('every arrow of both pictures says what travels on it', () => {
  for (const inventory of FLEETS) {
    const mermaid = graphOf(inventory, 'mermaid').split('\n').filter((l) => / (-->|==>|-\.->)/.test(l));
    assert.ok(mermaid.length > 0);
    for (const line of mermaid) assert.match(line, / (-->\|LAN copy\||==>\|repository\||-\.->\|drives\|) /);
    const plain = spawnSync('dot', ['-Tplain'], { input: graphOf(inventory, 'dot'), encoding: 'utf8', timeout: 60_000 });
    const edges = plain.stdout.split('\n').filter((l) => l.startsWith('edge '));
    assert.equal(edges.length, mermaid.length);
    // -Tplain: "edge tail head n x1 y1 … label xl yl style color"; the label is after the points.
    for (const edge of edges) assert.match(edge, / ("LAN copy"|repository|drives) [0-9.]+ [0-9.]+ (solid|bold|dashed) /, edge);
  }
});

test('an unknown graph format is bad input (exit 2)', () => {
  const result = runCli(['graph', '--format', 'png', '-i', SEED_INVENTORY]);
  assert.equal(result.status, 2);
  assert.match(result.stderr, /unknown graph format 'png'; use one of: mermaid, dot/);
});
