// Source positions of the parsed config, kept beside the plain objects rather than inside them,
// so that a Config stays exactly the YAML's shape and later stages (resolve, spec, assemble) can
// still say "files[2].source at a.yml:12:5". Objects are shared, not copied, by the merge, so
// positions survive it.
import type { SourcePos } from '../util/index.js';

interface NodePositions {
  /** Where the mapping or list itself starts (undefined for data not from a file, e.g. a label). */
  self: SourcePos | undefined;
  /** Its path in its own file, e.g. "services[1]" (indexes are per file, not merged). */
  path: string;
  /** For a mapping: where each key is written. */
  keys: Map<string | number, SourcePos>;
  /** Where each field's value or each list item starts. */
  values: Map<string | number, SourcePos>;
}

const table = new WeakMap<object, NodePositions>();

export function recordPositions(obj: object, self: SourcePos | undefined, path: string): NodePositions {
  let np = table.get(obj);
  if (!np) {
    np = { self, path, keys: new Map(), values: new Map() };
    table.set(obj, np);
  }
  return np;
}

/**
 * Where `obj` (a mapping or list from the config) starts or, with `key`, where the value of
 * that field or list item starts. Undefined for objects that did not come from a file.
 */
export function sourcePos(obj: object, key?: string | number): SourcePos | undefined {
  const np = table.get(obj);
  if (!np) return undefined;
  if (key === undefined) return np.self;
  return np.values.get(key) ?? np.keys.get(key);
}

/** Where the key `key` of a mapping is written (for "unknown field" and the like). */
export function keyPos(obj: object, key: string): SourcePos | undefined {
  const np = table.get(obj);
  return np?.keys.get(key) ?? np?.self;
}

/** The path of `obj` in its own file, e.g. "services[1]" (or "" for the top level). */
export function sourcePath(obj: object): string | undefined {
  return table.get(obj)?.path;
}

/** Gives `copy`, a shallow copy of `original`, the same positions and path. */
export function aliasPositions(original: object, copy: object): void {
  const np = table.get(original);
  if (np) table.set(copy, np);
}

/** Copies the position of `from[fromKey]` to `to[toKey]` (used when merging kernel fields). */
export function copyFieldPos(from: object, to: object, key: string): void {
  const src = table.get(from);
  const dst = table.get(to);
  if (!src || !dst) return;
  const k = src.keys.get(key);
  const v = src.values.get(key);
  if (k) dst.keys.set(key, k);
  if (v) dst.values.set(key, v);
}

/** Joins a path and a key as users write it: services[1].capabilities[0]. */
export function joinPath(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  return path ? `${path}.${key}` : key;
}

/** Gives a concatenated list the item positions of the lists it was made of. */
export function recordConcatPositions(merged: unknown[], parts: unknown[][], path: string): void {
  const first = parts.map((p) => table.get(p)).find((np) => np !== undefined);
  if (!first) return;
  const np = recordPositions(merged, first.self, path);
  let i = 0;
  for (const part of parts) {
    const src = table.get(part);
    for (let j = 0; j < part.length; j++, i++) {
      const pos = src?.values.get(j);
      if (pos) np.values.set(i, pos);
    }
  }
}

/** Records only paths (no positions) for data that did not come from a file, such as a label. */
export function recordPaths(value: unknown, path = ''): void {
  if (value === null || typeof value !== 'object') return;
  recordPositions(value, undefined, path);
  const entries: Array<[string | number, unknown]> = Array.isArray(value) ? value.map((v, i) => [i, v]) : Object.entries(value);
  for (const [k, v] of entries) recordPaths(v, joinPath(path, k));
}
