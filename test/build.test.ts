// `linuxkit build` as a user runs it: the real CLI, small real OCI images in a real cache,
// outputs checked entry by entry (LinuxKit's checks: lk:test/cases/000_build/).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createReadStream, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { spawn, spawnSync } from 'node:child_process';
import { openSync, closeSync, existsSync } from 'node:fs';
import { readTar, type ReadEntry } from '../src/assemble/testing.js';
import { loadConfigs } from '../src/config/index.js';
import { formatNames } from '../src/formats/registry.js';
import { COMPRESSIONS } from '../src/formats/types.js';
import { containerBundles } from '../src/spec/index.js';
import { CLI } from './helpers.js';
import { skopeo, startTestRegistry, type TestRegistry } from '../src/oci/registry/testing.js';
import { putCacheImage } from './fixtures/cache-image.js';
import { runCli, type CliResult } from './helpers.js';

const KERNEL_BYTES = Buffer.from('pretend-kernel '.repeat(200));

let dir: string;
let cache: string;

/** Runs `linuxkit --cache CACHE ARGS` in `cwd` (default: the test dir). */
function lk(args: string[], opts: { cwd?: string; input?: string; env?: NodeJS.ProcessEnv } = {}): CliResult {
  return runCli(['--cache', cache, ...args], { cwd: opts.cwd ?? dir, input: opts.input, env: { CI: '', ...opts.env } });
}

/** Environment that sets a process's wall clock (and its children's) to `at` with libfaketime (Debian
 * package faketime); the monotonic clock is left alone for Node's timers. */
function fakeClock(at: string): NodeJS.ProcessEnv {
  const lib = '/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1';
  assert.ok(existsSync(lib), `${lib}: install faketime (scripts/host-packages.txt)`);
  // NO_FAKE_STAT: only the clock is moved; libfaketime would otherwise also shift the times stat()
  // reports for files the build itself stamped (xorriso and mtools read them back).
  return { LD_PRELOAD: lib, FAKETIME: at, DONT_FAKE_MONOTONIC: '1', NO_FAKE_STAT: '1' };
}

async function tarOf(file: string): Promise<Map<string, ReadEntry>> {
  const entries = await readTar(createReadStream(file));
  return new Map(entries.map((e) => [e.name, e]));
}

function listDir(d: string): string[] {
  return readdirSync(d).sort();
}

const BASE_YML = `kernel:
  image: linuxkit/kernel:test
  cmdline: "console=ttyS0"
init:
  - linuxkit/init:test
onboot:
  - name: svc
    image: example/svc:1
    command: ["/bin/svc", "--once"]
services:
  - name: daemon
    image: example/svc:1
volumes:
  - name: data
    image: linuxkit/init:test
files:
  - path: etc/greeting
    contents: "hello\\n"
    mode: "0640"
    uid: 12
    gid: 34
  - path: etc/from-host
    source: SOURCE_FILE
  - path: var/empty
    directory: true
  - path: etc/link
    symlink: /etc/greeting
`;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lkts-build-'));
  cache = join(dir, 'cache');
  const kernelTar = await tarBuffer([
    { name: 'lib/modules/6.1.0/', type: 'directory', mode: 0o755 },
    { name: 'lib/modules/6.1.0/foo.ko', content: 'module' },
  ]);
  await putCacheImage(cache, {
    ref: 'docker.io/linuxkit/kernel:test',
    layers: [
      [
        { name: 'kernel', content: KERNEL_BYTES },
        { name: 'kernel.tar', content: kernelTar },
        { name: 'System.map', content: 'ignored' },
      ],
    ],
  });
  await putCacheImage(cache, {
    ref: 'docker.io/linuxkit/kernel:gz',
    layers: [
      [
        { name: 'kernel', content: gzipSync(KERNEL_BYTES) },
        { name: 'kernel.tar', content: kernelTar },
      ],
    ],
  });
  await putCacheImage(cache, { ref: 'docker.io/linuxkit/kernel:nokernel', layers: [[{ name: 'kernel.tar', content: kernelTar }]] });
  await putCacheImage(cache, {
    ref: 'docker.io/linuxkit/init:test',
    layers: [
      [
        { name: 'bin', type: 'directory' },
        { name: 'bin/sh', content: '#!busybox', mode: 0o755 },
        { name: 'bin/ash', type: 'link', linkname: 'bin/sh' },
        { name: 'bin/dash', type: 'symlink', linkname: 'sh' },
        { name: 'etc', type: 'directory' },
        { name: 'etc/gone', content: 'removed by the upper layer' },
        { name: 'etc/resolv.conf', content: 'nameserver 10.0.0.1\n' },
      ],
      [
        { name: 'etc', type: 'directory' },
        { name: 'etc/.wh.gone', content: '' },
        { name: 'etc/owned', content: 'x', uid: 5, gid: 6, mode: 0o600 },
      ],
    ],
  });
  await putCacheImage(cache, {
    ref: 'docker.io/example/svc:1',
    layers: [
      [
        { name: 'bin', type: 'directory' },
        { name: 'bin/svc', content: 'svc', mode: 0o755 },
      ],
    ],
    runtime: { Env: ['PATH=/bin', 'FROM_IMAGE=1'], Cmd: ['/bin/svc'], WorkingDir: '/', Labels: { other: 'label' } },
    mobyConfig: { capabilities: ['CAP_NET_ADMIN'], binds: ['/run:/run'] },
  });
  writeFileSync(join(dir, 'host.txt'), 'from the host\n');
  writeFileSync(join(dir, 'base.yml'), BASE_YML.replace('SOURCE_FILE', join(dir, 'host.txt')));
});

