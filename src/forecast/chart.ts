// The capacity forecast as one small-multiples SVG for dist/README.md: per host, /archive use
// night by night against its size and the level where free space falls below the floor.
// Drawn by ECharts' server-side SVG renderer (no DOM, no browser). Pure and byte-stable: no
// animation, no timestamps, and zrender's per-process instance id is replaced by a fixed one.
import { formatBytes } from '../format/bytes';
import type { FleetForecast } from './forecast';
import { fullText } from './summary';

/**
 * The part of ECharts this file uses. Its own type declarations need the DOM's types (a
 * browser library); kindling compiles for Node without them, so the module is required
 * under this small interface instead.
 */
interface ServerSideECharts {
  init(
    dom: null,
    theme: null,
    options: { renderer: 'svg'; ssr: true; width: number; height: number },
  ): { setOption(option: object): void; renderToSVGString(): string; dispose(): void };
}

function loadECharts(): ServerSideECharts {
  return require('echarts') as ServerSideECharts;
}

/** At most this many hosts are drawn: those that fill first (a 10,000-host fleet stays one readable picture). */
export const CHART_HOST_LIMIT = 24;

const COLUMNS = 3;
const CELL_WIDTH = 300;
const CELL_HEIGHT = 190;
const GIGABYTE = 1000 ** 3;

function gigabytes(bytes: number): number {
  return Math.round((bytes / GIGABYTE) * 1000) / 1000;
}

/**
 * [night, GB] points of a line, without the middle of a run of equal values (a host at its
 * steady state draws the same line with two points as with thirty): fewer points, faster render.
 */
function linePoints(bytes: number[]): number[][] {
  const values = bytes.map(gigabytes);
  const points: number[][] = [];
  values.forEach((value, i) => {
    if (i > 0 && i < values.length - 1 && value === values[i - 1] && value === values[i + 1]) return;
    points.push([i + 1, value]);
  });
  return points;
}

/** The hosts the chart shows, fills first first. */
export function chartedHosts(forecast: FleetForecast): string[] {
  return forecast.summaries.slice(0, CHART_HOST_LIMIT).map((s) => s.host);
}

/**
 * zrender numbers its instances, clip paths and style classes with counters that live as long
 * as the process (zr0-c0, zr1-cls-5, …): the same inventory must give the same bytes, so each
 * such name is renumbered in the order it first appears in this SVG.
 */
function renumberIds(svg: string): string {
  const names = new Map<string, string>();
  return svg.replace(/\bzr\d+-([A-Za-z]+)-?\d+\b/g, (name, kind: string) => {
    let renamed = names.get(name);
    if (renamed === undefined) {
      renamed = `capacity-${kind}-${names.size}`;
      names.set(name, renamed);
    }
    return renamed;
  });
}

export function capacityChartSvg(forecast: FleetForecast): string {
  const summaries = forecast.summaries.slice(0, CHART_HOST_LIMIT);
  const rows = Math.max(1, Math.ceil(summaries.length / COLUMNS));
  const columns = Math.min(COLUMNS, Math.max(1, summaries.length));
  const width = columns * CELL_WIDTH;
  const height = rows * CELL_HEIGHT + 30;
  const grid: object[] = [];
  const xAxis: object[] = [];
  const yAxis: object[] = [];
  const title: object[] = [];
  const series: object[] = [];
  summaries.forEach((summary, index) => {
    const left = (index % COLUMNS) * CELL_WIDTH;
    const top = Math.floor(index / COLUMNS) * CELL_HEIGHT + 30;
    const used = forecast.byHost.get(summary.host)!.usedBytes;
    title.push({
      text: `${summary.host}: ${fullText(summary)}`,
      subtext: summary.floorNight === undefined ? `peak ${formatBytes(summary.peakBytes)}` : `below the floor from night ${summary.floorNight}`,
      left: left + 10,
      top: top - 8,
      textStyle: { fontSize: 12 },
      subtextStyle: { fontSize: 10 },
    });
    grid.push({ left: left + 50, top: top + 36, width: CELL_WIDTH - 70, height: CELL_HEIGHT - 72 });
    xAxis.push({ type: 'value', gridIndex: index, min: 1, max: used.length, axisLabel: { fontSize: 9 }, splitLine: { show: false } });
    yAxis.push({ type: 'value', gridIndex: index, min: 0, name: 'GB', nameTextStyle: { fontSize: 9 }, axisLabel: { fontSize: 9 } });
    const line = (name: string, points: number[][], style: object): object => ({
      name,
      type: 'line',
      xAxisIndex: index,
      yAxisIndex: index,
      showSymbol: false,
      data: points,
      ...style,
    });
    series.push(line('used', linePoints(used), { lineStyle: { color: '#1f77b4', width: 2 }, areaStyle: { color: '#1f77b4', opacity: 0.25 }, itemStyle: { color: '#1f77b4' } }));
    if (summary.sizeBytes !== undefined) {
      const size = summary.sizeBytes;
      series.push(line('size', [[1, gigabytes(size)], [used.length, gigabytes(size)]], { lineStyle: { color: '#d62728', width: 1.5 }, itemStyle: { color: '#d62728' } }));
      const level = gigabytes(Math.max(0, size - summary.floorBytes));
      series.push(line('floor', [[1, level], [used.length, level]], { lineStyle: { color: '#ff7f0e', width: 1, type: 'dashed' }, itemStyle: { color: '#ff7f0e' } }));
    }
  });
  const chart = loadECharts().init(null, null, { renderer: 'svg', ssr: true, width, height });
  try {
    chart.setOption({
      animation: false,
      backgroundColor: '#ffffff',
      title,
      legend: { data: ['used', 'size', 'floor'], top: 4, left: 'center', textStyle: { fontSize: 11 } },
      grid,
      xAxis,
      yAxis,
      series,
    });
    return `${renumberIds(chart.renderToSVGString())}\n`;
  } finally {
    chart.dispose();
  }
}
