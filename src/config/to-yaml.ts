// The merged config as YAML, laid out as `linuxkit build --dry-run` prints LinuxKit's Go struct
// (field order of its structs; fields it marks omitempty left out when empty, the others always
// printed). Differences are listed in docs/compatibility/config.md.
import { emitDocument, Ordered, sortedMap, YAML_V2, YAML_V3 } from './yaml-emit.js';
import type { Config, Device, FileEntry, IdMapping, ImageEntry, Interface, Mount, Namespaces, Runtime, VolumeEntry } from './types.js';

type Entries = Array<[string, unknown]>;

/** Adds [key, value] when the value is present (a Go pointer field with omitempty). */
function ifDefined(out: Entries, key: string, v: unknown): void {
  if (v !== undefined) out.push([key, v]);
}

/** Adds [key, value] unless empty (a Go string/bool/slice field with omitempty). */
function ifNotEmpty(out: Entries, key: string, v: unknown): void {
  if (v === undefined || v === '' || v === false || (Array.isArray(v) && v.length === 0)) return;
  out.push([key, v]);
}

/**
 * The config as LinuxKit prints it: with yaml.v3 for --dry-run (the default), or with yaml.v2
 * (`'v2'`) as it writes `files: - metadata: yaml`.
 */
export function configToYaml(c: Config, flavour: 'v2' | 'v3' = 'v3'): string {
  const kernel: Entries = [['image', c.kernel?.image ?? '']];
  ifNotEmpty(kernel, 'cmdline', c.kernel?.cmdline);
  ifNotEmpty(kernel, 'binary', c.kernel?.binary);
  ifDefined(kernel, 'tar', c.kernel?.tar);
  ifDefined(kernel, 'ucode', c.kernel?.ucode);
  return emitDocument(
    new Ordered([
      ['kernel', new Ordered(kernel)],
      ['init', c.init ?? []],
      ['onboot', (c.onboot ?? []).map(image)],
      ['onshutdown', (c.onshutdown ?? []).map(image)],
      ['services', (c.services ?? []).map(image)],
      ['files', (c.files ?? []).map(file)],
      ['volumes', (c.volumes ?? []).map(volume)],
    ]),
    flavour === 'v2' ? YAML_V2 : YAML_V3,
  );
}

function image(e: ImageEntry): Ordered {
  const o: Entries = [
    ['name', e.name],
    ['image', e.image],
  ];
  ifDefined(o, 'capabilities', e.capabilities);
  ifDefined(o, 'capabilities.add', e['capabilities.add']);
  ifDefined(o, 'ambient', e.ambient);
  ifDefined(o, 'mounts', e.mounts?.map(mount));
  ifDefined(o, 'binds', e.binds);
  ifDefined(o, 'binds.add', e['binds.add']);
  ifDefined(o, 'devices', e.devices?.map(device));
  ifDefined(o, 'tmpfs', e.tmpfs);
  ifDefined(o, 'command', e.command);
  ifDefined(o, 'env', e.env);
  for (const k of ['cwd', 'net', 'pid', 'ipc', 'uts', 'userns', 'hostname'] as const) ifNotEmpty(o, k, e[k]);
  ifDefined(o, 'readonly', e.readonly);
  ifDefined(o, 'maskedPaths', e.maskedPaths);
  ifDefined(o, 'readonlyPaths', e.readonlyPaths);
  ifDefined(o, 'uid', e.uid);
  ifDefined(o, 'gid', e.gid);
  ifDefined(o, 'additionalGids', e.additionalGids);
  ifDefined(o, 'noNewPrivileges', e.noNewPrivileges);
  ifDefined(o, 'oomScoreAdj', e.oomScoreAdj);
  ifDefined(o, 'rootfsPropagation', e.rootfsPropagation);
  ifDefined(o, 'cgroupsPath', e.cgroupsPath);
  ifDefined(o, 'resources', e.resources && inOrder(e.resources, RESOURCE_ORDER));
  ifDefined(o, 'sysctl', e.sysctl && sortedMap(e.sysctl));
  ifDefined(o, 'rlimits', e.rlimits);
  ifDefined(o, 'uidMappings', e.uidMappings?.map(idMapping));
  ifDefined(o, 'gidMappings', e.gidMappings?.map(idMapping));
  ifDefined(o, 'annotations', e.annotations && sortedMap(e.annotations));
  ifDefined(o, 'runtime', e.runtime && runtime(e.runtime));
  return new Ordered(o);
}

