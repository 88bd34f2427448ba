// `linuxkit bench`: boots images N times and measures each stage of their boot, their memory once
// the services are up, and their size. YAML inputs are built first (as `inspect` builds them),
// outputs are booted as they are; the probe (probe.ts) is added to a copy of each initrd. Rounds
// are interleaved (round 1: A, B, …, floors; round 2: A, B, …) so that load on a shared machine
// falls on every image alike.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildYaml, kernelInitrdOutput, type KernelInitrdFiles, type YamlBuildOptions } from '../inspect/index.js';
import { liveStatus, log, UserError, type LiveStatus } from '../util/index.js';
import { timelineBars } from './bars.js';
import { bootOnce, type BootRun, type BootSettings } from './boot.js';
import { floorImage } from './floor.js';
import { withProbe } from './probe.js';
import { bootTimeline, FLOOR_STAGE, MEMORY_LINE, parseFloor, parseMemory, type Stage } from './stages.js';
import { spread, stageRows } from './stats.js';
import type { BenchFloor, BenchImage, BenchReport } from './types.js';

export interface BenchOptions extends YamlBuildOptions, BootSettings {
  runs: number;
  floor: boolean;
  /** Keep the built images and consoles here instead of a temporary directory removed at the end. */
  keep?: string;
}

/** An input ready to boot. */
interface Prepared {
  label: string;
  built: boolean;
  files: KernelInitrdFiles & { kernel: string };
  /** The prefix booted: the image with the probe. */
  boot: string;
}

const isYaml = (s: string): boolean => /\.ya?ml$/.test(s) || s === '-' || /^https?:\/\//.test(s);

/** An output as it is, or YAML ("a.yml", or "a.yml,b.yml" merged in order) built into `dir`. */
async function prepare(input: string, i: number, o: BenchOptions, dir: string): Promise<Prepared> {
  let files = await kernelInitrdOutput(input);
  const built = !files;
  if (!files) {
    const configs = input.split(',');
    if (!configs.every(isYaml)) throw new UserError(`${input}: no such file, nor a kernel+initrd output (${input}-initrd.img)`);
    log.info(`Building ${input}`);
    const { output } = await buildYaml(configs, o, dir, `image${i}`, 'kernel+initrd');
    files = await kernelInitrdOutput(output);
    if (!files) throw new Error(`bench: the build of ${input} wrote no kernel+initrd in ${dir}`);
  }
  if (!files.kernel) throw new UserError(`${input}: no kernel beside ${files.initrd} (${files.initrd.replace(/initrd\.img$/, 'kernel')})`);
  const withKernel = { ...files, kernel: files.kernel };
  return { label: input, built, files: withKernel, boot: await withProbe(withKernel, dir, `boot${i}`) };
}

async function sha256(file: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(file)) h.update(chunk as Buffer);
  return h.digest('hex');
}

/** One floor per distinct kernel (by content): images on the same kernel share it. */
async function prepareFloors(images: Prepared[], dir: string): Promise<{ floors: { label: string; boot: string }[]; floorOf: number[] }> {
  const byKernel = new Map<string, number>();
  const floors: { label: string; boot: string; first: string }[] = [];
  const floorOf: number[] = [];
  for (const img of images) {
    const key = await sha256(img.files.kernel);
    let at = byKernel.get(key);
    if (at === undefined) {
      at = floors.length;
      byKernel.set(key, at);
      const cmdline = img.files.cmdline ? (await readFile(img.files.cmdline, 'utf8')).trim() : '';
      floors.push({ label: 'floor', boot: await floorImage(img.files.kernel, cmdline, dir, `floor${at}`), first: img.label });
    }
    floorOf.push(at);
  }
  if (floors.length > 1) for (const f of floors) f.label = `floor (kernel of ${f.first})`;
  return { floors, floorOf };
}

/** What the boots gave, per image and floor, before the figures are made. */
interface Collected {
  timelines: Stage[][];
  memory: { usedKiB: number; totalKiB: number }[];
  rounds: { wall: number; ok: boolean }[];
}

const FLOOR_LINE = new RegExp(`linuxkit-ts: [\\d.]+ ${FLOOR_STAGE}`);

interface Booted {
  got: Collected[];
  floors: { values: number[]; rounds: { wall: number; ok: boolean }[] }[];
  failures: string[];
  accel: string;
}

