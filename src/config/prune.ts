// What of a file the checks after the schema may look at when the schema found problems: the
// file without its wrong values, so that one run reports the schema's problems and the checks'
// together instead of one kind per run. The checks expect the schema's shapes; a wrong value is
// left out at the level the checks read (a whole field of an entry, a whole entry that is not a
// mapping), never patched, so no check reports something that is not wrong.
import { aliasPositions } from './positions.js';
import type { Config } from './types.js';

/** Sections whose items are mappings; `init` items are strings, which the checks skip if wrong. */
const ENTRY_SECTIONS = new Set(['onboot', 'onshutdown', 'services', 'files', 'volumes']);

export interface Pruned {
  config: Config;
  /** False when a whole entry or section was left out: checks across entries could then mislead. */
  complete: boolean;
}

/** `value` (a parsed file) without the values at `bad` (key paths from the root). */
export function withoutBadValues(value: unknown, bad: Array<Array<string | number>>): Pruned {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return { config: {}, complete: false };
  const root = copy(value as Record<string, unknown>);
  let complete = true;
  const dropped = new Map<string, Set<number>>();
  for (const path of bad) {
    const [section, index, field] = path;
    if (section === undefined) return { config: {}, complete: false };
    const sectionValue = root[section as string];
    if (path.length === 1 || sectionValue === null || typeof sectionValue !== 'object') {
      delete root[section as string];
      complete = false;
      continue;
    }
    if (section === 'kernel') {
      root.kernel = withoutField(sectionValue as Record<string, unknown>, String(index));
      continue;
    }
    if (!ENTRY_SECTIONS.has(section as string) || typeof index !== 'number') continue;
    // A wrong name would make the checks across entries (duplicates, uid names) misread it; a
    // files entry without one of its fields could look empty. Such entries are left out whole.
    if (path.length === 2 || field === undefined || field === 'name' || section === 'files') {
      if (!dropped.has(section as string)) dropped.set(section as string, new Set());
      dropped.get(section as string)!.add(index);
      // No other entry refers to a files entry.
      if (section !== 'files') complete = false;
      continue;
    }
    const list = ownList(root, section as string, value as Record<string, unknown>);
    const entry = list[index];
    if (entry !== null && typeof entry === 'object') list[index] = withoutField(entry as Record<string, unknown>, field as string);
  }
  for (const [section, indexes] of dropped) {
    // Entries carry their own positions, so the list may be filtered.
    root[section] = (root[section] as unknown[]).filter((_, i) => !indexes.has(i));
  }
  return { config: root as Config, complete };
}

function copy<T extends object>(o: T): T {
  const c = (Array.isArray(o) ? [...o] : { ...o }) as T;
  aliasPositions(o, c);
  return c;
}

/** The section's list, copied once so the parsed file is left as it was. */
function ownList(root: Record<string, unknown>, section: string, original: Record<string, unknown>): unknown[] {
  if (root[section] === original[section]) root[section] = copy(root[section] as unknown[]);
  return root[section] as unknown[];
}

function withoutField(o: Record<string, unknown>, field: string): Record<string, unknown> {
  const c = copy(o);
  delete c[field];
  return c;
}
