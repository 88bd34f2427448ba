// The container's mounts: LinuxKit's defaults, then `tmpfs`, `binds` and `mounts` entries, each
// replacing any earlier mount at the same destination, sorted by destination
// (lk:src/cmd/linuxkit/moby/config.go:847-933).
import { UserError } from '../util/index.js';
import type { IdMapping, Mount } from '../config/index.js';
import type { OciIdMapping, OciMount } from './oci-runtime.js';
import { compareBytewise } from './go-json.js';

/**
 * The mounts every container gets (they match Docker's defaults, without /dev/shm and
 * /dev/mqueue). A read-only container also gets /dev and /sys read-only.
 */
export function defaultMounts(readonly: boolean): OciMount[] {
  const ro = readonly ? ['ro'] : [];
  return [
    { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'nodev', 'noexec', 'relatime'] },
    { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k', ...ro] },
    { destination: '/dev/pts', type: 'devpts', source: 'devpts', options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620'] },
    { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', ...ro] },
    { destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: ['nosuid', 'noexec', 'nodev', 'relatime', 'ro'] },
  ];
}

/** Where a `mounts` entry of this type goes when it names no destination (defaultMountpoint). */
export function defaultMountpoint(type: string): string {
  switch (type) {
    case 'proc':
      return '/proc';
    case 'devpts':
      return '/dev/pts';
    case 'sysfs':
      return '/sys';
    case 'cgroup':
      return '/sys/fs/cgroup';
    case 'mqueue':
      return '/dev/mqueue';
    default:
      return '';
  }
}

/** A `tmpfs` entry, "/dest" or "/dest:opt1,opt2", like docker run --tmpfs. */
export function parseTmpfs(entry: string): OciMount {
  const parts = entry.split(':');
  if (parts.length > 2) throw new UserError(`cannot parse tmpfs, too many ':': ${entry}`);
  const mount: OciMount = { destination: parts[0]!, type: 'tmpfs', source: 'tmpfs' };
  if (parts.length === 2) mount.options = parts[1]!.split(',');
  return mount;
}

/**
 * A `binds` entry, "/src:/dest" or "/src:/dest:opt1,opt2", like docker run -v. Without options
 * the bind is read-write and rshared; with options, "rbind" is added to them.
 */
export function parseBind(entry: string): OciMount {
  const parts = entry.split(':');
  if (parts.length < 2) throw new UserError(`cannot parse bind, missing ':': ${entry}`);
  if (parts.length > 3) throw new UserError(`cannot parse bind, too many ':': ${entry}`);
  const options = parts.length === 3 ? [...parts[2]!.split(','), 'rbind'] : ['rw', 'rbind', 'rshared'];
  return { destination: parts[1]!, type: 'bind', source: parts[0]!, options };
}

const TYPE_FROM_SOURCE = new Set(['mqueue', 'devpts', 'proc', 'sysfs', 'cgroup']);

/**
 * A `mounts` entry with LinuxKit's defaults filled in: the type from a well-known source name
 * (or tmpfs for /dev), the source from the type, the destination from the type.
 * LinuxKit drops a mount's uid/gid mappings here; they are kept (docs/compatibility/spec.md).
 */
export function completeMount(m: Mount): OciMount {
  let type = m.type ?? '';
  let source = m.source ?? '';
  let destination = m.destination ?? '';
  if (type === '' && TYPE_FROM_SOURCE.has(source)) type = source;
  if (type === '' && destination === '/dev') type = 'tmpfs';
  if (type === '') throw new UserError(`mount for destination ${destination} is missing type`);
  if (source === '') source = type;
  if (destination === '') destination = defaultMountpoint(type);
  if (destination === '') throw new UserError(`mount type ${type} is missing destination`);
  const out: OciMount = { destination, type, source };
  if (m.options !== undefined) out.options = m.options;
  return { ...out, ...mountIdMappings(m) };
}

/** A `mounts` entry as written, without defaults (runtime mounts, `metadata: json`). */
export function givenMount(m: Mount): OciMount {
  const out: OciMount = { destination: m.destination ?? '' };
  if (m.type !== undefined) out.type = m.type;
  if (m.source !== undefined) out.source = m.source;
  if (m.options !== undefined) out.options = m.options;
  return { ...out, ...mountIdMappings(m) };
}

/** A mount's id mappings (spelled uidmappings/gidmappings in YAML, as in LinuxKit's schema). */
export function mountIdMappings(m: Mount): Pick<OciMount, 'uidMappings' | 'gidMappings'> {
  const out: Pick<OciMount, 'uidMappings' | 'gidMappings'> = {};
  if (m.uidmappings !== undefined) out.uidMappings = m.uidmappings.map(idMapping);
  if (m.gidmappings !== undefined) out.gidMappings = m.gidmappings.map(idMapping);
  return out;
}

/** Absent fields are 0, as in LinuxKit's Go structs. */
export function idMapping(m: IdMapping): OciIdMapping {
  return { containerID: m.containerID ?? 0, hostID: m.hostID ?? 0, size: m.size ?? 0 };
}

/** All the container's mounts, one per destination, sorted by destination. */
export function containerMounts(opts: { readonly: boolean; tmpfs?: string[]; binds?: string[]; mounts?: Mount[] }): OciMount[] {
  const byDest = new Map<string, OciMount>();
  const add = (m: OciMount) => byDest.set(m.destination, m);
  defaultMounts(opts.readonly).forEach(add);
  (opts.tmpfs ?? []).map(parseTmpfs).forEach(add);
  (opts.binds ?? []).map(parseBind).forEach(add);
  (opts.mounts ?? []).map(completeMount).forEach(add);
  return [...byDest.values()].sort((a, b) => compareBytewise(a.destination, b.destination));
}
