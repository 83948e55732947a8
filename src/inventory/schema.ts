// The one JSON Schema of inventory.yaml. The TypeScript type of what people write
// (WrittenInventory) is derived from it with TypeBox, so the two cannot drift apart.
// Every property carries a description and an example: the schema is the reference
// documentation of the inventory (`kindling schema` prints it, editors show it).
import { Type, type Static, type TSchema } from '@sinclair/typebox';

/** Roles a host may be given in the inventory; ALLSYS is derived (every host) and never written. */
export const WRITTEN_ROLES = [
  'ADMHOST',
  'AGGREGHOST',
  'BUDDYHOST',
  'COPYREPOHOST',
  'DBHOST',
  'RBDHOST',
  'REPOHOST',
  'SYNCHOST',
] as const;
export type WrittenRole = (typeof WRITTEN_ROLES)[number];
export type Role = WrittenRole | 'ALLSYS';

const HOST_NAME_PATTERN = '^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$';
const SIZE_PATTERN = '^[0-9]+(\\.[0-9]+)?([KMGT]B?)?$';
/** An OpenSSH public key line: type, base64 key, optional comment (dropped by the plan). */
const SSH_PUBLIC_KEY_PATTERN = '^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)|sk-ssh-ed25519@openssh\\.com|sk-ecdsa-sha2-nistp256@openssh\\.com) [A-Za-z0-9+/]+={0,3}( [^\\n]*)?$';

function doc<T extends TSchema>(schema: T, description: string, example: unknown): T {
  return { ...schema, description, examples: [example] };
}

/** A string of PATTERN; EXPECTED says the allowed form in words, for the error message. */
function patterned(pattern: string, expected: string): ReturnType<typeof Type.String> {
  return Type.String({ pattern, 'x-expected': expected });
}

/** A DNS name (FQDN or short) or an IPv4/IPv6 address; the rules check the address forms. */
/** An ssh host key as /etc/ssh/ssh_host_ed25519_key.pub holds it: type, base64, optional comment. */
const SSH_HOST_KEY_PATTERN = '^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)) [A-Za-z0-9+/]+={0,3}( [^\\n]*)?$';
const SSH_ADDRESS_PATTERN = '^([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\\.?|[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*)$';
const NO_CONTROL_CHARACTERS = '^[^\\u0000-\\u001f\\u007f]+$';

const HostName = doc(
  Type.String({ pattern: HOST_NAME_PATTERN, 'x-expected': 'a lower-case host name such as chile' }),
  'A host of the fleet, by its short lower-case host name (it becomes a folder name and a shell word).',
  'chile',
);

const Size = doc(
  Type.String({ pattern: SIZE_PATTERN, 'x-expected': 'a size such as 9.9G (powers of 1024, as df -h prints) or 2TB (powers of 1000), without spaces' }),
  'A size as `df -h` prints it: K, M, G, T are powers of 1024 (5.0G); KB, MB, GB, TB are powers of 1000 (2TB).',
  '9.9G',
);

const AbsolutePath = doc(
  Type.String({ minLength: 1 }),
  'An absolute path without `..` components; source and repository paths may contain spaces.',
  '/var/lib/bcfg2/',
);

const Source = doc(
  Type.Object(
    {
      name: doc(
        patterned('^[a-z0-9]+$', 'lower-case letters and digits only, such as bcfg2'),
        'Short name of the source; it becomes part of the archive name <host>-<name>-<Mon-DD-YYYY>.tar.bz2.',
        'bcfg2',
      ),
      path: doc(AbsolutePath, 'The folder that is archived.', '/var/lib/bcfg2/'),
      dataType: doc(
        Type.String({ minLength: 1 }),
        'What the data is, as the Backup Layout table names it.',
        'BCFG2 DB',
      ),
      estimatedSize: Type.Optional(
        doc(Size, 'Estimated size of one compressed archive of this source (default 10M); used for the capacity estimate.', '50M'),
      ),
      exclude: Type.Optional(
        doc(
          Type.Array(patterned(NO_CONTROL_CHARACTERS, 'a tar pattern on one line, such as cache/ or *.tmp'), { uniqueItems: true }),
          'Patterns of files and folders left out of the archive (tar --exclude). Each is relative to the source folder (cache/, *.tmp, logs/*.gz) or an absolute path inside it (/var/lib/bcfg2/cache); * ? [...] are wildcards and * also matches /, so *.tmp leaves out every .tmp file below the folder.',
          ['cache/', '*.tmp'],
        ),
      ),
    },
    { additionalProperties: false },
  ),
  'One folder that blaze archives every night into its own dated tar archive.',
  { name: 'bcfg2', path: '/var/lib/bcfg2/', dataType: 'BCFG2 DB', estimatedSize: '50M', exclude: ['cache/'] },
);

