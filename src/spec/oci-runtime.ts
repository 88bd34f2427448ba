// OCI runtime-spec types (config.json), the subset LinuxKit writes, with the JSON names of
// github.com/opencontainers/runtime-spec/specs-go v1.2.1 (the version LinuxKit HEAD vendors).
// Declared once, in the model's vocabulary (config/model-kinds.ts), in Go struct order with
// each field's pointer-ness and omitempty: the TS types below and the Go-JSON descriptor of
// config.json (json.ts, through model-go.ts) both come from here. The structs the YAML model
// shares (mounts, id mappings, resources) are its declarations (config/model.ts).
import { bool, int, list, map, ptr, str, struct, val, type EnumKind, type GoJsonOf, type IntKind, type Typed } from '../config/index.js';
import { ID_MAPPING, MOUNT, RESOURCES, type RUNTIME } from '../config/index.js';

/** specs.Version of the runtime-spec LinuxKit vendors (lk:src/cmd/linuxkit/go.mod: v1.2.1). */
export const OCI_VERSION = '1.2.1';

/** A uint64 (rlimits) may exceed 2^53, so it is a bigint; other integers fit a number. */
export type Uint64 = bigint;
const uint64 = (): IntKind & Typed<Uint64> => ({ k: 'int' });

export type OciNamespaceType = 'pid' | 'network' | 'mount' | 'ipc' | 'uts' | 'user' | 'cgroup' | 'time';
const NAMESPACE_TYPE: EnumKind<OciNamespaceType> & Typed<OciNamespaceType> = {
  k: 'enum',
  values: ['pid', 'network', 'mount', 'ipc', 'uts', 'user', 'cgroup', 'time'],
};

const strings = list(str());
const always = { omitempty: false } as const;

const PROCESS = struct({
  terminal: val(bool()),
  user: val(struct({ uid: val(int(), always), gid: val(int(), always), umask: ptr(int()), additionalGids: val(list(int())) }), always),
  args: val(strings),
  env: val(strings),
  cwd: val(str(), always),
  capabilities: ptr(struct({ bounding: val(strings), effective: val(strings), inheritable: val(strings), permitted: val(strings), ambient: val(strings) })),
  rlimits: val(list(struct({ type: val(str(), always), hard: val(uint64(), always), soft: val(uint64(), always) }))),
  noNewPrivileges: val(bool()),
  oomScoreAdj: ptr(int()),
});

const NAMESPACE = struct({
  type: val(NAMESPACE_TYPE, always),
  path: val(str(), { doc: 'Join the namespace at this path; absent means "create a new one".' }),
});

const DEVICE = struct({
  path: val(str(), always),
  type: val(str(), always),
  major: val(int(), always),
  minor: val(int(), always),
  fileMode: ptr(int(), { doc: 'os.FileMode: permission bits as a number (0o666 is written as 438).' }),
  uid: ptr(int()),
  gid: ptr(int()),
});

const LINUX = struct({
  uidMappings: val(list(ID_MAPPING)),
  gidMappings: val(list(ID_MAPPING)),
  sysctl: val(map(str())),
  resources: ptr(RESOURCES),
  cgroupsPath: val(str()),
  namespaces: val(list(NAMESPACE)),
  devices: val(list(DEVICE)),
  rootfsPropagation: val(str()),
  maskedPaths: val(strings),
  readonlyPaths: val(strings),
});

/** specs.Spec (the fields LinuxKit sets). */
export const SPEC = struct({
  ociVersion: val(str(), always),
  process: ptr(PROCESS),
  root: ptr(struct({ path: val(str(), always), readonly: val(bool()) })),
  hostname: val(str()),
  mounts: val(list(MOUNT)),
  /** A Go map: written with sorted keys. */
  annotations: val(map(str())),
  linux: ptr(LINUX),
});

export type OciSpec = GoJsonOf<typeof SPEC>;
export type OciProcess = GoJsonOf<typeof PROCESS>;
export type OciUser = OciProcess['user'];
export type OciCapabilities = NonNullable<OciProcess['capabilities']>;
export type OciRlimit = NonNullable<OciProcess['rlimits']>[number];
export type OciRoot = NonNullable<OciSpec['root']>;
export type OciLinux = GoJsonOf<typeof LINUX>;
export type OciNamespace = GoJsonOf<typeof NAMESPACE>;
export type OciDevice = GoJsonOf<typeof DEVICE>;

/** specs.LinuxIDMapping and specs.Mount, as declared in the YAML model. */
export type OciIdMapping = GoJsonOf<typeof ID_MAPPING>;
export type OciMount = GoJsonOf<typeof MOUNT>;

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
