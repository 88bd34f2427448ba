// `linuxkit inspect`, run as a user runs it, on an image built here from small real images: the
// sizes by component add up exactly to the output's size (tar; kernel+initrd with gzip and zstd
// initrds), the busybox planted in three components is found as duplicated in the tar and as
// stored once in the initrd, a YAML input is built and its init images named, and the HTML page
// opens in headless Chromium (Debian `chromium`), shows the components and zooms in on a click
// (the page's own self-test, #selftest). Screenshots go to the directory the test prints.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { putCacheImage } from './fixtures/cache-image.js';
import { tarStream, type FixtureEntry } from './fixtures/tar.js';
import { runCli } from './helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'lk-inspect-'));
const cache = join(tmp, 'cache');
after(() => rmSync(tmp, { recursive: true, force: true }));
/** Kept after the test, for a person to look at. */
const SHOTS = join(tmpdir(), 'linuxkit-ts-test-output', 'inspect');
const BUSYBOX = readFileSync('/bin/busybox');
// Incompressible (and the same every run), so its member's compressed size is about its size.
const MODULE = Buffer.concat(Array.from({ length: 6250 }, (_, i) => createHash('sha256').update(String(i)).digest()));

interface Report {
  total: number;
  outputs: { file: string; size: number }[];
  members?: number;
  components: { id: string; label: string; stored: number; unpacked: number; files: number }[];
  duplicates: { size: number; copies: { component: string; path: string; shared: boolean }[] }[];
  duplicateBytes: number;
  sharedBytes: number;
  sharedFiles: number;
}

function lk(args: string[]): string {
  const r = runCli(['--cache', cache, ...args], { cwd: tmp });
  assert.equal(r.status, 0, `linuxkit ${args.join(' ')}:\n${r.stderr}`);
  return r.stdout;
}

const inspectJson = (input: string): Report => JSON.parse(lk(['inspect', '--json', input])) as Report;
const stored = (r: Report): number => r.components.reduce((a, c) => a + c.stored, 0);
const size = (f: string): number => statSync(join(tmp, f)).size;

async function tarBytes(entries: FixtureEntry[]): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of tarStream(entries)) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

before(async () => {
  const kernelTar = await tarBytes([
    { name: 'lib/modules/6.1.0/', type: 'directory', mode: 0o755 },
    { name: 'lib/modules/6.1.0/foo.ko', content: MODULE },
  ]);
  await putCacheImage(cache, {
    ref: 'docker.io/linuxkit/kernel:test',
    layers: [
      [
        { name: 'kernel', content: Buffer.from('pretend-kernel '.repeat(5000)) },
        { name: 'kernel.tar', content: kernelTar },
      ],
    ],
  });
  const withBusybox = (extra: string) => [
    [
      { name: 'bin', type: 'directory' as const },
      { name: 'bin/busybox', content: BUSYBOX, mode: 0o755 },
      { name: 'etc', type: 'directory' as const },
      { name: 'etc/who', content: extra },
    ],
  ];
  await putCacheImage(cache, { ref: 'docker.io/linuxkit/init:test', layers: withBusybox('init') });
  await putCacheImage(cache, { ref: 'docker.io/library/first:1', layers: withBusybox('first') });
  await putCacheImage(cache, { ref: 'docker.io/library/second:1', layers: withBusybox('second') });
  writeFileSync(
    join(tmp, 'image.yml'),
    'kernel:\n  image: linuxkit/kernel:test\n  cmdline: console=ttyS0\ninit:\n  - linuxkit/init:test\n' +
      'onboot:\n  - name: first\n    image: first:1\nservices:\n  - name: second\n    image: second:1\n' +
      'files:\n  - path: etc/hello\n    contents: hello\n',
  );
  lk(['build', '-q', '-o', 'image.tar', 'image.yml']);
  lk(['build', '-q', '--name', 'gz', 'image.yml']);
  lk(['build', '-q', '--name', 'zst', '--compress', 'zstd', 'image.yml']);
});

test("tar: the components add up to the tar's size, and the busybox in three components is found", () => {
  const r = inspectJson('image.tar');
  assert.equal(r.total, size('image.tar'));
  assert.equal(stored(r), r.total, 'every byte of the tar is in one component');
  const labels = r.components.map((c) => c.label);
  for (const want of ['kernel', 'kernel modules', 'init[0] linuxkit/init', 'onboot first (first)', 'service second (second)', 'files (YAML files:)']) {
    assert.ok(labels.includes(want), `${want} in ${labels.join(', ')}`);
  }
  const bb = r.duplicates.find((d) => d.size === BUSYBOX.length);
  assert.ok(bb, `busybox among the duplicates: ${JSON.stringify(r.duplicates)}`);
  assert.deepEqual(
    bb.copies.map((c) => c.path).sort(),
    ['bin/busybox', 'containers/onboot/000-first/lower/bin/busybox', 'containers/services/second/lower/bin/busybox'].sort(),
  );
  assert.ok(
    bb.copies.every((c) => !c.shared),
    'a tar stores every copy',
  );
  assert.ok(r.duplicateBytes >= 2 * BUSYBOX.length, `sharing would save two copies (${r.duplicateBytes})`);
  assert.ok(!r.duplicates.some((d) => d.copies.some((c) => c.path.endsWith('etc/who'))), 'files that differ are not duplicates');
  const text = lk(['inspect', 'image.tar']);
  assert.match(text, /sharing the copies would save/);
});

