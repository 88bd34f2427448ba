#!/usr/bin/env node
// Benchmark (not a test) of issue 6's goals for a configuration (examples/minimal.yml by default):
//   size    kernel + initrd, and each part's share (kernel, kernel modules, init, runtime, each
//           container's image), per initrd compression;
//   boot    guest uptime from kernel start to "services started" (the init's stage lines), against
//           the floor: the same kernel reaching a bare busybox /init, booted in the same rounds;
//   memory  MemTotal - MemAvailable once the services are up, with -m MEM (128 by default).
// The packages the YAML names with "@pkg:" are built first (cached after the first run). Each
// image boots with `linuxkit bench`'s probe (src/bench/probe.ts: an init.d script, appended to a
// copy of the initrd, that prints the memory and powers the machine off once the init has started
// every service) and is measured with its parsing (src/bench/stages.ts); the floor is its floor
// image (src/bench/floor.ts). Rounds are paired (floor, then each compression) so that load on the
// machine hits them alike; figures are medians. `linuxkit bench` itself compares whole images;
// this script adds the compressions, the baseline's floor, the initrd unpacking and the shares.
//
// usage: make build && node bench/boot.mjs [YAML...]
//   RUNS=3 MEM=128 COMPRESSIONS=gzip,zstd (the defaults; also lz4, none) KEEP=1 (keep the images)
//   CPUS=1 (the default, LinuxKit's `run qemu` default): vCPUs of every boot, the floor's too.
//   RAW=1: also print every round (floor, and each variant's `init start` and `services started`).
//   BASELINE=old.yml[,more.yml]: another configuration (say, with an older init) booted in the
//   same rounds, for a before/after comparison under the same load.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { bootOnce, bootTimeline, floorImage, FLOOR_STAGE, MEMORY_LINE, parseFloor, parseMemory, spread, withProbe } = await import(
  join(ROOT, 'dist/src/bench/index.js')
);
const { inspect } = await import(join(ROOT, 'dist/src/inspect/index.js'));
const yamls = process.argv.slice(2).length ? process.argv.slice(2).map((p) => resolve(p)) : [join(ROOT, 'examples/minimal.yml')];
const runs = Number(process.env.RUNS ?? 3);
const mem = Number(process.env.MEM ?? 128);
const cpus = Number(process.env.CPUS ?? 1);
const compressions = (process.env.COMPRESSIONS ?? 'gzip,zstd').split(',');
const baseline = process.env.BASELINE ? process.env.BASELINE.split(',').map((p) => resolve(p)) : undefined;
// What is booted in each round besides the floor: this configuration, and the baseline's, per compression.
const variants = [
  ...compressions.map((c) => ({ label: c, c, yamls })),
  ...(baseline ? compressions.map((c) => ({ label: `baseline ${c}`, c, yamls: baseline })) : []),
];
const GOAL_MB = 10;
// With a BASELINE (e.g. the same image on pkg/kernel-debian), its kernel's floor is booted in the
// same rounds too: issue 15's goal is this kernel's floor <= 0.6 x the baseline kernel's.
const GOAL_FLOOR_RATIO = 0.6;
const GOAL_RATIO = 1.3;
const work = mkdtempSync(join(tmpdir(), 'bench-boot-'));
const mb = (n) => (n / 1e6).toFixed(2);
const median = (xs) => spread(xs)?.median;
const fmt = (x) => (x === undefined ? '–' : x.toFixed(2));

function lk(args, quiet = true) {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin/linuxkit.js'), ...args], { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`linuxkit ${args.join(' ')} failed:\n${r.stderr}`);
  if (!quiet) process.stderr.write(r.stderr);
  return r.stdout;
}

