// What `linuxkit build` shows while it works and when it is done. On a terminal: a live status
// line with the stage and the bytes of root filesystem assembled so far, kept below the log
// lines (pulls show their own byte bars, src/oci/progress.ts, and hide it meanwhile). In a
// pipe, in CI or with -q: only the info lines, and one summary line per output.
import { statSync } from 'node:fs';
import { liveStatus, log, showProgress } from '../util/index.js';

export interface BuildProgress {
  /** Bytes of the root filesystem tar produced so far. */
  add(bytes: number): void;
  /** The root filesystem is complete; the formats are finishing (compressing, mksquashfs). */
  assembled(): void;
  stop(): void;
}

const QUIET: BuildProgress = { add: () => {}, assembled: () => {}, stop: () => {} };
const REDRAW_MS = 200;

export function buildProgress(formats: string[]): BuildProgress {
  if (!showProgress()) return QUIET;
  let bytes = 0;
  let stage = 'Assembling';
  let last = 0;
  const status = liveStatus();
  const redraw = () => {
    status.set(`${stage} ${formats.join(', ')}: ${(bytes / 2 ** 20).toFixed(1)} MiB of root filesystem`);
    last = Date.now();
  };
  redraw();
  return {
    add(n) {
      bytes += n;
      if (Date.now() - last >= REDRAW_MS) redraw();
    },
    assembled() {
      stage = 'Compressing and writing';
      redraw();
    },
    stop: () => status.stop(),
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

/** One line per output written: its path and size. */
export function logSummary(paths: string[]): void {
  for (const p of paths) {
    let size = '';
    try {
      size = ` (${humanSize(statSync(p).size)})`;
    } catch {
      // A format may report a path it wrote elsewhere; the path alone is still useful.
    }
    log.info(`Wrote ${p}${size}`);
  }
}