/** LinuxKit's (OCI's) struct order of resources fields; the schema knows no others. */
const RESOURCE_ORDER = ['devices', 'memory', 'cpu', 'pids', 'blockio', 'hugepageLimits', 'network'];

function inOrder(obj: object, order: string[]): Ordered {
  const rec = obj as Record<string, unknown>;
  return new Ordered(order.filter((k) => rec[k] !== undefined).map((k) => [k, rec[k]]));
}

/** OCI's Mount has no yaml tags, so yaml.v3 prints all six fields, empty or not. */
function mount(m: Mount): Ordered {
  return new Ordered([
    ['destination', m.destination ?? ''],
    ['type', m.type ?? ''],
    ['source', m.source ?? ''],
    ['options', m.options ?? []],
    ['uidmappings', (m.uidmappings ?? []).map(idMapping)],
    ['gidmappings', (m.gidmappings ?? []).map(idMapping)],
  ]);
}

function idMapping(m: IdMapping): Ordered {
  const o: Entries = [];
  ifDefined(o, 'containerID', m.containerID);
  ifDefined(o, 'hostID', m.hostID);
  ifDefined(o, 'size', m.size);
  return new Ordered(o);
}

function device(d: Device): Ordered {
  const o: Entries = [
    ['path', d.path ?? ''],
    ['type', d.type ?? ''],
    ['major', d.major ?? 0],
    ['minor', d.minor ?? 0],
  ];
  ifNotEmpty(o, 'mode', d.mode);
  return new Ordered(o);
}

function runtime(r: Runtime): Ordered {
  const o: Entries = [];
  ifDefined(o, 'cgroups', r.cgroups);
  ifDefined(o, 'mounts', r.mounts?.map(mount));
  ifDefined(o, 'mkdir', r.mkdir);
  ifDefined(o, 'interfaces', r.interfaces?.map(iface));
  if (r.bindNS && Object.values(r.bindNS).some((v) => v !== undefined)) o.push(['bindNS', namespaces(r.bindNS)]);
  ifDefined(o, 'namespace', r.namespace);
  // linuxkit-ts extension, last so configs without it print exactly as LinuxKit prints them.
  if (typeof r.restart === 'object') {
    const ro: Entries = [['policy', r.restart.policy]];
    ifDefined(ro, 'maxRetries', r.restart.maxRetries);
    o.push(['restart', new Ordered(ro)]);
  } else ifDefined(o, 'restart', r.restart);
  return new Ordered(o);
}

function namespaces(n: Namespaces): Ordered {
  const o: Entries = [];
  for (const k of ['cgroup', 'ipc', 'mnt', 'net', 'pid', 'user', 'uts'] as const) ifDefined(o, k, n[k]);
  return new Ordered(o);
}

function iface(i: Interface): Ordered {
  const o: Entries = [];
  ifNotEmpty(o, 'name', i.name);
  ifNotEmpty(o, 'add', i.add);
  ifNotEmpty(o, 'peer', i.peer);
  o.push(['createInRoot', i.createInRoot ?? false]);
  return new Ordered(o);
}

function file(f: FileEntry): Ordered {
  const o: Entries = [
    ['path', f.path],
    ['directory', f.directory ?? false],
  ];
  ifNotEmpty(o, 'symlink', f.symlink);
  ifDefined(o, 'contents', f.contents);
  ifNotEmpty(o, 'source', f.source);
  ifNotEmpty(o, 'metadata', f.metadata);
  o.push(['optional', f.optional ?? false]);
  ifNotEmpty(o, 'mode', f.mode);
  ifDefined(o, 'uid', f.uid);
  ifDefined(o, 'gid', f.gid);
  return new Ordered(o);
}

function volume(v: VolumeEntry): Ordered {
  const o: Entries = [['name', v.name]];
  ifNotEmpty(o, 'image', v.image);
  ifNotEmpty(o, 'readonly', v.readonly);
  ifNotEmpty(o, 'format', v.format);
  ifNotEmpty(o, 'platforms', v.platforms);
  return new Ordered(o);
}
