// One place for the facts about timestamps shared by every format.
import { envSourceDateEpoch } from '../util/index.js';

/** LinuxKit's `defaultModTime` (lk:src/cmd/linuxkit/moby/build/dir.go): 2017-04-18T16:30:00Z. */
export const LINUXKIT_MOD_TIME = Date.UTC(2017, 3, 18, 16, 30, 0) / 1000;

/** The epoch from the options, else $SOURCE_DATE_EPOCH, else LinuxKit's fixed date. */
export function sourceDateEpoch(explicit?: number): number {
  return explicit ?? envSourceDateEpoch() ?? LINUXKIT_MOD_TIME;
}

/**
 * The time to clamp archive mtimes to: only when an epoch is asked for (option or
 * $SOURCE_DATE_EPOCH). Otherwise the tar's own times are kept, as LinuxKit keeps them; they are
 * already fixed by the image contents, so the output is reproducible either way.
 */
export function clampEpoch(explicit?: number): number | undefined {
  return explicit ?? envSourceDateEpoch();
}
