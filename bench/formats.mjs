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
//
// usage: node bench/formats.mjs --added [RUNS] [YML]
//   The time each output format adds beyond kernel+initrd, on YML (default examples/minimal.yml,
//   its packages in the default cache: `linuxkit pkg build pkg/kernel pkg/init pkg/crun
//   pkg/dhcpcd pkg/getty`): whole `linuxkit build` runs, in paired rounds (a kernel+initrd build
//   before and after each round of every format; a format's figure is its wall time minus the
//   mean of its round's two), median over RUNS (default 3). Also each output's size and, for
//   the sizes --size does not fix, the ratio of all its outputs to the bytes they hold: the
//   root's file bytes (the regular files in the tar output) for the formats holding the root
//   (tar, docker, the ISOs but iso-efi-initrd, kernel+erofs), kernel + initrd for those holding
//   these (the disks, iso-efi-initrd, tar-kernel-initrd). Compressed containers
//   (kernel+squashfs, gcp) and the fixed-size disks (aws, vhd) get no ratio.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const registry = fileURLToPath(new URL('../dist/src/formats/registry.js', import.meta.url));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

if (process.argv[2] === '--added') {
  await added(Number(process.argv[3] ?? 3), process.argv[4] ?? fileURLToPath(new URL('../examples/minimal.yml', import.meta.url)));
  process.exit(0);
}

const tar = process.argv[2] ?? '/tmp/bench-large.tar';
const runs = Number(process.argv[3] ?? 3);

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

/** The --added mode (see the header). */
async function added(rounds, yml) {
  const { formatNames } = await import(registry);
  const { execFileSync } = await import('node:child_process');
  const { loadavg } = await import('node:os');
  const cli = fileURLToPath(new URL('../bin/linuxkit.js', import.meta.url));
  const formats = formatNames().filter((f) => f !== 'kernel+initrd');
  const build = (fmt) => {
    const dir = mkdtempSync(join(tmpdir(), 'bench-added-'));
    const t0 = process.hrtime.bigint();
    const r = spawnSync(process.execPath, [cli, 'build', '--dir', dir, '--name', 'b', '-f', fmt, yml], { encoding: 'utf8' });
    const wall = Number(process.hrtime.bigint() - t0) / 1e9;
    if (r.status !== 0) throw new Error(`${fmt}: ${r.stderr}`);
    const files = Object.fromEntries(readdirSync(dir).map((f) => [f, statSync(join(dir, f)).size]));
    return { wall, dir, files };
  };
  // Sum of the regular files' sizes a tar lists (GNU tar -tv: hard links list as size 0).
  const fileBytes = (path, z = '') =>
    execFileSync('tar', [`-t${z}vf`, path, '--warning=no-unknown-keyword'], { encoding: 'utf8', maxBuffer: 1 << 28 })
      .split('\n')
      .filter((l) => l.startsWith('-'))
      .reduce((n, l) => n + Number(l.split(/\s+/)[2]), 0);
  const holdsRoot = new Set(['tar', 'docker', 'iso-bios', 'kernel+iso', 'iso-efi', 'kernel+erofs']);
  const holdsKernelInitrd = new Set(['tar-kernel-initrd', 'iso-efi-initrd', 'raw-bios', 'raw-efi', 'qcow2-bios', 'qcow2-efi', 'vmdk', 'dynamic-vhd']);
  const extra = new Map(formats.map((f) => [f, []]));
  const sizes = new Map();
  let rootBytes = 0;
  let kernelInitrd = 0;
  const load0 = loadavg()[0];
  for (let i = 0; i < rounds; i++) {
    const before = build('kernel+initrd');
    kernelInitrd = (before.files['b-kernel'] ?? 0) + (before.files['b-initrd.img'] ?? 0);
    rmSync(before.dir, { recursive: true, force: true });
    const walls = [];
    for (const f of formats) {
      const r = build(f);
      walls.push([f, r.wall]);
      sizes.set(f, r.files);
      if (f === 'tar') rootBytes = fileBytes(join(r.dir, 'b.tar'));
      rmSync(r.dir, { recursive: true, force: true });
    }
    const after = build('kernel+initrd');
    rmSync(after.dir, { recursive: true, force: true });
    const base = (before.wall + after.wall) / 2;
    for (const [f, w] of walls) extra.get(f).push(w - base);
    process.stderr.write(`round ${i + 1}: kernel+initrd ${before.wall.toFixed(2)} s / ${after.wall.toFixed(2)} s\n`);
  }
  const mib = (n) => (n / 2 ** 20).toFixed(2);
  console.log(
    `${yml}: ${rounds} paired round(s), median; root file bytes ${mib(rootBytes)} MiB, kernel+initrd ${mib(kernelInitrd)} MiB; load average ${load0.toFixed(2)} → ${loadavg()[0].toFixed(2)}`,
  );
  console.log('| format | added s | outputs (MiB) | held MiB | output/held | within 5 % + 1 MiB |');
  console.log('|---|---|---|---|---|---|');
  for (const f of formats) {
    const files = sizes.get(f);
    const total = Object.values(files).reduce((a, b) => a + b, 0);
    const held = holdsRoot.has(f) ? rootBytes : holdsKernelInitrd.has(f) ? kernelInitrd : 0;
    const ratio = held ? (total / held).toFixed(3) : '–';
    const ok = held ? (total <= held * 1.05 + 2 ** 20 ? 'yes' : 'no') : '–';
    const outs = Object.entries(files)
      .map(([n, b]) => `${n.replace(/^b/, '')} ${mib(b)}`)
      .join(', ');
    console.log(`| ${f} | ${median(extra.get(f)).toFixed(2)} | ${outs} | ${held ? mib(held) : '–'} | ${ratio} | ${ok} |`);
  }
}