/** The package directories a YAML names with "@pkg:DIR" (relative to the YAML file). */
function pkgDirs(files) {
  const dirs = new Set();
  for (const f of files)
    for (const m of readFileSync(f, 'utf8')
      .replace(/#.*$/gm, '')
      .matchAll(/@pkg:([^"'\s]+)/g))
      dirs.add(resolve(dirname(f), m[1]));
  return [...dirs];
}

/** Boots a prefix until `until` shows on the console; returns the console text and the qemu wall time. */
async function boot(prefix, label, until) {
  const r = await bootOnce(prefix, until, { mem, cpus, accel: 'tcg', timeoutMs: 240_000 }, join(work, `state-${label}`));
  if (!r.ok) process.stderr.write(`warning: ${label}: ${r.why}\n`);
  return { text: r.console, wall: r.wall };
}
const FLOOR_LINE = new RegExp(`linuxkit-ts: [\\d.]+ ${FLOOR_STAGE}`);

/** Seconds the kernel spent unpacking the initrd, from its log on the console (it runs next to other initcalls). */
function unpackOf(text) {
  const at = (re) => Number(re.exec(text)?.[1]);
  const d = at(/\[\s*(\d+\.\d+)\] Freeing initrd memory/) - at(/\[\s*(\d+\.\d+)\] Trying to unpack rootfs image/);
  return Number.isFinite(d) ? d : undefined;
}

try {
  const dirs = pkgDirs([...yamls, ...(baseline ?? [])]);
  process.stderr.write(`building packages: ${dirs.map((d) => d.replace(`${ROOT}/`, '')).join(' ')}\n`);
  lk(['pkg', 'build', ...dirs]);

  // Size: the configuration as given; the boots add the probe to a copy of the initrd.
  const images = {};
  for (const v of variants) {
    const dir = join(work, v.label.replace(' ', '-'));
    lk(['build', '--name', 'size', '--dir', dir, '--compress', v.c, ...v.yamls]);
    const size = (f) => join(dir, `size-${f}`);
    await withProbe({ kernel: size('kernel'), initrd: size('initrd.img'), cmdline: size('cmdline') }, dir, 'boot');
    images[v.label] = { dir, kernel: statSync(size('kernel')).size, initrd: statSync(size('initrd.img')).size };
  }
  const names = (ys) => ys.map((y) => y.replace(`${ROOT}/`, '')).join(' ');
  console.log(`# bench/boot.mjs: ${names(yamls)}${baseline ? `; baseline: ${names(baseline)}` : ''}`);
  console.log(
    `qemu TCG, -m ${mem}, ${cpus} vCPU, ${runs} paired rounds; ${new Date().toISOString()}; load average ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`,
  );
  console.log(`\n## Size (MB; goal: kernel + initrd <= ${GOAL_MB})`);
  console.log('| compression | kernel | initrd | kernel + initrd | goal |');
  console.log('|---|--:|--:|--:|---|');
  for (const { label } of variants) {
    const { kernel, initrd } = images[label];
    const total = kernel + initrd;
    console.log(`| ${label} | ${mb(kernel)} | ${mb(initrd)} | ${mb(total)} | ${total <= GOAL_MB * 1e6 ? 'met' : `${mb(total - GOAL_MB * 1e6)} over`} |`);
  }
  // Shares: what `linuxkit inspect` reports of the first compression's image (src/inspect: a
  // gzip initrd's member per part is that part's exact cost).
  const c0 = compressions[0];
  const { report } = await inspect([join(images[c0].dir, 'size')], { cacheDir: '', arch: '' });
  console.log(`\n### Shares of kernel + initrd (${c0}; linuxkit inspect)`);
  console.log('| part | unpacked MB | in the image MB | share |');
  console.log('|---|--:|--:|--:|');
  for (const r of report.components) console.log(`| ${r.label} | ${mb(r.unpacked)} | ${mb(r.stored)} | ${((100 * r.stored) / report.total).toFixed(1)} % |`);

  // Boot: the floor and each compression, in paired rounds.
  const cmdline = readFileSync(join(images[c0].dir, 'boot-cmdline'), 'utf8');
  const floor = await floorImage(join(images[c0].dir, 'boot-kernel'), cmdline.trim(), work);
  const res = { floor: { floor: [], wall: [], unpack: [] }, baselineFloor: { floor: [], wall: [], unpack: [] } };
  const baselineFloor = baseline
    ? await floorImage(
        join(images[`baseline ${c0}`].dir, 'boot-kernel'),
        readFileSync(join(images[`baseline ${c0}`].dir, 'boot-cmdline'), 'utf8').trim(),
        work,
        'baseline-floor',
      )
    : undefined;
  for (const { label } of variants) res[label] = { stages: new Map(), wall: [], memory: [], order: [], unpack: [] };
  for (let i = 0; i < runs; i++) {
    const f = await boot(floor, 'floor', FLOOR_LINE);
    const ft = parseFloor(f.text);
    if (ft !== undefined) res.floor.floor.push(ft);
    else process.stderr.write(`warning: floor: no uptime line\n${f.text.slice(-1500)}\n`);
    res.floor.wall.push(f.wall);
    if (unpackOf(f.text) !== undefined) res.floor.unpack.push(unpackOf(f.text));
    if (baselineFloor) {
      const bf = await boot(baselineFloor, 'baseline-floor', FLOOR_LINE);
      const bt = parseFloor(bf.text);
      if (bt !== undefined) res.baselineFloor.floor.push(bt);
      res.baselineFloor.wall.push(bf.wall);
    }
    for (const { label: c } of variants) {
      const b = await boot(join(images[c].dir, 'boot'), c.replace(' ', '-'), MEMORY_LINE);
      const r = res[c];
      r.wall.push(b.wall);
      if (unpackOf(b.text) !== undefined) r.unpack.push(unpackOf(b.text));
      for (const s of bootTimeline(b.text) ?? []) {
        if (!r.stages.has(s.what)) {
          r.stages.set(s.what, []);
          r.order.push(s.what);
        }
        r.stages.get(s.what).push(s.t);
      }
      const mm = parseMemory(b.text);
      if (mm) r.memory.push([mm.usedKiB, mm.totalKiB]);
      if (!b.text.includes('services started')) process.stderr.write(`warning: ${c}: no "services started"\n${b.text.slice(-3000)}\n`);
    }
  }
  const floorT = median(res.floor.floor);
  console.log(`\n## Boot (guest uptime, s; medians; goal: services started <= ${GOAL_RATIO} x floor)`);
  console.log(
    `floor (same kernel, initrd = static busybox + an /init that prints the uptime): ${fmt(floorT)} s (qemu wall ${fmt(median(res.floor.wall))} s; initrd unpacking ${fmt(median(res.floor.unpack))} s)`,
  );
  if (baselineFloor) {
    const bT = median(res.baselineFloor.floor);
    console.log(
      `baseline kernel's floor: ${fmt(bT)} s (qemu wall ${fmt(median(res.baselineFloor.wall))} s); this kernel's floor = ${floorT && bT ? (floorT / bT).toFixed(2) : '–'} x the baseline's (goal <= ${GOAL_FLOOR_RATIO})`,
    );
  }
  for (const { label: c } of variants) {
    const r = res[c];
    const services = median(r.stages.get('services started') ?? []);
    console.log(
      `\n### ${c}: services started at ${fmt(services)} s = ${services && floorT ? (services / floorT).toFixed(2) : '–'} x floor (goal ${GOAL_RATIO}: ${fmt(floorT && floorT * GOAL_RATIO)} s); qemu wall ${fmt(median(r.wall))} s`,
    );
    console.log('| stage | uptime s | since previous s |');
    console.log('|---|--:|--:|');
    let prev = 0;
    for (const what of r.order) {
      const t = median(r.stages.get(what));
      console.log(`| ${what} | ${fmt(t)} | ${fmt(t - prev)} |`);
      prev = t;
    }
    console.log(
      `\nthe kernel's unpacking of the initrd ("Trying to unpack rootfs image" to "Freeing initrd memory", part of init start): ${fmt(median(r.unpack))} s`,
    );
    const memKb = median(r.memory.map((x) => x[0]));
    const totKb = median(r.memory.map((x) => x[1]));
    console.log(
      `\nmemory in use once the services run (MemTotal - MemAvailable): ${memKb === undefined ? '– (no line)' : `${(memKb / 1024).toFixed(1)} MiB of ${(totKb / 1024).toFixed(1)} MiB`} (-m ${mem})`,
    );
  }
  if (process.env.RAW) {
    // Per round: under a shared machine a round's figures move together, so differences within
    // a round say more than medians across rounds.
    const key = (c, what) => (res[c].stages.get(what) ?? []).map(fmt);
    console.log('\n## Every round (init start / services started, s)');
    console.log(`| round | floor | ${variants.map((v) => v.label).join(' | ')} |`);
    console.log(`|---|--:|${variants.map(() => '--:').join('|')}|`);
    for (let i = 0; i < runs; i++) {
      const cells = variants.map(({ label: c }) => `${key(c, 'init start')[i] ?? '–'} / ${key(c, 'services started')[i] ?? '–'}`);
      console.log(`| ${i + 1} | ${fmt(res.floor.floor[i])} | ${cells.join(' | ')} |`);
    }
  }
} finally {
  if (process.env.KEEP) console.error(`kept ${work}`);
  else rmSync(work, { recursive: true, force: true });
}
