// OCI runtime-spec types (config.json), the subset LinuxKit writes, with the JSON names of
// github.com/opencontainers/runtime-spec/specs-go v1.2.1 (the version LinuxKit HEAD vendors).
// Property order here follows the Go struct order, which is also the order in the written JSON
// (see go-json.ts, which owns the exact encoding). The structs the YAML model shares come from
// its declaration (config/model.ts).
import type { GoJsonOf } from '../config/index.js';
import type { ID_MAPPING, MOUNT, RESOURCES, RUNTIME } from '../config/index.js';

/** specs.Version of the runtime-spec LinuxKit vendors (lk:src/cmd/linuxkit/go.mod: v1.2.1). */
export const OCI_VERSION = '1.2.1';

/** A uint64 (rlimits) may exceed 2^53, so it is a bigint; other integers fit a number. */
export type Uint64 = bigint;

export interface OciSpec {
  ociVersion: string;
  process?: OciProcess;
  root?: OciRoot;
  hostname?: string;
  mounts?: OciMount[];
  /** A Go map: written with sorted keys. */
  annotations?: Record<string, string>;
  linux?: OciLinux;
}

export interface OciProcess {
  terminal?: boolean;
  user: OciUser;
  args?: string[];
  env?: string[];
  cwd: string;
  capabilities?: OciCapabilities;
  rlimits?: OciRlimit[];
  noNewPrivileges?: boolean;
  oomScoreAdj?: number;
}

export interface OciUser {
  uid: number;
  gid: number;
  umask?: number;
  additionalGids?: number[];
}

export interface OciCapabilities {
  bounding?: string[];
  effective?: string[];
  inheritable?: string[];
  permitted?: string[];
  ambient?: string[];
}

export interface OciRlimit {
  type: string;
  hard: Uint64;
  soft: Uint64;
}

export interface OciRoot {
  path: string;
  readonly?: boolean;
}

/** specs.LinuxIDMapping and specs.Mount, as declared in the YAML model. */
export type OciIdMapping = GoJsonOf<typeof ID_MAPPING>;
export type OciMount = GoJsonOf<typeof MOUNT>;

export interface OciLinux {
  uidMappings?: OciIdMapping[];
  gidMappings?: OciIdMapping[];
  sysctl?: Record<string, string>;
  resources?: OciResources;
  cgroupsPath?: string;
  namespaces?: OciNamespace[];
  devices?: OciDevice[];
  rootfsPropagation?: string;
  maskedPaths?: string[];
  readonlyPaths?: string[];
}

export type OciNamespaceType = 'pid' | 'network' | 'mount' | 'ipc' | 'uts' | 'user' | 'cgroup' | 'time';

export interface OciNamespace {
  type: OciNamespaceType;
  /** Join the namespace at this path; absent means "create a new one". */
  path?: string;
}

export interface OciDevice {
  path: string;
  type: string;
  major: number;
  minor: number;
  /** os.FileMode: permission bits as a number (0o666 is written as 438). */
  fileMode?: number;
  uid?: number;
  gid?: number;
}

/** specs.LinuxResources, as declared in the YAML model (OCI names, every runtime-spec field). */
export type OciResources = GoJsonOf<typeof RESOURCES>;
export type OciDeviceCgroup = NonNullable<OciResources['devices']>[number];

/** LinuxKit's Runtime as Go encodes it, from the model (config/model.ts RUNTIME). */
type RuntimeGo = GoJsonOf<typeof RUNTIME>;

/**
 * runtime.json: LinuxKit's Runtime block after merging label and YAML (lk:moby/config.go:192,
 * assignRuntime). Every field is present, as LinuxKit writes them all, but `restart`
 * (a linuxkit-ts extension, docs/init.md: how the init supervises a service), only when given.
 */
export type RuntimeJson = Required<Omit<RuntimeGo, 'bindNS' | 'restart'>> & {
  bindNS: Required<NonNullable<RuntimeGo['bindNS']>>;
  restart?: RuntimeGo['restart'];
};
