// The one file comparison, used by `generate` (rendered files against the output folder) and
// by `diff` (against the output folder, or one rendering against another): a file is new,
// removed, changed in content, changed in mode only, or unchanged.
import type { RenderedFile, SectionedFile } from '../render/render';
import { textSlices } from './text-slices';

export type ChangeKind = 'added' | 'modified' | 'removed' | 'mode';

export interface FileChange {
  path: string;
  kind: ChangeKind;
  before: string | undefined;
  after: string | undefined;
}

/** What a file holds, on disk or rendered. */
export interface FileState {
  content: string;
  mode: number;
}

/** The change from BEFORE to AFTER at PATH (either may be absent), or undefined when none. */
export function compareFile(path: string, before: FileState | undefined, after: FileState | undefined): FileChange | undefined {
  if (!before && !after) return undefined;
  if (!before) return { path, kind: 'added', before: undefined, after: after!.content };
  if (!after) return { path, kind: 'removed', before: before.content, after: undefined };
  if (before.content !== after.content) return { path, kind: 'modified', before: before.content, after: after.content };
  if (before.mode !== after.mode) return { path, kind: 'mode', before: before.content, after: after.content };
  return undefined;
}

/** A file on disk as compareSections reads it: its mode, and its bytes from a position on. */
export interface FileReader {
  mode: number;
  /** Reads into INTO the file's bytes from POSITION on, as many as fit or are left; returns how many. */
  read(into: Uint8Array, position: number): number;
}

/** UTF-16 units of a section compared at a time: their bytes (3 a unit at most) and the file's fit in 1.5 MB. */
const COMPARED_UNITS = 256 * 1024;

/**
 * The kind of change the file AFTER, rendered in sections, makes to the file BEFORE (undefined
 * when none): each section is compared, a slice at a time, with the bytes where it falls in
 * BEFORE, and let go. Neither file is held whole (the README of 10,000 hosts: its text on disk
 * read as a string, and the new sections kept to be written, were 30 MiB at the end of the run,
 * where its peak is; bench/README.md, twelfth session). Stops at the first difference.
 */
export function compareSections(before: FileReader | undefined, after: SectionedFile): ChangeKind | undefined {
  if (!before) return 'added';
  const encoded = Buffer.allocUnsafe(3 * COMPARED_UNITS);
  const onDisk = Buffer.allocUnsafe(3 * COMPARED_UNITS);
  let position = 0;
  for (const section of after.sections()) {
    // Slices never cut a surrogate pair: their bytes joined are the section's.
    for (const slice of textSlices(section, COMPARED_UNITS)) {
      const length = encoded.write(slice, 'utf8');
      if (readFully(before, onDisk.subarray(0, length), position) !== length || !encoded.subarray(0, length).equals(onDisk.subarray(0, length))) return 'modified';
      position += length;
    }
  }
  if (before.read(onDisk.subarray(0, 1), position) !== 0) return 'modified'; // longer on disk
  return before.mode !== after.mode ? 'mode' : undefined;
}

/** Reads INTO full from POSITION unless the file ends first; returns how many bytes were read. */
export function readFully(file: Pick<FileReader, 'read'>, into: Uint8Array, position: number): number {
  let done = 0;
  while (done < into.length) {
    const read = file.read(into.subarray(done), position + done);
    if (read === 0) break;
    done += read;
  }
  return done;
}

/** File changes from the BEFORE rendering to the AFTER rendering, in path order. */
export function compareRenderedFiles(before: RenderedFile[], after: RenderedFile[]): FileChange[] {
  const old = new Map(before.map((f) => [f.path, f]));
  const now = new Map(after.map((f) => [f.path, f]));
  const changes: FileChange[] = [];
  for (const path of [...new Set([...old.keys(), ...now.keys()])].sort()) {
    const change = compareFile(path, old.get(path), now.get(path));
    if (change) changes.push(change);
  }
  return changes;
}