const Schedule = doc(
  Type.Object(
    {
      start: Type.Optional(doc(
        Type.String({ minLength: 1 }),
        'Local time of day (24-hour HH:MM) at which the host fetches its scripts and runs blaze, then wildfire.',
        '01:35',
      )),
      timeZone: Type.Optional(doc(
        Type.String({ minLength: 1 }),
        'IANA time zone name of the start time (never a fixed offset such as EDT, so daylight saving stays right).',
        'America/Toronto',
      )),
    },
    { additionalProperties: false },
  ),
  'When the nightly run starts.',
  { start: '00:50', timeZone: 'America/Toronto' },
);

const ArchiveVolume = doc(
  Type.Object(
    {
      device: doc(AbsolutePath, 'Block device mounted at /archive.', '/dev/mapper/chile-archive'),
      fsType: doc(patterned('^[a-z0-9]+$', 'a file system type such as ext4 (lower-case letters and digits)'), 'File system type of /archive.', 'ext4'),
      options: doc(
        patterned('^[A-Za-z0-9_=,.-]+$', 'comma-separated mount options such as defaults,noatime (letters, digits and _ = , . -)'),
        'Mount options for the fstab line.',
        'defaults,noatime',
      ),
      size: doc(Size, 'Size of the /archive file system, as `df -h` shows it.', '9.9G'),
    },
    { additionalProperties: false },
  ),
  'The /archive volume of the host (Backup Location Capacity table).',
  { device: '/dev/mapper/hk-archive', fsType: 'ext4', size: '5.0G' },
);

const Database = doc(
  Type.Object(
    {
      engine: doc(Type.Literal('postgresql'), 'Database engine; PostgreSQL is the one the fleet runs.', 'postgresql'),
      osUser: doc(
        patterned('^[a-z_][a-z0-9_-]*$', 'a user name such as postgres (lower-case letters, digits, _ and -, not starting with a digit or -)'),
        'Operating-system account that owns the database cluster; dumps run as this user (peer authentication, no password).',
        'postgres',
      ),
      databases: doc(
        Type.Array(patterned('^[A-Za-z0-9_][A-Za-z0-9_-]*$', 'a database name such as koji (letters, digits, _ and -, not starting with -)'), { minItems: 1 }),
        'Databases dumped every night with pg_dump in custom format (restorable with pg_restore).',
        ['koji'],
      ),
      estimatedSize: Type.Optional(doc(Size, 'Estimated size of one night\'s dumps (default 1G); used for the capacity estimate.', '2G')),
    },
    { additionalProperties: false },
  ),
  'Database settings of a DBHOST.',
  { engine: 'postgresql', osUser: 'postgres', databases: ['koji'], estimatedSize: '2G' },
);

