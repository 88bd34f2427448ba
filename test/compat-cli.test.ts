// Issue 13 through the CLI: configs LinuxKit accepts build the same here (ambient keywords,
// integer page sizes, `.add` beside the plain list, the touch list, apk databases, hard links to
// generated files, metadata files byte for byte as LinuxKit writes them), and bad input gives
// one clear message and leaves nothing behind. Images are made in the test, in a real cache.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, existsSync, createReadStream, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readTar, type ReadEntry } from '../src/assemble/testing.js';
import { ALL_CAPABILITIES } from '../src/spec/index.js';
import { putCacheImage } from './fixtures/cache-image.js';
import { tarStream, type FixtureEntry } from './fixtures/tar.js';
import { CLI, ROOT, runCli, type CliResult } from './helpers.js';

const FIXTURES = join(ROOT, 'test/fixtures/metadata');
let dir: string;
let cache: string;

function lk(args: string[], opts: { input?: string; env?: NodeJS.ProcessEnv } = {}): CliResult {
  return runCli(['--cache', cache, ...args], { cwd: dir, input: opts.input, env: { CI: '', ...opts.env } });
}

async function tarOf(file: string): Promise<ReadEntry[]> {
  return readTar(createReadStream(file));
}

async function tarBuffer(entries: FixtureEntry[]): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of tarStream(entries)) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

function build(name: string, yml: string, extra: string[] = []): CliResult {
  writeFileSync(join(dir, `${name}.yml`), yml);
  return lk(['build', '-f', 'tar', ...extra, `${name}.yml`]);
}

const noStack = (r: CliResult) => assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');

/** config.json of a container in a built tar. */
function configJson(entries: ReadEntry[], path: string): { process: { capabilities: Record<string, string[]> }; linux: { resources?: unknown } } {
  const e = entries.find((x) => x.name === path);
  assert.ok(e, `${path} in the tar`);
  return JSON.parse(e.contents!) as ReturnType<typeof configJson>;
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lkts-compat-'));
  cache = join(dir, 'cache');
  const kernelTar = await tarBuffer([{ name: 'lib/modules/', type: 'directory' }]);
  await putCacheImage(cache, {
    ref: 'docker.io/linuxkit/kernel:fx',
    layers: [
      [
        { name: 'kernel', content: 'kernel' },
        { name: 'kernel.tar', content: kernelTar },
      ],
    ],
  });
  const apkInit = (pkg: string): FixtureEntry[] => [
    { name: 'lib', type: 'directory' },
    { name: 'lib/apk', type: 'directory' },
    { name: 'lib/apk/db', type: 'directory' },
    { name: 'lib/apk/db/installed', content: `P:${pkg}\nV:1.0\n` },
  ];
  await putCacheImage(cache, {
    ref: 'docker.io/linuxkit/init:fx',
    layers: [
      [
        ...apkInit('busybox'),
        // An image's own mode and owner for etc and dev: LinuxKit's touch list overrides them.
        { name: 'etc', type: 'directory', mode: 0o700, uid: 5, gid: 6 },
        { name: 'dev', type: 'directory', mode: 0o711 },
        { name: 'etc/hosts', content: 'image hosts\n' },
        // A hard link to a file the build writes itself.
        { name: 'etc/hosts.link', type: 'link', linkname: 'etc/hosts' },
      ],
    ],
  });
  await putCacheImage(cache, { ref: 'docker.io/linuxkit/runc:fx', layers: [apkInit('runc')] });
  for (const ref of ['docker.io/linuxkit/sysctl:fx', 'docker.io/library/alpine:latest']) {
    await putCacheImage(cache, {
      ref,
      layers: [
        [
          { name: 'bin', type: 'directory' },
          { name: 'bin/x', content: 'x' },
        ],
      ],
    });
  }
  await putCacheImage(cache, {
    ref: 'docker.io/example/svc:fx',
    layers: [
      [
        { name: 'bin', type: 'directory' },
        { name: 'bin/svc', content: 'svc' },
      ],
    ],
    mobyConfig: { capabilities: ['CAP_NET_ADMIN'], 'capabilities.add': ['CAP_SYS_ADMIN'] },
  });
});

