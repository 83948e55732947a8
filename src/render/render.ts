// Renders the plan into files. Pure: returns { path, mode, content } records and writes
// nothing; only write/write-dist.ts touches the disk. Templates are compiled once each
// and read in sorted order, so the output depends on the plan alone.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import ejs from 'ejs';
import { InternalError } from '../errors';
import type { FleetPlan, HostPlan } from '../plan/model';
import { HOST_SCRIPT_TABLE, type FleetPlanner, type FleetSettings } from '../plan/plan';
import { hostDocument } from './host-document';
import { cronQuote, shellQuote } from './shell-quote';
import { fleetDocument, FleetRows, type FleetDocument } from './fleet-document';
import { markdownCell, markdownText } from './markdown';
import { capacityForecastFiles, fleetCapacities, fleetForecast } from './capacity-forecast';
import type { FleetForecast } from '../forecast/forecast';
import { SHA256SUMS, sha256Hex, sha256SumsText } from './sha256-sums';

export interface RenderedFile {
  /** Path relative to the output folder, with / separators. */
  path: string;
  mode: number;
  content: string;
}

/**
 * A file rendered a section at a time: its content is its sections joined, never made as one
 * string (the fleet README of 10,000 hosts is 8 MB). Each call of SECTIONS renders them anew,
 * one as each is read: a file is compared with the one on disk, then, if it changed, rendered
 * again to be written, and neither time held whole.
 */
export interface SectionedFile {
  path: string;
  mode: number;
  sections: () => Iterable<string>;
}

/** Where the EJS templates live: the package's templates/, found upwards from this file
 * (build/render/ when installed, build-test/src/render/ under the unit tests). */
export const TEMPLATES_DIR = findTemplatesDir(__dirname);

function findTemplatesDir(start: string): string {
  for (let dir = start; dir !== dirname(dir); dir = dirname(dir)) {
    if (existsSync(join(dir, 'templates', 'host'))) return join(dir, 'templates');
  }
  return resolve(start, '..', '..', 'templates');
}

/** One output file per template: dist/<host>/<name> from templates/host/<name>.ejs. */
interface HostTemplate {
  name: string;
  mode: number;
  render: ejs.TemplateFunction;
}

/** Helpers every template may call, under one name. */
export const templateHelpers = {
  q: shellQuote,
  cronQuote,
  /** A bash array literal body: each element quoted. */
  words: (values: readonly unknown[]): string => values.map(shellQuote).join(' '),
};

/** File mode of each output: the scripts' from the one table of scripts, 0644 for the rest. */
const MODES = new Map(HOST_SCRIPT_TABLE.map((script) => [script.name, script.mode]));

/** A compiled template as EJS's client mode gives it: the include function is the caller's. */
type ClientTemplate = (data: Record<string, unknown>, escape: (value: unknown) => string, include: (path: string, data?: Record<string, unknown>) => string) => string;

/** Included templates ('/lib/log' → templates/lib/log.ejs), compiled once per process, escape and locals. */
const includedTemplates = new Map<(value: unknown) => string, Map<string, ClientTemplate>>();

function compileTemplate(file: string, locals: string[] = ['host', 'fleet', 'doc', 'h'], escape: (value: unknown) => string = shellQuote): ejs.TemplateFunction {
  const template = compileClientTemplate(file, locals, escape);
  // EJS's own include copies its options and the data twice and resolves the path on every
  // call (some 60 includes per host): this one looks the compiled template up by its name.
  // As in EJS, an included template sees its includer's data with the include's own on top.
  const includeWith =
    (data: Record<string, unknown>) =>
    (name: string, includeData?: Record<string, unknown>): string => {
      // Object.assign, not { ...data, ...includeData }: in Node 20's V8 an object spread with
      // more properties after it is promoted out of the young generation (these merges were
      // 18 of the 48 MB promoted while rendering 2,000 hosts), so garbage filled the old one.
      const merged = includeData === undefined ? data : Object.assign({}, data, includeData);
      return includedTemplate(name, locals, escape)(merged, escape, includeWith(merged));
    };
  return (data: Record<string, unknown> = {}): string => template(data, escape, includeWith(data));
}

function includedTemplate(name: string, locals: string[], escape: (value: unknown) => string): ClientTemplate {
  let byName = includedTemplates.get(escape);
  if (byName === undefined) includedTemplates.set(escape, (byName = new Map()));
  const key = `${locals.join(',')}\0${name}`;
  let included = byName.get(key);
  if (included === undefined) {
    included = compileClientTemplate(join(TEMPLATES_DIR, `${name.replace(/^\/+/, '')}.ejs`), locals, escape);
    byName.set(key, included);
  }
  return included;
}

