// The exact bytes LinuxKit writes for config.json and runtime.json. The Go types below mirror
// the field order and `omitempty` tags of runtime-spec v1.2.1's specs-go/config.go (as vendored by
// LinuxKit HEAD); those the YAML model shares (mounts, id mappings, resources, LinuxKit's Runtime)
// come from its declaration (config/model.ts). Only the fields LinuxKit can set are described;
// the encoder rejects anything else.
import { ID_MAPPING, MOUNT, RESOURCES, RUNTIME } from '../config/index.js';
import { Go, marshalIndent, type GoType } from './go-json.js';
import { goType } from './model-go.js';
import type { OciSpec, RuntimeJson } from './oci-runtime.js';

const { S, B, I, ptr, slice, map, struct, f } = Go;

const ID_MAPPING_TYPE = goType(ID_MAPPING);

/** specs.Mount. */
const MOUNT_TYPE = goType(MOUNT);

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

/** specs.LinuxResources. */
const RESOURCES_TYPE = goType(RESOURCES);

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
const RUNTIME_TYPE: GoType = goType(RUNTIME);

/** The bytes of config.json, exactly as LinuxKit writes them (no trailing newline). */
export function specToJson(spec: OciSpec): string {
  return marshalIndent(spec, SPEC_TYPE);
}

/** The bytes of runtime.json, exactly as LinuxKit writes them (no trailing newline). */
export function runtimeToJson(runtime: RuntimeJson): string {
  return marshalIndent(runtime, RUNTIME_TYPE);
}
