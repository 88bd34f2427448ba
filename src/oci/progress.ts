// A byte-count progress bar for pulls and pushes: on an interactive terminal only
// (showProgress), else nothing at all.
import { Presets, SingleBar } from 'cli-progress';
import { pauseStatusLine, showProgress } from '../util/log.js';

export interface ByteProgress {
  add(bytes: number): void;
  stop(): void;
}

const QUIET: ByteProgress = { add: () => {}, stop: () => {} };

export function byteProgress(label: string, total: number): ByteProgress {
  if (!showProgress() || total <= 0) return QUIET;
  const bar = new SingleBar(
    {
      format: `${label} [{bar}] {percentage}% {value}/{total} MiB`,
      hideCursor: true,
      formatValue: (v, _o, type) => (type === 'value' || type === 'total' ? (v / 2 ** 20).toFixed(1) : String(v)),
    },
    Presets.shades_classic,
  );
  const resume = pauseStatusLine();
  bar.start(total, 0);
  return {
    add: (n) => bar.increment(n),
    stop: () => {
      bar.stop();
      resume();
    },
  };
}
