// `build --input-tar`: unchanged parts come from the previous tar (their images are not even
// available to the second build), and the result is byte for byte a fresh build's.
import assert from 'node:assert/strict';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { after, describe, it } from 'node:test';
import { metadataFor } from '../build/index.js';
import { loadConfigText } from '../config/index.js';
import type { Config } from '../config/index.js';
import type { ImageResolver, ResolvedImage } from './image-source.js';
import { assemble } from './index.js';
import { InputTar } from './input-tar.js';
import { TarSink } from './tar-sink.js';
import { memImage, readTar } from './testing.js';

const IMAGES: ResolvedImage[] = [
  memImage('docker.io/linuxkit/kernel:6.6', [
    { name: 'kernel', contents: 'KERNEL' },
    { name: 'kernel.tar', contents: Buffer.alloc(1024) },
  ]),
  memImage('docker.io/linuxkit/init:1', [{ name: 'init', contents: '#!/bin/sh\n', mode: 0o755 }]),
  memImage('docker.io/linuxkit/data:1', [{ name: 'data.txt', contents: 'volume data' }]),
  memImage('docker.io/linuxkit/dhcpcd:1', [
    { name: 'sbin', type: 'directory' },
    { name: 'sbin/dhcpcd', contents: 'D', mode: 0o755 },
  ]),
  memImage('docker.io/linuxkit/getty:1', [
    { name: 'usr', type: 'directory' },
    // a name longer than 100 bytes: its entry starts with a PAX header carrying the path
    { name: 'usr/' + 'x'.repeat(120), contents: 'long' },
  ]),
  memImage('docker.io/linuxkit/sshd:1', [{ name: 'sshd', contents: 'S1' }]),
  memImage('docker.io/linuxkit/sshd:2', [{ name: 'sshd', contents: 'S2-newer' }]),
];

/** Resolves only the listed images; asking for any other fails the build. */
function resolverOf(refs: string[], asked: string[] = []): ImageResolver {
  return {
    async resolve(text: string) {
      const ref = text.includes('/') && text.split('/')[0]!.includes('.') ? text : 'docker.io/' + text;
      asked.push(ref);
      const img = IMAGES.find((i) => i.ref === ref);
      if (!img || !refs.includes(ref)) throw new Error(`image ${ref} is not available`);
      return img;
    },
  };
}

const yaml = (sshd: string, extra = '') => `
kernel:
  image: linuxkit/kernel:6.6
  cmdline: "console=ttyS0"
init:
  - linuxkit/init:1
volumes:
  - name: vol1
    image: linuxkit/data:1
onboot:
  - name: dhcpcd
    image: linuxkit/dhcpcd:1
services:
  - name: getty
    image: linuxkit/getty:1
  - name: sshd
    image: ${sshd}${extra}
files:
  - path: etc/linuxkit.yml
    metadata: yaml
`;

async function buildTo(file: string, config: Config, resolver: ImageResolver, inputTar?: InputTar): Promise<void> {
  const sink = new TarSink();
  const writing = pipeline(sink.stream, createWriteStream(file));
  await assemble(config, sink, { resolver, files: { metadata: (k) => metadataFor(config, k) }, ...(inputTar && { inputTar }) });
  await writing;
}

