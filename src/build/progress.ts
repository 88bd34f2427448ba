// What `linuxkit build` shows while it works and when it is done. On a terminal: a live line
// with the stage and the bytes of root filesystem assembled so far (pulls show their own bars).
// In a pipe, in CI or with -q: nothing but the info lines, and one summary line per output.
import { statSync } from 'node:fs';
import { SingleBar, Presets } from 'cli-progress';
import { log, showProgress } from '../util/log.js';

export interface BuildProgress {
  /** Bytes of the root filesystem tar produced so far. */
  add(bytes: number): void;
  stop(): void;
}

const QUIET: BuildProgress = { add: () => {}, stop: () => {} };

export function buildProgress(formats: string[]): BuildProgress {
  if (!showProgress()) return QUIET;
  const bar = new SingleBar(
    {
      format: `Assembling and writing ${formats.join(', ')}: {mib} MiB of root filesystem`,
      hideCursor: true,
      stream: process.stderr,
      fps: 5,
    },
    Presets.legacy,
  );
  let bytes = 0;
  bar.start(1, 0, { mib: '0.0' });
  return {
    add(n) {
      bytes += n;
      bar.update(0, { mib: (bytes / 2 ** 20).toFixed(1) });
    },
    stop() {
      bar.stop();
    },
  };
}

/** 1536 → "1.5 KiB": the size in the summary line. */
export function humanSize(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${v} B` : `${v.toFixed(1)} ${units[u]}`;
}

/** One line per output written: its path and size ("-" is stdout). */
export function logSummary(paths: string[]): void {
  for (const p of paths) {
    if (p === '-') {
      log.info('Wrote the image to stdout');
      continue;
    }
    let size = '';
    try {
      size = ` (${humanSize(statSync(p).size)})`;
    } catch {
      // A format may report a path it wrote elsewhere; the path alone is still useful.
    }
    log.info(`Wrote ${p}${size}`);
  }
}
