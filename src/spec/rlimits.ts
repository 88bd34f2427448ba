// `rlimits` entries, "name,soft,hard" (lk:src/cmd/linuxkit/moby/config.go:1026-1084).
import { RLIMIT_NAMES as CONFIG_RLIMIT_NAMES } from '../config/index.js';
import { UserError } from '../util/index.js';
import type { OciRlimit } from './oci-runtime.js';

/** The limits LinuxKit accepts, with or without the RLIMIT_ prefix, any case (declared with the config's checks). */
export const RLIMIT_NAMES: readonly string[] = CONFIG_RLIMIT_NAMES;

const UNLIMITED = 2n ** 64n - 1n;

/** A soft or hard value: a uint64 in decimal, or "unlimited" (any case) for 2^64-1. */
function parseLimitValue(s: string): bigint {
  const v = s.trim();
  if (v.toLowerCase() === 'unlimited') return UNLIMITED;
  if (!/^[0-9]+$/.test(v) || BigInt(v) > UNLIMITED) throw new UserError(`cannot parse ${v} as uint64`);
  return BigInt(v);
}

/** "nofile,100,200" → { type: "RLIMIT_NOFILE", hard: 200n, soft: 100n }. */
export function parseRlimit(entry: string): OciRlimit {
  // Go's strings.SplitN(s, ",", 3): a fourth comma stays in the hard value (and fails there)
  const first = entry.indexOf(',');
  const second = first < 0 ? -1 : entry.indexOf(',', first + 1);
  if (second < 0) throw new UserError(`cannot parse rlimit: ${entry}`);
  let type = entry.slice(0, first).trim().toUpperCase();
  if (!type.startsWith('RLIMIT_')) type = `RLIMIT_${type}`;
  const soft = parseLimitValue(entry.slice(first + 1, second));
  const hard = parseLimitValue(entry.slice(second + 1));
  if (!RLIMIT_NAMES.includes(type)) throw new UserError(`unknown limit: ${entry.slice(0, first).trim()}`);
  return { type, hard, soft };
}
