// Commander commands from declared ones (src/util/command-decl.ts): the run backends and the
// push targets carry their own argument and flags; this is the one place that turns those
// into commander's options.
import { Command, Option } from 'commander';
import type { CommandDecl, FlagDecl, FlagValues } from '../util/index.js';
import { collect } from './context.js';

function option(f: FlagDecl): Option {
  const o = new Option(f.flags, f.description);
  if (f.parse) o.argParser(f.parse);
  else if (f.repeatable) o.argParser(collect);
  const dflt = f.default ?? (f.repeatable ? [] : undefined);
  // A list default is copied: commander would otherwise hand the same array to every parse.
  if (dflt !== undefined) o.default(Array.isArray(dflt) ? [...(dflt as string[])] : dflt);
  return o;
}

/** Adds `flags` to `cmd`. */
export function addFlags(cmd: Command, flags: readonly FlagDecl[]): Command {
  for (const f of flags) cmd.addOption(option(f));
  return cmd;
}

/** The command `decl` declares, with its argument and flags (no action yet). */
export function declaredCommand(decl: CommandDecl): Command {
  return addFlags(new Command(decl.name), decl.flags).description(decl.description).argument(decl.argument.syntax, decl.argument.description);
}

/** The values `flags` take when none is given on the command line. */
export function flagDefaults(flags: readonly FlagDecl[]): FlagValues {
  return addFlags(new Command(), flags).parse([], { from: 'user' }).opts();
}
