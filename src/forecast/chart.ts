// The capacity forecast as one small-multiples SVG for dist/README.md: per host, /archive use
// night by night against its size and the level where free space falls below the floor.
// Written as plain SVG text (a few lines, rectangles and labels need no chart library): every
// coordinate is rounded to one decimal and nothing depends on time or the process, so the
// same forecast gives the same bytes.
import { formatBytes } from '../format/bytes';
import type { FleetForecast } from './forecast';
import { fullText, type ForecastSummary } from './summary';

/** At most this many hosts are drawn: those that fill first (a 10,000-host fleet stays one readable picture). */
export const CHART_HOST_LIMIT = 24;

const COLUMNS = 3;
const CELL_WIDTH = 300;
const CELL_HEIGHT = 190;
/** The chart's title and legend above the panels. */
const HEADER_HEIGHT = 44;
/** The plot area inside a panel: room on the left for the y labels, above for the titles, below for the night ticks. */
const PLOT = { left: 62, right: 14, top: 46, bottom: 28 };
/** Host names longer than this are cut with an ellipsis in a panel's title (the full name is its tooltip), so titles never run into the next panel. */
const TITLE_NAME_CHARS = 16;

const COLOURS = { used: '#1f77b4', size: '#d62728', floor: '#ff7f0e', axis: '#6e7079', grid: '#e0e6f1', text: '#333333' };

/** The hosts the chart shows, fills first first. */
export function chartedHosts(forecast: FleetForecast): string[] {
  return forecast.summaries.slice(0, CHART_HOST_LIMIT).map((s) => s.host);
}

/** Text for SVG content and attribute values: host names come from the inventory. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** A coordinate with one decimal, without a trailing ".0": the SVG's bytes do not depend on float noise. */
function coordinate(value: number): string {
  const fixed = (Math.round(value * 10) / 10).toFixed(1);
  return fixed.endsWith('.0') ? fixed.slice(0, -2) : fixed;
}

/** A round step (1, 2 or 5 × a power of ten) that cuts 0..max into at most about five intervals. */
function niceStep(max: number, intervals: number): number {
  const raw = max / intervals;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const normalized = raw / magnitude;
  const factor = normalized <= 1 ? 1 : normalized <= 2 ? 2 : normalized <= 5 ? 5 : 10;
  return factor * magnitude;
}

/** Where a panel draws: night and bytes to SVG coordinates, and the axes' ticks. */
export interface PanelScale {
  /** The panel's top-left corner in the SVG. */
  left: number;
  top: number;
  x(night: number): number;
  y(bytes: number): number;
  /** Night ticks: 1, round nights and the last night. */
  nightTicks: number[];
  /** Byte ticks from 0 to the top of the y axis. */
  byteTicks: number[];
}

/**
 * The scale of the INDEX-th panel (fills first first) for a host whose /archive use over its
 * nights is USED: its y axis reaches past the volume's size and the highest night.
 */
export function panelScale(index: number, summary: ForecastSummary, used: readonly number[]): PanelScale {
  const left = (index % COLUMNS) * CELL_WIDTH;
  const top = Math.floor(index / COLUMNS) * CELL_HEIGHT + HEADER_HEIGHT;
  const nights = Math.max(1, used.length);
  const highest = Math.max(1, summary.sizeBytes ?? 0, ...used);
  const byteStep = niceStep(highest, 4);
  const byteTop = Math.ceil(highest / byteStep) * byteStep;
  const byteTicks: number[] = [];
  for (let i = 0; i * byteStep <= byteTop * (1 + 1e-9); i++) byteTicks.push(i * byteStep);
  const nightStep = nights <= 1 ? 1 : Math.max(1, niceStep(nights, 6));
  const nightTicks = [1];
  for (let night = nightStep; night <= nights; night += nightStep) if (night > 1) nightTicks.push(night);
  // The last night is always a tick; a round one too close to it gives way so labels never touch.
  if (nightTicks.at(-1) !== nights) {
    if (nightTicks.length > 1 && nights - nightTicks.at(-1)! < nightStep / 2) nightTicks.pop();
    nightTicks.push(nights);
  }
  const plotLeft = left + PLOT.left;
  const plotWidth = CELL_WIDTH - PLOT.left - PLOT.right;
  const plotBottom = top + CELL_HEIGHT - PLOT.bottom;
  const plotHeight = CELL_HEIGHT - PLOT.top - PLOT.bottom;
  return {
    left,
    top,
    x: (night) => plotLeft + (nights === 1 ? 0 : ((night - 1) / (nights - 1)) * plotWidth),
    y: (bytes) => plotBottom - (bytes / byteTop) * plotHeight,
    nightTicks,
    byteTicks,
  };
}

/** A y tick's label in the fleet document's units; 0 is plain 0. */
function byteLabel(bytes: number): string {
  return bytes === 0 ? '0' : formatBytes(bytes);
}

/**
 * The used-space line as points "x,y": the middle of a run of equal nights is left out (a host
 * at its steady state draws the same line with two points as with thirty).
 */
function usedPoints(used: readonly number[], scale: PanelScale): string[] {
  const points: string[] = [];
  used.forEach((bytes, i) => {
    if (i > 0 && i < used.length - 1 && bytes === used[i - 1] && bytes === used[i + 1]) return;
    points.push(`${coordinate(scale.x(i + 1))},${coordinate(scale.y(bytes))}`);
  });
  return points;
}

function text(x: number, y: number, content: string, attributes: string): string {
  return `<text x="${coordinate(x)}" y="${coordinate(y)}" ${attributes}>${escapeXml(content)}</text>`;
}

