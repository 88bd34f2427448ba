// Logging to stderr with LinuxKit's levels (-q, -v 0..3). stdout is kept for a command's
// output proper (`build --dry-run`, `-o -`, `cache ls`), so it can be piped.

export const enum Level {
  Quiet = 0,
  Info = 1,
  Debug = 2,
  Trace = 3,
}

let level: Level = Level.Info;

export function setLogLevel(quiet: boolean, verbose: number): void {
  level = quiet ? Level.Quiet : (Math.max(0, Math.min(3, verbose)) as Level);
}

export function logLevel(): Level {
  return level;
}

function write(prefix: string, msg: string): void {
  process.stderr.write(prefix ? `${prefix} ${msg}\n` : `${msg}\n`);
}

export const log = {
  info(msg: string): void {
    if (level >= Level.Info) write('', msg);
  },
  debug(msg: string): void {
    if (level >= Level.Debug) write('debug:', msg);
  },
  trace(msg: string): void {
    if (level >= Level.Trace) write('trace:', msg);
  },
  /** Warnings are shown unless -q. */
  warn(msg: string): void {
    if (level >= Level.Info) write('warning:', msg);
  },
  /** Errors are always shown. */
  error(msg: string): void {
    write('error:', msg);
  },
};

/** Progress bars and spinners only on an interactive terminal, never in CI or with -q. */
export function showProgress(): boolean {
  return level >= Level.Info && Boolean(process.stderr.isTTY) && !process.env.CI;
}
