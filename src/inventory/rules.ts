// Layer 3 of validation: semantic rules on the normalised inventory. Each rule is a small
// named function that records errors and warnings; none throws, so every problem is
// reported at once.
import { isKnownTimeZone, parseStartTime } from '../parse/time';
import type { DiagnosticList, DocPath } from './diagnostics';
import type { Host, Inventory, Source } from './model';
import type { Role } from './schema';
import { didYouMean } from './suggest';
import { isValidSshAddress } from './ssh-address';
import { sshHubs, sshPeerNames } from './ssh-peers';

/** A semantic rule: records errors and warnings, never throws. */
export type Rule = (inventory: Inventory, problems: DiagnosticList) => void;

/** A lower-case RFC 1123 label: it becomes a folder name, a file name and a shell word. */
const HOST_NAME = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
/** Characters allowed in paths: no quoting tricks (every path is quoted for the shell anyway). */
const SAFE_PATH = /^\/[A-Za-z0-9._+@:,=/-]*$/;
/** Source and repository paths may also hold spaces: they reach only quoted shell words. */
const SAFE_PATH_WITH_SPACES = /^\/[A-Za-z0-9._+@:,=/ -]*$/;
/** The characters of SAFE_PATH, in words, for messages. */
const PATH_CHARACTERS = 'letters, digits and . _ + @ : , = / -';

/** Each inventory's hosts by role, made in one pass on first use: several rules ask for several roles. */
const hostsByRoleOf = new WeakMap<Inventory, Map<Role, Host[]>>();

function hostsWithRole(inventory: Inventory, role: Role): Host[] {
  let byRole = hostsByRoleOf.get(inventory);
  if (byRole === undefined) {
    byRole = new Map();
    for (const host of inventory.hosts) {
      for (const hostRole of host.roles) {
        const list = byRole.get(hostRole);
        if (list === undefined) byRole.set(hostRole, [host]);
        else if (list[list.length - 1] !== host) list.push(host);
      }
    }
    hostsByRoleOf.set(inventory, byRole);
  }
  return byRole.get(role) ?? [];
}

const validHostNames: Rule = (inventory, problems) => {
  for (const host of inventory.hosts) {
    if (!HOST_NAME.test(host.name)) {
      problems.error(
        host.origin,
        `'${host.name}' is not a valid host name: expected lower-case letters, digits and inner hyphens (at most 63)`,
        'host names become folder names and shell words; use the short host name, e.g. chile',
      );
    }
  }
};

const exactlyOneHostWithRole =
  (role: Role, meaning: string): Rule =>
  (inventory, problems) => {
    const found = hostsWithRole(inventory, role);
    if (found.length === 1) return;
    if (found.length === 0) {
      problems.error(['hosts'], `no host has the role ${role} (${meaning}); exactly one must`, `add ${role} to the roles of one host`);
      return;
    }
    for (const host of found.slice(1)) {
      problems.error(
        host.roleOrigins.get(role) ?? host.origin,
        `more than one host has the role ${role}: ${found.map((h) => h.name).join(', ')}; exactly one must`,
        `keep ${role} on one host only`,
      );
    }
  };

const targetsAreKnownHosts: Rule = (inventory, problems) => {
  const names = new Set(inventory.hosts.map((h) => h.name));
  for (const host of inventory.hosts) {
    for (const target of host.targets) {
      if (!names.has(target.value)) {
        problems.error(
          target.origin,
          `unknown host '${target.value}'`,
          didYouMean(target.value, names) ?? `targets must be hosts of this inventory: ${[...names].join(', ')}`,
        );
      }
    }
  }
};

const noHostSyncsToItself: Rule = (inventory, problems) => {
  for (const host of inventory.hosts) {
    for (const target of host.targets) {
      if (target.value === host.name) {
        problems.error(target.origin, `host '${host.name}' lists itself as a target`, 'a copy on the same host is no backup; name another host');
      }
    }
  }
};

