// The `org.mobyproject.config` image label: a package's default container settings, as JSON
// (what `linuxkit pkg build` writes, json.Marshal of LinuxKit's ImageConfig) or YAML.
// LinuxKit's NewImage (lk:src/cmd/linuxkit/moby/config.go:450-514) parses it as YAML, requires an
// object, validates it against the image entry schema, and refuses `name` and `image`.
import { parse } from 'yaml';
import { UserError } from '../util/errors.js';
import type { ImageConfig } from '../config/types.js';

type Check = (v: unknown, at: string) => string | undefined;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

const str: Check = (v, at) => (typeof v === 'string' ? undefined : `${at} must be a string`);
const bool: Check = (v, at) => (typeof v === 'boolean' ? undefined : `${at} must be a boolean`);
const int: Check = (v, at) => (Number.isInteger(v) ? undefined : `${at} must be an integer`);
const strOrInt: Check = (v, at) => (typeof v === 'string' || Number.isInteger(v) ? undefined : `${at} must be a string or an integer`);
const anyObject: Check = (v, at) => (isObject(v) ? undefined : `${at} must be an object`);

const arrayOf =
  (item: Check): Check =>
  (v, at) => {
    if (!Array.isArray(v)) return `${at} must be a list`;
    for (let i = 0; i < v.length; i++) {
      const e = item(v[i], `${at}[${i}]`);
      if (e) return e;
    }
    return undefined;
  };

const mapOf =
  (value: Check): Check =>
  (v, at) => {
    if (!isObject(v)) return `${at} must be a map`;
    for (const [k, x] of Object.entries(v)) {
      const e = value(x, `${at}.${k}`);
      if (e) return e;
    }
    return undefined;
  };

const objectOf =
  (fields: Record<string, Check>): Check =>
  (v, at) => {
    if (!isObject(v)) return `${at} must be an object`;
    for (const [k, x] of Object.entries(v)) {
      const check = fields[k];
      if (!check) return `${at}: unknown field "${k}"`;
      const e = check(x, `${at}.${k}`);
      if (e) return e;
    }
    return undefined;
  };

const strings = arrayOf(str);
const idMapping = objectOf({ containerID: int, hostID: int, size: int });
const idMappings = arrayOf(idMapping);
const mount = objectOf({
  destination: str,
  type: str,
  source: str,
  options: strings,
  // LinuxKit's schema spells these in lower case, its JSON labels in camel case
  uidMappings: idMappings,
  gidMappings: idMappings,
  uidmappings: idMappings,
  gidmappings: idMappings,
});
const mounts = arrayOf(mount);
const device = objectOf({ path: str, type: str, major: int, minor: int, mode: str });
const runtime = objectOf({
  cgroups: strings,
  mounts,
  mkdir: strings,
  interfaces: arrayOf(objectOf({ name: str, add: str, peer: str, createInRoot: bool })),
  bindNS: objectOf(Object.fromEntries(['cgroup', 'ipc', 'mnt', 'net', 'pid', 'user', 'uts'].map((n) => [n, str]))),
  namespace: str,
});

/** Every field an image label may set (LinuxKit's ImageConfig, lk:moby/config.go:138-173). */
const LABEL_FIELDS: Record<keyof ImageConfig, Check> = {
  capabilities: strings,
  'capabilities.add': strings,
  ambient: strings,
  mounts,
  binds: strings,
  'binds.add': strings,
  devices: arrayOf(device),
  tmpfs: strings,
  command: strings,
  env: strings,
  cwd: str,
  net: str,
  pid: str,
  ipc: str,
  uts: str,
  userns: str,
  hostname: str,
  readonly: bool,
  maskedPaths: strings,
  readonlyPaths: strings,
  uid: strOrInt,
  gid: strOrInt,
  additionalGids: arrayOf(strOrInt),
  noNewPrivileges: bool,
  oomScoreAdj: int,
  rootfsPropagation: str,
  cgroupsPath: str,
  // checked field by field when converted (resources.ts), where both spellings are known
  resources: anyObject,
  sysctl: mapOf(str),
  rlimits: strings,
  uidMappings: idMappings,
  gidMappings: idMappings,
  annotations: mapOf(str),
  runtime,
};

/**
 * Parses and validates an `org.mobyproject.config` label into an ImageConfig.
 * `what` names the image in error messages. Throws UserError on anything LinuxKit rejects.
 */
export function imageConfigFromLabel(label: string, what = 'image'): ImageConfig {
  const fail = (msg: string): never => {
    throw new UserError(`invalid org.mobyproject.config label of ${what}: ${msg}`);
  };
  let doc: unknown;
  try {
    // errors throw; warnings are not printed (the label is checked below)
    doc = parse(label, { logLevel: 'error' });
  } catch (e) {
    return fail((e as Error).message);
  }
  if (!isObject(doc)) return fail('it is not an object');
  if ('name' in doc) return fail('name cannot be set in metadata label');
  if ('image' in doc) return fail('image cannot be set in metadata label');
  const fields = LABEL_FIELDS as Record<string, Check>;
  for (const [k, v] of Object.entries(doc)) {
    const check = fields[k];
    if (!check) return fail(`unknown field "${k}"`);
    const e = check(v, k);
    if (e) return fail(e);
  }
  return doc as ImageConfig;
}
