// `pkg build` of Dockerfile packages. Without an engine: the error names what was tried, for
// real sockets that are missing, refuse, answer garbage, answer other HTTP, or never answer.
// With one: a real dockerd (Debian's docker.io: vfs storage, no iptables, no bridge, its own
// socket and data root under a temp dir) is started by the test and stopped after; its output
// is read back from the cache by skopeo (an independent OCI reader) and by `cache export`.
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startDockerd, stopDockerd, type Dockerd } from './fixtures/dockerd.js';
import { runCli } from './helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'pkg-dockerfile-test-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

/** A package dir with build.yml and files (relative path → content). */
function makePkg(name: string, files: Record<string, string>): string {
  const dir = join(tmp, name);
  for (const [rel, content] of Object.entries(files)) {
    mkdirSync(join(dir, rel, '..'), { recursive: true });
    writeFileSync(join(dir, rel), content);
  }
  return dir;
}

function indexRefs(cache: string): string[] {
  if (!existsSync(join(cache, 'index.json'))) return [];
  const idx = JSON.parse(readFileSync(join(cache, 'index.json'), 'utf8')) as { manifests: Array<{ annotations?: Record<string, string> }> };
  return idx.manifests.map((m) => m.annotations?.['org.opencontainers.image.ref.name'] ?? '');
}

describe('pkg build of a Dockerfile package without an engine', () => {
  const pkg = makePkg('noengine', { 'build.yml': 'image: noengine\n', Dockerfile: 'FROM scratch\n' });
  const cache = join(tmp, 'cache-noengine');
  // The sockets are served by a child process: runCli blocks this one's event loop.
  const serverScript = `
    const net = require('net');
    const [garbage, http, silent] = process.argv.slice(1);
    net.createServer((s) => s.end('garbage, not HTTP\\r\\n\\r\\n')).listen(garbage);
    net.createServer((s) => s.once('data', () => s.end('HTTP/1.1 404 Not Found\\r\\nContent-Length: 9\\r\\nConnection: close\\r\\n\\r\\nnot found'))).listen(http);
    net.createServer(() => {}).listen(silent, () => console.log('up'));`;
  const sock = (name: string): string => join(tmp, name);
  let servers: ChildProcess | undefined;
  before(async () => {
    servers = spawn(process.execPath, ['-e', serverScript, sock('garbage.sock'), sock('http.sock'), sock('silent.sock')], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    await new Promise((r) => servers!.stdout!.once('data', r));
  });
  after(() => servers?.kill());

  const buildWith = (dockerHost: string) => {
    const started = Date.now();
    const r = runCli(['--cache', cache, 'pkg', 'build', pkg], { env: { DOCKER_HOST: dockerHost } });
    return { ...r, ms: Date.now() - started };
  };

  const assertRefused = (r: ReturnType<typeof buildWith>, host: string, why: RegExp): void => {
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /cannot build linuxkit\/noengine:\S+ from \S+\/Dockerfile: it needs a Docker\/BuildKit engine, and none answers/);
    assert.ok(r.stderr.includes(`tried DOCKER_HOST (${host})`), r.stderr);
    assert.match(r.stderr, why);
    assert.match(r.stderr, /"debian:" block/);
    assert.deepEqual(indexRefs(cache), [], 'nothing is tagged in the cache');
  };

  it('names a socket that does not exist', () => {
    const host = `unix://${join(tmp, 'nothing-here.sock')}`;
    assertRefused(buildWith(host), host, /nothing-here\.sock does not exist/);
  });

  it('names a socket nothing listens on', async () => {
    // A socket file left by a killed server: connecting is refused.
    const path = join(tmp, 'dead.sock');
    const child = spawn(process.execPath, ['-e', `require('net').createServer().listen(${JSON.stringify(path)}, () => console.log('up'))`], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    await new Promise((r) => child.stdout!.once('data', r));
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    assert.ok(existsSync(path));
    assertRefused(buildWith(`unix://${path}`), `unix://${path}`, /ECONNREFUSED/);
  });

  it('names a socket that answers garbage', () => {
    const path = sock('garbage.sock');
    assertRefused(buildWith(`unix://${path}`), `unix://${path}`, /answers, but not with HTTP \(HPE_[A-Z_]+\): not a Docker engine/);
  });

  it('names a socket where another HTTP server answers', () => {
    const path = sock('http.sock');
    assertRefused(buildWith(`unix://${path}`), `unix://${path}`, /not as a Docker engine \(HTTP 404 "not found" to GET \/_ping\)/);
  });

  it('gives up on a socket that never answers, quickly', () => {
    const path = sock('silent.sock');
    const r = buildWith(`unix://${path}`);
    assertRefused(r, `unix://${path}`, /no answer within 2000 ms/);
    assert.ok(r.ms < 15000, `took ${r.ms} ms`);
  });

  it('names a tcp endpoint nothing listens on', () => {
    const host = 'tcp://127.0.0.1:1';
    assertRefused(buildWith(host), host, /ECONNREFUSED/);
  });

  it('checks the Dockerfile before the engine, as LinuxKit', () => {
    const bad = makePkg('nodockerfile', { 'build.yml': 'image: x\ndockerfile: Dockerfile.missing\n' });
    const r = runCli(['--cache', cache, 'pkg', 'build', bad], { env: { DOCKER_HOST: 'unix:///nonexistent.sock' } });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /build\.yml:2:\d+: .*dockerfile Dockerfile\.missing does not exist or cannot be read in context/);
  });
});

