// The only module that touches the output folder. It compares what was rendered with what
// is on disk and changes only what differs: unchanged files keep their bytes and mtime (so
// scp and rsync stay cheap), host folders no longer rendered are removed, and the change is
// all-or-nothing: every new file is first written beside its final name (a host folder that
// does not exist yet is written whole under a temporary name), and only when all of them are
// written are they renamed into place.
import { createHash } from 'node:crypto';
import { closeSync, constants, existsSync, fstatSync, mkdirSync, openSync, readFileSync, readSync, readdirSync, renameSync, rmSync, statSync, writeFileSync, type Dirent } from 'node:fs';
import { dirname, join } from 'node:path';
import { InputError, InternalError } from '../errors';
import type { HostBatch, RenderedFile, SectionedFile } from '../render/render';
import { BackgroundWriter } from './background-writer';
import { DigestsFile, jsonStringDigest } from './digests-file';
import { writeStagedFile, type WrittenStamp } from './staged-file';
import { compareFile, compareSections, type ChangeKind, type FileChange } from './compare';
import { jsonStringPieces } from './text-slices';
import { SHA256SUMS } from '../render/sha256-sums';

export interface DistChangeSet {
  changes: FileChange[];
  unchanged: number;
  /** Host folders (generated before, absent now) that are deleted whole. */
  removedFolders: string[];
}

/** Names of files and folders staged by a write in progress; never taken for output. */
const TEMP_PREFIX = '.kindling-tmp-';

/** A generated host folder is recognised by its SHA256SUMS; nothing else is ever deleted. */
function isGeneratedFolder(dir: string): boolean {
  return existsSync(join(dir, SHA256SUMS));
}

function readIfFile(path: string): { content: string; mode: number } | undefined {
  const file = openIfFile(path);
  if (file === undefined) return undefined;
  try {
    return { content: readFileSync(file.fd, 'utf8'), mode: file.mode };
  } catch {
    return undefined;
  } finally {
    closeSync(file.fd);
  }
}

/** The file at PATH opened for reading, with its mode; undefined when it is not a readable file. */
function openIfFile(path: string): { fd: number; mode: number } | undefined {
  let fd: number | undefined;
  try {
    // Non-blocking: a FIFO put where a file was would otherwise wait for a writer forever.
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
    const stat = fstatSync(fd);
    if (stat.isFile()) return { fd, mode: stat.mode & 0o777 };
  } catch {
    // not there, or not readable: no file
  }
  if (fd !== undefined) closeSync(fd);
  return undefined;
}

/** The names in DIR, or undefined when DIR is not a readable folder. */
function listFolder(dir: string): Dirent[] | undefined {
  try {
    return readdirSync(dir, { withFileTypes: true });
  } catch {
    return undefined;
  }
}

/**
 * Compares rendered files with OUT_DIR one at a time and remembers which names it expects, so
 * that the files no longer rendered can be found at the end. Each folder is listed once, so
 * that a file that is not there costs no failed stat (a first generate of 10,000 hosts would
 * otherwise throw and catch 100,000 ENOENT errors).
 */
class DistComparer {
  private readonly presentByFolder = new Map<string, Set<string> | undefined>();
  private readonly expectedByFolder = new Map<string, Set<string>>();
  /**
   * Host folders whose files were all compared (settle): the names in each that nothing
   * rendered, to be removed. Their two sets of names are let go then, not at the end: at
   * 10,000 hosts they were 18 MiB at the end of a run that renders every host again over an
   * existing tree, where its peak is (bench/README.md, twelfth session).
   */
  private readonly settledFolders = new Map<string, string[]>();
  private readonly unchangedFolders = new Set<string>();
  unchanged = 0;

  constructor(private readonly outDir: string) {}

  /** The change FILE makes (with the content on disk as `before`), or undefined when none. */
  compare(file: RenderedFile): FileChange | undefined {
    const change = compareFile(file.path, this.expect(file.path), file);
    if (!change) this.unchanged += 1;
    return change;
  }

  /** compareSections for FILE, with the file on disk, read as it is compared. */
  compareSections(file: SectionedFile): ChangeKind | undefined {
    this.noteExpected(file.path);
    const fd = this.isPresent(file.path) ? openIfFile(join(this.outDir, file.path)) : undefined;
    try {
      const kind = compareSections(fd && { mode: fd.mode, read: (into, position) => readSync(fd.fd, into, 0, into.length, position) }, file);
      if (kind === undefined) this.unchanged += 1;
      return kind;
    } finally {
      if (fd !== undefined) closeSync(fd.fd);
    }
  }

