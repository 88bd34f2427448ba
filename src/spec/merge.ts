// Label defaults + YAML: which value each field takes (LinuxKit's assign* helpers,
// lk:src/cmd/linuxkit/moby/config.go:533-783, as used by ConfigToOCI).
//
// A field given in YAML replaces the label's value, even when it is an empty list or map (that is
// how YAML removes a label default). The namespace, cwd and hostname strings are the exception:
// LinuxKit cannot tell "" from absent for them, so "" leaves the label's value in place.
// `capabilities.add` and `binds.add` of the YAML add to the label's list, and only when the YAML
// does not set the plain list itself; a label's own `.add` fields are ignored. Both as LinuxKit
// (`assignStrings(mergeStrings(label.X, yaml.XAdd), yaml.X)`); the config step warns about each.
import { IMAGE_CONFIG, RUNTIME } from '../config/index.js';
import type { ImageConfig, Runtime } from '../config/index.js';

/** ImageConfig with the `.add` fields folded in. */
export type MergedConfig = Omit<ImageConfig, 'capabilities.add' | 'binds.add'>;

/** String fields that LinuxKit holds as plain Go strings (cwd, net, …): "" means "not set". */
const EMPTY_MEANS_UNSET = new Set(
  Object.entries(IMAGE_CONFIG)
    .filter(([, f]) => f.go === 'value' && f.kind.k === 'string')
    .map(([k]) => k),
);

/** Fields with their own merge rule below. */
const SPECIAL = new Set<string>(['capabilities', 'capabilities.add', 'binds', 'binds.add', 'runtime'] satisfies Array<keyof ImageConfig>);

/**
 * The settings in force for one container: `yaml` (the YAML entry, or any ImageConfig) over
 * `label` (the image's org.mobyproject.config). Fields set in neither stay undefined.
 */
export function mergeLabelDefaults(label: ImageConfig, yaml: ImageConfig): MergedConfig {
  const out: Record<string, unknown> = {};
  const [l0, y0] = [label as Record<string, unknown>, yaml as Record<string, unknown>];
  for (const k of new Set([...Object.keys(label), ...Object.keys(yaml)])) {
    if (SPECIAL.has(k)) continue;
    const y = y0[k];
    const l = l0[k];
    const unset = (v: unknown) => v === undefined || (EMPTY_MEANS_UNSET.has(k) && v === '');
    const v = unset(y) ? l : y;
    if (!unset(v)) out[k] = v;
  }
  // `name` and `image` of a YAML entry are not settings
  delete out.name;
  delete out.image;

  const capabilities = yaml.capabilities ?? withAdditions(label.capabilities, yaml['capabilities.add']);
  if (capabilities !== undefined) out.capabilities = capabilities;
  const binds = yaml.binds ?? withAdditions(label.binds, yaml['binds.add']);
  if (binds !== undefined) out.binds = binds;

  const runtime = mergeRuntime(label.runtime, yaml.runtime);
  if (runtime !== undefined) out.runtime = runtime;
  return out as MergedConfig;
}

/**
 * `base` followed by the entries of `add` it does not already have. LinuxKit's mergeStrings
 * means to do this but never records what it has seen, so it keeps duplicates
 * (docs/compatibility/spec.md).
 */
function withAdditions(base: string[] | undefined, add: string[] | undefined): string[] | undefined {
  if (add === undefined) return base;
  const out: string[] = [];
  const seen = new Set<string>();
  for (const s of [...(base ?? []), ...add]) {
    if (seen.has(s)) continue;
    seen.add(s);
    out.push(s);
  }
  return out;
}

/**
 * The runtime block, field by field, and a struct field (bindNS) key by key (assignRuntime: its
 * pointers are taken from the YAML where given, else from the label).
 */
function mergeRuntime(label: Runtime | undefined, yaml: Runtime | undefined): Runtime | undefined {
  if (label === undefined) return yaml;
  if (yaml === undefined) return label;
  const [l, y] = [label as Record<string, object | undefined>, yaml as Record<string, object | undefined>];
  const out: Record<string, unknown> = {};
  for (const [k, f] of Object.entries(RUNTIME.fields)) {
    if (f.kind.k === 'struct') {
      if (l[k] || y[k]) out[k] = { ...l[k], ...definedOnly(y[k] ?? {}) };
      continue;
    }
    const v = y[k] ?? l[k];
    if (v !== undefined) out[k] = v;
  }
  return out as Runtime;
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