describe('pkg build of a Dockerfile package with a real Docker engine', () => {
  const dir = mkdtempSync('/tmp/lkd-'); // short: containerd's socket path must fit in sun_path
  let engine: Dockerd | string = 'not started';
  const cache = join(tmp, 'cache-engine');

  /** The image's root filesystem, exported by `linuxkit cache export` into tmp/NAME. */
  function exportFilesystem(tag: string, name: string): string {
    const out = join(tmp, name);
    mkdirSync(out);
    const ex = runCli(['--cache', cache, 'cache', 'export', '--format', 'filesystem', '--outfile', out, tag]);
    assert.equal(ex.status, 0, ex.stderr);
    return out;
  }

  const env = (): NodeJS.ProcessEnv => ({ DOCKER_HOST: (engine as { host: string }).host });

  before(async () => {
    engine = await startDockerd(dir);
  });
  after(async () => {
    await stopDockerd(engine);
    rmSync(dir, { recursive: true, force: true });
  });
  const skip = (t: { skip(msg: string): void }): boolean => {
    if (typeof engine === 'string') t.skip(engine);
    return typeof engine === 'string';
  };

  const scratchPkg = makePkg('hello', {
    'build.yml': [
      'image: hello',
      'org: lktest',
      'arches: [amd64, arm64]',
      'config:',
      '  binds: [/etc/resolv.conf:/etc/resolv.conf]',
      'buildArgs: [GREETING=from-build-yml]',
      '',
    ].join('\n'),
    Dockerfile: ['FROM scratch', 'ARG GREETING', 'ARG PKG_IMAGE', 'COPY files/ /', 'LABEL greeting=$GREETING image=$PKG_IMAGE', 'CMD ["/hello"]', ''].join(
      '\n',
    ),
    'files/hello': 'hello from a Dockerfile\n',
    'files/etc/motd': 'motd\n',
  });

  it('builds FROM scratch + COPY into the cache as OCI, with LinuxKit labels and build args', (t) => {
    if (skip(t)) return;
    const argFile = join(tmp, 'args.txt');
    writeFileSync(argFile, 'GREETING=from-arg-file\n');
    const r = runCli(['--cache', cache, 'pkg', 'build', '--build-arg-file', argFile, scratchPkg], { env: env() });
    assert.equal(r.status, 0, r.stderr);
    const tag = runCli(['pkg', 'show-tag', '--canonical', scratchPkg]).stdout.trim();
    const [ref, digest, size] = r.stdout.trim().split(' ');
    assert.equal(ref, tag);
    assert.match(digest!, /^sha256:[0-9a-f]{64}$/);
    assert.ok(Number(size) > 0);
    // The classic builder (no buildx here) builds the engine's platform only; arm64 is skipped, saying so.
    assert.match(r.stderr, /skipping linux\/arm64 \(the engine has no buildx/);
    assert.deepEqual(indexRefs(cache), [tag], 'only the package tag is written');

    const inspect = JSON.parse(execFileSync('skopeo', ['inspect', `oci:${cache}:${tag}`], { encoding: 'utf8' })) as {
      Labels: Record<string, string>;
      Architecture: string;
      Os: string;
    };
    assert.equal(inspect.Architecture, 'amd64');
    assert.equal(inspect.Os, 'linux');
    assert.equal(inspect.Labels['org.mobyproject.config'], JSON.stringify({ binds: ['/etc/resolv.conf:/etc/resolv.conf'] }));
    assert.ok(inspect.Labels['org.mobyproject.linuxkit.version']);
    assert.equal(inspect.Labels.greeting, 'from-arg-file', '--build-arg-file overrides build.yml buildArgs');
    assert.equal(inspect.Labels.image, 'hello', 'PKG_IMAGE is passed');

    const fsDir = exportFilesystem(tag, 'hello-fs');
    assert.equal(readFileSync(join(fsDir, 'hello'), 'utf8'), 'hello from a Dockerfile\n');
    assert.equal(readFileSync(join(fsDir, 'etc/motd'), 'utf8'), 'motd\n');

    // `linuxkit build` takes it as an onboot container: its rootfs, and the config label's binds in config.json.
    const yml = join(tmp, 'uses-hello.yml');
    writeFileSync(yml, `onboot:\n  - name: hello\n    image: ${tag}\n`);
    const out = join(tmp, 'uses-hello.tar');
    const b = runCli(['--cache', cache, 'build', '--format', 'tar', '-o', out, yml]);
    assert.equal(b.status, 0, b.stderr);
    const list = execFileSync('tar', ['-tf', out], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    assert.match(list, /^containers\/onboot\/000-hello\/(rootfs|lower)\/hello$/m);
    const spec = JSON.parse(
      execFileSync('tar', ['-xOf', out, 'containers/onboot/000-hello/config.json'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }),
    ) as { process: { args: string[] }; mounts: Array<{ destination: string }> };
    assert.deepEqual(spec.process.args, ['/hello'], 'the Dockerfile CMD');
    assert.ok(
      spec.mounts.some((m) => m.destination === '/etc/resolv.conf'),
      'the bind from org.mobyproject.config',
    );
  });

  it('finds it in the cache the second time, and an explicit foreign platform is an error', (t) => {
    if (skip(t)) return;
    const again = runCli(['--cache', cache, 'pkg', 'build', scratchPkg], { env: env() });
    assert.equal(again.status, 0, again.stderr);
    assert.match(again.stdout, / \(cached\)$/m);
    const arm = runCli(['--cache', cache, 'pkg', 'build', '--force', '--platforms', 'linux/arm64', scratchPkg], { env: env() });
    assert.equal(arm.status, 1);
    assert.match(arm.stderr, /cannot build lktest\/hello:\S+ for linux\/arm64: the engine has no buildx.*install docker buildx/);
  });

  it('finds the engine through the current docker context, as the docker CLI does', (t) => {
    if (skip(t)) return;
    // The context is made by the real docker CLI, so its on-disk layout is the CLI's own.
    const config = join(tmp, 'docker-config');
    const denv = { ...process.env, DOCKER_CONFIG: config, DOCKER_HOST: '' };
    execFileSync('docker', ['context', 'create', 'lkt-test', '--docker', `host=${(engine as { host: string }).host}`], { env: denv, stdio: 'ignore' });
    execFileSync('docker', ['context', 'create', 'lkt-dead', '--docker', `host=unix://${join(tmp, 'dead-context.sock')}`], { env: denv, stdio: 'ignore' });
    execFileSync('docker', ['context', 'use', 'lkt-test'], { env: denv, stdio: 'ignore' });
    const ok = runCli(['--cache', cache, 'pkg', 'build', '--force', scratchPkg], { env: denv });
    assert.equal(ok.status, 0, ok.stderr);
    assert.match(ok.stderr, /with the Docker engine at docker context "lkt-test" \(unix:\/\/\S+docker\.sock\)/);
    const dead = runCli(['--cache', cache, 'pkg', 'build', '--force', scratchPkg], { env: { ...denv, DOCKER_CONTEXT: 'lkt-dead' } });
    assert.equal(dead.status, 1);
    assert.match(dead.stderr, /none answers: tried docker context "lkt-dead" \(unix:\/\/\S+dead-context\.sock\): \S+dead-context\.sock does not exist/);
  });

  it('runs RUN steps on a base image taken from the linuxkit cache (a daemonless package)', (t) => {
    if (skip(t)) return;
    const base = makePkg('bb', {
      'build.yml': ['image: bb', 'org: lktest', 'arches: [amd64]', 'debian:', '  packages: [busybox-static]', 'busybox-links: /bin/busybox', ''].join('\n'),
    });
    const b = runCli(['--cache', cache, 'pkg', 'build', base]);
    assert.equal(b.status, 0, b.stderr);
    const user = makePkg('user', {
      'build.yml': 'image: user\norg: lktest\narches: [amd64]\n',
      // LinuxKit's @lkt:pkg: names the base package's tag; the Dockerfile starts FROM it.
      'build-args': '\nBASE=@lkt:pkg:../bb\n',
      Dockerfile: ['ARG BASE', 'FROM ${BASE}', 'RUN echo "built by $(uname -m)" > /made && ls /bin/sh > /found', ''].join('\n'),
    });
    const r = runCli(['--cache', cache, 'pkg', 'build', '--build-arg-file', join(user, 'build-args'), user], { env: env() });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /giving docker\.io\/lktest\/bb:\S+ \(amd64\) from the linuxkit cache to the engine/);
    const tag = r.stdout.trim().split(' ')[0]!;
    const fsDir = exportFilesystem(tag, 'user-fs');
    assert.equal(readFileSync(join(fsDir, 'made'), 'utf8'), 'built by x86_64\n');
    assert.equal(readFileSync(join(fsDir, 'found'), 'utf8'), '/bin/sh\n');
    assert.ok(readdirSync(join(fsDir, 'bin')).includes('busybox'), 'the base image is underneath');
  });

  it("fails a broken Dockerfile with the engine's words and leaves no tag", (t) => {
    if (skip(t)) return;
    const bad = makePkg('broken', { 'build.yml': 'image: broken\narches: [amd64]\n', Dockerfile: 'FROM scratch\nCOPY missing-file /x\n' });
    const before = indexRefs(cache);
    const r = runCli(['--cache', cache, 'pkg', 'build', bad], { env: env() });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /COPY failed: [^\n]*missing-file[\s\S]*docker build failed \(exit 1\): its output is above/);
    assert.deepEqual(indexRefs(cache), before);
  });
});
