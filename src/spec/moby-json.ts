// The config as LinuxKit writes `files: - metadata: json`: Go's json.MarshalIndent(m, "", "    ")
// of its Moby struct (lk:src/cmd/linuxkit/moby/config.go, Moby and the types under it; build.go
// metadata()). So: struct field order, `omitempty` as tagged (a struct is never empty, so
// `kernel` is always there and `bindNS` is `{}`), absent sections as `null`, `directory` and
// `optional` on every file. Resources, mounts and id mappings are written with the OCI JSON
// names of runtime-spec's structs, as Go encodes them.
import type { Config, ImageEntry, Mount, Runtime } from '../config/types.js';
import { Go, marshalIndent, type GoType } from './go-json.js';
import { ID_MAPPING_TYPE, MOUNT_TYPE, RESOURCES_TYPE, RUNTIME_TYPE } from './json.js';
import { idMapping, mountIdMappings } from './mounts.js';
import { normalizeResources } from './resources.js';

const { S, B, I, A, ptr, slice, map, struct, f } = Go;

const KERNEL = struct(f('image', S, false), f('cmdline', S), f('binary', S), f('tar', ptr(S)), f('ucode', ptr(S)));

const DEVICE = struct(f('path', S, false), f('type', S, false), f('major', I, false), f('minor', I, false), f('mode', S));

/** Image: name and image, then ImageConfig's fields (embedded, so Go flattens them). */
const IMAGE = struct(
  f('name', S, false),
  f('image', S, false),
  f('capabilities', ptr(slice(S))),
  f('capabilities.add', ptr(slice(S))),
  f('ambient', ptr(slice(S))),
  f('mounts', ptr(slice(MOUNT_TYPE))),
  f('binds', ptr(slice(S))),
  f('binds.add', ptr(slice(S))),
  f('devices', ptr(slice(DEVICE))),
  f('tmpfs', ptr(slice(S))),
  f('command', ptr(slice(S))),
  f('env', ptr(slice(S))),
  ...['cwd', 'net', 'pid', 'ipc', 'uts', 'userns', 'hostname'].map((n) => f(n, S)),
  f('readonly', ptr(B)),
  f('maskedPaths', ptr(slice(S))),
  f('readonlyPaths', ptr(slice(S))),
  f('uid', ptr(A)),
  f('gid', ptr(A)),
  f('additionalGids', ptr(slice(A))),
  f('noNewPrivileges', ptr(B)),
  f('oomScoreAdj', ptr(I)),
  f('rootfsPropagation', ptr(S)),
  f('cgroupsPath', ptr(S)),
  f('resources', ptr(RESOURCES_TYPE)),
  f('sysctl', ptr(map(S))),
  f('rlimits', ptr(slice(S))),
  f('uidMappings', ptr(slice(ID_MAPPING_TYPE))),
  f('gidMappings', ptr(slice(ID_MAPPING_TYPE))),
  f('annotations', ptr(map(S))),
  f('runtime', ptr(RUNTIME_TYPE)),
);

const FILE = struct(
  f('path', S, false),
  f('directory', B, false),
  f('symlink', S),
  f('contents', ptr(S)),
  f('source', S),
  f('metadata', S),
  f('optional', B, false),
  f('mode', S),
  f('uid', A),
  f('gid', A),
);

const VOLUME = struct(f('name', S, false), f('image', S), f('readonly', B), f('format', S), f('platforms', slice(S)));

const MOBY = struct(
  f('kernel', KERNEL),
  f('init', slice(S), false),
  f('onboot', slice(IMAGE), false),
  f('onshutdown', slice(IMAGE), false),
  f('services', slice(IMAGE), false),
  f('files', slice(FILE), false),
  f('volumes', slice(VOLUME), false),
);

/** The bytes of a `metadata: json` file (no trailing newline, as MarshalIndent). */
export function configToGoJson(c: Config): string {
  return marshalIndent(
    {
      kernel: c.kernel ?? {},
      init: c.init,
      onboot: c.onboot?.map(image),
      onshutdown: c.onshutdown?.map(image),
      services: c.services?.map(image),
      files: c.files,
      volumes: c.volumes,
    },
    MOBY,
  );
}

function image(e: ImageEntry): Record<string, unknown> {
  return {
    ...e,
    mounts: e.mounts?.map(mount),
    resources: e.resources && normalizeResources(e.resources),
    uidMappings: e.uidMappings?.map(idMapping),
    gidMappings: e.gidMappings?.map(idMapping),
    runtime: e.runtime && runtime(e.runtime),
  };
}

/** specs.Mount: the YAML's lower-case id-mapping keys become the OCI names. */
function mount(m: Mount): Record<string, unknown> {
  return { destination: m.destination, type: m.type, source: m.source, options: m.options, ...mountIdMappings(m) };
}

function runtime(r: Runtime): Record<string, unknown> {
  const restart = typeof r.restart === 'string' ? { policy: r.restart } : r.restart;
  return { ...r, mounts: r.mounts?.map(mount), bindNS: r.bindNS ?? {}, restart };
}
