// src/bench: `linuxkit bench`, boot timelines, memory and size of images (docs/bench.md). What
// other folders (and bench/boot.mjs) may use of it (eslint.config.js keeps them to this file).
export { bench, type BenchOptions } from './bench.js';
export { bootOnce, type BootRun, type BootSettings } from './boot.js';
export { floorImage, FLOOR_INIT } from './floor.js';
export { probeArchive, withProbe, PROBE_PATH, PROBE_SCRIPT } from './probe.js';
export { jsonReport, showSpread, textReport } from './report.js';
export { svgTimeline } from './svg.js';
export { timelineBars, type Bar } from './bars.js';
export {
  ALL_STARTED,
  bootTimeline,
  classify,
  FLOOR_STAGE,
  KERNEL_START,
  MEMORY_LINE,
  parseFloor,
  parseMemory,
  parseStages,
  type MemoryLine,
  type Stage,
  type StageKind,
  type StageLine,
} from './stages.js';
export { mergeOrder, spread, stageRows, type Spread, type StageRow } from './stats.js';
export type { BenchFloor, BenchImage, BenchReport } from './types.js';