const targetsAcceptCopies: Rule = (inventory, problems) => {
  const byName = new Map(inventory.hosts.map((h) => [h.name, h]));
  for (const host of inventory.hosts) {
    for (const target of host.targets) {
      const receiver = byName.get(target.value);
      if (receiver && receiver !== host && !receiver.roles.includes('SYNCHOST') && !receiver.roles.includes('BUDDYHOST')) {
        problems.error(
          target.origin,
          `target '${receiver.name}' is neither a SYNCHOST nor a BUDDYHOST, so it does not accept copies`,
          `give '${receiver.name}' the role BUDDYHOST or SYNCHOST, or choose another target`,
        );
      }
    }
  }
};

const hostsHaveTargets: Rule = (inventory, problems) => {
  for (const host of inventory.hosts) {
    if (host.targets.length === 0 && inventory.hosts.length > 1) {
      problems.warning(host.origin, `host '${host.name}' has no LAN targets: its copies stay on the host itself`, 'add targets: [HOST, …]');
    }
  }
};

const validSchedules: Rule = (inventory, problems) => {
  for (const host of inventory.hosts) {
    const { start, timeZone } = host;
    if (start.value === undefined) {
      problems.error(start.origin, `host '${host.name}' has no start time`, 'set schedule.start: "HH:MM" on the host or under defaults');
    } else if (!parseStartTime(start.value)) {
      problems.error(start.origin, `'${start.value}' is not a valid time of day: expected HH:MM from 00:00 to 23:59`, 'for example: "01:35"');
    }
    if (timeZone.value === undefined) {
      problems.error(timeZone.origin, `host '${host.name}' has no time zone`, 'set schedule.timeZone, e.g. UTC or America/Toronto');
    } else if (!isKnownTimeZone(timeZone.value)) {
      const hint = /^[A-Z]{3,4}$/.test(timeZone.value)
        ? `'${timeZone.value}' is an abbreviation; use a zone name that follows daylight saving, e.g. America/Toronto for EDT/EST`
        : 'use an IANA zone name such as UTC or America/Toronto';
      problems.error(timeZone.origin, `unknown time zone '${timeZone.value}'`, hint);
    }
  }
};

/** True when PATH has a `..` component (as path.split('/').includes('..'), without the array per path). */
function hasParentComponent(path: string): boolean {
  return PARENT_COMPONENT.test(path);
}

const PARENT_COMPONENT = /(?:^|\/)\.\.(?:\/|$)/;

/**
 * Records an error unless PATH is absolute, has no `..` and only the allowed characters.
 * Spaces are allowed where SPACES says so: not in an fstab device or a path given to scp.
 */
function checkPath(path: string, origin: DocPath, what: string, problems: DiagnosticList, spaces: 'spaces' | 'no spaces' = 'no spaces'): void {
  if (!path.startsWith('/')) {
    problems.error(origin, `${what} '${path}' is not an absolute path`, 'start it with /');
  } else if (hasParentComponent(path)) {
    problems.error(origin, `${what} '${path}' contains '..'`, 'write the path without .. components');
  } else if (!(spaces === 'spaces' ? SAFE_PATH_WITH_SPACES : SAFE_PATH).test(path)) {
    const allowed = spaces === 'spaces' ? `${PATH_CHARACTERS} and spaces` : PATH_CHARACTERS;
    // A tab or a line break is shown escaped, so that the message stays on one line.
    const shown = /[\u0000-\u001f\u007f]/.test(path) ? JSON.stringify(path) : `'${path}'`;
    problems.error(
      origin,
      `${what} ${shown} contains characters that are not allowed: expected an absolute path of ${allowed}`,
      spaces === 'spaces'
        ? 'quotes, $, backticks and control characters are refused so that no path can change the meaning of a generated script'
        : `the ${what} goes into fstab or a remote path, where a space would split it; quotes, $ and backticks are refused too`,
    );
  }
}

/**
 * Records an error unless PATTERN is a tar exclude pattern for SOURCE_PATH: relative to it
 * (cache/, *.tmp) or absolute inside it, without `..`, without a line break.
 */
