// What an inventory change means, in plain words: the OLD plan compared with the NEW plan,
// one line per change a reviewer cares about ("australia: LAN target hongkong → scotland",
// "ireland: start 03:35 UTC → 04:00 UTC"). Pure. Anything in a host's plan that changed and
// that no rule below describes is still reported, by field name, so nothing passes unseen.
import { formatBytes } from '../format/bytes';
import type { FleetPlan, HostPlan } from '../plan/model';
import { describeStart } from '../format/start';

export interface SemanticChange {
  /** The host the change is about, or undefined for the whole fleet. */
  host: string | undefined;
  text: string;
}

type Lines = string[];

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function added<T>(before: readonly T[], after: readonly T[]): T[] {
  return after.filter((x) => !before.includes(x));
}

function scalar(lines: Lines, what: string, before: unknown, after: unknown, unit = ''): void {
  if (!sameJson(before, after)) lines.push(`${what} ${show(before)}${unit} → ${show(after)}${unit}`);
}

function show(value: unknown): string {
  return value === undefined || value === null || value === '' ? '(none)' : String(value);
}

function compareTargets(lines: Lines, before: string[], after: string[]): void {
  const gone = added(after, before);
  const come = added(before, after);
  if (gone.length === 1 && come.length === 1) lines.push(`LAN target ${gone[0]} → ${come[0]}`);
  else {
    for (const t of gone) lines.push(`LAN target ${t} removed`);
    for (const t of come) lines.push(`LAN target ${t} added`);
  }
  if (gone.length === 0 && come.length === 0 && !sameJson(before, after)) lines.push(`LAN targets reordered: ${before.join(', ')} → ${after.join(', ')}`);
}

function compareSources(lines: Lines, before: HostPlan, after: HostPlan): void {
  const old = new Map(before.archives.map((a) => [a.kind, a]));
  const now = new Map(after.archives.map((a) => [a.kind, a]));
  for (const [kind, a] of old) if (!now.has(kind)) lines.push(`source ${kind} (${a.sourcePath}) removed`);
  for (const [kind, a] of now) {
    const b = old.get(kind);
    if (!b) {
      lines.push(`source ${kind} (${a.sourcePath}, ${a.dataType}) added`);
      continue;
    }
    scalar(lines, `source ${kind}: path`, b.sourcePath, a.sourcePath);
    scalar(lines, `source ${kind}: type of data`, b.dataType, a.dataType);
    if (b.estimatedBytes !== a.estimatedBytes) lines.push(`source ${kind}: estimated size ${formatBytes(b.estimatedBytes)} → ${formatBytes(a.estimatedBytes)}`);
  }
}

function compareDatabase(lines: Lines, before: HostPlan, after: HostPlan): void {
  const b = before.database;
  const a = after.database;
  if (!b && !a) return;
  if (!b || !a) {
    const db = (a ?? b)!;
    lines.push(`PostgreSQL dump of ${db.dumps.map((d) => d.database).join(', ')} ${a ? 'added' : 'removed'}`);
    return;
  }
  const old = b.dumps.map((d) => d.database);
  const now = a.dumps.map((d) => d.database);
  for (const d of added(now, old)) lines.push(`database ${d} no longer dumped`);
  for (const d of added(old, now)) lines.push(`database ${d} dumped`);
  scalar(lines, 'database owner account', b.osUser, a.osUser);
  if (b.estimatedBytes !== a.estimatedBytes) lines.push(`database estimated size ${formatBytes(b.estimatedBytes)} → ${formatBytes(a.estimatedBytes)}`);
}

function compareRepository(lines: Lines, before: HostPlan, after: HostPlan): void {
  const b = before.repository;
  const a = after.repository;
  if (b && !a) lines.push(`repository ${b.path} no longer synced`);
  if (!b && a) lines.push(`repository ${a.path} synced to ${a.copies.map((c) => c.host).join(', ') || '(no copy hosts)'}`);
  if (b && a) {
    scalar(lines, 'repository path', b.path, a.path);
    const old = b.copies.map((c) => c.host);
    const now = a.copies.map((c) => c.host);
    for (const h of added(now, old)) lines.push(`repository copy to ${h} removed`);
    for (const h of added(old, now)) lines.push(`repository copy to ${h} added`);
    if (b.estimatedBytes !== a.estimatedBytes) lines.push(`repository estimated size ${formatBytes(b.estimatedBytes)} → ${formatBytes(a.estimatedBytes)}`);
  }
  if (!before.repositoryCopy !== !after.repositoryCopy) {
    lines.push(after.repositoryCopy ? `now keeps a copy of the repository from ${after.repositoryCopy.from}` : `no longer keeps a copy of the repository from ${before.repositoryCopy!.from}`);
  }
  if (!before.removable !== !after.removable) lines.push(`removable drives ${after.removable ? 'added' : 'removed'}`);
}

