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

/**
 * A live one-line status on the terminal (build progress). Log lines are printed above it:
 * cleared before a line is written, drawn again after.
 */
export interface StatusLine {
  clear(): void;
  redraw(): void;
}

let status: StatusLine | undefined;
let statusPaused = 0;

export function setStatusLine(s: StatusLine | undefined): void {
  status = s;
}

/** Hides the status line while another display (a pull's progress bar) owns the terminal. */
export function pauseStatusLine(): () => void {
  if (statusPaused++ === 0) status?.clear();
  let resumed = false;
  return () => {
    if (resumed) return;
    resumed = true;
    if (--statusPaused === 0) status?.redraw();
  };
}

export function statusLinePaused(): boolean {
  return statusPaused > 0;
}

function write(prefix: string, msg: string): void {
  if (!statusPaused) status?.clear();
  process.stderr.write(prefix ? `${prefix} ${msg}\n` : `${msg}\n`);
  if (!statusPaused) status?.redraw();
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

export interface LiveStatus {
  /** Shows this text as the status line (at once). */
  set(text: string): void;
  /** Removes the line; nothing is shown after. */
  stop(): void;
}

/**
 * A live one-line status on an interactive terminal (showProgress), kept below the log lines
 * (cleared before a line is written, drawn again after) and hidden while another display owns
 * the terminal (pauseStatusLine). Elsewhere it shows nothing.
 */
export function liveStatus(): LiveStatus {
  if (!showProgress()) return { set: () => {}, stop: () => {} };
  let text = '';
  let shown = false;
  const line: StatusLine = {
    clear() {
      if (shown) process.stderr.write('\r\x1b[K');
      shown = false;
    },
    redraw() {
      if (statusPaused) return;
      process.stderr.write(`\r\x1b[K${text}`);
      shown = true;
    },
  };
  setStatusLine(line);
  return {
    set(t) {
      text = t;
      line.redraw();
    },
    stop() {
      line.clear();
      if (status === line) setStatusLine(undefined);
    },
  };
}
