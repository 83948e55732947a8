import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildPlan } from '../../../src/pipeline';
import { capacityChartSvg, CHART_HOST_LIMIT, panelScale } from '../../../src/forecast/chart';
import { forecastCapacity } from '../../../src/forecast/forecast';
import type { CapacityEstimate } from '../../../src/inventory/capacity';
import { FLEET20_INVENTORY, runCli, scratchDir, SEED_INVENTORY } from '../support/cli';

interface SvgElement {
  textContent: string | null;
  getAttribute(name: string): string | null;
  getElementsByTagName(name: string): ArrayLike<SvgElement>;
}

/** The part of jsdom used here (its own types need the DOM library, which kindling compiles without). */
interface XmlDocument {
  documentElement: { tagName: string };
  getElementsByTagName(name: string): ArrayLike<SvgElement>;
}
const { JSDOM } = require('jsdom') as { JSDOM: new (html: string) => { window: { DOMParser: new () => { parseFromString(text: string, type: string): XmlDocument } } } };

/** Parses SVG as XML; a parse error is a <parsererror> document and fails the test. */
function parseSvg(svg: string): XmlDocument {
  const document = new new JSDOM('').window.DOMParser().parseFromString(svg, 'image/svg+xml');
  assert.equal(document.getElementsByTagName('parsererror').length, 0, 'the SVG is well-formed XML');
  assert.equal(document.documentElement.tagName, 'svg');
  return document;
}

/** The texts an SVG draws, in document order. */
function svgTexts(svg: string): string[] {
  return Array.from(parseSvg(svg).getElementsByTagName('text')).map((t) => t.textContent ?? '');
}

function seedForecast(): ReturnType<typeof forecastCapacity> {
  const { plan } = buildPlan(SEED_INVENTORY);
  return forecastCapacity(new Map(plan.hosts.map((h) => [h.name, h.capacity])), { nights: 60, growthPerNight: 0 });
}

test('the seed fleet\'s chart parses as XML and draws every host, the one that fills first first, with the size and floor lines', () => {
  const texts = svgTexts(capacityChartSvg(seedForecast()));
  const titles = texts.filter((t) => /^[a-z]+: /.test(t)).map((t) => t.split(':')[0]);
  assert.deepEqual(titles, ['hongkong', 'romania', 'scotland', 'chile', 'iraq', 'australia', 'ireland']);
  assert.ok(texts.includes('below the floor from night 27'));
  for (const legend of ['used', 'size', 'floor']) assert.ok(texts.includes(legend), legend);
});

test('the chart is byte-identical when drawn twice in one process and by generate in two processes', () => {
  const forecast = seedForecast();
  assert.equal(capacityChartSvg(forecast), capacityChartSvg(forecast));
  const [first, second] = [scratchDir(), scratchDir()];
  for (const out of [first, second]) assert.equal(runCli(['generate', '-i', FLEET20_INVENTORY, '-o', out]).status, 0);
  const svg = readFileSync(join(first, 'capacity-forecast.svg'), 'utf8');
  assert.equal(readFileSync(join(second, 'capacity-forecast.svg'), 'utf8'), svg);
  assert.doesNotMatch(svg, /zr\d+-/);
  assert.equal(svgTexts(svg).filter((t) => /^[a-z]+: /.test(t)).length, 20);
  assert.match(readFileSync(join(first, 'README.md'), 'utf8'), /\]\(capacity-forecast\.svg\)/);
});

test(`a fleet larger than ${CHART_HOST_LIMIT} hosts draws the ${CHART_HOST_LIMIT} that fill first`, () => {
  const hosts = new Map<string, CapacityEstimate>();
  const { plan } = buildPlan(SEED_INVENTORY);
  const template = plan.hosts.find((h) => h.name === 'australia')!.capacity;
  // 30 hosts alike but for their size: host-NN with a larger NN has a smaller disk and fills first.
  for (let i = 0; i < 30; i++) {
    hosts.set(`host-${String(i).padStart(2, '0')}`, { ...template, sizeBytes: (40 - i) * 100 * 1024 ** 2, contributors: { ...template.contributors, senders: [] } });
  }
  const forecast = forecastCapacity(hosts, { nights: 60, growthPerNight: 0 });
  const titles = svgTexts(capacityChartSvg(forecast)).filter((t) => /^host-/.test(t)).map((t) => t.split(':')[0]);
  assert.equal(titles.length, CHART_HOST_LIMIT);
  assert.deepEqual(titles, forecast.summaries.slice(0, CHART_HOST_LIMIT).map((s) => s.host));
  assert.equal(titles[0], 'host-29');
});

