// One error type for everything a user can fix: bad YAML, a missing image, a bad flag.
// The CLI prints these without a stack trace and exits 1; anything else is a bug and is
// printed with its stack.

/** Where in a YAML (or other text) file something was found. Lines and columns start at 1. */
export interface SourcePos {
  file: string;
  line: number;
  col: number;
}

export function formatPos(pos: SourcePos): string {
  return `${pos.file}:${pos.line}:${pos.col}`;
}

export class UserError extends Error {
  /** `cause`: the error this one explains (an errno, a decoder's message); shown with -v 2. */
  constructor(
    message: string,
    readonly pos?: SourcePos,
    options?: { cause?: unknown },
  ) {
    super(pos ? `${formatPos(pos)}: ${message}` : message, options);
    this.name = 'UserError';
  }
}

/** The chain of causes under `err`, one line each (with stacks when `stacks`). */
export function causeLines(err: Error, stacks: boolean): string[] {
  const out: string[] = [];
  let c: unknown = err.cause;
  for (let i = 0; i < 10 && c !== undefined; i++) {
    out.push(`caused by: ${c instanceof Error ? ((stacks ? c.stack : undefined) ?? c.message) : String(c)}`);
    c = c instanceof Error ? c.cause : undefined;
  }
  return out;
}

/** Several user errors found in one pass (e.g. every validation problem in a YAML file). */
export class UserErrors extends UserError {
  constructor(readonly errors: UserError[]) {
    super(errors.map((e) => e.message).join('\n'));
    this.name = 'UserErrors';
  }
}

/** A command or option that exists in LinuxKit but is not built yet here. */
export class NotImplementedError extends UserError {
  constructor(what: string) {
    super(`${what} is not implemented yet in linuxkit-ts`);
    this.name = 'NotImplementedError';
  }
}
