// examples/docker.yml as committed (pkg/docker: Debian's dockerd, containerd and runc as a
// service), built by the CLI from the project's packages in a fresh cache, booted twice under
// qemu (TCG) on one data disk this test creates, with the engine's TCP port published to a free
// host port. The host's docker CLI (there is no engine on the host) talks to it:
// - boot 1: format makes the blank disk ext4 and mount puts it at /var/lib/docker; the image
//   carries a `docker save` tar of this project's busybox package (made by `linuxkit cache
//   export --format docker`, named lkts/marker:1) in /etc/docker/images, which the package's
//   loader loads once the engine answers; `docker info` answers through the published port, and
//   a container from the loaded image prints its marker; then a poweroff from getty's shell;
// - boot 2: the same example WITHOUT the tar, on the same disk: format leaves it alone, and the
//   image is still in the engine (its state is on the disk) and runs again.
// Also the time from qemu's start to the first `docker info` answer, for docs/docker.md.
import assert from 'node:assert/strict';
import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { freePort } from '../src/oci/registry/testing.js';
import type { VmHandle } from '../src/run/vm.js';
import { boot, tempDir } from './fixtures/boot.js';
import { exitWithin } from './fixtures/examples.js';
import { retry, run, type Run } from './fixtures/net.js';
import { buildProjectPackages } from './fixtures/packages.js';
import { ROOT, runCli } from './helpers.js';

// What examples/docker.yml uses (its comment's `linuxkit pkg build` line), and busybox for the image.
const PACKAGES = ['kernel', 'init', 'crun', 'dhcpcd', 'getty', 'format', 'mount', 'docker', 'busybox'];
const MARKER = 'lkts-docker-marker-7f3a';

const tmp = tempDir('docker-boot');
const cache = join(tmp, 'cache');
const disk = join(tmp, 'data.img');
const refs = new Map<string, string>();

/** `linuxkit build` of YAML files into tmp/out/NAME; returns the image prefix. */
function build(name: string, files: string[]): string {
  const b = runCli(['--cache', cache, 'build', '--name', name, '--dir', join(tmp, 'out'), ...files]);
  assert.equal(b.status, 0, b.stderr);
  return join(tmp, 'out', name);
}

/** The host's docker CLI against the guest's engine through the published port. */
function docker(port: number, args: string[], ms = 120_000): Promise<Run> {
  return run('docker', ['-H', `tcp://127.0.0.1:${port}`, ...args], ms);
}

