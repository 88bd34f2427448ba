// `resources`: cgroup limits as in the OCI runtime-spec, passed through to config.json.
//
// LinuxKit decodes this YAML with gopkg.in/yaml.v3 into runtime-spec's Go structs, which have no
// yaml tags, so a key only matches the Go field name in lower case: `blockio`, `kerneltcp`,
// `disableoomkiller`, `realtimeruntime`, `hugepagelimits`… The camelCase keys of the OCI spec (and
// of LinuxKit's own schema, e.g. `disableOOMKiller`, `hugepageLimits`) pass validation but are
// silently dropped. Here both spellings work (docs/compatibility/spec.md), and the output uses
// the OCI JSON names, as LinuxKit's encoder does.
import { UserError } from '../util/index.js';
import type { OciResources } from './oci-runtime.js';

// A list or map of structs is tagged with a key no OCI field has.
type Kind = 'int' | 'string' | 'bool' | 'stringMap' | 'pageSize' | Fields | { $list: Fields } | { $map: Fields };
interface Fields {
  [ociName: string]: Kind;
}

const blockDevice: Fields = { major: 'int', minor: 'int' };

const RESOURCES: Fields = {
  devices: { $list: { allow: 'bool', type: 'string', major: 'int', minor: 'int', access: 'string' } },
  memory: {
    limit: 'int',
    reservation: 'int',
    swap: 'int',
    kernel: 'int',
    kernelTCP: 'int',
    swappiness: 'int',
    disableOOMKiller: 'bool',
    useHierarchy: 'bool',
    checkBeforeUpdate: 'bool',
  },
  cpu: {
    shares: 'int',
    quota: 'int',
    burst: 'int',
    period: 'int',
    realtimeRuntime: 'int',
    realtimePeriod: 'int',
    cpus: 'string',
    mems: 'string',
    idle: 'int',
  },
  pids: { limit: 'int' },
  blockIO: {
    weight: 'int',
    leafWeight: 'int',
    weightDevice: { $list: { ...blockDevice, weight: 'int', leafWeight: 'int' } },
    throttleReadBpsDevice: { $list: { ...blockDevice, rate: 'int' } },
    throttleWriteBpsDevice: { $list: { ...blockDevice, rate: 'int' } },
    throttleReadIOPSDevice: { $list: { ...blockDevice, rate: 'int' } },
    throttleWriteIOPSDevice: { $list: { ...blockDevice, rate: 'int' } },
  },
  hugepageLimits: { $list: { pageSize: 'pageSize', limit: 'int' } },
  network: { classID: 'int', priorities: { $list: { name: 'string', priority: 'int' } } },
  rdma: { $map: { hcaHandles: 'int', hcaObjects: 'int' } },
  unified: 'stringMap',
};

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
  if (kind === 'int') return typeof v === 'number' && Number.isSafeInteger(v) ? v : bad('an integer');
  if (kind === 'string') return typeof v === 'string' ? v : bad('a string');
  if (kind === 'bool') return typeof v === 'boolean' ? v : bad('a boolean');
  if (kind === 'pageSize') {
    if (typeof v === 'string') return v;
    return typeof v === 'number' && Number.isSafeInteger(v) && v > 0 ? pageSizeName(v) : bad('a size in bytes or a string such as "2MB"');
  }
  if (kind === 'stringMap') {
    if (!isObject(v)) return bad('a map');
    for (const [k, x] of Object.entries(v)) convert(x, 'string', `${at}.${k}`);
    return v;
  }
  if ('$list' in kind) {
    const item = kind.$list as Fields;
    if (!Array.isArray(v)) return bad('a list');
    return v.map((x, i) => convert(x, item, `${at}[${i}]`));
  }
  if ('$map' in kind) {
    const item = kind.$map as Fields;
    if (!isObject(v)) return bad('a map');
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, convert(x, item, `${at}.${k}`)]));
  }
  return convertFields(v, kind as Fields, at);
}

function convertFields(v: unknown, fields: Fields, at: string): Record<string, unknown> {
  if (!isObject(v)) throw new UserError(`resources: ${at} must be an object`);
  const byKey = new Map<string, string>();
  for (const name of Object.keys(fields)) {
    byKey.set(name, name);
    byKey.set(name.toLowerCase(), name);
  }
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) {
    const name = byKey.get(k);
    if (name === undefined) throw new UserError(`resources: unknown field "${at ? `${at}.` : ''}${k}"`);
    if (x === undefined) continue;
    if (name in out) throw new UserError(`resources: ${at ? `${at}.` : ''}${name} is given twice`);
    out[name] = convert(x, fields[name]!, at ? `${at}.${name}` : name);
  }
  return out;
}

/**
 * YAML or label `resources` → OCI LinuxResources. Keys may be spelled as in the OCI spec or in
 * lower case; unknown keys and wrong types are user errors rather than silently dropped.
 */
export function normalizeResources(raw: unknown): OciResources {
  return convertFields(raw, RESOURCES, '') as OciResources;
}
