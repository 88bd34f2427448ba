// Prints, when the process exits, the CPU time of each of its threads (Linux /proc), in the
// order they were made: the main thread, V8's helper threads (optimizing compiler, concurrent
// GC), then libuv's pool (gunzip, file writes), then any others. Print-only.
//
// usage: node --import ./bench/thread-cpu.mjs bin/linuxkit.js build …
//        NODE_FLAGS="--import $PWD/bench/thread-cpu.mjs" bench/build.sh …  (lines go to its logs)
import { readdirSync, readFileSync } from 'node:fs';

const TICK_MS = 10; // USER_HZ is 100 on Linux

process.on('exit', () => {
  let tasks;
  try {
    tasks = readdirSync('/proc/self/task')
      .map(Number)
      .sort((a, b) => a - b);
  } catch {
    return; // not Linux
  }
  const ms = tasks.map((t) => {
    const stat = readFileSync(`/proc/self/task/${t}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) * TICK_MS; // utime + stime
  });
  const total = ms.reduce((a, b) => a + b, 0);
  process.stderr.write(`thread CPU ms (main first, creation order): ${ms.join(' ')}; total ${total}\n`);
});
