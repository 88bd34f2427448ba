// A running machine as the library sees it: its serial console as a stream and as text,
// `waitFor` a line with a timeout (what boot tests and `make demo` need), `wait` for the exit
// status and `kill`. Backend-neutral: qemu is the first backend to hand one out.
import type { ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { PassThrough, type Readable } from 'node:stream';
import { constants } from 'node:os';

/** The console text kept for `text()`/`waitFor`; older output is dropped beyond this. */
const MAX_KEPT = 16 * 1024 * 1024;

export interface VmHandleOptions {
  /** Also append the console output to this file. */
  consoleLog?: string;
  /** Also copy the console output to this stream (the CLI passes process.stdout). */
  echo?: NodeJS.WritableStream;
}

export class ConsoleTimeoutError extends Error {
  constructor(
    readonly pattern: string,
    readonly tail: string,
    why: string,
  ) {
    super(`console: ${why} while waiting for ${pattern}; last console lines:\n${tail}`);
    this.name = 'ConsoleTimeoutError';
  }
}

export class VmHandle {
  /** The serial console, as bytes. */
  readonly console: Readable;
  readonly pid: number | undefined;
  private kept = '';
  private errKept = '';
  private exitStatus: number | undefined;
  private readonly exited: Promise<number>;
  private readonly listeners = new Set<() => void>();
  private readonly log: WriteStream | undefined;

  constructor(
    private readonly child: ChildProcess,
    /** The command line that was run, for messages and debugging. */
    readonly argv: string[],
    opts: VmHandleOptions = {},
  ) {
    this.pid = child.pid;
    const out = new PassThrough();
    this.console = out;
    this.log = opts.consoleLog ? createWriteStream(opts.consoleLog, { flags: 'a' }) : undefined;
    child.stdout?.on('data', (b: Buffer) => {
      out.write(b);
      this.log?.write(b);
      opts.echo?.write(b);
      this.kept += b.toString('utf8');
      if (this.kept.length > MAX_KEPT) this.kept = this.kept.slice(-MAX_KEPT / 2);
      for (const l of [...this.listeners]) l();
    });
    // Console input after qemu has gone fails with EPIPE: the exit is reported by 'close'.
    child.stdin?.on('error', () => {});
    // When qemu's stderr is piped, keep it for messages (it is small: qemu's own warnings).
    child.stderr?.on('data', (b: Buffer) => {
      this.errKept = (this.errKept + b.toString('utf8')).slice(-65536);
    });
    this.exited = new Promise((resolve) => {
      child.on('close', (code, signal) => {
        // A shell-style status: 128+N when qemu was killed by signal N.
        const status = code ?? 128 + (signal ? (constants.signals[signal] ?? 0) : 0);
        this.exitStatus = status;
        out.end();
        const done = () => resolve(status);
        if (this.log) this.log.end(done);
        else done();
        for (const l of [...this.listeners]) l();
      });
      child.on('error', () => {
        /* reported by 'close' with a status; spawn errors are checked before a handle exists */
      });
    });
  }

  /** Everything the console printed so far (the last 16 MB at most). */
  text(): string {
    return this.kept;
  }

  /** qemu's own messages, when its stderr was piped. */
  errors(): string {
    return this.errKept;
  }

  /** The exit status once the machine has stopped, else undefined. */
  get status(): number | undefined {
    return this.exitStatus;
  }

  /** Resolves with qemu's exit status (128+N if killed by signal N). */
  wait(): Promise<number> {
    return this.exited;
  }

  /**
   * Types text on the serial console (qemu's stdin, when it is a pipe): what a user at the
   * console would type. With qemu's -nographic, Ctrl-A c ("\x01c") switches to its monitor.
   */
  send(text: string): void {
    if (!this.child.stdin || this.child.stdin.destroyed) throw new Error("the console takes no input (qemu's stdin is not a pipe, or it has stopped)");
    this.child.stdin.write(text);
  }

  kill(signal: NodeJS.Signals = 'SIGTERM'): void {
    if (this.exitStatus === undefined) this.child.kill(signal);
  }

  /**
   * Resolves with the first console line matching `pattern` (already printed or still to come);
   * rejects with the console's tail when the timeout passes or the machine stops first.
   */
  waitFor(pattern: string | RegExp, timeoutMs: number): Promise<string> {
    const test = (line: string) => (typeof pattern === 'string' ? line.includes(pattern) : pattern.test(line));
    const find = () => this.kept.split(/\r?\n/).find(test);
    return new Promise((resolve, reject) => {
      const check = () => {
        const line = find();
        if (line !== undefined) return finish(() => resolve(line));
        if (this.exitStatus !== undefined) {
          finish(() => reject(new ConsoleTimeoutError(String(pattern), this.tail(), `the machine stopped (status ${this.exitStatus})`)));
        }
      };
      const finish = (f: () => void) => {
        clearTimeout(timer);
        this.listeners.delete(check);
        f();
      };
      const timer = setTimeout(() => finish(() => reject(new ConsoleTimeoutError(String(pattern), this.tail(), `no match after ${timeoutMs} ms`))), timeoutMs);
      this.listeners.add(check);
      check();
    });
  }

  private tail(lines = 25): string {
    return this.kept.split(/\r?\n/).slice(-lines).join('\n');
  }
}