/** Who may log in here (through kindling-receive), as which account, for what: security review. */
function compareAccess(lines: Lines, before: HostPlan, after: HostPlan): void {
  const old = new Map(before.access.map((a) => [a.caller, a]));
  const now = new Map(after.access.map((a) => [a.caller, a]));
  for (const [caller, a] of old) if (!now.has(caller)) lines.push(`${caller} may no longer log in as ${a.account} (was: ${a.verbs.join(', ')}; setup locks the account)`);
  for (const [caller, a] of now) {
    const b = old.get(caller);
    if (!b || b.account !== a.account) lines.push(`${caller} may log in as ${a.account} for: ${a.verbs.join(', ')}`);
    else if (!sameJson(b.verbs, a.verbs)) lines.push(`${caller} may log in as ${a.account} for: ${b.verbs.join(', ')} → ${a.verbs.join(', ')}`);
    if (b && b.publicKey !== a.publicKey) lines.push(`${caller}'s key for ${a.account} logins ${a.publicKey === undefined ? 'removed' : b.publicKey === undefined ? 'added' : 'changed'}`);
  }
}

function compareReceivers(lines: Lines, before: HostPlan, after: HostPlan): void {
  for (const h of added(after.receivesFrom, before.receivesFrom)) lines.push(`no longer receives copies from ${h}`);
  for (const h of added(before.receivesFrom, after.receivesFrom)) lines.push(`now receives copies from ${h}`);
}

function compareStart(lines: Lines, before: HostPlan, after: HostPlan): void {
  const b = before.schedule;
  const a = after.schedule;
  if (b.start === a.start && b.timeZone === a.timeZone && sameJson(b.utc, a.utc)) return;
  lines.push(`start ${describeStart(b)} → ${describeStart(a)}`);
}

/** HostPlan fields that the rules above describe, or that follow from the fleet or other hosts. */
const DESCRIBED_HOST_FIELDS = new Set<string>([
  'name', 'description', 'roles', 'schedule', 'archives', 'database', 'repository', 'repositoryCopy', 'removable', 'targets',
  'receivesFrom', 'retention', 'transfer', 'archiveVolume', 'compression', 'warnings', 'access', 'sshPublicKey',
  // Derived: they change only through a change reported elsewhere (fleet settings, sizes, schedules).
  'capacity', 'reportingHosts', 'isAdmin', 'isAggregator', 'adminHost', 'aggregatorHost', 'fleetName', 'account', 'accountPrefix', 'mail', 'paths',
  'distSourceDir', 'scripts', 'signing', 'receivedCopies',
]);

function compareHost(before: HostPlan, after: HostPlan): Lines {
  const lines: Lines = [];
  scalar(lines, 'description', before.description, after.description);
  for (const r of added(before.roles, after.roles)) lines.push(`role ${r} added`);
  for (const r of added(after.roles, before.roles)) lines.push(`role ${r} removed`);
  compareStart(lines, before, after);
  compareSources(lines, before, after);
  compareDatabase(lines, before, after);
  compareTargets(lines, before.targets.map((t) => t.host), after.targets.map((t) => t.host));
  compareRepository(lines, before, after);
  compareReceivers(lines, before, after);
  compareAccess(lines, before, after);
  if (before.sshPublicKey !== after.sshPublicKey) lines.push(`ssh key ${after.sshPublicKey === undefined ? 'removed' : before.sshPublicKey === undefined ? 'added' : 'changed'}`);
  scalar(lines, 'retention on the host', before.retention.localDays, after.retention.localDays, ' days');
  scalar(lines, 'retention on LAN targets', before.retention.networkDays, after.retention.networkDays, ' days');
  if (before.removable || after.removable) scalar(lines, 'retention on removable drives', before.retention.removableDays, after.retention.removableDays, ' days');
  scalar(lines, 'compression', before.compression.kind, after.compression.kind);
  for (const key of Object.keys(after.transfer).sort()) {
    scalar(lines, `transfer ${key}`, (before.transfer as unknown as Record<string, unknown>)[key], (after.transfer as unknown as Record<string, unknown>)[key]);
  }
  for (const key of ['device', 'fsType', 'options', 'size'] as const) scalar(lines, `/archive ${key}`, before.archiveVolume[key], after.archiveVolume[key]);
  const newWarnings = added(before.warnings, after.warnings);
  const goneWarnings = added(after.warnings, before.warnings);
  if (newWarnings.length === 1 && goneWarnings.length === 1) lines.push(`warning changed: ${newWarnings[0]}`);
  else {
    for (const w of newWarnings) lines.push(`new warning: ${w}`);
    for (const w of goneWarnings) lines.push(`warning gone: ${w}`);
  }
  const other = Object.keys({ ...before, ...after }).filter((k) => !DESCRIBED_HOST_FIELDS.has(k)).sort();
  for (const key of other) compareLeaves(lines, key, (before as unknown as Record<string, unknown>)[key], (after as unknown as Record<string, unknown>)[key]);
  return lines;
}

