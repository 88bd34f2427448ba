// The OCI grammar checks: what passes, what is refused, and that the cache's blob paths and the
// client's verifier go through them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkDescriptor, checkIndex, checkManifest, digestOf, digestProblem, mediaTypeProblem, parseDigest, sizeProblem } from './descriptor.js';
import { blobPath } from './cache/layout.js';
import { VerifyStream } from './registry/client.js';
import { UserError } from '../util/index.js';

const HEX64 = 'a'.repeat(64);
const GOOD = { mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: `sha256:${HEX64}`, size: 12 };

test('digests: sha256 and sha512 in lowercase hex of the right length, nothing else', () => {
  assert.equal(digestProblem(`sha256:${HEX64}`), undefined);
  assert.equal(digestProblem(`sha512:${'0'.repeat(128)}`), undefined);
  for (const bad of [
    'sha256:../..',
    `sha256:../../${HEX64}`,
    `sha256:${HEX64}/..`,
    `sha256:${'A'.repeat(64)}`,
    `sha256:${HEX64.slice(1)}`,
    `sha256:${HEX64}0`,
    `sha512:${HEX64}`,
    `md5:${'a'.repeat(32)}`,
    `sha384:${'a'.repeat(96)}`,
    `SHA256:${HEX64}`,
    `sha256:${HEX64}\n`,
    `sha256 :${HEX64}`,
    HEX64,
    '',
    42,
    null,
  ]) {
    assert.ok(digestProblem(bad), `refused: ${JSON.stringify(bad)}`);
  }
  assert.deepEqual(parseDigest(`sha256:${HEX64}`, 'x'), { algorithm: 'sha256', encoded: HEX64 });
  assert.throws(
    () => parseDigest('sha256:../..', 'index of r'),
    (e: unknown) => e instanceof UserError && /^index of r: digest "sha256:\.\.\/\.\." is not algorithm:encoded$/.test(e.message),
  );
  assert.throws(() => parseDigest(`sha256:${'A'.repeat(64)}`, 'x'), /x: digest "sha256:A+" is not sha256:<64 lowercase hex digits>/);
  assert.throws(() => parseDigest(`md5:${'a'.repeat(32)}`, 'x'), /unsupported algorithm \(only sha256, sha512\)/);
});

test('media types: RFC 6838 type/subtype, no parameters, no control characters', () => {
  for (const ok of [
    'application/vnd.oci.image.manifest.v1+json',
    'application/vnd.docker.image.rootfs.diff.tar.gzip',
    'text/plain',
    'application/vnd.in-toto+json',
  ]) {
    assert.equal(mediaTypeProblem(ok), undefined, ok);
  }
  for (const bad of [
    '',
    'application',
    'application/',
    '/json',
    'application/json; charset=utf-8',
    'application/json\r\nX-Evil: 1',
    'a/b/c',
    `application/${'x'.repeat(128)}`,
    '.app/json',
    7,
  ]) {
    assert.ok(mediaTypeProblem(bad), `refused: ${JSON.stringify(bad)}`);
  }
});

test('sizes: non-negative safe integers only', () => {
  for (const ok of [0, 1, Number.MAX_SAFE_INTEGER]) assert.equal(sizeProblem(ok), undefined);
  for (const bad of [-1, 1.5, 2 ** 60, Number.NaN, Infinity, '12', null, undefined]) assert.ok(sizeProblem(bad), String(bad));
});

test('descriptors, manifests and indexes: every entry checked, the message says which', () => {
  assert.equal(checkDescriptor(GOOD, 'd'), GOOD);
  assert.throws(() => checkDescriptor({ ...GOOD, size: -1 }, 'layer'), /layer: size -1 is not a non-negative integer/);
  assert.throws(() => checkDescriptor('sha256:x', 'layer'), /layer: not a descriptor object/);
  // Several problems at once are all reported.
  assert.throws(() => checkDescriptor({ mediaType: 'x', digest: 'y', size: 'z' }, 'd'), /media type "x".*; digest "y".*; size "z"/);
  const manifest = {
    schemaVersion: 2,
    config: { ...GOOD, mediaType: 'application/vnd.oci.image.config.v1+json' },
    layers: [GOOD, { ...GOOD, digest: 'sha256:../../etc/passwd' }],
  };
  assert.throws(() => checkManifest(manifest, 'manifest of r'), /manifest of r: layers\[1\]: digest "sha256:\.\.\/\.\.\/etc\/passwd"/);
  assert.throws(() => checkManifest({ schemaVersion: 2, layers: [] }, 'm'), /m: has no config or layers/);
  assert.throws(() => checkIndex({ manifests: [GOOD, { ...GOOD, mediaType: 'bad' }] }, 'index of r'), /index of r: manifests\[1\]: media type "bad"/);
  assert.throws(() => checkIndex({ mediaType: 'no', manifests: [] }, 'index of r'), /index of r: media type "no"/);
  assert.throws(() => checkIndex({}, 'i'), /i: not an image index/);
});

test('the cache builds blob paths only from checked sha256 digests', () => {
  assert.equal(blobPath('/c', `sha256:${HEX64}`), `/c/blobs/sha256/${HEX64}`);
  assert.throws(() => blobPath('/c', 'sha256:../../../etc/passwd'), /image cache: digest "sha256:\.\.\/\.\.\/\.\.\/etc\/passwd" is not/);
  assert.throws(() => blobPath('/c', `sha512:${'0'.repeat(128)}`), /only sha256 blobs can be stored/);
});

test("the client verifies with the digest's own algorithm, and refuses others", async () => {
  const data = Buffer.from('hello');
  for (const alg of ['sha256', 'sha512'] as const) {
    const v = new VerifyStream({ digest: digestOf(data, alg), size: data.length }, 'blob');
    v.end(data);
    for await (const _ of v) void _;
  }
  assert.throws(() => new VerifyStream({ digest: `sha384:${'a'.repeat(96)}`, size: 1 }, 'blob x'), /blob x: digest .* unsupported algorithm/);
});