function compileClientTemplate(file: string, locals: string[], escape: (value: unknown) => string): ClientTemplate {
  try {
    return ejs.compile(readFileSync(file, 'utf8'), {
      filename: file,
      escape,
      strict: true,
      localsName: 'it',
      destructuredLocals: locals,
      client: true,
    }) as unknown as ClientTemplate;
  } catch (error) {
    throw new InternalError(`template ${file} does not compile: ${(error as Error).message}`, { cause: error });
  }
}

let hostTemplates: HostTemplate[] | undefined;

function loadHostTemplates(): HostTemplate[] {
  const dir = join(TEMPLATES_DIR, 'host');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.ejs'))
    .sort()
    .map((f) => {
      const name = f.slice(0, -'.ejs'.length);
      return { name, mode: MODES.get(name) ?? 0o644, render: compileTemplate(join(dir, f)) };
    });
}

/** What a host's files may see of FLEET (a plan or a planner's settings): all but its hosts and warnings. */
function hostSettings(fleet: FleetSettings | FleetPlan): Omit<FleetSettings, 'warnings'> {
  const { warnings: _warnings, ...settings } = fleet;
  if ('hosts' in settings) {
    const { hosts: _hosts, ...rest } = settings;
    return rest;
  }
  return settings;
}

const hostFleetViews = new WeakMap<FleetSettings, FleetPlan>();

/**
 * The fleet as a host's files see it: its settings, not its other hosts (each host's plan
 * already holds what it needs of them). So a host's files depend on its own plan, these
 * settings, the templates and kindling's code only: what hostDigest covers.
 */
function hostFleetView(fleet: FleetSettings): FleetPlan {
  let view = hostFleetViews.get(fleet);
  if (view === undefined) {
    const settings = hostSettings(fleet);
    const refuse = (): never => {
      throw new InternalError("a host's files must depend on its own plan and the fleet's settings only (see hostDigest); put what it needs of other hosts in its plan");
    };
    view = Object.defineProperties({ ...settings }, { hosts: { get: refuse }, warnings: { get: refuse } }) as FleetPlan;
    hostFleetViews.set(fleet, view);
  }
  return view;
}

/** Every file under DIR that KEEP accepts, path and content, in a fixed order. */
function treeDigest(dir: string, keep: (name: string) => boolean = () => true): string {
  const hash = createHash('sha256');
  const walk = (dir: string, prefix: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      if (entry.isDirectory()) walk(join(dir, entry.name), `${prefix}${entry.name}/`);
      else if (keep(entry.name)) hash.update(`${prefix}${entry.name}\0`).update(readFileSync(join(dir, entry.name))).update('\0');
    }
  };
  walk(dir, '');
  return hash.digest('hex');
}

/** Every file under DIR (templates/: host, lib, fleet), path and content, in a fixed order. */
export function templatesDigest(dir: string = TEMPLATES_DIR): string {
  return treeDigest(dir);
}

/**
 * kindling's built code: the folder this file's folder is in (build/ as installed,
 * build-test/src/ under the unit tests), every module cli.js can load.
 */
export const CODE_DIR = dirname(__dirname);

/**
 * Every file of kindling's built code under DIR but source maps (they change with the code
 * they map): a change to src/ rebuilt without a version bump still renders every host again.
 */
export function codeDigest(dir: string = CODE_DIR): string {
  return treeDigest(dir, (name) => !name.endsWith('.map'));
}

let codeDigestText: string | undefined;

/** kindling's version and codeDigest(), once per process: what the digests below call CODE. */
export function kindlingCode(version: string): string {
  codeDigestText ??= codeDigest();
  return `${version} ${codeDigestText}`;
}

let templatesDigestText: string | undefined;

/**
 * The digest of everything HOST's folder is rendered from: its plan, the fleet's settings,
 * every template and kindling's CODE (kindlingCode: its version and built code). Equal digests give byte-identical files, so a host
 * whose digest matches the last generate's (write-dist.ts keeps them) is not rendered again.
 */
export function hostDigest(host: HostPlan, fleet: FleetSettings, code: string): string {
  templatesDigestText ??= templatesDigest();
  return createHash('sha256')
    .update(`kindling ${code}\0${templatesDigestText}\0${fleetSettingsJson(fleet)}\0${JSON.stringify(host)}`)
    .digest('hex');
}

/**
 * The digest of everything a whole dist/ (and generate's warnings) is rendered from: the
 * inventory's name and text, every template and kindling's CODE (kindlingCode). When it matches the last
 * generate's and the files are as that generate left them, nothing is parsed or rendered.
 */
