// The YAML model (LinuxKit's v1 format), declared once. Field names are the YAML keys of
// LinuxKit's docs/yaml.md and Go structs (lk:src/cmd/linuxkit/moby/config.go: Moby, Image,
// ImageConfig, Runtime, …; OCI's specs.Mount, LinuxIDMapping, LinuxResources), in Go struct
// order, with the Go representation of each (pointer or value, omitempty, JSON name) and its
// documentation. Everything else is derived: types.ts (TS types), model-schema.ts →
// schema/linuxkit.schema.json, to-yaml.ts (--dry-run, `metadata: yaml`) and spec/model-go.ts
// (`metadata: json`, runtime.json, OCI resources and mounts). How to add a field: docs/yaml.md.
import { bool, enumOf, id, int, list, map, ptr, str, struct, union, val, type StructOf } from './model-kinds.js';

const strings = list(str(), { def: 'strings' });
const mapstring = map(str(), { def: 'mapstring' });
const intMin0 = int({ min: 0 });

export const IMAGE_REF = str({
  def: 'imageRef',
  minLength: 1,
  doc: 'An image reference, e.g. linuxkit/init:<tag>, docker.io/library/alpine:3.20 or name@sha256:<digest>; "@pkg:./path" is replaced by the tag of the package at that path (local files only).',
});

const ID = id({
  def: 'id',
  doc: 'A numeric id, or the name of a container (onboot, onshutdown or services): the id allocated to that container. "root" and "" mean 0.',
});

const KERNEL = struct(
  {
    image: val(IMAGE_REF, { omitempty: false }),
    cmdline: val(str(), { doc: 'The kernel command line, passed as it is. linuxkit.* options are read by the init.' }),
    binary: val(str(), { doc: 'Name of the kernel file in the image (default "kernel").', examples: ['kernel', 'bzImage'] }),
    tar: ptr(str(), {
      doc: 'Name of the modules tarball in the image (default "kernel.tar"); "none" or "" for no tarball.',
      examples: ['kernel.tar', 'none'],
    }),
    ucode: ptr(str(), { doc: 'Name of a CPU microcode cpio archive in the image, prepended to the initrd.', examples: ['intel-ucode.cpio'] }),
  },
  {
    def: 'kernel',
    doc: 'The kernel: an image holding the kernel binary, its modules tarball and optionally CPU microcode. Each field given in a later file overrides the earlier one.',
  },
);

const FILE = struct(
  {
    path: val(str(), {
      required: true,
      omitempty: false,
      doc: 'Path in the root filesystem (a leading / is ignored). Missing parent directories are created.',
    }),
    directory: val(bool(), { omitempty: false, doc: 'Create a directory.' }),
    symlink: val(str(), { doc: 'Create a symbolic link pointing here.' }),
    contents: ptr(str(), { doc: "The file's contents, inline." }),
    source: val(str(), { doc: "A file on the build machine to copy; ~/ is the build user's home directory." }),
    metadata: val(enumOf(['yaml', 'json']), { doc: 'Write the resolved, merged configuration here as YAML or JSON.' }),
    optional: val(bool(), { omitempty: false, doc: 'Skip this entry, without error, when source cannot be read.' }),
    mode: val(str(), {
      doc: 'Octal permissions, quoted: "0644". Default "0600" ("0700" for a directory).',
      examples: ['0644', '0755', '0600'],
    }),
    uid: val(ID),
    gid: val(ID),
  },
  {
    def: 'file',
    doc: 'One file, directory or symlink in the root filesystem. Give at most one of contents, source, symlink, directory: true, metadata.',
  },
);

const VOLUME = struct(
  {
    name: val(str(), { required: true, omitempty: false, doc: 'Lower-case letters, digits, - and _; unique.' }),
    image: val(IMAGE_REF),
    readonly: val(bool(), { doc: 'Read-only volume: containers must bind it with the ro option.' }),
    format: val(enumOf(['oci', 'filesystem']), { doc: 'filesystem (default): the image unpacked; oci: the image as an OCI v1 layout.' }),
    platforms: val(strings, { doc: 'For format oci: the platforms to keep, e.g. linux/amd64 (default: all).' }),
  },
  { def: 'volume', doc: 'A named volume: an empty directory, an image unpacked as a filesystem, or an image as an OCI layout.' },
);

