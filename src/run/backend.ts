// The contract of a `linuxkit run` backend: a declared command (name, argument, LinuxKit's
// flags) and what running it does. Backends are listed in backends.ts.
import type { CommandDecl, FlagDecl, FlagValues } from '../util/index.js';
import { NotImplementedError, UserError } from '../util/index.js';
import { parseDisk, type DiskConfig } from './disk.js';

/** The flags every backend takes (cobra's persistent flags on `run`, lk:src/cmd/linuxkit/run.go). */
export interface SharedRunFlags {
  cpus?: number;
  mem?: number;
  disk?: DiskConfig[];
}

export interface RunBackend extends CommandDecl {
  /** Runs the image `arg` names with the parsed `flags`; resolves to the exit status to report. */
  run(arg: string | undefined, flags: FlagValues, shared: SharedRunFlags): Promise<number>;
}

function positiveInt(flag: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new UserError(`${flag} takes a positive whole number, not "${v}"`);
    return n;
  };
}

/** --cpus/--mem/--disk, without defaults so that a value given on `run` or on the backend both count. */
export const SHARED_RUN_FLAGS: readonly FlagDecl[] = [
  { flags: '--cpus <n>', description: 'number of CPUs (default 1)', parse: positiveInt('--cpus') },
  { flags: '--mem <mb>', description: 'amount of memory in MB (default 1024)', parse: positiveInt('--mem') },
  {
    flags: '--disk <spec>',
    description: 'disk config [file=]path[,size=1G][,format=qcow2] (repeatable)',
    parse: (v, prev) => [...((prev as DiskConfig[] | undefined) ?? []), parseDisk(v)],
  },
];

/** A LinuxKit backend not built here yet: it takes LinuxKit's argument and flags, then says so. */
export function notYetBackend(decl: CommandDecl): RunBackend {
  return {
    ...decl,
    run: () => Promise.reject(new NotImplementedError(`'linuxkit run ${decl.name}'`)),
  };
}
