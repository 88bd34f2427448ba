// What one container may do beyond least privilege, read from the config.json it runs with (the
// OCI spec the spec step computes from its YAML entry and image label, or the one a `build -f
// tar` output carries): so LinuxKit's defaults (host network, IPC and UTS; writable root; uid 0;
// no seccomp) are found because the spec has them, not because this file repeats them.
// Each finding names the YAML fields that can cause it and the list item, so locate.ts can say
// where it was written.
import { ALL_CAPABILITIES, VOLUMES_BASE_DIR, type OciMount, type OciSpec } from '../spec/index.js';

/** One finding about a container, before it is located in a file. */
export interface ContainerFinding {
  ruleId: string;
  /** What exactly: the capability, the bind, the device. */
  detail: string;
  /** YAML fields (of the entry or the image label) that set it, most specific first; none: a default. */
  fields: string[];
  /** Picks the list item that caused it, for list fields. */
  match?: (item: unknown) => boolean;
}

/** Each gives a known way out of the container (rules.ts LK-CAP-002). */
const ROOT_EQUIVALENT = new Set([
  'CAP_SYS_ADMIN',
  'CAP_SYS_MODULE',
  'CAP_SYS_RAWIO',
  'CAP_SYS_PTRACE',
  'CAP_SYS_BOOT',
  'CAP_DAC_READ_SEARCH',
  'CAP_BPF',
  'CAP_MAC_ADMIN',
  'CAP_MAC_OVERRIDE',
]);
/** Bypass file permissions or change machine-wide state (LK-CAP-003). */
const BROAD = new Set([
  'CAP_NET_ADMIN',
  'CAP_NET_RAW',
  'CAP_DAC_OVERRIDE',
  'CAP_CHOWN',
  'CAP_FOWNER',
  'CAP_SETUID',
  'CAP_SETGID',
  'CAP_SETPCAP',
  'CAP_SETFCAP',
  'CAP_MKNOD',
  'CAP_SYS_TIME',
  'CAP_SYS_RESOURCE',
  'CAP_SYS_NICE',
  'CAP_SYS_CHROOT',
  'CAP_LINUX_IMMUTABLE',
  'CAP_IPC_OWNER',
  'CAP_SYSLOG',
  'CAP_PERFMON',
  'CAP_AUDIT_CONTROL',
]);

/** Host paths whose bind (of them, a parent or a part) reaches the machine's root, runtime state or container sockets (LK-MNT-001). */
const RUNTIME_PATHS = [
  '/run/containerd',
  '/var/run/containerd',
  '/run/docker.sock',
  '/var/run/docker.sock',
  '/var/lib/containerd',
  '/var/lib/docker',
  '/containers',
];
/** Host paths whose bind (of them or a parent) exposes the kernel's interfaces or the machine's configuration (LK-MNT-002). */
const SYSTEM_PATHS = ['/dev', '/proc', '/sys', '/etc', '/boot', '/lib/modules'];

const CAP_FIELDS = ['capabilities', 'capabilities.add', 'ambient'];
const BIND_FIELDS = ['binds', 'binds.add', 'mounts'];

function normalizePath(p: string): string {
  const s = p.replace(/\/+/g, '/').replace(/\/$/, '');
  return s === '' ? '/' : s;
}

/** `a` is `b` or a directory above it. */
function covers(a: string, b: string): boolean {
  return a === '/' || a === b || b.startsWith(`${a}/`);
}

function capFindings(spec: OciSpec): ContainerFinding[] {
  const caps = spec.process?.capabilities;
  const held = new Set([...(caps?.bounding ?? []), ...(caps?.ambient ?? [])]);
  if (ALL_CAPABILITIES.every((c) => held.has(c))) {
    return [{ ruleId: 'LK-CAP-001', detail: '', fields: CAP_FIELDS, match: (i) => typeof i === 'string' && i.toLowerCase() === 'all' }];
  }
  return [...held].map((cap) => ({
    ruleId: ROOT_EQUIVALENT.has(cap) ? 'LK-CAP-002' : BROAD.has(cap) ? 'LK-CAP-003' : 'LK-CAP-004',
    detail: cap,
    fields: CAP_FIELDS,
    match: (i) => i === cap,
  }));
}

function namespaceFindings(spec: OciSpec): ContainerFinding[] {
  const own = new Set((spec.linux?.namespaces ?? []).map((n) => n.type));
  const shared: Array<[string, string, string]> = [
    ['network', 'LK-NS-001', 'net'],
    ['pid', 'LK-NS-002', 'pid'],
    ['ipc', 'LK-NS-003', 'ipc'],
    ['uts', 'LK-NS-004', 'uts'],
  ];
  return shared.filter(([type]) => !own.has(type as never)).map(([, ruleId, field]) => ({ ruleId, detail: '', fields: [field] }));
}

/** A YAML bind or mount item is the one that made `m`. */
function madeMount(m: OciMount): (item: unknown) => boolean {
  return (item) => {
    if (typeof item === 'string') return item.split(':')[1] === m.destination;
    return typeof item === 'object' && item !== null && (item as { destination?: string }).destination === m.destination;
  };
}

