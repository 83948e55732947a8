import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildPlan } from '../../../src/pipeline';
import { capacityChartSvg, CHART_HOST_LIMIT } from '../../../src/forecast/chart';
import { forecastCapacity } from '../../../src/forecast/forecast';
import type { CapacityEstimate } from '../../../src/inventory/capacity';
import { FLEET20_INVENTORY, runCli, scratchDir, SEED_INVENTORY } from '../support/cli';

/** The part of jsdom used here (its own types need the DOM library, which kindling compiles without). */
interface XmlDocument {
  documentElement: { tagName: string };
  getElementsByTagName(name: string): ArrayLike<{ textContent: string | null }>;
}
const { JSDOM } = require('jsdom') as { JSDOM: new (html: string) => { window: { DOMParser: new () => { parseFromString(text: string, type: string): XmlDocument } } } };

/** Parses SVG as XML (a parse error is a <parsererror> document) and returns the texts drawn. */
function svgTexts(svg: string): string[] {
  const document = new new JSDOM('').window.DOMParser().parseFromString(svg, 'image/svg+xml');
  assert.equal(document.getElementsByTagName('parsererror').length, 0, 'the SVG is well-formed XML');
  assert.equal(document.documentElement.tagName, 'svg');
  return Array.from(document.getElementsByTagName('text')).map((t) => t.textContent ?? '');
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