/** The rounds: each image, then each floor, booted once per round. */
async function boots(images: Prepared[], floors: { label: string; boot: string }[], o: BenchOptions, dir: string, status: LiveStatus): Promise<Booted> {
  const b: Booted = {
    got: images.map(() => ({ timelines: [], memory: [], rounds: [] })),
    floors: floors.map(() => ({ values: [], rounds: [] })),
    failures: [],
    accel: '',
  };
  const total = o.runs * (images.length + floors.length);
  let n = 0;
  const one = async (label: string, prefix: string, until: RegExp, round: number, state: string): Promise<BootRun> => {
    status.set(`bench: round ${round + 1}/${o.runs}, booting ${label} (boot ${++n} of ${total})`);
    const r = await bootOnce(prefix, until, o, join(dir, state));
    if (o.keep) await writeFile(join(dir, `${state}-round${round + 1}.console.log`), r.console);
    b.accel ||= r.accel;
    if (!r.ok) {
      b.failures.push(`round ${round + 1}, ${label}: ${r.why}`);
      log.warn(`${label}, round ${round + 1}: ${r.why}; last console lines:\n${r.console.split(/\r?\n/).slice(-15).join('\n')}`);
    }
    return r;
  };
  for (let round = 0; round < o.runs; round++) {
    for (const [i, img] of images.entries()) {
      const r = await one(img.label, img.boot, MEMORY_LINE, round, `state${i}`);
      const g = b.got[i]!;
      g.rounds.push({ wall: r.wall, ok: r.ok });
      const tl = bootTimeline(r.console);
      if (tl) g.timelines.push(tl);
      else if (r.ok)
        log.warn(
          `${img.label}, round ${round + 1}: no "services started" stage line before the probe's (an init without linuxkit-ts stage lines?): no timeline`,
        );
      const m = parseMemory(r.console);
      if (m) g.memory.push(m);
    }
    for (const [i, f] of floors.entries()) {
      const r = await one(f.label, f.boot, FLOOR_LINE, round, `floor-state${i}`);
      b.floors[i]!.rounds.push({ wall: r.wall, ok: r.ok });
      const t = parseFloor(r.console);
      if (t !== undefined) b.floors[i]!.values.push(t);
    }
  }
  return b;
}

export async function bench(inputs: string[], o: BenchOptions): Promise<BenchReport> {
  if (!inputs.length) throw new UserError('bench: name at least one YAML config or kernel+initrd output');
  if (!Number.isInteger(o.runs) || o.runs < 1) throw new UserError(`--runs ${o.runs}: a whole number of rounds, 1 or more`);
  const dir = o.keep ?? (await mkdtemp(join(tmpdir(), 'linuxkit-bench-')));
  await mkdir(dir, { recursive: true });
  const status = liveStatus();
  try {
    const images: Prepared[] = [];
    for (const [i, input] of inputs.entries()) images.push(await prepare(input, i, o, dir));
    const { floors, floorOf } = o.floor ? await prepareFloors(images, dir) : { floors: [], floorOf: [] };
    const loadAverage = loadavg().map((x) => Math.round(x * 100) / 100);
    const b = await boots(images, floors, o, dir, status);
    const benchFloors: BenchFloor[] = floors.map((f, i) => {
      const at = spread(b.floors[i]!.values);
      return { label: f.label, values: b.floors[i]!.values, ...(at && { at }), rounds: b.floors[i]!.rounds };
    });
    return {
      runs: o.runs,
      memMiB: o.mem,
      cpus: o.cpus,
      accel: b.accel,
      loadAverage,
      images: await Promise.all(images.map((img, i) => figures(img, b.got[i]!, floorOf[i], benchFloors))),
      floors: benchFloors,
      failures: b.failures,
    };
  } finally {
    status.stop();
    if (!o.keep) await rm(dir, { recursive: true, force: true });
  }
}

async function figures(img: Prepared, g: Collected, floor: number | undefined, floors: BenchFloor[]): Promise<BenchImage> {
  const kernel = (await stat(img.files.kernel)).size;
  const initrd = (await stat(img.files.initrd)).size;
  const stages = stageRows(g.timelines);
  const containers = (kind: string) => [...new Set(stages.filter((s) => s.kind === kind).map((s) => s.container!))];
  const used = spread(g.memory.map((m) => m.usedKiB / 1024));
  const total = spread(g.memory.map((m) => m.totalKiB / 1024));
  const all = stages.find((s) => s.kind === 'all')?.at.median;
  const floorAt = floor === undefined ? undefined : floors[floor]?.at?.median;
  return {
    label: img.label,
    built: img.built,
    size: { kernel, initrd, total: kernel + initrd },
    stages,
    bars: timelineBars(stages),
    containers: { onboot: containers('onboot-done'), services: containers('service') },
    ...(used && total && { memory: { usedMiB: used, totalMiB: total } }),
    ...(floor !== undefined && { floor }),
    ...(all !== undefined && floorAt && { floorRatio: all / floorAt }),
    rounds: g.rounds,
  };
}
