#!/usr/bin/env node
// Benchmark (not a test): the steps a user waits for, at the command line, each paired with
// reference commands run in the same rounds (A, B, A, B, …) so both see the same load. Prints
// every step's medians (wall and CPU seconds) and each reference's ratio, and the load average.
//
//   node bench/steps.mjs [--runs 7] [--steps version,show-tag,cache-ls,pull,pull-big]
//                        [--bench-cache DIR] [--ref 'NAME[:STEP,STEP]=COMMAND']…
//
// Steps (what linuxkit-ts runs; `{args}` is that, for reference commands):
//   version    linuxkit version
//   show-tag   linuxkit pkg show-tag pkg/getty
//   cache-ls   linuxkit --cache {bench} cache ls          (the bench cache, below)
//   pull       linuxkit --cache {cache} cache pull IMG…   (bench/kernel:1 and bench/large:1 from a
//              local docker-registry into a fresh cache {cache} each run; `{images}` are the refs)
//   pull-big   the same for one image of 8 layers of 128 MiB (random data, gzip; made once here)
//   first-tar  `cache pull` of large.yml's four images (through LINUXKIT_MIRROR, so they keep
//              their docker.io names), then `build -f tar` of /work/shared/bench/large.yml: the
//              first build after a pull; wall and CPU are printed for both and for each part
//   first-kernel  the same with `-f kernel+initrd`
// Every run gets fresh, empty build caches (LINUXKIT_LAYER_CACHE, LINUXKIT_INITRD_CACHE), so a
// pull or build never finds what an earlier run left; a reference command's parts are
// `{args}` filled with each linuxkit command line of the step in turn.
// A reference is a shell command for some or all steps; `{args}`, `{cache}` (a fresh empty dir),
// `{bench}`, `{images}` and `{registry}` are filled in. By default: `node -e 0` for the start-up
// steps and skopeo (`oci:{cache}`, one copy per image) for the pulls. With a LinuxKit binary:
//   --ref 'linuxkit=/path/to/linuxkit {args}'
// The bench cache (--bench-cache, env BENCH_CACHE) is the shared workload's image cache
// (/work/shared/bench/make-images.sh DIR). Build first (npm run build).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startTestRegistry, skopeo, writeTestLayout } from '../dist/src/oci/registry/testing.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values: opt } = parseArgs({
  options: {
    runs: { type: 'string', default: '7' },
    steps: { type: 'string', default: 'version,show-tag,cache-ls,pull' },
    'bench-cache': { type: 'string', default: process.env.BENCH_CACHE ?? '/tmp/lkbench-cache' },
    ref: { type: 'string', multiple: true, default: [] },
  },
});
const RUNS = Number(opt.runs);
const STEPS = opt.steps.split(',');
const BENCH = opt['bench-cache'];
const FIRST = ['first-tar', 'first-kernel'];
const PULLS = ['pull', 'pull-big', ...FIRST];
const BENCH_YML = process.env.BENCH_YML ?? '/work/shared/bench';

const refs = (opt.ref.length ? opt.ref : ['node:version,show-tag,cache-ls=node -e 0', 'skopeo:pull,pull-big={skopeo}']).map((r) => {
  const m = /^([\w.-]+)(?::([\w,-]+))?=(.+)$/.exec(r);
  if (!m) throw new Error(`--ref ${r}: expected NAME[:STEP,…]=COMMAND`);
  return { name: m[1], steps: m[2]?.split(',') ?? STEPS, command: m[3] };
});

const work = mkdtempSync(join(tmpdir(), 'lkts-bench-steps-'));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const quote = (s) => `'${s.replaceAll("'", "'\\''")}'`;

/** Runs a shell command under /usr/bin/time: wall and CPU (user+sys, children included) seconds. */
function timed(command) {
  const t = process.hrtime.bigint();
  const r = spawnSync('/usr/bin/time', ['-f', 'LKTIME %U %S', 'sh', '-c', command], { encoding: 'utf8', maxBuffer: 64 << 20 });
  const wall = Number(process.hrtime.bigint() - t) / 1e9;
  const m = /LKTIME ([\d.]+) ([\d.]+)\s*$/.exec(r.stderr);
  if (r.status !== 0 || !m) throw new Error(`${command} failed (${r.status}):\n${r.stderr.slice(-2000)}`);
  return { wall, cpu: Number(m[1]) + Number(m[2]) };
}

/** The registry for the pull steps, with the bench images (and, for pull-big, one more) in it. */
async function registry() {
  const reg = await startTestRegistry();
  const images = { pull: [], 'pull-big': [] };
  for (const ref of ['bench/kernel:1', 'bench/large:1']) {
    skopeo(['copy', '--quiet', '--dest-tls-verify=false', `oci:${BENCH}:docker.io/${ref}`, `docker://${reg.host}/${ref}`]);
    images.pull.push(`${reg.host}/${ref}`);
  }
  if (STEPS.some((s) => FIRST.includes(s))) {
    for (const ref of ['bench/init:1', 'bench/small:1']) {
      skopeo(['copy', '--quiet', '--dest-tls-verify=false', `oci:${BENCH}:docker.io/${ref}`, `docker://${reg.host}/${ref}`]);
    }
  }
  if (STEPS.includes('pull-big')) {
    const layout = join(work, 'big-layout');
    await writeTestLayout(layout, 'v1', [{ architecture: 'amd64', layers: Array(8).fill(128 << 20) }]);
    skopeo(['copy', '--quiet', '--dest-tls-verify=false', `oci:${layout}:v1`, `docker://${reg.host}/bench/big:1`]);
    rmSync(layout, { recursive: true, force: true });
    images['pull-big'].push(`${reg.host}/bench/big:1`);
  }
  return { reg, images };
}