/** specs.LinuxIDMapping. */
export const ID_MAPPING = struct(
  {
    containerID: val(intMin0, { omitempty: false, doc: 'First id in the container.' }),
    hostID: val(intMin0, { omitempty: false, doc: 'First id on the host.' }),
    size: val(intMin0, { omitempty: false, doc: 'Number of ids mapped.' }),
  },
  { def: 'idmapping', yaml: 'given' },
);
const idmappings = list(ID_MAPPING, { def: 'idmappings' });

/** specs.Mount: no yaml tags, so yaml.v3 knows the id mappings by their lower-cased Go names. */
export const MOUNT = struct(
  {
    destination: val(str(), { omitempty: false, doc: 'Absolute path in the container.' }),
    type: val(str({ examples: ['bind', 'tmpfs', 'proc', 'sysfs', 'devpts', 'cgroup', 'mqueue', 'overlay'] }), {
      doc: 'Filesystem type, e.g. bind, tmpfs, proc, overlay. May be left out for proc, devpts, sysfs, cgroup, mqueue sources and for /dev.',
    }),
    source: val(str(), { doc: 'What to mount; defaults to the type. For type bind, a path that does not start with / names a volume.' }),
    options: val(strings, { doc: 'Mount options, e.g. [rbind, ro].' }),
    uidmappings: val(idmappings, { json: 'uidMappings', doc: 'ID-mapped mount: uid mappings (lower-case key, as LinuxKit).' }),
    gidmappings: val(idmappings, { json: 'gidMappings', doc: 'ID-mapped mount: gid mappings (lower-case key, as LinuxKit).' }),
  },
  {
    def: 'mount',
    yaml: 'all',
    doc: 'An OCI mount. Defaults: source = type; destination from type for proc, devpts, sysfs, cgroup, mqueue; type from source for those; tmpfs for /dev. A bind whose source does not start with / names a volume.',
  },
);
const mounts = list(MOUNT, { def: 'mounts' });

const DEVICE = struct(
  {
    path: val(str(), { omitempty: false, doc: 'Device path, e.g. /dev/console, or "all".' }),
    type: val(enumOf(['c', 'b', 'u', 'p', 'a']), {
      omitempty: false,
      doc: 'c (char), b (block), u (unbuffered char), p (fifo), a (all, with path: all).',
    }),
    major: val(int(), { omitempty: false, doc: 'Device major number.' }),
    minor: val(int(), { omitempty: false, doc: 'Device minor number.' }),
    mode: val(str(), { doc: 'Octal permissions, quoted: "0666".', examples: ['0666', '0600'] }),
  },
  { def: 'device', doc: 'A device node created in the container and allowed in its devices cgroup. path: all allows every device of the type.' },
);

// specs.LinuxResources and the structs under it, with the YAML keys of LinuxKit's schema and the
// OCI JSON names (`json`). Fields marked `only: 'go'` are in runtime-spec but not in the schema.
const throttleDevice = struct(
  { major: val(int(), { omitempty: false }), minor: val(int(), { omitempty: false }), rate: val(intMin0, { omitempty: false }) },
  { def: 'throttledevice', yaml: 'given' },
);
const throttleDevices = list(throttleDevice, { def: 'throttledevices' });

/** hugepageLimits[].pageSize: bytes (LinuxKit's schema) or a name such as "2MB" (OCI's string). */
export const PAGE_SIZE = union([int({ min: 1 }), str()], { go: 1 });