/** Keys that name an element of a list of objects, so that a list diff says which one changed. */
const IDENTITY_KEYS = ['host', 'name', 'caller', 'kind', 'database'];

/** Leaf values of VALUE by path, e.g. access[australia].verbs → "store, copies". */
function flatten(value: unknown, path: string, out: Map<string, string>): Map<string, string> {
  if (Array.isArray(value) && value.length > 0 && value.every((v) => typeof v !== 'object' || v === null)) {
    out.set(path, value.join(', '));
  } else if (Array.isArray(value)) {
    value.forEach((item, index) => {
      const record = (typeof item === 'object' && item !== null ? item : {}) as Record<string, unknown>;
      const idKey = IDENTITY_KEYS.find((k) => typeof record[k] === 'string');
      if (idKey === undefined) flatten(item, `${path}[${index}]`, out);
      else for (const key of Object.keys(record).filter((k) => k !== idKey).sort()) flatten(record[key], `${path}[${String(record[idKey])}].${key}`, out);
    });
  } else if (typeof value === 'object' && value !== null) {
    for (const key of Object.keys(value).sort()) flatten((value as Record<string, unknown>)[key], `${path}.${key}`, out);
  } else if (value !== undefined) {
    out.set(path, String(value));
  }
  return out;
}

/** Plan fields no rule above knows: every changed leaf, by its path in the plan. */
function compareLeaves(lines: Lines, key: string, before: unknown, after: unknown): void {
  const old = flatten(before, key, new Map());
  const now = flatten(after, key, new Map());
  for (const path of [...new Set([...old.keys(), ...now.keys()])].sort()) {
    if (old.get(path) !== now.get(path)) lines.push(`${path}: ${show(old.get(path))} → ${show(now.get(path))}`);
  }
}

function summarizeNewHost(host: HostPlan): string {
  const roles = host.roles.filter((r) => r !== 'ALLSYS').join(', ');
  const targets = host.targets.map((t) => t.host).join(', ') || 'none';
  return `host added (roles ${roles || 'none'}; starts ${describeStart(host.schedule)}; LAN targets ${targets})`;
}

function compareFleet(before: FleetPlan, after: FleetPlan): Lines {
  const lines: Lines = [];
  scalar(lines, 'fleet name', before.fleetName, after.fleetName);
  scalar(lines, 'admin host', before.adminHost, after.adminHost);
  scalar(lines, 'aggregator host', before.aggregatorHost, after.aggregatorHost);
  scalar(lines, 'dist/ served from', before.distServeDir, after.distServeDir);
  scalar(lines, 'mail alias', before.mail.alias, after.mail.alias);
  scalar(lines, 'mail address', before.mail.address, after.mail.address);
  const first = (plan: FleetPlan): HostPlan | undefined => plan.hosts[0];
  scalar(lines, 'account prefix', first(before)?.accountPrefix, first(after)?.accountPrefix);
  const labels = (plan: FleetPlan): string | undefined => plan.hosts.find((h) => h.removable)?.removable?.labelPrefix;
  if (labels(before) !== undefined && labels(after) !== undefined) scalar(lines, 'removable drive labels', `${labels(before)}NNN`, `${labels(after)}NNN`);
  const signers = (plan: FleetPlan): string[] | undefined => first(plan)?.signing?.allowedSigners;
  if (!signers(before) !== !signers(after)) lines.push(`signed distribution turned ${signers(after) ? 'on' : 'off'}`);
  else if (!sameJson(signers(before), signers(after))) lines.push('allowed signers of the distribution changed');
  return lines;
}

/** Every change in meaning from BEFORE to AFTER: fleet-wide lines first, then hosts by name. */
export function semanticChanges(before: FleetPlan, after: FleetPlan): SemanticChange[] {
  const changes: SemanticChange[] = compareFleet(before, after).map((text) => ({ host: undefined, text }));
  const old = new Map(before.hosts.map((h) => [h.name, h]));
  const now = new Map(after.hosts.map((h) => [h.name, h]));
  const names = [...new Set([...old.keys(), ...now.keys()])].sort();
  for (const name of names) {
    const b = old.get(name);
    const a = now.get(name);
    if (!a) changes.push({ host: name, text: 'host removed' });
    else if (!b) changes.push({ host: name, text: summarizeNewHost(a) });
    else for (const text of compareHost(b, a)) changes.push({ host: name, text });
  }
  return changes;
}

export function formatSemanticChange(change: SemanticChange): string {
  return `${change.host ?? 'fleet'}: ${change.text}`;
}
