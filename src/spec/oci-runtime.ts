// OCI runtime-spec types (config.json), the subset LinuxKit writes, with the JSON names of
// github.com/opencontainers/runtime-spec/specs-go v1.2.1 (the version LinuxKit HEAD vendors).
// Property order here follows the Go struct order, which is also the order in the written JSON
// (see go-json.ts, which owns the exact encoding).

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

export interface OciIdMapping {
  containerID: number;
  hostID: number;
  size: number;
}

export interface OciMount {
  destination: string;
  type?: string;
  source?: string;
  options?: string[];
  uidMappings?: OciIdMapping[];
  gidMappings?: OciIdMapping[];
}

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

export interface OciDeviceCgroup {
  allow: boolean;
  type?: string;
  major?: number;
  minor?: number;
  access?: string;
}

export interface OciResources {
  devices?: OciDeviceCgroup[];
  memory?: OciMemory;
  cpu?: OciCpu;
  pids?: { limit: number };
  blockIO?: OciBlockIO;
  hugepageLimits?: Array<{ pageSize: string; limit: number }>;
  network?: { classID?: number; priorities?: Array<{ name: string; priority: number }> };
  rdma?: Record<string, { hcaHandles?: number; hcaObjects?: number }>;
  unified?: Record<string, string>;
}

export interface OciMemory {
  limit?: number;
  reservation?: number;
  swap?: number;
  kernel?: number;
  kernelTCP?: number;
  swappiness?: number;
  disableOOMKiller?: boolean;
  useHierarchy?: boolean;
  checkBeforeUpdate?: boolean;
}

export interface OciCpu {
  shares?: number;
  quota?: number;
  burst?: number;
  period?: number;
  realtimeRuntime?: number;
  realtimePeriod?: number;
  cpus?: string;
  mems?: string;
  idle?: number;
}

export interface OciWeightDevice {
  major: number;
  minor: number;
  weight?: number;
  leafWeight?: number;
}

export interface OciThrottleDevice {
  major: number;
  minor: number;
  rate: number;
}

export interface OciBlockIO {
  weight?: number;
  leafWeight?: number;
  weightDevice?: OciWeightDevice[];
  throttleReadBpsDevice?: OciThrottleDevice[];
  throttleWriteBpsDevice?: OciThrottleDevice[];
  throttleReadIOPSDevice?: OciThrottleDevice[];
  throttleWriteIOPSDevice?: OciThrottleDevice[];
}

/**
 * runtime.json: LinuxKit's Runtime block after merging label and YAML (lk:moby/config.go:192,
 * assignRuntime). Every field is present, as LinuxKit writes them all.
 */
export interface RuntimeJson {
  cgroups: string[];
  mounts: OciMount[];
  mkdir: string[];
  interfaces: RuntimeInterface[];
  bindNS: RuntimeBindNS;
  namespace: string;
  /** linuxkit-ts extension (docs/init.md): how the init supervises a service. */
  restart?: { policy: string; maxRetries?: number };
}

export interface RuntimeInterface {
  name?: string;
  add?: string;
  peer?: string;
  createInRoot: boolean;
}

export interface RuntimeBindNS {
  cgroup: string;
  ipc: string;
  mnt: string;
  net: string;
  pid: string;
  user: string;
  uts: string;
}