/** A fleet of one host NAME, with the seed's australia's estimates and no senders. */
function oneHostForecast(name: string, nights: number): ReturnType<typeof forecastCapacity> {
  const { plan } = buildPlan(SEED_INVENTORY);
  const template = plan.hosts.find((h) => h.name === 'australia')!.capacity;
  return forecastCapacity(new Map([[name, { ...template, contributors: { ...template.contributors, senders: [] } }]]), { nights, growthPerNight: 0 });
}

test('a host name with XML\'s special characters is escaped: the chart still parses and shows the name as written', () => {
  const name = 'a<b&c"d\'e';
  const forecast = oneHostForecast(name, 60);
  const svg = capacityChartSvg(forecast);
  assert.doesNotMatch(svg, /a<b/);
  const document = parseSvg(svg);
  assert.ok(svgTexts(svg).includes(`${name}: not full within 60 nights`));
  const panel = Array.from(document.getElementsByTagName('g')).find((g) => g.getAttribute('class') === 'panel')!;
  assert.equal(panel.getAttribute('data-host'), name);
  assert.equal(panel.getElementsByTagName('title')[0]!.textContent, name);
});

test('each panel\'s used line ends at the last night that kindling forecast --json gives, in the panel\'s coordinates', () => {
  const run = runCli(['forecast', '--json', '-i', SEED_INVENTORY]);
  assert.equal(run.status, 0, run.stderr);
  const json = JSON.parse(run.stdout) as { nights: number; hosts: { host: string; sizeBytes: number | null; usedBytes: number[] }[] };
  const forecast = seedForecast();
  const document = parseSvg(capacityChartSvg(forecast));
  const panels = Array.from(document.getElementsByTagName('g')).filter((g) => g.getAttribute('class') === 'panel');
  assert.deepEqual(panels.map((g) => g.getAttribute('data-host')), json.hosts.map((h) => h.host));
  panels.forEach((panel, index) => {
    const host = json.hosts[index]!;
    const line = Array.from(panel.getElementsByTagName('path')).find((p) => p.getAttribute('class') === 'used')!;
    const last = line.getAttribute('d')!.trim().split(/[ML ]+/).filter(Boolean).at(-1)!.split(',').map(Number);
    const scale = panelScale(index, forecast.summaries[index]!, host.usedBytes);
    const expected = [scale.x(json.nights), scale.y(host.usedBytes.at(-1)!)];
    assert.ok(Math.abs(last[0]! - expected[0]!) <= 0.05 && Math.abs(last[1]! - expected[1]!) <= 0.05, `${host.host}: last point ${last.join(',')}, expected ${expected.join(',')}`);
    // The line ends inside the panel, on its last night's tick.
    assert.ok(last[1]! >= scale.y(scale.byteTicks.at(-1)!) && last[1]! <= scale.y(0), `${host.host}: inside the plot`);
    assert.equal(scale.nightTicks.at(-1), json.nights);
  });
});

test('a long host name is cut with an ellipsis in its panel\'s title, so the title stays inside its 300-pixel panel; the full name stays the tooltip', () => {
  const name = 'backup-server-in-the-basement-07';
  const forecast = oneHostForecast(name, 365);
  const svg = capacityChartSvg(forecast);
  const texts = svgTexts(svg);
  assert.ok(texts.includes('backup-server-i…: not full within 365 nights'), texts.join('|'));
  assert.match(svg, /<title>backup-server-in-the-basement-07<\/title>/);
});
