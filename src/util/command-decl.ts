// A command declared as data where it is implemented (a run backend, a push target): its
// LinuxKit name, positional argument and flags. The CLI turns a declaration into a commander
// command (src/cli/declared.ts), so a backend's flags live with the backend, and a stub that
// is not built yet takes the same arguments as the real command would.

/** One flag, in commander's syntax. */
export interface FlagDecl {
  /** '--zone <zone>' (takes a value) or '--keep' (a switch). */
  readonly flags: string;
  readonly description: string;
  readonly default?: string | number | boolean | readonly string[];
  /** Each use adds its value to a list (cobra's StringArray and repeatable Var flags). */
  readonly repeatable?: boolean;
  /** Parses one value (a UserError when bad); `previous` is the value so far. */
  readonly parse?: (value: string, previous: unknown) => unknown;
}

export interface CommandDecl {
  readonly name: string;
  readonly description: string;
  /** The positional argument: '<path>' when required, '[name]' when optional (LinuxKit's Args). */
  readonly argument: { readonly syntax: string; readonly description: string };
  readonly flags: readonly FlagDecl[];
}

/** The parsed flags of a declared command, by commander's attribute name (`--data-file` → dataFile). */
export type FlagValues = Record<string, unknown>;