after(() => rmSync(dir, { recursive: true, force: true }));

describe('compat: configs LinuxKit builds, built the same', () => {
  test('ambient: [all] and [None] in any case mean every capability and none', async () => {
    const r = build('ambient', 'onboot:\n  - name: a\n    image: alpine\n    ambient: [ALL]\n  - name: b\n    image: alpine\n    ambient: [None]\n');
    assert.equal(r.status, 0, r.stderr);
    const t = await tarOf(join(dir, 'ambient.tar'));
    assert.deepEqual(configJson(t, 'containers/onboot/000-a/config.json').process.capabilities.ambient, [...ALL_CAPABILITIES]);
    assert.equal(configJson(t, 'containers/onboot/001-b/config.json').process.capabilities.ambient, undefined);
  });

  test("hugepageLimits pageSize as an integer (LinuxKit's schema) becomes the OCI name", async () => {
    const r = build(
      'huge',
      'onboot:\n  - name: a\n    image: alpine\n    resources:\n      hugepageLimits:\n        - pageSize: 2097152\n          limit: 4\n',
    );
    assert.equal(r.status, 0, r.stderr);
    const res = configJson(await tarOf(join(dir, 'huge.tar')), 'containers/onboot/000-a/config.json').linux.resources;
    assert.deepEqual(res, { hugepageLimits: [{ pageSize: '2MB', limit: 4 }] });
  });

  test("capabilities with capabilities.add: the plain list alone, with a warning; a label's .add ignored", async () => {
    const r = build(
      'adds',
      'onboot:\n  - name: a\n    image: example/svc:fx\n    capabilities: [CAP_CHOWN]\n    capabilities.add: [CAP_KILL]\n  - name: b\n    image: example/svc:fx\n    capabilities.add: [CAP_KILL]\n',
    );
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /adds\.yml:5:5: onboot\[0\]\.capabilities\.add is ignored because capabilities is set too/);
    assert.match(r.stderr, /example\/svc:fx: org\.mobyproject\.config label: capabilities\.add is ignored/);
    assert.equal(r.stderr.match(/label: capabilities\.add is ignored/g)?.length, 1, 'the label warning once');
    const t = await tarOf(join(dir, 'adds.tar'));
    assert.deepEqual(configJson(t, 'containers/onboot/000-a/config.json').process.capabilities.effective, ['CAP_CHOWN']);
    // The label's capabilities plus the YAML's .add; the label's own .add (CAP_SYS_ADMIN) is not used.
    assert.deepEqual(configJson(t, 'containers/onboot/001-b/config.json').process.capabilities.effective, ['CAP_NET_ADMIN', 'CAP_KILL']);
  });

  test('init images: each apk database, then the merged one; touch directories after the image; hard link after its target', async () => {
    const r = build('inits', 'init:\n  - linuxkit/init:fx\n  - linuxkit/runc:fx\n');
    assert.equal(r.status, 0, r.stderr);
    const t = await tarOf(join(dir, 'inits.tar'));
    const dbs = t.filter((e) => e.name === 'lib/apk/db/installed');
    assert.deepEqual(
      dbs.map((e) => e.contents),
      ['P:busybox\nV:1.0\n', 'P:runc\nV:1.0\n', 'P:busybox\nV:1.0\n\n\nP:runc\nV:1.0\n\n\n'],
    );
    assert.equal(dbs[2]!.pax['LINUXKIT.source'], 'LINUXKIT.apkinit');
    assert.equal(dbs[2]!.mode, 0o644);
    for (const d of ['etc', 'dev']) {
      const last = t.filter((e) => e.name === d).at(-1)!;
      assert.deepEqual([last.mode, last.uid, last.gid], [0o755, 0, 0], `${d} ends up 0755 root:root`);
    }
    const at = (name: string, type: string) => t.findIndex((e) => e.name === name && e.type === type);
    assert.ok(at('etc/hosts', 'file') >= 0 && at('etc/hosts.link', 'link') > at('etc/hosts', 'file'), 'the hard link follows etc/hosts');
    // Every tar reader can extract it.
    const out = join(dir, 'inits-x');
    mkdirSync(out);
    const x = spawnSync('tar', ['-xf', join(dir, 'inits.tar'), '-C', out], { encoding: 'utf8' });
    assert.equal(x.status, 0, x.stderr);
    assert.equal(readFileSync(join(out, 'etc/hosts.link'), 'utf8'), readFileSync(join(out, 'etc/hosts'), 'utf8'));
  });

  for (const name of ['full', 'minimal', 'quoting']) {
    test(`${name}.yml: --dry-run, metadata: yaml and metadata: json byte for byte as LinuxKit's`, async () => {
      const yml = join(FIXTURES, `${name}.yml`);
      const dry = lk(['build', '--dry-run', yml]);
      assert.equal(dry.status, 0, dry.stderr);
      assert.equal(dry.stdout, readFileSync(join(FIXTURES, `${name}.dry-run.txt`), 'utf8'));
      const r = lk(['build', '-f', 'tar', '--dir', dir, '--name', `md-${name}`, yml]);
      assert.equal(r.status, 0, r.stderr);
      const t = await tarOf(join(dir, `md-${name}.tar`));
      const files = t.filter((e) => e.pax['LINUXKIT.source'] === 'linuxkit.files' && e.type === 'file');
      const want = { yaml: readFileSync(join(FIXTURES, `${name}.metadata.yaml`), 'utf8'), json: readFileSync(join(FIXTURES, `${name}.metadata.json`), 'utf8') };
      const yamlFile = files.find((e) => /\.ya?ml$/.test(e.name));
      const jsonFile = files.find((e) => e.name.endsWith('.json'));
      assert.equal(yamlFile?.contents, want.yaml);
      assert.equal(jsonFile?.contents, want.json);
    });
  }
});