describe('build --input-tar', () => {
  let dir = '';
  after(() => rm(dir, { recursive: true, force: true }));
  const all = IMAGES.map((i) => i.ref);

  it('copies unchanged parts and equals a fresh build', async () => {
    dir = await mkdtemp(join(tmpdir(), 'lk-input-tar-'));
    const oldConfig = await loadConfigText(yaml('linuxkit/sshd:1'), 'old.yml');
    const newConfig = await loadConfigText(yaml('linuxkit/sshd:2'), 'new.yml');
    await buildTo(join(dir, 'old.tar'), oldConfig, resolverOf(all));
    await buildTo(join(dir, 'fresh.tar'), newConfig, resolverOf(all));

    const input = await InputTar.open(join(dir, 'old.tar'), '/etc/linuxkit.yml');
    assert.ok(input.oldConfig, 'the old config is read from the metadata file');
    const asked: string[] = [];
    // Only the changed service's image is available: everything else must come from old.tar.
    await buildTo(join(dir, 'reused.tar'), newConfig, resolverOf(['docker.io/linuxkit/sshd:2'], asked), input);
    assert.deepEqual(asked, ['docker.io/linuxkit/sshd:2']);

    const [fresh, reused, old] = await Promise.all(['fresh', 'reused', 'old'].map((n) => readFile(join(dir, `${n}.tar`))));
    assert.ok(reused!.equals(fresh!), 'the reusing build is byte-identical to a fresh one');
    assert.ok(!old!.equals(fresh!));
    const entries = await readTar(createReadStream(join(dir, 'reused.tar')));
    const names = entries.map((e) => e.name);
    for (const n of [
      'boot/kernel',
      'boot/cmdline',
      'init',
      'containers/volumes/vol1/lower/data.txt',
      'containers/volumes/vol1/merged',
      `containers/services/getty/lower/usr/${'x'.repeat(120)}`,
    ]) {
      assert.ok(
        names.some((x) => x.endsWith(n)),
        `${n} copied`,
      );
    }
    assert.equal(entries.find((e) => e.name === 'containers/services/sshd/lower/sshd')?.contents, 'S2-newer');
  });

  it('rebuilds an entry whose settings changed though its image did not', async () => {
    const changed = await loadConfigText(yaml('linuxkit/sshd:1', '\n    env:\n      - A=1'), 'changed.yml');
    const input = await InputTar.open(join(dir, 'old.tar'), 'etc/linuxkit.yml');
    assert.equal(input.reusesContainer('services', 1, changed.services![1]!), false);
    assert.equal(input.reusesContainer('services', 0, changed.services![0]!), true);
    assert.equal(input.reusesKernel({ ...changed.kernel!, cmdline: 'quiet' }), false, 'the cmdline is in the kernel part');
    await assert.rejects(buildTo(join(dir, 'x.tar'), changed, resolverOf([]), input), /sshd:1 is not available/);
  });

  it('copies containers only when the copy stays right (ids, shared images)', async () => {
    const input = await InputTar.open(join(dir, 'old.tar'), 'etc/linuxkit.yml');
    const same = await loadConfigText(yaml('linuxkit/sshd:1'), 'same.yml');
    assert.deepEqual([...input.reusedContainers(same)], ['onboot[0]', 'services[0]', 'services[1]']);
    // A service added at the end keeps every old uid/gid: the others are still copied.
    const added = { ...same, services: [...same.services!, { name: 'extra', image: 'linuxkit/sshd:2' }] };
    assert.deepEqual([...input.reusedContainers(added)], ['onboot[0]', 'services[0]', 'services[1]']);
    // A container inserted first shifts every id (config.json may name them): nothing is copied.
    const shifted = await loadConfigText(yaml('linuxkit/sshd:1').replace('onboot:\n', 'onboot:\n  - name: first\n    image: linuxkit/sshd:2\n'), 'shifted.yml');
    assert.deepEqual([...input.reusedContainers(shifted)], []);
    // getty's image now also used by a second container: getty's unpack is shared, so not copied.
    const shared = await loadConfigText(yaml('linuxkit/getty:1'), 'shared.yml');
    assert.deepEqual([...input.reusedContainers(shared)], ['onboot[0]']);
  });

  it('refuses a file that is not a tar', async () => {
    const junk = join(dir, 'junk.tar');
    await writeFile(junk, Buffer.alloc(4096, 'x'));
    await assert.rejects(InputTar.open(junk, 'etc/linuxkit.yml'), /not a tar header/);
    await assert.rejects(InputTar.open(join(dir, 'missing.tar'), 'etc/linuxkit.yml'), /failed to open input tar/);
  });

  it('reuses nothing when the new config has no metadata file', async () => {
    const input = await InputTar.open(join(dir, 'old.tar'), undefined);
    assert.equal(input.oldConfig, undefined);
    const config = await loadConfigText(yaml('linuxkit/sshd:1'), 'same.yml');
    assert.equal(input.reusesInit(0, config.init![0]!), false);
  });
});
