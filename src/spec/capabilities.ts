// Linux capabilities: the list LinuxKit knows, and how `capabilities`, `capabilities.add` and
// `ambient` become the five OCI capability sets (lk:src/cmd/linuxkit/moby/config.go:983-1024).
import { KNOWN_CAPABILITIES } from '../config/index.js';
import { UserError } from '../util/index.js';
import type { OciCapabilities } from './oci-runtime.js';
import { compareBytewise } from './go-json.js';

/**
 * Every capability LinuxKit accepts, in capability-number order: what "all" expands to.
 * LinuxKit builds this from github.com/moby/sys/capability v0.4.0's ListKnown() (0..40,
 * CAP_CHOWN … CAP_CHECKPOINT_RESTORE), lk:moby/config.go:785. Declared once, in the config
 * folder, whose validation knows the same names.
 */
export const ALL_CAPABILITIES: readonly string[] = KNOWN_CAPABILITIES;

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
