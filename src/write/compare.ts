// The one file comparison, used by `generate` (rendered files against the output folder) and
// by `diff` (against the output folder, or one rendering against another): a file is new,
// removed, changed in content, changed in mode only, or unchanged.
import type { RenderedFile, SectionedFile } from '../render/render';

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

/**
 * The kind of change the file AFTER, rendered in sections, makes to BEFORE (undefined when
 * none), and its sections to write: AFTER's own, still unread, when BEFORE is absent; else
 * read once, each compared where it falls in BEFORE, and kept only when KEEP (to be written).
 */
export function compareSections(before: FileState | undefined, after: SectionedFile, keep: boolean): { kind: ChangeKind | undefined; sections: Iterable<string> } {
  if (!before) return { kind: 'added', sections: after.sections };
  const kept: string[] = [];
  let offset = 0;
  let same = true;
  for (const section of after.sections) {
    if (same && before.content.startsWith(section, offset)) offset += section.length;
    else same = false;
    if (keep) kept.push(section);
    else if (!same) break; // changed, and nothing to write: the rest need not be rendered
  }
  if (!same || offset !== before.content.length) return { kind: 'modified', sections: kept };
  return { kind: before.mode !== after.mode ? 'mode' : undefined, sections: kept };
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