  /** Notes that PATH is rendered (so not removed); returns the file there now, if any. */
  private expect(path: string): { content: string; mode: number } | undefined {
    this.noteExpected(path);
    return this.isPresent(path) ? readIfFile(join(this.outDir, path)) : undefined;
  }

  private noteExpected(path: string): void {
    const slash = path.indexOf('/');
    if (slash > 0) {
      const folder = path.slice(0, slash);
      const set = this.expectedByFolder.get(folder) ?? new Set<string>();
      set.add(path.slice(slash + 1));
      this.expectedByFolder.set(folder, set);
    }
  }

  /** Every file of FOLDER (a host folder) was compared: keeps only the names it holds that none of them has. */
  settle(folder: string): void {
    const expected = this.expectedByFolder.get(folder);
    if (expected === undefined) return;
    const present = this.presentByFolder.get(folder);
    this.settledFolders.set(folder, present === undefined ? [] : [...present].filter((name) => !expected.has(name)));
    this.expectedByFolder.delete(folder);
    this.presentByFolder.delete(folder);
  }

  /** FOLDER's files NAMES, not rendered because nothing of them changed: expected and unchanged. */
  expectUnchanged(folder: string, names: string[]): void {
    this.unchanged += names.length;
    if (folder === '') return; // the top folder's files are never removed
    this.unchangedFolders.add(folder);
  }

  /** Generated files and folders that nothing rendered any more; with their content when WITH_CONTENT. */
  removals(withContent: boolean): { changes: FileChange[]; removedFolders: string[] } {
    const changes: FileChange[] = [];
    const removedFolders: string[] = [];
    const before = (path: string): string | undefined => (withContent ? readIfFile(path)?.content : undefined);
    const entries = (listFolder(this.outDir) ?? []).map((e) => e.name).sort();
    for (const entry of entries) {
      if (entry.startsWith(TEMP_PREFIX)) continue; // staged by a write in progress (or one that died)
      // A folder skipped unchanged (its digest and mtime as left) has no stray files.
      if (this.unchangedFolders.has(entry)) continue;
      const dir = join(this.outDir, entry);
      const strays = this.settledFolders.get(entry);
      if (strays !== undefined) {
        for (const name of strays.sort()) {
          if (!name.startsWith(TEMP_PREFIX)) changes.push({ path: `${entry}/${name}`, kind: 'removed', before: before(join(dir, name)), after: undefined });
        }
        continue;
      }
      const expected = this.expectedByFolder.get(entry);
      if (!expected) {
        if (isGeneratedFolder(dir)) {
          removedFolders.push(entry);
          for (const name of readdirSync(dir).sort()) {
            changes.push({ path: `${entry}/${name}`, kind: 'removed', before: before(join(dir, name)), after: undefined });
          }
        }
        continue;
      }
      // Stray files inside a generated host folder (a template that was removed) go too.
      for (const name of readdirSync(dir).sort()) {
        if (!expected.has(name) && !name.startsWith(TEMP_PREFIX)) {
          changes.push({ path: `${entry}/${name}`, kind: 'removed', before: before(join(dir, name)), after: undefined });
        }
      }
    }
    return { changes, removedFolders };
  }

  private isPresent(path: string): boolean {
    const slash = path.lastIndexOf('/');
    const folder = slash === -1 ? '' : path.slice(0, slash);
    if (!this.presentByFolder.has(folder)) {
      // A folder its parent does not list is not listed: on a first generate of 10,000 hosts,
      // listing each new host folder threw and caught 10,000 ENOENT errors (0.5 s).
      const listing = folder === '' || this.isPresent(folder) ? listFolder(folder === '' ? this.outDir : join(this.outDir, folder)) : undefined;
      this.presentByFolder.set(folder, listing && new Set(listing.map((e) => e.name)));
    }
    return this.presentByFolder.get(folder)?.has(path.slice(slash + 1)) ?? false;
  }
}

function byPath(a: { path: string }, b: { path: string }): number {
  return a.path < b.path ? -1 : a.path > b.path ? 1 : 0;
}

