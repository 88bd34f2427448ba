// `resources`: cgroup limits as in the OCI runtime-spec, passed through to config.json.
//
// LinuxKit decodes this YAML with gopkg.in/yaml.v3 into runtime-spec's Go structs, which have no
// yaml tags, so a key only matches the Go field name in lower case: `blockio`, `kerneltcp`,
// `disableoomkiller`, `realtimeruntime`, `hugepagelimits`… The camelCase keys of the OCI spec (and
// of LinuxKit's own schema, e.g. `disableOOMKiller`, `hugepageLimits`) pass validation but are
// silently dropped. Here both spellings work (docs/compatibility/spec.md), and the output uses
// the OCI JSON names, as LinuxKit's encoder does.
//
// The fields and their kinds are the model's (config/model.ts RESOURCES): the OCI JSON names
// (`json`, else the YAML key) and every runtime-spec field, `only: 'go'` ones included.
import { PAGE_SIZE, RESOURCES, type Fields, type Kind } from '../config/index.js';
import { UserError } from '../util/index.js';
import type { OciResources } from './oci-runtime.js';

/**
 * A page size in bytes as OCI and runc name it ("2MB", "1GB"): LinuxKit's schema asks for an
 * integer, while the runtime-spec field is a string in runc's units (its HugePageSizes: base 1024,
 * B, KB, MB, GB, TB, PB).
 */
function pageSizeName(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB', 'PB'];
  let size = bytes;
  let i = 0;
  while (size >= 1024 && i < units.length - 1) {
    size /= 1024;
    i++;
  }
  return `${size}${units[i]}`;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function convert(v: unknown, kind: Kind, at: string): unknown {
  const bad = (what: string): never => {
    throw new UserError(`resources: ${at} must be ${what}`);
  };
  if (kind === PAGE_SIZE) {
    if (typeof v === 'string') return v;
    return typeof v === 'number' && Number.isSafeInteger(v) && v > 0 ? pageSizeName(v) : bad('a size in bytes or a string such as "2MB"');
  }
  switch (kind.k) {
    case 'int':
      return typeof v === 'number' && Number.isSafeInteger(v) ? v : bad('an integer');
    case 'string':
      return typeof v === 'string' ? v : bad('a string');
    case 'bool':
      return typeof v === 'boolean' ? v : bad('a boolean');
    case 'list':
      if (!Array.isArray(v)) return bad('a list');
      return v.map((x, i) => convert(x, kind.item, `${at}[${i}]`));
    case 'map':
      if (!isObject(v)) return bad('a map');
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, convert(x, kind.item, `${at}.${k}`)]));
    case 'struct':
      return convertFields(v, kind.fields as Fields, at);
    default:
      // The model gives resources no other kind (enum, id, or another union); one added there
      // must be handled here.
      throw new Error(`resources: ${at}: no conversion for a ${kind.k}`);
  }
}

function convertFields(v: unknown, fields: Fields, at: string): Record<string, unknown> {
  if (!isObject(v)) throw new UserError(`resources: ${at} must be an object`);
  // Each field by its OCI name, by that name in lower case (yaml.v3's match, LinuxKit's
  // `blockio`) and by its YAML key.
  const byKey = new Map<string, { name: string; kind: Kind }>();
  for (const [key, f] of Object.entries(fields)) {
    const field = { name: f.json ?? key, kind: f.kind };
    for (const k of [field.name, field.name.toLowerCase(), key]) byKey.set(k, field);
  }
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) {
    const field = byKey.get(k);
    if (field === undefined) throw new UserError(`resources: unknown field "${at ? `${at}.` : ''}${k}"`);
    if (x === undefined) continue;
    const { name, kind } = field;
    if (name in out) throw new UserError(`resources: ${at ? `${at}.` : ''}${name} is given twice`);
    out[name] = convert(x, kind, at ? `${at}.${name}` : name);
  }
  return out;
}

/**
 * YAML or label `resources` → OCI LinuxResources. Keys may be spelled as in the OCI spec or in
 * lower case; unknown keys and wrong types are user errors rather than silently dropped.
 */
export function normalizeResources(raw: unknown): OciResources {
  return convertFields(raw, RESOURCES.fields, '') as OciResources;
}
