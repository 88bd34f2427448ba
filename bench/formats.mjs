#!/usr/bin/env node
// Benchmark (not a test): converts one root filesystem tar with each output format and
// compression, each run in a fresh process, and prints wall time, CPU time (the node process
// and its children: zstd, lz4, sqfstar), node's peak RSS and the output sizes.
//
// usage: npm run build && node bench/formats.mjs [TAR] [RUNS]
//   TAR defaults to /tmp/bench-large.tar (make it with bench/make-bench-tar.sh); RUNS (default 3):
//   the median is printed. Environment: CASES="kernel+initrd:gzip,tar" to pick cases;
//   MEMBER_CACHE=1: kernel+initrd with a member cache warmed by one run first (unchanged input,
//   so every cacheable part is a hit: the best case of a rebuild).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const tar = process.argv[2] ?? '/tmp/bench-large.tar';
const runs = Number(process.argv[3] ?? 3);
const registry = fileURLToPath(new URL('../dist/src/formats/registry.js', import.meta.url));

if (process.argv[2] === '--one') {
  // Child: one conversion, then report its own resource use.
  const [, , , fmt, input, dir, compress, level, memberCache] = process.argv;
  const { createReadStream, readFileSync } = await import('node:fs');
  const { getFormat } = await import(registry);
  const t0 = process.hrtime.bigint();
  await getFormat(fmt).write(
    createReadStream(input, { highWaterMark: 1 << 20 }),
    { dir, name: 'b' },
    {
      compress: compress || undefined,
      level: level ? Number(level) : undefined,
      memberCache: memberCache || undefined,
    },
  );
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  const ru = process.resourceUsage();
  // Children's CPU (waited for): fields 16 and 17 of /proc/self/stat, in clock ticks (100/s).
  const stat = readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ');
  const childCpu = (Number(stat[13]) + Number(stat[14])) / 100;
  process.stdout.write(JSON.stringify({ wall, cpu: (ru.userCPUTime + ru.systemCPUTime) / 1e6 + childCpu, rss: ru.maxRSS / 1024 }));
  process.exit(0);
}

const all = [
  'tar',
  'kernel+initrd:gzip',
  'kernel+initrd:gzip:1',
  'kernel+initrd:gzip:4',
  'kernel+initrd:zstd',
  'kernel+initrd:zstd:1',
  'kernel+initrd:lz4',
  'kernel+initrd:lz4:1',
  'kernel+initrd:none',
  'tar-kernel-initrd:gzip',
  'kernel+squashfs',
];
const cases = process.env.CASES ? process.env.CASES.split(',') : all;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const mb = (n) => (n / 1e6).toFixed(1);

console.log(`input ${tar}: ${mb(statSync(tar).size)} MB, ${runs} runs each, median`);
console.log('| format | compression | wall s | cpu s | peak RSS MiB | outputs (MB) |');
console.log('|---|---|---|---|---|---|');
for (const c of cases) {
  const [fmt, compress = '', level = ''] = c.split(':');
  const results = [];
  let sizes = '';
  const cache = process.env.MEMBER_CACHE ? mkdtempSync(join(tmpdir(), 'bench-members-')) : '';
  for (let i = cache ? -1 : 0; i < runs; i++) {
    const dir = mkdtempSync(join(tmpdir(), 'bench-formats-'));
    const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--one', fmt, tar, dir, compress, level, cache], { encoding: 'utf8' });
    if (i < 0) {
      rmSync(dir, { recursive: true, force: true });
      continue;
    }
    if (r.status !== 0) throw new Error(`${c}: ${r.stderr}`);
    results.push(JSON.parse(r.stdout));
    sizes = readdirSync(dir)
      .sort()
      .map((f) => `${f.replace(/^b-?/, '') || f} ${mb(statSync(join(dir, f)).size)}`)
      .join(', ');
    rmSync(dir, { recursive: true, force: true });
  }
  if (cache) rmSync(cache, { recursive: true, force: true });
  const m = (k) => median(results.map((r) => r[k]));
  console.log(
    `| ${fmt}${cache ? ' (member cache hit)' : ''} | ${compress ? compress + (level ? ` -${level}` : '') : '-'} | ${m('wall').toFixed(2)} | ${m('cpu').toFixed(2)} | ${m('rss').toFixed(0)} | ${sizes} |`,
  );
}