after(() => rmSync(dir, { recursive: true, force: true }));

async function tarBuffer(entries: Parameters<typeof import('./fixtures/tar.js').tarStream>[0]): Promise<Buffer> {
  const { tarStream } = await import('./fixtures/tar.js');
  const chunks: Buffer[] = [];
  for await (const c of tarStream(entries)) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** Entries every test expects, shared by the first build. */
let base: Map<string, ReadEntry>;

describe('linuxkit build: the tar output, entry by entry', () => {
  before(async () => {
    const r = lk(['build', '-f', 'tar', 'base.yml']);
    assert.equal(r.status, 0, r.stderr);
    base = await tarOf(join(dir, 'base.tar'));
  });

  test('kernel: cmdline first, kernel binary, modules unpacked, the rest of the image ignored', () => {
    const names = [...base.keys()];
    assert.deepEqual(names.slice(0, 3), ['boot', 'boot/cmdline', 'boot/kernel']);
    assert.equal(base.get('boot/cmdline')!.contents, 'console=ttyS0');
    assert.equal(base.get('boot/kernel')!.contents, KERNEL_BYTES.toString());
    assert.equal(base.get('lib/modules/6.1.0/foo.ko')!.contents, 'module');
    assert.ok(!base.has('System.map') && !base.has('kernel') && !base.has('kernel.tar'));
  });

  test('init image: layers merged, whiteouts applied, links kept, resolv.conf made a symlink', () => {
    assert.ok(!base.has('etc/gone'), "the upper layer's whiteout removes etc/gone");
    assert.ok(![...base.keys()].some((n) => n.includes('.wh.')), 'no whiteout file in the output');
    const sh = base.get('bin/sh')!;
    assert.deepEqual([sh.type, sh.mode, sh.contents], ['file', 0o755, '#!busybox']);
    assert.deepEqual([base.get('bin/ash')!.type, base.get('bin/ash')!.linkname], ['link', 'bin/sh']);
    assert.deepEqual([base.get('bin/dash')!.type, base.get('bin/dash')!.linkname], ['symlink', 'sh']);
    const owned = base.get('etc/owned')!;
    assert.deepEqual([owned.uid, owned.gid, owned.mode], [5, 6, 0o600]);
    const resolv = base.get('etc/resolv.conf')!;
    assert.deepEqual([resolv.type, resolv.linkname], ['symlink', '/run/resolvconf/resolv.conf']);
  });

  test('every entry but the SBOM carries LINUXKIT.source and LINUXKIT.location (lk 001_tarheaders)', () => {
    for (const [name, e] of base) {
      if (name === 'sbom.spdx.json') continue;
      assert.ok(e.pax['LINUXKIT.source'] && e.pax['LINUXKIT.location'], `${name} lacks LinuxKit's PAX records`);
    }
    assert.deepEqual(base.get('bin/sh')!.pax, { 'LINUXKIT.source': 'docker.io/linuxkit/init:test', 'LINUXKIT.location': 'init[0]' });
    assert.equal(base.get('containers/onboot/000-svc/config.json')!.pax['LINUXKIT.location'], 'onboot[0]');
    assert.equal(base.get('etc/greeting')!.pax['LINUXKIT.source'], 'linuxkit.files');
  });

  test('containers: onboot unpacked in lower/, services in rootfs/, config.json and runtime.json from the spec step', async () => {
    assert.equal(base.get('containers/onboot/000-svc/lower/bin/svc')!.contents, 'svc');
    assert.equal(base.get('containers/services/daemon/rootfs')!.type, 'directory');
    const config = await loadConfigs([join(dir, 'base.yml')]);
    const svcConfig = {
      Env: ['PATH=/bin', 'FROM_IMAGE=1'],
      Cmd: ['/bin/svc'],
      WorkingDir: '/',
      Labels: { other: 'label', 'org.mobyproject.config': JSON.stringify({ capabilities: ['CAP_NET_ADMIN'], binds: ['/run:/run'] }) },
    };
    const bundles = containerBundles(config, () => ({ ref: 'docker.io/example/svc:1', config: svcConfig }));
    assert.equal(bundles.length, 2);
    for (const b of bundles) {
      const at = b.layout.path.replace(/^\//, '');
      assert.equal(base.get(`${at}/config.json`)!.contents, b.configJson, `${at}/config.json`);
      assert.equal(base.get(`${at}/runtime.json`)!.contents, b.runtimeJson, `${at}/runtime.json`);
    }
    // And what those mean, independently of the spec code: the YAML command, the image's
    // env, the label's capabilities and binds.
    const spec = JSON.parse(base.get('containers/onboot/000-svc/config.json')!.contents!);
    assert.deepEqual(spec.process.args, ['/bin/svc', '--once']);
    assert.deepEqual(spec.process.env, ['PATH=/bin', 'FROM_IMAGE=1']);
    assert.deepEqual(spec.process.capabilities.bounding, ['CAP_NET_ADMIN']);
    assert.ok(spec.mounts.some((m: { destination: string; type: string }) => m.destination === '/run' && m.type === 'bind'));
    const daemon = JSON.parse(base.get('containers/services/daemon/config.json')!.contents!);
    assert.deepEqual(daemon.process.args, ['/bin/svc'], "the image's Cmd when the YAML gives none");
  });

  test('volumes: the image in lower/, empty tmp/ and merged/', () => {
    assert.equal(base.get('containers/volumes/data/lower/bin/sh')!.contents, '#!busybox');
    assert.equal(base.get('containers/volumes/data/lower/bin/ash')!.linkname, 'containers/volumes/data/lower/bin/sh');
    for (const d of ['tmp', 'merged']) {
      const e = base.get(`containers/volumes/data/${d}`)!;
      assert.deepEqual([e.type, e.pax['LINUXKIT.source']], ['directory', 'linuxkit.volumes']);
    }
  });

  test('files: contents, source, directory, symlink, with modes, owners and parent directories', () => {
    const g = base.get('etc/greeting')!;
    assert.deepEqual([g.type, g.mode, g.uid, g.gid, g.contents], ['file', 0o640, 12, 34, 'hello\n']);
    const h = base.get('etc/from-host')!;
    assert.deepEqual([h.mode, h.contents], [0o600, 'from the host\n']);
    assert.deepEqual([base.get('var')!.type, base.get('var/empty')!.type, base.get('var/empty')!.mode], ['directory', 'directory', 0o700]);
    const l = base.get('etc/link')!;
    assert.deepEqual([l.type, l.linkname], ['symlink', '/etc/greeting']);
  });

  test('the merged SBOM is the last entry, SPDX JSON', () => {
    const names = [...base.keys()];
    assert.equal(names[names.length - 1], 'sbom.spdx.json');
    const doc = JSON.parse(base.get('sbom.spdx.json')!.contents!);
    assert.equal(doc.spdxVersion, 'SPDX-2.3');
    assert.equal(base.get('sbom.spdx.json')!.mode, 0o644);
  });
});

describe('linuxkit build: outputs and flags', () => {
  test('-o - writes the tar to stdout, the same bytes as -o FILE', () => {
    const out = join(dir, 'stdout.tar');
    const fd = openSync(out, 'w');
    const r = spawnSync(process.execPath, [CLI, '--cache', cache, 'build', '-o', '-', 'base.yml'], {
      cwd: dir,
      stdio: ['ignore', fd, 'pipe'],
      encoding: 'utf8',
      env: { ...process.env, CI: '' },
    });
    closeSync(fd);
    assert.equal(r.status, 0, r.stderr);
    const file = lk(['build', '-o', 'file.tar', 'base.yml']);
    assert.equal(file.status, 0, file.stderr);
    assert.ok(readFileSync(out).equals(readFileSync(join(dir, 'file.tar'))));
    assert.ok(readFileSync(out).equals(readFileSync(join(dir, 'base.tar'))), 'same as -f tar');
  });

  test('-o - into a pipe closed early: one error line, exit 1', async () => {
    writeFileSync(join(dir, 'big.bin'), Buffer.alloc(4 << 20, 7));
    writeFileSync(join(dir, 'big.yml'), `files:\n  - path: big.bin\n    source: ${join(dir, 'big.bin')}\n`);
    const child = spawn(process.execPath, [CLI, '--cache', cache, 'build', '-o', '-', 'big.yml'], { cwd: dir, env: { ...process.env, CI: '' } });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.once('data', () => child.stdout.destroy());
    const status = await new Promise<number | null>((resolve) => child.on('close', resolve));
    assert.equal(status, 1, stderr);
    assert.match(stderr, /^error: stdout was closed before the whole image was written$/m);
    assert.doesNotMatch(stderr, /\n\s+at /);
  });

  test('several formats at once, reproducible byte for byte under two clocks 14 years apart; the initrd as cpio -itv lists it', () => {
    // Each build sees its own wall clock (libfaketime), so a timestamp taken from the clock
    // anywhere (archive, file system, SBOM, a tool it runs) makes the outputs differ whatever
    // the timing; with SOURCE_DATE_EPOCH unset (LinuxKit's defaults) and set. Both clocks are
    // after the epochs (mksquashfs stamps the root with a clock earlier than the epoch:
    // docs/formats.md, Reproducibility) and before 2038 (cpio's 32-bit mtime).
    const clocks = ['@2024-01-02 03:04:05', '@2037-12-31 12:00:00'];
    const seen = clocks.map((c) =>
      Number(execFileSync(process.execPath, ['-e', 'console.log(Date.now())'], { env: { ...process.env, ...fakeClock(c) }, encoding: 'utf8' })),
    );
    assert.ok(seen[1]! - seen[0]! > 13 * 365 * 86400_000, `the fake clocks took: ${seen.map((t) => new Date(t).toISOString()).join(', ')}`);
    // tar and docker must be built alone (as LinuxKit's); kernel+iso and dynamic-vhd under other names
    // (iso-bios writes NAME.iso too, vhd NAME.vhd); the others at once. The fixed-size disks at
    // 8 MiB (--size), not LinuxKit's 1 GiB, to compare them here.
    const alone = ['tar', 'docker', 'kernel+iso', 'dynamic-vhd'];
    const builds = [
      [
        '--size',
        '8M',
        ...formatNames()
          .filter((f) => !alone.includes(f))
          .flatMap((f) => ['-f', f]),
      ],
      ['-f', 'tar'],
      ['-f', 'docker'],
      ['--name', 'kiso', '-f', 'kernel+iso'],
      ['--name', 'dvhd', '--size', '8M', '-f', 'dynamic-vhd'],
    ];
    let outs: string[] = [];
    for (const epoch of ['', '1700000000']) {
      outs = clocks.map((clock, i) => {
        const d = `r${i}${epoch ? '-epoch' : ''}`;
        mkdirSync(join(dir, d));
        for (const formats of builds) {
          const r = lk(['build', '--dir', d, ...formats, 'base.yml'], { env: { ...fakeClock(clock), SOURCE_DATE_EPOCH: epoch } });
          assert.equal(r.status, 0, r.stderr);
        }
        return join(dir, d);
      });
      const files = listDir(outs[0]!);
      assert.deepEqual(files, listDir(outs[1]!));
      for (const f of [
        'base.tar',
        'base-kernel',
        'base-initrd.img',
        'base-cmdline',
        'base-squashfs.img',
        'base-initrd.tar',
        'base.iso',
        'base-bios.img',
        'kiso.iso',
        'base.raw',
        'base.qcow2',
        'base.vhd',
        'dvhd.vhd',
        'base.vmdk',
        'base.img.tar.gz',
        'base-efi.img',
        'base-efi.qcow2',
        'base-efi.iso',
        'base-efi-initrd.iso',
        'base-erofs.img',
        'base.docker',
      ])
        assert.ok(files.includes(f), `${f} in ${files.join(' ')}`);
      assert.equal(readFileSync(join(outs[0]!, 'base.raw')).length, 8 * 1024 * 1024, 'aws: the disk is --size');
      for (const f of files)
        assert.ok(
          readFileSync(join(outs[0]!, f)).equals(readFileSync(join(outs[1]!, f))),
          `${f} differs between the builds at ${clocks.join(' and ')} (SOURCE_DATE_EPOCH=${epoch})`,
        );
    }
    // Every initrd compression, too (a compressor can stamp a time: gzip's header has a field).
    for (const c of COMPRESSIONS) {
      const [a, b] = clocks.map((clock, i) => {
        const d = `c${i}-${c}`;
        mkdirSync(join(dir, d));
        const r = lk(['build', '--dir', d, '-f', 'kernel+initrd', '--compress', c, 'base.yml'], { env: fakeClock(clock) });
        assert.equal(r.status, 0, r.stderr);
        return readFileSync(join(dir, d, 'base-initrd.img'));
      });
      assert.ok(a!.equals(b!), `the ${c} initrd differs between the builds at ${clocks.join(' and ')}`);
    }
    assert.equal(readFileSync(join(outs[0]!, 'base-kernel')).toString(), KERNEL_BYTES.toString());
    assert.equal(readFileSync(join(outs[0]!, 'base-cmdline'), 'utf8'), 'console=ttyS0');

    const listing = execFileSync('sh', ['-c', `gzip -dc ${join(outs[0]!, 'base-initrd.img')} | cpio -itv --numeric-uid-gid 2>/dev/null`], { encoding: 'utf8' });
    const line = (name: string) => listing.split('\n').find((l) => l.endsWith(` ${name}`) || l.includes(` ${name} -> `));
    assert.match(line('bin/sh') ?? '', /^-rwxr-xr-x /);
    assert.match(line('etc/greeting') ?? '', /^-rw-r----- +1 12 +34 /);
    assert.match(line('etc/link') ?? '', /^lrw.* etc\/link -> \/etc\/greeting$/);
    assert.match(line('var/empty') ?? '', /^drwx------ /);
    assert.ok(line('sbom.spdx.json'));
    assert.ok(!line('boot/kernel'), 'the kernel is not in the initrd');
  });

  test('several YAML files are merged; the output is named after the last; stdin is "moby"', async () => {
    writeFileSync(join(dir, 'extra.yml'), 'files:\n  - path: etc/extra\n    contents: more\n');
    const r = lk(['build', '-f', 'tar', 'base.yml', 'extra.yml']);
    assert.equal(r.status, 0, r.stderr);
    const t = await tarOf(join(dir, 'extra.tar'));
    assert.equal(t.get('etc/extra')!.contents, 'more');
    assert.equal(t.get('etc/greeting')!.contents, 'hello\n');
    const s = lk(['build', '-f', 'tar', '-'], { input: 'files:\n  - path: etc/x\n    contents: x\n' });
    assert.equal(s.status, 0, s.stderr);
    assert.equal((await tarOf(join(dir, 'moby.tar'))).get('etc/x')!.contents, 'x');
  });

  test('tar is reproducible byte for byte', () => {
    const r = lk(['build', '-o', 'again.tar', 'base.yml']);
    assert.equal(r.status, 0, r.stderr);
    assert.ok(readFileSync(join(dir, 'again.tar')).equals(readFileSync(join(dir, 'base.tar'))));
  });

  test('layers are kept unpacked between builds (LINUXKIT_LAYER_CACHE): same bytes, the blob not read again', async () => {
    const bigCache = join(dir, 'big-cache');
    const data = randomBytes(1536 * 1024);
    await putCacheImage(bigCache, { ref: 'docker.io/example/big:1', layers: [[{ name: 'big', content: data }]] });
    writeFileSync(join(dir, 'big.yml'), 'onboot:\n  - name: big\n    image: example/big:1\n');
    const layers = join(dir, 'layers');
    const build = (out: string, layerCache: string) =>
      runCli(['--cache', bigCache, 'build', '--no-sbom', '-o', out, 'big.yml'], { cwd: dir, env: { CI: '', LINUXKIT_LAYER_CACHE: layerCache } });
    for (const [out, setting] of [
      ['big-off.tar', 'off'],
      ['big-1.tar', layers],
    ] as const)
      assert.equal(build(out, setting).status, 0);
    assert.equal(readdirSync(layers).length, 2, 'the layer and its size');
    assert.ok(readFileSync(join(dir, 'big-1.tar')).equals(readFileSync(join(dir, 'big-off.tar'))));
    // Spoil the blob: a build with the unpacked copy does not read the blob; one without it fails
    // (and removes the bad blob, docs/security.md 6.).
    const blobs = join(bigCache, 'blobs', 'sha256');
    const blob = readdirSync(blobs).find((b) => statSync(join(blobs, b)).size > 1024 * 1024)!;
    writeFileSync(join(blobs, blob), Buffer.alloc(statSync(join(blobs, blob)).size));
    assert.equal(build('big-2.tar', layers).status, 0);
    assert.ok(readFileSync(join(dir, 'big-2.tar')).equals(readFileSync(join(dir, 'big-off.tar'))));
    assert.notEqual(build('big-bad.tar', 'off').status, 0);
  });

  test('--dry-run prints the merged YAML and writes nothing', () => {
    const before = listDir(dir);
    const r = lk(['build', '--dry-run', 'base.yml']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^kernel:\n    image: linuxkit\/kernel:test\n/);
    assert.match(r.stdout, /\n\n$/);
    assert.deepEqual(listDir(dir), before);
  });

  test('--no-sbom leaves the SBOM out; --sbom-output names it', async () => {
    assert.equal(lk(['build', '--no-sbom', '-o', 'nosbom.tar', 'base.yml']).status, 0);
    const t = await tarOf(join(dir, 'nosbom.tar'));
    assert.ok(!t.has('sbom.spdx.json'));
    assert.equal(t.size, base.size - 1);
    assert.equal(lk(['build', '--sbom-output', 'boot/sbom.json', '-o', 'named.tar', 'base.yml']).status, 0);
    assert.ok((await tarOf(join(dir, 'named.tar'))).has('boot/sbom.json'));
  });

  test('--decompress-kernel turns a gzip kernel into the plain one', async () => {
    writeFileSync(join(dir, 'gz.yml'), 'kernel:\n  image: linuxkit/kernel:gz\n  cmdline: ""\n');
    assert.equal(lk(['build', '-o', 'gz.tar', 'gz.yml']).status, 0);
    assert.ok((await tarOf(join(dir, 'gz.tar'))).get('boot/kernel')!.contents!.startsWith('\x1f'), 'kept gzip without the flag');
    const r = lk(['build', '--decompress-kernel', '-o', 'plain.tar', 'gz.yml']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal((await tarOf(join(dir, 'plain.tar'))).get('boot/kernel')!.contents, KERNEL_BYTES.toString());
    assert.notEqual(statSync(join(dir, 'gz.tar')).size, statSync(join(dir, 'plain.tar')).size);
  });
});

describe('linuxkit build: bad input fails with a clear error and leaves nothing behind', () => {
  let out: string;
  before(() => {
    out = join(dir, 'out');
    mkdirSync(out);
  });

  /** Builds in the empty `out` dir; expects exit 1, `pattern` on stderr, and `out` still empty. */
  function fails(args: string[], pattern: RegExp, input?: string): string {
    const r = lk(['build', '--dir', out, ...args], { input });
    assert.equal(r.status, 1, `exit status; stderr: ${r.stderr}`);
    assert.match(r.stderr, pattern);
    assert.deepEqual(listDir(out), [], 'no output left behind');
    return r.stderr;
  }

  /** The one `error:` line (and no stack trace). */
  function errorLine(stderr: string): string {
    const lines = stderr.split('\n').filter((l) => l.startsWith('error:'));
    assert.equal(lines.length, 1, stderr);
    assert.doesNotMatch(stderr, /\n\s+at /, 'no stack trace');
    return lines[0]!;
  }

  function yml(name: string, text: string): string {
    writeFileSync(join(dir, name), text);
    return join(dir, name);
  }

  test('interrupted (SIGINT): exit 130, partial outputs removed', async () => {
    writeFileSync(join(dir, 'random.bin'), randomBytes(48 << 20));
    const f = yml('interrupt.yml', `files:\n  - path: random.bin\n    source: ${join(dir, 'random.bin')}\n`);
    const child = spawn(process.execPath, [CLI, '--cache', cache, 'build', '--dir', out, '-f', 'kernel+initrd', '-f', 'kernel+squashfs', f], {
      cwd: dir,
      env: { ...process.env, CI: '' },
    });
    let stderr = '';
    let sent = false;
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (!sent && stderr.includes('Add files')) {
        sent = true;
        setTimeout(() => child.kill('SIGINT'), 300);
      }
    });
    const status = await new Promise<number | null>((resolve) => child.on('close', resolve));
    assert.equal(status, 130, stderr);
    assert.match(stderr, /^error: interrupted \(SIGINT\); partial outputs removed$/m);
    assert.deepEqual(listDir(out), []);
  });

  test('a missing files source names the entry and its file:line:col', () => {
    const f = yml('missing.yml', 'init:\n  - linuxkit/init:test\nfiles:\n  - path: etc/ok\n    contents: x\n  - path: etc/x\n    source: /nonexistent/file\n');
    for (const fmt of ['-f tar', '-f kernel+initrd -f kernel+squashfs -f tar-kernel-initrd']) {
      fails([...fmt.split(' '), f], new RegExp(`${f.replace(/[.+]/g, '\\$&')}:6:\\d+: .*files\\[1\\] \\(etc/x\\): source /nonexistent/file does not exist`));
    }
  });

  test('an optional missing source is skipped', async () => {
    const f = yml('optional.yml', 'files:\n  - path: etc/x\n    source: /nonexistent/file\n    optional: true\n  - path: etc/y\n    contents: y\n');
    assert.equal(lk(['build', '-o', 'optional.tar', f]).status, 0);
    const t = await tarOf(join(dir, 'optional.tar'));
    assert.ok(!t.has('etc/x') && t.has('etc/y'));
  });

  test('a kernel image without a kernel', () => {
    const f = yml('nokernel.yml', 'kernel:\n  image: linuxkit/kernel:nokernel\n  cmdline: ""\n');
    fails([f], /kernel image docker.io\/linuxkit\/kernel:nokernel has no kernel file "kernel"/);
    fails(['-f', 'tar', f], /has no kernel file/);
  });

  test('a YAML error: file:line:col', () => {
    const f = yml('broken.yml', 'init:\n  - linuxkit/init:test\nonboot:\n  - name: x\n   image: y\n');
    fails([f], new RegExp(`${f.replace(/[.+]/g, '\\$&')}:\\d+:\\d+`));
    fails(['-'], /^error: <stdin>:2:1: /m, 'a: [\n');
    const unknown = yml('unknown.yml', 'init:\n  - linuxkit/init:test\nservices:\n  - name: s\n    image: example/svc:1\n    bogus: 1\n');
    fails([unknown], new RegExp(`${unknown.replace(/[.+]/g, '\\$&')}:6:5: .*bogus`));
  });

  test('an output directory that cannot be made', () => {
    const r = lk(['build', '-f', 'tar', '--dir', join(dir, 'base.yml', 'sub'), 'base.yml']);
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /^error: cannot write the output: ENOTDIR: not a directory, mkdir '.*base\.yml\/sub'$/m);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  });

  test("conflicting flags, with LinuxKit's messages", () => {
    const f = join(dir, 'base.yml');
    const flags = (args: string[], pattern: RegExp) => {
      const r = lk(['build', ...args, f], { cwd: out });
      assert.equal(r.status, 1, r.stderr);
      assert.match(r.stderr, pattern);
      assert.deepEqual(listDir(out), []);
    };
    flags(['-o', 'x.tar', '-f', 'kernel+initrd', '-f', 'kernel+squashfs'], /the -o option can only be specified when generating a single output format/);
    flags(['-o', 'x.tar', '--name', 'n'], /the -o option cannot be specified with --name/);
    flags(['-o', 'x.tar', '-f', 'kernel+initrd'], /the -o option cannot be specified for build type kernel\+initrd as it cannot be streamed/);
    flags(['-f', 'tar', '-f', 'kernel+initrd'], /format type tar must be the only format specified/);
    flags(['-o', 'x.tar', '--dir', 'd'], /the -o option cannot be specified with --dir/);
    flags(['-f', 'nosuch'], /^error: error parsing formats: unknown format type nosuch/m);
  });

  describe('an image that is not in the cache and cannot be pulled', () => {
    let registry: TestRegistry;
    before(async () => {
      registry = await startTestRegistry();
    });
    after(() => registry.stop());

    test('an image missing from the cache is pulled from its registry, then built in', async () => {
      const layout = join(dir, 'to-push');
      await putCacheImage(layout, { ref: 'v1', layers: [[{ name: 'pulled', content: 'from the registry' }]] });
      skopeo(['copy', '--dest-tls-verify=false', `oci:${layout}:v1`, `docker://${registry.host}/pulled/image:1`]);
      const f = yml('pulled.yml', `init:\n  - ${registry.host}/pulled/image:1\n`);
      const r = lk(['build', '-o', 'pulled.tar', f]);
      assert.equal(r.status, 0, r.stderr);
      const t = await tarOf(join(dir, 'pulled.tar'));
      assert.equal(t.get('pulled')!.contents, 'from the registry');
      assert.equal(t.get('pulled')!.pax['LINUXKIT.source'], `${registry.host}/pulled/image:1`);
      // Now cached: the second build needs no registry. The next tests share the registry:
      // it is started again even when this test fails.
      await registry.stop();
      try {
        const again = lk(['build', '-o', 'pulled2.tar', f]);
        assert.equal(again.status, 0, again.stderr);
        assert.ok(readFileSync(join(dir, 'pulled.tar')).equals(readFileSync(join(dir, 'pulled2.tar'))));
      } finally {
        registry = await startTestRegistry();
      }
    });

    test("--pull takes the registry's image even when the cache has one", async () => {
      const layout = join(dir, 'to-push-2');
      await putCacheImage(layout, { ref: 'v1', layers: [[{ name: 'which', content: 'registry' }]] });
      skopeo(['copy', '--dest-tls-verify=false', `oci:${layout}:v1`, `docker://${registry.host}/pulled/again:1`]);
      await putCacheImage(cache, { ref: `${registry.host}/pulled/again:1`, layers: [[{ name: 'which', content: 'cache' }]] });
      const f = yml('again.yml', `init:\n  - ${registry.host}/pulled/again:1\n`);
      assert.equal(lk(['build', '-o', 'cached.tar', f]).status, 0);
      assert.equal((await tarOf(join(dir, 'cached.tar'))).get('which')!.contents, 'cache');
      const r = lk(['build', '--pull', '-o', 'fresh.tar', f]);
      assert.equal(r.status, 0, r.stderr);
      assert.equal((await tarOf(join(dir, 'fresh.tar'))).get('which')!.contents, 'registry');
    });

    test("404 from the registry: the image and the registry's answer", () => {
      const f = yml('absent.yml', `init:\n  - ${registry.host}/nosuch/image:1\n`);
      const err = errorLine(fails(['-f', 'tar', f], /error:/));
      assert.match(err, new RegExp(`${registry.host}/nosuch/image:1`));
      assert.match(err, /not found|MANIFEST_UNKNOWN|NAME_UNKNOWN|404/i);
    });

    test('registry down: the image and the connection error', async () => {
      const f = yml('down.yml', 'init:\n  - 127.0.0.1:1/nosuch/image:1\n');
      const err = errorLine(fails(['-f', 'kernel+initrd', f], /error:/));
      assert.match(err, /127\.0\.0\.1:1\/nosuch\/image:1/);
      assert.match(err, /connection refused/i);
    });
  });
});