const Repository = doc(
  Type.Object(
    {
      path: doc(AbsolutePath, 'The package repository folder on the REPOHOST.', '/mnt/koji/'),
      estimatedSize: Type.Optional(
        doc(Size, 'Estimated size of the repository (default 2TB, the seed\'s figure); every COPYREPOHOST must hold one copy.', '2TB'),
      ),
      mustBeMountPoint: Type.Optional(
        doc(
          Type.Boolean(),
          'Whether the repository path must be a mount point (default true): wildfire and the removable drives\' mirror refuse to copy from it otherwise, so that a failed mount never empties the copies. Set false only for a repository that deliberately lives on the root file system; the marker file .kindling-repository is required either way.',
          true,
        ),
      ),
      maxDeletePercent: Type.Optional(
        doc(
          Type.Integer({ minimum: 0, maximum: 100 }),
          'The largest share of the files of a repository copy (on a copy host, in a snapshot, on a removable drive) that one night may delete (default 10): a transfer that would delete more is refused and reported. Raise it for one night when a large deletion is intended.',
          10,
        ),
      ),
    },
    { additionalProperties: false },
  ),
  'The package repository of a REPOHOST: synced to every COPYREPOHOST and mirrored to removable drives.',
  { path: '/mnt/koji/', estimatedSize: '2TB' },
);

const Retention = doc(
  Type.Object(
    {
      localDays: Type.Optional(doc(Type.Integer({ minimum: 1, maximum: 3650 }), 'Days of copies kept in /archive/blaze-backup/<host>/ on the host itself.', 30)),
      networkDays: Type.Optional(doc(Type.Integer({ minimum: 1, maximum: 3650 }), 'Days of copies kept on network targets.', 30)),
      removableDays: Type.Optional(doc(Type.Integer({ minimum: 1, maximum: 3650 }), 'Days of dated copies kept on removable drives.', 3)),
      keepNewest: Type.Optional(
        doc(
          Type.Integer({ minimum: 1, maximum: 365 }),
          'Copies of each kind always kept, whatever their age (the newest by arrival), on the host and on its targets: a month of failed runs or a wrong clock never prunes the last good copies.',
          3,
        ),
      ),
    },
    { additionalProperties: false },
  ),
  'How long copies are kept, counted by when each copy arrived (the receiving host\'s own record, never the file\'s date or name) back from the newest arrival of its kind.',
  { localDays: 30, networkDays: 30, removableDays: 3, keepNewest: 3 },
);

const Compression = doc(
  Type.Unsafe<'bzip2' | 'zstd'>({ type: 'string', enum: ['bzip2', 'zstd'] }),
  'Archive compression: bzip2 (the seed\'s .tar.bz2, through lbzip2 or pbzip2 when installed) or zstd (.tar.zst).',
  'bzip2',
);

const Transfer = doc(
  Type.Object(
    {
      connectTimeoutSeconds: Type.Optional(doc(Type.Integer({ minimum: 1, maximum: 600 }), 'ssh ConnectTimeout for every connection to another host.', 10)),
      retries: Type.Optional(doc(Type.Integer({ minimum: 0, maximum: 10 }), 'How many times a failed rsync to a target is retried, with a growing pause.', 3)),
      retryDelaySeconds: Type.Optional(doc(Type.Integer({ minimum: 0, maximum: 3600 }), 'First pause before a retry; it doubles each time.', 30)),
      bandwidthLimitKiBps: Type.Optional(doc(Type.Integer({ minimum: 0 }), 'rsync --bwlimit in KiB/s; 0 means unlimited.', 0)),
    },
    { additionalProperties: false },
  ),
  'How copies travel to other hosts.',
  { connectTimeoutSeconds: 10, retries: 3, retryDelaySeconds: 30, bandwidthLimitKiBps: 0 },
);

const Roles = doc(
  Type.Array(Type.Unsafe<WrittenRole>({ type: 'string', enum: [...WRITTEN_ROLES] }), { uniqueItems: true }),
  'Roles of the host (Offered/Backedup Servers/Services): ADMHOST, AGGREGHOST, BUDDYHOST, COPYREPOHOST, DBHOST, RBDHOST, REPOHOST, SYNCHOST. ALLSYS is every host and is not written.',
  ['REPOHOST', 'RBDHOST'],
);

/** Settings a host may state; `defaults:` holds the same keys minus the host-only ones. */
const hostSettings = {
  roles: Roles,
  schedule: Type.Optional(Schedule),
  sources: Type.Optional(
    doc(Type.Array(Source), 'Folders archived every night; a host\'s list is added to the defaults\' list.', [
      { name: 'bcfg2', path: '/var/lib/bcfg2/', dataType: 'BCFG2 DB', estimatedSize: '50M' },
    ]),
  ),
  archive: Type.Optional(Type.Partial(ArchiveVolume)),
  retention: Type.Optional(Retention),
  compression: Type.Optional(Compression),
  transfer: Type.Optional(Transfer),
};