/** Compares FILES with OUT_DIR; reads only, writes nothing. */
export function planDistChanges(outDir: string, files: RenderedFile[]): DistChangeSet {
  const comparer = new DistComparer(outDir);
  const changes: FileChange[] = [];
  for (const file of files) {
    const change = comparer.compare(file);
    if (change) changes.push(change);
  }
  const removals = comparer.removals(true);
  changes.push(...removals.changes);
  changes.sort(byPath);
  return { changes, unchanged: comparer.unchanged, removedFolders: removals.removedFolders };
}

export interface WriteSummary {
  written: number;
  unchanged: number;
  removed: number;
}

/**
 * Writes files beside their final names, to be renamed into place all at once (commit) or
 * removed (rollback). A host folder that does not exist yet is staged whole and renamed once:
 * a first generate then costs one rename per host instead of one per file.
 */
class Stager {
  private readonly staged: { temp: string; final: string }[] = [];
  private readonly tempSuffix = `${TEMP_PREFIX}${process.pid}`;
  /** Top folder → its staging folder, or undefined when it exists and files are staged one by one. */
  private readonly stagedFolders = new Map<string, string | undefined>();
  private readonly madeFolders = new Set<string>();
  /**
   * What was handed to the writer thread, in order: its stamps come back in this order. A new
   * folder is one entry (its files' names, then SHA256SUMS), a single file its path.
   */
  private readonly postedInOrder: (string | { folder: string; names: readonly string[] })[] = [];
  /**
   * Each staged file's stamp as written (renaming keeps it), generate keeps them for next time:
   * written on this thread, an object; by the writer thread, its index in that thread's numbers
   * (size, mtimeMs and mode a file, in the order posted). A new folder's files are found by
   * their folder (newFolderStamps): a first generate of 10,000 hosts stages 10,000 folders, and
   * an object a file, then an entry a file, were 9-13 MiB, then 7 MiB, more heap at its end,
   * where its peak is (bench/README.md, tenth and eleventh sessions).
   */
  private readonly stamps = new Map<string, WrittenStamp | number>();
  /** A new folder → the index of its first file's stamp, and its files' names in the order written. */
  private readonly newFolderStamps = new Map<string, { first: number; names: readonly string[] }>();
  private postedStamps: Float64Array = new Float64Array(0);
  /** The names in OUT_DIR before anything was staged. */
  private namesInOutDir: Set<string> | undefined;
  /** Set when the files are written on a second thread (see BackgroundWriter). */
  private writer: BackgroundWriter | undefined;

  /**
   * BACKGROUND: write every file on a second thread (a new folder, stageNewFolder, always is),
   * made at the first file (a run writing nothing makes none).
   */
  constructor(
    private readonly outDir: string,
    private readonly background = false,
  ) {}

  /** Whether TOP (a folder of OUT_DIR) is new, and so staged whole under a temporary name. */
  stagesWhole(top: string): boolean {
    return this.stagingFolder(top) !== undefined;
  }

  /**
   * Stages FILES, the files of FOLDER (new: stagesWhole), and their SHA256SUMS, on the writer
   * thread: it takes the digests from the bytes as it writes them, so the main thread neither
   * hashes nor encodes a file twice. NAMES: each file's name in FOLDER, in the order of FILES.
   * Returns the names staged, SHA256SUMS last.
   */
  stageNewFolder(folder: string, files: RenderedFile[], names: readonly string[]): string[] {
    const writer = this.backgroundWriter();
    files.forEach((file, i) => writer.write(this.tempPath(file.path), file.content, file.mode, names[i]));
    writer.writeSums(this.tempPath(`${folder}/${SHA256SUMS}`), 0o644);
    const staged = [...names, SHA256SUMS];
    this.postedInOrder.push({ folder, names: staged });
    return staged;
  }

  /** Stages the file at PATH, of SECTIONS, a section at a time on the writer thread (see SectionedFile). */
  stageSections(path: string, mode: number, sections: Iterable<string>): void {
    this.backgroundWriter().writeInParts(this.tempPath(path), sections, mode);
    this.postedInOrder.push(path);
  }

  stage(file: RenderedFile): void {
    if (this.background) {
      this.backgroundWriter().write(this.tempPath(file.path), file.content, file.mode);
      this.postedInOrder.push(file.path);
    } else {
      this.stamps.set(file.path, writeStagedFile(this.tempPath(file.path), file.content, file.mode));
    }
  }

