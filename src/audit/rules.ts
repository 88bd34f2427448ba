// The container rules of `linuxkit audit`: one table, the only place a rule's id, severity, text,
// fix and reference are written. The checks (container.ts) name rules by id; the reports (text,
// JSON, SARIF) and docs/audit.md describe them from here (a test checks the doc names each one).
// The KSPP rules of the kernel check are made from their own table (kspp.ts) into the same shape.

export type Severity = 'high' | 'medium' | 'low';

export const SEVERITIES: readonly Severity[] = ['high', 'medium', 'low'];

export interface Rule {
  /** Stable: accepted findings and code-scanning alerts are keyed by it. */
  id: string;
  severity: Severity;
  /** One line: what the finding is. */
  title: string;
  /** Why it matters. */
  help: string;
  /** What to change. */
  fix: string;
  /** The guidance it comes from (NIST SP 800-190 section, KSPP, CIS Docker Benchmark title). */
  reference: string;
}

const NIST_RUNTIME = 'NIST SP 800-190 §3.4.3 and §4.4.3 (insecure container runtime configurations)';
const NIST_HOSTFS = 'NIST SP 800-190 §3.5.5 and §4.5.5 (host OS file system tampering)';
const NIST_NET = 'NIST SP 800-190 §3.4.2 and §4.4.2 (unbounded network access from containers)';
const NIST_APP = 'NIST SP 800-190 §4.4.4 (app vulnerabilities: read-only root filesystems)';
const NIST_KERNEL = 'NIST SP 800-190 §3.5.2 and §4.5.2 (shared kernel)';