export const RESOURCES = struct(
  {
    devices: val(
      list(
        struct(
          {
            allow: val(bool(), { omitempty: false }),
            type: val(str({ examples: ['a', 'c', 'b'] })),
            major: ptr(int()),
            minor: ptr(int()),
            access: val(str({ examples: ['rwm', 'r'] }), { doc: 'Some of r, w, m.' }),
          },
          { def: 'devicecgroup', yaml: 'given' },
        ),
      ),
    ),
    memory: ptr(
      struct(
        {
          limit: ptr(int(), { doc: 'Bytes.' }),
          reservation: ptr(int()),
          swap: ptr(int()),
          kernel: ptr(int()),
          kernelTCP: ptr(int()),
          swappiness: ptr(intMin0),
          disableOOMKiller: ptr(bool()),
          useHierarchy: ptr(bool(), { only: 'go' }),
          checkBeforeUpdate: ptr(bool(), { only: 'go' }),
        },
        { def: 'memory', yaml: 'given' },
      ),
    ),
    cpu: ptr(
      struct(
        {
          shares: ptr(intMin0),
          quota: ptr(int()),
          burst: ptr(int(), { only: 'go' }),
          period: ptr(intMin0),
          realtimeRuntime: ptr(int()),
          realtimePeriod: ptr(intMin0),
          cpus: val(str(), { doc: 'CPU list, e.g. 0-3,6.' }),
          mems: val(str(), { doc: 'Memory node list.' }),
          idle: ptr(int(), { only: 'go' }),
        },
        { def: 'cpu', yaml: 'given' },
      ),
    ),
    pids: ptr(struct({ limit: val(int(), { omitempty: false }) }, { def: 'pids', yaml: 'given' })),
    blockio: ptr(
      struct(
        {
          weight: ptr(intMin0),
          leafWeight: ptr(intMin0),
          weightDevice: val(
            list(
              struct(
                { major: val(int(), { omitempty: false }), minor: val(int(), { omitempty: false }), weight: ptr(intMin0), leafWeight: ptr(intMin0) },
                { def: 'weightdevice', yaml: 'given' },
              ),
            ),
          ),
          throttleReadBpsDevice: val(throttleDevices),
          throttleWriteBpsDevice: val(throttleDevices),
          throttleReadIOPSDevice: val(throttleDevices),
          throttleWriteIOPSDevice: val(throttleDevices),
        },
        { def: 'blockio', yaml: 'given' },
      ),
      { json: 'blockIO' },
    ),
    hugepageLimits: val(
      list(
        struct(
          {
            pageSize: val(PAGE_SIZE, {
              omitempty: false,
              doc: "Page size in bytes (an integer, as LinuxKit's schema has it), or as the kernel names it, e.g. 2MB or 1GB.",
              examples: [2097152, '2MB', '1GB'],
            }),
            limit: val(intMin0, { omitempty: false }),
          },
          { def: 'hugepagelimit', yaml: 'given' },
        ),
      ),
    ),
    network: ptr(
      struct(
        {
          classID: ptr(intMin0),
          priorities: val(
            list(struct({ name: val(str(), { omitempty: false }), priority: val(intMin0, { omitempty: false }) }, { def: 'interfacepriority', yaml: 'given' })),
          ),
        },
        { def: 'network', yaml: 'given' },
      ),
    ),
    rdma: val(map(struct({ hcaHandles: ptr(int()), hcaObjects: ptr(int()) })), { only: 'go' }),
    unified: val(map(str()), { only: 'go' }),
  },
  {
    def: 'resources',
    yaml: 'given',
    doc: "cgroup limits, as the OCI runtime spec's linux.resources (note LinuxKit's key spelling blockio).",
  },
);

const INTERFACE = struct(
  {
    name: val(str(), { doc: "Interface name; an existing interface of this name is moved into the container's network namespace." }),
    add: val(str(), {
      doc: 'Create an interface of this type (e.g. veth, wireguard) with the name.',
      examples: ['veth', 'wireguard', 'bridge', 'dummy'],
    }),
    peer: val(str(), { doc: 'For veth: the name of the end left in the root namespace (implies add: veth).' }),
    createInRoot: val(bool(), { omitempty: false, doc: 'Create the interface in the root namespace, then move it (needed for wireguard).' }),
  },
  { def: 'interface' },
);

const bindAt = (ns: string, more = '') => ptr(str(), { doc: `Path at which to bind the container's ${ns} namespace${more}.` });
const NAMESPACES = struct(
  {
    cgroup: bindAt('cgroup'),
    ipc: bindAt('ipc'),
    mnt: bindAt('mnt'),
    net: bindAt('net', ', e.g. /run/netns/name'),
    pid: bindAt('pid'),
    user: bindAt('user'),
    uts: bindAt('uts'),
  },
  {
    def: 'namespaces',
    doc: "Bind the new container's namespaces to these paths, so that later containers can join them (net: /run/netns/x).",
  },
);

export const RESTART_POLICY = enumOf(['no', 'always', 'on-failure'], { def: 'restartPolicy' });