/** Powers the machine off from getty's root shell on the serial console; qemu's exit status. */
async function powerOff(vm: VmHandle): Promise<number> {
  await vm.waitFor(/:\S*# /, 60_000);
  vm.send('kill -USR2 1\r');
  return exitWithin(vm, 180_000);
}

/** The boot's landmarks in guest uptime: services started (the init) and the engine ready (its loader). */
function timeline(console: string): string {
  const services = /linuxkit-ts: ([\d.]+) services started/.exec(console)?.[1] ?? '?';
  const engine = /docker: engine ready on \S+ \(uptime ([\d.]+)s\)/.exec(console)?.[1] ?? '?';
  return `services started ${services} s, engine ready ${engine} s`;
}

interface Boot {
  console: string;
  /** Seconds from qemu's start to the first answer of `docker info`. */
  infoAfter: number;
  info: string;
  ran: Run;
  images: string;
  status: number;
}

/** Boots PREFIX on the data disk, asks the engine, runs the marker container, powers off. */
async function bootOnce(prefix: string, label: string, waitForLoad: boolean): Promise<Boot> {
  const port = await freePort();
  const started = Date.now();
  const vm = await boot(prefix, {
    state: join(tmp, `state-${label}`),
    mem: 1024,
    networking: 'user',
    publish: [`127.0.0.1:${port}:2375`],
    disks: [{ path: disk, sizeMB: 2048, format: 'raw' }],
  });
  let ok = false;
  try {
    const info = await retry(400_000, async () => {
      const r = await docker(port, ['info', '--format', '{{.ServerVersion}} {{.Driver}} cgroup{{.CgroupVersion}} {{.DockerRootDir}}'], 20_000);
      return r.status === 0 ? r : undefined;
    });
    assert.ok(info, `docker info did not answer within 400 s:\n${vm.text().slice(-3000)}`);
    const infoAfter = (Date.now() - started) / 1000;
    if (waitForLoad) await vm.waitFor(/docker: loaded \S*\/images\/marker\.tar: lkts\/marker:1/, 300_000);
    const images = await docker(port, ['image', 'ls', '--format', '{{.Repository}}:{{.Tag}}']);
    const ran = await docker(port, ['run', '--rm', 'lkts/marker:1', 'echo', MARKER], 300_000);
    const status = await powerOff(vm);
    ok = true;
    return { console: vm.text(), infoAfter, info: info.stdout.trim(), ran, images: images.stdout, status };
  } finally {
    vm.kill('SIGKILL');
    if (!ok) process.stderr.write(`--- docker ${label} console ---\n${vm.text()}\n--- end ---\n`);
  }
}

describe('examples/docker.yml, booted twice on one data disk: the engine from the host', { timeout: 1_800_000 }, () => {
  let first: Boot | undefined;
  let second: Boot | undefined;
  let sizes = { kernel: 0, initrd: 0 };

  before(async () => {
    for (const [name, ref] of (await buildProjectPackages(cache, PACKAGES)).refs) refs.set(name, ref);
    // The image to load, from the cache, as a user makes it (docs/docker.md).
    const tar = join(tmp, 'marker.tar');
    const x = runCli(['--cache', cache, 'cache', 'export', '--format', 'docker', '--name', 'lkts/marker:1', '--outfile', tar, refs.get('busybox')!]);
    assert.equal(x.status, 0, x.stderr);
    const fragment = join(tmp, 'images.yml');
    writeFileSync(fragment, `files:\n  - path: etc/docker/images/marker.tar\n    source: ${tar}\n`);
    const example = join(ROOT, 'examples/docker.yml');
    const withImage = build('docker-images', [example, fragment]);
    const plain = build('docker', [example]);
    sizes = { kernel: statSync(`${plain}-kernel`).size, initrd: statSync(`${plain}-initrd.img`).size };
    first = await bootOnce(withImage, 'first', true);
    second = await bootOnce(plain, 'second', false);
  });

  it('kernel+initrd of examples/docker.yml is at most 80 MB', (t) => {
    const total = sizes.kernel + sizes.initrd;
    t.diagnostic(`kernel ${(sizes.kernel / 1e6).toFixed(2)} MB + initrd ${(sizes.initrd / 1e6).toFixed(2)} MB = ${(total / 1e6).toFixed(2)} MB`);
    assert.ok(total <= 80e6, `${total} bytes`);
  });

  it('boot 1: format and mount give the engine the blank disk; docker info answers from the host', (t) => {
    assert.ok(first);
    t.diagnostic(`docker info answered ${first.infoAfter.toFixed(1)} s after qemu started: ${first.info}`);
    t.diagnostic(`guest uptime: ${timeline(first.console)}`);
    assert.match(first.console, /format: Partition \/dev\/sda1 successfully created!/);
    assert.match(first.console, /mountie: mounted \/dev\/sda1 at \/var\/lib\/docker/);
    assert.match(first.info, /^20\.10\.\S+ overlay2 cgroup2 \/var\/lib\/docker$/);
  });

  it('boot 1: the image in /etc/docker/images was loaded at boot and its container prints the marker', () => {
    assert.ok(first);
    assert.match(first.images, /^lkts\/marker:1$/m);
    assert.equal(first.ran.status, 0, first.ran.stderr);
    assert.equal(first.ran.stdout, `${MARKER}\n`);
    assert.equal(first.status, 0, 'powered off cleanly');
  });

  it('boot 2 (same disk, no tar in the image): the disk is kept and the image is still there', (t) => {
    assert.ok(second);
    t.diagnostic(`docker info answered ${second.infoAfter.toFixed(1)} s after qemu started`);
    t.diagnostic(`guest uptime: ${timeline(second.console)}`);
    assert.match(second.console, /format: \/dev\/sda has content\. Skipping\./);
    assert.doesNotMatch(second.console, /docker: loaded /, 'nothing to load on this boot');
    assert.match(second.images, /^lkts\/marker:1$/m);
    assert.equal(second.ran.status, 0, second.ran.stderr);
    assert.equal(second.ran.stdout, `${MARKER}\n`);
    assert.equal(second.status, 0);
  });
});
