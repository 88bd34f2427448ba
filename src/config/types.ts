// The typed LinuxKit YAML model (v1 format). Field names are exactly the YAML keys of
// LinuxKit's docs/yaml.md and of its Go structs (lk:src/cmd/linuxkit/moby/config.go), so a
// parsed document can be used as it is. `undefined` means "not given": that difference matters,
// because an image's org.mobyproject.config label supplies defaults only for fields not given.

/**
 * The whole config: the result of parsing and merging one or more YAML files. Every object in it
 * (entries, nested mappings, lists) has its source positions: see sourcePos() in positions.ts.
 * (The obsolete top-level `trust:` is accepted and dropped, as LinuxKit does.)
 */
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
  metadata?: 'yaml' | 'json';
  optional?: boolean;
  /** Octal string, e.g. "0600" (default 0600 for files, 0700 for directories, as LinuxKit's build). */
  mode?: string;
  /** A number, or the name of a container whose allocated uid is meant. */
  uid?: number | string;
  gid?: number | string;
}

export interface VolumeEntry {
  name: string;
  /** "" or absent: an empty directory. */
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
  /** "NAME,soft,hard" (only this form), NAME like RLIMIT_NOFILE or nofile; soft/hard may be "unlimited". */
  rlimits?: string[];
  uidMappings?: IdMapping[];
  gidMappings?: IdMapping[];
  annotations?: Record<string, string>;
  runtime?: Runtime;
}

/**
 * OCI runtime-spec Mount, as written in YAML. Every field is optional (LinuxKit fills defaults
 * from the type). The id-mapping keys are lower case, as LinuxKit's schema and Go decoder spell
 * them (the OCI JSON name is uidMappings): see docs/compatibility/config.md.
 */
export interface Mount {
  destination?: string;
  type?: string;
  source?: string;
  options?: string[];
  uidmappings?: IdMapping[];
  gidmappings?: IdMapping[];
}

/** Fields LinuxKit's Go struct always has (zero when absent in YAML) are optional here. */
export interface Device {
  path?: string;
  type?: string;
  major?: number;
  minor?: number;
  /** Octal string, e.g. "0666"; required unless path is "all". */
  mode?: string;
}

export interface IdMapping {
  containerID?: number;
  hostID?: number;
  size?: number;
}

/**
 * OCI runtime-spec LinuxResources with LinuxKit's schema's key names (note `blockio`, lower
 * case; OCI JSON says blockIO). The spec step maps these to OCI names.
 */
export interface LinuxResources {
  devices?: Array<{ allow?: boolean; type?: string; major?: number; minor?: number; access?: string }>;
  memory?: {
    limit?: number;
    reservation?: number;
    swap?: number;
    kernel?: number;
    kernelTCP?: number;
    swappiness?: number;
    disableOOMKiller?: boolean;
  };
  cpu?: {
    shares?: number;
    quota?: number;
    period?: number;
    realtimeRuntime?: number;
    realtimePeriod?: number;
    cpus?: string;
    mems?: string;
  };
  pids?: { limit?: number };
  blockio?: {
    weight?: number;
    leafWeight?: number;
    weightDevice?: Array<{ major?: number; minor?: number; weight?: number; leafWeight?: number }>;
    throttleReadBpsDevice?: ThrottleDevice[];
    throttleWriteBpsDevice?: ThrottleDevice[];
    throttleReadIOPSDevice?: ThrottleDevice[];
    throttleWriteIOPSDevice?: ThrottleDevice[];
  };
  /** pageSize: bytes, as LinuxKit's schema has it, or a string such as "2MB", as in OCI. */
  hugepageLimits?: Array<{ pageSize?: number | string; limit?: number }>;
  network?: { classID?: number; priorities?: Array<{ name?: string; priority?: number }> };
}

export interface ThrottleDevice {
  major?: number;
  minor?: number;
  rate?: number;
}

/** Settings applied by the in-VM init around `runc create`, written to runtime.json. */
export interface Runtime {
  cgroups?: string[];
  mounts?: Mount[];
  mkdir?: string[];
  interfaces?: Interface[];
  bindNS?: Namespaces;
  namespace?: string;
  /** linuxkit-ts extension: restart a service that exits (docs/init.md). Absent: never, as LinuxKit. */
  restart?: RestartPolicy | { policy: RestartPolicy; maxRetries?: number };
}

export type RestartPolicy = 'no' | 'always' | 'on-failure';

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