  /** The staging folder of TOP, made at its first file; undefined when TOP exists (its files are staged one by one). */
  private stagingFolder(top: string): string | undefined {
    if (!this.stagedFolders.has(top)) {
      let folder: string | undefined;
      // OUT_DIR listed once: a stat per new host folder was 0.2 s of a first generate of 10,000.
      this.namesInOutDir ??= new Set((listFolder(this.outDir) ?? []).map((entry) => entry.name));
      if (!this.namesInOutDir.has(top)) {
        this.makeFolder(this.outDir);
        folder = join(this.outDir, `${this.tempSuffix}-${top}`);
        this.mkdir(folder, false);
        this.madeFolders.add(folder);
        this.staged.push({ temp: folder, final: join(this.outDir, top) });
      }
      this.stagedFolders.set(top, folder);
    }
    return this.stagedFolders.get(top);
  }

  /** Where the file at PATH (relative to OUT_DIR) is written until commit. */
  private tempPath(path: string): string {
    const slash = path.indexOf('/');
    const top = slash > 0 ? path.slice(0, slash) : undefined;
    const folder = top === undefined ? undefined : this.stagingFolder(top);
    let temp: string;
    if (folder !== undefined) {
      temp = join(folder, path.slice(slash + 1));
      this.makeFolder(dirname(temp));
    } else {
      const final = join(this.outDir, path);
      this.makeFolder(dirname(final));
      temp = join(dirname(final), `${this.tempSuffix}-${path.slice(path.lastIndexOf('/') + 1)}`);
      this.staged.push({ temp, final });
    }
    return temp;
  }

  /** Waits for the files still being written; throws the first write that failed. */
  finishWrites(): void {
    if (this.writer === undefined) return;
    const triples = this.writer.finish();
    // Once, before the commit (syncDist): a second call would leave the first one's indices
    // pointing into the second one's numbers.
    if (this.postedStamps.length > 0) throw new InternalError('the writer thread\'s stamps were already taken');
    this.postedStamps = triples;
    let index = 0;
    for (const posted of this.postedInOrder) {
      if (typeof posted === 'string') {
        this.stamps.set(posted, 3 * index);
        index += 1;
      } else {
        this.newFolderStamps.set(posted.folder, { first: 3 * index, names: posted.names });
        index += posted.names.length;
      }
    }
    this.postedInOrder.length = 0;
  }

  /** The stamp of the file staged for PATH as it was written (after finishWrites), if it was. */
  stampOf(path: string): WrittenStamp | undefined {
    let stamp = this.stamps.get(path);
    if (stamp === undefined) {
      const slash = path.indexOf('/');
      const folder = slash > 0 ? this.newFolderStamps.get(path.slice(0, slash)) : undefined;
      const at = folder?.names.indexOf(path.slice(slash + 1)) ?? -1;
      if (at === -1) return undefined;
      stamp = folder!.first + 3 * at;
    }
    if (typeof stamp !== 'number') return stamp;
    const numbers = this.postedStamps;
    return { size: numbers[stamp]!, mtimeMs: numbers[stamp + 1]!, mode: numbers[stamp + 2]! };
  }

  /** Removes everything staged; OUT_DIR is left as it was. */
  discard(): void {
    try {
      this.writer?.finish(); // nothing may still be writing into what is removed
    } catch {
      // the failure is the caller's to report; what it left is removed below
    }
    this.writer?.close();
    for (const { temp } of this.staged) {
      try {
        rmSync(temp, { recursive: true, force: true });
      } catch {
        // never made: the write that failed was the one to make it (a file where its folder should be)
      }
    }
  }

  /** Renames every staged file into place; finishWrites() first. */
  commit(): void {
    this.writer?.close();
    for (const { temp, final } of this.staged) renameSync(temp, final);
  }

  private makeFolder(dir: string): void {
    if (this.madeFolders.has(dir)) return;
    this.mkdir(dir, true);
    this.madeFolders.add(dir);
  }

  private mkdir(dir: string, recursive: boolean): void {
    if (this.background) this.backgroundWriter().mkdir(dir, recursive);
    else mkdirSync(dir, { recursive });
  }

  private backgroundWriter(): BackgroundWriter {
    this.writer ??= new BackgroundWriter();
    return this.writer;
  }
}

function writeFailure(outDir: string, error: unknown): InputError {
  const reason = error instanceof Error ? error.message : String(error);
  return new InputError(`cannot write ${outDir}/: ${reason}; ${outDir}/ was left as it was`);
}