function horizontal(scale: PanelScale, nights: number, bytes: number, attributes: string): string {
  const y = coordinate(scale.y(bytes));
  return `<line x1="${coordinate(scale.x(1))}" y1="${y}" x2="${coordinate(scale.x(nights))}" y2="${y}" ${attributes}/>`;
}

function titleName(host: string): string {
  return host.length <= TITLE_NAME_CHARS ? host : `${host.slice(0, TITLE_NAME_CHARS - 1)}…`;
}

function panel(index: number, summary: ForecastSummary, usedBytes: readonly number[]): string {
  const used = usedBytes.length > 0 ? usedBytes : [0];
  const scale = panelScale(index, summary, used);
  const nights = Math.max(1, used.length);
  const [plotLeft, plotRight] = [scale.x(1), scale.x(nights)];
  const plotBottom = scale.y(0);
  const parts: string[] = [`<g class="panel" data-host="${escapeXml(summary.host)}">`, `<title>${escapeXml(summary.host)}</title>`];
  parts.push(text(scale.left + 10, scale.top + 14, `${titleName(summary.host)}: ${fullText(summary)}`, `font-size="11" font-weight="bold" fill="${COLOURS.text}"`));
  const subtitle = summary.floorNight === undefined ? `peak ${formatBytes(summary.peakBytes)}` : `below the floor from night ${summary.floorNight}`;
  parts.push(text(scale.left + 10, scale.top + 29, subtitle, `font-size="10" fill="${COLOURS.axis}"`));
  for (const tick of scale.byteTicks) {
    const y = scale.y(tick);
    parts.push(`<line x1="${coordinate(plotLeft)}" y1="${coordinate(y)}" x2="${coordinate(plotRight)}" y2="${coordinate(y)}" stroke="${COLOURS.grid}"/>`);
    parts.push(text(plotLeft - 5, y + 3, byteLabel(tick), `font-size="9" text-anchor="end" fill="${COLOURS.axis}"`));
  }
  for (const night of scale.nightTicks) {
    const x = scale.x(night);
    parts.push(`<line x1="${coordinate(x)}" y1="${coordinate(plotBottom)}" x2="${coordinate(x)}" y2="${coordinate(plotBottom + 4)}" stroke="${COLOURS.axis}"/>`);
    parts.push(text(x, plotBottom + 14, String(night), `font-size="9" text-anchor="middle" fill="${COLOURS.axis}"`));
  }
  parts.push(`<line x1="${coordinate(plotLeft)}" y1="${coordinate(plotBottom)}" x2="${coordinate(plotRight)}" y2="${coordinate(plotBottom)}" stroke="${COLOURS.axis}"/>`);
  const points = usedPoints(used, scale);
  const bottom = coordinate(plotBottom);
  parts.push(`<path class="used-area" d="M${points[0]!.split(',')[0]},${bottom} L${points.join(' L')} L${points.at(-1)!.split(',')[0]},${bottom} Z" fill="${COLOURS.used}" fill-opacity="0.25" stroke="none"/>`);
  parts.push(`<path class="used" d="M${points.join(' L')}" fill="none" stroke="${COLOURS.used}" stroke-width="2" stroke-linejoin="round"/>`);
  if (summary.sizeBytes !== undefined) {
    parts.push(horizontal(scale, nights, summary.sizeBytes, `class="size" stroke="${COLOURS.size}" stroke-width="1.5"`));
    const level = Math.max(0, summary.sizeBytes - summary.floorBytes);
    parts.push(horizontal(scale, nights, level, `class="floor" stroke="${COLOURS.floor}" stroke-width="1" stroke-dasharray="5 3"`));
  }
  parts.push('</g>');
  return parts.join('\n');
}

/** The legend, centred under the chart's title: a short sample of each line and its name. */
function legend(width: number): string {
  const items: [string, string][] = [
    ['used', `stroke="${COLOURS.used}" stroke-width="2"`],
    ['size', `stroke="${COLOURS.size}" stroke-width="1.5"`],
    ['floor', `stroke="${COLOURS.floor}" stroke-width="1" stroke-dasharray="5 3"`],
  ];
  const itemWidth = 70;
  const start = width / 2 - (items.length * itemWidth) / 2;
  return items
    .map(([name, stroke], i) => {
      const x = start + i * itemWidth;
      return `<line x1="${coordinate(x)}" y1="34" x2="${coordinate(x + 22)}" y2="34" ${stroke}/>\n${text(x + 27, 38, name, `font-size="11" fill="${COLOURS.text}"`)}`;
    })
    .join('\n');
}

export function capacityChartSvg(forecast: FleetForecast): string {
  const summaries = forecast.summaries.slice(0, CHART_HOST_LIMIT);
  const rows = Math.max(1, Math.ceil(summaries.length / COLUMNS));
  const columns = Math.min(COLUMNS, Math.max(1, summaries.length));
  const width = columns * CELL_WIDTH;
  const height = rows * CELL_HEIGHT + HEADER_HEIGHT;
  const nights = summaries[0]?.nights ?? 0;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    text(width / 2, 18, `/archive per night, ${nights} nights (x: night)`, `font-size="13" font-weight="bold" text-anchor="middle" fill="${COLOURS.text}"`),
    legend(width),
    ...summaries.map((summary, index) => panel(index, summary, forecast.byHost.get(summary.host)!.usedBytes)),
    '</svg>',
  ];
  return `${parts.join('\n')}\n`;
}
