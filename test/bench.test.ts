// `linuxkit bench`, run as a user runs it, on examples/minimal.yml built from the project's
// packages (built into a fresh cache by the fixtures; .deb files and the kernel compile come from
// the shared caches): one round with the floor, --json and --svg. The timeline's stages are in
// order and name the YAML's containers (dhcpcd onboot, getty service), the memory in use is a
// positive number below --mem, the floor comes before "services started"; the SVG is
// self-contained, opens in headless Chromium (Debian `chromium`) and shows one bar per stage and
// container. The screenshot is kept under the directory the test prints, for a person to look at.
// Two boots in all (the image and the floor): the machine is shared.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { parse } from 'yaml';
import { textReport, type BenchReport } from '../src/bench/index.js';
import { tempDir } from './fixtures/boot.js';
import { buildProjectPackages } from './fixtures/packages.js';
import { ROOT, runCli, runCliAsync } from './helpers.js';

const tmp = tempDir('bench');
/** Kept after the test, for a person to look at. */
const SHOTS = join(tmpdir(), 'linuxkit-ts-test-output', 'bench');
const MINIMAL = join(ROOT, 'examples/minimal.yml');
const MEM = 128;

function chromium(args: string[]): string {
  const r = spawnSync('chromium', ['--headless', '--no-sandbox', '--disable-gpu', ...args], { encoding: 'utf8', timeout: 120_000 });
  assert.ok(!r.error, `chromium: ${r.error?.message} (Debian package chromium, scripts/host-packages.txt)`);
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

describe('linuxkit bench --runs 1 --floor --json --svg on examples/minimal.yml', { timeout: 900_000 }, () => {
  const svg = join(SHOTS, 'minimal.svg');
  let report: BenchReport;

  before(async () => {
    mkdirSync(SHOTS, { recursive: true });
    const cache = join(tmp, 'cache');
    await buildProjectPackages(cache, ['kernel', 'init', 'crun', 'dhcpcd', 'getty']);
    const r = await runCliAsync(['--cache', cache, 'bench', '--runs', '1', '--floor', '--mem', String(MEM), '--json', '--svg', svg, MINIMAL], { cwd: tmp });
    assert.equal(r.status, 0, r.output);
    report = JSON.parse(r.stdout) as BenchReport;
  });

  it('reports the stages in order, from kernel start to "services started", and the YAML\'s containers', () => {
    assert.equal(report.images.length, 1);
    const img = report.images[0]!;
    assert.equal(img.built, true);
    const names = img.stages.map((s) => s.stage);
    assert.equal(names[0], 'kernel start');
    assert.equal(names[names.length - 1], 'services started');
    const at = (name: string) => names.indexOf(name);
    assert.ok(at('init start') > 0, names.join(', '));
    assert.ok(at('init start') < at('onboot 000-dhcpcd start') && at('onboot 000-dhcpcd start') < at('onboot 000-dhcpcd done'), names.join(', '));
    assert.ok(at('onboot 000-dhcpcd done') < at('service getty started'), names.join(', '));
    const times = img.stages.map((s) => s.at.median);
    for (let i = 1; i < times.length; i++) assert.ok(times[i]! >= times[i - 1]!, `${names[i]} (${times[i]}) is not before ${names[i - 1]} (${times[i - 1]})`);
    const yml = parse(readFileSync(MINIMAL, 'utf8')) as { onboot: { name: string }[]; services: { name: string }[] };
    assert.deepEqual(img.containers, { onboot: yml.onboot.map((c) => c.name), services: yml.services.map((c) => c.name) });
    assert.deepEqual(img.containers, { onboot: ['dhcpcd'], services: ['getty'] });
  });

  it('measures memory in use below --mem, the floor below "services started", and the size', () => {
    const img = report.images[0]!;
    assert.ok(img.memory, 'the probe printed the memory line');
    assert.ok(img.memory.usedMiB.median > 0 && img.memory.usedMiB.median < MEM, `memory in use: ${img.memory.usedMiB.median} MiB`);
    assert.ok(img.memory.totalMiB.median <= MEM);
    const floor = report.floors[img.floor!]?.at;
    const all = img.stages.find((s) => s.stage === 'services started')!.at.median;
    assert.ok(floor && floor.median > 0 && floor.median < all, `floor ${floor?.median} s, services started ${all} s`);
    assert.ok(img.floorRatio! > 1);
    assert.equal(img.size.total, img.size.kernel + img.size.initrd);
    assert.ok(img.size.kernel > 1e6 && img.size.initrd > 1e6);
    assert.deepEqual(report.failures, []);
    // The text table, from the same figures: a row per stage, a column for the image and the floor.
    const text = textReport(report);
    assert.match(text, /^services started\s+\d+\.\d\d\s*$/m);
    assert.match(text, /^stage\s+.*examples\/minimal\.yml\s+floor$/m);
    assert.match(text, /^memory in use, MiB \(-m 128\)\s+\d+\.\d of \d+\.\d/m);
  });

  it('writes a self-contained SVG that Chromium shows with one bar per stage and container', () => {
    const text = readFileSync(svg, 'utf8');
    assert.doesNotMatch(text, /<script|href=|@import|url\(/, 'nothing fetched or run when viewed');
    const img = report.images[0]!;
    const drawn = img.bars.flatMap((b) => b.stages).sort();
    assert.deepEqual(drawn, img.stages.map((s) => s.stage).sort(), 'every stage is drawn by one bar');
    for (const c of ['onboot dhcpcd', 'service getty', 'kernel → init start', 'all services started'])
      assert.ok(
        img.bars.some((b) => b.label === c),
        c,
      );
    const dom = chromium(['--dump-dom', `file://${svg}`]);
    const rects = [...dom.matchAll(/<rect class="bar" data-stage="([^"]*)"[^>]*width="([\d.]+)"/g)].map((m) => ({
      label: m[1]!.replace(/&#38;/g, '&'),
      width: Number(m[2]),
    }));
    assert.deepEqual(
      rects.map((r) => r.label),
      img.bars.map((b) => b.label),
      `Chromium's DOM: ${dom.slice(0, 1500)}`,
    );
    assert.ok(rects.every((r) => r.width > 0));
    const png = join(SHOTS, 'minimal.png');
    chromium([`--screenshot=${png}`, '--window-size=1000,520', `file://${svg}`]);
    assert.ok(statSync(png).size > 5000);
    console.log(`bench: SVG and screenshot in ${SHOTS}`);
  });
});

it('a missing input and a bad --runs are errors that name them (no boot)', () => {
  const missing = runCli(['bench', 'nothing-here'], { cwd: tmp });
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /nothing-here: no such file, nor a kernel\+initrd output/);
  const runs = runCli(['bench', '--runs', '0', 'nothing-here'], { cwd: tmp });
  assert.notEqual(runs.status, 0);
  assert.match(runs.stderr, /--runs takes a whole number of 1 or more, not "0"/);
});