/** Deletes the removed files and folders of CHANGES; returns how many files went. */
function applyRemovals(outDir: string, changes: FileChange[], removedFolders: string[]): number {
  let removed = 0;
  const whole = new Set(removedFolders);
  for (const change of changes) {
    if (change.kind !== 'removed') continue;
    const folder = change.path.slice(0, change.path.indexOf('/'));
    if (!whole.has(folder)) rmSync(join(outDir, change.path), { force: true });
    removed += 1;
  }
  for (const folder of removedFolders) rmSync(join(outDir, folder), { recursive: true, force: true });
  return removed;
}

/** A change as generate reports it: the path and the kind, without the contents. */
export type ChangedPath = Pick<FileChange, 'path' | 'kind'>;

/**
 * Compares, and unless CHECK writes, the rendered files batch by batch (a host's folder at a
 * time), holding no more than one batch's contents: 10,000 hosts render more than a gigabyte.
 * A host's folder (a HostBatch) whose digest and files on disk are those the last generate
 * left (see HostDigests) is not rendered at all, unless CHECK: --check always renders and
 * compares every file. The write stays all-or-nothing: changed files are staged as their
 * batch passes and renamed into place only after the last batch. Returns the changes, sorted
 * by path: with CHECK every one, else the removals only.
 */
export function syncDist(
  outDir: string,
  batches: Iterable<HostBatch | RenderedFile[]>,
  check: boolean,
  run?: RunStamp | (() => RunStamp),
): WriteSummary & { changes: ChangedPath[]; skippedFolders: number } {
  const digests = new HostDigests(outDir, run);
  try {
    return syncDistWith(digests, outDir, batches, check);
  } finally {
    digests.close();
  }
}

function syncDistWith(digests: HostDigests, outDir: string, batches: Iterable<HostBatch | RenderedFile[]>, check: boolean): WriteSummary & { changes: ChangedPath[]; skippedFolders: number } {
  const comparer = new DistComparer(outDir);
  const stager = new Stager(outDir, true);
  // Only a check lists what it would add or change: generate names only the files it removes,
  // and a first generate of 10,000 hosts kept 140,000 paths (12 MiB) to name none of them.
  const changes: ChangedPath[] = [];
  const sameNames = new Map<string, string>();
  let written = 0;
  let skippedFolders = 0;
  try {
    for (const item of batches) {
      let batch: (RenderedFile | SectionedFile)[];
      if (Array.isArray(item)) {
        batch = item;
      } else {
        const names = check ? undefined : digests.unchangedFiles(item.folder, item.digest);
        if (names !== undefined) {
          comparer.expectUnchanged(item.folder, names);
          skippedFolders += 1;
          continue;
        }
        if (!check && item.renderWithoutSums !== undefined && stager.stagesWhole(item.folder)) {
          // A new host folder: every file is added, nothing to compare.
          const files = item.renderWithoutSums();
          let names: string[];
          try {
            names = stager.stageNewFolder(item.folder, files, files.map((f) => fileName(sameNames, item.folder, f.path)));
          } catch (error) {
            throw writeFailure(outDir, error);
          }
          written += names.length;
          digests.rendered(item.folder, item.digest, names);
          continue;
        }
        batch = item.renderInSections?.() ?? item.render();
        digests.rendered(item.folder, item.digest, batch.map((f) => fileName(sameNames, item.folder, f.path)));
      }
      for (const file of batch) {
        if ('sections' in file) {
          // Compared, then, if it changed, rendered again and written, a section at a time.
          const kind = comparer.compareSections(file);
          if (kind === undefined) continue;
          written += 1;
          if (check) {
            changes.push({ path: file.path, kind });
            continue;
          }
          try {
            stager.stageSections(file.path, file.mode, file.sections());
          } catch (error) {
            // Its sections are rendered here: a template's failure is its own, not a write's.
            throw error instanceof InternalError ? error : writeFailure(outDir, error);
          }
          continue;
        }
        const change = comparer.compare(file);
        if (!change) continue;
        written += 1;
        if (check) {
          changes.push({ path: change.path, kind: change.kind });
          continue;
        }
        try {
          stager.stage(file);
        } catch (error) {
          throw writeFailure(outDir, error);
        }
      }
      // A host folder's batch holds all its files: what it does not hold is to be removed.
      if (!Array.isArray(item) && item.folder !== '') comparer.settle(item.folder);
    }
    try {
      stager.finishWrites();
    } catch (error) {
      throw writeFailure(outDir, error);
    }
  } catch (error) {
    stager.discard(); // a failed write, or a later batch that failed to render
    throw error;
  }
  const removals = comparer.removals(false);
  if (!check) {
    stager.commit();
    applyRemovals(outDir, removals.changes, removals.removedFolders);
    digests.save((path) => stager.stampOf(path));
  }
  changes.push(...removals.changes.map(({ path, kind }) => ({ path, kind })));
  changes.sort(byPath);
  return { changes, written: check ? 0 : written, unchanged: comparer.unchanged, removed: removals.changes.length, skippedFolders };
}