export function inventoryDigest(inventoryName: string, text: string, code: string): string {
  templatesDigestText ??= templatesDigest();
  return createHash('sha256').update(`kindling ${code}\0${templatesDigestText}\0${inventoryName}\0`).update(text).digest('hex');
}

const fleetSettingsJsons = new WeakMap<FleetSettings, string>();

/** The fleet's settings (all but its hosts and warnings) as JSON: once per fleet, not once per host. */
function fleetSettingsJson(fleet: FleetSettings): string {
  let json = fleetSettingsJsons.get(fleet);
  if (json === undefined) fleetSettingsJsons.set(fleet, (json = JSON.stringify(hostSettings(fleet))));
  return json;
}

/** A host's folder, rendered only when asked: write-dist.ts first looks whether its digest changed. */
export interface HostBatch {
  /** The host's folder; '' for the fleet files at the top of dist/. */
  folder: string;
  digest: string;
  render: () => RenderedFile[];
  /** A host folder's files but SHA256SUMS (renderHostFiles); undefined for the fleet files. */
  renderWithoutSums?: () => RenderedFile[];
  /** The fleet files as render() gives them, but a file of several sections as a SectionedFile; undefined for a host folder. */
  renderInSections?: () => (RenderedFile | SectionedFile)[];
}

/** Renders every file of one host's folder, SHA256SUMS last. */
export function renderHost(host: HostPlan, settings: FleetSettings): RenderedFile[] {
  const files = renderHostFiles(host, settings);
  const digests = files.map((f): [string, string] => [f.path.slice(host.name.length + 1), sha256Hex(f.content)]);
  files.push({ path: `${host.name}/${SHA256SUMS}`, mode: 0o644, content: sha256SumsText(digests) });
  return files;
}

/**
 * Renders every file of one host's folder but SHA256SUMS: a caller that writes a new folder
 * whole has the writer thread take the digests from the bytes it writes (write-dist.ts).
 */
export function renderHostFiles(host: HostPlan, settings: FleetSettings): RenderedFile[] {
  hostTemplates ??= loadHostTemplates();
  const files: RenderedFile[] = [];
  const fleet = hostFleetView(settings);
  const doc = hostDocument(host, fleet);
  for (const template of hostTemplates) {
    let content: string;
    try {
      content = template.render({ host, fleet, doc, h: templateHelpers });
    } catch (error) {
      throw new InternalError(`template ${template.name} failed for host ${host.name}: ${(error as Error).message}`, { cause: error });
    }
    files.push({ path: `${host.name}/${template.name}`, mode: template.mode, content });
  }
  return files;
}

/** Rows joined a few hundred at a time (see joinedInChunks). */
const ROWS_PER_CHUNK = 256;

/**
 * ITEMS, each rendered by RENDER, joined: a few hundred at a time, then the pieces. Mapped
 * whole, a table's rows all lived until the join, long enough to be moved out of the young
 * generation (10,000 hosts: some 30 MiB of rows, garbage only a full collection frees, at
 * the end of the run, where its peak is: bench/README.md, eleventh session); a chunk's rows
 * die young.
 */
function joinedInChunks<T>(items: readonly T[], render: (item: T) => string): string {
  let joined = '';
  // Appended, not joined: V8 keeps the chunks as they are under one string, which the writer
  // copies once, into its buffer (a join would copy them once more first).
  for (let start = 0; start < items.length; start += ROWS_PER_CHUNK) joined += items.slice(start, start + ROWS_PER_CHUNK).map(render).join('');
  return joined;
}

/**
 * Helpers of the fleet templates (Markdown): h.cell for a table cell, h.text for running
 * text, h.joined for a table's rows (each from a partial).
 */
const fleetTemplateHelpers = { cell: markdownCell, text: markdownText, joined: joinedInChunks };

/** Shell quoting means nothing in Markdown: fleet templates print with <%- and h.cell / h.text. */
function refuseShellEscape(): string {
  throw new InternalError('a fleet template used <%= (shell quoting); use <%- with h.cell or h.text');
}

/** A fleet file: dist/<name> from templates/fleet/<name>.ejs, or from the sections in templates/fleet/<name>/, joined in name order. */
interface FleetTemplate {
  name: string;
  sections: ejs.TemplateFunction[];
}

let fleetTemplates: FleetTemplate[] | undefined;

function loadFleetTemplates(): FleetTemplate[] {
  const dir = join(TEMPLATES_DIR, 'fleet');
  const compile = (file: string): ejs.TemplateFunction => compileTemplate(file, ['fleet', 'doc', 'h'], refuseShellEscape);
  const ejsFiles = (folder: string): string[] => readdirSync(folder).filter((f) => f.endsWith('.ejs')).sort();
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => (entry.isDirectory() ? entry.name !== 'partials' : entry.name.endsWith('.ejs')))
    .map((entry) =>
      entry.isDirectory()
        ? { name: entry.name, sections: ejsFiles(join(dir, entry.name)).map((f) => compile(join(dir, entry.name, f))) }
        : { name: entry.name.slice(0, -'.ejs'.length), sections: [compile(join(dir, entry.name))] },
    )
    .sort((a, b) => (a.name < b.name ? -1 : 1));
}