describe('linuxkit build: messages', () => {
  test('in a pipe: the info lines and one summary line per output, no progress', () => {
    const r = lk(['build', '-o', 'msg.tar', 'base.yml']);
    assert.equal(r.status, 0, r.stderr);
    assert.doesNotMatch(r.stderr, /\r|\x1b\[/, 'no progress bars or escapes in a pipe');
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines[0], 'Extract kernel image: linuxkit/kernel:test');
    assert.match(lines[lines.length - 1]!, /^Wrote msg\.tar \(\d+(\.\d)? [KM]iB\)$/);
  });

  test('on a terminal: a live status line, cleared, then the summary', () => {
    const cmd = [process.execPath, CLI, '--cache', cache, 'build', '--dir', 'tty', '-f', 'kernel+initrd', 'base.yml'].map((a) => `'${a}'`).join(' ');
    // script(1) runs the command on a pseudo-terminal; its output is the terminal's.
    const r = spawnSync('script', ['-qec', cmd, '/dev/null'], { cwd: dir, encoding: 'utf8', env: { ...process.env, CI: '' } });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    const out = r.stdout.replace(/\r\n/g, '\n');
    assert.match(out, /\r\x1b\[KAssembling kernel\+initrd: \d+\.\d MiB of root filesystem/);
    assert.match(out, /\r\x1b\[KCompressing and writing kernel\+initrd: /);
    // Log lines go above the status line: each starts on a cleared line.
    assert.match(out, /\r\x1b\[KAdd init image: linuxkit\/init:test\n/);
    assert.match(out, /\r\x1b\[KWrote tty\/base-kernel \(2\.9 KiB\)\nWrote tty\/base-initrd\.img \(\d+(\.\d)? KiB\)\nWrote tty\/base-cmdline \(13 B\)\n$/);
  });

  test('-q: silent', () => {
    const r = lk(['-q', 'build', '-f', 'kernel+initrd', '--dir', 'quiet', 'base.yml']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr, '');
    assert.equal(r.stdout, '');
    assert.ok(existsSync(join(dir, 'quiet', 'base-initrd.img')));
  });
});
