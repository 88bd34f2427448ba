// Which FROM images of a Dockerfile could come from the linuxkit cache (baseImages), and the
// context tar of a package with an extra source, read back by the system's tar.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createWriteStream, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { after, describe, it } from 'node:test';
import { baseImages, contextTar } from './dockerfile-context.js';

describe('baseImages', () => {
  it('expands global ARGs and build args, skips scratch and earlier stages', () => {
    const df = [
      '# syntax=docker/dockerfile:1',
      'ARG BASE=linuxkit/alpine:abc',
      'ARG TOOLS',
      'FROM --platform=$BUILDPLATFORM ${BASE} AS build',
      'RUN make \\',
      '  all',
      'FROM ${TOOLS:-linuxkit/tools:1} AS tools',
      'FROM build AS again',
      'FROM scratch',
      'COPY --from=tools /x /x',
      'from linuxkit/alpine:abc',
    ].join('\n');
    assert.deepEqual(baseImages(df, new Map()), ['linuxkit/alpine:abc', 'linuxkit/tools:1']);
    assert.deepEqual(baseImages(df, new Map([['BASE', 'me/base:2'], ['TOOLS', 'me/tools:3']])), ['me/base:2', 'me/tools:3', 'linuxkit/alpine:abc']);
  });

  it('treats FROM x AS x as the image x', () => {
    assert.deepEqual(baseImages('FROM busybox AS busybox\nFROM busybox\n', new Map()), ['busybox']);
  });
});

describe('contextTar', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'dockerfile-context-test-'));
  after(() => rmSync(tmp, { recursive: true, force: true }));

  it('holds the package at / and an extra source at its destination, owned by root', async () => {
    mkdirSync(join(tmp, 'pkg/files'), { recursive: true });
    writeFileSync(join(tmp, 'pkg/Dockerfile'), 'FROM scratch\n');
    writeFileSync(join(tmp, 'pkg/files/a'), 'a\n');
    symlinkSync('a', join(tmp, 'pkg/files/link'));
    mkdirSync(join(tmp, 'extra'));
    writeFileSync(join(tmp, 'extra/e'), 'e\n');
    const out = join(tmp, 'ctx.tar');
    await pipeline(contextTar([{ src: join(tmp, 'pkg'), dst: '/' }, { src: join(tmp, 'extra'), dst: '/vendor/extra' }]), createWriteStream(out));
    const list = execFileSync('tar', ['-tvf', out, '--numeric-owner'], { encoding: 'utf8' });
    const names = list.trim().split('\n').map((l) => l.split(/\s+/).slice(5).join(' '));
    assert.deepEqual(names, ['Dockerfile', 'files/', 'files/a', 'files/link -> a', 'vendor/extra/', 'vendor/extra/e']);
    for (const l of list.trim().split('\n')) assert.match(l, /^\S+ 0\/0 /);
    assert.equal(execFileSync('tar', ['-xOf', out, 'vendor/extra/e'], { encoding: 'utf8' }), 'e\n');
  });
});
