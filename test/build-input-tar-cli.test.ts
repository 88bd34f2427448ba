// `linuxkit build --input-tar`, end to end through the CLI and real image caches: the second
// cache holds only the changed service's image, so everything else can only come from the
// previous tar; the result equals a fresh build byte for byte.
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { LayoutStore } from '../src/oci/cache/index.js';
import { runCli } from './helpers.js';
import { makeTar, putImage, tempDir } from '../src/oci/testing.js';

const config = (sshd: string) => `kernel:
  image: linuxkit/kernel:6.6
  cmdline: console=ttyS0
init:
  - linuxkit/init:1
services:
  - name: getty
    image: linuxkit/getty:1
  - name: sshd
    image: linuxkit/${sshd}
files:
  - path: etc/linuxkit.yml
    metadata: yaml
`;

async function addImage(store: LayoutStore, ref: string, files: Record<string, string>): Promise<void> {
  const layer = await makeTar(Object.entries(files).map(([name, content]) => ({ name, content })));
  await store.tag(ref, await putImage(store, [layer]));
}

describe('linuxkit build --input-tar', () => {
  it('reuses unchanged parts from the previous tar', async (t) => {
    const dir = await tempDir(t, 'lkts-input-tar-');
    const full = await LayoutStore.open(join(dir, 'cache-full'));
    const partial = await LayoutStore.open(join(dir, 'cache-partial'));
    await addImage(full, 'docker.io/linuxkit/kernel:6.6', { kernel: 'KERNEL', 'kernel.tar': '' });
    await addImage(full, 'docker.io/linuxkit/init:1', { init: '#!/bin/sh\n' });
    await addImage(full, 'docker.io/linuxkit/getty:1', { 'usr/bin/getty': 'G' });
    for (const s of [full, partial]) await addImage(s, 'docker.io/linuxkit/sshd:2', { 'usr/sbin/sshd': 'S2' });
    await addImage(full, 'docker.io/linuxkit/sshd:1', { 'usr/sbin/sshd': 'S1' });
    await writeFile(join(dir, 'old.yml'), config('sshd:1'));
    await writeFile(join(dir, 'new.yml'), config('sshd:2'));

    const build = (cache: string, out: string, yml: string, ...more: string[]) =>
      runCli(['--cache', join(dir, cache), 'build', '--arch', 'amd64', '-o', join(dir, out), ...more, join(dir, yml)]);
    for (const r of [build('cache-full', 'old.tar', 'old.yml'), build('cache-full', 'fresh.tar', 'new.yml')]) assert.equal(r.status, 0, r.stderr);
    const reused = build('cache-partial', 'reused.tar', 'new.yml', '--input-tar', join(dir, 'old.tar'));
    assert.equal(reused.status, 0, reused.stderr);
    for (const part of ['kernel', 'init[0]', 'services[0]']) assert.ok(reused.stderr.includes(`Copy ${part} files from input tar`), part);
    assert.ok((await readFile(join(dir, 'reused.tar'))).equals(await readFile(join(dir, 'fresh.tar'))));
  });

  it("follows LinuxKit's flag rules", () => {
    const pull = runCli(['build', '--input-tar', 'a.tar', '--pull', 'x.yml']);
    assert.equal(pull.status, 1);
    assert.match(pull.stderr, /cannot use --input-tar and --pull together/);
    const same = runCli(['build', '--input-tar', 'a.tar', '-o', 'a.tar', 'x.yml']);
    assert.equal(same.status, 1);
    assert.match(same.stderr, /input-tar and output file cannot be the same/);
  });
});