/**
 * The name of the file at PATH in FOLDER ('' for the top folder), one string for each name:
 * every host folder has the same dozen names, and a copy each was 140,000 strings (2 MiB) kept
 * to the end of a first generate of 10,000 hosts, where its peak is (bench/README.md,
 * eleventh session).
 */
function fileName(sameNames: Map<string, string>, folder: string, path: string): string {
  const name = folder === '' ? path : path.slice(folder.length + 1);
  let same = sameNames.get(name);
  if (same === undefined) sameNames.set(name, (same = name));
  return same;
}

/** Where generate keeps each host folder's digest; a cache: without it every host is rendered. */
export const HOST_DIGESTS_FILE = '.kindling-digests';

/**
 * A whole generate: the digest of what it was rendered from (render.ts's inventoryDigest) and
 * the warnings it printed. Kept with the host digests once every file is in place.
 */
export interface RunStamp {
  digest: string;
  stderr: string;
}

/**
 * When OUT_DIR is exactly as the generate stamped with DIGEST left it (every host folder's and
 * the fleet files' stamps hold, and no other generated folder is there, which a generate would
 * remove): that generate's warnings and how many files it left; else undefined. Reads and
 * stats only, so a generate with nothing changed parses and renders nothing.
 */
export function unchangedDist(outDir: string, digest: string): { stderr: string; unchanged: number } | undefined {
  const digests = new HostDigests(outDir, undefined, digest);
  try {
    return digests.unchangedRun(digest);
  } finally {
    digests.close();
  }
}

/** A file as the last generate left it: a later change of its content or mode changes one of these. */
type FileStamp = [name: string, size: number, mtimeMs: number, mode: number];

interface HostDigestEntry {
  digest: string;
  /** The folder's mtime: a name added, removed or renamed in it changes it (so it need not be listed). */
  folderMtimeMs: number;
  files: FileStamp[];
}

/** Whether VALUE, read from the digests file, is an entry (a cache: one that is not only costs a render). */
function isEntry(value: unknown): value is HostDigestEntry {
  const entry = value as Partial<HostDigestEntry> | undefined;
  return typeof entry?.digest === 'string' && typeof entry.folderMtimeMs === 'number' && Array.isArray(entry.files) && entry.files.every((file) => Array.isArray(file) && typeof file[0] === 'string');
}

/**
 * The digests of the host folders the last generate wrote or checked, with each file's size,
 * mtime and mode and the folder's mtime as it left them (OUT_DIR/.kindling-digests, JSON). A host folder is skipped
 * when its digest is unchanged and its files are exactly those, with the same stamps: a
 * hand-edited, added, removed or chmod-ed file makes it render and compare again.
 */
class HostDigests {
  /**
   * The digests file as the last generate left it, opened when first asked for (a check never
   * is), and how many folders it had then: an entry is read when its folder asks (digests-file.ts).
   */
  private opened: { file: DigestsFile | undefined; folders: number } | undefined;
  private readonly next: Record<string, HostDigestEntry> = {};
  private readonly pending: { folder: string; digest: string; names: string[] }[] = [];

  private used = false;
  /** Folders whose entry was taken over as it was. */
  private reused = 0;

  /** RUN_DIGEST: only a file that may hold a run stamped with it is read (unchangedDist). */
  constructor(
    private readonly outDir: string,
    private readonly run?: RunStamp | (() => RunStamp),
    private readonly runDigest?: string,
  ) {}

  private get previous(): DigestsFile | undefined {
    if (this.opened === undefined) {
      const file = DigestsFile.open(join(this.outDir, HOST_DIGESTS_FILE), this.runDigest);
      this.opened = { file, folders: file?.size ?? 0 };
    }
    return this.opened.file;
  }