// gzip initrds are one member per part; zstd ones one stream (its long window shares across
// parts, docs/formats.md), where the unplaced files are "init images" and shares are in proportion.
for (const [prefix, segmented] of [
  ['gz', true],
  ['zst', false],
] as const) {
  test(`kernel+initrd (${prefix}): the components add up to kernel + initrd + cmdline, the busybox copies are stored once`, () => {
    const r = inspectJson(prefix);
    const files = [`${prefix}-kernel`, `${prefix}-initrd.img`, `${prefix}-cmdline`];
    assert.equal(
      r.total,
      files.reduce((a, f) => a + size(f), 0),
    );
    assert.equal(stored(r), r.total, 'every byte of the output is in one component');
    assert.equal((r.members ?? 0) > 1, segmented, `members: ${r.members}`);
    const labels = r.components.map((c) => c.label);
    for (const want of ['kernel', 'kernel modules', segmented ? 'init[0]' : 'init images', 'onboot first', 'service second'])
      assert.ok(labels.includes(want), `${want} in ${labels.join(', ')}`);
    const modules = r.components.find((c) => c.id === 'modules')!;
    assert.equal(modules.unpacked, MODULE.length);
    // The incompressible module's member is its size and a little: the share is the member's.
    if (segmented) assert.ok(modules.stored >= MODULE.length && modules.stored < MODULE.length * 1.01, `modules in the output: ${modules.stored}`);
    const bb = r.duplicates.find((d) => d.size === BUSYBOX.length);
    assert.ok(bb, 'busybox among the duplicates');
    assert.equal(bb.copies.filter((c) => c.shared).length, 2, 'two copies are hard links to the first');
    assert.equal(r.sharedFiles, 2);
    assert.ok(r.duplicateBytes < BUSYBOX.length, 'nothing large left to share');
    assert.match(lk(['inspect', `${prefix}-initrd.img`]), /already shared by the build: 2 copies/);
  });
}

test('a YAML input is built, then inspected, with its init images named', () => {
  const r = inspectJson('image.yml');
  assert.equal(stored(r), r.total);
  assert.ok(
    r.components.some((c) => c.label === 'init[0] linuxkit/init'),
    r.components.map((c) => c.label).join(', '),
  );
  const t = JSON.parse(lk(['inspect', '--json', '--format', 'tar', 'image.yml'])) as Report;
  assert.equal(stored(t), t.total);
});

test('a missing input is an error that names it', () => {
  const r = runCli(['--cache', cache, 'inspect', 'nothing-here'], { cwd: tmp });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /nothing-here: no such file/);
});

function chromium(args: string[]): string {
  const r = spawnSync('chromium', ['--headless', '--no-sandbox', '--disable-gpu', ...args], { encoding: 'utf8', timeout: 120_000 });
  assert.ok(!r.error, `chromium: ${r.error?.message} (Debian package chromium, scripts/host-packages.txt)`);
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

test('the HTML page opens in headless Chromium, shows the components and zooms in on a click', () => {
  mkdirSync(SHOTS, { recursive: true });
  for (const input of ['image.tar', 'gz']) {
    const page = join(SHOTS, `${input}.html`);
    lk(['inspect', '--html', page, input]);
    const html = readFileSync(page, 'utf8');
    assert.doesNotMatch(html, /<script[^>]+src=|<link[^>]+href=|https?:\/\/(?!www\.w3\.org\/2000\/svg)/, 'self-contained: nothing fetched when viewed');
    const dom = chromium(['--dump-dom', `file://${page}#selftest`]);
    const m = /<pre id="selftest">(.*?)<\/pre>/s.exec(dom);
    assert.ok(m?.[1], `the self-test ran: ${dom.slice(0, 2000)}`);
    const result = JSON.parse(
      m[1]
        .replace(/&quot;/g, '"')
        .replace(/&amp;/g, '&')
        .replace(/&lt;/g, '<')
        .replace(/&gt;/g, '>'),
    ) as { pass: boolean; shown: string[]; zoomedInto: string; after: string[] };
    assert.equal(result.pass, true, JSON.stringify(result));
    for (const c of ['kernel', 'service second'])
      assert.ok(
        result.shown.some((s) => s.startsWith(c)),
        `${c} drawn: ${result.shown.join(', ')}`,
      );
    assert.ok(result.after.length > 0, 'a click shows what is inside');
    chromium([`--screenshot=${join(SHOTS, `${input}.png`)}`, '--window-size=1280,1000', `file://${page}`]);
    chromium([`--screenshot=${join(SHOTS, `${input}-zoomed.png`)}`, '--window-size=1280,1000', `file://${page}#selftest`]);
    assert.ok(statSync(join(SHOTS, `${input}.png`)).size > 5000);
  }
  console.log(`inspect: pages and screenshots in ${SHOTS}`);
});