function checkExcludePattern(pattern: string, sourcePath: string, origin: DocPath, problems: DiagnosticList): void {
  const folder = sourcePath.endsWith('/') ? sourcePath : `${sourcePath}/`;
  const form = `a pattern relative to ${folder} (cache/, *.tmp) or an absolute path inside it (${folder}cache)`;
  if (hasParentComponent(pattern)) {
    problems.error(origin, `exclude pattern '${pattern}' contains '..': expected ${form}`, 'name what to leave out from inside the source folder');
  } else if (pattern.startsWith('/') && (!pattern.startsWith(folder) || pattern.length === folder.length)) {
    problems.error(origin, `exclude pattern '${pattern}' is not inside the source path ${folder}: expected ${form}`, 'an absolute pattern must start with the source path');
  } else if (/^\.?\/*$/.test(pattern)) {
    problems.error(origin, `exclude pattern '${pattern}' would leave out the whole source: expected ${form}`, 'remove the source instead');
  }
}

/** Each inventory's distinct sources, made on first use: two rules walk them. */
const distinctSourcesOf = new WeakMap<Inventory, Source[]>();

/** Every source of the inventory once: a default source is shared by every host, not repeated. */
function distinctSources(inventory: Inventory): Source[] {
  let distinct = distinctSourcesOf.get(inventory);
  if (distinct !== undefined) return distinct;
  // normalize.ts gives every host the same object for a default source: most are known by identity.
  const seen = new Set<Source>();
  const byOrigin = new Map<string, Source>();
  for (const host of inventory.hosts) {
    for (const source of host.sources) {
      if (seen.has(source)) continue;
      seen.add(source);
      const key = source.origin.join('\u0000');
      if (!byOrigin.has(key)) byOrigin.set(key, source);
    }
  }
  distinct = [...byOrigin.values()];
  distinctSourcesOf.set(inventory, distinct);
  return distinct;
}

const validExcludePatterns: Rule = (inventory, problems) => {
  for (const source of distinctSources(inventory)) {
    source.exclude.forEach((pattern, i) => checkExcludePattern(pattern, source.path, [...source.origin, 'exclude', i], problems));
  }
};

const validSshAddresses: Rule = (inventory, problems) => {
  for (const host of inventory.hosts) {
    if (host.address !== undefined && !isValidSshAddress(host.address)) {
      problems.error(
        [...host.origin, 'address'],
        `'${host.address}' is not a valid address: expected a DNS name such as ${host.name}.example.org, or an IPv4 or IPv6 address`,
        'write the name or address that ssh reaches the host at, without user@ or :port (port is its own key)',
      );
    }
  }
};

const safePaths: Rule = (inventory, problems) => {
  checkPath(inventory.fleet.distServeDir.value, inventory.fleet.distServeDir.origin, 'distServeDir', problems);
  for (const source of distinctSources(inventory)) checkPath(source.path, [...source.origin, 'path'], 'source path', problems, 'spaces');
  for (const host of inventory.hosts) {
    if (host.repository) checkPath(host.repository.path, [...host.repository.origin, 'path'], 'repository path', problems, 'spaces');
    if (host.archive.device.value !== undefined) checkPath(host.archive.device.value, host.archive.device.origin, 'archive device', problems);
  }
};

const uniqueSourceNames: Rule = (inventory, problems) => {
  for (const host of inventory.hosts) {
    const seen = new Map<string, DocPath>();
    for (const source of host.sources) {
      if (source.name === 'postgresql') {
        problems.error([...source.origin, 'name'], "the source name 'postgresql' is kept for database dumps", 'choose another name');
      }
      if (seen.has(source.name)) {
        problems.error(
          [...source.origin, 'name'],
          `host '${host.name}' has two sources named '${source.name}'; archive names would collide`,
          'give each source its own name',
        );
      }
      seen.set(source.name, source.origin);
    }
  }
};

/** A role that needs its own settings block, and a settings block that needs its role. */
const roleAndSettingsAgree =
  (role: Role, key: 'database' | 'repository', example: string): Rule =>
  (inventory, problems) => {
    for (const host of inventory.hosts) {
      const hasRole = host.roles.includes(role);
      const settings = host[key];
      if (hasRole && !settings) {
        problems.error(host.roleOrigins.get(role) ?? host.origin, `host '${host.name}' is a ${role} but has no ${key} settings`, `add ${key}: ${example}`);
      }
      if (!hasRole && settings) {
        problems.error(settings.origin, `host '${host.name}' has ${key} settings but not the role ${role}`, `add ${role} to its roles`);
      }
    }
  };

const repositoryRoles: Rule = (inventory, problems) => {
  const copyHosts = hostsWithRole(inventory, 'COPYREPOHOST');
  const repoHosts = hostsWithRole(inventory, 'REPOHOST');
  if (copyHosts.length > 0 && repoHosts.length === 0) {
    for (const host of copyHosts) {
      problems.error(
        host.roleOrigins.get('COPYREPOHOST') ?? host.origin,
        `host '${host.name}' is a COPYREPOHOST but no host is a REPOHOST to copy from`,
        'give the repository server the role REPOHOST',
      );
    }
  }
  for (const host of copyHosts) {
    if (host.roles.includes('REPOHOST')) {
      problems.error(host.roleOrigins.get('COPYREPOHOST') ?? host.origin, `host '${host.name}' cannot copy the repository to itself`, 'remove COPYREPOHOST from it');
    }
  }
  for (const host of hostsWithRole(inventory, 'RBDHOST')) {
    if (!host.roles.includes('REPOHOST') && !host.roles.includes('COPYREPOHOST')) {
      problems.error(
        host.roleOrigins.get('RBDHOST') ?? host.origin,
        `host '${host.name}' is an RBDHOST but holds no repository: removable drives attach to the repository server or a host with a copy of it`,
        'give it REPOHOST or COPYREPOHOST too, or move RBDHOST to such a host',
      );
    }
  }
};

/** Every write into another host's folder: (receiving host, folder) must have one writer. */
const oneWriterPerTargetFolder: Rule = (inventory, problems) => {
  const writers = new Map<string, { writer: string; origin: DocPath }[]>();
  const record = (receiver: string, folder: string, writer: string, origin: DocPath): void => {
    const key = `${receiver}:${folder}`;
    const list = writers.get(key) ?? [];
    list.push({ writer, origin });
    writers.set(key, list);
  };
  const repoHosts = hostsWithRole(inventory, 'REPOHOST');
  for (const host of inventory.hosts) {
    for (const target of host.targets) record(target.value, `/archive/blaze-backup/${host.name}/`, host.name, target.origin);
    if (host.roles.includes('COPYREPOHOST')) {
      for (const repoHost of repoHosts) {
        record(host.name, '/archive/repo-backup/', repoHost.name, repoHost.roleOrigins.get('REPOHOST') ?? repoHost.origin);
      }
    }
  }
  for (const [key, list] of writers) {
    if (list.length < 2) continue;
    const distinct = [...new Set(list.map((w) => w.writer))];
    if (distinct.length < 2) continue;
    for (const entry of list.slice(1)) {
      problems.error(
        entry.origin,
        `two hosts write into the same folder ${key}: ${distinct.join(', ')}`,
        'a folder on a target must have one writer; keep one REPOHOST',
      );
    }
  }
};

const archiveVolumesDescribed: Rule = (inventory, problems) => {
  for (const host of inventory.hosts) {
    if (host.archive.device.value === undefined) {
      problems.error(host.archive.device.origin, `host '${host.name}' has no /archive device`, 'set archive.device, e.g. /dev/mapper/NAME-archive');
    }
    if (host.archive.size.value === undefined) {
      problems.error(host.archive.size.origin, `host '${host.name}' has no /archive size`, 'set archive.size as df -h shows it, e.g. 9.9G');
    }
  }
};

/** NAMES once each, in their first order, as a new array (a set only for a long list: most hosts have a caller or two). */
function distinctNames(names: readonly string[]): string[] {
  if (names.length > 16) return [...new Set(names)];
  const distinct: string[] = [];
  for (const name of names) if (!distinct.includes(name)) distinct.push(name);
  return distinct;
}

/** "a", "a and b", "a, b and c". */
function listOfNames(names: readonly string[]): string {
  return names.length <= 1 ? names.join('') : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}

/**
 * One warning per missing key and host, naming the connections that fail on the first night:
 * without a host's sshHostKey its callers cannot verify it (StrictHostKeyChecking=yes); without
 * its sshPublicKey the hosts it connects to do not let it in.
 */
const hostKeysPresent: Rule = (inventory, problems) => {
  const hubs = sshHubs(inventory);
  const callers = new Map<string, string[]>();
  for (const host of inventory.hosts) {
    for (const peer of host.targets) {
      const list = callers.get(peer.value);
      if (list === undefined) callers.set(peer.value, [host.name]);
      else list.push(host.name);
    }
  }
  const everyOther = `every other host (${inventory.hosts.length - 1})`;
  const copyHosts = new Set(hubs.copyHosts);
  for (const host of inventory.hosts) {
    const peers = sshPeerNames(host, hubs);
    if (host.sshPublicKey === undefined && peers.length > 0) {
      problems.warning(
        ['hosts', host.name],
        `sshPublicKey missing: ${listOfNames(peers)} ${peers.length === 1 ? 'does' : 'do'} not let ${host.name} in (its copies, fetch and reports fail)`,
        `run setup on ${host.name} and add the sshPublicKey line it prints`,
      );
    }
    if (host.sshHostKey !== undefined) continue;
    let who: string;
    if (host === hubs.admin || host === hubs.aggregator) who = everyOther;
    else {
      const names = distinctNames(callers.get(host.name) ?? []);
      if (host !== hubs.repositoryHost && hubs.repositoryHost && copyHosts.has(host) && !names.includes(hubs.repositoryHost.name)) names.push(hubs.repositoryHost.name);
      const self = names.indexOf(host.name);
      if (self >= 0) names.splice(self, 1);
      if (names.length === 0) continue;
      who = listOfNames(names.sort());
    }
    problems.warning(
      ['hosts', host.name],
      `sshHostKey missing: ${who} cannot verify ${host.name} (their connections to it fail)`,
      `run setup on ${host.name} and add the sshHostKey line it prints`,
    );
  }
};

/** An allowed_signers line holds a key: "TYPE BASE64" after the principal and options. */
const SIGNER_KEY = /(^|\s)(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)|sk-ssh-ed25519@openssh\.com|sk-ecdsa-sha2-nistp256@openssh\.com) AAAA[A-Za-z0-9+/]+={0,3}(\s|$)/;

/** Signing on (allowedSigners) or off with a reason (none): exactly one, and a warning for neither. */
const signingChosen: Rule = (inventory, problems) => {
  const { allowedSigners, signingOffReason } = inventory.fleet;
  if (allowedSigners !== undefined && signingOffReason !== undefined) {
    problems.error(['fleet', 'signing'], 'fleet.signing has both allowedSigners and none', 'keep allowedSigners (signing on) or none (off, with the reason)');
  } else if (allowedSigners !== undefined) {
    allowedSigners.forEach((line, i) => {
      if (!SIGNER_KEY.test(line)) {
        problems.warning(
          ['fleet', 'signing', 'allowedSigners', i],
          'this allowed signer has no public key yet: every host refuses every set until it has',
          'write PRINCIPAL namespaces="kindling" followed by the reviewer\'s .pub line',
        );
      }
    });
  } else if (signingOffReason === undefined) {
    problems.warning(
      ['fleet'],
      'fleet.signing is not set: root on the admin host can run anything as root on every host (kindling-fetch installs whatever it serves)',
      'add fleet.signing.allowedSigners and sign each set with kindling sign, or write fleet.signing.none: REASON to say it is off on purpose',
    );
  }
};

const RULES: Rule[] = [
  validHostNames,
  exactlyOneHostWithRole('ADMHOST', 'administrator host that serves the scripts'),
  exactlyOneHostWithRole('AGGREGHOST', 'log and mail aggregator'),
  targetsAreKnownHosts,
  noHostSyncsToItself,
  targetsAcceptCopies,
  hostsHaveTargets,
  validSchedules,
  safePaths,
  validExcludePatterns,
  validSshAddresses,
  uniqueSourceNames,
  roleAndSettingsAgree('DBHOST', 'database', '{ engine: postgresql, osUser: postgres, databases: [NAME] }'),
  roleAndSettingsAgree('REPOHOST', 'repository', '{ path: /mnt/koji/ }'),
  repositoryRoles,
  oneWriterPerTargetFolder,
  archiveVolumesDescribed,
  hostKeysPresent,
  signingChosen,
];

export function checkRules(inventory: Inventory, problems: DiagnosticList, laterRules: readonly Rule[] = []): void {
  for (const rule of [...RULES, ...laterRules]) rule(inventory, problems);
}
