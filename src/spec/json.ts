// The exact bytes LinuxKit writes for config.json and runtime.json. The Go types below mirror
// the field order and `omitempty` tags of runtime-spec v1.2.1's specs-go/config.go (as vendored by
// LinuxKit HEAD) and of LinuxKit's Runtime struct (lk:src/cmd/linuxkit/moby/config.go:192-218).
// Only the fields LinuxKit can set are described; the encoder rejects anything else.
import { Go, marshalIndent, type GoType } from './go-json.js';
import type { OciSpec, RuntimeJson } from './oci-runtime.js';

const { S, B, I, ptr, slice, map, struct, f } = Go;

export const ID_MAPPING_TYPE = struct(f('containerID', I, false), f('hostID', I, false), f('size', I, false));

/** specs.Mount. */
export const MOUNT_TYPE = struct(
  f('destination', S, false),
  f('type', S),
  f('source', S),
  f('options', slice(S)),
  f('uidMappings', slice(ID_MAPPING_TYPE)),
  f('gidMappings', slice(ID_MAPPING_TYPE)),
);

const process = struct(
  f('terminal', B),
  f('user', struct(f('uid', I, false), f('gid', I, false), f('umask', ptr(I)), f('additionalGids', slice(I))), false),
  f('args', slice(S)),
  f('env', slice(S)),
  f('cwd', S, false),
  f(
    'capabilities',
    ptr(struct(f('bounding', slice(S)), f('effective', slice(S)), f('inheritable', slice(S)), f('permitted', slice(S)), f('ambient', slice(S)))),
  ),
  f('rlimits', slice(struct(f('type', S, false), f('hard', I, false), f('soft', I, false)))),
  f('noNewPrivileges', B),
  f('oomScoreAdj', ptr(I)),
);

const blockIODevice = [f('major', I, false), f('minor', I, false)];
const throttleDevice = struct(...blockIODevice, f('rate', I, false));

/** specs.LinuxResources. */
export const RESOURCES_TYPE = struct(
  f('devices', slice(struct(f('allow', B, false), f('type', S), f('major', ptr(I)), f('minor', ptr(I)), f('access', S)))),
  f(
    'memory',
    ptr(
      struct(
        f('limit', ptr(I)),
        f('reservation', ptr(I)),
        f('swap', ptr(I)),
        f('kernel', ptr(I)),
        f('kernelTCP', ptr(I)),
        f('swappiness', ptr(I)),
        f('disableOOMKiller', ptr(B)),
        f('useHierarchy', ptr(B)),
        f('checkBeforeUpdate', ptr(B)),
      ),
    ),
  ),
  f(
    'cpu',
    ptr(
      struct(
        f('shares', ptr(I)),
        f('quota', ptr(I)),
        f('burst', ptr(I)),
        f('period', ptr(I)),
        f('realtimeRuntime', ptr(I)),
        f('realtimePeriod', ptr(I)),
        f('cpus', S),
        f('mems', S),
        f('idle', ptr(I)),
      ),
    ),
  ),
  f('pids', ptr(struct(f('limit', I, false)))),
  f(
    'blockIO',
    ptr(
      struct(
        f('weight', ptr(I)),
        f('leafWeight', ptr(I)),
        // LinuxWeightDevice embeds LinuxBlockIODevice: Go flattens its fields first
        f('weightDevice', slice(struct(...blockIODevice, f('weight', ptr(I)), f('leafWeight', ptr(I))))),
        f('throttleReadBpsDevice', slice(throttleDevice)),
        f('throttleWriteBpsDevice', slice(throttleDevice)),
        f('throttleReadIOPSDevice', slice(throttleDevice)),
        f('throttleWriteIOPSDevice', slice(throttleDevice)),
      ),
    ),
  ),
  f('hugepageLimits', slice(struct(f('pageSize', S, false), f('limit', I, false)))),
  f('network', ptr(struct(f('classID', ptr(I)), f('priorities', slice(struct(f('name', S, false), f('priority', I, false))))))),
  f('rdma', map(struct(f('hcaHandles', ptr(I)), f('hcaObjects', ptr(I))))),
  f('unified', map(S)),
);

const linux = struct(
  f('uidMappings', slice(ID_MAPPING_TYPE)),
  f('gidMappings', slice(ID_MAPPING_TYPE)),
  f('sysctl', map(S)),
  f('resources', ptr(RESOURCES_TYPE)),
  f('cgroupsPath', S),
  f('namespaces', slice(struct(f('type', S, false), f('path', S)))),
  f(
    'devices',
    slice(
      struct(
        f('path', S, false),
        f('type', S, false),
        f('major', I, false),
        f('minor', I, false),
        f('fileMode', ptr(I)),
        f('uid', ptr(I)),
        f('gid', ptr(I)),
      ),
    ),
  ),
  f('rootfsPropagation', S),
  f('maskedPaths', slice(S)),
  f('readonlyPaths', slice(S)),
);

/** specs.Spec (the fields LinuxKit sets). */
export const SPEC_TYPE: GoType = struct(
  f('ociVersion', S, false),
  f('process', ptr(process)),
  f('root', ptr(struct(f('path', S, false), f('readonly', B)))),
  f('hostname', S),
  f('mounts', slice(MOUNT_TYPE)),
  f('annotations', map(S)),
  f('linux', ptr(linux)),
);

/**
 * LinuxKit's Runtime as written to runtime.json. Every field is a non-nil pointer after
 * assignRuntime, so empty lists are written as [] and bindNS entries as "".
 */
export const RUNTIME_TYPE: GoType = struct(
  f('cgroups', ptr(slice(S))),
  f('mounts', ptr(slice(MOUNT_TYPE))),
  f('mkdir', ptr(slice(S))),
  f('interfaces', ptr(slice(struct(f('name', S), f('add', S), f('peer', S), f('createInRoot', B, false))))),
  f('bindNS', struct(...['cgroup', 'ipc', 'mnt', 'net', 'pid', 'user', 'uts'].map((n) => f(n, ptr(S)))), true),
  f('namespace', ptr(S)),
  // linuxkit-ts extension; a nil pointer when absent, so it is left out (omitempty).
  f('restart', ptr(struct(f('policy', S), f('maxRetries', 'int')))),
);

/** The bytes of config.json, exactly as LinuxKit writes them (no trailing newline). */
export function specToJson(spec: OciSpec): string {
  return marshalIndent(spec, SPEC_TYPE);
}

/** The bytes of runtime.json, exactly as LinuxKit writes them (no trailing newline). */
export function runtimeToJson(runtime: RuntimeJson): string {
  return marshalIndent(runtime, RUNTIME_TYPE);
}
