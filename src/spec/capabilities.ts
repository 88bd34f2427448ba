// Linux capabilities: the list LinuxKit knows, and how `capabilities`, `capabilities.add` and
// `ambient` become the five OCI capability sets (lk:src/cmd/linuxkit/moby/config.go:983-1024).
import { UserError } from '../util/index.js';
import type { OciCapabilities } from './oci-runtime.js';
import { compareBytewise } from './go-json.js';

/**
 * Every capability LinuxKit accepts, in capability-number order: what "all" expands to.
 * LinuxKit builds this from github.com/moby/sys/capability v0.4.0's ListKnown() (0..40,
 * CAP_CHOWN … CAP_CHECKPOINT_RESTORE), lk:moby/config.go:785.
 */
export const ALL_CAPABILITIES: readonly string[] = [
  'CAP_CHOWN',
  'CAP_DAC_OVERRIDE',
  'CAP_DAC_READ_SEARCH',
  'CAP_FOWNER',
  'CAP_FSETID',
  'CAP_KILL',
  'CAP_SETGID',
  'CAP_SETUID',
  'CAP_SETPCAP',
  'CAP_LINUX_IMMUTABLE',
  'CAP_NET_BIND_SERVICE',
  'CAP_NET_BROADCAST',
  'CAP_NET_ADMIN',
  'CAP_NET_RAW',
  'CAP_IPC_LOCK',
  'CAP_IPC_OWNER',
  'CAP_SYS_MODULE',
  'CAP_SYS_RAWIO',
  'CAP_SYS_CHROOT',
  'CAP_SYS_PTRACE',
  'CAP_SYS_PACCT',
  'CAP_SYS_ADMIN',
  'CAP_SYS_BOOT',
  'CAP_SYS_NICE',
  'CAP_SYS_RESOURCE',
  'CAP_SYS_TIME',
  'CAP_SYS_TTY_CONFIG',
  'CAP_MKNOD',
  'CAP_LEASE',
  'CAP_AUDIT_WRITE',
  'CAP_AUDIT_CONTROL',
  'CAP_SETFCAP',
  'CAP_MAC_OVERRIDE',
  'CAP_MAC_ADMIN',
  'CAP_SYSLOG',
  'CAP_WAKE_ALARM',
  'CAP_BLOCK_SUSPEND',
  'CAP_AUDIT_READ',
  'CAP_PERFMON',
  'CAP_BPF',
  'CAP_CHECKPOINT_RESTORE',
];

const KNOWN = new Set(ALL_CAPABILITIES);

/**
 * Expands the words "all" and "none" (any case) in a capability list. LinuxKit only honours them
 * when they are the whole list and rejects them otherwise ("unknown capability: all"), which
 * made `capabilities.add` unusable on top of a label's `[all]`; here "all" anywhere means every
 * capability and "none" contributes nothing (docs/compatibility/spec.md).
 */
export function expandCapabilityWords(list: readonly string[]): string[] {
  if (list.some((c) => c.toLowerCase() === 'all')) return [...ALL_CAPABILITIES];
  return list.filter((c) => c.toLowerCase() !== 'none');
}

/**
 * The OCI capability sets: effective = the requested list (in the given order); bounding,
 * inheritable and permitted = the sorted union of requested and ambient; ambient as given.
 * Names must be exact (e.g. CAP_SYS_ADMIN), as LinuxKit checks them case-sensitively.
 */
export function capabilitySets(requested: readonly string[], ambientList: readonly string[]): OciCapabilities {
  const effective = expandCapabilityWords(requested);
  const ambient = expandCapabilityWords(ambientList);
  for (const c of [...effective, ...ambient]) {
    if (!KNOWN.has(c)) throw new UserError(`unknown capability: ${c}`);
  }
  const bounding = [...new Set([...effective, ...ambient])].sort(compareBytewise);
  return { bounding, effective, inheritable: bounding, permitted: bounding, ambient };
}