function mountFindings(spec: OciSpec): ContainerFinding[] {
  const out: ContainerFinding[] = [];
  const canMount = (spec.process?.capabilities?.bounding ?? []).includes('CAP_SYS_ADMIN');
  for (const m of spec.mounts ?? []) {
    if (m.type !== 'bind' || !m.source?.startsWith('/')) continue;
    const src = normalizePath(m.source);
    // A volume (volumes:) is storage the config made for its containers, not a path of the machine.
    if (covers(VOLUMES_BASE_DIR, src)) continue;
    const opts = m.options ?? [];
    const readOnly = opts.includes('ro');
    const detail = `${m.source}:${m.destination}${readOnly ? ' (read-only)' : ''}`;
    const base = { detail, fields: BIND_FIELDS, match: madeMount(m) };
    if (RUNTIME_PATHS.some((p) => covers(src, p) || covers(p, src)) || src === '/run' || src === '/var/run') {
      out.push({ ruleId: 'LK-MNT-001', ...base });
    } else if (SYSTEM_PATHS.some((p) => covers(src, p) || (p !== '/etc' && covers(p, src)))) {
      out.push({ ruleId: 'LK-MNT-002', ...base });
    } else if (!readOnly) {
      out.push({ ruleId: 'LK-MNT-003', ...base });
    }
    // Propagation back to the machine needs a mount made inside: only with CAP_SYS_ADMIN.
    if (canMount && (opts.includes('rshared') || opts.includes('shared'))) out.push({ ruleId: 'LK-MNT-004', ...base });
  }
  const prop = spec.linux?.rootfsPropagation ?? '';
  if (canMount && (prop === 'shared' || prop === 'rshared'))
    out.push({ ruleId: 'LK-MNT-004', detail: `rootfsPropagation: ${prop}`, fields: ['rootfsPropagation'] });
  return out;
}

function deviceFindings(spec: OciSpec): ContainerFinding[] {
  const out: ContainerFinding[] = [];
  const nodes = spec.linux?.devices ?? [];
  for (const r of spec.linux?.resources?.devices ?? []) {
    if (!r.allow) continue;
    const type = r.type || 'a';
    const node = nodes.find((n) => n.type === r.type && n.major === r.major && n.minor === r.minor);
    const wildMajor = r.major === undefined || r.major === null || r.major < 0;
    const wildMinor = r.minor === undefined || r.minor === null || r.minor < 0;
    if (wildMajor) {
      const what = type === 'a' ? 'every device' : type === 'b' ? 'every block device' : 'every character device';
      out.push({
        ruleId: 'LK-DEV-001',
        detail: `${what} (type ${type})`,
        fields: ['devices', 'resources'],
        match: (i) => isDevice(i) && i.path === 'all' && (i.type ?? '') === r.type,
      });
    } else if (wildMinor) {
      out.push({ ruleId: 'LK-DEV-002', detail: `${type} ${r.major}:*`, fields: ['resources'] });
    } else {
      out.push({
        ruleId: 'LK-DEV-003',
        detail: `${node?.path ?? type} (${type} ${r.major}:${r.minor}, ${r.access ?? ''})`,
        fields: ['devices', 'resources'],
        match: (i) => isDevice(i) && i.major === r.major && i.minor === r.minor,
      });
    }
  }
  return out;
}

function isDevice(i: unknown): i is { path?: string; type?: string; major?: number; minor?: number } {
  return typeof i === 'object' && i !== null;
}

function processFindings(spec: OciSpec): ContainerFinding[] {
  const out: ContainerFinding[] = [];
  const p = spec.process;
  if (!p?.noNewPrivileges) out.push({ ruleId: 'LK-PROC-001', detail: '', fields: ['noNewPrivileges'] });
  // LinuxKit's YAML has no seccomp setting; a config.json from elsewhere may have one.
  if (!(spec.linux as { seccomp?: unknown } | undefined)?.seccomp) out.push({ ruleId: 'LK-PROC-002', detail: '', fields: [] });
  const ownUserns = (spec.linux?.namespaces ?? []).some((n) => n.type === 'user');
  if ((p?.user.uid ?? 0) === 0 && !ownUserns) out.push({ ruleId: 'LK-USER-001', detail: '', fields: ['uid'] });
  const r = spec.linux?.resources;
  if (r?.memory?.limit === undefined || r.memory.limit === null) out.push({ ruleId: 'LK-RES-001', detail: '', fields: ['resources'] });
  if (r?.pids?.limit === undefined || r.pids.limit === null || r.pids.limit <= 0) out.push({ ruleId: 'LK-RES-002', detail: '', fields: ['resources'] });
  if ((p?.rlimits ?? []).length === 0) out.push({ ruleId: 'LK-RES-003', detail: '', fields: ['rlimits'] });
  return out;
}

/** Everything `spec` lets its container do beyond least privilege. */
export function auditSpec(spec: OciSpec): ContainerFinding[] {
  return [
    ...capFindings(spec),
    ...namespaceFindings(spec),
    ...(spec.root?.readonly ? [] : [{ ruleId: 'LK-FS-001', detail: '', fields: ['readonly'] }]),
    ...mountFindings(spec),
    ...deviceFindings(spec),
    ...processFindings(spec),
  ];
}