const reg = STEPS.some((s) => PULLS.includes(s)) ? await registry() : undefined;
const lk = `node ${quote(join(root, 'bin/linuxkit.js'))}`;
const stepArgs = {
  version: () => 'version',
  'show-tag': () => `pkg show-tag ${quote(join(root, 'pkg/getty'))}`,
  'cache-ls': () => `--cache ${quote(BENCH)} cache ls`,
  pull: (cache) => `--cache ${quote(cache)} cache pull ${reg.images.pull.join(' ')}`,
  'pull-big': (cache) => `--cache ${quote(cache)} cache pull ${reg.images['pull-big'].join(' ')}`,
  'first-tar': (cache) => firstBuild(cache, 'tar'),
  'first-kernel': (cache) => firstBuild(cache, 'kernel+initrd'),
};

/** A pull of large.yml's images into `cache`, then its build (the parts of a `first-*` step). */
function firstBuild(cache, format) {
  const images = ['kernel', 'init', 'small', 'large'].map((i) => `bench/${i}:1`);
  const out = `${cache}.out`;
  return [
    `--cache ${quote(cache)} cache pull ${images.join(' ')}`,
    `build --cache ${quote(cache)} --dir ${quote(out)} -f ${format} ${quote(join(BENCH_YML, 'large.yml'))}`,
  ];
}

/** The environment of one run: build caches of its own next to `cache`, the local registry as docker.io's mirror. */
function runEnv(cache) {
  const mirror = reg ? ` LINUXKIT_MIRROR=http://${reg.reg.host}` : '';
  return `export LINUXKIT_LAYER_CACHE=${quote(`${cache}.layers`)} LINUXKIT_INITRD_CACHE=${quote(`${cache}.members`)}${mirror};`;
}

/** The command lines (one per part of the step) of `who` (ours or a reference) for `step`, with a fresh {cache} dir. */
function commandsFor(step, who, cache) {
  return [stepArgs[step](cache)].flat().map((args) => `${runEnv(cache)} ${commandFor(step, who, cache, args)}`);
}

function commandFor(step, who, cache, args) {
  if (who === undefined) return `${lk} ${args} >/dev/null`;
  const images = reg?.images[step] ?? [];
  const fill = (s) =>
    s
      .replaceAll(
        '{skopeo}',
        images.map((i) => `skopeo copy --quiet --src-tls-verify=false docker://${i} oci:{cache}:${i.split('/').slice(1).join('/')}`).join(' && '),
      )
      .replaceAll('{args}', args)
      .replaceAll('{cache}', quote(cache))
      .replaceAll('{bench}', quote(BENCH))
      .replaceAll('{images}', images.join(' '))
      .replaceAll('{registry}', reg?.reg.host ?? '');
  return `${fill(who.command)} >/dev/null`;
}

const load0 = loadavg();
const results = [];
try {
  for (const step of STEPS) {
    const who = [undefined, ...refs.filter((r) => r.steps.includes(step))];
    const times = who.map(() => []);
    for (let i = 0; i <= RUNS; i++) {
      // Alternate the order too, so neither side always runs right after the other.
      const order = i % 2 ? [...who.keys()].reverse() : [...who.keys()];
      for (const k of order) {
        const cache = mkdtempSync(join(work, 'cache-'));
        const parts = commandsFor(step, who[k], cache).map(timed);
        for (const d of ['', '.layers', '.members', '.out']) rmSync(cache + d, { recursive: true, force: true });
        const sum = (f) => parts.reduce((n, p) => n + p[f], 0);
        if (i > 0) times[k].push({ wall: sum('wall'), cpu: sum('cpu'), parts }); // round 0 warms the page cache
      }
    }
    const med = times.map((ts) => ({ wall: median(ts.map((t) => t.wall)), cpu: median(ts.map((t) => t.cpu)) }));
    results.push({ step, who, med });
    // A step of several parts (pull, then build): each part's medians too.
    const partsOf = (k) => {
      const n = times[k][0].parts.length;
      if (n < 2) return '';
      const each = Array.from({ length: n }, (_, j) => {
        const ps = times[k].map((t) => t.parts[j]);
        return `${median(ps.map((p) => p.wall)).toFixed(3)} (${median(ps.map((p) => p.cpu)).toFixed(3)})`;
      });
      return ` [parts ${each.join(' + ')}]`;
    };
    const line = who.map((w, k) => `${w?.name ?? 'linuxkit-ts'} ${med[k].wall.toFixed(3)} s (CPU ${med[k].cpu.toFixed(3)})${partsOf(k)}`);
    const ratios = who.slice(1).map((w, k) => `${(med[0].wall / med[k + 1].wall).toFixed(2)}× ${w.name} (CPU ${(med[0].cpu / med[k + 1].cpu).toFixed(2)}×)`);
    console.log(`${step.padEnd(9)} ${line.join(', ')}; linuxkit-ts = ${ratios.join(', ') || 'no reference'}`);
  }
} finally {
  await reg?.reg.stop();
  rmSync(work, { recursive: true, force: true });
}
const load1 = loadavg();
console.log(`medians of ${RUNS} paired runs; load average ${load0[0].toFixed(1)} before, ${load1[0].toFixed(1)} after; node ${process.version}`);
console.log(`linuxkit-ts at ${execFileSync('git', ['-C', root, 'log', '-1', '--format=%h %s'], { encoding: 'utf8' }).trim()}`);
