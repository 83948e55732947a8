// `kindling plan HOST`: one host's night, step by step in the order its scripts run them
// (fetch, then blaze, then wildfire), with the start in the host's zone and in UTC, what the
// host receives from others and when, and each warning printed beside the step it concerns.
import type { Diagnostic } from '../inventory/diagnostics';
import type { FleetPlan, HostPlan, SchedulePlan } from '../plan/model';
import { describeStart, isUtc, utcToLocal } from '../format/start';
import { capacityRow } from '../render/fleet-document';

/** When SENDER's night starts, in RECEIVER's local time, unless that adds nothing (same zone, or UTC). */
function inReceiverZone(sender: SchedulePlan, receiver: SchedulePlan): string {
  if (sender.timeZone === receiver.timeZone || isUtc(receiver.timeZone)) return '';
  const winter = utcToLocal(sender.utc.winter, receiver.timeZone, 'winter');
  const summer = utcToLocal(sender.utc.summer, receiver.timeZone, 'summer');
  return winter === summer ? `; ${winter} here` : `; here ${winter} in January, ${summer} in July`;
}

type Section = 'start' | 'blaze' | 'wildfire' | 'receives' | 'archive' | 'other';

/** Which part of the night a warning about hosts.<name>.<key>… concerns. */
const SECTION_OF_KEY: Record<string, Section> = {
  schedule: 'start',
  sources: 'blaze',
  database: 'blaze',
  compression: 'blaze',
  targets: 'wildfire',
  transfer: 'wildfire',
  repository: 'wildfire',
  archive: 'archive',
  retention: 'archive',
};

function warningsBySection(host: string, diagnostics: Diagnostic[]): Map<Section, string[]> {
  const sections = new Map<Section, string[]>();
  for (const d of diagnostics) {
    if (d.severity !== 'warning' || d.path[0] !== 'hosts' || d.path[1] !== host) continue;
    const section = SECTION_OF_KEY[String(d.path[2])] ?? 'other';
    sections.set(section, [...(sections.get(section) ?? []), d.message]);
  }
  return sections;
}

/** Numbered steps: "  3. blaze     what". */
function stepLines(steps: { script: string; what: string }[], first: number): string[] {
  return steps.map((s, i) => `${String(first + i).padStart(4)}. ${s.script.padEnd(9)} ${s.what}`);
}

function blazeSteps(host: HostPlan): { script: string; what: string }[] {
  const dir = host.paths.ownBackupDir;
  const steps = host.archives.map((a) => ({ script: 'blaze', what: `archive ${a.sourcePath} → ${dir}/${a.filePrefix}<Mon-DD-YYYY>${a.extension}` }));
  if (host.database) {
    for (const d of host.database.dumps) {
      steps.push({ script: 'blaze', what: `pg_dump ${d.database} (as ${host.database.osUser}) → ${dir}/${d.filePrefix}<Mon-DD-YYYY>${d.extension}` });
    }
    const g = host.database.globals;
    steps.push({ script: 'blaze', what: `pg_dumpall --globals-only (roles, tablespaces) → ${dir}/${g.filePrefix}<Mon-DD-YYYY>${g.extension}` });
  }
  if (host.repositoryCopy) {
    const copy = host.repositoryCopy;
    steps.push({
      script: 'blaze',
      what: `snapshot ${copy.incomingDir}/ → ${copy.dir}<YYYY-MM-DD>/ as root (hard links to incoming's files, which become root's and read-only), kept ${copy.days} days (${copy.from}'s retention)`,
    });
  }
  if (host.removable) {
    steps.push({
      script: 'blaze',
      what: `removable drives ${host.removable.labelPrefix}NNN: mirror ${host.removable.repositorySource} and tonight's archives, keep ${host.removable.keepDays} days`,
    });
  }
  steps.push({ script: 'blaze', what: `prune ${dir}/: copies older than ${host.retention.localDays} days (counted from the newest of each kind, which is kept)` });
  for (const r of host.receivedCopies) {
    steps.push({ script: 'blaze', what: `prune ${r.dir}/: copies from ${r.host} older than ${r.days} days (its retention on LAN targets)` });
  }
  return steps;
}

function wildfireSteps(host: HostPlan): { script: string; what: string }[] {
  const steps = host.targets.map((t) => ({
    script: 'wildfire',
    what: `LAN copy ${host.paths.ownBackupDir}/ → ${t.host}:${t.remoteDir} (rsync as ${t.user}; ${host.retention.networkDays} days kept there)`,
  }));
  for (const c of host.repository?.copies ?? []) {
    const guard = host.repository!.guard;
    steps.push({
      script: 'wildfire',
      what:
        `repository sync ${host.repository!.path} → ${c.host}:${c.remoteDir} (rsync as ${host.repository!.user}; ` +
        `only from ${guard.mustBeMountPoint ? 'a mounted repository with ' : 'a repository with '}${guard.markerFile}, refused over ${guard.maxDeletePercent} % deleted)`,
    });
  }
  return steps;
}

