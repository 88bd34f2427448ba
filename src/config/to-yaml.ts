// The merged config as YAML, laid out as `linuxkit build --dry-run` prints LinuxKit's Go struct
// with yaml.v3 (and `metadata: yaml` with yaml.v2): fields in struct order, those tagged
// omitempty left out when empty (a pointer when absent, a value when zero), the others always
// printed, zero when absent. Order and tags come from the model (model.ts); a struct's `yaml`
// layout marks where we print otherwise (docs/compatibility/config.md).
import type { Field, Fields, Kind, StructKind } from './model-kinds.js';
import { omitsEmpty } from './model-kinds.js';
import { CONFIG } from './model.js';
import type { Config } from './types.js';
import { emitDocument, Ordered, sortedMap, YAML_V2, YAML_V3 } from './yaml-emit.js';

/**
 * The config as LinuxKit prints it: with yaml.v3 for --dry-run (the default), or with yaml.v2
 * (`'v2'`) as it writes `files: - metadata: yaml`.
 */
export function configToYaml(c: Config, flavour: 'v2' | 'v3' = 'v3'): string {
  return emitDocument(structValue(CONFIG, c), flavour === 'v2' ? YAML_V2 : YAML_V3);
}

/** A value ready for the emitter: structs as Ordered in field order, maps sorted as Go does. */
function value(kind: Kind, v: unknown): unknown {
  switch (kind.k) {
    case 'struct':
      return structValue(kind, v);
    case 'list':
      return (v as unknown[]).map((x) => value(kind.item, x));
    case 'map':
      return sortedMap(v as Record<string, unknown>);
    case 'union': {
      // a mapping is the struct branch; anything else is printed as it is
      const branch = isMapping(v) ? kind.of.find((k) => k.k === 'struct') : undefined;
      return branch ? value(branch, v) : v;
    }
    default:
      return v;
  }
}

function structValue(kind: StructKind, v: unknown): Ordered {
  const rec = (v ?? {}) as Record<string, unknown>;
  const out: Array<[string, unknown]> = [];
  for (const [key, f] of Object.entries(kind.fields as Fields)) {
    if (f.only !== undefined) continue;
    const x = rec[key];
    if (kind.yaml === 'given' || (kind.yaml === 'tags' && omitsEmpty(f))) {
      if (x === undefined || (kind.yaml === 'tags' && isZero(f, x))) continue;
    }
    out.push([key, x === undefined ? zero(f) : value(f.kind, x)]);
  }
  return new Ordered(out);
}

/** Go's zero for a field printed although absent. */
function zero(f: Field): unknown {
  if (f.go === 'ptr') return null;
  switch (f.kind.k) {
    case 'string':
    case 'enum':
      return '';
    case 'int':
      return 0;
    case 'bool':
      return false;
    case 'list':
      return [];
    case 'map':
      return sortedMap({});
    case 'struct':
      return structValue(f.kind, undefined);
    default:
      return null;
  }
}

/** yaml.v3's omitempty test: a nil pointer, or a zero value (a struct whose fields all are). */
function isZero(f: Field, x: unknown): boolean {
  if (x === undefined) return true;
  if (f.go === 'ptr') return false;
  switch (f.kind.k) {
    case 'string':
    case 'enum':
      return x === '';
    case 'int':
      return x === 0;
    case 'bool':
      return x === false;
    case 'list':
      return (x as unknown[]).length === 0;
    case 'map':
      return Object.keys(x as object).length === 0;
    case 'struct':
      return Object.entries(f.kind.fields as Fields).every(([k, sub]) => isZero(sub, (x as Record<string, unknown>)[k]));
    default:
      return false; // an interface{} holding anything is not nil
  }
}

const isMapping = (v: unknown): boolean => typeof v === 'object' && v !== null && !Array.isArray(v);
