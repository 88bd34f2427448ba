// The contract of a `linuxkit push` target: a declared command (name, argument, LinuxKit's
// flags) and what pushing does. Targets are listed in index.ts.
import type { CommandDecl, FlagValues } from '../util/index.js';
import { NotImplementedError } from '../util/index.js';

export interface PushTarget extends CommandDecl {
  /** Pushes the image `arg` names with the parsed `flags`. */
  push(arg: string | undefined, flags: FlagValues): Promise<void>;
}

/** A LinuxKit push target not built here yet: it takes LinuxKit's argument and flags, then says so. */
export function notYetTarget(decl: CommandDecl): PushTarget {
  return {
    ...decl,
    push: () => Promise.reject(new NotImplementedError(`'linuxkit push ${decl.name}'`)),
  };
}