/** LinuxKit's Runtime, plus linuxkit-ts's `restart`. */
export const RUNTIME = struct(
  {
    cgroups: ptr(strings, { doc: 'cgroups created before the container runs.' }),
    mounts: ptr(mounts, { doc: 'Mounts made in the root mount namespace before the container is created; missing destinations are created.' }),
    mkdir: ptr(strings, { doc: 'Directories created in the root mount namespace before the container starts.' }),
    interfaces: ptr(list(INTERFACE), { doc: "Network interfaces to move or create in the container's network namespace." }),
    bindNS: val(NAMESPACES),
    namespace: ptr(str(), { doc: 'containerd namespace for a service (default services.linuxkit).' }),
    // linuxkit-ts extension, last so that configs without it print exactly as LinuxKit's; Go
    // (runtime.json, `metadata: json`) holds its object form.
    restart: ptr(
      union(
        [
          RESTART_POLICY,
          struct({
            policy: val(RESTART_POLICY, { required: true }),
            maxRetries: ptr(intMin0, { doc: 'Give up after this many restarts in a row (0: no limit).' }),
          }),
        ],
        { exclusive: true, go: 1 },
      ),
      {
        doc: "linuxkit-ts extension: restart a service that exits, with back-off (1 s doubling to 30 s). always: whatever its exit status; on-failure: on a non-zero status; no: never (LinuxKit's behaviour, the default).",
      },
    ),
  },
  { def: 'runtime', doc: "Actions the init takes around the container's creation (written to runtime.json), not part of the OCI spec." },
);

const capabilities = list(
  str({
    examples: [
      'all',
      'none',
      'CAP_CHOWN',
      'CAP_DAC_OVERRIDE',
      'CAP_FOWNER',
      'CAP_NET_ADMIN',
      'CAP_NET_BIND_SERVICE',
      'CAP_NET_RAW',
      'CAP_SETGID',
      'CAP_SETUID',
      'CAP_SYS_ADMIN',
      'CAP_SYS_CHROOT',
      'CAP_SYS_MODULE',
      'CAP_SYS_TIME',
    ],
  }),
  { def: 'capabilities' },
);

const namespace = (doc: string, examples = ['host', 'new']) => val(str(), { doc, examples });

/**
 * ImageConfig: the container settings that may appear both in YAML and in an image's
 * `org.mobyproject.config` label.
 */
export const IMAGE_CONFIG = {
  capabilities: ptr(capabilities, {
    doc: "Linux capabilities (CAP_...), replacing the label's; [all] for every capability, [none] for none.",
  }),
  'capabilities.add': ptr(capabilities, { doc: "Capabilities added to the label's defaults." }),
  ambient: ptr(capabilities, { doc: 'Ambient capabilities (kept by non-root processes).' }),
  mounts: ptr(mounts, { doc: 'Full mount specifications; one at the same destination replaces a default mount.' }),
  binds: ptr(strings, {
    doc: "Bind mounts as src:dest[:opt,opt], replacing the label's. A src that does not start with / names a volume.",
  }),
  'binds.add': ptr(strings, { doc: "Bind mounts added to the label's." }),
  devices: ptr(list(DEVICE), { doc: 'Device nodes to create and allow.' }),
  tmpfs: ptr(strings, { doc: 'tmpfs mounts as /dest[:opt,opt].' }),
  command: ptr(strings, { doc: "Replaces the image's entrypoint and command." }),
  env: ptr(strings, { doc: "Replaces the image's environment; VAR=value." }),
  // Plain Go strings: LinuxKit cannot tell "" from absent for these (spec/merge.ts).
  cwd: val(str(), { doc: 'Working directory (default /).' }),
  net: namespace('Network namespace: host/root (default), new or none (a fresh one), or a path to join.', ['host', 'new', 'none']),
  pid: namespace('PID namespace: new (default), host, or a path to join.'),
  ipc: namespace('IPC namespace: host (default), new, or a path.'),
  uts: namespace('UTS namespace: host (default), new, or a path.'),
  userns: namespace('User namespace (experimental): host (default), new, or a path.'),
  hostname: val(str(), { doc: 'Hostname inside the container (needs uts: new).' }),
  readonly: ptr(bool(), { doc: 'Read-only root filesystem (and read-only /dev and /sys).' }),
  maskedPaths: ptr(strings, { doc: 'Paths hidden in the container.' }),
  readonlyPaths: ptr(strings, { doc: 'Paths made read-only in the container.' }),
  uid: ptr(ID),
  gid: ptr(ID),
  additionalGids: ptr(list(ID), { doc: 'Supplementary groups: numbers or container names.' }),
  noNewPrivileges: ptr(bool(), { doc: 'No privileges gained through exec (setuid binaries do not work).' }),
  oomScoreAdj: ptr(int({ min: -1000, max: 1000 }), { doc: 'Adjusts the OOM killer score of the process (-1000 to 1000).' }),
  rootfsPropagation: ptr(str({ examples: ['private', 'rprivate', 'shared', 'rshared', 'slave', 'rslave'] }), {
    doc: 'Mount propagation of the root filesystem: shared, slave or private (default).',
  }),
  cgroupsPath: ptr(str(), { doc: "Path of the container's cgroup." }),
  resources: ptr(RESOURCES),
  sysctl: ptr(mapstring, { doc: "sysctls set in the container's namespaces." }),
  rlimits: ptr(strings, {
    doc: 'Resource limits as name,soft,hard (name like nofile or RLIMIT_NOFILE; unlimited allowed).',
    examples: ['nofile,1024,4096'],
  }),
  uidMappings: ptr(idmappings, { doc: 'User namespace uid mappings (experimental).' }),
  gidMappings: ptr(idmappings, { doc: 'User namespace gid mappings (experimental).' }),
  annotations: ptr(mapstring, { doc: 'OCI annotations.' }),
  runtime: ptr(RUNTIME),
} as const;