  /** Lets go of the digests file (an open file); nothing may be asked of it after. */
  close(): void {
    this.opened?.file?.close();
  }

  /** See unchangedDist. */
  unchangedRun(digest: string): { stderr: string; unchanged: number } | undefined {
    const previous = this.previous;
    if (previous?.run === undefined || previous.run.digest !== digest) return undefined;
    let unchanged = 0;
    for (const folder of previous.folders()) {
      const entry = previous.entry(folder);
      const names = isEntry(entry) ? this.namesIfAsStamped(folder, entry) : undefined;
      if (names === undefined) return undefined;
      unchanged += names.length;
    }
    for (const entry of listFolder(this.outDir) ?? []) {
      if (!entry.isDirectory() || entry.name.startsWith(TEMP_PREFIX) || previous.has(entry.name)) continue;
      if (isGeneratedFolder(join(this.outDir, entry.name))) return undefined;
    }
    const stderr = previous.runStderr();
    return stderr === undefined ? undefined : { stderr, unchanged };
  }

  /**
   * The file names of FOLDER when nothing of it changed since it was rendered from DIGEST;
   * else undefined. Asked once a folder: its previous entry is let go (kept for the new file
   * when unchanged), since at 10,000 hosts the entries are some 10 MiB.
   */
  unchangedFiles(folder: string, digest: string): string[] | undefined {
    this.used = true;
    const entry = this.previous?.take(folder);
    if (!isEntry(entry) || entry.digest !== digest) return undefined;
    const names = this.namesIfAsStamped(folder, entry);
    if (names === undefined) return undefined;
    this.next[folder] = entry;
    this.reused += 1;
    return names;
  }

  /** The file names of FOLDER when its folder and files are as ENTRY stamped them; else undefined. */
  private namesIfAsStamped(folder: string, entry: HostDigestEntry): string[] | undefined {
    const dir = join(this.outDir, folder);
    // The top folder holds the host folders too, whose names change it: only its files are stamped.
    if (folder !== '' && statSync(dir, { throwIfNoEntry: false })?.mtimeMs !== entry.folderMtimeMs) return undefined;
    for (const [name, size, mtimeMs, mode] of entry.files) {
      const stat = statSync(`${dir}/${name}`, { throwIfNoEntry: false });
      if (stat === undefined || !stat.isFile() || stat.size !== size || stat.mtimeMs !== mtimeMs || (stat.mode & 0o777) !== mode) return undefined;
    }
    return entry.files.map(([name]) => name);
  }

  /** FOLDER was rendered from DIGEST into the files NAMES: stamped after the write, in save(). */
  rendered(folder: string, digest: string, names: string[]): void {
    this.used = true;
    this.pending.push({ folder, digest, names });
  }

  /**
   * Writes the digests of every host folder now on disk (atomically; a cache, so a failure
   * only costs a render). STAMP_OF: a file's stamp as this run wrote it (else it is stat-ed).
   * Written host by host: for 10,000 hosts the file is 11 MB, and making it in one
   * JSON.stringify, with every entry as objects first, added 50 MiB to the heap at the very
   * end of the run, where the peak already was. The bytes are JSON.stringify's of
   * { version, hosts, run }, entries in the order they were taken over or rendered.
   */
  save(stampOf: (path: string) => WrittenStamp | undefined = () => undefined): void {
    if (!this.used) return; // batches without digests (tests, callers of their own): no cache
    // Nothing rendered and every folder taken over as it was: the file would be written the same.
    // Asked for only now: a fleet's warnings can be megabytes of text (8 MB for the 10,000 hosts
    // of bench/), better not held while every host is rendered.
    const run = typeof this.run === 'function' ? this.run() : this.run;
    const previous = this.previous;
    const previousRun = previous?.run;
    const sameRun = run === undefined ? previousRun === undefined : run.digest === previousRun?.digest && jsonStringDigest(run.stderr) === previousRun.stderrDigest;
    if (sameRun && this.pending.length === 0 && this.reused === this.opened?.folders) return;
    const file = join(this.outDir, HOST_DIGESTS_FILE);
    const temp = join(this.outDir, `${TEMP_PREFIX}${process.pid}${HOST_DIGESTS_FILE}`);
    let out: DigestsFileWriter | undefined;
    try {
      out = new DigestsFileWriter(temp, previous?.digest);
      out.add('{"version":2,"hosts":{');
      let first = true;
      const entry = (folder: string, value: HostDigestEntry): void => {
        out!.add(`${first ? '' : ','}${JSON.stringify(folder)}:${JSON.stringify(value)}`);
        first = false;
      };
      for (const [folder, value] of Object.entries(this.next)) entry(folder, value);
      // The run's stamp only when every folder was stamped: a folder left out is rendered next time.
      let stampedAll = true;
      for (const { folder, digest, names } of this.pending) {
        const value = this.stamped(folder, digest, names, stampOf);
        if (value === undefined) stampedAll = false;
        else entry(folder, value);
      }
      if (stampedAll && run !== undefined) {
        // JSON.stringify(run), its warnings' text escaped a slice at a time: whole, the 8 MB of
        // warnings of 10,000 hosts were copied twice more at the end of the run, where its peak is.
        out.add(`},"run":{"digest":${JSON.stringify(run.digest)},"stderr":`);
        out.addJsonString(run.stderr);
        out.add('}}\n');
      } else {
        out.add('}}\n');
      }
      // Nothing rendered, nothing to stamp: the file stays as it is.
      if (out.close()) renameSync(temp, file);
      else rmSync(temp, { force: true });
    } catch {
      out?.abandon();
      rmSync(temp, { force: true });
    }
  }

