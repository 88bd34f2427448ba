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
  constructor(
    message: string,
    readonly pos?: SourcePos,
  ) {
    super(pos ? `${formatPos(pos)}: ${message}` : message);
    this.name = 'UserError';
  }
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
