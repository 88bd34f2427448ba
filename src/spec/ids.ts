// Named user and group ids. A `uid`, `gid`, `additionalGids` entry (or a file's uid/gid) may name
// a container instead of giving a number: it then means the id LinuxKit allocates to that
// container, counting from 100 over onboot, onshutdown, then services, in order
// (lk:src/cmd/linuxkit/moby/build/build.go:198-212).
import { UserError } from '../util/index.js';
import type { Config } from '../config/index.js';

/** The first id LinuxKit allocates to a container. */
export const FIRST_ALLOCATED_ID = 100;

/**
 * Container name → allocated id. Every entry consumes an id; when a name repeats (an onboot and
 * a service may share one) the later entry's id wins, as in LinuxKit.
 */
export function allocateIds(config: Pick<Config, 'onboot' | 'onshutdown' | 'services'>): Map<string, number> {
  const ids = new Map<string, number>();
  let next = FIRST_ALLOCATED_ID;
  for (const section of [config.onboot, config.onshutdown, config.services]) {
    for (const entry of section ?? []) ids.set(entry.name, next++);
  }
  return ids;
}

const MAX_UINT32 = 0xffffffff;

/**
 * The numeric id for a `uid`/`gid` value (LinuxKit's IDNumeric, lk:moby/config.go:795): absent,
 * "" and "root" are 0; a number is itself; any other string names a container.
 * LinuxKit converts an out-of-range number with uint32() (so -1 becomes 4294967295); that is
 * refused here instead (docs/compatibility/spec.md).
 */
export function idNumeric(value: number | string | undefined | null, ids: ReadonlyMap<string, number>): number {
  if (value === undefined || value === null) return 0;
  if (typeof value === 'number') {
    if (!Number.isInteger(value) || value < 0 || value > MAX_UINT32) {
      throw new UserError(`id ${value} is not a number from 0 to ${MAX_UINT32}`);
    }
    return value;
  }
  if (typeof value === 'string') {
    if (value === '' || value === 'root') return 0;
    const id = ids.get(value);
    if (id === undefined) throw new UserError(`cannot find id: ${value}`);
    return id;
  }
  throw new UserError('bad type for uid or gid');
}