  /** The entry of FOLDER, rendered from DIGEST into NAMES, with their stamps; undefined when one cannot be had. */
  private stamped(folder: string, digest: string, names: string[], stampOf: (path: string) => WrittenStamp | undefined): HostDigestEntry | undefined {
    try {
      const files = names.map((name): FileStamp => {
        const stamp = stampOf(folder === '' ? name : `${folder}/${name}`);
        if (stamp !== undefined) return [name, stamp.size, stamp.mtimeMs, stamp.mode];
        const stat = statSync(join(this.outDir, folder, name));
        return [name, stat.size, stat.mtimeMs, stat.mode & 0o777];
      });
      return { digest, folderMtimeMs: statSync(join(this.outDir, folder)).mtimeMs, files };
    } catch {
      return undefined; // not stamped: rendered again next time
    }
  }
}

/**
 * Writes a text piece by piece into a new file, a megabyte at a time, and says at the end
 * whether it differs from the file as it was (by their SHA-256): neither text is held whole.
 */
class DigestsFileWriter {
  private fd: number | undefined;
  private pieces: string[] = [];
  private length = 0;
  /** The text so far, hashed as it goes: compared with PREVIOUS_DIGEST at the end. */
  private readonly hash = createHash('sha256');

  constructor(
    path: string,
    private readonly previousDigest: string | undefined,
  ) {
    this.fd = openSync(path, 'w');
  }

  add(piece: string): void {
    this.hash.update(piece);
    this.pieces.push(piece);
    this.length += piece.length;
    if (this.length >= 1 << 20) this.flush();
  }

  /** Adds TEXT as a JSON string, the same bytes as JSON.stringify(TEXT), escaped a slice at a time. */
  addJsonString(text: string): void {
    for (const piece of jsonStringPieces(text)) this.add(piece);
  }

  /** Closes the file; true when its text differs from the previous one (its SHA-256 does). */
  close(): boolean {
    this.flush();
    closeSync(this.fd!);
    this.fd = undefined;
    return this.hash.digest('hex') !== this.previousDigest;
  }

  /** Closes the file if it is open; never throws (the cache is given up, the run goes on). */
  abandon(): void {
    try {
      if (this.fd !== undefined) closeSync(this.fd);
    } catch {
      // nothing more to do with it: the caller removes it
    }
    this.fd = undefined;
  }

  private flush(): void {
    writeFileSync(this.fd!, this.pieces.join('')); // the whole text, however many writes it takes
    this.pieces = [];
    this.length = 0;
  }
}

/**
 * Adds FILES to an output folder that already holds its host folders (the signatures of
 * `kindling sign`), all or nothing: every file is staged beside its final name first.
 * Returns how many files changed; files whose content and mode are already there stay untouched.
 */
export function addToDist(outDir: string, files: RenderedFile[]): number {
  const stager = new Stager(outDir);
  let written = 0;
  try {
    for (const file of files) {
      if (!compareFile(file.path, readIfFile(join(outDir, file.path)), file)) continue;
      stager.stage(file);
      written += 1;
    }
  } catch (error) {
    stager.discard();
    throw writeFailure(outDir, error);
  }
  stager.commit();
  return written;
}