describe('compat: bad input, one clear message', () => {
  test('every problem of a file in one run', () => {
    const r = build(
      'many',
      'kernel:\n  image: linuxkit/kernel:fx\n  cmdlne: x\nonboot:\n  - name: a\n    image: alpine\n    readonly: "yes"\n    capabilities: [CAP_FOO]\n    uid: nobody\n',
    );
    assert.equal(r.status, 1);
    noStack(r);
    for (const m of [
      /many\.yml:3:3: kernel: unknown field "cmdlne"/,
      /many\.yml:7:15: onboot\[0\]\.readonly: expected true or false/,
      /many\.yml:8:20: onboot\[0\]\.capabilities\[0\]: unknown capability "CAP_FOO"/,
      /many\.yml:9:10: onboot\[0\]\.uid: "nobody" names no container/,
    ]) {
      assert.match(r.stderr, m);
    }
  });

  test('an empty config, ~ and empty stdin are errors, and nothing is written', () => {
    for (const [args, input] of [
      [['e1.yml'], undefined],
      [['e2.yml'], undefined],
      [['-'], ''],
    ] as const) {
      writeFileSync(join(dir, 'e1.yml'), '# nothing here\n');
      writeFileSync(join(dir, 'e2.yml'), '~\n');
      const r = lk(['build', '-f', 'tar', '--dir', join(dir, 'empty-out'), ...args], { input });
      assert.equal(r.status, 1, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, /:1:1: the file (is empty|holds only null)/);
      noStack(r);
    }
    assert.deepEqual(
      readdirSync(dir).filter((f) => f === 'empty-out'),
      [],
    );
  });

  test('a registry port out of range names the entry', () => {
    const r = build('port', 'onboot:\n  - name: a\n    image: localhost:99999/x:1\n');
    assert.equal(r.status, 1);
    assert.match(r.stderr, /port\.yml:3:12: onboot\[0\]\.image: "localhost:99999\/x:1": registry port 99999 is out of range/);
  });

  test('a corrupt layer in the cache names the image and the blob, and is fetched again next time', async () => {
    const idx = await putCacheImage(cache, { ref: 'docker.io/example/bad:gz', layers: [[{ name: 'big', content: Buffer.alloc(200000, 7) }]] });
    const blob = (d: string) => join(cache, 'blobs/sha256', d.slice(7));
    const index = JSON.parse(readFileSync(blob(idx.digest), 'utf8')) as { manifests: Array<{ digest: string }> };
    const manifest = JSON.parse(readFileSync(blob(index.manifests[0]!.digest), 'utf8')) as { layers: Array<{ digest: string }> };
    const layer = readFileSync(blob(manifest.layers[0]!.digest));
    for (let i = 40; i < 80; i++) layer[i] ^= 0x5a;
    writeFileSync(blob(manifest.layers[0]!.digest), layer);
    const r = build('corrupt', 'onboot:\n  - name: a\n    image: example/bad:gz\n', []);
    assert.equal(r.status, 1);
    noStack(r);
    // Every blob is hashed as it is read (docs/security.md, 6.): the damaged copy is named and removed.
    assert.match(r.stderr, /image docker\.io\/example\/bad:gz \(onboot\[0\]\): blob sha256:[0-9a-f]{64} in the cache .* is corrupt.*removed.*fetches it again/);
    assert.ok(!existsSync(blob(manifest.layers[0]!.digest)));
    assert.ok(!readdirSync(dir).includes('corrupt.tar'));
  });

  test('a manifest that is JSON null names the image', async () => {
    const body = Buffer.from('null');
    const digest = `sha256:${createHash('sha256').update(body).digest('hex')}`;
    writeFileSync(join(cache, 'blobs/sha256', digest.slice(7)), body);
    const index = JSON.parse(readFileSync(join(cache, 'index.json'), 'utf8')) as { manifests: unknown[] };
    index.manifests.push({
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      digest,
      size: 4,
      annotations: { 'org.opencontainers.image.ref.name': 'docker.io/example/null:1' },
    });
    writeFileSync(join(cache, 'index.json'), JSON.stringify(index));
    const r = build('nullman', 'onboot:\n  - name: a\n    image: example/null:1\n', ['--mirror', 'docker.io=http://127.0.0.1:9']);
    assert.equal(r.status, 1);
    noStack(r);
    assert.match(r.stderr, /example\/null:1/);
  });

  test('a files source from /proc is read whole, as LinuxKit reads it', async () => {
    const r = build('proc', 'files:\n  - path: etc/status\n    source: /proc/self/status\n');
    assert.equal(r.status, 0, r.stderr);
    const e = (await tarOf(join(dir, 'proc.tar'))).find((x) => x.name === 'etc/status');
    assert.match(e?.contents ?? '', /^Name:/);
  });

  test('kernel+squashfs: mksquashfs failing gives its message and leaves nothing', () => {
    const bin = join(dir, 'fakebin');
    mkdirSync(bin, { recursive: true });
    writeFileSync(join(bin, 'mksquashfs'), '#!/bin/sh\nhead -c 100 >/dev/null\necho "FATAL ERROR: rejected" >&2\nexit 1\n');
    chmodSync(join(bin, 'mksquashfs'), 0o755);
    writeFileSync(join(dir, 'sq.yml'), 'kernel:\n  image: linuxkit/kernel:fx\ninit:\n  - linuxkit/init:fx\n');
    const out = join(dir, 'sq-out');
    const r = lk(['build', '-f', 'kernel+squashfs', '--dir', out, 'sq.yml'], { env: { PATH: `${bin}:${process.env.PATH}` } });
    assert.equal(r.status, 1);
    noStack(r);
    assert.match(r.stderr, /mksquashfs could not make the squashfs image \(exit status 1\): FATAL ERROR: rejected/);
    assert.deepEqual(readdirSync(out), []);
  });

  test('temporary files of a build killed outright are removed by the next build there', () => {
    const out = join(dir, 'killed');
    mkdirSync(out);
    // The pid of a process that has ended.
    const gone = spawnSync('true').pid;
    const stale = [`.sq-initrd.img.${gone}-0123abcd.tmp.cpio.member0`, `.sq-initrd.img.${gone}-0123abcd.tmp`];
    for (const f of stale) writeFileSync(join(out, f), 'x');
    const live = `.sq-kernel.${process.pid}-0123abcd.tmp`;
    writeFileSync(join(out, live), 'x');
    const r = lk(['build', '-f', 'kernel+initrd', '--dir', out, 'sq.yml']);
    assert.equal(r.status, 0, r.stderr);
    const left = readdirSync(out);
    for (const f of stale) assert.ok(!left.includes(f), `${f} removed`);
    assert.ok(left.includes(live), "a live build's temporary file is left alone");
  });

  test('a build killed with SIGKILL while writing leaves temporary files that the next build there removes', async () => {
    const out = join(dir, 'sigkill');
    mkdirSync(out);
    // 64 MiB of random bytes: compressing them keeps the build writing its initrd for a while.
    writeFileSync(join(dir, 'big.bin'), randomBytes(64 * 1024 * 1024));
    writeFileSync(join(dir, 'big.yml'), 'kernel:\n  image: linuxkit/kernel:fx\ninit:\n  - linuxkit/init:fx\nfiles:\n  - path: big.bin\n    source: big.bin\n');
    const child = spawn(process.execPath, [CLI, '--cache', cache, 'build', '-f', 'kernel+initrd', '--dir', out, 'big.yml'], { cwd: dir, stdio: 'ignore' });
    const exited = once(child, 'exit');
    const temps = () => readdirSync(out).filter((f) => f.includes('.tmp'));
    for (let waited = 0; temps().length === 0; waited += 10) {
      assert.ok(waited < 60_000 && child.exitCode === null, 'the build made temporary files before it ended');
      await new Promise((r) => setTimeout(r, 10));
    }
    child.kill('SIGKILL');
    await exited;
    assert.ok(temps().length > 0, 'SIGKILL left temporary files');
    const r = lk(['build', '-f', 'kernel+initrd', '--dir', out, 'sq.yml']);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(temps(), [], 'the next build removed them');
  });

  test('cache import of an OCI tar with a missing blob fails and stores nothing', async () => {
    const src = join(dir, 'src-cache');
    const idx = await putCacheImage(src, { ref: 'docker.io/example/imp:1', layers: [[{ name: 'a', content: 'a' }]] });
    const blobs = readdirSync(join(src, 'blobs/sha256'));
    const index = JSON.parse(readFileSync(join(src, 'blobs/sha256', idx.digest.slice(7)), 'utf8')) as { manifests: Array<{ digest: string }> };
    const manifest = JSON.parse(readFileSync(join(src, 'blobs/sha256', index.manifests[0]!.digest.slice(7)), 'utf8')) as { layers: Array<{ digest: string }> };
    const missing = manifest.layers[0]!.digest.slice(7);
    const entries: FixtureEntry[] = [
      { name: 'oci-layout', content: '{"imageLayoutVersion":"1.0.0"}' },
      {
        name: 'index.json',
        content: JSON.stringify({ schemaVersion: 2, manifests: [{ ...idx, annotations: { 'org.opencontainers.image.ref.name': 'docker.io/example/imp:1' } }] }),
      },
      ...blobs.filter((b) => b !== missing).map((b) => ({ name: `blobs/sha256/${b}`, content: readFileSync(join(src, 'blobs/sha256', b)) })),
    ];
    writeFileSync(join(dir, 'imp.tar'), await tarBuffer(entries));
    const target = join(dir, 'imp-cache');
    const r = runCli(['--cache', target, 'cache', 'import', join(dir, 'imp.tar')], { cwd: dir });
    assert.equal(r.status, 1, r.stderr);
    noStack(r);
    assert.match(r.stderr, /example\/imp:1 in the tar is incomplete: .*missing.*nothing was imported/);
    const ls = runCli(['--cache', target, 'cache', 'ls'], { cwd: dir });
    assert.doesNotMatch(ls.stdout, /example\/imp/);
    assert.deepEqual(
      readdirSync(join(target, 'blobs/sha256')).filter((f) => !f.startsWith('.')),
      [],
    );
  });
});
