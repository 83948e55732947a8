// The only module that touches the output folder. It compares what was rendered with what
// is on disk and changes only what differs: unchanged files keep their bytes and mtime (so
// scp and rsync stay cheap), host folders no longer rendered are removed, and the change is
// all-or-nothing: every new file is first written beside its final name, and only when all
// of them are written are they renamed into place.
import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { InputError } from '../errors';
import type { RenderedFile } from '../render/render';

export type ChangeKind = 'added' | 'modified' | 'removed' | 'mode';

export interface FileChange {
  path: string;
  kind: ChangeKind;
  before: string | undefined;
  after: string | undefined;
}

export interface DistChangeSet {
  changes: FileChange[];
  unchanged: number;
  /** Host folders (generated before, absent now) that are deleted whole. */
  removedFolders: string[];
}

/** A generated host folder is recognised by its SHA256SUMS; nothing else is ever deleted. */
function isGeneratedFolder(dir: string): boolean {
  return existsSync(join(dir, 'SHA256SUMS'));
}

function readIfFile(path: string): { content: string; mode: number } | undefined {
  try {
    const stat = statSync(path);
    if (!stat.isFile()) return undefined;
    return { content: readFileSync(path, 'utf8'), mode: stat.mode & 0o777 };
  } catch {
    return undefined;
  }
}

/** Compares FILES with OUT_DIR; reads only, writes nothing. */
export function planDistChanges(outDir: string, files: RenderedFile[]): DistChangeSet {
  const changes: FileChange[] = [];
  let unchanged = 0;
  const expectedByFolder = new Map<string, Set<string>>();
  for (const file of files) {
    const slash = file.path.indexOf('/');
    if (slash > 0) {
      const folder = file.path.slice(0, slash);
      const set = expectedByFolder.get(folder) ?? new Set<string>();
      set.add(file.path.slice(slash + 1));
      expectedByFolder.set(folder, set);
    }
    const existing = readIfFile(join(outDir, file.path));
    if (!existing) changes.push({ path: file.path, kind: 'added', before: undefined, after: file.content });
    else if (existing.content !== file.content) changes.push({ path: file.path, kind: 'modified', before: existing.content, after: file.content });
    else if (existing.mode !== file.mode) changes.push({ path: file.path, kind: 'mode', before: existing.content, after: file.content });
    else unchanged += 1;
  }

  const removedFolders: string[] = [];
  let entries: string[] = [];
  try {
    entries = readdirSync(outDir).sort();
  } catch {
    entries = [];
  }
  for (const entry of entries) {
    const dir = join(outDir, entry);
    const expected = expectedByFolder.get(entry);
    if (!expected) {
      if (isGeneratedFolder(dir)) {
        removedFolders.push(entry);
        for (const name of readdirSync(dir).sort()) {
          changes.push({ path: `${entry}/${name}`, kind: 'removed', before: readIfFile(join(dir, name))?.content, after: undefined });
        }
      }
      continue;
    }
    // Stray files inside a generated host folder (a template that was removed) go too.
    for (const name of readdirSync(dir).sort()) {
      if (!expected.has(name) && !name.startsWith('.kindling-tmp-')) {
        changes.push({ path: `${entry}/${name}`, kind: 'removed', before: readIfFile(join(dir, name))?.content, after: undefined });
      }
    }
  }
  changes.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { changes, unchanged, removedFolders };
}

export interface WriteSummary {
  written: number;
  unchanged: number;
  removed: number;
}

/** Applies CHANGES to OUT_DIR all-or-nothing; returns what it did. */
export function writeDist(outDir: string, files: RenderedFile[], changeSet: DistChangeSet): WriteSummary {
  const byPath = new Map(files.map((f) => [f.path, f]));
  const toWrite = changeSet.changes.filter((c) => c.kind !== 'removed');
  const staged: { temp: string; final: string }[] = [];
  const tempSuffix = `.kindling-tmp-${process.pid}`;
  try {
    for (const change of toWrite) {
      const file = byPath.get(change.path)!;
      const final = join(outDir, file.path);
      mkdirSync(dirname(final), { recursive: true });
      const temp = join(dirname(final), `${tempSuffix}-${file.path.slice(file.path.lastIndexOf('/') + 1)}`);
      writeFileSync(temp, file.content, { mode: file.mode });
      chmodSync(temp, file.mode); // the umask must not decide a script's mode
      staged.push({ temp, final });
    }
  } catch (error) {
    for (const { temp } of staged) rmSync(temp, { force: true });
    const reason = error instanceof Error ? error.message : String(error);
    throw new InputError(`cannot write ${outDir}/: ${reason}; ${outDir}/ was left as it was`);
  }
  for (const { temp, final } of staged) renameSync(temp, final);

  let removed = 0;
  const removedFolders = new Set(changeSet.removedFolders);
  for (const change of changeSet.changes) {
    if (change.kind !== 'removed') continue;
    const folder = change.path.slice(0, change.path.indexOf('/'));
    if (!removedFolders.has(folder)) rmSync(join(outDir, change.path), { force: true });
    removed += 1;
  }
  for (const folder of changeSet.removedFolders) rmSync(join(outDir, folder), { recursive: true, force: true });
  return { written: toWrite.length, unchanged: changeSet.unchanged, removed };
}
