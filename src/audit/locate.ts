// Where a container finding was caused: the YAML entry's field or list item when the YAML sets
// it, else the image label's (a package's build.yml `config:` when the image is an @pkg:
// package, so its own lines are named), else the entry itself (a LinuxKit default: where the fix
// goes). A label read from an image in the cache has no lines: its findings point at the entry's
// `image:`. The merge rule (YAML over label) is the spec step's (src/spec/merge.ts).
import { keyPos, sourcePos } from '../config/index.js';
import type { SourcePos } from '../util/index.js';
import type { ContainerFinding } from './container.js';
import type { Location, Origin } from './types.js';

export interface EntrySources {
  /** The YAML entry, with positions (undefined when auditing a package's build.yml alone). */
  yaml?: object;
  /** The image's label defaults: with positions when read from a build.yml. */
  label?: object;
  /** Where a default is reported: the entry itself, or a build.yml's `config:`. */
  fallback?: SourcePos;
  /** The entry's `image:` value, for label settings that have no lines of their own. */
  image?: SourcePos;
}

function isSet(v: unknown): boolean {
  return v !== undefined && v !== '';
}

function toLocation(p: SourcePos | undefined): Location | undefined {
  return p && { file: p.file, line: p.line, col: p.col };
}

/** Where `f` was written, in `source`, if it was. */
function find(source: object | undefined, f: ContainerFinding): { pos: SourcePos | undefined } | undefined {
  if (!source) return undefined;
  const obj = source as Record<string, unknown>;
  for (const field of f.fields) {
    const v = obj[field];
    if (!isSet(v)) continue;
    if (Array.isArray(v) && f.match) {
      const i = v.findIndex(f.match);
      if (i >= 0) return { pos: sourcePos(v, i) ?? keyPos(source, field) };
      continue;
    }
    // The key: a block mapping's value starts on the next line.
    return { pos: keyPos(source, field) };
  }
  return undefined;
}

export function locate(f: ContainerFinding, s: EntrySources): { location?: Location; origin: Origin } {
  const inYaml = find(s.yaml, f);
  if (inYaml) return { location: toLocation(inYaml.pos ?? s.fallback), origin: 'yaml' };
  const inLabel = find(s.label, f);
  if (inLabel) return { location: toLocation(inLabel.pos ?? s.image ?? s.fallback), origin: 'label' };
  return { location: toLocation(s.fallback), origin: 'default' };
}
