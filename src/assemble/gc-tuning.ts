// V8 settings for a build: garbage collection, then inlining.
//
// A build keeps only ~10 MB of JavaScript objects alive, but streams ~500 MB through promises,
// headers and chunk objects; with V8's default heap growth the old generation limit stays a few MB
// above the live size, and a large build ran ~20 full (mark-compact) collections, ~0.8 CPU s of
// marking on the main and V8's helper threads. Letting the heap grow to ~5× the live size before
// the next full collection leaves 2-3 of them and changes peak RSS by nothing measurable
// (docs/performance.md). V8 reads this flag whenever it sets a new limit, so setting it at run time
// takes effect.
//
// Also the optimizing compiler's inlining budget. V8's helper threads spent ~0.8 CPU s of a
// ~3 s large tar build compiling (TurboFan), mostly the few big async functions of the entry
// loop (tar reading, TarSink.add, writeImageTree) with everything they call inlined. A
// cumulative inlining budget of 200 bytecode bytes instead of 920 measured 0.92-0.93x the CPU
// time and 0.91-0.94x the wall time of a large tar build (paired, 8 runs each, twice), outputs
// unchanged; turning inlining off was slower. Read at each compilation, so it applies from here.
import v8 from 'node:v8';

let done = false;

export function tuneV8ForBuild(): void {
  if (done) return;
  done = true;
  v8.setFlagsFromString('--heap-growing-percent=400');
  v8.setFlagsFromString('--max-inlined-bytecode-size-cumulative=200');
}
