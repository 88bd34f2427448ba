// The typed LinuxKit YAML model (v1 format). Field names are exactly the YAML keys of
// LinuxKit's docs/yaml.md and of its Go structs (lk:src/cmd/linuxkit/moby/config.go), so a
// parsed document can be used as it is. `undefined` means "not given": that difference matters,
// because an image's org.mobyproject.config label supplies defaults only for fields not given.

/** The whole config: the result of parsing and merging one or more YAML files. */
export interface Config {
  kernel?: KernelConfig;
  init?: string[];
  onboot?: ImageEntry[];
  onshutdown?: ImageEntry[];
  services?: ImageEntry[];
  files?: FileEntry[];
  volumes?: VolumeEntry[];
}

export interface KernelConfig {
  image: string;
  cmdline?: string;
  /** Name of the kernel file inside the image; default "kernel". */
  binary?: string;
  /** Name of the modules tarball inside the image; default "kernel.tar"; "none" for no tar. */
  tar?: string;
  /** Name of a CPU microcode cpio inside the image, prepended to the initrd. */
  ucode?: string;
}

export interface FileEntry {
  path: string;
  directory?: boolean;
  symlink?: string;
  contents?: string;
  source?: string;
  /** "yaml" writes the resolved config as YAML here; "json" as JSON. */
  metadata?: string;
  optional?: boolean;
  /** Octal string, e.g. "0600" (default 0600 for files, 0755 for directories). */
  mode?: string;
  /** A number, or the name of a container whose allocated uid is meant. */
  uid?: number | string;
  gid?: number | string;
}

export interface VolumeEntry {
  name: string;
  image?: string;
  readonly?: boolean;
  format?: 'oci' | 'filesystem';
  platforms?: string[];
}

/** An onboot, onshutdown or services entry: a name, an image and its container settings. */
export interface ImageEntry extends ImageConfig {
  name: string;
  image: string;
}

/**
 * The container settings that may appear both in YAML and in an image's
 * `org.mobyproject.config` label (LinuxKit's ImageConfig).
 */
export interface ImageConfig {
  capabilities?: string[];
  'capabilities.add'?: string[];
  ambient?: string[];
  mounts?: Mount[];
  binds?: string[];
  'binds.add'?: string[];
  devices?: Device[];
  tmpfs?: string[];
  command?: string[];
  env?: string[];
  cwd?: string;
  /** Namespaces: "host", a path to a namespace to join, or "new"/"" for a fresh one. */
  net?: string;
  pid?: string;
  ipc?: string;
  uts?: string;
  userns?: string;
  hostname?: string;
  readonly?: boolean;
  maskedPaths?: string[];
  readonlyPaths?: string[];
  /** A number, or a name: an id allocated per container name. */
  uid?: number | string;
  gid?: number | string;
  additionalGids?: Array<number | string>;
  noNewPrivileges?: boolean;
  oomScoreAdj?: number;
  rootfsPropagation?: string;
  cgroupsPath?: string;
  resources?: LinuxResources;
  sysctl?: Record<string, string>;
  /** "NAME,soft,hard", NAME like RLIMIT_NOFILE or nofile; a value may be "unlimited". */
  rlimits?: string[];
  uidMappings?: IdMapping[];
  gidMappings?: IdMapping[];
  annotations?: Record<string, string>;
  runtime?: Runtime;
}

/** OCI runtime-spec Mount, as written in YAML. */
export interface Mount {
  /** May be omitted when the type implies it (proc, devpts, sysfs, cgroup, mqueue). */
  destination?: string;
  type?: string;
  source?: string;
  options?: string[];
  uidMappings?: IdMapping[];
  gidMappings?: IdMapping[];
}

export interface Device {
  /** A device node path, or "all" to allow every device of `type` (then major/minor are unused). */
  path: string;
  type: string;
  major?: number;
  minor?: number;
  /** Octal string, e.g. "0666". */
  mode?: string;
}

export interface IdMapping {
  containerID: number;
  hostID: number;
  size: number;
}

/** OCI runtime-spec LinuxResources (only the shape is checked here; it is passed through). */
export interface LinuxResources {
  devices?: Array<{ allow: boolean; type?: string; major?: number; minor?: number; access?: string }>;
  memory?: Record<string, number | boolean>;
  cpu?: Record<string, number | string>;
  pids?: { limit: number };
  blockIO?: Record<string, unknown>;
  hugepageLimits?: Array<{ pageSize: string; limit: number }>;
  network?: Record<string, unknown>;
  rdma?: Record<string, unknown>;
  unified?: Record<string, string>;
}

/** Settings applied by the in-VM init around `runc create`, written to runtime.json. */
export interface Runtime {
  cgroups?: string[];
  mounts?: Mount[];
  mkdir?: string[];
  interfaces?: Interface[];
  bindNS?: Namespaces;
  namespace?: string;
}

export interface Namespaces {
  cgroup?: string;
  ipc?: string;
  mnt?: string;
  net?: string;
  pid?: string;
  user?: string;
  uts?: string;
}

export interface Interface {
  name?: string;
  add?: string;
  peer?: string;
  createInRoot?: boolean;
}

/** The sections holding containers, in the order LinuxKit processes them. */
export const CONTAINER_SECTIONS = ['onboot', 'onshutdown', 'services'] as const;
export type ContainerSection = (typeof CONTAINER_SECTIONS)[number];