/** Fleet-wide files (FleetTemplate), rendered once per fleet. */
export function renderFleetFiles(fleet: FleetPlan): RenderedFile[] {
  const forecast = fleetForecast(fleetCapacities(fleet));
  return renderFleetDocument(fleet, fleetDocument(fleet, forecast), forecast);
}

/** The fleet files of FLEET from its DOC and its FORECAST (the chart's input; the doc's too). */
function renderFleetDocument(fleet: FleetSettings, doc: FleetDocument, forecast: FleetForecast): RenderedFile[] {
  return renderFleetDocumentInSections(fleet, doc, forecast).map((file) => ('content' in file ? file : { path: file.path, mode: file.mode, content: [...file.sections()].join('') }));
}

/** Like renderFleetDocument, but a file of several sections is a SectionedFile: each section rendered as it is read. */
function renderFleetDocumentInSections(fleet: FleetSettings, doc: FleetDocument, forecast: FleetForecast): (RenderedFile | SectionedFile)[] {
  fleetTemplates ??= loadFleetTemplates();
  const data = { fleet, doc, h: fleetTemplateHelpers };
  const renderSection = (template: FleetTemplate, section: ejs.TemplateFunction): string => {
    try {
      return section(data);
    } catch (error) {
      throw new InternalError(`fleet template ${template.name} failed: ${(error as Error).message}`, { cause: error });
    }
  };
  const files = fleetTemplates.map((template): RenderedFile | SectionedFile => {
    if (template.sections.length === 1) return { path: template.name, mode: 0o644, content: renderSection(template, template.sections[0]!) };
    function* sections(): Generator<string> {
      for (const section of template.sections) yield renderSection(template, section);
    }
    return { path: template.name, mode: 0o644, sections };
  });
  return [...files, ...capacityForecastFiles(forecast)];
}

/**
 * The whole dist/ tree of a fleet, one batch at a time as it is consumed: each host's folder
 * in name order, then the fleet files. A 10,000-host tree is more than a gigabyte; a caller
 * that writes batch by batch holds one host's files at once.
 */
export function* renderFleetInBatches(fleet: FleetPlan): Generator<RenderedFile[]> {
  for (const host of fleet.hosts) yield renderHost(host, fleet);
  yield renderFleetFiles(fleet);
}

/**
 * Like renderFleetInBatches, but each host's folder is a HostBatch, rendered when asked, and
 * so are the fleet files (folder ''): their digest covers the fleet's settings and warnings
 * and every host's digest, so they are drawn again only when one changed. From a planner,
 * each host is planned as its batch is reached and its plan is dropped with the batch: what
 * the fleet files need of it is kept as rows (FleetRows).
 */
export function* fleetBatchesByDigest(fleet: FleetPlan | FleetPlanner, code: string): Generator<HostBatch> {
  const planner: FleetPlanner = 'plans' in fleet ? fleet : plannerOf(fleet);
  const { settings } = planner;
  const fleetHash = createHash('sha256').update(`kindling ${code}\0${JSON.stringify(settings)}`);
  const rows = new FleetRows();
  for (const host of planner.plans()) {
    const digest = hostDigest(host, settings, code);
    fleetHash.update(`\0${digest}`);
    rows.add(host);
    yield { folder: host.name, digest, render: () => renderHost(host, settings), renderWithoutSums: () => renderHostFiles(host, settings) };
  }
  yield {
    folder: '',
    digest: fleetHash.digest('hex'),
    render: () => {
      const forecast = fleetForecast(planner.capacities);
      return renderFleetDocument(settings, rows.document(settings, forecast), forecast);
    },
    renderInSections: () => {
      const forecast = fleetForecast(planner.capacities);
      return renderFleetDocumentInSections(settings, rows.document(settings, forecast), forecast);
    },
  };
}

/** A planned fleet as a planner: its plans are made already. */
function plannerOf(fleet: FleetPlan): FleetPlanner {
  const { hosts, ...settings } = fleet;
  return { settings, capacities: fleetCapacities(fleet), plans: () => hosts };
}

/** Renders the whole dist/ tree of a fleet: host folders in name order, then the fleet files. */
export function renderFleet(fleet: FleetPlan): RenderedFile[] {
  return [...renderFleetInBatches(fleet)].flat();
}