function receiveLines(host: HostPlan, fleet: FleetPlan): string[] {
  const byName = new Map(fleet.hosts.map((h) => [h.name, h]));
  const width = Math.max(0, ...host.receivesFrom.map((n) => n.length), host.repositoryCopy?.from.length ?? 0);
  const lines: string[] = [];
  for (const name of host.receivesFrom) {
    const sender = byName.get(name)!;
    const dir = sender.targets.find((t) => t.host === host.name)?.remoteDir ?? `${host.paths.backupRoot}/${name}/`;
    lines.push(`  ${name.padEnd(width)}  copies into ${dir}, after its night starts at ${describeStart(sender.schedule)}${inReceiverZone(sender.schedule, host.schedule)}`);
  }
  if (host.repositoryCopy) {
    const sender = byName.get(host.repositoryCopy.from)!;
    lines.push(
      `  ${sender.name.padEnd(width)}  the repository into ${host.repositoryCopy.incomingDir}/ (as ${host.repositoryCopy.user}), after its night starts at ${describeStart(sender.schedule)}${inReceiverZone(sender.schedule, host.schedule)}`,
    );
  }
  return lines;
}

/** Every job kindling puts into root's crontab on HOST, as crontab.ejs writes them. */
function cronLines(host: HostPlan): string[] {
  const dir = host.paths.scriptsDir;
  const at = (minute: number, hour: number): string => `${String(hour).padStart(2, '0')}:${String(minute).padStart(2, '0')}`;
  const lines = [`  ${at(host.schedule.cronMinute, host.schedule.cronHour)}  ${dir}/kindling-fetch; ${dir}/blaze; ${dir}/wildfire`];
  if (host.deadMan) {
    lines.push(
      `  ${at(host.deadMan.cronMinute, host.deadMan.cronHour)}  ${dir}/kindling-deadman (the dead-man's switch: mails ${host.mail.alias} when a host has no successful run for ${host.deadMan.windowHours} hours)`,
    );
  }
  return lines;
}

function warningLines(list: string[] | undefined): string[] {
  return (list ?? []).map((w) => `      ! warning: ${w}`);
}

/** The night of HOST as people read it; DIAGNOSTICS are the inventory's warnings (with paths). */
export function hostNightAsText(host: HostPlan, fleet: FleetPlan, diagnostics: Diagnostic[]): string {
  const warnings = warningsBySection(host.name, diagnostics);
  const out: string[] = [`${host.name}${host.description ? ` — ${host.description}` : ''}`, `  roles: ${host.roles.join(', ')}`];
  out.push(`  starts every night at ${describeStart(host.schedule)}`, ...warningLines(warnings.get('start')));
  out.push('', 'The night, in order (each step starts when the one before it ends):');
  const fetch = { script: 'fetch', what: `scripts from ${host.adminHost}:${host.distSourceDir}/ → ${host.paths.scriptsDir}/ (checked against SHA256SUMS; the last good ones run if it fails)` };
  const blaze = blazeSteps(host);
  const wildfire = wildfireSteps(host);
  out.push(...stepLines([fetch], 1));
  out.push(...stepLines(blaze, 2), ...warningLines(warnings.get('blaze')));
  if (wildfire.length === 0) out.push('        wildfire  nothing to copy: no LAN targets');
  out.push(...stepLines(wildfire, 2 + blaze.length), ...warningLines(warnings.get('wildfire')));

  out.push('', `Cron jobs (root's crontab, CRON_TZ=${host.schedule.timeZone}):`, ...cronLines(host));

  const receives = receiveLines(host, fleet);
  out.push('', 'Receives:', ...(receives.length > 0 ? receives : ['  nothing: no host copies here']));

  const capacity = capacityRow(host);
  out.push('', `/archive: ${capacity.device} (${capacity.fsType}, ${capacity.size}), estimated use ${capacity.estimatedUse}, headroom ${capacity.headroom}`);
  const removable = host.removable ? `, ${host.removable.keepDays} days on removable drives` : '';
  out.push(`retention: ${host.retention.localDays} days here, ${host.retention.networkDays} days on LAN targets${removable}`);
  out.push(...warningLines(warnings.get('archive')), ...warningLines(warnings.get('other')));
  return `${out.join('\n')}\n`;
}
