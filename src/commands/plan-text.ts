// `kindling plan`: the plan, as people read it, and as JSON for tools.
import { formatBytes } from '../format/bytes';
import type { FleetPlan, HostPlan } from '../plan/model';

export function planAsJson(plan: FleetPlan, hosts: HostPlan[]): string {
  return `${JSON.stringify(
    {
      fleet: plan.fleetName,
      adminHost: plan.adminHost,
      aggregatorHost: plan.aggregatorHost,
      hosts: hosts.map((h) => ({
        name: h.name,
        roles: h.roles,
        schedule: { start: h.schedule.start, timeZone: h.schedule.timeZone, utc: h.schedule.utc },
        archives: h.archives.map((a) => ({ kind: a.kind, path: a.sourcePath, file: `${a.filePrefix}<Mon-DD-YYYY>${a.extension}` })),
        databases: h.database?.dumps.map((d) => d.database) ?? [],
        targets: h.targets.map((t) => t.host),
        receivesFrom: h.receivesFrom,
        repoTargets: h.repository?.copies.map((c) => c.host) ?? [],
        repositoryCopyFrom: h.repositoryCopy?.from ?? null,
        removableDrives: h.removable !== undefined,
        retention: h.retention,
        capacity: h.capacity,
        warnings: h.warnings,
      })),
    },
    null,
    2,
  )}\n`;
}

export function planAsText(hosts: HostPlan[]): string {
  const out: string[] = [];
  for (const h of hosts) {
    out.push(`${h.name}${h.description ? ` — ${h.description}` : ''}`);
    out.push(`  roles:        ${h.roles.join(', ')}`);
    out.push(`  starts:       ${h.schedule.start} ${h.schedule.timeZone} (UTC ${h.schedule.utc.winter} in January, ${h.schedule.utc.summer} in July)`);
    for (const a of h.archives) out.push(`  archives:     ${a.sourcePath} → ${h.paths.ownBackupDir}/${a.filePrefix}<Mon-DD-YYYY>${a.extension}`);
    for (const d of h.database?.dumps ?? []) out.push(`  dumps:        ${d.database} → ${h.paths.ownBackupDir}/${d.filePrefix}<Mon-DD-YYYY>${d.extension}`);
    out.push(`  copies to:    ${h.targets.map((t) => `${t.host}:${t.remoteDir}`).join(', ') || '(none)'}`);
    if (h.receivesFrom.length > 0) out.push(`  receives:     ${h.receivesFrom.join(', ')}`);
    if (h.repository) out.push(`  repository:   ${h.repository.path} → ${h.repository.copies.map((c) => `${c.host}:${c.remoteDir}`).join(', ')}`);
    if (h.repositoryCopy) out.push(`  repo copy:    from ${h.repositoryCopy.from} into ${h.repositoryCopy.incomingDir}/, snapshots in ${h.repositoryCopy.dir}`);
    if (h.removable) out.push(`  removable:    drives labelled ${h.removable.labelPrefix}NNN, ${h.removable.keepDays} days kept`);
    out.push(`  retention:    ${h.retention.localDays} days local, ${h.retention.networkDays} days on targets`);
    const size = h.capacity.sizeBytes === undefined ? '?' : formatBytes(h.capacity.sizeBytes);
    out.push(`  /archive:     ${h.archiveVolume.size} (${size}), needs ${formatBytes(h.capacity.requiredBytes)}`);
    for (const w of h.warnings) out.push(`  warning:      ${w}`);
    out.push('');
  }
  return out.join('\n');
}