export const CONTAINER_RULES: readonly Rule[] = [
  {
    id: 'LK-CAP-001',
    severity: 'high',
    title: 'every capability (capabilities: [all])',
    help: 'With every capability, root in the container is root on the machine: it can load kernel code, mount anything, read any process memory.',
    fix: 'List only the capabilities the program needs in `capabilities:`.',
    reference: `${NIST_RUNTIME}; CIS Docker Benchmark: "Ensure that privileged containers are not used"`,
  },
  {
    id: 'LK-CAP-002',
    severity: 'high',
    title: 'a capability that amounts to root on the machine',
    help: "CAP_SYS_ADMIN, CAP_SYS_MODULE, CAP_SYS_RAWIO, CAP_SYS_PTRACE, CAP_SYS_BOOT, CAP_DAC_READ_SEARCH, CAP_BPF, CAP_MAC_ADMIN and CAP_MAC_OVERRIDE each give a known way out of the container (mounts, kernel modules, raw I/O, other processes' memory, kexec, open_by_handle_at, kernel programs, the LSM policy).",
    fix: 'Drop it from `capabilities:`, or do the privileged step in an onboot container and keep the service unprivileged.',
    reference: `${NIST_RUNTIME}; CIS Docker Benchmark: "Ensure that Linux kernel capabilities are restricted within containers"`,
  },
  {
    id: 'LK-CAP-003',
    severity: 'medium',
    title: 'a broad capability',
    help: 'CAP_NET_ADMIN, CAP_NET_RAW, CAP_DAC_OVERRIDE, CAP_CHOWN, CAP_FOWNER, CAP_SETUID, CAP_SETGID, CAP_SETPCAP, CAP_SETFCAP, CAP_MKNOD, CAP_SYS_TIME, CAP_SYS_RESOURCE, CAP_SYS_NICE, CAP_SYS_CHROOT, CAP_LINUX_IMMUTABLE, CAP_IPC_OWNER, CAP_SYSLOG, CAP_PERFMON and CAP_AUDIT_CONTROL bypass file permissions or change state the whole machine shares (network, clock, limits, audit).',
    fix: "Drop it from `capabilities:` unless the program needs it; with `net: new` CAP_NET_ADMIN only reaches the container's own network.",
    reference: `${NIST_RUNTIME}; CIS Docker Benchmark: "Ensure that Linux kernel capabilities are restricted within containers"`,
  },
  {
    id: 'LK-CAP-004',
    severity: 'low',
    title: 'a capability',
    help: 'Each capability is a privilege beyond an ordinary process; least privilege asks that each one be needed.',
    fix: 'Keep it only if the program needs it.',
    reference: NIST_RUNTIME,
  },
  {
    id: 'LK-NS-001',
    severity: 'medium',
    title: "the host's network namespace (LinuxKit's default)",
    help: "The container sees and uses every interface of the machine, can bind any address and reach every service listening on localhost. LinuxKit shares the host's network unless `net:` says otherwise.",
    fix: "Set `net: new` (its own, empty network) unless the container serves the machine's network.",
    reference: `${NIST_NET}; CIS Docker Benchmark: "Ensure that the host's network namespace is not shared"`,
  },
  {
    id: 'LK-NS-002',
    severity: 'medium',
    title: "the host's PID namespace",
    help: 'The container sees every process of the machine and, as root, can signal them (init included).',
    fix: "Remove `pid: host` unless the container manages the machine's processes.",
    reference: `${NIST_RUNTIME}; CIS Docker Benchmark: "Ensure that the host's process namespace is not shared"`,
  },
  {
    id: 'LK-NS-003',
    severity: 'low',
    title: "the host's IPC namespace (LinuxKit's default)",
    help: "The container shares System V IPC and POSIX message queues with the machine and every other container that shares them. LinuxKit shares the host's IPC unless `ipc:` says otherwise.",
    fix: 'Set `ipc: new`.',
    reference: `${NIST_RUNTIME}; CIS Docker Benchmark: "Ensure that the host's IPC namespace is not shared"`,
  },
  {
    id: 'LK-NS-004',
    severity: 'low',
    title: "the host's UTS namespace (LinuxKit's default)",
    help: "With CAP_SYS_ADMIN the container can change the machine's hostname. LinuxKit shares the host's UTS namespace unless `uts:` says otherwise.",
    fix: 'Set `uts: new` (and `hostname:` if the container needs a name).',
    reference: `${NIST_RUNTIME}; CIS Docker Benchmark: "Ensure that the host's UTS namespace is not shared"`,
  },
  {
    id: 'LK-FS-001',
    severity: 'medium',
    title: 'a writable root filesystem',
    help: 'A program that is taken over can change its own binaries and configuration, and what it writes stays until the next boot.',
    fix: 'Set `readonly: true`; give the paths it writes a `tmpfs:` or a bind of a volume.',
    reference: `${NIST_APP}; CIS Docker Benchmark: "Ensure that the container's root filesystem is mounted as read only"`,
  },
  {
    id: 'LK-MNT-001',
    severity: 'high',
    title: "a bind of the machine's root, runtime state or container sockets",
    help: "A bind of /, /run, /var/run, /var, /containers, /var/lib/containerd, /var/lib/docker or a containerd/docker socket lets the container change the machine's files, other containers' root filesystems, or start containers of its own.",
    fix: 'Bind only the file or directory the program needs, read-only (`:ro`) where it only reads.',
    reference: `${NIST_HOSTFS}; CIS Docker Benchmark: "Ensure that sensitive host system directories are not mounted on containers", "Ensure that the Docker socket is not mounted inside any containers"`,
  },
  {
    id: 'LK-MNT-002',
    severity: 'medium',
    title: "a bind of the machine's /dev, /proc, /sys or /etc",
    help: "The machine's devices, kernel tunables and configuration, seen from inside the container (devices still need a `devices:` rule to be opened).",
    fix: 'Bind only the entry the program needs, read-only (`:ro`) where it only reads.',
    reference: `${NIST_HOSTFS}; CIS Docker Benchmark: "Ensure that sensitive host system directories are not mounted on containers"`,
  },
  {
    id: 'LK-MNT-003',
    severity: 'low',
    title: 'a read-write bind of a host path',
    help: 'The container can change files the machine or other containers use.',
    fix: 'Add `:ro` to the bind if the program only reads it.',
    reference: NIST_HOSTFS,
  },
  {
    id: 'LK-MNT-004',
    severity: 'medium',
    title: 'mounts propagate back to the machine',
    help: '`rootfsPropagation: shared` or an `rshared` bind (a bind without options is rshared) lets mounts made in the container appear on the machine.',
    fix: 'Use `rslave`/`rprivate` unless the container exists to make mounts for the machine (as pkg/mount does).',
    reference: NIST_HOSTFS,
  },
  {
    id: 'LK-DEV-001',
    severity: 'high',
    title: 'every device of a type (devices: path: all)',
    help: 'Every block device (raw disks) or every character device (memory, ports, consoles) may be opened.',
    fix: 'Allow only the devices the program uses (path, type, major, minor).',
    reference: `${NIST_RUNTIME}; CIS Docker Benchmark: "Ensure that host devices are not directly exposed to containers"`,
  },
  {
    id: 'LK-DEV-002',
    severity: 'medium',
    title: 'every device of one major number',
    help: 'Every minor of a driver may be opened (e.g. every input device).',
    fix: 'Add `minor:` to allow only the device the program uses.',
    reference: `${NIST_RUNTIME}; CIS Docker Benchmark: "Ensure that host devices are not directly exposed to containers"`,
  },
  {
    id: 'LK-DEV-003',
    severity: 'low',
    title: 'a device',
    help: 'The container may open this device of the machine.',
    fix: 'Keep it only if the program uses it; a `mode` without write bits if it only reads.',
    reference: NIST_RUNTIME,
  },
  {
    id: 'LK-PROC-001',
    severity: 'medium',
    title: 'noNewPrivileges unset',
    help: 'A setuid or file-capability binary in the image can give a process more privilege than the container started it with.',
    fix: 'Set `noNewPrivileges: true`.',
    reference: `${NIST_RUNTIME}; CIS Docker Benchmark: "Ensure that the container is restricted from acquiring additional privileges"`,
  },
  {
    id: 'LK-PROC-002',
    severity: 'low',
    title: 'no seccomp profile',
    help: "Every system call of the kernel is reachable. LinuxKit's YAML has no seccomp setting, so no LinuxKit container has one; a program can still confine itself (the kernel has SECCOMP_FILTER).",
    fix: 'Keep capabilities and binds minimal; a program that can should install its own seccomp filter.',
    reference: `${NIST_KERNEL}; CIS Docker Benchmark: "Ensure that the default seccomp profile is not disabled"`,
  },
  {
    id: 'LK-USER-001',
    severity: 'medium',
    title: 'runs as uid 0',
    help: "There is no user namespace by default, so uid 0 in the container is root on the machine: it owns the machine's files in every bind and can write the kernel's /proc/sys tunables.",
    fix: 'Set `uid:` (and `gid:`) to an unprivileged id, or a name LinuxKit allocates.',
    reference: `${NIST_RUNTIME}; CIS Docker Benchmark: "Ensure that a user for the container has been created"`,
  },
  {
    id: 'LK-RES-001',
    severity: 'low',
    title: 'no memory limit',
    help: "The container can take all the machine's memory and make the kernel kill other services.",
    fix: 'Set `resources: {memory: {limit: BYTES}}`.',
    reference: `${NIST_RUNTIME}; CIS Docker Benchmark: "Ensure that the memory usage for containers is limited"`,
  },
  {
    id: 'LK-RES-002',
    severity: 'low',
    title: 'no process limit',
    help: "A fork bomb in the container exhausts the machine's process table.",
    fix: 'Set `resources: {pids: {limit: N}}`.',
    reference: `${NIST_RUNTIME}; CIS Docker Benchmark: "Ensure that the PIDs cgroup limit is used"`,
  },
  {
    id: 'LK-RES-003',
    severity: 'low',
    title: 'no rlimits',
    help: "Open files, locked memory and core dump sizes are the machine's defaults.",
    fix: 'Set `rlimits:`, e.g. `[RLIMIT_NOFILE,1024,1024]`.',
    reference: NIST_RUNTIME,
  },
];

const BY_ID = new Map(CONTAINER_RULES.map((r) => [r.id, r]));

/** The container rule `id` (a programming error when there is none). */
export function containerRule(id: string): Rule {
  const r = BY_ID.get(id);
  if (!r) throw new Error(`no audit rule ${id}`);
  return r;
}

/** high > medium > low, for sorting and --fail-on. */
export function severityRank(s: Severity): number {
  return 2 - SEVERITIES.indexOf(s);
}