const Host = doc(
  Type.Object(
    {
      ...hostSettings,
      roles: Type.Optional(Roles),
      description: Type.Optional(doc(Type.String(), 'What the host is for, for people.', 'The complete ARM repository')),
      targets: Type.Optional(
        doc(
          Type.Array(HostName, { uniqueItems: true }),
          'LAN targets: hosts that receive a copy of this host\'s /archive/blaze-backup/<host>/ every night.',
          ['iraq', 'australia'],
        ),
      ),
      address: Type.Optional(
        doc(
          patterned(SSH_ADDRESS_PATTERN, 'a DNS name such as chile.example.org, or an IPv4 or IPv6 address'),
          'Where peers reach the host over ssh (default: the host name): a DNS name (chile.example.org) or an IPv4/IPv6 address.',
          'chile.cdot.example.org',
        ),
      ),
      port: Type.Optional(doc(Type.Integer({ minimum: 1, maximum: 65535 }), 'The ssh port of the host (default 22).', 22)),
      targetBudget: Type.Optional(
        doc(
          Size,
          "The most this host's folder on each of its targets may hold, replacing the computed budget (its nightly estimate × (network retention + 2) × 1.25): the target's store refuses copies beyond it, and the forecast counts with it. For a host whose estimate is known to be low, or a target that must not give it more.",
          '2G',
        ),
      ),
      database: Type.Optional(Database),
      repository: Type.Optional(Repository),
      sshPublicKey: Type.Optional(
        doc(
          patterned(SSH_PUBLIC_KEY_PATTERN, 'one OpenSSH public key line: type (ssh-ed25519, ssh-rsa, ecdsa-sha2-nistp256 …), base64 key, optional comment'),
          'Public half of the host\'s kindling key (/var/lib/kindling/ssh/id_ed25519.pub; setup makes the key and prints this line). Peers that this host copies to, reports to or fetches from accept it only for those tasks. Without it, no peer accepts the host yet.',
          'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGx0b2tlbmRlbW9rZXlfb25seV9mb3JfZG9jcw kindling@chile',
        ),
      ),
      sshHostKey: Type.Optional(
        doc(
          patterned(SSH_HOST_KEY_PATTERN, 'one OpenSSH public host key line: type (ssh-ed25519, ssh-rsa, ecdsa-sha2-nistp256 …), base64 key, optional comment'),
          "The host's ssh host key (/etc/ssh/ssh_host_ed25519_key.pub; setup prints it). Every peer that connects to this host gets it in its known_hosts (StrictHostKeyChecking=yes: no trust on first use). Without it, no peer can verify the host yet.",
          'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHN0b2tlbmRlbW9ob3N0a2V5X2Zvcl9kb2Nz root@chile',
        ),
      ),
    },
    { additionalProperties: false },
  ),
  'One host of the fleet and what differs from the defaults.',
  { roles: ['REPOHOST'], schedule: { start: '01:35' }, targets: ['iraq', 'australia'] },
);

const Defaults = doc(
  Type.Object(
    {
      roles: Type.Optional(Roles),
      schedule: hostSettings.schedule,
      sources: hostSettings.sources,
      archive: hostSettings.archive,
      retention: hostSettings.retention,
      compression: hostSettings.compression,
      transfer: hostSettings.transfer,
    },
    { additionalProperties: false },
  ),
  'What most hosts share; a host states only what differs.',
  { roles: ['BUDDYHOST'], schedule: { timeZone: 'UTC' } },
);