/** An onboot, onshutdown or services entry: Image, which embeds ImageConfig (Go flattens it). */
const IMAGE_FIELDS = {
  name: val(str({ minLength: 1 }), {
    required: true,
    omitempty: false,
    doc: "The container's name: its directory under containers/ and its containerd id.",
  }),
  image: val(IMAGE_REF, { required: true, omitempty: false }),
  ...IMAGE_CONFIG,
} as const;
// Annotated: the inferred type is too long for the declaration file.
export const IMAGE: StructOf<typeof IMAGE_FIELDS> = struct(IMAGE_FIELDS, {
  def: 'image',
  doc: "A container: a unique name, an image, and settings that override the image's org.mobyproject.config label.",
});
const images = list(IMAGE, { def: 'images' });

const TRUST = struct({ image: val(strings), org: val(strings) }, { def: 'trust' });

const appended = ' Appended when files are merged.';

/** The whole file: LinuxKit's Moby struct. */
const CONFIG_FIELDS = {
  kernel: val(KERNEL, { omitempty: false }),
  init: val(list(IMAGE_REF, { def: 'imageRefs' }), {
    omitempty: false,
    doc: `Images unpacked straight into the root filesystem, in order: the init system, the OCI runtime, containerd, ...${appended}`,
  }),
  onboot: val(images, {
    omitempty: false,
    doc: `Containers run once at boot, one after another, each to completion, in order (containers/onboot/NNN-name).${appended}`,
  }),
  onshutdown: val(images, {
    omitempty: false,
    doc: `Containers run one after another on a clean shutdown (containers/onshutdown/NNN-name). Do not rely on them running.${appended}`,
  }),
  services: val(images, {
    omitempty: false,
    doc: 'Long running containers started by containerd (containers/services/name), in no defined order. Names must be unique across all merged files.',
  }),
  files: val(list(FILE), { omitempty: false, doc: `Files, directories and symlinks added to the root filesystem.${appended}` }),
  volumes: val(list(VOLUME), {
    omitempty: false,
    doc: `Named volumes that containers can bind or mount by name (binds: ["name:/dest"]).${appended}`,
  }),
  trust: val(TRUST, {
    only: 'schema',
    deprecated: true,
    doc: "Obsolete: Docker Content Trust settings. Accepted for compatibility with old files (LinuxKit's schema still allows it) but ignored, as in LinuxKit since 2021.",
  }),
} as const;
export const CONFIG: StructOf<typeof CONFIG_FIELDS> = struct(CONFIG_FIELDS, {
  doc: 'A LinuxKit system: a kernel, init images, onboot/onshutdown/services containers, files and volumes. Several files given to `linuxkit build` are merged in order. See docs/yaml.md.',
});

export { DEVICE, FILE, INTERFACE, KERNEL, NAMESPACES, VOLUME };