const Signing = doc(
  Type.Object(
    {
      allowedSigners: Type.Optional(
        doc(
          Type.Array(patterned('^[^\\n]+$', 'one allowed_signers line (no line break)'), { minItems: 1 }),
          'Lines of the ssh allowed_signers file installed on every host: the reviewers whose signatures the fetch accepts.',
          ['admin@cdot namespaces="kindling" ssh-ed25519 AAAAC3Nza...'],
        ),
      ),
      none: Type.Optional(
        doc(
          patterned(NO_CONTROL_CHARACTERS, 'the reason, in words'),
          'Signing is off on purpose, for this reason: root on the admin host can then run anything as root on every host (validate warns when signing is neither on nor off with a reason).',
          'the admin host is the only machine the reviewers use; a second key would live on it too',
        ),
      ),
    },
    { additionalProperties: false },
  ),
  'Signed distribution: with allowedSigners, every host verifies the signature of its SHA256SUMS before it installs new scripts. Write exactly one of allowedSigners (signing on) and none (off, with the reason).',
  { allowedSigners: ['admin@cdot namespaces="kindling" ssh-ed25519 AAAAC3Nza...'] },
);

const Fleet = doc(
  Type.Object(
    {
      name: doc(patterned('^[a-z0-9][a-z0-9-]*$', 'lower-case letters, digits and -, such as cdot-arm'), 'Name of the fleet, for logs and documents.', 'cdot-arm'),
      distServeDir: doc(
        AbsolutePath,
        'Folder on the admin host from which dist/ is served; each host fetches <distServeDir>/<host>/ by scp.',
        '/srv/kindling/dist',
      ),
      accountPrefix: Type.Optional(
        doc(
          patterned('^[a-z_][a-z0-9_-]{0,11}$', 'an account name prefix such as kb- (lower-case letters, digits, _ and -, not starting with a digit or -, at most 12 characters)'),
          'Each peer logs in on each host it reaches as its own account, <accountPrefix><peer> (shortened to 32 characters with a hash when longer), which owns nothing of any other peer. Default kb-.',
          'kb-',
        ),
      ),
      mailAlias: doc(patterned('^[a-z0-9._-]+$', 'a mail alias such as blaze-wildfire (lower-case letters, digits and . _ -)'), 'Mail alias that receives failure reports.', 'blaze-wildfire'),
      mailAddress: doc(
        Type.String({ pattern: '^[^\\s@,:"]+@[^\\s@,:"]+$', 'x-expected': 'a mail address such as name@example.org' }),
        'Address the alias delivers to.',
        'fedora-arm@senecacollege.ca',
      ),
      removableLabelPrefix: doc(
        patterned('^[a-z0-9-]+$', 'a label prefix such as cdot-backup- (lower-case letters, digits and -)'),
        'Removable drives are found by file-system label <prefix>001 … <prefix>999.',
        'cdot-backup-',
      ),
      signing: Type.Optional(Signing),
    },
    { additionalProperties: false },
  ),
  'Settings of the whole fleet.',
  { name: 'cdot-arm', distServeDir: '/srv/kindling/dist', accountPrefix: 'kb-' },
);

export const InventorySchema = Type.Object(
  {
    version: doc(Type.Literal(1), 'Version of the inventory format.', 1),
    fleet: Fleet,
    defaults: Type.Optional(Defaults),
    hosts: doc(
      Type.Record(Type.String(), Host),
      'Every host of the fleet, by host name.',
      { chile: { roles: ['REPOHOST'], targets: ['iraq', 'australia'] } },
    ),
  },
  {
    $id: 'https://kindling.invalid/inventory.schema.json',
    title: 'kindling inventory',
    description: 'One file that describes a fleet\'s backups: hosts, roles, sources, targets, schedules and capacity. Top-level keys that start with x- are ignored: they hold YAML anchors for host groups (`x-builder: &builder {...}`, then `<<: *builder` in a host).',
    // x- keys are ignored, so that they can hold anchors shared by many hosts (as in Compose files).
    patternProperties: { '^x-': { description: 'Ignored by kindling: a place for YAML anchors (host groups) and notes.', examples: [{ schedule: { start: '02:00' } }] } },
    additionalProperties: false,
  },
);

export type WrittenInventory = Static<typeof InventorySchema>;
export type WrittenHost = Static<typeof Host>;
export type WrittenSource = Static<typeof Source>;
export type WrittenDefaults = Static<typeof Defaults>;
